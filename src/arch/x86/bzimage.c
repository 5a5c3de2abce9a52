/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Linux/x86 boot protocol, 64-bit entry (Documentation/arch/x86/boot.rst): the
 * protected-mode kernel is loaded at 1 MiB and entered at +0x200 in long mode with
 * identity-mapped page tables and RSI pointing at boot_params.
 *
 * bzimage_parse() validates the header against the file and the guest's RAM without
 * touching RAM; bzimage_load() then writes the kernel, initrd, cmdline and boot_params.
 */
#include <asm/bootparam.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/boot.h"
#include "arch/x86/e820.h"
#include "arch/x86/layout.h"

#define HDRS_MAGIC 0x53726448   /* "HdrS" */
#define BOOT_FLAG 0xaa55
#define MIN_PROTOCOL 0x020c     /* 2.12: xloadflags and the 64-bit entry */
#define SETUP_HDR_OFF 0x1f1
#define SETUP_HDR_MAX 0x290     /* boot_params has room for the header up to here */
#define ENTRY64_OFF 0x200       /* startup_64 = code32_start + 0x200 */
#define INITRD_ADDR_MAX_DEFAULT 0x37ffffffull /* protocol < 2.03 */

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

int bzimage_probe(const struct mapped_file *k)
{
	uint32_t magic;
	uint16_t flag;

	if (k->size < SETUP_HDR_OFF + sizeof(struct setup_header))
		return 0;
	memcpy(&magic, k->data + offsetof(struct boot_params, hdr.header), 4);
	memcpy(&flag, k->data + offsetof(struct boot_params, hdr.boot_flag), 2);
	return magic == HDRS_MAGIC && flag == BOOT_FLAG;
}

int bzimage_parse(const struct mapped_file *k, uint64_t lowmem_top, size_t cmdlen,
		  struct bzimage_info *bi, char *err, size_t errlen)
{
	struct setup_header hdr;
	uint64_t load_base;

	memset(bi, 0, sizeof(*bi));
	if (!bzimage_probe(k))
		return ERR("not a bzImage (no 'HdrS' setup header with boot flag 0xaa55)");
	memcpy(&hdr, k->data + SETUP_HDR_OFF, sizeof(hdr));
	if (hdr.version < MIN_PROTOCOL)
		return ERR("bzImage boot protocol %u.%02u is too old (2.12 or later is needed for the "
			   "64-bit entry)", hdr.version >> 8, hdr.version & 0xff);
	if (!(hdr.xloadflags & XLF_KERNEL_64))
		return ERR("bzImage has no 64-bit entry point (XLF_KERNEL_64 clear)");

	/* The header ends where the jump at 0x200 lands (0x202 + its 8-bit offset). */
	bi->hdr_end = 0x202 + k->data[0x201];
	if (bi->hdr_end < SETUP_HDR_OFF + offsetof(struct setup_header, init_size) + 4 ||
	    bi->hdr_end > SETUP_HDR_MAX)
		return ERR("bzImage setup header is malformed (it ends at 0x%zx)", bi->hdr_end);

	bi->setup_size = ((size_t)(hdr.setup_sects ? hdr.setup_sects : 4) + 1) * 512;
	if (bi->setup_size < bi->hdr_end || bi->setup_size >= k->size ||
	    k->size - bi->setup_size <= ENTRY64_OFF)
		return ERR("truncated bzImage: %zu bytes, but the setup code alone takes %zu", k->size,
			   bi->setup_size);
	bi->kernel_size = k->size - bi->setup_size;
	if ((uint64_t)hdr.syssize * 16 > bi->kernel_size)
		return ERR("truncated bzImage: the header promises %llu bytes of kernel after the "
			   "setup code, the file has %llu", (unsigned long long)hdr.syssize * 16,
			   (unsigned long long)bi->kernel_size);

	/*
	 * startup_64 moves the compressed kernel to max(its load address aligned up,
	 * pref_address) and decompresses in place there: init_size bytes from that address
	 * must be RAM.  (Not relocatable: pref_address is LOAD_PHYSICAL_ADDR, same result.)
	 */
	load_base = hdr.pref_address > LAYOUT_KERNEL_START ? hdr.pref_address : LAYOUT_KERNEL_START;
	if (load_base >= lowmem_top)
		return ERR("this kernel wants to run at 0x%llx, beyond the guest's %llu MiB of RAM "
			   "below 4 GiB (raise -m)", (unsigned long long)load_base,
			   (unsigned long long)(lowmem_top >> 20));
	if (hdr.relocatable_kernel && hdr.kernel_alignment > 1) {
		uint64_t a = hdr.kernel_alignment;
		if (a & (a - 1))
			return ERR("bzImage kernel_alignment 0x%llx is not a power of two",
				   (unsigned long long)a);
		load_base = (load_base + a - 1) & ~(a - 1);
	}
	bi->load_end = load_base + (hdr.init_size > bi->kernel_size ? hdr.init_size : bi->kernel_size);
	if (bi->load_end < LAYOUT_KERNEL_START + bi->kernel_size)
		bi->load_end = LAYOUT_KERNEL_START + bi->kernel_size;
	if (bi->load_end > lowmem_top)
		return ERR("this kernel needs %llu MiB of RAM below 4 GiB to decompress; the guest has "
			   "%llu MiB there (raise -m)", (unsigned long long)((bi->load_end + (1 << 20) - 1) >> 20),
			   (unsigned long long)(lowmem_top >> 20));

	bi->cmdline_max = hdr.cmdline_size ? hdr.cmdline_size : 255;
	if (bi->cmdline_max > LAYOUT_CMDLINE_MAX - 1)
		bi->cmdline_max = LAYOUT_CMDLINE_MAX - 1;
	if (cmdlen > bi->cmdline_max)
		return ERR("kernel command line is %zu bytes; this kernel accepts at most %u", cmdlen,
			   bi->cmdline_max);

	/* The initrd stays below 4 GiB (our identity map covers that) and below what the
	 * kernel can address: initrd_addr_max, unless it says it can take any address. */
	bi->initrd_max = hdr.initrd_addr_max ? (uint64_t)hdr.initrd_addr_max + 1
					     : INITRD_ADDR_MAX_DEFAULT + 1;
	if (hdr.xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G)
		bi->initrd_max = LAYOUT_4G;
	if (bi->initrd_max > lowmem_top)
		bi->initrd_max = lowmem_top;
	return 0;
}

int bzimage_load(const struct guest_mem *gm, const struct mapped_file *k,
		 const struct mapped_file *initrd, const char *cmdline, struct boot_info *boot,
		 char *err, size_t errlen)
{
	struct boot_params bp;
	struct bzimage_info bi;
	size_t cmdlen = cmdline ? strlen(cmdline) : 0;
	uint64_t initrd_gpa = 0;
	struct e820_entry e820[E820_MAX];
	unsigned nr_e820;
	int ret;

	if ((ret = bzimage_parse(k, gm_lowmem_top(gm), cmdlen, &bi, err, errlen)) < 0)
		return ret;
	if (initrd && initrd->size &&
	    (ret = boot_place_initrd(initrd->size, bi.load_end, bi.initrd_max, &initrd_gpa, err,
				     errlen)) < 0)
		return ret;

	/* Everything is checked: now write guest RAM. */
	if (gm_write(gm, LAYOUT_KERNEL_START, k->data + bi.setup_size, bi.kernel_size) < 0 ||
	    (initrd_gpa && gm_write(gm, initrd_gpa, initrd->data, initrd->size) < 0) ||
	    gm_memset(gm, LAYOUT_CMDLINE, 0, cmdlen + 1) < 0 ||
	    (cmdlen && gm_write(gm, LAYOUT_CMDLINE, cmdline, cmdlen) < 0))
		return ERR("guest RAM too small for the kernel");

	/* boot_params: the setup header as the image has it, then what the loader fills. */
	memset(&bp, 0, sizeof(bp));
	memcpy((uint8_t *)&bp + SETUP_HDR_OFF, k->data + SETUP_HDR_OFF, bi.hdr_end - SETUP_HDR_OFF);
	bp.hdr.vid_mode = 0xffff;          /* "normal" */
	bp.hdr.type_of_loader = 0xff;      /* undefined boot loader */
	bp.hdr.loadflags &= ~(QUIET_FLAG | KEEP_SEGMENTS);
	bp.hdr.code32_start = (uint32_t)LAYOUT_KERNEL_START;
	bp.hdr.cmd_line_ptr = (uint32_t)LAYOUT_CMDLINE;
	bp.ext_cmd_line_ptr = (uint32_t)(LAYOUT_CMDLINE >> 32);
	bp.hdr.ramdisk_image = (uint32_t)initrd_gpa;
	bp.ext_ramdisk_image = (uint32_t)(initrd_gpa >> 32);
	bp.hdr.ramdisk_size = initrd_gpa ? (uint32_t)initrd->size : 0;
	bp.ext_ramdisk_size = initrd_gpa ? (uint32_t)((uint64_t)initrd->size >> 32) : 0;
	bp.hdr.setup_data = 0;
	bp.acpi_rsdp_addr = x86_rsdp_addr(gm);
	nr_e820 = e820_build(gm, e820, E820_MAX);
	bp.e820_entries = (uint8_t)nr_e820;
	for (unsigned i = 0; i < nr_e820; i++) {
		bp.e820_table[i].addr = e820[i].addr;
		bp.e820_table[i].size = e820[i].size;
		bp.e820_table[i].type = e820[i].type;
	}
	if (gm_write(gm, LAYOUT_BOOT_PARAMS, &bp, sizeof(bp)) < 0 ||
	    x86_write_boot_pagetables(gm) < 0 || x86_write_boot_gdt(gm) < 0)
		return ERR("guest RAM too small for the boot data");

	boot->mode = BOOT_LINUX64;
	boot->entry = LAYOUT_KERNEL_START + ENTRY64_OFF;
	boot->info_gpa = LAYOUT_BOOT_PARAMS;
	return 0;
}
