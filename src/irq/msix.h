/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MSI-X as the guest sees it (PCI Local Bus 3.0 §6.8.2, PCIe Base §7.7.2): the capability
 * structure in config space, the table and the Pending Bit Array in a BAR, the function
 * mask and the per-vector masks.  Pure logic, no KVM, no locking: the owner serializes
 * every call (struct irq_dev holds its lock around them).  docs/specs/msix.md has the rules.
 *
 * The delivery layer is told what changed through `struct msix_ops`:
 *   mask(v, masked)   the vector's effective mask changed.  Effective mask = MSI-X
 *                     disabled || function mask || the entry's mask bit || host mask
 *                     (VFIO_IRQ_SET_ACTION_MASK).  On unmask it returns true when the
 *                     vector's trigger fired while it was masked and the delivery layer
 *                     had not reported it yet (msix_notify()): that counts as pending.
 *   retarget(v, msg)  the entry's address or data changed (the next interrupt uses it).
 *   deliver(v, msg)   send this message now (an unmasked notify, or a pending bit being
 *                     delivered on unmask).
 *   sync()            the end of one guest access that changed something: push the
 *                     batched changes (one KVM_SET_GSI_ROUTING for a function unmask).
 * On unmask the order is: mask() for every vector that changed, sync(), then deliver()
 * for each vector that was pending (its PBA bit is cleared first: delivered exactly once).
 *
 * Access rules: the table and the PBA take aligned DWORD and QWORD accesses inside their
 * range.  Anything else (other sizes, misaligned, beyond the table, writes to the PBA)
 * gets the architectural answer: reads return all-ones, writes are dropped, and a
 * rate-limited line is logged.  Vector Control bits 31:1 read as zero and ignore writes.
 */
#ifndef XKVM_IRQ_MSIX_H
#define XKVM_IRQ_MSIX_H

#include <stdbool.h>
#include <stdint.h>

#include "irq/msi.h"
#include "util/log.h"

#define MSIX_CAP_ID          0x11
#define MSIX_CAP_SIZE        12
#define MSIX_CAP_CONTROL     2    /* Message Control (16 bits) */
#define MSIX_CAP_TABLE       4    /* Table Offset / BIR */
#define MSIX_CAP_PBA         8    /* PBA Offset / BIR */
#define MSIX_CTRL_SIZE_MASK  0x07ff /* table size - 1 */
#define MSIX_CTRL_FMASK      0x4000
#define MSIX_CTRL_ENABLE     0x8000
#define MSIX_MAX_VECTORS     2048
#define MSIX_ENTRY_SIZE      16
#define MSIX_ENTRY_ADDR_LO   0
#define MSIX_ENTRY_ADDR_HI   4
#define MSIX_ENTRY_DATA      8
#define MSIX_ENTRY_CTRL      12
#define MSIX_VCTRL_MASK      1u

struct msix_ops {
	bool (*mask)(void *opaque, unsigned vector, bool masked);
	void (*retarget)(void *opaque, unsigned vector, const struct msi_msg *msg);
	void (*deliver)(void *opaque, unsigned vector, const struct msi_msg *msg);
	void (*sync)(void *opaque);
};

struct msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct msix {
	const char *name;     /* for log lines: the device's id */
	unsigned nr;          /* vectors (table size) */
	uint8_t table_bir, pba_bir;
	uint32_t table_off, pba_off; /* in their BARs, 8-byte aligned */
	uint8_t cap_next;     /* config-space next pointer, set by the PCI layer */

	struct msix_entry *table;
	uint64_t *pba;
	uint64_t *host_mask;  /* VFIO_IRQ_SET_ACTION_MASK, one bit per vector */
	uint64_t *scratch;    /* vectors to deliver after sync(), one bit per vector */
	bool enabled, fmask;

	const struct msix_ops *ops;
	void *opaque;
	struct ratelimit rl;
	uint64_t bad_accesses; /* wrong size, misaligned, out of range, PBA writes */
};

/* `nr` in 1..2048; offsets 8-byte aligned; BIRs 0..5; table and PBA must not overlap
 * when they share a BAR.  Every entry starts masked, MSI-X disabled.  -EINVAL/-ENOMEM. */
int msix_init(struct msix *m, const char *name, unsigned nr, uint8_t table_bir,
	      uint32_t table_off, uint8_t pba_bir, uint32_t pba_off,
	      const struct msix_ops *ops, void *opaque);
void msix_destroy(struct msix *m);
/* Function reset: entries masked with address/data zero, PBA and host masks clear,
 * MSI-X disabled and function unmasked. */
void msix_reset(struct msix *m);

static inline uint32_t msix_table_size(const struct msix *m)
{
	return m->nr * MSIX_ENTRY_SIZE;
}
static inline uint32_t msix_pba_size(const struct msix *m)
{
	return (m->nr + 63) / 64 * 8;
}

/* Config space: `off` is relative to the capability (0..11); any size 1, 2 or 4 inside
 * it.  Only Message Control bits 14 (function mask) and 15 (enable) are writable. */
uint32_t msix_cap_read(struct msix *m, unsigned off, unsigned size);
void msix_cap_write(struct msix *m, unsigned off, unsigned size, uint32_t val);
uint16_t msix_control(const struct msix *m);

/* BAR accesses: `off` relative to the start of the table / PBA. */
uint64_t msix_table_read(struct msix *m, uint64_t off, unsigned size);
void msix_table_write(struct msix *m, uint64_t off, unsigned size, uint64_t val);
uint64_t msix_pba_read(struct msix *m, uint64_t off, unsigned size);
void msix_pba_write(struct msix *m, uint64_t off, unsigned size, uint64_t val);

/* The device raises `vector`: delivered now when unmasked (returns 1), otherwise its PBA
 * bit is set (returns 0).  -EINVAL for a vector beyond the table. */
int msix_notify(struct msix *m, unsigned vector);
/* VMM-side mask (VFIO ACTION_MASK/UNMASK), ORed into the effective mask. */
int msix_set_host_mask(struct msix *m, unsigned vector, bool masked);

bool msix_masked(const struct msix *m, unsigned vector); /* effective mask */
bool msix_pending(const struct msix *m, unsigned vector);
struct msi_msg msix_message(const struct msix *m, unsigned vector);

#endif
