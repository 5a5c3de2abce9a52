/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xkvm-msix-testdev: the interrupt fabric with no PCI around it, for guest tests.  An
 * MMIO window (default 0xfe000000, 8 KiB) holds an MSI-X table and PBA (struct
 * irq_vectors) and a few registers; an I/O thread raises vectors by writing their
 * trigger eventfds, exactly as a virtio back-end thread does.
 *
 *   0x0000  MSI-X table (vectors x 16 bytes)        0x0800  PBA
 *   0x1000  CTRL     r/w  MSI-X Message Control (bit 15 enable, bit 14 function mask)
 *   0x1004  FIRE     w    bitmask of vectors 0..31 the I/O thread raises (eventfd writes)
 *   0x1008  NOTIFY   w    vector raised on the emulated path (KVM_SIGNAL_MSI or PBA)
 *   0x100c  TRIGGER  w    vector | 1 << 31 attaches its eventfd (SET_IRQS), without: detach
 *   0x1010  FIRED    r    eventfd writes the I/O thread has done
 *   0x1014  FIRE_AT  w    vector | path << 8 | delay_us << 16: after delay_us the I/O thread
 *                         takes a TSC stamp and raises the vector: path 0 writes its eventfd
 *                         (irqfd), path 1 calls KVM_SIGNAL_MSI (the emulated path)
 *   0x1018  STAMP    r    (8 bytes) that stamp in the reading vCPU's TSC: the host TSC plus
 *                         the vCPU's TSC offset, measured around KVM_GET_MSRS(IA32_TSC)
 *   The last two serve bench/irq: interrupt latency from a device thread's trigger write
 *   to the guest's handler, on the guest's own clock.
 *
 * Properties: addr=GPA (4 KiB aligned), vectors=1..32 (default 4).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "devices/devices.h"
#include "vcpu/vcpu.h"
#include "irq/vectors.h"
#include "vm/vm.h"

#define TESTDEV_SIZE    0x2000
#define TESTDEV_TABLE   0x0000
#define TESTDEV_PBA     0x0800
#define TESTDEV_CTRL    0x1000
#define TESTDEV_FIRE    0x1004
#define TESTDEV_NOTIFY  0x1008
#define TESTDEV_TRIGGER 0x100c
#define TESTDEV_FIRED   0x1010
#define TESTDEV_FIRE_AT 0x1014
#define TESTDEV_STAMP   0x1018
#define MSR_IA32_TSC    0x10
#define TESTDEV_MAX_VEC 32

struct msix_testdev {
	struct vm *vm;
	uint64_t base;
	unsigned nr;
	struct irq_vectors irq;
	int efd[TESTDEV_MAX_VEC]; /* the device's trigger eventfds */
	int doorbell;             /* vCPU -> I/O thread */
	_Atomic uint32_t fire_req;
	_Atomic uint32_t fired;
	_Atomic uint32_t fire_at;  /* FIRE_AT request, bit 31 set while pending */
	_Atomic uint64_t stamp;    /* host TSC right before the last timed raise */
	_Atomic bool stop;
	pthread_t thread;
	bool has_thread;
	struct ratelimit rl;
};

/* FIRE_AT: wait, stamp, raise.  The stamp is taken as late as possible before the raise. */
static void timed_fire(struct msix_testdev *d, uint32_t req)
{
	static const uint64_t one = 1;
	unsigned v = req & 0xff, path = (req >> 8) & 0xff;
	uint64_t delay_ns = (uint64_t)((req >> 16) & 0x7fff) * 1000;
	struct timespec ts = { (time_t)(delay_ns / 1000000000u), (long)(delay_ns % 1000000000u) };

	if (!(req >> 31) || v >= d->nr)
		return;
	if (delay_ns)
		nanosleep(&ts, NULL);
	atomic_store(&d->stamp, __rdtsc());
	if (path == 0) {
		if (write(d->efd[v], &one, sizeof(one)) != sizeof(one))
			log_error("msix-testdev: vector %u: eventfd write: %s", v, strerror(errno));
	} else {
		irq_vectors_notify(&d->irq, v);
	}
}

/* The reading vCPU's TSC minus the host's, bracketing KVM_GET_MSRS (vCPU thread). */
static int64_t tsc_offset(struct vcpu *vcpu)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m;
	int64_t best = 0;
	uint64_t best_span = UINT64_MAX;

	for (int i = 0; i < 5; i++) {
		uint64_t h0, h1;

		memset(&m, 0, sizeof(m));
		m.h.nmsrs = 1;
		m.e.index = MSR_IA32_TSC;
		h0 = __rdtsc();
		if (ioctl(vcpu->fd, KVM_GET_MSRS, &m) != 1)
			return 0;
		h1 = __rdtsc();
		if (h1 - h0 < best_span) {
			best_span = h1 - h0;
			best = (int64_t)(m.e.data - (h0 + (h1 - h0) / 2));
		}
	}
	return best;
}

static void *io_thread(void *opaque)
{
	struct msix_testdev *d = opaque;
	static const uint64_t one = 1;
	uint64_t n;

	while (!atomic_load(&d->stop)) {
		uint32_t req;

		if (read(d->doorbell, &n, sizeof(n)) != sizeof(n))
			continue;
		req = atomic_exchange(&d->fire_req, 0);
		timed_fire(d, atomic_exchange(&d->fire_at, 0));
		for (unsigned v = 0; v < d->nr; v++)
			if (req & 1u << v) {
				if (write(d->efd[v], &one, sizeof(one)) != sizeof(one))
					log_error("msix-testdev: vector %u: eventfd write: %s", v,
						  strerror(errno));
				atomic_fetch_add(&d->fired, 1);
			}
	}
	return NULL;
}

static uint64_t testdev_read(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size)
{
	struct msix_testdev *d = opaque;

	(void)vcpu;
	if (off < TESTDEV_PBA)
		return irq_vectors_table_read(&d->irq, off - TESTDEV_TABLE, size);
	if (off < TESTDEV_CTRL)
		return irq_vectors_pba_read(&d->irq, off - TESTDEV_PBA, size);
	if (off == TESTDEV_STAMP && size == 8 && vcpu)
		return atomic_load(&d->stamp) + (uint64_t)tsc_offset(vcpu);
	if (size != 4)
		return ~0ull >> (64 - size * 8);
	switch (off) {
	case TESTDEV_CTRL:
		return irq_vectors_cap_read(&d->irq, MSIX_CAP_CONTROL, 2);
	case TESTDEV_FIRED:
		return atomic_load(&d->fired);
	default:
		return 0xffffffff;
	}
}

static void testdev_write(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size,
			  uint64_t val)
{
	struct msix_testdev *d = opaque;
	static const uint64_t one = 1;
	unsigned v;

	(void)vcpu;
	if (off < TESTDEV_PBA) {
		irq_vectors_table_write(&d->irq, off - TESTDEV_TABLE, size, val);
		return;
	}
	if (off < TESTDEV_CTRL) {
		irq_vectors_pba_write(&d->irq, off - TESTDEV_PBA, size, val);
		return;
	}
	if (size != 4) {
		log_guest(&d->rl, "msix-testdev: %u-byte write at 0x%llx ignored", size,
			  (unsigned long long)off);
		return;
	}
	switch (off) {
	case TESTDEV_CTRL:
		irq_vectors_cap_write(&d->irq, MSIX_CAP_CONTROL, 2, (uint32_t)val);
		break;
	case TESTDEV_FIRE:
		atomic_fetch_or(&d->fire_req, (uint32_t)val);
		if (write(d->doorbell, &one, sizeof(one)) != sizeof(one))
			log_error("msix-testdev: doorbell: %s", strerror(errno));
		break;
	case TESTDEV_NOTIFY:
		irq_vectors_notify(&d->irq, (unsigned)val);
		break;
	case TESTDEV_FIRE_AT:
		atomic_store(&d->fire_at, (uint32_t)val | 1u << 31);
		if (write(d->doorbell, &one, sizeof(one)) != sizeof(one))
			log_error("msix-testdev: doorbell: %s", strerror(errno));
		break;
	case TESTDEV_TRIGGER:
		v = val & 0xff;
		if (v < d->nr)
			irq_vectors_set_trigger(&d->irq, v, val >> 31 ? d->efd[v] : -1);
		break;
	default:
		log_guest(&d->rl, "msix-testdev: write to 0x%llx ignored", (unsigned long long)off);
	}
}

static const struct bus_ops testdev_ops = { testdev_read, testdev_write };

static void testdev_reset(void *opaque)
{
	struct msix_testdev *d = opaque;
	irq_vectors_reset(&d->irq);
}

static void testdev_destroy(void *opaque)
{
	struct msix_testdev *d = opaque;
	static const uint64_t one = 1;

	if (d->has_thread) {
		atomic_store(&d->stop, true);
		if (write(d->doorbell, &one, sizeof(one)) < 0)
			log_error("msix-testdev: doorbell: %s", strerror(errno));
		pthread_join(d->thread, NULL);
	}
	bus_unregister(&d->vm->mmio, d->base, d);
	if (d->irq.vec)
		irq_vectors_destroy(&d->irq);
	for (unsigned v = 0; v < TESTDEV_MAX_VEC; v++)
		if (d->efd[v] >= 0)
			close(d->efd[v]);
	if (d->doorbell >= 0)
		close(d->doorbell);
	free(d);
}

int msix_testdev_create(struct vm *vm, struct opts *opts, char *err, size_t errlen)
{
	uint64_t base = 0xfe000000, nr = 4;
	struct msix_testdev *d;
	int ret;

	if ((ret = opts_get_uint(opts, "addr", &base, err, errlen)) < 0 && ret != -ENOENT)
		return ret;
	if ((ret = opts_get_uint(opts, "vectors", &nr, err, errlen)) < 0 && ret != -ENOENT)
		return ret;
	if (nr < 1 || nr > TESTDEV_MAX_VEC || (base & 0xfff) || base > (1ull << 52)) {
		snprintf(err, errlen, "vectors=%llu (1..%u), addr=0x%llx (4 KiB aligned)",
			 (unsigned long long)nr, TESTDEV_MAX_VEC, (unsigned long long)base);
		return -EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->vm = vm;
	d->base = base;
	d->nr = (unsigned)nr;
	d->rl = (struct ratelimit)RATELIMIT_INIT;
	d->doorbell = eventfd(0, EFD_CLOEXEC);
	for (unsigned v = 0; v < TESTDEV_MAX_VEC; v++)
		d->efd[v] = v < nr ? eventfd(0, EFD_CLOEXEC) : -1;
	if ((ret = vm_add_device(vm, "xkvm-msix-testdev", d, testdev_reset, testdev_destroy)) < 0) {
		free(d);
		return ret;
	}
	if (d->doorbell < 0 || d->efd[nr - 1] < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -errno;
	}
	if ((ret = irq_vectors_init(&d->irq, vm->irq, "msix-testdev", d->nr, 0, TESTDEV_TABLE, 0,
				    TESTDEV_PBA)) < 0) {
		snprintf(err, errlen, "cannot set up its MSI-X vectors");
		return ret;
	}
	for (unsigned v = 0; v < d->nr; v++)
		if ((ret = irq_vectors_set_trigger(&d->irq, v, d->efd[v])) < 0) {
			snprintf(err, errlen, "vector %u: SET_IRQS: %s", v, strerror(-ret));
			return ret;
		}
	if ((ret = pthread_create(&d->thread, NULL, io_thread, d)) != 0) {
		snprintf(err, errlen, "cannot start its I/O thread: %s", strerror(ret));
		return -ret;
	}
	d->has_thread = true;
	if ((ret = bus_register(&vm->mmio, base, TESTDEV_SIZE, &testdev_ops, d,
				"xkvm-msix-testdev")) < 0) {
		snprintf(err, errlen, "0x%llx+0x%x overlaps another device", (unsigned long long)base,
			 TESTDEV_SIZE);
		return ret;
	}
	return 0;
}
