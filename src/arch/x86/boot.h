/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Direct kernel boot, no firmware: the Linux bzImage 64-bit boot protocol, and the PVH
 * entry (XEN_ELFNOTE_PHYS32_ENTRY) for ELF kernels (Linux's vmlinux, Xen PVH kernels,
 * xkvm's freestanding guest programs).  Everything read from the files is validated;
 * errors say which file and what was expected.
 */
#ifndef XKVM_ARCH_X86_BOOT_H
#define XKVM_ARCH_X86_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "util/file.h"
#include "vm/memory.h"
#include "vm/vm.h"

struct boot_files {
	const char *kernel_path;
	const char *initrd_path; /* may be NULL */
	const char *cmdline;     /* may be NULL */
};

/* Loads kernel, initrd and cmdline into guest RAM and writes boot_params or
 * hvm_start_info; fills *boot.  On error returns -errno with `err` filled. */
int x86_boot_load(const struct guest_mem *gm, const struct boot_files *files,
		  struct boot_info *boot, char *err, size_t errlen);

/* Pieces, exposed for unit tests. */
int pvh_load_elf(const struct guest_mem *gm, const struct mapped_file *k, uint64_t *entry,
		 uint64_t *end, char *err, size_t errlen);
int bzimage_probe(const struct mapped_file *k);
/* Identity page tables (4 GiB, 2 MiB pages) and the boot GDT, for 64-bit entry. */
int x86_write_boot_pagetables(const struct guest_mem *gm);
int x86_write_boot_gdt(const struct guest_mem *gm);

#endif
