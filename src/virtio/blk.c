/* SPDX-License-Identifier: GPL-2.0-only */
/* virtio-blk-pci: the device, its I/O thread and its -device driver. */
#include "virtio/blk.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "block/drive.h"
#include "devices/devices.h"
#include "virtio/blk_req.h"
#include "virtio/pci.h"
#include "vm/vm.h"

#define DEFAULT_QUEUE_SIZE 256
#define STOP_TOKEN UINT32_MAX
#define PCI_CLASS_STORAGE_SCSI_CODE 0x010000 /* what QEMU reports for virtio-blk */

struct virtio_blk {
	struct vm *vm;
	char name[32];
	struct drive drive;
	struct virtio_pci vp;
	bool vp_ready;
	struct blk_backend be;       /* the I/O thread's */
	uint8_t config[sizeof(struct virtio_blk_config)];

	int epfd, stop_fd;
	pthread_t thread;
	bool has_thread;
	_Atomic bool stop;
};

/* ---- the I/O thread ------------------------------------------------------------------- */

/* Completions are published in batches, but none waits longer than this for its batch:
 * a slow request (a 1 MiB read, a disk that stalls) is handed back as soon as it is done,
 * so the driver can resubmit while we work on the next (pipelining), while fast 4 KiB
 * requests still share one used-index store and one interrupt decision. */
#define PUBLISH_NS 50000

/* Publish what was pushed and interrupt if the driver wants it. */
static void publish(struct virtio_blk *b, unsigned qi, struct virtq *q)
{
	virtq_flush(q);
	if (virtq_needs_interrupt(q))
		virtio_pci_queue_interrupt(&b->vp, qi);
}

/*
 * Serve what queue qi has available.  At most one queue's worth of chains per call: a
 * driver that keeps the ring full (or rings laid over each other so that our used-ring
 * writes feed the avail ring) must not keep the queue lock forever, which a reset waits
 * for; the rest is picked up after a self-kick.
 */
static void serve(struct virtio_blk *b, unsigned qi)
{
	struct virtq *q = virtio_pci_queue_begin(&b->vp, qi);
	struct virtq_chain c;
	unsigned budget, pending = 0;
	uint64_t batch_start = 0;
	bool more = false;
	int r;

	if (!q)
		return;
	budget = q->size;
	for (;;) {
		virtq_kicks(q, false);
		r = 0;
		while (budget && (r = virtq_pop(q, &c)) > 0) {
			int used = blk_req_execute(&b->be, &c, q->error, sizeof(q->error));

			budget--;
			if (used < 0) {
				q->broken = true;
				r = -EINVAL;
				break;
			}
			virtq_push(q, c.head, (uint32_t)used);
			if (!pending++)
				batch_start = clock_ns();
			else if (clock_ns() - batch_start >= PUBLISH_NS) {
				publish(b, qi, q);
				pending = 0;
			}
		}
		if (r < 0) {
			if (pending)
				virtq_flush(q);
			virtio_pci_queue_broken(&b->vp, qi);
			pending = 0;
			break;
		}
		virtq_kicks(q, true);
		if (!virtq_avail_pending(q))
			break;
		if (!budget) {
			more = true;
			break;
		}
	}
	if (pending)
		publish(b, qi, q);
	virtio_pci_queue_end(&b->vp, qi);
	if (more) {
		static const uint64_t one = 1;
		if (write(b->vp.q[qi].notify_fd, &one, sizeof(one)) < 0)
			log_error("%s: queue %u: self-kick: %m", b->name, qi);
	}
}

static void *io_thread(void *opaque)
{
	struct virtio_blk *b = opaque;
	struct epoll_event ev[VIRTIO_PCI_MAX_QUEUES + 1];
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!atomic_load(&b->stop)) {
		int n = epoll_wait(b->epfd, ev, VIRTIO_PCI_MAX_QUEUES + 1, -1);

		if (n < 0) {
			if (errno != EINTR) {
				log_error("%s: I/O thread: epoll_wait: %m", b->name);
				break;
			}
			continue;
		}
		for (int i = 0; i < n; i++) {
			uint32_t qi = ev[i].data.u32;
			uint64_t cnt;

			if (qi == STOP_TOKEN || qi >= b->vp.nr_queues)
				continue;
			/* Drain first: a kick after this is seen by the next epoll_wait. */
			if (read(b->vp.q[qi].notify_fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
				log_error("%s: queue %u: eventfd read: %m", b->name, qi);
			b->vp.q[qi].kicks++;
			serve(b, qi);
		}
	}
	return NULL;
}

/* ---- device configuration --------------------------------------------------------------- */

static uint32_t config_read(void *opaque, unsigned off, unsigned size)
{
	struct virtio_blk *b = opaque;
	uint32_t v = 0;

	memcpy(&v, b->config + off, size); /* little-endian host */
	return le32toh(v);
}

static void config_write(void *opaque, unsigned off, unsigned size, uint32_t val)
{
	struct virtio_blk *b = opaque;

	(void)val;
	/* No VIRTIO_BLK_F_CONFIG_WCE: nothing in the configuration is writable. */
	log_guest(&b->vp.rl, "%s: %u-byte write to device configuration 0x%x ignored", b->name,
		  size, off);
}

static void device_reset(void *opaque)
{
	(void)opaque; /* the queues hold all the state; the transport reset them */
}

static const struct virtio_dev_ops blk_ops = { config_read, config_write, device_reset };

static void build_config(struct virtio_blk *b, unsigned nr_queues, unsigned queue_size)
{
	struct virtio_blk_config c;

	memset(&c, 0, sizeof(c));
	c.capacity = htole64(b->be.sectors);
	c.seg_max = htole32(queue_size - 2); /* header and status take two descriptors */
	c.blk_size = htole32(BLK_SECTOR);
	c.num_queues = htole16((uint16_t)nr_queues);
	memcpy(b->config, &c, sizeof(c));
}

/* ---- lifecycle -------------------------------------------------------------------------- */

static void blk_reset(void *opaque)
{
	struct virtio_blk *b = opaque;

	if (b->vp_ready)
		virtio_pci_reset(&b->vp);
}

static void blk_destroy(void *opaque)
{
	struct virtio_blk *b = opaque;
	static const uint64_t one = 1;

	if (b->has_thread) {
		atomic_store(&b->stop, true);
		if (write(b->stop_fd, &one, sizeof(one)) != sizeof(one))
			log_error("%s: stopping the I/O thread: %m", b->name);
		pthread_join(b->thread, NULL);
	}
	virtio_pci_destroy(&b->vp);
	if (b->epfd >= 0)
		close(b->epfd);
	if (b->stop_fd >= 0)
		close(b->stop_fd);
	drive_close(&b->drive);
	free(b);
}

/* addr=SLOT[.0] in hex, as QEMU writes PCI addresses. */
static int parse_addr(const char *s, int *slot)
{
	char *end;
	unsigned long v = strtoul(s, &end, 16);

	if (end == s || (*end && strcmp(end, ".0")) || v == 0 || v >= 32)
		return -EINVAL;
	*slot = (int)v;
	return 0;
}

static int get_uint(struct opts *o, const char *key, uint64_t dflt, uint64_t *out, char *err,
		    size_t errlen)
{
	int ret = opts_get_uint(o, key, out, err, errlen);

	if (ret == -ENOENT) {
		*out = dflt;
		return 0;
	}
	return ret;
}

int virtio_blk_pci_create(struct vm *vm, struct opts *opts, char *err, size_t errlen)
{
	const char *drive = opts_get(opts, "drive"), *id = opts_get(opts, "id");
	const char *serial = opts_get(opts, "serial"), *addr = opts_get(opts, "addr");
	uint64_t nq, qs, dflt_nq = vm->cfg->cpus < VIRTIO_PCI_MAX_QUEUES ? vm->cfg->cpus :
						VIRTIO_PCI_MAX_QUEUES;
	struct virtio_pci_config pc = { .virtio_type = VIRTIO_ID_BLOCK, .slot = -1,
					.class_code = PCI_CLASS_STORAGE_SCSI_CODE, .ioeventfd = true };
	struct epoll_event ev = { .events = EPOLLIN };
	struct virtio_blk *b;
	int ret;

	if (!drive || !*drive) {
		snprintf(err, errlen, "drive=ID is required");
		return -EINVAL;
	}
	if ((ret = get_uint(opts, "num-queues", dflt_nq ? dflt_nq : 1, &nq, err, errlen)) < 0 ||
	    (ret = get_uint(opts, "queue-size", DEFAULT_QUEUE_SIZE, &qs, err, errlen)) < 0)
		return ret;
	if (nq < 1 || nq > VIRTIO_PCI_MAX_QUEUES) {
		snprintf(err, errlen, "num-queues=%llu: 1..%u", (unsigned long long)nq,
			 VIRTIO_PCI_MAX_QUEUES);
		return -EINVAL;
	}
	if (qs < 4 || qs > VIRTQ_MAX_SIZE || (qs & (qs - 1))) {
		snprintf(err, errlen, "queue-size=%llu: a power of two in 4..%u",
			 (unsigned long long)qs, VIRTQ_MAX_SIZE);
		return -EINVAL;
	}
	if (addr && parse_addr(addr, &pc.slot) < 0) {
		snprintf(err, errlen, "addr=%s: a slot 1..1f (hex), optionally with .0", addr);
		return -EINVAL;
	}
	if ((ret = opts_get_bool(opts, "ioeventfd", &pc.ioeventfd, err, errlen)) < 0 &&
	    ret != -ENOENT)
		return ret;
	if (serial && strlen(serial) > VIRTIO_BLK_ID_BYTES) {
		snprintf(err, errlen, "serial=%s: at most %d characters", serial, VIRTIO_BLK_ID_BYTES);
		return -EINVAL;
	}

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->vm = vm;
	b->epfd = b->stop_fd = -1;
	b->drive.fd = -1;
	if (id && *id)
		snprintf(b->name, sizeof(b->name), "%s", id);
	else
		snprintf(b->name, sizeof(b->name), "virtio-blk-%s", drive);
	/* From here on, teardown cleans up whatever was set up. */
	if ((ret = vm_add_device(vm, b->name, b, blk_reset, blk_destroy)) < 0) {
		free(b);
		snprintf(err, errlen, "too many devices");
		return ret;
	}
	if ((ret = drive_open(vm->cfg, drive, &b->drive, err, errlen)) < 0)
		return ret;
	b->be = (struct blk_backend){
		.name = b->name, .fd = b->drive.fd, .sectors = b->drive.size / BLK_SECTOR,
		.readonly = b->drive.readonly, .trace = &vm->trace, .rl = RATELIMIT_INIT,
	};
	/* GET_ID: the serial, empty without one (as QEMU). */
	memcpy(b->be.serial, serial ? serial : "", serial ? strlen(serial) : 0);
	build_config(b, (unsigned)nq, (unsigned)qs);

	pc.name = b->name;
	pc.nr_queues = (unsigned)nq;
	pc.queue_size = (uint16_t)qs;
	pc.config_size = sizeof(b->config);
	pc.features = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
		      (1ull << VIRTIO_BLK_F_FLUSH) | (nq > 1 ? 1ull << VIRTIO_BLK_F_MQ : 0) |
		      (b->drive.readonly ? 1ull << VIRTIO_BLK_F_RO : 0);
	ret = virtio_pci_init(&b->vp, vm, &pc, &blk_ops, b, err, errlen);
	b->vp_ready = ret == 0;
	if (ret < 0)
		return ret;

	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	b->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->epfd < 0 || b->stop_fd < 0) {
		snprintf(err, errlen, "epoll/eventfd: %s", strerror(errno));
		return -errno;
	}
	ev.data.u32 = STOP_TOKEN;
	if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, b->stop_fd, &ev) < 0) {
		snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
		return -errno;
	}
	for (unsigned i = 0; i < b->vp.nr_queues; i++) {
		ev.data.u32 = i;
		if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, b->vp.q[i].notify_fd, &ev) < 0) {
			snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
			return -errno;
		}
	}
	if ((ret = pthread_create(&b->thread, NULL, io_thread, b)) != 0) {
		snprintf(err, errlen, "cannot start its I/O thread: %s", strerror(ret));
		return -ret;
	}
	b->has_thread = true;
	return 0;
}
