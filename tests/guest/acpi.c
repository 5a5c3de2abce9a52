/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI tables, found and checked from inside the guest the way an OS does:
 *   - the RSDP through hvm_start_info and through the legacy scan (the EBDA's first KiB,
 *     then 0xE0000-0xFFFFF on 16-byte boundaries): both find the same one;
 *   - every checksum (RSDP, extended RSDP, XSDT and each table it lists, the DSDT);
 *   - the FADT: revision 6.5, hardware-reduced, the reset and sleep registers;
 *   - the MADT: one LAPIC entry per slot (maxcpus), exactly `cpus` Enabled, the rest
 *     Online Capable only, UID = APIC ID = slot, the IOAPIC as the hardware says;
 *   - the DSDT: revision 2, within the reserved window, the expected names.
 * Parameters (-append): cpus=N maxcpus=M com1=0|1.
 */
#include "guest.h"

#include <xen/arch-x86/hvm/start_info.h>

#define ACPI_START 0xe0000u
#define ACPI_END   0x100000u

static u32 rd32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }
static u64 rd64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }

static bool rsdp_at(const u8 *p)
{
	return !memcmp(p, "RSD PTR ", 8) && acpi_checksum(p, 20) == 0;
}

/* Linux's acpi_find_root_pointer(): EBDA first, then the BIOS area. */
static const u8 *scan_rsdp(void)
{
	uintptr_t bda = 0x40e; /* the EBDA segment (0 here: there is no BIOS) */
	u32 ebda;

	__asm__("" : "+r"(bda)); /* a BIOS data area address, not a null-based array */
	ebda = (u32)*(volatile u16 *)bda << 4;
	if (ebda >= 0x400 && ebda < 0xa0000)
		for (u32 a = ebda; a < ebda + 1024; a += 16)
			if (rsdp_at((const u8 *)(uintptr_t)a))
				return (const u8 *)(uintptr_t)a;
	for (u32 a = ACPI_START; a < ACPI_END; a += 16)
		if (rsdp_at((const u8 *)(uintptr_t)a))
			return (const u8 *)(uintptr_t)a;
	return NULL;
}

/* A table at `addr`: inside the window, sane length, checksum zero. */
static const u8 *check_table(u64 addr, const char *what)
{
	const struct acpi_header *h = (const void *)(uintptr_t)addr;

	GUEST_ASSERT(addr >= ACPI_START && addr + sizeof(*h) <= ACPI_END);
	GUEST_ASSERT(h->length >= sizeof(*h) && addr + h->length <= ACPI_END);
	if (acpi_checksum(h, h->length))
		guest_fail(__FILE__, __LINE__, what, 1, addr);
	GUEST_ASSERT(!memcmp(h->oem_id, "XKVM  ", 6));
	return (const u8 *)h;
}

static bool dsdt_has(const u8 *dsdt, u32 len, const char *seg)
{
	for (u32 i = 36; i + 4 <= len; i++)
		if (!memcmp(dsdt + i, seg, 4))
			return true;
	return false;
}

static void check_fadt(const u8 *f)
{
	const struct acpi_gas *reset = (const void *)(f + FADT_RESET_REG);
	const struct acpi_gas *sctl = (const void *)(f + FADT_SLEEP_CONTROL_REG);
	const struct acpi_gas *ssts = (const void *)(f + FADT_SLEEP_STATUS_REG);
	u32 flags = rd32(f + FADT_FLAGS);

	GUEST_ASSERT_EQ(rd32(f + 4), 276);
	GUEST_ASSERT_EQ(f[8], 6);                   /* revision */
	GUEST_ASSERT_EQ(f[FADT_MINOR_REVISION], 5); /* 6.5 */
	GUEST_ASSERT(flags & (1u << 20));           /* HW_REDUCED_ACPI */
	GUEST_ASSERT(flags & (1u << 10));           /* RESET_REG_SUP */
	GUEST_ASSERT(flags & (1u << 4));            /* PWR_BUTTON: control method */
	GUEST_ASSERT(flags & (1u << 5));            /* SLP_BUTTON */
	GUEST_ASSERT_EQ(rd32(f + 36), 0);           /* no FACS */
	GUEST_ASSERT_EQ(f[46] | f[47] << 8, 0);     /* no SCI */
	GUEST_ASSERT_EQ(reset->space_id, ACPI_GAS_SYSTEM_IO);
	GUEST_ASSERT_EQ(reset->bit_width, 8);
	GUEST_ASSERT_EQ(reset->address, 0xcf9);
	GUEST_ASSERT_EQ(f[FADT_RESET_VALUE], 6);
	GUEST_ASSERT_EQ(sctl->space_id, ACPI_GAS_SYSTEM_IO);
	GUEST_ASSERT_EQ(sctl->bit_width, 8);
	GUEST_ASSERT_EQ(ssts->space_id, ACPI_GAS_SYSTEM_IO);
	GUEST_ASSERT_EQ(ssts->bit_width, 8);
	GUEST_ASSERT(sctl->address && ssts->address && sctl->address != ssts->address);
}

static void check_madt(const u8 *m, u32 cpus, u32 maxcpus)
{
	u32 len = rd32(m + 4), lapics = 0, enabled = 0, online_capable = 0, ioapics = 0;
	u32 ioapic_id = ioapic_read(0) >> 24 & 0xf;

	GUEST_ASSERT_EQ(m[8], 5);
	GUEST_ASSERT_EQ(rd32(m + 36), 0xfee00000);
	for (u32 off = 44; off < len;) {
		const u8 *e = m + off;
		GUEST_ASSERT(e[1] >= 2 && off + e[1] <= len);
		switch (e[0]) {
		case 0: {
			u32 flags = rd32(e + 4);
			GUEST_ASSERT_EQ(e[1], 8);
			GUEST_ASSERT_EQ(e[2], lapics);   /* processor UID */
			GUEST_ASSERT_EQ(e[3], lapics);   /* APIC ID */
			/* Enabled and Online Capable are never both set (ACPI 6.3+). */
			GUEST_ASSERT(flags == 1 || flags == 2);
			if (flags == 1) {
				GUEST_ASSERT(lapics < cpus); /* the boot CPUs are 0..cpus-1 */
				enabled++;
			} else {
				online_capable++;
			}
			lapics++;
			break;
		}
		case 1:
			GUEST_ASSERT_EQ(e[1], 12);
			GUEST_ASSERT_EQ(e[2], ioapic_id);
			GUEST_ASSERT_EQ(rd32(e + 4), 0xfec00000);
			GUEST_ASSERT_EQ(rd32(e + 8), 0); /* GSI base */
			ioapics++;
			break;
		case 4:
			GUEST_ASSERT_EQ(e[5], 1);        /* LINT1 */
			break;
		default:
			guest_fail(__FILE__, __LINE__, "unexpected MADT entry", 1, e[0]);
		}
		off += e[1];
	}
	GUEST_ASSERT_EQ(lapics, maxcpus);
	GUEST_ASSERT_EQ(enabled, cpus);
	GUEST_ASSERT_EQ(online_capable, maxcpus - cpus);
	GUEST_ASSERT_EQ(ioapics, 1);
	GUEST_ASSERT_EQ(lapic_id(), 0); /* the BSP is slot 0 */
}

/* "C%03X": the DSDT's name for CPU slot i. */
static void slot_name(char out[5], u32 i)
{
	static const char hex[] = "0123456789ABCDEF";

	out[0] = 'C';
	out[1] = hex[i >> 8 & 0xf];
	out[2] = hex[i >> 4 & 0xf];
	out[3] = hex[i & 0xf];
	out[4] = '\0';
}

static void check_dsdt(const u8 *d, u32 maxcpus, bool com1)
{
	static const char *const names[] = { "_S5_", "PWRB", "GED_", "ESEL", "_EVT", "CPUS",
					     "PRES", "CPLK", "CSEL", "CSCN", "CTFY", "CSTA",
					     "COST", "CEJ0", "C000", "_MAT", "_OST" };
	u32 len = rd32(d + 4);
	char last[5], beyond[5];

	GUEST_ASSERT_EQ(d[8], 2); /* 64-bit integers */
	for (u32 i = 0; i < ARRAY_SIZE(names); i++)
		if (!dsdt_has(d, len, names[i]))
			guest_fail(__FILE__, __LINE__, names[i], 0);
	slot_name(last, maxcpus - 1);
	slot_name(beyond, maxcpus);
	GUEST_ASSERT(dsdt_has(d, len, last));
	GUEST_ASSERT(!dsdt_has(d, len, beyond));
	GUEST_ASSERT_EQ(dsdt_has(d, len, "COM1"), com1);
	GUEST_ASSERT_EQ(acpi_s5_sleep_type(), 5);
}

int main(void)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)pvh_start_info;
	u32 cpus = (u32)cmdline_get_u64("cpus", 1);
	u32 maxcpus = (u32)cmdline_get_u64("maxcpus", cpus);
	bool com1 = cmdline_get_u64("com1", 0);
	const u8 *rsdp, *xsdt, *fadt = NULL, *madt = NULL, *dsdt;
	u32 xlen, ntables;

	GUEST_ASSERT(under_xkvm);
	/* Both ways to the RSDP agree. */
	GUEST_ASSERT_EQ(si->rsdp_paddr, ACPI_START);
	rsdp = (const u8 *)(uintptr_t)si->rsdp_paddr;
	GUEST_ASSERT(rsdp_at(rsdp));
	GUEST_ASSERT_EQ((uintptr_t)scan_rsdp(), (uintptr_t)rsdp);
	GUEST_ASSERT_EQ((uintptr_t)acpi_find_rsdp(), (uintptr_t)rsdp);
	GUEST_ASSERT_EQ(rsdp[15], 2);
	GUEST_ASSERT_EQ(rd32(rsdp + 20), 36);
	GUEST_ASSERT_EQ(acpi_checksum(rsdp, 36), 0);
	GUEST_ASSERT_EQ(rd32(rsdp + 16), 0);        /* XSDT only */

	xsdt = check_table(rd64(rsdp + 24), "XSDT checksum");
	GUEST_ASSERT(!memcmp(xsdt, "XSDT", 4));
	xlen = rd32(xsdt + 4);
	GUEST_ASSERT((xlen - 36) % 8 == 0);
	ntables = (xlen - 36) / 8;
	GUEST_ASSERT(ntables >= 2);
	for (u32 i = 0; i < ntables; i++) {
		const u8 *t = check_table(rd64(xsdt + 36 + 8 * i), "table checksum");
		if (!memcmp(t, "FACP", 4))
			fadt = t;
		else if (!memcmp(t, "APIC", 4))
			madt = t;
	}
	GUEST_ASSERT(fadt && madt);
	check_fadt(fadt);
	check_madt(madt, cpus, maxcpus);
	dsdt = check_table(rd64(fadt + FADT_X_DSDT), "DSDT checksum");
	GUEST_ASSERT(!memcmp(dsdt, "DSDT", 4));
	GUEST_ASSERT_EQ((uintptr_t)acpi_find_table("DSDT"), (uintptr_t)dsdt);
	check_dsdt(dsdt, maxcpus, com1);

	/* The window is reserved in the memory map, so an OS keeps its hands off. */
	{
		const struct hvm_memmap_table_entry *mm = (const void *)(uintptr_t)si->memmap_paddr;
		bool reserved = false;
		for (u32 i = 0; i < si->memmap_entries; i++)
			if (mm[i].type == XEN_HVM_MEMMAP_TYPE_RESERVED && mm[i].addr <= ACPI_START &&
			    mm[i].addr + mm[i].size >= ACPI_END)
				reserved = true;
		GUEST_ASSERT(reserved);
	}
	GUEST_SYNC("acpi", maxcpus, cpus, ntables, rd32(dsdt + 4));
	return 0;
}
