/* SPDX-License-Identifier: GPL-2.0-only */
/* Guest page walks: every paging mode, large pages, and tables outside RAM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "arch/x86/mmu.h"

#define P 1ull
#define W 2ull
#define PS 0x80ull

static struct guest_mem gm;

static int setup(void **state)
{
	(void)state;
	return gm_init(&gm, 64 << 20, 0xc0000000ull);
}

static int teardown(void **state)
{
	(void)state;
	gm_destroy(&gm);
	return 0;
}

static void put64(uint64_t gpa, uint64_t v)
{
	assert_int_equal(gm_write(&gm, gpa, &v, 8), 0);
}

static void put32(uint64_t gpa, uint32_t v)
{
	assert_int_equal(gm_write(&gm, gpa, &v, 4), 0);
}

static void test_no_paging(void **state)
{
	struct x86_paging pg = { .cr0 = 1 };
	uint64_t gpa;

	(void)state;
	assert_int_equal(x86_gva_to_gpa(&gm, &pg, 0x12345678, &gpa), 0);
	assert_int_equal(gpa, 0x12345678);
}

static void test_long_mode_4k_2m_1g(void **state)
{
	struct x86_paging pg = { .cr0 = 0x80000001, .cr3 = 0x10000, .cr4 = 0x20, .efer = 0x500 };
	const uint64_t va = 0xffff800000201123ull; /* PML4 256, PDPT 0, PD 1, PT 1 */
	uint64_t gpa;

	(void)state;
	put64(0x10000 + 256 * 8, 0x11000 | P | W);
	put64(0x11000 + 0 * 8, 0x12000 | P | W);
	put64(0x12000 + 1 * 8, 0x13000 | P | W);
	put64(0x13000 + 1 * 8, 0x345000 | P | W);
	assert_int_equal(x86_gva_to_gpa(&gm, &pg, va, &gpa), 0);
	assert_int_equal(gpa, 0x345123);

	/* 2 MiB page at PD entry 2 */
	put64(0x12000 + 2 * 8, 0x800000 | P | W | PS);
	assert_int_equal(x86_gva_to_gpa(&gm, &pg, 0xffff800000400000ull + 0x1abcd, &gpa), 0);
	assert_int_equal(gpa, 0x81abcd);

	/* 1 GiB page at PDPT entry 1 */
	put64(0x11000 + 1 * 8, 0x40000000ull | P | PS);
	assert_int_equal(x86_gva_to_gpa(&gm, &pg, 0xffff800040000000ull + 0x123456, &gpa), 0);
	assert_int_equal(gpa, 0x40123456);

	/* not present */
	assert_int_equal(x86_gva_to_gpa(&gm, &pg, 0x1000, &gpa), -ENOENT);
	/* a table pointer outside RAM */
	put64(0x10000 + 1 * 8, 0x7ffff000ull | P);
	assert_int_equal(x86_gva_to_gpa(&gm, &pg, 0x0000008000000000ull, &gpa), -EFAULT);
}

static void test_32bit_and_pae(void **state)
{
	struct x86_paging pg32 = { .cr0 = 0x80000001, .cr3 = 0x20000, .cr4 = 0x10 };
	struct x86_paging pae = { .cr0 = 0x80000001, .cr3 = 0x30000, .cr4 = 0x20 };
	uint64_t gpa;

	(void)state;
	/* 32-bit: PDE 1 -> PT, PTE 2 */
	put32(0x20000 + 1 * 4, 0x21000 | P);
	put32(0x21000 + 2 * 4, 0x777000 | P);
	assert_int_equal(x86_gva_to_gpa(&gm, &pg32, 0x00402abc, &gpa), 0);
	assert_int_equal(gpa, 0x777abc);
	/* 4 MiB page (PSE) at PDE 3 */
	put32(0x20000 + 3 * 4, 0x01000000 | P | PS);
	assert_int_equal(x86_gva_to_gpa(&gm, &pg32, 0x00c12345, &gpa), 0);
	assert_int_equal(gpa, 0x01012345);

	/* PAE: PDPTE 1 -> PD, PDE 0 2 MiB page */
	put64(0x30000 + 1 * 8, 0x31000 | P);
	put64(0x31000 + 0 * 8, 0x00a00000 | P | PS);
	assert_int_equal(x86_gva_to_gpa(&gm, &pae, 0x40012345, &gpa), 0);
	assert_int_equal(gpa, 0x00a12345);
}

static void test_read_virt_stops_at_hole(void **state)
{
	struct x86_paging pg = { .cr0 = 0x80000001, .cr3 = 0x40000, .cr4 = 0x20, .efer = 0x500 };
	uint8_t buf[16];

	(void)state;
	put64(0x40000, 0x41000 | P);
	put64(0x41000, 0x42000 | P);
	put64(0x42000, 0x43000 | P);
	put64(0x43000 + 1 * 8, 0x500000 | P); /* VA page 1 mapped, page 2 not */
	assert_int_equal(x86_read_virt(&gm, &pg, 0x1ffa, buf, sizeof(buf)), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_paging),
		cmocka_unit_test(test_long_mode_4k_2m_1g),
		cmocka_unit_test(test_32bit_and_pae),
		cmocka_unit_test(test_read_virt_stops_at_hole),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
