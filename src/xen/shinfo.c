/* SPDX-License-Identifier: GPL-2.0-only */
/* shared_info and vcpu_info placement (see shinfo.h). */
#include "xen/shinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xen/abi.h"

#define VCPU_INFO_SIZE 64u
_Static_assert(sizeof(struct vcpu_info) == VCPU_INFO_SIZE, "vcpu_info size");

int xen_shinfo_init(struct xen_shinfo *s, const struct guest_mem *gm, unsigned max_vcpus)
{
	if (max_vcpus == 0)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->vcpu_info_gpa = calloc(max_vcpus, sizeof(*s->vcpu_info_gpa));
	if (!s->vcpu_info_gpa)
		return -ENOMEM;
	s->gm = gm;
	s->max_vcpus = max_vcpus;
	xen_shinfo_reset(s);
	return 0;
}

void xen_shinfo_destroy(struct xen_shinfo *s)
{
	free(s->vcpu_info_gpa);
	s->vcpu_info_gpa = NULL;
}

void xen_shinfo_reset(struct xen_shinfo *s)
{
	atomic_store(&s->gfn, XEN_INVALID_GFN);
	for (unsigned v = 0; v < s->max_vcpus; v++)
		atomic_store(&s->vcpu_info_gpa[v], XEN_INVALID_GPA);
}

static void *page_of(struct xen_shinfo *s, uint64_t gfn)
{
	if (gfn == XEN_INVALID_GFN || gfn > (UINT64_MAX >> XEN_PAGE_SHIFT))
		return NULL;
	return gm_ptr(s->gm, gfn << XEN_PAGE_SHIFT, XEN_PAGE_SIZE);
}

void *xen_shinfo_ptr(struct xen_shinfo *s)
{
	return page_of(s, atomic_load(&s->gfn));
}

uint64_t xen_shinfo_gfn(struct xen_shinfo *s)
{
	return atomic_load(&s->gfn);
}

int xen_shinfo_place(struct xen_shinfo *s, uint64_t gfn)
{
	void *old = xen_shinfo_ptr(s), *new = page_of(s, gfn);

	if (!new)
		return -XEN_EINVAL;
	if (new == old)
		return 0;
	if (old)
		memcpy(new, old, XEN_PAGE_SIZE);
	else
		memset(new, 0, XEN_PAGE_SIZE);
	atomic_store(&s->gfn, gfn);
	return 0;
}

int xen_shinfo_restore(struct xen_shinfo *s, uint64_t gfn)
{
	if (gfn != XEN_INVALID_GFN && !page_of(s, gfn))
		return -EINVAL;
	atomic_store(&s->gfn, gfn);
	return 0;
}

/* The vCPU's slot in shared_info (vCPUs 0..31), or NULL. */
static void *default_slot(struct xen_shinfo *s, unsigned vcpu)
{
	uint8_t *sh;

	if (vcpu >= XEN_LEGACY_MAX_VCPUS || !(sh = xen_shinfo_ptr(s)))
		return NULL;
	/* vcpu_info[] starts the page in both layouts, 64 bytes each. */
	return sh + (size_t)vcpu * VCPU_INFO_SIZE;
}

void *xen_vcpu_info_ptr(struct xen_shinfo *s, unsigned vcpu)
{
	uint64_t gpa;

	if (vcpu >= s->max_vcpus)
		return NULL;
	gpa = atomic_load(&s->vcpu_info_gpa[vcpu]);
	if (gpa == XEN_INVALID_GPA)
		return default_slot(s, vcpu);
	return gm_ptr(s->gm, gpa, VCPU_INFO_SIZE);
}

uint64_t xen_vcpu_info_gpa(struct xen_shinfo *s, unsigned vcpu)
{
	return vcpu < s->max_vcpus ? atomic_load(&s->vcpu_info_gpa[vcpu]) : XEN_INVALID_GPA;
}

static int check_area(struct xen_shinfo *s, uint64_t gpa, bool long_mode)
{
	const uint64_t align = long_mode ? 8 : 4;

	if (gpa > UINT64_MAX - VCPU_INFO_SIZE ||
	    (gpa >> XEN_PAGE_SHIFT) != ((gpa + VCPU_INFO_SIZE - 1) >> XEN_PAGE_SHIFT) ||
	    (gpa & (align - 1)))
		return -XEN_ENXIO;
	if (!gm_ptr(s->gm, gpa, VCPU_INFO_SIZE))
		return -XEN_EINVAL;
	return 0;
}

int xen_vcpu_info_register(struct xen_shinfo *s, unsigned vcpu, uint64_t gpa, bool long_mode)
{
	void *old, *new;
	int ret;

	if (vcpu >= s->max_vcpus)
		return -XEN_ENOENT;
	if ((ret = check_area(s, gpa, long_mode)))
		return ret;
	if (atomic_load(&s->vcpu_info_gpa[vcpu]) != XEN_INVALID_GPA)
		return -XEN_EBUSY;
	new = gm_ptr(s->gm, gpa, VCPU_INFO_SIZE);
	old = default_slot(s, vcpu);
	if (old && old != new)
		memmove(new, old, VCPU_INFO_SIZE);
	else if (!old)
		memset(new, 0, VCPU_INFO_SIZE);
	atomic_store(&s->vcpu_info_gpa[vcpu], gpa);
	return 0;
}

int xen_vcpu_info_restore(struct xen_shinfo *s, unsigned vcpu, uint64_t gpa, bool long_mode)
{
	if (vcpu >= s->max_vcpus)
		return -EINVAL;
	if (gpa != XEN_INVALID_GPA && check_area(s, gpa, long_mode))
		return -EINVAL;
	atomic_store(&s->vcpu_info_gpa[vcpu], gpa);
	return 0;
}

void xen_shinfo_set_wallclock(struct xen_shinfo *s, bool long_mode, uint64_t sec,
			      uint32_t nsec)
{
	uint8_t *sh = xen_shinfo_ptr(s);
	uint32_t *version, *lo, *ns, *hi;

	if (!sh)
		return;
	if (long_mode) {
		version = (uint32_t *)(sh + offsetof(struct shared_info, wc_version));
		lo = (uint32_t *)(sh + offsetof(struct shared_info, wc_sec));
		ns = (uint32_t *)(sh + offsetof(struct shared_info, wc_nsec));
		hi = (uint32_t *)(sh + offsetof(struct shared_info, wc_sec_hi));
	} else {
		version = (uint32_t *)(sh + offsetof(struct shared_info_x86_32, wc_version));
		lo = (uint32_t *)(sh + offsetof(struct shared_info_x86_32, wc_sec));
		ns = (uint32_t *)(sh + offsetof(struct shared_info_x86_32, wc_nsec));
		hi = (uint32_t *)(sh + offsetof(struct shared_info_x86_32, arch.wc_sec_hi));
	}
	/* Odd while the fields change, as vcpu_time_info.version. */
	__atomic_store_n(version, __atomic_load_n(version, __ATOMIC_RELAXED) | 1,
			 __ATOMIC_SEQ_CST);
	__atomic_store_n(lo, (uint32_t)sec, __ATOMIC_RELAXED);
	__atomic_store_n(ns, nsec, __ATOMIC_RELAXED);
	__atomic_store_n(hi, (uint32_t)(sec >> 32), __ATOMIC_RELAXED);
	__atomic_store_n(version, __atomic_load_n(version, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_SEQ_CST);
}
