/* SPDX-License-Identifier: GPL-2.0-only */
#include "irq/vectors.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- msix -> routes (device lock held) ---------------------------------------------- */

static bool on_mask(void *opaque, unsigned v, bool masked)
{
	struct irq_vectors *d = opaque;
	return irq_route_set_masked(&d->vec[v].route, masked);
}

static void on_retarget(void *opaque, unsigned v, const struct msi_msg *msg)
{
	struct irq_vectors *d = opaque;
	irq_route_set_msg(&d->vec[v].route, msg);
}

static void on_deliver(void *opaque, unsigned v, const struct msi_msg *msg)
{
	struct irq_vectors *d = opaque;

	(void)msg; /* the route already has it: retarget comes first */
	irq_route_signal(&d->vec[v].route);
}

static void on_sync(void *opaque)
{
	struct irq_vectors *d = opaque;
	irq_router_commit(d->router); /* failures are logged there */
}

static const struct msix_ops msix_ops = { on_mask, on_retarget, on_deliver, on_sync };

/* ---- set_irqs -> routes (device lock held) ------------------------------------------ */

static int on_trigger(void *opaque, unsigned index, unsigned v, int fd)
{
	struct irq_vectors *d = opaque;

	if (index != VFIO_PCI_MSIX_IRQ_INDEX || v >= d->nr)
		return -EINVAL;
	return irq_route_set_trigger(&d->vec[v].route, fd);
}

static int on_commit(void *opaque, unsigned index)
{
	struct irq_vectors *d = opaque;

	(void)index;
	return irq_router_commit(d->router);
}

static int on_host_mask(void *opaque, unsigned index, unsigned v, bool masked)
{
	struct irq_vectors *d = opaque;

	(void)index;
	return msix_set_host_mask(&d->msix, v, masked);
}

static const struct set_irqs_ops irqs_ops = { on_trigger, on_commit, on_host_mask };

/* ---- the dump's pending bits -------------------------------------------------------- */

static void sync_pending(struct irq_vectors *d, unsigned v)
{
	if (d->vec[v].route.vi.pending != msix_pending(&d->msix, v))
		irq_route_set_pending(&d->vec[v].route, msix_pending(&d->msix, v));
}

static void sync_pending_all(struct irq_vectors *d)
{
	for (unsigned v = 0; v < d->nr; v++)
		sync_pending(d, v);
}

/* Main loop: a trigger fired while its vector was not attached to KVM. */
static void on_fired(void *opaque, struct irq_route *route)
{
	struct irq_vector *vec = opaque;
	struct irq_vectors *d = vec->dev;

	(void)route;
	pthread_mutex_lock(&d->lock);
	if (irq_route_drain(&vec->route)) {
		msix_notify(&d->msix, vec->nr); /* masked: PBA; unmasked: KVM_SIGNAL_MSI */
		sync_pending(d, vec->nr);
	}
	pthread_mutex_unlock(&d->lock);
}

/* ---- lifecycle ---------------------------------------------------------------------- */

int irq_vectors_init(struct irq_vectors *d, struct irq_router *r, const char *name, unsigned nr,
		     uint8_t table_bir, uint32_t table_off, uint8_t pba_bir, uint32_t pba_off)
{
	int ret;

	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->name = name;
	d->router = r;
	ret = msix_init(&d->msix, name, nr, table_bir, table_off, pba_bir, pba_off, &msix_ops, d);
	if (ret < 0) {
		log_error("%s: MSI-X with %u vectors (table %u:0x%x, PBA %u:0x%x): %s", name, nr,
			  table_bir, table_off, pba_bir, pba_off, strerror(-ret));
		pthread_mutex_destroy(&d->lock);
		return ret;
	}
	set_irqs_init(&d->irqs, name, &irqs_ops, d);
	ret = set_irqs_add_index(&d->irqs, VFIO_PCI_MSIX_IRQ_INDEX, nr,
				 VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE);
	d->vec = calloc(nr, sizeof(*d->vec));
	if (ret < 0 || !d->vec) {
		ret = ret < 0 ? ret : -ENOMEM;
		goto fail;
	}
	for (unsigned v = 0; v < nr; v++) {
		d->vec[v].dev = d;
		d->vec[v].nr = v;
		if ((ret = irq_route_add(r, &d->vec[v].route, name, v, on_fired, &d->vec[v])) < 0)
			goto fail;
		d->nr = v + 1;
	}
	return 0;
fail:
	log_error("%s: cannot set up its interrupt vectors: %s", name, strerror(-ret));
	irq_vectors_destroy(d);
	return ret;
}

void irq_vectors_destroy(struct irq_vectors *d)
{
	pthread_mutex_lock(&d->lock);
	/* Routes first (they detach irqfds and stop watching our fds), then the fds. */
	for (unsigned v = 0; v < d->nr; v++)
		irq_route_del(&d->vec[v].route);
	set_irqs_destroy(&d->irqs);
	msix_destroy(&d->msix);
	free(d->vec);
	d->vec = NULL;
	d->nr = 0;
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_destroy(&d->lock);
}

void irq_vectors_reset(struct irq_vectors *d)
{
	pthread_mutex_lock(&d->lock);
	msix_reset(&d->msix);
	sync_pending_all(d);
	pthread_mutex_unlock(&d->lock);
}

/* ---- guest accesses ----------------------------------------------------------------- */

uint32_t irq_vectors_cap_read(struct irq_vectors *d, unsigned off, unsigned size)
{
	uint32_t v;

	pthread_mutex_lock(&d->lock);
	v = msix_cap_read(&d->msix, off, size);
	pthread_mutex_unlock(&d->lock);
	return v;
}

void irq_vectors_cap_write(struct irq_vectors *d, unsigned off, unsigned size, uint32_t val)
{
	pthread_mutex_lock(&d->lock);
	msix_cap_write(&d->msix, off, size, val);
	sync_pending_all(d);
	pthread_mutex_unlock(&d->lock);
}

uint64_t irq_vectors_table_read(struct irq_vectors *d, uint64_t off, unsigned size)
{
	uint64_t v;

	pthread_mutex_lock(&d->lock);
	v = msix_table_read(&d->msix, off, size);
	pthread_mutex_unlock(&d->lock);
	return v;
}

void irq_vectors_table_write(struct irq_vectors *d, uint64_t off, unsigned size, uint64_t val)
{
	pthread_mutex_lock(&d->lock);
	msix_table_write(&d->msix, off, size, val);
	if (off < msix_table_size(&d->msix))
		sync_pending(d, (unsigned)(off / MSIX_ENTRY_SIZE));
	pthread_mutex_unlock(&d->lock);
}

uint64_t irq_vectors_pba_read(struct irq_vectors *d, uint64_t off, unsigned size)
{
	uint64_t v;

	pthread_mutex_lock(&d->lock);
	v = msix_pba_read(&d->msix, off, size);
	pthread_mutex_unlock(&d->lock);
	return v;
}

void irq_vectors_pba_write(struct irq_vectors *d, uint64_t off, unsigned size, uint64_t val)
{
	pthread_mutex_lock(&d->lock);
	msix_pba_write(&d->msix, off, size, val);
	pthread_mutex_unlock(&d->lock);
}

/* ---- the VMM side ------------------------------------------------------------------- */

int irq_vectors_set_irqs(struct irq_vectors *d, const struct vfio_irq_set *hdr)
{
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = set_irqs(&d->irqs, hdr);
	sync_pending_all(d);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

int irq_vectors_get_irq_info(struct irq_vectors *d, struct vfio_irq_info *info)
{
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = set_irqs_get_info(&d->irqs, info);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

int irq_vectors_set_trigger(struct irq_vectors *d, unsigned vector, int fd)
{
	struct {
		struct vfio_irq_set hdr;
		int32_t fd;
	} s = {
		.hdr = { .argsz = sizeof(s), .index = VFIO_PCI_MSIX_IRQ_INDEX, .start = vector,
			 .count = 1,
			 .flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER },
		.fd = fd,
	};

	return irq_vectors_set_irqs(d, &s.hdr);
}

int irq_vectors_notify(struct irq_vectors *d, unsigned vector)
{
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = msix_notify(&d->msix, vector);
	if (ret == 0)
		sync_pending(d, vector);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

bool irq_vectors_masked(struct irq_vectors *d, unsigned vector)
{
	bool m;

	pthread_mutex_lock(&d->lock);
	m = vector >= d->nr || msix_masked(&d->msix, vector);
	pthread_mutex_unlock(&d->lock);
	return m;
}

bool irq_vectors_pending(struct irq_vectors *d, unsigned vector)
{
	bool p;

	pthread_mutex_lock(&d->lock);
	p = msix_pending(&d->msix, vector);
	pthread_mutex_unlock(&d->lock);
	return p;
}
