/* SPDX-License-Identifier: GPL-2.0-only */
/* Finding ACPI tables the way an OS does, checking every checksum on the way. */
#include "guest.h"

#include <xen/arch-x86/hvm/start_info.h>

u8 acpi_checksum(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

static bool rsdp_valid(const u8 *p)
{
	u32 len;

	if (memcmp(p, "RSD PTR ", 8) || acpi_checksum(p, 20))
		return false;
	if (p[15] < 2)
		return true;
	memcpy(&len, p + 20, 4);
	return len >= 36 && len < 4096 && !acpi_checksum(p, len);
}

const void *acpi_find_rsdp(void)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)pvh_start_info;

	if (si && si->magic == XEN_HVM_START_MAGIC_VALUE && si->version >= 1 && si->rsdp_paddr) {
		const u8 *p = (const u8 *)(uintptr_t)si->rsdp_paddr;
		if (rsdp_valid(p))
			return p;
	}
	for (u64 a = 0xe0000; a < 0x100000; a += 16)
		if (rsdp_valid((const u8 *)(uintptr_t)a))
			return (const void *)(uintptr_t)a;
	return NULL;
}

static const struct acpi_header *checked(u64 addr)
{
	const struct acpi_header *h = (const void *)(uintptr_t)addr;

	if (!addr || addr >= (1ull << 32) || h->length < sizeof(*h) || acpi_checksum(h, h->length))
		return NULL;
	return h;
}

const struct acpi_header *acpi_find_table(const char *sig)
{
	const u8 *rsdp = acpi_find_rsdp();
	const struct acpi_header *xsdt;
	u64 xsdt_addr;

	if (!rsdp || rsdp[15] < 2)
		return NULL;
	memcpy(&xsdt_addr, rsdp + 24, 8);
	xsdt = checked(xsdt_addr);
	if (!xsdt || memcmp(xsdt->signature, "XSDT", 4))
		return NULL;
	if (!memcmp(sig, "XSDT", 4))
		return xsdt;
	for (u32 off = sizeof(*xsdt); off + 8 <= xsdt->length; off += 8) {
		const struct acpi_header *t;
		u64 a;

		memcpy(&a, (const u8 *)xsdt + off, 8);
		t = checked(a);
		if (!t)
			continue;
		if (!memcmp(t->signature, sig, 4))
			return t;
		if (!memcmp(sig, "DSDT", 4) && !memcmp(t->signature, "FACP", 4)) {
			u64 dsdt = 0;
			if (t->length >= 148)
				memcpy(&dsdt, (const u8 *)t + 140, 8);
			if (!dsdt)
				memcpy(&dsdt, (const u8 *)t + 40, 4);
			return checked(dsdt);
		}
	}
	return NULL;
}

/* One integer data object at p (Zero, One, Ones, BytePrefix, WordPrefix); -1 otherwise. */
static int aml_small_int(const u8 *p)
{
	switch (p[0]) {
	case 0x00: return 0;
	case 0x01: return 1;
	case 0x0a: return p[1];
	case 0x0b: return p[1] | p[2] << 8;
	default: return -1;
	}
}

int acpi_s5_sleep_type(void)
{
	const struct acpi_header *dsdt = acpi_find_table("DSDT");
	const u8 *p, *end;

	if (!dsdt)
		return -1;
	p = (const u8 *)dsdt + sizeof(*dsdt);
	end = (const u8 *)dsdt + dsdt->length;
	/* NameOp, "_S5_" (optionally "\_S5_"), PackageOp, PkgLength, NumElements, data. */
	for (; p + 12 <= end; p++) {
		const u8 *q = p + 1;
		unsigned lead;
		if (p[0] != 0x08)
			continue;
		if (*q == '\\')
			q++;
		if (memcmp(q, "_S5_", 4) || q[4] != 0x12)
			continue;
		q += 5;
		lead = *q >> 6;  /* PkgLength: 1 + lead bytes */
		q += 1 + lead;
		if (q + 3 > end || *q == 0)
			return -1;
		return aml_small_int(q + 1);
	}
	return -1;
}
