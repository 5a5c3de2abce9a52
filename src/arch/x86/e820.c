/* SPDX-License-Identifier: GPL-2.0-only */
#include "arch/x86/e820.h"

#include "arch/x86/layout.h"

static unsigned add(struct e820_entry *e, unsigned n, unsigned max, uint64_t addr, uint64_t size,
		    uint32_t type)
{
	if (n < max && size)
		e[n++] = (struct e820_entry){ addr, size, type };
	return n;
}

unsigned e820_build(const struct guest_mem *gm, struct e820_entry *e, unsigned max)
{
	uint64_t low = gm_lowmem_top(gm);
	unsigned n = 0;

	n = add(e, n, max, 0, LAYOUT_EBDA_START, E820_RAM);
	n = add(e, n, max, LAYOUT_EBDA_START, LAYOUT_LOWRAM_END - LAYOUT_EBDA_START, E820_RESERVED);
	/* The ACPI tables (RSDP at 0xE0000) and the legacy BIOS area. */
	n = add(e, n, max, LAYOUT_ACPI_START, LAYOUT_ACPI_END - LAYOUT_ACPI_START, E820_RESERVED);
	n = add(e, n, max, LAYOUT_KERNEL_START, low - LAYOUT_KERNEL_START, E820_RAM);
	/* PCIe ECAM: Linux accepts MCFG only when its window is reserved. */
	n = add(e, n, max, LAYOUT_ECAM_START, LAYOUT_ECAM_SIZE, E820_RESERVED);
	for (unsigned i = 1; i < gm->nr_regions; i++)
		n = add(e, n, max, gm->region[i].gpa, gm->region[i].size, E820_RAM);
	return n;
}
