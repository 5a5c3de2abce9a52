/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Linux bzImage 64-bit boot protocol from the kernel's side.  This program is built
 * as a bzImage (tests/guest/bzimage/: the 64-bit entry at 1 MiB + 0x200, a setup header
 * in front) and checks what a Linux kernel would rely on: the entry state, boot_params'
 * setup header and loader fields, the command line, the e820 map (RAM, the ACPI area
 * reserved), acpi_rsdp_addr and the RSDP there, and the initrd (page-aligned, in RAM
 * above the kernel, its bytes as in the file).  The host passes the initrd's size and
 * a marker in it on the command line: initrd_size=N initrd_marker=WORD
 * initrd_marker_at=OFFSET.
 */
#include "guest.h"

#include <asm/bootparam.h>

extern u64 bz_boot_params, bz_entry_cr3, bz_entry_rflags;
extern u16 bz_entry_cs, bz_entry_ds, bz_entry_ss;
extern char __image_start[], __image_end[];

#define E820_RAM 1
#define E820_RESERVED 2
#define MSR_EFER 0xc0000080

static const struct boot_params *bp;

static const char *bz_cmdline(void)
{
	return (const char *)(uintptr_t)bp->hdr.cmd_line_ptr;
}

/* The value of key=value on the kernel command line (boot_params), copied into a buffer
 * that the next call reuses. */
static const char *arg(const char *key)
{
	static char v[64];
	const char *p = bz_cmdline();
	size_t k = strlen(key);

	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, k) && p[k] == '=') {
			size_t n = 0;
			for (p += k + 1; p[n] && p[n] != ' ' && n < sizeof(v) - 1; n++)
				v[n] = p[n];
			v[n] = '\0';
			return v;
		}
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

static u64 arg_u64(const char *key)
{
	const char *v = arg(key);
	u64 r = 0;

	GUEST_ASSERT(v != NULL);
	for (; *v; v++) {
		GUEST_ASSERT(*v >= '0' && *v <= '9');
		r = r * 10 + (u64)(*v - '0');
	}
	return r;
}

/* Is [addr, addr + len) inside one e820 range of this type? */
static bool e820_covers(u64 addr, u64 len, u32 type)
{
	for (unsigned i = 0; i < bp->e820_entries; i++) {
		const struct boot_e820_entry *e = &bp->e820_table[i];
		if (e->type == type && e->addr <= addr && addr + len <= e->addr + e->size)
			return true;
	}
	return false;
}

int main(void)
{
	u64 rsdp, rd, rd_size;
	const struct boot_e820_entry *e;

	bp = (const struct boot_params *)(uintptr_t)bz_boot_params;

	/* Entry state (boot.rst, 64-bit boot protocol). */
	GUEST_ASSERT(bp != NULL);
	GUEST_ASSERT_EQ(bz_entry_cs, 0x10);       /* __BOOT_CS */
	GUEST_ASSERT_EQ(bz_entry_ds, 0x18);       /* __BOOT_DS */
	GUEST_ASSERT_EQ(bz_entry_ss, 0x18);
	GUEST_ASSERT(!(bz_entry_rflags & (1 << 9)));    /* interrupts off */
	GUEST_ASSERT(rdmsr(MSR_EFER) & (1 << 10));      /* long mode */
	GUEST_ASSERT((u64)(uintptr_t)bp + sizeof(*bp) <= 0x100000);

	/* The setup header as the image has it, and the loader's fields. */
	GUEST_ASSERT_EQ(bp->hdr.header, 0x53726448);
	GUEST_ASSERT_EQ(bp->hdr.boot_flag, 0xaa55);
	GUEST_ASSERT_EQ(bp->hdr.version, 0x020f);
	GUEST_ASSERT_EQ(bp->hdr.type_of_loader, 0xff);
	GUEST_ASSERT_EQ(bp->hdr.code32_start, 0x100000);
	GUEST_ASSERT(bp->hdr.loadflags & LOADED_HIGH);
	GUEST_ASSERT_EQ(bp->sentinel, 0);

	/* The command line. */
	GUEST_ASSERT(bp->hdr.cmd_line_ptr != 0 && bp->hdr.cmd_line_ptr < 0x100000);
	GUEST_ASSERT(!strncmp(bz_cmdline(), "test=bzimage ", 13));

	/* e820: RAM at 0, our image in RAM, the ACPI tables reserved, sorted, disjoint. */
	GUEST_ASSERT(bp->e820_entries >= 3 && bp->e820_entries <= E820_MAX_ENTRIES_ZEROPAGE);
	e = bp->e820_table;
	GUEST_ASSERT(e[0].addr == 0 && e[0].type == E820_RAM && e[0].size >= 0x90000);
	for (unsigned i = 1; i < bp->e820_entries; i++)
		GUEST_ASSERT(e[i].addr >= e[i - 1].addr + e[i - 1].size);
	GUEST_ASSERT(e820_covers((u64)(uintptr_t)__image_start,
				 (u64)(__image_end - __image_start), E820_RAM));
	GUEST_ASSERT(e820_covers(0xe0000, 0x20000, E820_RESERVED));
	GUEST_ASSERT(!e820_covers(0xe0000, 1, E820_RAM));

	/* ACPI: the RSDP where acpi_rsdp_addr says, with a valid checksum. */
	rsdp = bp->acpi_rsdp_addr;
	GUEST_ASSERT_EQ(rsdp, 0xe0000);
	{
		const u8 *r = (const u8 *)(uintptr_t)rsdp;
		u8 sum = 0;
		GUEST_ASSERT(!memcmp(r, "RSD PTR ", 8));
		for (int i = 0; i < 20; i++)
			sum += r[i];
		GUEST_ASSERT_EQ(sum, 0);
	}

	/* The initrd: where the loader says, page-aligned, above us, in RAM, intact. */
	rd = bp->hdr.ramdisk_image | (u64)bp->ext_ramdisk_image << 32;
	rd_size = bp->hdr.ramdisk_size | (u64)bp->ext_ramdisk_size << 32;
	GUEST_ASSERT_EQ(rd_size, arg_u64("initrd_size"));
	GUEST_ASSERT(rd != 0 && (rd & 0xfff) == 0);
	GUEST_ASSERT(rd >= (u64)(uintptr_t)__image_end);
	GUEST_ASSERT(rd + rd_size <= bp->hdr.initrd_addr_max + 1ull);
	GUEST_ASSERT(e820_covers(rd, rd_size, E820_RAM));
	GUEST_ASSERT(!memcmp((const void *)(uintptr_t)rd, "070701", 6));
	{
		/* A marker where the host put it: the initrd's bytes reached RAM unchanged,
		 * up to its end (checked in place: CPL0 code is slow on KVM-PVM). */
		char marker[64];
		u64 at = arg_u64("initrd_marker_at");
		GUEST_ASSERT(arg("initrd_marker") != NULL);
		memcpy(marker, arg("initrd_marker"), sizeof(marker)); /* arg() reuses its buffer */
		GUEST_ASSERT(at + strlen(marker) <= rd_size);
		GUEST_ASSERT(!memcmp((const void *)(uintptr_t)(rd + at), marker, strlen(marker)));
	}

	GUEST_SYNC("bzimage", (u64)(uintptr_t)bp, bp->e820_entries, rd, rd_size, bz_entry_cr3);
	return 0;
}
