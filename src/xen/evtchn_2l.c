/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 2-level event delivery on shared guest memory.  Every bit operation below is one
 * atomic instruction on the host mapping (x86: a LOCK-prefixed RMW, a full barrier),
 * which is what makes the order of the steps meaningful to a guest racing with us.
 */
#include "xen/evtchn_2l.h"

#include <stdint.h>

#include "xen/abi.h"

const struct evtchn_2l_layout evtchn_2l_layout_64 = {
	.word_bits = 64,
	.nr_ports = 64 * 64,
	.pending_off = offsetof(struct shared_info, evtchn_pending),
	.mask_off = offsetof(struct shared_info, evtchn_mask),
	.sel_off = offsetof(struct vcpu_info, evtchn_pending_sel),
	.upcall_off = offsetof(struct vcpu_info, evtchn_upcall_pending),
};

const struct evtchn_2l_layout evtchn_2l_layout_32 = {
	.word_bits = 32,
	.nr_ports = 32 * 32,
	.pending_off = offsetof(struct shared_info_x86_32, evtchn_pending),
	.mask_off = offsetof(struct shared_info_x86_32, evtchn_mask),
	.sel_off = offsetof(struct vcpu_info_x86_32, evtchn_pending_sel),
	.upcall_off = offsetof(struct vcpu_info_x86_32, evtchn_upcall_pending),
};

_Static_assert(64 * 64 == EVTCHN_2L_NR_CHANNELS, "2-level port count (64-bit)");

const char *evtchn_2l_outcome_name(enum evtchn_2l_outcome o)
{
	static const char *const names[] = {
		[EVTCHN_2L_NOTHING] = "nothing",
		[EVTCHN_2L_MASKED] = "masked",
		[EVTCHN_2L_NO_VCPU_INFO] = "no-vcpu-info",
		[EVTCHN_2L_SEL_WAS_SET] = "sel-was-set",
		[EVTCHN_2L_UPCALL_WAS_SET] = "upcall-was-set",
		[EVTCHN_2L_UPCALL_EDGE] = "upcall-edge",
		[EVTCHN_2L_NO_SHARED_INFO] = "no-shared-info",
	};
	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}

/* Bit `bit` of the array of little-endian words at base + off, one atomic operation of
 * the guest's word size, as the guest's own accesses are (the SDM asks for identical
 * operand sizes on shared semaphores).  A word the guest misplaced is not naturally
 * aligned (a vcpu_info registered by a 32-bit guest is only 4-byte aligned, and is used
 * with the 64-bit layout if the guest then changes mode): then the byte holding the bit
 * is used instead, which stays atomic on x86 and is never a misaligned access in C. */
enum bitop { BIT_TEST, BIT_SET, BIT_CLEAR };

#define BITOP(w, m, op)                                                             \
	((op) == BIT_SET     ? (__atomic_fetch_or((w), (m), __ATOMIC_SEQ_CST) & (m)) != 0 : \
	 (op) == BIT_CLEAR ? (__atomic_fetch_and((w), ~(m), __ATOMIC_SEQ_CST) & (m)) != 0 : \
			     (__atomic_load_n((w), __ATOMIC_SEQ_CST) & (m)) != 0)

static bool bitop(const struct evtchn_2l_layout *l, const void *base, size_t off, unsigned bit,
		  enum bitop op)
{
	uint8_t *p = (uint8_t *)base + off;

	if (l->word_bits == 64 && !(((uintptr_t)p + bit / 64 * 8) & 7)) {
		uint64_t *w = (uint64_t *)p + bit / 64, m = 1ull << (bit % 64);
		return BITOP(w, m, op);
	}
	if (l->word_bits == 32 && !(((uintptr_t)p + bit / 32 * 4) & 3)) {
		uint32_t *w = (uint32_t *)p + bit / 32, m = 1u << (bit % 32);
		return BITOP(w, m, op);
	}
	{
		uint8_t *b = p + bit / 8, m = (uint8_t)(1u << (bit % 8));
		return BITOP(b, m, op);
	}
}

/* The per-vCPU half: flag the word, then raise the upcall.  Shared by every path that
 * has found a pending, unmasked port. */
static enum evtchn_2l_outcome notify_vcpu(const struct evtchn_2l_layout *l, void *vcpu_info,
					  unsigned port)
{
	uint8_t *upcall;

	if (!vcpu_info)
		return EVTCHN_2L_NO_VCPU_INFO;
	if (bitop(l, vcpu_info, l->sel_off, port / l->word_bits, BIT_SET))
		return EVTCHN_2L_SEL_WAS_SET;
	upcall = (uint8_t *)vcpu_info + l->upcall_off;
	if (__atomic_exchange_n(upcall, 1, __ATOMIC_SEQ_CST))
		return EVTCHN_2L_UPCALL_WAS_SET;
	return EVTCHN_2L_UPCALL_EDGE;
}

enum evtchn_2l_outcome evtchn_2l_set_pending(const struct evtchn_2l_layout *l, void *shinfo,
					     void *vcpu_info, unsigned port)
{
	if (!shinfo)
		return EVTCHN_2L_NO_SHARED_INFO;
	if (bitop(l, shinfo, l->pending_off, port, BIT_SET))
		return EVTCHN_2L_NOTHING;
	if (bitop(l, shinfo, l->mask_off, port, BIT_TEST))
		return EVTCHN_2L_MASKED;
	return notify_vcpu(l, vcpu_info, port);
}

enum evtchn_2l_outcome evtchn_2l_unmask(const struct evtchn_2l_layout *l, void *shinfo,
					void *vcpu_info, unsigned port)
{
	if (!shinfo)
		return EVTCHN_2L_NO_SHARED_INFO;
	if (!bitop(l, shinfo, l->mask_off, port, BIT_CLEAR))
		return EVTCHN_2L_NOTHING;
	if (!bitop(l, shinfo, l->pending_off, port, BIT_TEST))
		return EVTCHN_2L_NOTHING;
	return notify_vcpu(l, vcpu_info, port);
}

enum evtchn_2l_outcome evtchn_2l_raise(const struct evtchn_2l_layout *l, void *shinfo,
				       void *vcpu_info, unsigned port)
{
	if (!shinfo)
		return EVTCHN_2L_NO_SHARED_INFO;
	if (bitop(l, shinfo, l->mask_off, port, BIT_TEST))
		return EVTCHN_2L_MASKED;
	if (!bitop(l, shinfo, l->pending_off, port, BIT_TEST))
		return EVTCHN_2L_NOTHING;
	return notify_vcpu(l, vcpu_info, port);
}

enum evtchn_2l_outcome evtchn_2l_kick(const struct evtchn_2l_layout *l, void *vcpu_info)
{
	uint8_t *sel = (uint8_t *)vcpu_info + l->sel_off;

	/* Every selector bit (see bitop() on alignment). */
	if (l->word_bits == 64 && !((uintptr_t)sel & 7))
		__atomic_store_n((uint64_t *)sel, UINT64_MAX, __ATOMIC_SEQ_CST);
	else if (l->word_bits == 32 && !((uintptr_t)sel & 3))
		__atomic_store_n((uint32_t *)sel, UINT32_MAX, __ATOMIC_SEQ_CST);
	else
		for (unsigned i = 0; i < l->word_bits / 8; i++)
			__atomic_store_n(sel + i, 0xff, __ATOMIC_SEQ_CST);
	if (__atomic_exchange_n((uint8_t *)vcpu_info + l->upcall_off, 1, __ATOMIC_SEQ_CST))
		return EVTCHN_2L_UPCALL_WAS_SET;
	return EVTCHN_2L_UPCALL_EDGE;
}

void evtchn_2l_clear_pending(const struct evtchn_2l_layout *l, void *shinfo, unsigned port)
{
	if (shinfo)
		bitop(l, shinfo, l->pending_off, port, BIT_CLEAR);
}

bool evtchn_2l_is_pending(const struct evtchn_2l_layout *l, const void *shinfo, unsigned port)
{
	return shinfo && bitop(l, shinfo, l->pending_off, port, BIT_TEST);
}

bool evtchn_2l_is_masked(const struct evtchn_2l_layout *l, const void *shinfo, unsigned port)
{
	return shinfo && bitop(l, shinfo, l->mask_off, port, BIT_TEST);
}

bool evtchn_2l_upcall_pending(const struct evtchn_2l_layout *l, const void *vcpu_info)
{
	return vcpu_info &&
	       __atomic_load_n((const uint8_t *)vcpu_info + l->upcall_off, __ATOMIC_SEQ_CST);
}
