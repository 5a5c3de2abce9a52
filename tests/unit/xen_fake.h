/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake shared_info page and vcpu_info areas for the Xen unit tests: plain host memory
 * the engine reaches through evtchn_shared_ops, with the injected upcalls counted.
 */
#ifndef XKVM_TESTS_XEN_FAKE_H
#define XKVM_TESTS_XEN_FAKE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "xen/evtchn.h"

#define FAKE_VCPUS 8

struct fake_guest {
	_Alignas(4096) uint8_t shinfo[4096];
	_Alignas(64) uint8_t vi[FAKE_VCPUS][64];
	bool no_shinfo;
	bool no_vi[FAKE_VCPUS];
	_Atomic unsigned upcalls[FAKE_VCPUS];
	_Atomic unsigned total_upcalls;
};

static inline void *fake_shared_info(void *opaque)
{
	struct fake_guest *f = opaque;
	return f->no_shinfo ? NULL : f->shinfo;
}

static inline void *fake_vcpu_info(void *opaque, unsigned vcpu)
{
	struct fake_guest *f = opaque;
	return vcpu < FAKE_VCPUS && !f->no_vi[vcpu] ? f->vi[vcpu] : NULL;
}

static inline void fake_upcall(void *opaque, unsigned vcpu)
{
	struct fake_guest *f = opaque;
	if (vcpu < FAKE_VCPUS)
		atomic_fetch_add(&f->upcalls[vcpu], 1);
	atomic_fetch_add(&f->total_upcalls, 1);
}

static const struct evtchn_shared_ops fake_ops = {
	.shared_info = fake_shared_info,
	.vcpu_info = fake_vcpu_info,
	.upcall = fake_upcall,
};

/* The guest's side of the bitmaps, 64-bit layout. */
static inline uint64_t *fake_pending(struct fake_guest *f)
{
	return (uint64_t *)(f->shinfo + evtchn_2l_layout_64.pending_off);
}

static inline uint64_t *fake_mask(struct fake_guest *f)
{
	return (uint64_t *)(f->shinfo + evtchn_2l_layout_64.mask_off);
}

static inline uint64_t *fake_sel(struct fake_guest *f, unsigned vcpu)
{
	return (uint64_t *)(f->vi[vcpu] + evtchn_2l_layout_64.sel_off);
}

static inline uint8_t *fake_upcall_pending(struct fake_guest *f, unsigned vcpu)
{
	return f->vi[vcpu] + evtchn_2l_layout_64.upcall_off;
}

static inline bool fake_is_pending(struct fake_guest *f, unsigned port)
{
	return fake_pending(f)[port / 64] >> (port % 64) & 1;
}

static inline void fake_set_mask(struct fake_guest *f, unsigned port, bool on)
{
	if (on)
		fake_mask(f)[port / 64] |= 1ull << (port % 64);
	else
		fake_mask(f)[port / 64] &= ~(1ull << (port % 64));
}

#endif
