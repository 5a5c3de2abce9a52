/* SPDX-License-Identifier: GPL-2.0-only */
#include "arch/x86/boot.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xen/arch-x86/hvm/start_info.h>

#include "arch/x86/e820.h"
#include "arch/x86/layout.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

int x86_write_boot_pagetables(const struct guest_mem *gm)
{
	uint64_t pml4[512] = { 0 }, pdpt[512] = { 0 }, pd[512];
	int ret;

	pml4[0] = LAYOUT_PDPT | 0x3; /* present, writable */
	for (unsigned i = 0; i < 4; i++) {
		pdpt[i] = (LAYOUT_PD + i * 0x1000) | 0x3;
		for (unsigned j = 0; j < 512; j++)
			pd[j] = ((uint64_t)i << 30 | (uint64_t)j << 21) | 0x83; /* 2 MiB page */
		if ((ret = gm_write(gm, LAYOUT_PD + i * 0x1000, pd, sizeof(pd))) < 0)
			return ret;
	}
	if ((ret = gm_write(gm, LAYOUT_PML4, pml4, sizeof(pml4))) < 0)
		return ret;
	return gm_write(gm, LAYOUT_PDPT, pdpt, sizeof(pdpt));
}

int x86_write_boot_gdt(const struct guest_mem *gm)
{
	/* null, null, 0x10 code (64-bit for Linux, see regs.c), 0x18 data, 0x20 32-bit code. */
	static const uint64_t gdt[] = {
		0,
		0,
		0x00af9b000000ffffull, /* 0x10: code, L=1 */
		0x00cf93000000ffffull, /* 0x18: data, 4 GiB flat */
		0x00cf9b000000ffffull, /* 0x20: code, 32-bit flat (PVH) */
		0x008b00000000ffffull, /* 0x28: TSS (busy), only so TR is valid */
	};
	return gm_write(gm, LAYOUT_GDT, gdt, sizeof(gdt));
}

uint64_t x86_rsdp_addr(const struct guest_mem *gm)
{
	char sig[8];

	if (gm_read(gm, LAYOUT_ACPI_START, sig, sizeof(sig)) < 0 || memcmp(sig, "RSD PTR ", 8))
		return 0;
	return LAYOUT_ACPI_START;
}

int boot_place_initrd(uint64_t size, uint64_t min, uint64_t max, uint64_t *gpa, char *err,
		      size_t errlen)
{
	uint64_t top = 0;

	max &= ~0xfffull;
	if (size <= max)
		top = (max - size) & ~0xfffull;
	if (size > max || top < min) {
		/* -EFBIG tells x86_boot_load() to blame the initrd, not the kernel. */
		snprintf(err, errlen, "initrd (%llu MiB) does not fit in guest RAM between the kernel "
			 "and %llu MiB (%llu MiB free there); raise -m",
			 (unsigned long long)((size + (1 << 20) - 1) >> 20),
			 (unsigned long long)(max >> 20),
			 (unsigned long long)(max > min ? (max - min) >> 20 : 0));
		return -EFBIG;
	}
	*gpa = top;
	return 0;
}

static int pvh_boot(const struct guest_mem *gm, const struct mapped_file *k,
		    const struct mapped_file *initrd, const char *cmdline, struct boot_info *boot,
		    char *err, size_t errlen)
{
	struct hvm_start_info si = { 0 };
	struct hvm_modlist_entry mod = { 0 };
	struct hvm_memmap_table_entry mm[E820_MAX];
	struct e820_entry e820[E820_MAX];
	uint64_t entry = 0, end = 0, initrd_gpa = 0;
	size_t cmdlen = cmdline ? strlen(cmdline) : 0;
	unsigned n;
	int ret;

	if (cmdlen + 1 > LAYOUT_CMDLINE_MAX)
		return ERR("kernel command line is %zu bytes; at most %llu are supported", cmdlen,
			   LAYOUT_CMDLINE_MAX - 1);
	/* Check everything before writing anything. */
	if ((ret = pvh_parse_elf(gm, k, &entry, &end, err, errlen)) < 0)
		return ret;
	if (initrd && initrd->size &&
	    (ret = boot_place_initrd(initrd->size, end, gm_lowmem_top(gm), &initrd_gpa, err,
				     errlen)) < 0)
		return ret;

	if ((ret = pvh_load_elf(gm, k, &entry, &end, err, errlen)) < 0)
		return ret;
	if (initrd_gpa) {
		mod.paddr = initrd_gpa;
		mod.size = initrd->size;
		si.nr_modules = 1;
		si.modlist_paddr = LAYOUT_PVH_MODLIST;
		if (gm_write(gm, initrd_gpa, initrd->data, initrd->size) < 0 ||
		    gm_write(gm, LAYOUT_PVH_MODLIST, &mod, sizeof(mod)) < 0)
			return ERR("guest RAM too small for the initrd");
	}
	if (gm_memset(gm, LAYOUT_CMDLINE, 0, cmdlen + 1) < 0 ||
	    (cmdlen && gm_write(gm, LAYOUT_CMDLINE, cmdline, cmdlen) < 0))
		return ERR("guest RAM too small for the command line");
	n = e820_build(gm, e820, E820_MAX);
	for (unsigned i = 0; i < n; i++)
		mm[i] = (struct hvm_memmap_table_entry){ .addr = e820[i].addr, .size = e820[i].size,
							 .type = e820[i].type };

	si.magic = XEN_HVM_START_MAGIC_VALUE;
	si.version = 1;
	si.cmdline_paddr = LAYOUT_CMDLINE;
	si.rsdp_paddr = x86_rsdp_addr(gm);
	si.memmap_paddr = LAYOUT_PVH_MEMMAP;
	si.memmap_entries = n;
	if (gm_write(gm, LAYOUT_PVH_MEMMAP, mm, n * sizeof(mm[0])) < 0 ||
	    gm_write(gm, LAYOUT_BOOT_PARAMS, &si, sizeof(si)) < 0 || x86_write_boot_gdt(gm) < 0)
		return ERR("guest RAM too small for the boot data");

	boot->mode = BOOT_PVH32;
	boot->entry = entry;
	boot->info_gpa = LAYOUT_BOOT_PARAMS;
	return 0;
}

static int map_input(const char *opt, const char *path, struct mapped_file *f, char *err,
		     size_t errlen)
{
	int ret = file_map(path, f);

	if (ret == -EISDIR)
		snprintf(err, errlen, "%s %s: is a directory", opt, path);
	else if (ret == -EINVAL)
		snprintf(err, errlen, "%s %s: not a regular file", opt, path);
	else if (ret < 0)
		snprintf(err, errlen, "%s %s: %s", opt, path, strerror(-ret));
	else if (!f->size)
		return ERR("%s %s: file is empty", opt, path);
	return ret;
}

int x86_boot_load(const struct guest_mem *gm, const struct boot_files *files,
		  struct boot_info *boot, char *err, size_t errlen)
{
	struct mapped_file k, initrd = { 0 };
	char why[400];
	int ret;

	if ((ret = map_input("-kernel", files->kernel_path, &k, err, errlen)) < 0)
		return ret;
	if (files->initrd_path &&
	    (ret = map_input("-initrd", files->initrd_path, &initrd, err, errlen)) < 0) {
		file_unmap(&k);
		return ret;
	}
	if (files->initrd_path && (ret = initrd_check(initrd.data, initrd.size, why, sizeof(why))) < 0) {
		snprintf(err, errlen, "-initrd %s: %s", files->initrd_path, why);
		goto out;
	}
	if (bzimage_probe(&k)) {
		ret = bzimage_load(gm, &k, &initrd, files->cmdline, boot, why, sizeof(why));
	} else if (k.size >= SELFMAG && !memcmp(k.data, ELFMAG, SELFMAG)) {
		ret = pvh_boot(gm, &k, &initrd, files->cmdline, boot, why, sizeof(why));
	} else {
		snprintf(why, sizeof(why), "neither a Linux bzImage (no 'HdrS' boot header) nor an "
			 "ELF kernel (no ELF magic); expected a bzImage or an ELF with a PVH entry "
			 "note");
		ret = -EINVAL;
	}
	if (ret < 0)
		/* -EFBIG: the initrd does not fit; anything else is about the kernel. */
		snprintf(err, errlen, "%s %s: %s", ret == -EFBIG ? "-initrd" : "-kernel",
			 ret == -EFBIG ? files->initrd_path : files->kernel_path, why);
out:
	file_unmap(&initrd);
	file_unmap(&k);
	return ret;
}
