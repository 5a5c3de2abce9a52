/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI table builder: golden comparisons with iasl-compiled fixtures (DSDT for 1, 4
 * and 254 slots, FADT, MADT, XSDT, RSDP), the blob's structure (pointers, checksums,
 * layout), the limits, and the extension points (DSDT parts, table parts).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acpi/dsdt.h"
#include "acpi/tables.h"
#include "acpi_fixture.h"
#include "arch/x86/layout.h"

#define WINDOW (LAYOUT_ACPI_END - LAYOUT_ACPI_START)

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static struct acpi_machine machine(unsigned cpus, unsigned maxcpus, bool com1)
{
	struct acpi_machine m = { .max_cpus = maxcpus, .com1 = com1 };

	for (unsigned i = 0; i < cpus; i++)
		m.cpu_enabled[i] = true;
	return m;
}

static void build_ok(const struct acpi_machine *m, struct acpi_blob *b)
{
	char err[256] = "";
	int ret = acpi_build(m, LAYOUT_ACPI_START, WINDOW, b, err, sizeof(err));

	if (ret < 0)
		fail_msg("acpi_build: %s", err);
}

static const uint8_t *table(const struct acpi_blob *b, const char *sig, uint32_t *len)
{
	const uint8_t *t = acpi_blob_table(b, sig, len);

	if (!t)
		fail_msg("no %s table", sig);
	return t;
}

static void golden(const struct acpi_blob *b, const char *sig, const char *fixture)
{
	struct acpi_fixture fx = { 0 };
	uint32_t len;
	const uint8_t *t = table(b, sig, &len);

	if (acpi_fixture_load(fixture, &fx) < 0)
		fail_msg("fixture %s missing (is iasl installed?)", fixture);
	acpi_fixture_compare(&fx, t + ACPI_HEADER_LEN, len - ACPI_HEADER_LEN, fixture);
	acpi_fixture_free(&fx);
}

static void test_golden_dsdt_1_no_com1(void **state)
{
	struct acpi_machine m = machine(1, 1, false);
	struct acpi_blob b;

	(void)state;
	build_ok(&m, &b);
	golden(&b, "DSDT", "dsdt-1");
	golden(&b, "APIC", "apic-1");
	acpi_blob_free(&b);
}

static void test_golden_4_slots(void **state)
{
	struct acpi_machine m = machine(2, 4, true);
	struct acpi_fixture fx = { 0 };
	struct acpi_blob b;

	(void)state;
	build_ok(&m, &b);
	golden(&b, "DSDT", "dsdt-4");
	golden(&b, "APIC", "apic-4");
	golden(&b, "FACP", "facp");
	golden(&b, "XSDT", "xsdt");
	/* The RSDP has no SDT header: compare all of it, both checksums included. */
	assert_int_equal(acpi_fixture_load("rsdp", &fx), 0);
	acpi_fixture_compare_from(&fx, 0, table(&b, "RSDP", NULL), ACPI_RSDP_LEN, "rsdp");
	acpi_fixture_free(&fx);
	acpi_blob_free(&b);
}

static void test_golden_dsdt_254(void **state)
{
	struct acpi_machine m = machine(1, 254, true);
	struct acpi_blob b;
	uint32_t len;

	(void)state;
	build_ok(&m, &b);
	golden(&b, "DSDT", "dsdt-254");
	table(&b, "DSDT", &len);
	assert_true(len > 20000); /* CPUS > 4 KiB: 3-byte PkgLengths are exercised */
	assert_true(b.used <= WINDOW);
	acpi_blob_free(&b);
}

/* Everything an OS checks when it walks the tables. */
static void check_structure(const struct acpi_blob *b, unsigned cpus, unsigned maxcpus)
{
	const uint8_t *rsdp = table(b, "RSDP", NULL), *xsdt, *fadt, *madt, *dsdt;
	uint32_t xlen, flen, mlen, dlen;
	unsigned enabled = 0, online_capable = 0, lapics = 0, ioapics = 0, nmis = 0;

	assert_int_equal(b->gpa, LAYOUT_ACPI_START);
	assert_ptr_equal(rsdp, b->data);
	assert_memory_equal(rsdp, "RSD PTR ", 8);
	assert_int_equal(acpi_checksum(rsdp, 20), 0);
	assert_int_equal(acpi_checksum(rsdp, 36), 0);
	assert_int_equal(rsdp[15], 2);
	assert_int_equal(rd32(rsdp + 16), 0);  /* no RSDT */
	assert_int_equal(rd32(rsdp + 20), 36);

	xsdt = table(b, "XSDT", &xlen);
	assert_int_equal(rd64(rsdp + 24), b->gpa + (uint64_t)(xsdt - b->data));
	fadt = table(b, "FACP", &flen);
	madt = table(b, "APIC", &mlen);
	dsdt = table(b, "DSDT", &dlen);
	for (unsigned i = 0; i < b->nr_tables; i++) {
		const struct acpi_table_loc *t = &b->table[i];
		const uint8_t *p = b->data + (t->gpa - b->gpa);
		assert_true(t->gpa % 16 == 0);
		assert_true(t->gpa + t->len <= b->gpa + b->size);
		if (!strcmp(t->signature, "RSDP"))
			continue;
		assert_memory_equal(p, t->signature, 4);
		assert_int_equal(rd32(p + 4), t->len);
		assert_int_equal(acpi_checksum(p, t->len), 0);
		/* No two tables overlap. */
		for (unsigned j = 0; j < i; j++)
			assert_true(b->table[j].gpa + b->table[j].len <= t->gpa);
	}
	/* XSDT -> FACP, APIC, in that order; FADT -> DSDT through X_DSDT only. */
	assert_int_equal(xlen, 36 + 16);
	assert_int_equal(rd64(xsdt + 36), b->gpa + (uint64_t)(fadt - b->data));
	assert_int_equal(rd64(xsdt + 44), b->gpa + (uint64_t)(madt - b->data));
	assert_int_equal(flen, ACPI_FADT_LEN);
	assert_int_equal(fadt[8], 6);
	assert_int_equal(fadt[131], 5);
	assert_true(rd32(fadt + 112) & (1u << 20));
	assert_int_equal(rd32(fadt + 40), 0);
	assert_int_equal(rd64(fadt + 140), b->gpa + (uint64_t)(dsdt - b->data));
	assert_int_equal(rd64(fadt + 120), PORT_RESET_CF9);
	assert_int_equal(fadt[128], 6);
	assert_int_equal(rd64(fadt + 248), PORT_ACPI_SLEEP_CTL);
	assert_int_equal(rd64(fadt + 260), PORT_ACPI_SLEEP_STS);

	/* MADT: one LAPIC per slot, enabled or online capable (never both), one IOAPIC. */
	assert_int_equal(madt[8], 5);
	assert_int_equal(rd32(madt + 36), LAYOUT_LAPIC);
	for (uint32_t off = 44; off < mlen;) {
		const uint8_t *e = madt + off;
		assert_true(e[1] >= 2 && off + e[1] <= mlen);
		if (e[0] == 0) {
			uint32_t flags = rd32(e + 4);
			assert_int_equal(e[1], 8);
			assert_int_equal(e[2], lapics); /* UID == APIC ID == slot */
			assert_int_equal(e[3], lapics);
			assert_true(flags == 1 || flags == 2);
			enabled += flags == 1;
			online_capable += flags == 2;
			lapics++;
		} else if (e[0] == 1) {
			assert_int_equal(rd32(e + 4), LAYOUT_IOAPIC);
			assert_int_equal(rd32(e + 8), 0);
			ioapics++;
		} else if (e[0] == 4) {
			assert_int_equal(e[2], 0xff);
			assert_int_equal(e[5], 1);
			nmis++;
		} else {
			fail_msg("unexpected MADT entry type %u", e[0]);
		}
		off += e[1];
	}
	assert_int_equal(lapics, maxcpus);
	assert_int_equal(enabled, cpus);
	assert_int_equal(online_capable, maxcpus - cpus);
	assert_int_equal(ioapics, 1);
	assert_int_equal(nmis, 1);
	assert_int_equal(dsdt[8], 2);
}

static void test_structure(void **state)
{
	static const unsigned cfg[][2] = { { 1, 1 }, { 2, 4 }, { 4, 4 }, { 1, 254 }, { 254, 254 },
					    { 7, 100 } };

	(void)state;
	for (size_t i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		struct acpi_machine m = machine(cfg[i][0], cfg[i][1], i & 1);
		struct acpi_blob b;
		build_ok(&m, &b);
		check_structure(&b, cfg[i][0], cfg[i][1]);
		/* The rest of the window is zero, so stale tables never survive a rebuild. */
		for (size_t j = b.used; j < b.size; j++)
			assert_int_equal(b.data[j], 0);
		acpi_blob_free(&b);
	}
}

/* Present slots need not be contiguous (after a hot-unplug and a reset). */
static void test_sparse_present_slots(void **state)
{
	struct acpi_machine m = machine(1, 8, true);
	struct acpi_blob b;
	uint32_t len;
	const uint8_t *madt;

	(void)state;
	m.cpu_enabled[5] = true;
	build_ok(&m, &b);
	madt = table(&b, "APIC", &len);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(rd32(madt + 44 + 8 * i + 4), i == 0 || i == 5 ? 1 : 2);
	acpi_blob_free(&b);
}

static void test_limits(void **state)
{
	struct acpi_machine m = machine(1, 254, true);
	struct acpi_blob b;
	char err[256];

	(void)state;
	/* 255 slots would need x2APIC entries: refused with a clear message. */
	m.max_cpus = 255;
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI_START, WINDOW, &b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "1 to 254 CPUs"));
	assert_null(b.data);
	m.max_cpus = 0;
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI_START, WINDOW, &b, err, sizeof(err)), -EINVAL);
	/* The boot CPU must be present. */
	m = machine(0, 4, true);
	m.cpu_enabled[1] = true;
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI_START, WINDOW, &b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "CPU 0"));
	/* A window too small for 254 slots: the tables do not fit, and it says by how much. */
	m = machine(1, 254, true);
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI_START, 16384, &b, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "16384"));
	assert_non_null(strstr(err, "254 CPU slots"));
	assert_null(b.data);
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI_START, 20, &b, err, sizeof(err)), -ENOSPC);
}

/* ---- extension points --------------------------------------------------------------- */

static int pci_part(struct aml *a, void *opaque)
{
	(void)opaque;
	aml_scope(a, "\\_SB");
	aml_device(a, "PCI0");
	aml_name_decl(a, "_HID");
	aml_eisaid(a, "PNP0A08");
	aml_close(a);
	aml_close(a);
	return 0;
}

static int broken_part(struct aml *a, void *opaque)
{
	(void)opaque;
	aml_scope(a, "\\_SB"); /* never closed */
	return 0;
}

static int failing_part(struct aml *a, void *opaque)
{
	(void)a;
	(void)opaque;
	return -ENODEV;
}

static int mcfg_body(struct aml *t, void *opaque)
{
	(void)opaque;
	aml_u64(t, 0);           /* reserved */
	aml_u64(t, LAYOUT_ECAM_START);
	aml_u16(t, 0);           /* segment */
	aml_u8(t, 0);            /* start bus */
	aml_u8(t, 255);          /* end bus */
	aml_u32(t, 0);
	return 0;
}

static void test_dsdt_part_appended(void **state)
{
	struct acpi_dsdt_part part = { "pci", pci_part, NULL };
	struct acpi_machine base = machine(2, 4, true), m = base;
	struct acpi_blob b0, b1;
	uint32_t len0, len1;
	const uint8_t *d0, *d1;
	struct aml expect;

	(void)state;
	m.dsdt_parts = &part;
	m.nr_dsdt_parts = 1;
	build_ok(&base, &b0);
	build_ok(&m, &b1);
	d0 = table(&b0, "DSDT", &len0);
	d1 = table(&b1, "DSDT", &len1);
	aml_init(&expect, 0);
	pci_part(&expect, NULL);
	assert_int_equal(aml_finish(&expect), 0);
	/* Same content, then the part's bytes. */
	assert_int_equal(len1, len0 + expect.len);
	assert_memory_equal(d1 + ACPI_HEADER_LEN, d0 + ACPI_HEADER_LEN, len0 - ACPI_HEADER_LEN);
	assert_memory_equal(d1 + len0, expect.buf, expect.len);
	check_structure(&b1, 2, 4);
	aml_free(&expect);
	acpi_blob_free(&b0);
	acpi_blob_free(&b1);
}

static void test_dsdt_part_errors(void **state)
{
	struct acpi_dsdt_part broken = { "broken", broken_part, NULL };
	struct acpi_dsdt_part failing = { "failing", failing_part, NULL };
	struct acpi_machine m = machine(1, 1, true);
	struct acpi_blob b;
	char err[256];

	(void)state;
	m.dsdt_parts = &broken;
	m.nr_dsdt_parts = 1;
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI_START, WINDOW, &b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "DSDT part 'broken'"));
	assert_non_null(strstr(err, "left open"));
	m.dsdt_parts = &failing;
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI_START, WINDOW, &b, err, sizeof(err)), -ENODEV);
	assert_non_null(strstr(err, "DSDT part 'failing'"));
	assert_null(b.data);
}

static void test_table_part(void **state)
{
	struct acpi_table_part mcfg = { "MCFG", 1, mcfg_body, NULL };
	struct acpi_machine m = machine(2, 4, true);
	struct acpi_blob b;
	const uint8_t *t, *xsdt, *fadt, *dsdt;
	uint32_t len, xlen, flen, dlen;
	char err[256];

	(void)state;
	m.table_parts = &mcfg;
	m.nr_table_parts = 1;
	build_ok(&m, &b);
	t = table(&b, "MCFG", &len);
	assert_int_equal(len, 36 + 8 + 16);
	assert_int_equal(t[8], 1);
	assert_memory_equal(t + 16, "XKVMMCFG", 8);
	assert_int_equal(acpi_checksum(t, len), 0);
	assert_int_equal(rd64(t + 44), LAYOUT_ECAM_START);
	/* Listed in the XSDT after FACP and APIC; the DSDT is still found. */
	xsdt = table(&b, "XSDT", &xlen);
	assert_int_equal(xlen, 36 + 24);
	assert_int_equal(rd64(xsdt + 52), b.gpa + (uint64_t)(t - b.data));
	fadt = table(&b, "FACP", &flen);
	dsdt = table(&b, "DSDT", &dlen);
	assert_int_equal(rd64(fadt + 140), b.gpa + (uint64_t)(dsdt - b.data));
	acpi_blob_free(&b);

	/* xkvm's own tables cannot be replaced, nor a table added twice. */
	memcpy(mcfg.signature, "FACP", 4);
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI_START, WINDOW, &b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "builds that table itself"));
	memcpy(mcfg.signature, "mcfg", 4);
	assert_int_equal(acpi_build(&m, LAYOUT_ACPI_START, WINDOW, &b, err, sizeof(err)), -EINVAL);
	{
		struct acpi_table_part two[2] = { { "MCFG", 1, mcfg_body, NULL },
						  { "MCFG", 1, mcfg_body, NULL } };
		m.table_parts = two;
		m.nr_table_parts = 2;
		assert_int_equal(acpi_build(&m, LAYOUT_ACPI_START, WINDOW, &b, err, sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "twice"));
	}
}

/* The DSDT pieces are usable on their own (other machines, tests). */
static void test_dsdt_pieces_are_well_formed(void **state)
{
	void (*const pieces[])(struct aml *) = { acpi_dsdt_com1, acpi_dsdt_power_button,
						 acpi_dsdt_ged, acpi_dsdt_sleep_states };

	(void)state;
	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		struct aml a;
		aml_init(&a, 0);
		pieces[i](&a);
		assert_int_equal(aml_finish(&a), 0);
		assert_true(a.len > 0);
		aml_free(&a);
	}
	for (unsigned n = 1; n <= 254; n++) {
		struct aml a;
		aml_init(&a, 0);
		acpi_dsdt_cpu_hotplug(&a, n);
		assert_int_equal(aml_finish(&a), 0);
		aml_free(&a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_dsdt_1_no_com1),
		cmocka_unit_test(test_golden_4_slots),
		cmocka_unit_test(test_golden_dsdt_254),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_sparse_present_slots),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_dsdt_part_appended),
		cmocka_unit_test(test_dsdt_part_errors),
		cmocka_unit_test(test_table_part),
		cmocka_unit_test(test_dsdt_pieces_are_well_formed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
