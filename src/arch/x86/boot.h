/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Direct kernel boot, no firmware: the Linux bzImage 64-bit boot protocol, and the PVH
 * entry (XEN_ELFNOTE_PHYS32_ENTRY) for ELF kernels (Linux's vmlinux, Xen PVH kernels,
 * xkvm's freestanding guest programs).  Everything read from the files is validated
 * before guest RAM is written; errors say which file and what was expected.
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
 * hvm_start_info; fills *boot.  On error returns -errno with `err` filled (one line that
 * names the file and the problem). */
int x86_boot_load(const struct guest_mem *gm, const struct boot_files *files,
		  struct boot_info *boot, char *err, size_t errlen);

/* ---- pieces, exposed for unit tests --------------------------------------------------- */

/* What a bzImage header says, checked against the file and the guest's low RAM. */
struct bzimage_info {
	size_t setup_size;     /* boot sector + real-mode setup, in the file */
	size_t hdr_end;        /* end of the setup header in the file */
	uint64_t kernel_size;  /* the protected-mode part: loaded at 1 MiB */
	uint64_t load_end;     /* end of what the kernel needs to decompress */
	uint64_t initrd_max;   /* the initrd must end at or below this address */
	uint32_t cmdline_max;  /* longest command line it takes (bytes, no NUL) */
};

int bzimage_probe(const struct mapped_file *k);
int bzimage_parse(const struct mapped_file *k, uint64_t lowmem_top, size_t cmdlen,
		  struct bzimage_info *bi, char *err, size_t errlen);
int bzimage_load(const struct guest_mem *gm, const struct mapped_file *k,
		 const struct mapped_file *initrd, const char *cmdline, struct boot_info *boot,
		 char *err, size_t errlen);

/* Checks an ELF kernel (class, machine, segments inside the file and in RAM above
 * 1 MiB, the PVH note) without writing RAM; *end = highest loaded address + 1. */
int pvh_parse_elf(const struct guest_mem *gm, const struct mapped_file *k, uint64_t *entry,
		  uint64_t *end, char *err, size_t errlen);
/* pvh_parse_elf, then copies the segments into RAM. */
int pvh_load_elf(const struct guest_mem *gm, const struct mapped_file *k, uint64_t *entry,
		 uint64_t *end, char *err, size_t errlen);

/* Recognizes an initrd (cpio, compressed cpio, or a filesystem image) and checks the
 * formats whose end can be checked cheaply (cpio trailer, xz footer, zstd frames). */
int initrd_check(const uint8_t *data, size_t size, char *err, size_t errlen);

/* Where the initrd goes: page-aligned, as high as possible, ending at or below `max`,
 * starting at or above `min` (the end of the kernel). */
int boot_place_initrd(uint64_t size, uint64_t min, uint64_t max, uint64_t *gpa, char *err,
		      size_t errlen);

/* LAYOUT_ACPI_START when the ACPI tables (built before the kernel is loaded) start
 * with an RSDP there, else 0: the kernel then looks for ACPI on its own. */
uint64_t x86_rsdp_addr(const struct guest_mem *gm);

/* Identity page tables (4 GiB, 2 MiB pages) and the boot GDT, for 64-bit entry. */
int x86_write_boot_pagetables(const struct guest_mem *gm);
int x86_write_boot_gdt(const struct guest_mem *gm);

#endif
