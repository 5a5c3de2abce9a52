/* SPDX-License-Identifier: GPL-2.0-only */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "irq/msi.h"

static const struct msi_format plain = { .ext_dest_id = false };
static const struct msi_format ext = { .ext_dest_id = true };
static const struct msi_match_opts quirk = { .broadcast_quirk = true };
static const struct msi_match_opts noquirk = { .broadcast_quirk = false };

static struct msi_decoded dec(uint64_t addr, uint32_t data, const struct msi_format *f)
{
	struct msi_msg m = { addr, data };
	struct msi_decoded d;

	msi_decode(&m, f, &d);
	return d;
}

static void test_decode_fields(void **state)
{
	struct msi_decoded d;

	(void)state;
	/* Physical, fixed, edge, dest 1, vector 0x41: what Linux writes. */
	d = dec(0xfee01000, 0x4041, &plain);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.dest_id, 1);
	assert_false(d.logical);
	assert_false(d.redir_hint);
	assert_false(d.lowest_prio);
	assert_int_equal(d.dm, MSI_DM_FIXED);
	assert_int_equal(d.vector, 0x41);
	assert_true(d.assert);
	assert_false(d.level_trigger);

	/* Logical + RH, lowest priority, level-triggered, dest 0xa5. */
	d = dec(0xfeea500c, 0xc1ef, &plain);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.dest_id, 0xa5);
	assert_true(d.logical);
	assert_true(d.redir_hint);
	assert_true(d.lowest_prio);
	assert_int_equal(d.dm, MSI_DM_LOWEST);
	assert_int_equal(d.vector, 0xef);
	assert_true(d.level_trigger);

	/* RH alone makes KVM use lowest priority. */
	d = dec(0xfee00008, 0x30, &plain);
	assert_int_equal(d.dm, MSI_DM_FIXED);
	assert_true(d.lowest_prio);

	/* Bits 1:0 of the address are ignored. */
	d = dec(0xfee00003, 0x30, &plain);
	assert_int_equal(d.errors, 0);
}

static void test_delivery_modes(void **state)
{
	static const uint32_t want[8] = {
		[MSI_DM_FIXED] = 0, [MSI_DM_LOWEST] = 0, [MSI_DM_SMI] = 0,
		[MSI_DM_RSVD3] = MSI_ERR_DM_RESERVED, [MSI_DM_NMI] = 0, [MSI_DM_INIT] = 0,
		[MSI_DM_RSVD6] = MSI_ERR_DM_RESERVED, [MSI_DM_EXTINT] = MSI_ERR_EXTINT,
	};

	(void)state;
	for (unsigned dm = 0; dm < 8; dm++) {
		struct msi_decoded d = dec(0xfee00000, dm << 8 | 0x40, &plain);
		assert_int_equal(d.dm, dm);
		assert_int_equal(d.errors, want[dm]);
		assert_int_equal(msi_deliverable(&d), want[dm] == 0);
	}
	/* Vectors 0..15 are illegal for fixed and lowest priority only. */
	for (unsigned v = 0; v < 16; v++) {
		assert_int_equal(dec(0xfee00000, v, &plain).errors, MSI_ERR_ILLEGAL_VEC);
		assert_int_equal(dec(0xfee00000, 0x100 | v, &plain).errors, MSI_ERR_ILLEGAL_VEC);
		assert_int_equal(dec(0xfee00000, 0x400 | v, &plain).errors, 0); /* NMI */
	}
	assert_int_equal(dec(0xfee00000, 16, &plain).errors, 0);
}

static void test_reserved_bits(void **state)
{
	struct msi_decoded d;

	(void)state;
	/* Data bits 13:11 and 31:16: reserved, delivered as if zero. */
	for (unsigned b = 11; b < 32; b++) {
		if (b == 14 || b == 15)
			continue;
		d = dec(0xfee00000, 0x40 | 1u << b, &plain);
		assert_int_equal(d.errors, MSI_ERR_DATA_RSVD);
		assert_true(msi_deliverable(&d));
		assert_int_equal(d.vector, 0x40);
		assert_int_equal(d.dm, MSI_DM_FIXED);
	}
	/* Address bits 11:5: reserved unless extended destination IDs are on. */
	for (unsigned b = 5; b < 12; b++) {
		d = dec(0xfee00000 | 1u << b, 0x40, &plain);
		assert_int_equal(d.errors, MSI_ERR_ADDR_RSVD);
		assert_true(msi_deliverable(&d));
		assert_int_equal(d.dest_id, 0);
		d = dec(0xfee00000 | 1u << b, 0x40, &ext);
		assert_int_equal(d.errors, 0);
		assert_int_equal(d.dest_id, 1u << (b - 5 + 8));
	}
	/* Bit 4 (remappable format) needs an IOMMU: not delivered, with or without ext. */
	assert_int_equal(dec(0xfee00010, 0x40, &plain).errors, MSI_ERR_REMAPPABLE);
	assert_int_equal(dec(0xfee00010, 0x40, &ext).errors, MSI_ERR_REMAPPABLE);
	/* Outside 0xFEExxxxx or above 4 GiB: a memory write, not an interrupt. */
	assert_int_equal(dec(0xfed00000, 0x40, &plain).errors, MSI_ERR_NOT_INTERRUPT);
	assert_int_equal(dec(0x0, 0x0, &plain).errors, MSI_ERR_NOT_INTERRUPT | MSI_ERR_ILLEGAL_VEC);
	assert_int_equal(dec(0x1fee00000ull, 0x40, &plain).errors, MSI_ERR_NOT_INTERRUPT);
	assert_int_equal(dec(0xfff00000, 0x40, &plain).errors, MSI_ERR_NOT_INTERRUPT);
	assert_false(msi_deliverable(&(struct msi_decoded){ .errors = MSI_ERR_NOT_INTERRUPT }));
}

static void test_ext_dest_id(void **state)
{
	struct msi_decoded d;
	uint32_t lo, hi, data;

	(void)state;
	/* dest 0x512: bits 7:0 in address[19:12], bits 14:8 in address[11:5]. */
	d = dec(0xfee00000 | 0x12u << 12 | 0x5u << 5, 0x4031, &ext);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.dest_id, 0x512);
	/* KVM can only take it in x2APIC-API format (address_hi[31:8]). */
	assert_int_equal(msi_to_kvm(&d, false, &lo, &hi, &data), -ERANGE);
	assert_int_equal(msi_to_kvm(&d, true, &lo, &hi, &data), 0);
	assert_int_equal(lo, 0xfee12000);
	assert_int_equal(hi, 0x500);
	assert_int_equal(data, 0x4031);
	/* The largest: 0x7fff. */
	d = dec(0xfee00000 | 0xffu << 12 | 0x7fu << 5, 0x31, &ext);
	assert_int_equal(d.dest_id, 0x7fff);
}

static void test_to_kvm_clears_reserved(void **state)
{
	struct msi_decoded d;
	uint32_t lo, hi, data;

	(void)state;
	d = dec(0xfee03fe7, 0xffff3941 & ~0x0400u, &plain); /* reserved bits everywhere */
	assert_true(msi_deliverable(&d));
	assert_int_equal(msi_to_kvm(&d, false, &lo, &hi, &data), 0);
	assert_int_equal(lo, 0xfee03004); /* dest 3, logical, no RH, nothing else */
	assert_int_equal(hi, 0);
	assert_int_equal(data, 0x0141); /* lowest priority, vector 0x41, edge, deassert */
	d = dec(0xfee00000, 0x300 | 0x41, &plain);
	assert_int_equal(msi_to_kvm(&d, false, &lo, &hi, &data), -EINVAL);
}

static struct msi_cpu xapic(uint32_t id, uint8_t ldr, uint32_t dfr)
{
	return (struct msi_cpu){ .present = true, .enabled = true, .id = id,
				 .xapic_id = (uint8_t)id, .ldr = (uint32_t)ldr << 24, .dfr = dfr };
}

static struct msi_cpu x2apic(uint32_t id)
{
	return (struct msi_cpu){ .present = true, .enabled = true, .x2apic = true, .id = id,
				 .ldr = (id >> 4) << 16 | 1u << (id & 15) };
}

static struct msi_decoded target(uint32_t dest, bool logical, enum msi_delivery dm)
{
	return (struct msi_decoded){ .dest_id = dest, .logical = logical, .dm = dm,
				     .lowest_prio = dm == MSI_DM_LOWEST, .vector = 0x40 };
}

static void test_match_physical(void **state)
{
	struct msi_cpu c = xapic(3, 0, MSI_DFR_FLAT), x = x2apic(3);
	struct msi_decoded d;

	(void)state;
	d = target(3, false, MSI_DM_FIXED);
	assert_true(msi_cpu_match(&d, &c, &quirk));
	assert_true(msi_cpu_match(&d, &x, &quirk));
	d.dest_id = 4;
	assert_false(msi_cpu_match(&d, &c, &quirk));
	assert_false(msi_cpu_match(&d, &x, &quirk));
	/* The guest rewrote its xAPIC ID: the register wins in xAPIC mode. */
	c.xapic_id = 4;
	assert_true(msi_cpu_match(&d, &c, &quirk));
	/* Absent vCPUs and undeliverable messages match nothing. */
	c.present = false;
	assert_false(msi_cpu_match(&d, &c, &quirk));
	c.present = true;
	d.errors = MSI_ERR_DM_RESERVED;
	assert_false(msi_cpu_match(&d, &c, &quirk));

	/* 0xff: broadcast to xAPIC; to x2APIC only through KVM's quirk. */
	d = target(0xff, false, MSI_DM_FIXED);
	assert_true(msi_cpu_match(&d, &c, &quirk));
	assert_true(msi_cpu_match(&d, &x, &quirk));
	assert_false(msi_cpu_match(&d, &x, &noquirk));
	/* x2APIC broadcast. */
	d.dest_id = MSI_BROADCAST_X2APIC;
	assert_true(msi_cpu_match(&d, &x, &noquirk));
	/* KVM's hotplug hack: an xAPIC-mode vCPU with ID 300 is reachable as 300. */
	c = xapic(300, 0, MSI_DFR_FLAT);
	d.dest_id = 300;
	assert_true(msi_cpu_match(&d, &c, &quirk));
	/* Its 8-bit xAPIC ID register (300 & 0xff, as KVM sets it) answers too... */
	d.dest_id = 300 & 0xff;
	assert_true(msi_cpu_match(&d, &c, &quirk));
	/* ...but not once the vCPU is in x2APIC mode. */
	c.x2apic = true;
	assert_false(msi_cpu_match(&d, &c, &quirk));
	/* x2APIC ID 0xff is not the broadcast for an x2APIC without the quirk. */
	x = x2apic(0xff);
	d.dest_id = 0xff;
	assert_true(msi_cpu_match(&d, &x, &noquirk));
}

static void test_match_logical(void **state)
{
	struct msi_cpu flat = xapic(0, 0x04, MSI_DFR_FLAT);
	struct msi_cpu cl = xapic(0, 0x23, MSI_DFR_CLUSTER); /* cluster 2, members 0,1 */
	struct msi_cpu x = x2apic(0x25);                     /* cluster 2, bit 5 */
	struct msi_decoded d;

	(void)state;
	d = target(0x0c, true, MSI_DM_FIXED);
	assert_true(msi_cpu_match(&d, &flat, &quirk));
	d.dest_id = 0x03;
	assert_false(msi_cpu_match(&d, &flat, &quirk));
	/* Cluster: same cluster and an overlapping member bit. */
	d.dest_id = 0x21;
	assert_true(msi_cpu_match(&d, &cl, &quirk));
	d.dest_id = 0x24;
	assert_false(msi_cpu_match(&d, &cl, &quirk));
	d.dest_id = 0x31;
	assert_false(msi_cpu_match(&d, &cl, &quirk));
	/* Unknown DFR: nothing. */
	cl.dfr = 0x1fffffff;
	d.dest_id = 0x21;
	assert_false(msi_cpu_match(&d, &cl, &quirk));
	/* x2APIC cluster: LDR = cluster << 16 | 1 << (id & 15). */
	d.dest_id = 2u << 16 | 1u << 5;
	assert_true(msi_cpu_match(&d, &x, &quirk));
	d.dest_id = 2u << 16 | 1u << 4;
	assert_false(msi_cpu_match(&d, &x, &quirk));
	d.dest_id = 3u << 16 | 1u << 5;
	assert_false(msi_cpu_match(&d, &x, &quirk));
	/* Logical broadcast. */
	d.dest_id = 0xff;
	assert_true(msi_cpu_match(&d, &flat, &quirk));
}

static void test_match_lowest_priority(void **state)
{
	struct msi_cpu a = xapic(0, 0x01, MSI_DFR_FLAT), b = xapic(1, 0x02, MSI_DFR_FLAT);
	struct msi_decoded d = target(0x03, true, MSI_DM_LOWEST);

	(void)state;
	assert_true(msi_cpu_match(&d, &a, &quirk));
	assert_true(msi_cpu_match(&d, &b, &quirk));
	/* A disabled LAPIC is no candidate for lowest priority, but is for fixed. */
	b.enabled = false;
	assert_false(msi_cpu_match(&d, &b, &quirk));
	d = target(0x03, true, MSI_DM_FIXED);
	assert_true(msi_cpu_match(&d, &b, &quirk));
}

static void test_cpu_from_lapic(void **state)
{
	uint8_t regs[1024] = { 0 };
	struct msi_cpu c;
	uint32_t v;

	(void)state;
	v = 7u << 24;
	memcpy(regs + 0x20, &v, 4);
	v = 0x10u << 24;
	memcpy(regs + 0xd0, &v, 4);
	v = MSI_DFR_CLUSTER;
	memcpy(regs + 0xe0, &v, 4);
	v = 0x1ff;
	memcpy(regs + 0xf0, &v, 4);
	msi_cpu_from_lapic(&c, 2, regs, 0xfee00000 | 1u << 11, false);
	assert_true(c.present);
	assert_false(c.x2apic);
	assert_true(c.enabled);
	assert_int_equal(c.id, 2);
	assert_int_equal(c.xapic_id, 7);
	assert_int_equal(c.ldr, 0x10u << 24);
	assert_int_equal(c.dfr, MSI_DFR_CLUSTER);
	/* x2APIC mode, SPIV disabled. */
	v = 0xff;
	memcpy(regs + 0xf0, &v, 4);
	msi_cpu_from_lapic(&c, 2, regs, 0xfee00000 | 3u << 10, true);
	assert_true(c.x2apic);
	assert_false(c.enabled);
	msi_cpu_reset(&c, 5);
	assert_int_equal(c.xapic_id, 5);
	assert_int_equal(c.dfr, MSI_DFR_FLAT);
}

static void test_errors_str(void **state)
{
	char buf[128], tiny[8];

	(void)state;
	assert_string_equal(msi_errors_str(0, buf, sizeof(buf)), "");
	assert_string_equal(msi_errors_str(MSI_ERR_NOT_INTERRUPT | MSI_ERR_DATA_RSVD, buf,
					   sizeof(buf)),
			    "not-an-interrupt-address|reserved-data-bits");
	msi_errors_str(MSI_ERR_NOT_INTERRUPT, tiny, sizeof(tiny)); /* truncated, terminated */
	assert_true(strlen(tiny) < sizeof(tiny));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_fields),
		cmocka_unit_test(test_delivery_modes),
		cmocka_unit_test(test_reserved_bits),
		cmocka_unit_test(test_ext_dest_id),
		cmocka_unit_test(test_to_kvm_clears_reserved),
		cmocka_unit_test(test_match_physical),
		cmocka_unit_test(test_match_logical),
		cmocka_unit_test(test_match_lowest_priority),
		cmocka_unit_test(test_cpu_from_lapic),
		cmocka_unit_test(test_errors_str),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
