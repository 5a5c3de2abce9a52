/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where the guest's shared_info page and vcpu_info areas are, and host pointers to them
 * for the event-channel engine (the real `struct evtchn_shared_ops`).
 *
 * xkvm uses the guest's own RAM page at the frame the guest names in
 * XENMEM_add_to_physmap(XENMAPSPACE_shared_info) as shared_info, instead of overlaying a
 * separate page as Xen and QEMU do: the first placement zeroes it (a fresh shared_info),
 * a move copies the contents to the new frame.  The old frame keeps stale contents where
 * Xen would leave a hole; Linux never touches it again.
 *
 * A vCPU's vcpu_info is the one it registered with VCPUOP_register_vcpu_info, else its
 * slot in shared_info for vCPUs 0..31 (XEN_LEGACY_MAX_VCPUS), else none.
 *
 * Locations are read by delivery (any thread) while hypercalls change them: they are
 * atomics, and guest RAM never moves, so a pointer stays valid once resolved.
 */
#ifndef XKVM_XEN_SHINFO_H
#define XKVM_XEN_SHINFO_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "vm/memory.h"

#define XEN_INVALID_GFN UINT64_MAX

struct xen_shinfo {
	const struct guest_mem *gm;
	unsigned max_vcpus;
	_Atomic uint64_t gfn;             /* XEN_INVALID_GFN: not placed */
	_Atomic uint64_t *vcpu_info_gpa;  /* [max_vcpus]; XEN_INVALID_GPA: default slot */
};

int xen_shinfo_init(struct xen_shinfo *s, const struct guest_mem *gm, unsigned max_vcpus);
void xen_shinfo_destroy(struct xen_shinfo *s);

/* XENMEM_add_to_physmap(XENMAPSPACE_shared_info, idx 0, gfn).  0 or -XEN_EINVAL (the
 * frame is not RAM). */
int xen_shinfo_place(struct xen_shinfo *s, uint64_t gfn);
uint64_t xen_shinfo_gfn(struct xen_shinfo *s);
void *xen_shinfo_ptr(struct xen_shinfo *s);

/* VCPUOP_register_vcpu_info at guest-physical `gpa`, as Xen checks it: the area must not
 * cross a page (-XEN_ENXIO), must be aligned to the guest's word (-XEN_ENXIO), must be
 * RAM (-XEN_EINVAL), and a vCPU registers once (-XEN_EBUSY).  The new area starts as a
 * copy of the old one (the shared_info slot) or zeroed.  The caller then marks events
 * pending on it (evtchn_2l_kick), as Xen does, so nothing is lost in the move. */
int xen_vcpu_info_register(struct xen_shinfo *s, unsigned vcpu, uint64_t gpa, bool long_mode);
uint64_t xen_vcpu_info_gpa(struct xen_shinfo *s, unsigned vcpu);
void *xen_vcpu_info_ptr(struct xen_shinfo *s, unsigned vcpu);

/* Restore a location verbatim (state load): checked like a registration, no copy. */
int xen_shinfo_restore(struct xen_shinfo *s, uint64_t gfn);
int xen_vcpu_info_restore(struct xen_shinfo *s, unsigned vcpu, uint64_t gpa, bool long_mode);

/* Soft reset: forget shared_info and every registration (guest RAM is left as is). */
void xen_shinfo_reset(struct xen_shinfo *s);

/* The wall clock at Xen system time 0, with the wc_version protocol (odd while
 * updating).  No-op before shared_info is placed. */
void xen_shinfo_set_wallclock(struct xen_shinfo *s, bool long_mode, uint64_t sec,
			      uint32_t nsec);

#endif
