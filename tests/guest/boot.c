/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot path and CPU state: we came in through the PVH entry, reached long mode with our
 * own page tables, hvm_start_info is sane (magic, version, cmdline, memmap, RSDP), the
 * BSP's CPUID describes the topology xkvm was given, and the features xkvm must expose
 * (hypervisor bit, TSC-deadline, kvmclock) are there.
 */
#include "guest.h"

#include <xen/arch-x86/hvm/start_info.h>

#define MSR_EFER 0xc0000080

extern char __image_start[], __image_end[];

int main(void)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)pvh_start_info;
	u32 a, b, c, d, max_leaf;
	u64 efer = rdmsr(MSR_EFER);
	u64 expect_cpus = cmdline_get_u64("maxcpus", 1);

	GUEST_ASSERT(under_xkvm);
	/* Long mode, paging on, our page tables. */
	GUEST_ASSERT(efer & (1 << 10));             /* LMA */
	GUEST_ASSERT(read_cr0() & (1ull << 31));   /* PG */
	GUEST_ASSERT(read_cr4() & (1 << 5));       /* PAE */
	GUEST_ASSERT(!(read_rflags() & (1 << 9))); /* entered with interrupts off */

	/* The PVH handoff. */
	GUEST_ASSERT(pvh_start_info != 0 && pvh_start_info < 0x100000);
	GUEST_ASSERT_EQ(si->magic, XEN_HVM_START_MAGIC_VALUE);
	GUEST_ASSERT(si->version >= 1);
	GUEST_ASSERT(si->cmdline_paddr != 0);
	GUEST_ASSERT(si->memmap_entries > 0 && si->memmap_entries < 32);
	GUEST_ASSERT_EQ(si->rsdp_paddr, 0xe0000);
	GUEST_ASSERT(!strncmp(guest_cmdline(), "test=boot", 9));

	/* Our image lies where the linker put it, in RAM the memory map calls RAM. */
	{
		const struct hvm_memmap_table_entry *mm = (const void *)(uintptr_t)si->memmap_paddr;
		bool covered = false;
		for (u32 i = 0; i < si->memmap_entries; i++)
			if (mm[i].type == XEN_HVM_MEMMAP_TYPE_RAM && mm[i].addr <= (u64)(uintptr_t)__image_start &&
			    mm[i].addr + mm[i].size >= (u64)(uintptr_t)__image_end)
				covered = true;
		GUEST_ASSERT(covered);
	}

	/* CPUID: the hypervisor bit, TSC-deadline, APIC ID 0 on the BSP, the topology. */
	cpuid(0, 0, &max_leaf, &b, &c, &d);
	cpuid(1, 0, &a, &b, &c, &d);
	GUEST_ASSERT(c & (1u << 31));
	GUEST_ASSERT(c & (1u << 24));
	GUEST_ASSERT_EQ(b >> 24, 0);
	if (max_leaf >= 0xb) {
		cpuid(0xb, 1, &a, &b, &c, &d);
		GUEST_ASSERT_EQ(b & 0xffff, expect_cpus); /* logical CPUs per package = maxcpus */
		GUEST_ASSERT_EQ(d, 0);                     /* x2APIC ID of the BSP */
	}
	cpuid(0x40000000, 0, &a, &b, &c, &d);
	GUEST_ASSERT_EQ(b, 0x4b4d564b); /* "KVMKVMKVM" */
	cpuid(0x40000001, 0, &a, &b, &c, &d);
	GUEST_ASSERT(a & (1u << 3));    /* kvmclock (new MSRs) */

	kvmclock_init_cpu();
	GUEST_ASSERT(kvmclock_available());
	{
		u64 t0 = kvmclock_ns(), t1;
		udelay(100);
		t1 = kvmclock_ns();
		GUEST_ASSERT(t1 - t0 >= 100000);
	}
	GUEST_SYNC("boot-ok", efer, read_cr0(), read_cr4());
	return 0;
}
