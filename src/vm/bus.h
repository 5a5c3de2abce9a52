/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PIO and MMIO dispatch over sorted, non-overlapping ranges.
 *
 * Lookup is a binary search under a read lock; the handler is called after the lock is
 * dropped, so a handler may itself (re)map ranges (a PCI BAR move) without deadlock.
 * Devices outlive their mappings (they live as long as the VM), so a handler running
 * while its range is being moved still has valid state.
 */
#ifndef XKVM_VM_BUS_H
#define XKVM_VM_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/log.h"

struct vcpu;

struct bus_ops {
	/* `off` is relative to the range base; `size` is 1, 2, 4 or 8.  `vcpu` is the
	 * vCPU whose exit this is, or NULL when the VMM itself accesses the bus. */
	uint64_t (*read)(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size);
	void (*write)(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size, uint64_t val);
};

struct bus_range {
	uint64_t base;
	uint64_t len;
	const struct bus_ops *ops;
	void *opaque;
	const char *name;
};

struct bus {
	const char *name; /* "pio" or "mmio", for messages */
	pthread_rwlock_t lock;
	struct bus_range *ranges;
	unsigned nr, cap;
	struct ratelimit unclaimed_rl;
	uint64_t unclaimed; /* accesses that hit no device */
};

int bus_init(struct bus *bus, const char *name);
void bus_destroy(struct bus *bus);

/* -EBUSY if the range overlaps an existing one, -EINVAL if empty or wrapping. */
int bus_register(struct bus *bus, uint64_t base, uint64_t len, const struct bus_ops *ops,
		 void *opaque, const char *name);
/* Removes the range that starts at `base` and belongs to `opaque`; -ENOENT if none. */
int bus_unregister(struct bus *bus, uint64_t base, void *opaque);

/* Dispatch one access.  Unclaimed reads return all-ones; unclaimed writes are dropped.
 * Returns true when a device claimed the address. */
bool bus_read(struct bus *bus, struct vcpu *vcpu, uint64_t addr, unsigned size, uint64_t *val);
bool bus_write(struct bus *bus, struct vcpu *vcpu, uint64_t addr, unsigned size, uint64_t val);

#endif
