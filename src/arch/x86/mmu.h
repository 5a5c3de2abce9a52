/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest-virtual to guest-physical translation by walking the guest's page tables as the
 * CPU would: no paging, 32-bit, PAE, 4-level and 5-level.  Pure logic over a guest_mem.
 */
#ifndef XKVM_ARCH_X86_MMU_H
#define XKVM_ARCH_X86_MMU_H

#include <stddef.h>
#include <stdint.h>

#include "vm/memory.h"

struct x86_paging {
	uint64_t cr0, cr3, cr4, efer;
};

/* 0, -EFAULT (a table is outside RAM) or -ENOENT (not present). */
int x86_gva_to_gpa(const struct guest_mem *gm, const struct x86_paging *pg, uint64_t gva,
		   uint64_t *gpa);

/* Copies `len` bytes at guest-virtual `gva`, page by page.  Returns the number of bytes
 * copied (stops at the first unmapped page). */
size_t x86_read_virt(const struct guest_mem *gm, const struct x86_paging *pg, uint64_t gva,
		     void *buf, size_t len);

#endif
