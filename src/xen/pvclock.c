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

/* The guest chooses where the area is: a time area may have any alignment, and a 32-bit
 * guest's vcpu_info is only 4-byte aligned.  So the fields are copied as bytes, ordered
 * by fences: the version protocol, not atomicity, is what makes a torn read harmless
 * (Xen writes them with plain stores too). */
void xen_pvclock_publish(void *dst, const struct vcpu_time_info *t)
{
	uint8_t *d = dst;
	const size_t vo = offsetof(struct vcpu_time_info, version);
	const size_t body = offsetof(struct vcpu_time_info, tsc_timestamp);
	uint32_t v;

	memcpy(&v, d + vo, sizeof(v));
	/* Odd while the fields change; a reader retries on odd or changed versions. */
	v = (v | 1) + ((v & 1) ? 2 : 0);
	memcpy(d + vo, &v, sizeof(v));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(d + body, (const uint8_t *)t + body, sizeof(*t) - body);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v++;
	memcpy(d + vo, &v, sizeof(v));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
