/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The memory map a PVH guest gets: sorted, non-overlapping, RAM adding up to -m, the ACPI
 * area and the ECAM window reserved, every RAM region readable and writable at both
 * ends (RAM above 4 GiB too), and nothing claimed as RAM in the MMIO hole.
 *
 * Command line: mem_mib=N
 */
#include "guest.h"

#include <xen/arch-x86/hvm/start_info.h>

extern char __image_start[], __image_end[];

static void touch(u64 addr)
{
	volatile u64 *p = (volatile u64 *)(uintptr_t)addr;
	u64 old = *p;

	*p = 0x5a5aa5a5deadbeefull ^ addr;
	GUEST_ASSERT_EQ(*p, 0x5a5aa5a5deadbeefull ^ addr);
	*p = old;
}

int main(void)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)pvh_start_info;
	const struct hvm_memmap_table_entry *mm = (const void *)(uintptr_t)si->memmap_paddr;
	u64 mem = cmdline_get_u64("mem_mib", 0) << 20, ram = 0, prev_end = 0;
	bool acpi_reserved = false, ecam_reserved = false;

	GUEST_ASSERT(mem);
	for (u32 i = 0; i < si->memmap_entries; i++) {
		u64 start = mm[i].addr, end = mm[i].addr + mm[i].size;

		gprintf("memmap %u: [0x%lx, 0x%lx) type %u", i, start, end, mm[i].type);
		GUEST_ASSERT(mm[i].size > 0);
		GUEST_ASSERT(start >= prev_end); /* sorted, no overlap */
		prev_end = end;
		if (mm[i].type == XEN_HVM_MEMMAP_TYPE_RAM) {
			ram += mm[i].size;
			/* No RAM in the 32-bit MMIO hole. */
			GUEST_ASSERT(end <= 0xc0000000ull || start >= 0x100000000ull);
			if (end <= 0x200000000ull) { /* our page tables map 8 GiB */
				/* Skip the first page of low RAM: it holds the real-mode IVT. */
				touch(start ? start : 0x1000);
				touch(end - 8);
			}
		} else if (start <= 0xe0000 && end >= 0x100000) {
			acpi_reserved = true;
		} else if (start <= 0xe0000000ull && end >= 0xf0000000ull) {
			ecam_reserved = true;
		}
	}
	/* RAM reported = RAM given, less the holes below 1 MiB (EBDA + legacy area). */
	GUEST_ASSERT_EQ(ram + (0x100000 - 0x9fc00), mem);
	GUEST_ASSERT(acpi_reserved);
	GUEST_ASSERT(ecam_reserved);
	GUEST_SYNC("memmap-ok", ram, si->memmap_entries);
	return 0;
}
