/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The real `struct xen_guest_access`: hypercall pointer arguments are guest-virtual
 * addresses, translated through the calling vCPU's page tables (arch/x86/mmu.h) page by
 * page and copied with the bounds-checked guest-memory accessors.  The wiring fills a
 * `struct x86_paging` from the vCPU's KVM_GET_SREGS (CR0, CR3, CR4, EFER) per hypercall.
 *
 * Page permissions are not checked (the walk answers "where", not "may I"): a guest
 * kernel can already write any of its memory, so this only differs from Xen for
 * read-only mappings of writable RAM.
 */
#ifndef XKVM_XEN_GUEST_ACCESS_H
#define XKVM_XEN_GUEST_ACCESS_H

#include "arch/x86/mmu.h"
#include "vm/memory.h"
#include "xen/hypercall.h"

struct xen_gva_space {
	const struct guest_mem *gm;
	struct x86_paging paging;
	bool long_mode; /* a 32-bit caller's addresses wrap at 4 GiB */
};

/* Points `ga` at `space` (which must outlive the hypercall). */
void xen_guest_access_init(struct xen_guest_access *ga, struct xen_gva_space *space);

#endif
