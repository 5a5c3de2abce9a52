/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GSI numbers for KVM's routing table.  GSIs below `first` are the in-kernel irqchip's
 * pins (KVM_CREATE_IRQCHIP routes 0..15 to the PICs and the IOAPIC, 16..23 to the IOAPIC)
 * and are never handed out; the rest, up to KVM_CAP_IRQ_ROUTING's limit, are allocated
 * lowest-first so the routing table stays dense.  Pure logic; the caller locks.
 */
#ifndef XKVM_IRQ_GSI_H
#define XKVM_IRQ_GSI_H

#include <stdint.h>

struct gsi_alloc {
	unsigned first; /* lowest allocatable GSI */
	unsigned limit; /* one past the highest */
	unsigned used;  /* allocated now */
	unsigned hint;  /* no free GSI below this one */
	uint64_t *map;  /* bit set = allocated (index gsi - first) */
};

/* -EINVAL if first >= limit; -ENOMEM. */
int gsi_alloc_init(struct gsi_alloc *g, unsigned first, unsigned limit);
void gsi_alloc_destroy(struct gsi_alloc *g);
/* The lowest free GSI, or -ENOSPC. */
int gsi_alloc(struct gsi_alloc *g);
/* -EINVAL for a GSI outside the range or not allocated (a double free). */
int gsi_free(struct gsi_alloc *g, unsigned gsi);
int gsi_is_allocated(const struct gsi_alloc *g, unsigned gsi);

#endif
