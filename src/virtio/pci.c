/* SPDX-License-Identifier: GPL-2.0-only */
/* The modern virtio PCI transport (VIRTIO 1.2 §4.1). */
#include "virtio/pci.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pci/host.h"
#include "vm/vm.h"

/* What the transport itself implements, offered with every device. */
#define TRANSPORT_FEATURES ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_RING_F_INDIRECT_DESC) | \
			    (1ull << VIRTIO_RING_F_EVENT_IDX))
#define REGION_LEN 0x1000
#define ISR_QUEUE 0x1 /* ISR bit 0: a queue interrupt; bit 1 is VIRTIO_PCI_ISR_CONFIG */

#define vp_log(vp, ...) log_guest(&(vp)->rl, __VA_ARGS__)

static const uint64_t one = 1;

static void kick(int fd)
{
	/* An eventfd write cannot fail short of a closed fd or a counter at 2^64 - 2. */
	if (write(fd, &one, sizeof(one)) != sizeof(one))
		log_error("virtio-pci: eventfd write: %m");
}

/* ---- interrupts ----------------------------------------------------------------------- */

static void raise_isr(struct virtio_pci *vp, uint8_t bit, bool intx)
{
	pthread_mutex_lock(&vp->isr_lock);
	vp->isr |= bit;
	if (intx)
		pci_set_irq(&vp->pci, true);
	pthread_mutex_unlock(&vp->isr_lock);
}

static void raise_vector(struct virtio_pci *vp, uint16_t v)
{
	if (v < vp->nr_vectors)
		kick(vp->vec_fd[v]);
}

void virtio_pci_queue_interrupt(struct virtio_pci *vp, unsigned q)
{
	/* MSI writes are memory writes: none without bus mastering. */
	if (!atomic_load(&vp->bus_master))
		return;
	vp->q[q].interrupts++;
	if (atomic_load(&vp->msix_enabled))
		raise_vector(vp, atomic_load(&vp->q[q].msix_vector));
	else
		raise_isr(vp, ISR_QUEUE, true);
}

static void config_interrupt(struct virtio_pci *vp)
{
	bool msix = atomic_load(&vp->msix_enabled);

	/* §4.1.4.5.1: the configuration bit is set in ISR whatever the mode. */
	raise_isr(vp, VIRTIO_PCI_ISR_CONFIG, !msix && atomic_load(&vp->bus_master));
	if (msix && atomic_load(&vp->bus_master))
		raise_vector(vp, atomic_load(&vp->config_vector));
}

static uint8_t read_isr(struct virtio_pci *vp)
{
	uint8_t v;

	pthread_mutex_lock(&vp->isr_lock);
	v = vp->isr;
	vp->isr = 0;
	pci_set_irq(&vp->pci, false);
	pthread_mutex_unlock(&vp->isr_lock);
	return v;
}

/* ---- the I/O thread's view ------------------------------------------------------------ */

static bool device_live(struct virtio_pci *vp)
{
	uint8_t s = atomic_load(&vp->status);

	return (s & VIRTIO_CONFIG_S_DRIVER_OK) && !(s & VIRTIO_CONFIG_S_NEEDS_RESET) &&
	       !(s & VIRTIO_CONFIG_S_FAILED) && atomic_load(&vp->bus_master);
}

struct virtq *virtio_pci_queue_begin(struct virtio_pci *vp, unsigned q)
{
	struct virtio_pci_queue *vq = &vp->q[q];

	if (q >= vp->nr_queues || !device_live(vp))
		return NULL;
	pthread_mutex_lock(&vq->lock);
	if (!vq->enabled || vq->vq.broken || !device_live(vp)) {
		pthread_mutex_unlock(&vq->lock);
		return NULL;
	}
	return &vq->vq;
}

void virtio_pci_queue_end(struct virtio_pci *vp, unsigned q)
{
	pthread_mutex_unlock(&vp->q[q].lock);
}

static void set_needs_reset(struct virtio_pci *vp)
{
	atomic_fetch_or(&vp->status, VIRTIO_CONFIG_S_NEEDS_RESET);
	config_interrupt(vp);
}

void virtio_pci_queue_broken(struct virtio_pci *vp, unsigned q)
{
	log_guest(&vp->rl, "%s: queue %u: %s; the device needs a reset (DEVICE_NEEDS_RESET)",
		  vp->name, q, vp->q[q].vq.error);
	set_needs_reset(vp);
}

bool virtio_pci_has_feature(struct virtio_pci *vp, unsigned bit)
{
	return bit < 64 && (__atomic_load_n(&vp->driver_features, __ATOMIC_RELAXED) >> bit & 1);
}

static void kick_all(struct virtio_pci *vp)
{
	for (unsigned i = 0; i < vp->nr_queues; i++)
		kick(vp->q[i].notify_fd);
}

/* ---- reset and queue enable (vp->lock held) --------------------------------------------- */

static void reset_queue(struct virtio_pci_queue *q)
{
	pthread_mutex_lock(&q->lock); /* waits for the I/O thread's request in flight */
	q->enabled = false;
	memset(&q->vq, 0, offsetof(struct virtq, iov));
	pthread_mutex_unlock(&q->lock);
	q->size = q->vp->max_queue_size;
	q->desc = q->avail = q->used = 0;
	atomic_store(&q->msix_vector, VIRTIO_PCI_NO_VECTOR);
}

static void reset_device(struct virtio_pci *vp)
{
	for (unsigned i = 0; i < vp->nr_queues; i++)
		reset_queue(&vp->q[i]);
	__atomic_store_n(&vp->driver_features, 0, __ATOMIC_RELAXED);
	vp->dfselect = vp->gfselect = 0;
	vp->queue_select = 0;
	atomic_store(&vp->config_vector, VIRTIO_PCI_NO_VECTOR);
	pthread_mutex_lock(&vp->isr_lock);
	vp->isr = 0;
	pci_set_irq(&vp->pci, false);
	pthread_mutex_unlock(&vp->isr_lock);
	atomic_store(&vp->status, 0);
	if (vp->ops->reset)
		vp->ops->reset(vp->opaque);
}

static void enable_queue(struct virtio_pci *vp, struct virtio_pci_queue *q)
{
	int ret;

	pthread_mutex_lock(&q->lock);
	ret = virtq_init(&q->vq, &vp->vm->mem, q->size, q->desc, q->avail, q->used,
			 virtio_pci_has_feature(vp, VIRTIO_RING_F_EVENT_IDX),
			 virtio_pci_has_feature(vp, VIRTIO_RING_F_INDIRECT_DESC));
	q->enabled = ret == 0;
	pthread_mutex_unlock(&q->lock);
	if (ret < 0) {
		vp_log(vp, "%s: queue %u: cannot enable: %s", vp->name, q->index, q->vq.error);
		set_needs_reset(vp);
	}
}

static void set_status(struct virtio_pci *vp, uint8_t val)
{
	uint8_t old = atomic_load(&vp->status);
	uint8_t new = (uint8_t)((val & ~VIRTIO_CONFIG_S_NEEDS_RESET) |
				(old & VIRTIO_CONFIG_S_NEEDS_RESET));

	if (val == 0) {
		reset_device(vp);
		return;
	}
	if ((new & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK)) {
		uint64_t f = vp->driver_features, extra = f & ~vp->device_features;

		/* §3.1.1: FEATURES_OK does not stick if we cannot work with the subset. */
		if (extra || !(f >> VIRTIO_F_VERSION_1 & 1)) {
			vp_log(vp, "%s: FEATURES_OK refused: driver features 0x%" PRIx64 " (%s)",
			       vp->name, f, extra ? "bits we did not offer" : "no VIRTIO_F_VERSION_1");
			new &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
		}
	}
	atomic_store(&vp->status, new);
	if ((new & VIRTIO_CONFIG_S_DRIVER_OK) && !(old & VIRTIO_CONFIG_S_DRIVER_OK))
		kick_all(vp); /* buffers made available before DRIVER_OK */
}

/* ---- common configuration ------------------------------------------------------------- */

static struct virtio_pci_queue *selected(struct virtio_pci *vp)
{
	return vp->queue_select < vp->nr_queues ? &vp->q[vp->queue_select] : NULL;
}

/* The natural size of the field at `off` (0: no field). */
static unsigned field_size(unsigned off)
{
	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT: case VIRTIO_PCI_COMMON_DF:
	case VIRTIO_PCI_COMMON_GFSELECT: case VIRTIO_PCI_COMMON_GF:
	case VIRTIO_PCI_COMMON_Q_DESCLO: case VIRTIO_PCI_COMMON_Q_DESCHI:
	case VIRTIO_PCI_COMMON_Q_AVAILLO: case VIRTIO_PCI_COMMON_Q_AVAILHI:
	case VIRTIO_PCI_COMMON_Q_USEDLO: case VIRTIO_PCI_COMMON_Q_USEDHI:
		return 4;
	case VIRTIO_PCI_COMMON_MSIX: case VIRTIO_PCI_COMMON_NUMQ:
	case VIRTIO_PCI_COMMON_Q_SELECT: case VIRTIO_PCI_COMMON_Q_SIZE:
	case VIRTIO_PCI_COMMON_Q_MSIX: case VIRTIO_PCI_COMMON_Q_ENABLE:
	case VIRTIO_PCI_COMMON_Q_NOFF:
		return 2;
	case VIRTIO_PCI_COMMON_STATUS: case VIRTIO_PCI_COMMON_CFGGENERATION:
		return 1;
	default:
		return 0;
	}
}

static uint64_t *queue_addr(struct virtio_pci_queue *q, unsigned off)
{
	switch (off & ~7u) {
	case VIRTIO_PCI_COMMON_Q_DESCLO: return &q->desc;
	case VIRTIO_PCI_COMMON_Q_AVAILLO: return &q->avail;
	default: return &q->used;
	}
}

static uint32_t common_read(struct virtio_pci *vp, unsigned off)
{
	struct virtio_pci_queue *q = selected(vp);

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT: return vp->dfselect;
	case VIRTIO_PCI_COMMON_DF:
		return vp->dfselect < 2 ? (uint32_t)(vp->device_features >> (32 * vp->dfselect)) : 0;
	case VIRTIO_PCI_COMMON_GFSELECT: return vp->gfselect;
	case VIRTIO_PCI_COMMON_GF:
		return vp->gfselect < 2 ? (uint32_t)(vp->driver_features >> (32 * vp->gfselect)) : 0;
	case VIRTIO_PCI_COMMON_MSIX: return atomic_load(&vp->config_vector);
	case VIRTIO_PCI_COMMON_NUMQ: return vp->nr_queues;
	case VIRTIO_PCI_COMMON_STATUS: return atomic_load(&vp->status);
	case VIRTIO_PCI_COMMON_CFGGENERATION: return vp->config_generation;
	case VIRTIO_PCI_COMMON_Q_SELECT: return vp->queue_select;
	}
	if (!q)
		return 0; /* queue_size 0: no such queue */
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE: return q->size;
	case VIRTIO_PCI_COMMON_Q_MSIX: return atomic_load(&q->msix_vector);
	case VIRTIO_PCI_COMMON_Q_ENABLE: return q->enabled;
	case VIRTIO_PCI_COMMON_Q_NOFF: return q->index;
	case VIRTIO_PCI_COMMON_Q_DESCLO: case VIRTIO_PCI_COMMON_Q_AVAILLO:
	case VIRTIO_PCI_COMMON_Q_USEDLO:
		return (uint32_t)*queue_addr(q, off);
	case VIRTIO_PCI_COMMON_Q_DESCHI: case VIRTIO_PCI_COMMON_Q_AVAILHI:
	case VIRTIO_PCI_COMMON_Q_USEDHI:
		return (uint32_t)(*queue_addr(q, off) >> 32);
	}
	return 0;
}

static uint16_t valid_vector(struct virtio_pci *vp, uint32_t v)
{
	/* §4.1.4.3: a vector we cannot map reads back as NO_VECTOR. */
	return v < vp->nr_vectors ? (uint16_t)v : VIRTIO_PCI_NO_VECTOR;
}

static void common_write(struct virtio_pci *vp, unsigned off, uint32_t val)
{
	struct virtio_pci_queue *q = selected(vp);

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT: vp->dfselect = val; return;
	case VIRTIO_PCI_COMMON_GFSELECT: vp->gfselect = val; return;
	case VIRTIO_PCI_COMMON_GF:
		if (atomic_load(&vp->status) & VIRTIO_CONFIG_S_FEATURES_OK) {
			vp_log(vp, "%s: driver features written after FEATURES_OK: ignored", vp->name);
		} else if (vp->gfselect < 2) {
			unsigned sh = 32 * vp->gfselect;
			uint64_t f = (vp->driver_features & ~(0xffffffffull << sh)) | (uint64_t)val << sh;
			__atomic_store_n(&vp->driver_features, f, __ATOMIC_RELAXED);
		}
		return;
	case VIRTIO_PCI_COMMON_MSIX:
		atomic_store(&vp->config_vector, valid_vector(vp, val));
		return;
	case VIRTIO_PCI_COMMON_STATUS: set_status(vp, (uint8_t)val); return;
	case VIRTIO_PCI_COMMON_Q_SELECT: vp->queue_select = (uint16_t)val; return;
	case VIRTIO_PCI_COMMON_NUMQ: case VIRTIO_PCI_COMMON_DF:
	case VIRTIO_PCI_COMMON_CFGGENERATION: case VIRTIO_PCI_COMMON_Q_NOFF:
		vp_log(vp, "%s: write to read-only common configuration field 0x%x ignored",
		       vp->name, off);
		return;
	}
	if (!q) {
		vp_log(vp, "%s: write to queue %u's field 0x%x: no such queue", vp->name,
		       vp->queue_select, off);
		return;
	}
	if (off == VIRTIO_PCI_COMMON_Q_MSIX) {
		atomic_store(&q->msix_vector, valid_vector(vp, val));
		return;
	}
	if (q->enabled) {
		/* §4.1.4.3.2: the driver must not change an enabled queue (no RING_RESET). */
		vp_log(vp, "%s: queue %u is enabled: write to field 0x%x (0x%x) ignored", vp->name,
		       q->index, off, val);
		return;
	}
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE: q->size = (uint16_t)val; return;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		if (val == 1)
			enable_queue(vp, q);
		else
			vp_log(vp, "%s: queue_enable %u ignored (only 1 enables)", vp->name, val);
		return;
	case VIRTIO_PCI_COMMON_Q_DESCLO: case VIRTIO_PCI_COMMON_Q_AVAILLO:
	case VIRTIO_PCI_COMMON_Q_USEDLO: {
		uint64_t *a = queue_addr(q, off);
		*a = (*a & ~0xffffffffull) | val;
		return;
	}
	case VIRTIO_PCI_COMMON_Q_DESCHI: case VIRTIO_PCI_COMMON_Q_AVAILHI:
	case VIRTIO_PCI_COMMON_Q_USEDHI: {
		uint64_t *a = queue_addr(q, off);
		*a = (*a & 0xffffffffull) | (uint64_t)val << 32;
		return;
	}
	}
}

/* ---- BAR 4: common, ISR, device, notify ----------------------------------------------- */

static uint64_t ones(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

uint64_t virtio_pci_cfg_bar_read(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size)
{
	struct virtio_pci *vp = opaque;
	uint64_t v;

	(void)vcpu;
	if (off < VIRTIO_PCI_ISR_OFF) {
		unsigned fs = field_size((unsigned)off);
		bool qword = size == 8 && (off & ~7u) >= VIRTIO_PCI_COMMON_Q_DESCLO &&
			     off % 8 == 0 && off < VIRTIO_PCI_COMMON_Q_NDATA;

		if (off >= VIRTIO_PCI_COMMON_LEN)
			return 0;
		if (fs != size && !qword) {
			vp_log(vp, "%s: %u-byte read of common configuration field 0x%llx (a %u-byte "
			       "field)", vp->name, size, (unsigned long long)off, fs);
			return ones(size);
		}
		pthread_mutex_lock(&vp->lock);
		v = common_read(vp, (unsigned)off);
		if (qword)
			v |= (uint64_t)common_read(vp, (unsigned)off + 4) << 32;
		pthread_mutex_unlock(&vp->lock);
		return v;
	}
	if (off < VIRTIO_PCI_DEVICE_OFF)
		return off == VIRTIO_PCI_ISR_OFF ? read_isr(vp) : 0;
	if (off < VIRTIO_PCI_NOTIFY_OFF) {
		off -= VIRTIO_PCI_DEVICE_OFF;
		if (size > 4 || off + size > vp->config_size)
			return off >= vp->config_size ? 0 : ones(size);
		return vp->ops->config_read(vp->opaque, (unsigned)off, size);
	}
	return 0; /* notify: write-only */
}

void virtio_pci_cfg_bar_write(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size,
			      uint64_t val)
{
	struct virtio_pci *vp = opaque;

	(void)vcpu;
	if (off < VIRTIO_PCI_ISR_OFF) {
		unsigned fs = field_size((unsigned)off);
		bool qword = size == 8 && (off & ~7u) >= VIRTIO_PCI_COMMON_Q_DESCLO &&
			     off % 8 == 0 && off < VIRTIO_PCI_COMMON_Q_NDATA;

		if (fs != size && !qword) {
			vp_log(vp, "%s: %u-byte write of common configuration at 0x%llx ignored",
			       vp->name, size, (unsigned long long)off);
			return;
		}
		pthread_mutex_lock(&vp->lock);
		common_write(vp, (unsigned)off, (uint32_t)val);
		if (qword)
			common_write(vp, (unsigned)off + 4, (uint32_t)(val >> 32));
		pthread_mutex_unlock(&vp->lock);
		return;
	}
	if (off < VIRTIO_PCI_DEVICE_OFF) {
		vp_log(vp, "%s: write to ISR status ignored", vp->name);
		return;
	}
	if (off < VIRTIO_PCI_NOTIFY_OFF) {
		off -= VIRTIO_PCI_DEVICE_OFF;
		if (size <= 4 && off + size <= vp->config_size && vp->ops->config_write)
			vp->ops->config_write(vp->opaque, (unsigned)off, size, (uint32_t)val);
		else
			vp_log(vp, "%s: %u-byte write to device configuration 0x%llx ignored",
			       vp->name, size, (unsigned long long)off);
		return;
	}
	off -= VIRTIO_PCI_NOTIFY_OFF;
	if (off % VIRTIO_PCI_NOTIFY_MULT == 0 && off / VIRTIO_PCI_NOTIFY_MULT < vp->nr_queues) {
		/* No ioeventfd there (KVM lacks it, or it was refused): the same doorbell. */
		kick(vp->q[off / VIRTIO_PCI_NOTIFY_MULT].notify_fd);
		return;
	}
	vp_log(vp, "%s: notification at 0x%llx: no such queue", vp->name,
	       (unsigned long long)(off + VIRTIO_PCI_NOTIFY_OFF));
}

static const struct bus_ops cfg_bar_ops = { virtio_pci_cfg_bar_read, virtio_pci_cfg_bar_write };

/* ---- BAR 1: MSI-X ------------------------------------------------------------------------ */

static uint64_t msix_bar_read(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size)
{
	struct virtio_pci *vp = opaque;

	(void)vcpu;
	if (off < VIRTIO_PCI_MSIX_PBA)
		return irq_vectors_table_read(&vp->irq, off - VIRTIO_PCI_MSIX_TABLE, size);
	return irq_vectors_pba_read(&vp->irq, off - VIRTIO_PCI_MSIX_PBA, size);
}

static void msix_bar_write(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size,
			   uint64_t val)
{
	struct virtio_pci *vp = opaque;

	(void)vcpu;
	if (off < VIRTIO_PCI_MSIX_PBA)
		irq_vectors_table_write(&vp->irq, off - VIRTIO_PCI_MSIX_TABLE, size, val);
	else
		irq_vectors_pba_write(&vp->irq, off - VIRTIO_PCI_MSIX_PBA, size, val);
}

static const struct bus_ops msix_bar_ops = { msix_bar_read, msix_bar_write };

/* The MSI-X capability after its ID and next pointer (config space, host lock held). */
static uint32_t msix_cap_read_h(void *opaque, unsigned off, unsigned size)
{
	struct virtio_pci *vp = opaque;
	return irq_vectors_cap_read(&vp->irq, off + 2, size);
}

static void msix_cap_write_h(void *opaque, unsigned off, unsigned size, uint32_t val)
{
	struct virtio_pci *vp = opaque;
	bool was = atomic_load(&vp->msix_enabled), now;

	irq_vectors_cap_write(&vp->irq, off + 2, size, val);
	now = irq_vectors_cap_read(&vp->irq, MSIX_CAP_CONTROL, 2) & MSIX_CTRL_ENABLE;
	if (now == was)
		return;
	pthread_mutex_lock(&vp->isr_lock);
	atomic_store(&vp->msix_enabled, now);
	/* §4.1.4.5.1: no INTx while MSI-X is enabled; a pending ISR shows again without. */
	pci_set_irq(&vp->pci, !now && vp->isr);
	pthread_mutex_unlock(&vp->isr_lock);
}

/* VIRTIO_PCI_CAP_PCI_CFG's window: an access to pci_cfg_data is one of `length` bytes at
 * `offset` in BAR `bar` (§4.1.4.9). */
static bool pci_cfg_window(struct virtio_pci *vp, unsigned *bar, uint32_t *off, uint32_t *len)
{
	unsigned c = (unsigned)vp->pci_cfg_cap;
	uint32_t size;

	*bar = vp->pci.cfg[c + VIRTIO_PCI_CAP_BAR];
	*off = pci_cfg_get32(&vp->pci, c + VIRTIO_PCI_CAP_OFFSET);
	*len = pci_cfg_get32(&vp->pci, c + VIRTIO_PCI_CAP_LENGTH);
	size = *bar == VIRTIO_PCI_CFG_BAR ? VIRTIO_PCI_CFG_BAR_SIZE :
	       *bar == VIRTIO_PCI_MSIX_BAR ? VIRTIO_PCI_MSIX_BAR_SIZE : 0;
	if ((*len == 1 || *len == 2 || *len == 4) && *off % *len == 0 && *off < size &&
	    *len <= size - *off)
		return true;
	if (*len == 0)
		return false; /* not set up (a dump of config space reads it): nothing to do */
	vp_log(vp, "%s: PCI configuration access window: bar %u offset 0x%x length %u is not a "
	       "valid access", vp->name, *bar, *off, *len);
	return false;
}

static uint32_t pci_cfg_data_read(void *opaque, unsigned off, unsigned size)
{
	struct virtio_pci *vp = opaque;
	unsigned bar;
	uint32_t o, len;

	(void)off;
	(void)size;
	if (!pci_cfg_window(vp, &bar, &o, &len))
		return 0;
	return (uint32_t)(bar == VIRTIO_PCI_CFG_BAR ? virtio_pci_cfg_bar_read(vp, NULL, o, len) :
						     msix_bar_read(vp, NULL, o, len));
}

static void pci_cfg_data_write(void *opaque, unsigned off, unsigned size, uint32_t val)
{
	struct virtio_pci *vp = opaque;
	unsigned bar;
	uint32_t o, len;

	(void)off;
	(void)size;
	if (!pci_cfg_window(vp, &bar, &o, &len))
		return;
	if (len < 4)
		val &= (1u << (8 * len)) - 1;
	if (bar == VIRTIO_PCI_CFG_BAR)
		virtio_pci_cfg_bar_write(vp, NULL, o, len, val);
	else
		msix_bar_write(vp, NULL, o, len, val);
}

/* ---- PCI events: BAR moves (ioeventfds), Command ----------------------------------------- */

static int ioeventfd(struct virtio_pci *vp, struct virtio_pci_queue *q, uint64_t addr, bool assign)
{
	struct kvm_ioeventfd e = {
		.addr = addr, .len = q->ioeventfd_len, .fd = q->notify_fd,
		.flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};

	return ioctl(vp->vm->vm_fd, KVM_IOEVENTFD, &e) < 0 ? -errno : 0;
}

static void bar_moved(void *opaque, unsigned bar, uint64_t addr)
{
	struct virtio_pci *vp = opaque;

	if (bar != VIRTIO_PCI_CFG_BAR || !vp->use_ioeventfd)
		return;
	for (unsigned i = 0; i < vp->nr_queues; i++) {
		struct virtio_pci_queue *q = &vp->q[i];
		uint64_t at = addr + VIRTIO_PCI_NOTIFY_OFF + (uint64_t)i * VIRTIO_PCI_NOTIFY_MULT;
		int ret;

		if (q->ioeventfd_addr != PCI_BAR_UNMAPPED) {
			if ((ret = ioeventfd(vp, q, q->ioeventfd_addr, false)) < 0)
				log_error("%s: queue %u: KVM_IOEVENTFD deassign at 0x%" PRIx64 ": %s",
					  vp->name, i, q->ioeventfd_addr, strerror(-ret));
			q->ioeventfd_addr = PCI_BAR_UNMAPPED;
		}
		if (addr == PCI_BAR_UNMAPPED)
			continue;
		if ((ret = ioeventfd(vp, q, at, true)) < 0) {
			/* Kicks still work, through an exit to our handler. */
			vp_log(vp, "%s: queue %u: KVM_IOEVENTFD at 0x%" PRIx64 ": %s; notifications "
			       "will exit to xkvm", vp->name, i, at, strerror(-ret));
			continue;
		}
		q->ioeventfd_addr = at;
	}
}

static void command_written(void *opaque, uint16_t cmd)
{
	struct virtio_pci *vp = opaque;
	bool bm = cmd & PCI_COMMAND_MASTER;

	if (atomic_exchange(&vp->bus_master, bm) == bm || !bm)
		return;
	if (atomic_load(&vp->status) & VIRTIO_CONFIG_S_DRIVER_OK)
		kick_all(vp); /* work held back while bus mastering was off */
}

static const struct pci_dev_ops vp_pci_ops = { bar_moved, command_written };

/* ---- set-up --------------------------------------------------------------------------- */

/* struct virtio_pci_cap in config space at `c`. */
static int add_virtio_cap(struct virtio_pci *vp, uint8_t type, unsigned len, uint32_t offset,
			  uint32_t length)
{
	int c = pci_dev_add_cap(&vp->pci, PCI_CAP_ID_VNDR, len);

	if (c < 0)
		return c;
	pci_cfg_set8(&vp->pci, (unsigned)c + VIRTIO_PCI_CAP_LEN, (uint8_t)len);
	pci_cfg_set8(&vp->pci, (unsigned)c + VIRTIO_PCI_CAP_CFG_TYPE, type);
	pci_cfg_set8(&vp->pci, (unsigned)c + VIRTIO_PCI_CAP_BAR,
		     type == VIRTIO_PCI_CAP_PCI_CFG ? 0 : VIRTIO_PCI_CFG_BAR);
	pci_cfg_set32(&vp->pci, (unsigned)c + VIRTIO_PCI_CAP_OFFSET, offset);
	pci_cfg_set32(&vp->pci, (unsigned)c + VIRTIO_PCI_CAP_LENGTH, length);
	return c;
}

static int add_caps(struct virtio_pci *vp)
{
	struct pci_cfg_handler h;
	int c, ret;

	if ((c = add_virtio_cap(vp, VIRTIO_PCI_CAP_COMMON_CFG, 16, VIRTIO_PCI_COMMON_OFF, REGION_LEN)) < 0 ||
	    (c = add_virtio_cap(vp, VIRTIO_PCI_CAP_NOTIFY_CFG, 20, VIRTIO_PCI_NOTIFY_OFF, REGION_LEN)) < 0)
		return c;
	pci_cfg_set32(&vp->pci, (unsigned)c + VIRTIO_PCI_NOTIFY_CAP_MULT, VIRTIO_PCI_NOTIFY_MULT);
	if ((c = add_virtio_cap(vp, VIRTIO_PCI_CAP_ISR_CFG, 16, VIRTIO_PCI_ISR_OFF, REGION_LEN)) < 0 ||
	    (c = add_virtio_cap(vp, VIRTIO_PCI_CAP_DEVICE_CFG, 16, VIRTIO_PCI_DEVICE_OFF, REGION_LEN)) < 0 ||
	    (c = add_virtio_cap(vp, VIRTIO_PCI_CAP_PCI_CFG, 20, 0, 0)) < 0)
		return c;
	/* The driver sets bar, offset and length, then accesses pci_cfg_data. */
	vp->pci_cfg_cap = c;
	pci_cfg_set_wmask(&vp->pci, (unsigned)c + VIRTIO_PCI_CAP_BAR, 1, 0xff);
	pci_cfg_set_wmask(&vp->pci, (unsigned)c + VIRTIO_PCI_CAP_OFFSET, 4, 0xffffffff);
	pci_cfg_set_wmask(&vp->pci, (unsigned)c + VIRTIO_PCI_CAP_LENGTH, 4, 0xffffffff);
	h = (struct pci_cfg_handler){ (uint16_t)(c + 16), 4, pci_cfg_data_read, pci_cfg_data_write, vp };
	if ((ret = pci_dev_add_handler(&vp->pci, &h)) < 0)
		return ret;

	if ((c = pci_dev_add_cap(&vp->pci, PCI_CAP_ID_MSIX, MSIX_CAP_SIZE)) < 0)
		return c;
	h = (struct pci_cfg_handler){ (uint16_t)(c + 2), MSIX_CAP_SIZE - 2, msix_cap_read_h,
				      msix_cap_write_h, vp };
	return pci_dev_add_handler(&vp->pci, &h);
}

static int check_ioeventfd(struct vm *vm, bool *any_length)
{
	int r = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD);

	*any_length = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD_ANY_LENGTH) > 0;
	return r > 0;
}

int virtio_pci_init(struct virtio_pci *vp, struct vm *vm, const struct virtio_pci_config *cfg,
		    const struct virtio_dev_ops *ops, void *opaque, char *err, size_t errlen)
{
	int ret;

	memset(vp, 0, sizeof(*vp));
	vp->vm = vm;
	vp->ops = ops;
	vp->opaque = opaque;
	vp->rl = (struct ratelimit)RATELIMIT_INIT;
	snprintf(vp->name, sizeof(vp->name), "%s", cfg->name);
	pthread_mutex_init(&vp->lock, NULL);
	pthread_mutex_init(&vp->isr_lock, NULL);
	vp->nr_queues = cfg->nr_queues;
	vp->max_queue_size = cfg->queue_size;
	vp->nr_vectors = cfg->nr_queues + 1;
	vp->device_features = cfg->features | TRANSPORT_FEATURES;
	vp->config_size = cfg->config_size;
	atomic_store(&vp->config_vector, VIRTIO_PCI_NO_VECTOR);
	if (cfg->nr_queues < 1 || cfg->nr_queues > VIRTIO_PCI_MAX_QUEUES || !cfg->queue_size ||
	    cfg->queue_size > VIRTQ_MAX_SIZE || (cfg->queue_size & (cfg->queue_size - 1)) ||
	    cfg->config_size > REGION_LEN || !vm->pci) {
		snprintf(err, errlen, "%u queues of %u entries (1..%u queues, a power of two up to "
			 "%u entries)", cfg->nr_queues, cfg->queue_size, VIRTIO_PCI_MAX_QUEUES,
			 VIRTQ_MAX_SIZE);
		return -EINVAL;
	}
	vp->use_ioeventfd = cfg->ioeventfd && check_ioeventfd(vm, &vp->ioeventfd_any_length);

	vp->q = calloc(vp->nr_queues, sizeof(*vp->q));
	vp->vec_fd = calloc(vp->nr_vectors, sizeof(*vp->vec_fd));
	if (!vp->q || !vp->vec_fd) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (unsigned v = 0; v < vp->nr_vectors; v++)
		vp->vec_fd[v] = -1;
	for (unsigned i = 0; i < vp->nr_queues; i++) {
		struct virtio_pci_queue *q = &vp->q[i];

		q->vp = vp;
		q->index = i;
		pthread_mutex_init(&q->lock, NULL);
		q->size = cfg->queue_size;
		q->ioeventfd_addr = PCI_BAR_UNMAPPED;
		/* Any length (the fast MMIO path on VMX) when KVM can, else Linux's 16 bits. */
		q->ioeventfd_len = vp->ioeventfd_any_length ? 0 : 2;
		atomic_store(&q->msix_vector, VIRTIO_PCI_NO_VECTOR);
		q->notify_fd = -1;
	}
	for (unsigned i = 0; i < vp->nr_queues; i++) {
		vp->q[i].notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vp->q[i].notify_fd < 0) {
			snprintf(err, errlen, "eventfd: %s", strerror(errno));
			return -errno;
		}
	}

	pci_dev_init(&vp->pci, vp->name, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BASE + cfg->virtio_type,
		     1, cfg->class_code, VIRTIO_PCI_VENDOR, VIRTIO_PCI_SUBSYS);
	vp->pci.ops = &vp_pci_ops;
	vp->pci.opaque = vp;
	if ((ret = pci_dev_add_bar(&vp->pci, VIRTIO_PCI_MSIX_BAR, PCI_BAR_MEM32, false,
				   VIRTIO_PCI_MSIX_BAR_SIZE, &msix_bar_ops, vp, vp->name)) < 0 ||
	    (ret = pci_dev_add_bar(&vp->pci, VIRTIO_PCI_CFG_BAR, PCI_BAR_MEM64, false,
				   VIRTIO_PCI_CFG_BAR_SIZE, &cfg_bar_ops, vp, vp->name)) < 0 ||
	    (ret = add_caps(vp)) < 0) {
		snprintf(err, errlen, "building its PCI configuration space: %s", strerror(-ret));
		return ret;
	}

	if ((ret = irq_vectors_init(&vp->irq, vm->irq, vp->name, vp->nr_vectors,
				    VIRTIO_PCI_MSIX_BAR, VIRTIO_PCI_MSIX_TABLE, VIRTIO_PCI_MSIX_BAR,
				    VIRTIO_PCI_MSIX_PBA)) < 0) {
		snprintf(err, errlen, "cannot set up %u MSI-X vectors", vp->nr_vectors);
		return ret;
	}
	vp->irq_ready = true;
	/* One trigger per vector, set once: VFIO_DEVICE_SET_IRQS semantics. */
	for (unsigned v = 0; v < vp->nr_vectors; v++) {
		vp->vec_fd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vp->vec_fd[v] < 0) {
			snprintf(err, errlen, "eventfd: %s", strerror(errno));
			return -errno;
		}
		if ((ret = irq_vectors_set_trigger(&vp->irq, v, vp->vec_fd[v])) < 0) {
			snprintf(err, errlen, "vector %u: SET_IRQS: %s", v, strerror(-ret));
			return ret;
		}
	}

	ret = pci_host_plug(vm->pci, &vp->pci, cfg->slot, true);
	if (ret < 0) {
		snprintf(err, errlen, ret == -EBUSY ? "PCI slot %d is taken" :
			 ret == -ENOSPC ? "no free PCI slot or MMIO space" : "PCI slot %d: %s",
			 cfg->slot, strerror(-ret));
		return ret;
	}
	return 0;
}

void virtio_pci_reset(struct virtio_pci *vp)
{
	pthread_mutex_lock(&vp->lock);
	reset_device(vp);
	pthread_mutex_unlock(&vp->lock);
	if (vp->irq_ready)
		irq_vectors_reset(&vp->irq);
	pthread_mutex_lock(&vp->isr_lock);
	atomic_store(&vp->msix_enabled, false);
	pthread_mutex_unlock(&vp->isr_lock);
	/* The host reset the config space: Command is 0. */
	atomic_store(&vp->bus_master, false);
}

void virtio_pci_destroy(struct virtio_pci *vp)
{
	if (vp->vm && vp->vm->pci && vp->pci.space) {
		pci_host_unplug(vp->vm->pci, &vp->pci);
		pci_dev_destroy(&vp->pci); /* BARs off the buses */
	}
	if (vp->irq_ready)
		irq_vectors_destroy(&vp->irq); /* routes, irqfds, GSIs, our dups */
	for (unsigned v = 0; vp->vec_fd && v < vp->nr_vectors; v++)
		if (vp->vec_fd[v] >= 0)
			close(vp->vec_fd[v]);
	for (unsigned i = 0; vp->q && i < vp->nr_queues; i++) {
		struct virtio_pci_queue *q = &vp->q[i];

		if (q->ioeventfd_addr != PCI_BAR_UNMAPPED)
			ioeventfd(vp, q, q->ioeventfd_addr, false);
		if (q->notify_fd >= 0)
			close(q->notify_fd);
		pthread_mutex_destroy(&q->lock);
	}
	free(vp->vec_fd);
	free(vp->q);
	vp->vec_fd = NULL;
	vp->q = NULL;
	pthread_mutex_destroy(&vp->isr_lock);
	pthread_mutex_destroy(&vp->lock);
}
