/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A device's MSI-X interrupt block, ready to plug into a PCI function: the MSI-X state
 * the guest sees (irq/msix.h), the triggers set through VFIO_DEVICE_SET_IRQS semantics
 * (irq/set_irqs.h) and one KVM route per vector (irq/routing.h), behind one lock.
 *
 * How a device uses it (virtio-pci, say, with N queues):
 *
 *   irq_vectors_init(&dev->irq, vm->irq, "virtio-blk0", N + 1, bar, 0x0, bar, 0x800);
 *   config space: put the MSIX_CAP_SIZE bytes at some offset, set dev->irq.msix.cap_next,
 *     and forward accesses there to irq_vectors_cap_read/_write(off - cap_offset, ...);
 *   BAR: forward [table_off, +msix_table_size()) to irq_vectors_table_read/_write and
 *     [pba_off, +msix_pba_size()) to irq_vectors_pba_read/_write (offsets relative);
 *   triggers: one eventfd per vector, given with irq_vectors_set_irqs() (a struct
 *     vfio_irq_set, VFIO_PCI_MSIX_IRQ_INDEX) or the one-vector helper
 *     irq_vectors_set_trigger(); the I/O thread then raises vector v with
 *     write(efd[v], &one, 8): KVM delivers it (irqfd), or the PBA bit is set if masked;
 *   a device without an eventfd (or a VMM-side event) calls irq_vectors_notify(v);
 *   reset: irq_vectors_reset(); teardown (main thread): irq_vectors_destroy().
 *
 * Every entry point takes the lock; call them from any thread, never from inside one
 * another (the callbacks below run with the lock held).  Lock order: this lock, then the
 * router's.
 */
#ifndef XKVM_IRQ_VECTORS_H
#define XKVM_IRQ_VECTORS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "irq/msix.h"
#include "irq/routing.h"
#include "irq/set_irqs.h"

struct irq_vectors;

struct irq_vector {
	struct irq_vectors *dev;
	unsigned nr;
	struct irq_route route;
};

struct irq_vectors {
	pthread_mutex_t lock;
	const char *name;
	struct irq_router *router;
	struct msix msix;
	struct set_irqs irqs;
	struct irq_vector *vec;
	unsigned nr;
};

/* Main thread.  Table and PBA as for msix_init(); the routes are registered with `r`. */
int irq_vectors_init(struct irq_vectors *d, struct irq_router *r, const char *name, unsigned nr,
		     uint8_t table_bir, uint32_t table_off, uint8_t pba_bir, uint32_t pba_off);
void irq_vectors_destroy(struct irq_vectors *d);
/* Function reset: MSI-X disabled, every entry masked and zeroed, PBA clear.  The
 * triggers stay (they are the VMM's wiring, not guest state). */
void irq_vectors_reset(struct irq_vectors *d);

uint32_t irq_vectors_cap_read(struct irq_vectors *d, unsigned off, unsigned size);
void irq_vectors_cap_write(struct irq_vectors *d, unsigned off, unsigned size, uint32_t val);
uint64_t irq_vectors_table_read(struct irq_vectors *d, uint64_t off, unsigned size);
void irq_vectors_table_write(struct irq_vectors *d, uint64_t off, unsigned size, uint64_t val);
uint64_t irq_vectors_pba_read(struct irq_vectors *d, uint64_t off, unsigned size);
void irq_vectors_pba_write(struct irq_vectors *d, uint64_t off, unsigned size, uint64_t val);

/* VFIO_DEVICE_SET_IRQS / VFIO_DEVICE_GET_IRQ_INFO on this device (MSI-X index only). */
int irq_vectors_set_irqs(struct irq_vectors *d, const struct vfio_irq_set *hdr);
int irq_vectors_get_irq_info(struct irq_vectors *d, struct vfio_irq_info *info);
/* Shorthand: trigger of one vector (fd -1 tears it down). */
int irq_vectors_set_trigger(struct irq_vectors *d, unsigned vector, int fd);

/* The emulated path: raise `vector` from the VMM (KVM_SIGNAL_MSI, or PBA if masked).
 * 1 delivered, 0 pending, -EINVAL for a vector beyond the table. */
int irq_vectors_notify(struct irq_vectors *d, unsigned vector);

bool irq_vectors_masked(struct irq_vectors *d, unsigned vector);
bool irq_vectors_pending(struct irq_vectors *d, unsigned vector);

#endif
