/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio PCI transport, modern only (VIRTIO 1.2 §4.1): a PCI function with vendor
 * 0x1AF4, device 0x1040 + virtio type, revision 1, and these resources
 * (docs/specs/virtio-pci.md):
 *
 *   BAR 1  32-bit memory, 4 KiB: MSI-X table at 0x000, PBA at 0x800
 *   BAR 4  64-bit memory, 16 KiB:
 *          0x0000  common configuration (struct virtio_pci_common_cfg, 56 bytes)
 *          0x1000  ISR status (1 byte, read-to-clear)
 *          0x2000  device-specific configuration
 *          0x3000  notifications: queue q at 0x3000 + 4 * q (notify_off_multiplier 4)
 *   capabilities: vendor-specific COMMON, NOTIFY, ISR, DEVICE and PCI_CFG, then MSI-X
 *   (nr_queues + 1 vectors); INTA# when MSI-X is disabled.
 *
 * The data path never runs on a vCPU thread or the main loop: a queue's notify address is
 * a KVM ioeventfd on the queue's `notify_fd`, which the device's I/O thread waits on; the
 * I/O thread takes the queue (virtio_pci_queue_begin), completes requests, and raises the
 * queue's vector by writing that vector's trigger eventfd, a KVM irqfd
 * (virtio_pci_queue_interrupt).  Without an ioeventfd (KVM lacks it, or the BAR does not
 * decode) a notify write exits to us and we write `notify_fd` ourselves: same path.
 *
 * Locking: `lock` covers the transport state the driver programs (common configuration);
 * each queue's `lock` is held by the I/O thread while it works on the queue and by the
 * transport when it enables or resets it, so a reset waits for the request in flight.
 * Order: host config lock -> `lock` -> queue lock -> irq_vectors lock.  The I/O thread
 * holds only a queue lock, and reads what it needs of the rest atomically.
 */
#ifndef XKVM_VIRTIO_PCI_H
#define XKVM_VIRTIO_PCI_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "irq/vectors.h"
#include "pci/config.h"
#include "virtio/queue.h"

struct vm;

#define VIRTIO_PCI_VENDOR        0x1af4
#define VIRTIO_PCI_DEVICE_BASE   0x1040
#define VIRTIO_PCI_SUBSYS        0x1100 /* >= 0x40, as non-transitional devices should */
#define VIRTIO_PCI_MAX_QUEUES    64
#define VIRTIO_PCI_NO_VECTOR     0xffff

#define VIRTIO_PCI_MSIX_BAR      1
#define VIRTIO_PCI_MSIX_BAR_SIZE 0x1000
#define VIRTIO_PCI_MSIX_TABLE    0x000
#define VIRTIO_PCI_MSIX_PBA      0x800
#define VIRTIO_PCI_CFG_BAR       4
#define VIRTIO_PCI_CFG_BAR_SIZE  0x4000
#define VIRTIO_PCI_COMMON_OFF    0x0000
#define VIRTIO_PCI_COMMON_LEN    56
#define VIRTIO_PCI_ISR_OFF       0x1000
#define VIRTIO_PCI_DEVICE_OFF    0x2000
#define VIRTIO_PCI_NOTIFY_OFF    0x3000
#define VIRTIO_PCI_NOTIFY_MULT   4

/* What a device (virtio-blk, ...) gives the transport. */
struct virtio_dev_ops {
	/* Device-specific configuration, `off` + `size` <= config_size. */
	uint32_t (*config_read)(void *opaque, unsigned off, unsigned size);
	void (*config_write)(void *opaque, unsigned off, unsigned size, uint32_t val);
	/* Device reset (status 0 or VM reset): every queue is already stopped. */
	void (*reset)(void *opaque);
};

struct virtio_pci;

struct virtio_pci_queue {
	struct virtio_pci *vp;
	unsigned index;
	pthread_mutex_t lock;       /* the I/O thread's while it works on the queue */
	struct virtq vq;            /* valid while `enabled` */
	bool enabled;               /* queue lock */
	/* What the driver programs (vp->lock). */
	uint16_t size;
	uint64_t desc, avail, used;
	_Atomic uint16_t msix_vector;
	/* The doorbell: a KVM ioeventfd at the notify address, or written by our handler. */
	int notify_fd;
	uint64_t ioeventfd_addr;    /* registered there, or PCI_BAR_UNMAPPED */
	uint32_t ioeventfd_len;
	uint64_t kicks, interrupts; /* statistics (I/O thread) */
};

struct virtio_pci {
	struct vm *vm;
	char name[32];
	struct pci_dev pci;
	struct irq_vectors irq;
	bool irq_ready;
	int *vec_fd;                /* per MSI-X vector: its trigger eventfd (ours) */
	unsigned nr_vectors;
	_Atomic bool msix_enabled;
	_Atomic bool bus_master;

	pthread_mutex_t lock;
	uint64_t device_features, driver_features;
	uint32_t dfselect, gfselect;
	_Atomic uint8_t status;
	uint8_t config_generation;
	uint16_t queue_select;
	_Atomic uint16_t config_vector;
	unsigned config_size;

	pthread_mutex_t isr_lock;   /* ISR and the INTx line change together */
	uint8_t isr;

	unsigned nr_queues;
	uint16_t max_queue_size;
	struct virtio_pci_queue *q;

	const struct virtio_dev_ops *ops;
	void *opaque;
	/* Woken when the device should look at its queues again (DRIVER_OK, bus master on):
	 * the transport writes every queue's notify_fd. */
	bool ioeventfd_any_length;
	bool use_ioeventfd;
	int pci_cfg_cap;            /* offset of the VIRTIO_PCI_CAP_PCI_CFG capability */
	struct ratelimit rl;
	char broken_reason[128];
};

struct virtio_pci_config {
	const char *name;           /* the -device id (or a generated one) */
	uint16_t virtio_type;       /* VIRTIO_ID_BLOCK, ... */
	uint32_t class_code;
	unsigned nr_queues;         /* 1..VIRTIO_PCI_MAX_QUEUES */
	uint16_t queue_size;        /* maximum, power of two <= VIRTQ_MAX_SIZE */
	uint64_t features;          /* device features; the transport adds VERSION_1 and
				     * the ring features it implements */
	unsigned config_size;       /* bytes of device-specific configuration (<= 0x1000) */
	int slot;                   /* PCI slot, -1: first free */
	bool ioeventfd;             /* register KVM ioeventfds (off: every kick exits) */
};

/* Main thread: set up the function and plug it into vm->pci.  0 or -errno with `err`. */
int virtio_pci_init(struct virtio_pci *vp, struct vm *vm, const struct virtio_pci_config *cfg,
		    const struct virtio_dev_ops *ops, void *opaque, char *err, size_t errlen);
/* Main thread, after the device stopped using the queues (its I/O thread joined). */
void virtio_pci_destroy(struct virtio_pci *vp);
/* VM reset: the virtio device reset, and the function's MSI-X state. */
void virtio_pci_reset(struct virtio_pci *vp);

/* ---- for the device's I/O thread ---------------------------------------------------- */
/* The queue, locked, if the device may work on it now (DRIVER_OK, bus master, queue
 * enabled, not broken); NULL (and unlocked) otherwise.  End with virtio_pci_queue_end(). */
struct virtq *virtio_pci_queue_begin(struct virtio_pci *vp, unsigned q);
void virtio_pci_queue_end(struct virtio_pci *vp, unsigned q);
/* Raise queue q's interrupt: its MSI-X vector's trigger, or INTx with ISR bit 0. */
void virtio_pci_queue_interrupt(struct virtio_pci *vp, unsigned q);
/* The queue broke (bad descriptors): DEVICE_NEEDS_RESET and a configuration interrupt
 * (§2.1.2, §4.1.4.5); the queue stays stopped until reset.  Queue lock held. */
void virtio_pci_queue_broken(struct virtio_pci *vp, unsigned q);
/* A negotiated feature bit (stable between FEATURES_OK and reset). */
bool virtio_pci_has_feature(struct virtio_pci *vp, unsigned bit);

/* ---- guest accesses, also used by tests ----------------------------------------------- */
uint64_t virtio_pci_cfg_bar_read(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size);
void virtio_pci_cfg_bar_write(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size,
			      uint64_t val);

#endif
