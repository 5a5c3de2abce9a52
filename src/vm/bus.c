/* SPDX-License-Identifier: GPL-2.0-only */
#include "vm/bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	bus->unclaimed_rl = (struct ratelimit)RATELIMIT_INIT_LEVEL(LOG_DEBUG);
	return -pthread_rwlock_init(&bus->lock, NULL);
}

void bus_destroy(struct bus *bus)
{
	free(bus->ranges);
	pthread_rwlock_destroy(&bus->lock);
	bus->ranges = NULL;
	bus->nr = bus->cap = 0;
}

/* Index of the first range whose base is > addr. */
static unsigned bus_upper(const struct bus *bus, uint64_t addr)
{
	unsigned lo = 0, hi = bus->nr;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (bus->ranges[mid].base > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static const struct bus_range *bus_find(const struct bus *bus, uint64_t addr)
{
	unsigned i = bus_upper(bus, addr);
	const struct bus_range *r;

	if (i == 0)
		return NULL;
	r = &bus->ranges[i - 1];
	return addr - r->base < r->len ? r : NULL;
}

int bus_register(struct bus *bus, uint64_t base, uint64_t len, const struct bus_ops *ops,
		 void *opaque, const char *name)
{
	unsigned i;
	int ret = 0;

	if (len == 0 || base + len - 1 < base)
		return -EINVAL;
	pthread_rwlock_wrlock(&bus->lock);
	i = bus_upper(bus, base);
	/* The predecessor must end before `base`; the successor must start after the end. */
	if ((i > 0 && bus->ranges[i - 1].base + bus->ranges[i - 1].len - 1 >= base) ||
	    (i < bus->nr && bus->ranges[i].base <= base + len - 1)) {
		ret = -EBUSY;
		goto out;
	}
	if (bus->nr == bus->cap) {
		unsigned cap = bus->cap ? bus->cap * 2 : 16;
		struct bus_range *n = realloc(bus->ranges, cap * sizeof(*n));
		if (!n) {
			ret = -ENOMEM;
			goto out;
		}
		bus->ranges = n;
		bus->cap = cap;
	}
	memmove(&bus->ranges[i + 1], &bus->ranges[i], (bus->nr - i) * sizeof(bus->ranges[0]));
	bus->ranges[i] = (struct bus_range){ base, len, ops, opaque, name };
	bus->nr++;
out:
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

int bus_unregister(struct bus *bus, uint64_t base, void *opaque)
{
	int ret = -ENOENT;

	pthread_rwlock_wrlock(&bus->lock);
	for (unsigned i = 0; i < bus->nr; i++) {
		if (bus->ranges[i].base == base && bus->ranges[i].opaque == opaque) {
			memmove(&bus->ranges[i], &bus->ranges[i + 1],
				(bus->nr - i - 1) * sizeof(bus->ranges[0]));
			bus->nr--;
			ret = 0;
			break;
		}
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

static bool bus_lookup(struct bus *bus, uint64_t addr, struct bus_range *out)
{
	const struct bus_range *r;

	pthread_rwlock_rdlock(&bus->lock);
	r = bus_find(bus, addr);
	if (r)
		*out = *r;
	pthread_rwlock_unlock(&bus->lock);
	return r != NULL;
}

static void bus_unclaimed(struct bus *bus, uint64_t addr, unsigned size, bool write)
{
	__atomic_add_fetch(&bus->unclaimed, 1, __ATOMIC_RELAXED);
	log_guest(&bus->unclaimed_rl, "%s: unclaimed %u-byte %s at 0x%llx", bus->name, size,
		  write ? "write" : "read", (unsigned long long)addr);
}

bool bus_read(struct bus *bus, struct vcpu *vcpu, uint64_t addr, unsigned size, uint64_t *val)
{
	uint64_t mask = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
	struct bus_range r;
	bool found = bus_lookup(bus, addr, &r);

	if (found && r.ops->read) {
		*val = r.ops->read(r.opaque, vcpu, addr - r.base, size) & mask;
		return true;
	}
	*val = mask; /* all-ones: what a read of nothing returns on a real bus */
	if (!found)
		bus_unclaimed(bus, addr, size, false);
	return found;
}

bool bus_write(struct bus *bus, struct vcpu *vcpu, uint64_t addr, unsigned size, uint64_t val)
{
	struct bus_range r;

	if (!bus_lookup(bus, addr, &r)) {
		bus_unclaimed(bus, addr, size, true);
		return false;
	}
	if (r.ops->write)
		r.ops->write(r.opaque, vcpu, addr - r.base, size, val);
	return true;
}
