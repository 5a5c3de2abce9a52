/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VFIO_DEVICE_SET_IRQS semantics over a device's interrupt vectors (include/uapi/linux/
 * vfio.h and drivers/vfio/pci/vfio_pci_intrs.c are the reference): the same interface a
 * real VFIO device is driven through, so every emulated device gets its triggers one way.
 *
 * A device declares its indexes (VFIO_PCI_MSIX_IRQ_INDEX with its vector count; an index
 * it does not declare has a count of zero, as VFIO reports unimplemented ones).  Then
 * set_irqs() takes a struct vfio_irq_set:
 *   - The header is validated like vfio_set_irqs_validate_and_prepare(): argsz covers the
 *     header and count elements of data; one DATA_* and one ACTION_* flag, nothing else;
 *     index implemented; start < vectors and start + count <= vectors, with start + count
 *     computed without overflow (count >= U32_MAX - start is rejected first).
 *   - ACTION_TRIGGER + DATA_EVENTFD: data[i] is the trigger of vector start + i; an fd of
 *     -1 (any negative) tears that vector's trigger down.  Every fd >= 0 must be an
 *     eventfd (-EBADF if not open, -EINVAL if not an eventfd).  We keep a dup of each fd
 *     (the caller keeps its own) and close ours when the trigger is torn down.  The first
 *     such call enables the index (INTx, MSI and MSI-X exclude each other: -EINVAL).
 *   - ACTION_TRIGGER + DATA_NONE with count == 0 disables the index: every trigger torn
 *     down.  DATA_NONE (count > 0) fires every set trigger in the range, DATA_BOOL those
 *     whose byte is non-zero: "fire" is a write of 1 to the trigger eventfd, exactly what
 *     the device does (loopback testing in VFIO's words).  Both need the index enabled.
 *   - ACTION_MASK / ACTION_UNMASK + DATA_NONE/DATA_BOOL: VMM-side mask of the vectors
 *     (indexes flagged VFIO_IRQ_INFO_MASKABLE only; -ENOTTY otherwise, like VFIO's MSI-X).
 *     DATA_EVENTFD with MASK/UNMASK (INTx-style unmask eventfds) is -EINVAL.
 *
 * Atomic per call: every fd is checked and dup'ed before anything changes.  The changes
 * are then applied vector by vector through ops->trigger() (which may fail) and pushed
 * with one ops->commit() (which may fail: e.g. KVM_IRQFD refusing an eventfd already in
 * use).  A failure at any point restores the previous trigger of every vector this call
 * touched (the vectors outside start..start+count are never touched), and an index that
 * this call enabled is disabled again.
 *
 * Not thread-safe: the owner serializes calls (struct irq_dev holds its lock).
 */
#ifndef XKVM_IRQ_SET_IRQS_H
#define XKVM_IRQ_SET_IRQS_H

#include <linux/vfio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct set_irqs_ops {
	/* Vector `v` of `index` now has trigger `fd` (ours; valid until the next call for
	 * this vector) or none (-1). */
	int (*trigger)(void *opaque, unsigned index, unsigned v, int fd);
	/* The end of a call that changed triggers: push them (may be NULL). */
	int (*commit)(void *opaque, unsigned index);
	/* ACTION_MASK / ACTION_UNMASK of vector `v`. */
	int (*mask)(void *opaque, unsigned index, unsigned v, bool masked);
};

struct set_irqs_index {
	unsigned count;      /* vectors; 0 = not implemented */
	uint32_t info_flags; /* VFIO_IRQ_INFO_* */
	bool enabled;
	int *fd;             /* per vector: our dup of the trigger, or -1 */
};

struct set_irqs {
	const char *name;
	struct set_irqs_index index[VFIO_PCI_NUM_IRQS];
	const struct set_irqs_ops *ops;
	void *opaque;
};

void set_irqs_init(struct set_irqs *s, const char *name, const struct set_irqs_ops *ops,
		   void *opaque);
/* Declare `index` with `count` vectors.  -EINVAL, -EEXIST, -ENOMEM. */
int set_irqs_add_index(struct set_irqs *s, unsigned index, unsigned count, uint32_t info_flags);
/* Closes every trigger we hold (without calling ops: the owner is going away). */
void set_irqs_destroy(struct set_irqs *s);

/* VFIO_DEVICE_GET_IRQ_INFO: info->argsz and info->index in, flags and count out. */
int set_irqs_get_info(const struct set_irqs *s, struct vfio_irq_info *info);
/* VFIO_DEVICE_SET_IRQS: `hdr->argsz` bytes at `hdr`, data included.  0 or -errno. */
int set_irqs(struct set_irqs *s, const struct vfio_irq_set *hdr);

/* The header check alone (pure): `num_irqs` is the index's vector count, `*data_size`
 * gets the bytes of data the call carries. */
int set_irqs_validate(const struct vfio_irq_set *hdr, unsigned num_irqs, size_t *data_size);

/* Our trigger of (index, v), or -1. */
int set_irqs_trigger(const struct set_irqs *s, unsigned index, unsigned v);

/* 0 if `fd` is an open eventfd; -EBADF if not open; -EINVAL if something else. */
int fd_is_eventfd(int fd);

#endif
