/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Linux/x86 boot protocol, 64-bit entry (Documentation/arch/x86/boot.rst): the
 * protected-mode kernel is loaded at 1 MiB and entered at +0x200 in long mode with
 * identity-mapped page tables and RSI pointing at boot_params.
 */
#include <asm/bootparam.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/boot.h"
#include "arch/x86/e820.h"
#include "arch/x86/layout.h"

#define HDRS_MAGIC 0x53726448 /* "HdrS" */
#define MIN_PROTOCOL 0x020c   /* 2.12: xloadflags, the 64-bit entry */

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

int bzimage_probe(const struct mapped_file *k)
{
	uint32_t magic;

	if (k->size < 0x250)
		return 0;
	memcpy(&magic, k->data + 0x202, 4);
	return magic == HDRS_MAGIC && k->data[0x1fe] == 0x55 && k->data[0x1ff] == 0xaa;
}

int bzimage_load(const struct guest_mem *gm, const struct mapped_file *k,
		 const struct mapped_file *initrd, const char *cmdline, struct boot_info *boot,
		 char *err, size_t errlen);

int bzimage_load(const struct guest_mem *gm, const struct mapped_file *k,
		 const struct mapped_file *initrd, const char *cmdline, struct boot_info *boot,
		 char *err, size_t errlen)
{
	struct boot_params bp;
	struct setup_header hdr;
	size_t setup_size, hdr_end, cmdlen = cmdline ? strlen(cmdline) : 0;
	uint64_t kernel_size, need, low = gm_lowmem_top(gm), initrd_max, initrd_gpa = 0;
	struct e820_entry e820[E820_MAX];
	unsigned nr_e820;
	int ret;

	memset(&bp, 0, sizeof(bp));
	memcpy(&hdr, k->data + 0x1f1, sizeof(hdr) <= k->size - 0x1f1 ? sizeof(hdr) : k->size - 0x1f1);
	if (hdr.version < MIN_PROTOCOL)
		return ERR("bzImage boot protocol %u.%02u is too old (2.12 or later needed for the "
			   "64-bit entry)", hdr.version >> 8, hdr.version & 0xff);
	if (!(hdr.xloadflags & XLF_KERNEL_64))
		return ERR("bzImage has no 64-bit entry point (XLF_KERNEL_64 clear)");
	setup_size = ((size_t)(hdr.setup_sects ? hdr.setup_sects : 4) + 1) * 512;
	if (setup_size >= k->size)
		return ERR("truncated bzImage: %zu bytes, setup alone needs %zu", k->size, setup_size);
	kernel_size = k->size - setup_size;
	if (hdr.syssize && (uint64_t)hdr.syssize * 16 > kernel_size)
		return ERR("truncated bzImage: the header promises %llu bytes of kernel, the file "
			   "has %llu", (unsigned long long)hdr.syssize * 16,
			   (unsigned long long)kernel_size);

	/* A relocatable kernel decompresses at max(load address, pref_address) aligned,
	 * and needs init_size bytes there. */
	need = (hdr.pref_address > LAYOUT_KERNEL_START ? hdr.pref_address : LAYOUT_KERNEL_START) +
	       (hdr.init_size > kernel_size ? hdr.init_size : kernel_size);
	if (need > low)
		return ERR("the kernel needs %llu MiB of RAM below 4 GiB to decompress; the guest "
			   "has %llu MiB (raise -m)", (unsigned long long)(need >> 20) + 1,
			   (unsigned long long)(low >> 20));
	if (cmdlen + 1 > LAYOUT_CMDLINE_MAX ||
	    (hdr.version >= 0x0206 && hdr.cmdline_size && cmdlen > hdr.cmdline_size))
		return ERR("kernel command line is %zu bytes; this kernel accepts at most %u",
			   cmdlen, hdr.version >= 0x0206 ? hdr.cmdline_size : 255);

	if (initrd && initrd->size) {
		initrd_max = hdr.initrd_addr_max ? (uint64_t)hdr.initrd_addr_max + 1 : 0x38000000ull;
		if (hdr.xloadflags & (1 << 1)) /* XLF_CAN_BE_LOADED_ABOVE_4G: still keep it low */
			initrd_max = low;
		if (initrd_max > low)
			initrd_max = low;
		if (initrd->size > initrd_max || ((initrd_max - initrd->size) & ~0xfffull) < need)
			return ERR("initrd (%zu MiB) does not fit in guest RAM above the kernel "
				   "(%llu MiB free below %llu MiB); raise -m",
				   initrd->size >> 20,
				   (unsigned long long)(initrd_max > need ? (initrd_max - need) >> 20 : 0),
				   (unsigned long long)(initrd_max >> 20));
		initrd_gpa = (initrd_max - initrd->size) & ~0xfffull;
	}

	/* Everything is checked: now write guest RAM. */
	gm_write(gm, LAYOUT_KERNEL_START, k->data + setup_size, kernel_size);
	if (initrd_gpa)
		gm_write(gm, initrd_gpa, initrd->data, initrd->size);
	gm_memset(gm, LAYOUT_CMDLINE, 0, cmdlen + 1);
	if (cmdlen)
		gm_write(gm, LAYOUT_CMDLINE, cmdline, cmdlen);

	/* The setup header as the image has it, then what the loader fills in. */
	hdr_end = 0x202 + k->data[0x201];
	if (hdr_end > sizeof(bp) || hdr_end > k->size)
		return ERR("bzImage setup header is malformed");
	memcpy((uint8_t *)&bp + 0x1f1, k->data + 0x1f1, hdr_end - 0x1f1);
	bp.hdr.vid_mode = 0xffff;
	bp.hdr.type_of_loader = 0xff;
	bp.hdr.loadflags |= CAN_USE_HEAP;
	bp.hdr.heap_end_ptr = 0xfe00;
	bp.hdr.code32_start = LAYOUT_KERNEL_START;
	bp.hdr.cmd_line_ptr = (uint32_t)LAYOUT_CMDLINE;
	bp.ext_cmd_line_ptr = 0;
	bp.hdr.ramdisk_image = (uint32_t)initrd_gpa;
	bp.hdr.ramdisk_size = initrd_gpa ? (uint32_t)initrd->size : 0;
	bp.ext_ramdisk_image = (uint32_t)(initrd_gpa >> 32);
	bp.acpi_rsdp_addr = LAYOUT_ACPI_START;
	nr_e820 = e820_build(gm, e820, E820_MAX);
	bp.e820_entries = (uint8_t)nr_e820;
	for (unsigned i = 0; i < nr_e820; i++) {
		bp.e820_table[i].addr = e820[i].addr;
		bp.e820_table[i].size = e820[i].size;
		bp.e820_table[i].type = e820[i].type;
	}
	if ((ret = gm_write(gm, LAYOUT_BOOT_PARAMS, &bp, sizeof(bp))) < 0 ||
	    (ret = x86_write_boot_pagetables(gm)) < 0 || (ret = x86_write_boot_gdt(gm)) < 0)
		return ERR("guest RAM too small for the boot data");

	boot->mode = BOOT_LINUX64;
	boot->entry = LAYOUT_KERNEL_START + 0x200;
	boot->info_gpa = LAYOUT_BOOT_PARAMS;
	return 0;
}
