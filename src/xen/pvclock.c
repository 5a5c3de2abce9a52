/* SPDX-License-Identifier: GPL-2.0-only */
/* vcpu_time_info arithmetic and publication (see pvclock.h). */
#include "xen/pvclock.h"

#include <stdbool.h>
#include <string.h>

#define NSEC_PER_SEC 1000000000ull

void xen_pvclock_scale(uint64_t hz, uint32_t *mul, int8_t *shift)
{
	/* ns per tick as a 32.32 fixed-point ratio, scaled by 2^shift until it fits 32
	 * bits, then by 2^-shift while the top bit is free (more precision). */
	unsigned __int128 num = (unsigned __int128)NSEC_PER_SEC << 32, m;
	int s = 0;

	if (!hz)
		hz = 1;
	m = num / hz;
	while (m >> 32) {
		s++;
		m = num / ((unsigned __int128)hz << s);
	}
	while (s > -31 && !(m >> 31)) {
		unsigned __int128 next = (num << (1 - s)) / hz;

		if (next >> 32)
			break;
		s--;
		m = next;
	}
	*mul = (uint32_t)m;
	*shift = (int8_t)s;
}

void xen_pvclock_fill(struct vcpu_time_info *t, uint64_t tsc, uint64_t system_ns,
		      uint32_t tsc_khz, bool stable)
{
	memset(t, 0, sizeof(*t));
	t->tsc_timestamp = tsc;
	t->system_time = system_ns;
	xen_pvclock_scale((uint64_t)tsc_khz * 1000, &t->tsc_to_system_mul, &t->tsc_shift);
	t->flags = stable ? XEN_PVCLOCK_TSC_STABLE_BIT : 0;
}

uint64_t xen_pvclock_read(const struct vcpu_time_info *t, uint64_t tsc)
{
	uint64_t delta = tsc - t->tsc_timestamp;

	if (t->tsc_shift < 0)
		delta >>= -t->tsc_shift;
	else
		delta <<= t->tsc_shift;
	return t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
}

void xen_pvclock_publish(void *dst, const struct vcpu_time_info *t)
{
	struct vcpu_time_info *d = dst;
	uint32_t v = __atomic_load_n(&d->version, __ATOMIC_RELAXED);

	/* Odd while the fields change; a reader retries on odd or changed versions. */
	__atomic_store_n(&d->version, (v | 1) + ((v & 1) ? 2 : 0), __ATOMIC_SEQ_CST);
	__atomic_store_n(&d->tsc_timestamp, t->tsc_timestamp, __ATOMIC_RELAXED);
	__atomic_store_n(&d->system_time, t->system_time, __ATOMIC_RELAXED);
	__atomic_store_n(&d->tsc_to_system_mul, t->tsc_to_system_mul, __ATOMIC_RELAXED);
	__atomic_store_n(&d->tsc_shift, t->tsc_shift, __ATOMIC_RELAXED);
	__atomic_store_n(&d->flags, t->flags, __ATOMIC_RELAXED);
	__atomic_store_n(&d->version, __atomic_load_n(&d->version, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_SEQ_CST);
}
