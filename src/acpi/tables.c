/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * RSDP, XSDT, FADT, MADT and the DSDT, assembled into one blob.  Field offsets are
 * ACPI 6.5's (§5.2.5 RSDP, §5.2.8 XSDT, §5.2.9 FADT, §5.2.12 MADT); cpu-hotplug.md §1
 * explains every value chosen.
 */
#include "acpi/tables.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/dsdt.h"
#include "acpi/pm.h"
#include "arch/x86/layout.h"

#define TABLE_ALIGN 16
/* Bound on one table while it is built (a runaway part fails instead of eating memory);
 * whether the tables fit their window is checked once they are all built. */
#define TABLE_BUILD_MAX (16u << 20)

/* Header (§5.2.6). */
enum { HDR_LENGTH = 4, HDR_REVISION = 8, HDR_CHECKSUM = 9, HDR_OEM_ID = 10,
       HDR_OEM_TABLE_ID = 16, HDR_OEM_REVISION = 24, HDR_CREATOR_ID = 28,
       HDR_CREATOR_REVISION = 32 };

/* RSDP (§5.2.5.3). */
enum { RSDP_CHECKSUM = 8, RSDP_OEM_ID = 9, RSDP_REVISION = 15, RSDP_LENGTH = 20,
       RSDP_XSDT = 24, RSDP_EXT_CHECKSUM = 32, RSDP_V1_LEN = 20 };

/* FADT (§5.2.9, Table 5.9). */
enum { FADT_P_LVL2_LAT = 96, FADT_P_LVL3_LAT = 98, FADT_IAPC_BOOT_ARCH = 109,
       FADT_FLAGS = 112, FADT_RESET_REG = 116, FADT_RESET_VALUE = 128,
       FADT_MINOR_REVISION = 131, FADT_X_DSDT = 140, FADT_SLEEP_CONTROL_REG = 244,
       FADT_SLEEP_STATUS_REG = 256, FADT_HYPERVISOR_ID = 268 };
#define FADT_REVISION       6
#define FADT_MINOR          5 /* ACPI 6.5; >= 6.3 gives Linux Online Capable semantics */
#define FADT_F_PWR_BUTTON   (1u << 4)  /* no fixed power button: PNP0C0C instead */
#define FADT_F_SLP_BUTTON   (1u << 5)  /* no sleep button */
#define FADT_F_RESET_REG_SUP (1u << 10)
#define FADT_F_HW_REDUCED   (1u << 20)
#define BOOT_ARCH_VGA_NOT_PRESENT (1u << 2)
#define BOOT_ARCH_CMOS_RTC_NOT_PRESENT (1u << 5)
#define C_STATE_NOT_SUPPORTED 0x0fff /* P_LVL2_LAT > 100, P_LVL3_LAT > 1000 */

/* Generic Address Structure (§5.2.3.2). */
#define GAS_SYSTEM_IO   1
#define GAS_ACCESS_BYTE 1

/* MADT (§5.2.12). */
#define MADT_REVISION 5
enum { MADT_LOCAL_APIC = 0, MADT_IO_APIC = 1, MADT_LOCAL_APIC_NMI = 4 };
#define MADT_LAPIC_ENABLED        (1u << 0)
#define MADT_LAPIC_ONLINE_CAPABLE (1u << 1)
#define MADT_NMI_ALL_PROCESSORS   0xff
#define MADT_IOAPIC_ID            0 /* what KVM's in-kernel IOAPIC reports */

#define XSDT_REVISION 1
#define DSDT_REVISION 2 /* 64-bit integers */

static const char *const reserved_signatures[] = { "XSDT", "FACP", "APIC", "DSDT", "FACS",
						   "RSDT" };

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *b++);
	return sum;
}

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_gas_io_byte(uint8_t *p, uint16_t port)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = 8; /* bit width */
	p[2] = 0; /* bit offset */
	p[3] = GAS_ACCESS_BYTE;
	put_le(p + 4, port, 8);
}

/* A table under construction: the header is reserved up front and filled at the end. */
struct table {
	char sig[4];
	struct aml t;
	uint64_t off; /* in the blob */
};

static void table_start(struct table *tb, const char sig[4], uint8_t revision, size_t limit)
{
	uint8_t h[ACPI_HEADER_LEN] = { 0 };

	memcpy(tb->sig, sig, 4);
	aml_init(&tb->t, limit);
	memcpy(h, sig, 4);
	h[HDR_REVISION] = revision;
	memcpy(h + HDR_OEM_ID, ACPI_OEM_ID, 6);
	memcpy(h + HDR_OEM_TABLE_ID, "XKVM", 4);
	memcpy(h + HDR_OEM_TABLE_ID + 4, sig, 4);
	put_le(h + HDR_OEM_REVISION, ACPI_OEM_REVISION, 4);
	memcpy(h + HDR_CREATOR_ID, ACPI_CREATOR_ID, 4);
	put_le(h + HDR_CREATOR_REVISION, ACPI_CREATOR_REV, 4);
	aml_raw(&tb->t, h, sizeof(h));
}

/* Length and checksum, once the body is complete. */
static void table_seal(uint8_t *p, size_t len)
{
	put_le(p + HDR_LENGTH, len, 4);
	p[HDR_CHECKSUM] = 0;
	p[HDR_CHECKSUM] = (uint8_t)-acpi_checksum(p, len);
}

static int errf(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int errf(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static int check_machine(const struct acpi_machine *m, char *err, size_t errlen)
{
	if (m->max_cpus < 1 || m->max_cpus > ACPI_MAX_CPUS)
		return errf(err, errlen, -EINVAL, "%u CPU slots: the MADT describes 1 to %d CPUs "
			    "(xAPIC IDs; x2APIC entries are not implemented)", m->max_cpus,
			    ACPI_MAX_CPUS);
	if (!m->cpu_enabled[0])
		return errf(err, errlen, -EINVAL, "CPU 0 (the boot CPU) must be present");
	if (m->nr_dsdt_parts > ACPI_MAX_PARTS || m->nr_table_parts > ACPI_MAX_PARTS)
		return errf(err, errlen, -EINVAL, "more than %d DSDT or table parts", ACPI_MAX_PARTS);
	for (unsigned i = 0; i < m->nr_dsdt_parts; i++)
		if (!m->dsdt_parts[i].build)
			return errf(err, errlen, -EINVAL, "DSDT part %u has no build function", i);
	for (unsigned i = 0; i < m->nr_table_parts; i++) {
		const struct acpi_table_part *p = &m->table_parts[i];
		if (!p->build)
			return errf(err, errlen, -EINVAL, "table part %u has no build function", i);
		for (unsigned j = 0; j < 4; j++)
			if (p->signature[j] < 'A' || p->signature[j] > 'Z')
				if (p->signature[j] < '0' || p->signature[j] > '9')
					return errf(err, errlen, -EINVAL, "table part %u: signature "
						    "must be 4 characters A-Z, 0-9", i);
		for (size_t j = 0; j < sizeof(reserved_signatures) / sizeof(*reserved_signatures); j++)
			if (!memcmp(p->signature, reserved_signatures[j], 4))
				return errf(err, errlen, -EINVAL, "table part %.4s: xkvm builds "
					    "that table itself", p->signature);
		for (unsigned j = 0; j < i; j++)
			if (!memcmp(p->signature, m->table_parts[j].signature, 4))
				return errf(err, errlen, -EINVAL, "table %.4s contributed twice",
					    p->signature);
	}
	return 0;
}

static int build_dsdt(const struct acpi_machine *m, struct table *tb, size_t limit, char *err,
		      size_t errlen)
{
	const struct acpi_dsdt_config cfg = { .max_cpus = m->max_cpus, .com1 = m->com1 };
	int ret;

	table_start(tb, "DSDT", DSDT_REVISION, limit);
	acpi_dsdt_build(&tb->t, &cfg);
	if ((ret = aml_error(&tb->t)) < 0)
		return errf(err, errlen, ret, "DSDT: %s", aml_errmsg(&tb->t));
	for (unsigned i = 0; i < m->nr_dsdt_parts; i++) {
		const struct acpi_dsdt_part *p = &m->dsdt_parts[i];
		ret = p->build(&tb->t, p->opaque);
		if (ret == 0)
			ret = aml_finish(&tb->t);
		if (ret < 0)
			return errf(err, errlen, ret, "DSDT part '%s': %s", p->name ? p->name : "?",
				    aml_error(&tb->t) ? aml_errmsg(&tb->t) : strerror(-ret));
	}
	if ((ret = aml_finish(&tb->t)) < 0)
		return errf(err, errlen, ret, "DSDT: %s", aml_errmsg(&tb->t));
	return 0;
}

/* MADT: one Local APIC per slot, the IOAPIC, LINT1 = NMI on every CPU. */
static void build_madt(const struct acpi_machine *m, struct table *tb, size_t limit)
{
	struct aml *t = &tb->t;

	table_start(tb, "APIC", MADT_REVISION, limit);
	aml_u32(t, (uint32_t)LAYOUT_LAPIC);
	aml_u32(t, 0); /* flags: no PCAT_COMPAT (hardware-reduced Linux ignores the 8259) */
	for (unsigned i = 0; i < m->max_cpus; i++) {
		/* ACPI 6.3+: Online Capable is reserved (zero) when Enabled is set. */
		uint32_t flags = m->cpu_enabled[i] ? MADT_LAPIC_ENABLED : MADT_LAPIC_ONLINE_CAPABLE;
		aml_u8(t, MADT_LOCAL_APIC);
		aml_u8(t, 8);
		aml_u8(t, (uint8_t)i); /* ACPI processor UID = _UID of \_SB.CPUS.Cxxx */
		aml_u8(t, (uint8_t)i); /* APIC ID */
		aml_u32(t, flags);
	}
	aml_u8(t, MADT_IO_APIC);
	aml_u8(t, 12);
	aml_u8(t, MADT_IOAPIC_ID);
	aml_u8(t, 0);
	aml_u32(t, (uint32_t)LAYOUT_IOAPIC);
	aml_u32(t, 0); /* GSI base */
	/* No Interrupt Source Override: ISA IRQs map 1:1 (edge, active high), there is no
	 * PIT to reroute (hardware-reduced), and the SCI does not exist. */
	aml_u8(t, MADT_LOCAL_APIC_NMI);
	aml_u8(t, 6);
	aml_u8(t, MADT_NMI_ALL_PROCESSORS);
	aml_u16(t, 0); /* flags: bus-conforming polarity and trigger */
	aml_u8(t, 1);  /* LINT1 */
}

static void build_fadt(struct table *tb, uint64_t dsdt_gpa, size_t limit)
{
	uint8_t f[ACPI_FADT_LEN - ACPI_HEADER_LEN] = { 0 };
#define F(off) (f + (off) - ACPI_HEADER_LEN)

	table_start(tb, "FACP", FADT_REVISION, limit);
	/* No FACS, no SCI, no SMI command port, no PM1/PM2/PM timer/GPE blocks. */
	put_le(F(FADT_P_LVL2_LAT), C_STATE_NOT_SUPPORTED, 2);
	put_le(F(FADT_P_LVL3_LAT), C_STATE_NOT_SUPPORTED, 2);
	/* No VGA, no CMOS RTC; no i8042 and no legacy ISA devices either (bits clear). */
	put_le(F(FADT_IAPC_BOOT_ARCH), BOOT_ARCH_VGA_NOT_PRESENT | BOOT_ARCH_CMOS_RTC_NOT_PRESENT, 2);
	put_le(F(FADT_FLAGS), FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON | FADT_F_RESET_REG_SUP |
	       FADT_F_HW_REDUCED, 4);
	put_gas_io_byte(F(FADT_RESET_REG), PORT_ACPI_RESET);
	*F(FADT_RESET_VALUE) = ACPI_RESET_VALUE;
	*F(FADT_MINOR_REVISION) = FADT_MINOR;
	put_le(F(FADT_X_DSDT), dsdt_gpa, 8); /* the 32-bit DSDT field stays 0 */
	put_gas_io_byte(F(FADT_SLEEP_CONTROL_REG), PORT_ACPI_SLEEP_CTL);
	put_gas_io_byte(F(FADT_SLEEP_STATUS_REG), PORT_ACPI_SLEEP_STS);
	memcpy(F(FADT_HYPERVISOR_ID), ACPI_HYPERVISOR_ID, 8);
#undef F
	aml_raw(&tb->t, f, sizeof(f));
}

static void build_xsdt(struct table *tb, const uint64_t *gpa, unsigned n, size_t limit)
{
	table_start(tb, "XSDT", XSDT_REVISION, limit);
	for (unsigned i = 0; i < n; i++)
		aml_u64(&tb->t, gpa[i]);
}

static void build_rsdp(uint8_t *p, uint64_t xsdt_gpa)
{
	memset(p, 0, ACPI_RSDP_LEN);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + RSDP_OEM_ID, ACPI_OEM_ID, 6);
	p[RSDP_REVISION] = 2;
	put_le(p + RSDP_LENGTH, ACPI_RSDP_LEN, 4); /* the RSDT address stays 0: XSDT only */
	put_le(p + RSDP_XSDT, xsdt_gpa, 8);
	p[RSDP_CHECKSUM] = (uint8_t)-acpi_checksum(p, RSDP_V1_LEN);
	p[RSDP_EXT_CHECKSUM] = (uint8_t)-acpi_checksum(p, ACPI_RSDP_LEN);
}

static uint64_t align_up(uint64_t v)
{
	return (v + TABLE_ALIGN - 1) & ~(uint64_t)(TABLE_ALIGN - 1);
}

int acpi_build(const struct acpi_machine *m, uint64_t gpa, size_t size, struct acpi_blob *out,
	       char *err, size_t errlen)
{
	/* Placement order: XSDT, FACP, APIC, table parts, DSDT (the big one last). */
	enum { T_XSDT, T_FACP, T_APIC, T_PARTS };
	struct table tb[ACPI_MAX_TABLES];
	unsigned nt = 0, t_dsdt;
	uint64_t xsdt_entries[ACPI_MAX_TABLES], off;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(tb, 0, sizeof(tb));
	if ((ret = check_machine(m, err, errlen)) < 0)
		return ret;
	if (size < ACPI_RSDP_LEN)
		return errf(err, errlen, -ENOSPC, "a %zu-byte ACPI window is too small", size);

	/* Everything whose content does not depend on where the tables land. */
	t_dsdt = T_PARTS + m->nr_table_parts;
	nt = t_dsdt + 1;
	if ((ret = build_dsdt(m, &tb[t_dsdt], TABLE_BUILD_MAX, err, errlen)) < 0)
		goto out;
	build_madt(m, &tb[T_APIC], TABLE_BUILD_MAX);
	for (unsigned i = 0; i < m->nr_table_parts; i++) {
		const struct acpi_table_part *p = &m->table_parts[i];
		struct table *t = &tb[T_PARTS + i];
		table_start(t, p->signature, p->revision, TABLE_BUILD_MAX);
		ret = p->build(&t->t, p->opaque);
		if (ret == 0)
			ret = aml_finish(&t->t);
		if (ret < 0) {
			errf(err, errlen, ret, "table %.4s: %s", p->signature,
			     aml_error(&t->t) ? aml_errmsg(&t->t) : strerror(-ret));
			goto out;
		}
	}
	/* Sizes of the FADT and the XSDT are fixed: place everything, then fill them in. */
	off = align_up(ACPI_RSDP_LEN);
	tb[T_XSDT].off = off;
	off = align_up(off + ACPI_HEADER_LEN + 8ull * (nt - 2)); /* all but XSDT and DSDT */
	tb[T_FACP].off = off;
	off = align_up(off + ACPI_FADT_LEN);
	for (unsigned i = T_APIC; i < nt; i++) {
		tb[i].off = off;
		off = align_up(off + tb[i].t.len);
	}
	if (tb[t_dsdt].off + tb[t_dsdt].t.len > size) {
		ret = errf(err, errlen, -ENOSPC, "the ACPI tables need %llu bytes but only %zu fit "
			   "at 0x%llx-0x%llx (%u CPU slots)",
			   (unsigned long long)(tb[t_dsdt].off + tb[t_dsdt].t.len), size,
			   (unsigned long long)gpa, (unsigned long long)(gpa + size - 1), m->max_cpus);
		goto out;
	}
	build_fadt(&tb[T_FACP], gpa + tb[t_dsdt].off, TABLE_BUILD_MAX);
	for (unsigned i = T_FACP; i < t_dsdt; i++)
		xsdt_entries[i - T_FACP] = gpa + tb[i].off;
	build_xsdt(&tb[T_XSDT], xsdt_entries, t_dsdt - T_FACP, TABLE_BUILD_MAX);
	for (unsigned i = 0; i < nt; i++) {
		if ((ret = aml_finish(&tb[i].t)) < 0) {
			errf(err, errlen, ret, "%.4s: %s", tb[i].sig, aml_errmsg(&tb[i].t));
			goto out;
		}
	}

	out->data = calloc(1, size);
	if (!out->data) {
		ret = errf(err, errlen, -ENOMEM, "out of memory for %zu bytes of ACPI tables", size);
		goto out;
	}
	out->gpa = gpa;
	out->size = size;
	build_rsdp(out->data, gpa + tb[T_XSDT].off);
	out->table[out->nr_tables++] = (struct acpi_table_loc){ "RSDP", gpa, ACPI_RSDP_LEN };
	for (unsigned i = 0; i < nt; i++) {
		uint8_t *p = out->data + tb[i].off;
		memcpy(p, tb[i].t.buf, tb[i].t.len);
		table_seal(p, tb[i].t.len);
		out->table[out->nr_tables] = (struct acpi_table_loc){ .gpa = gpa + tb[i].off,
								      .len = (uint32_t)tb[i].t.len };
		memcpy(out->table[out->nr_tables].signature, tb[i].sig, 4);
		out->nr_tables++;
		out->used = tb[i].off + tb[i].t.len;
	}
	ret = 0;
out:
	for (unsigned i = 0; i < ACPI_MAX_TABLES; i++)
		aml_free(&tb[i].t);
	return ret;
}

void acpi_blob_free(struct acpi_blob *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

const uint8_t *acpi_blob_table(const struct acpi_blob *b, const char *sig, uint32_t *len)
{
	for (unsigned i = 0; i < b->nr_tables; i++) {
		if (!strncmp(b->table[i].signature, sig, 4)) {
			if (len)
				*len = b->table[i].len;
			return b->data + (b->table[i].gpa - b->gpa);
		}
	}
	return NULL;
}
