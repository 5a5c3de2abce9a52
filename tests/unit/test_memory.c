/* SPDX-License-Identifier: GPL-2.0-only */
/* The one bounds-checked guest-memory accessor: every way out of RAM is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "vm/memory.h"

#define MIB (1ull << 20)

static void test_single_region(void **state)
{
	struct guest_mem gm;
	uint8_t buf[16] = { 1, 2, 3 };

	(void)state;
	assert_int_equal(gm_init(&gm, 64 * MIB, 0xc0000000ull), 0);
	assert_int_equal(gm.nr_regions, 1);
	assert_non_null(gm_ptr(&gm, 0, 64 * MIB));
	assert_null(gm_ptr(&gm, 0, 64 * MIB + 1));
	assert_null(gm_ptr(&gm, 64 * MIB, 1));
	assert_null(gm_ptr(&gm, UINT64_MAX, 2));          /* wraps */
	assert_null(gm_ptr(&gm, 64 * MIB - 4, UINT64_MAX)); /* length overflow */
	assert_int_equal(gm_write(&gm, 64 * MIB - 3, buf, 3), 0);
	assert_int_equal(gm_write(&gm, 64 * MIB - 3, buf, 4), -EFAULT);
	assert_int_equal(gm_read(&gm, 64 * MIB - 3, buf + 8, 3), 0);
	assert_memory_equal(buf, buf + 8, 3);
	gm_destroy(&gm);
}

static void test_split_around_hole(void **state)
{
	struct guest_mem gm;
	uint32_t v = 0x12345678, r = 0;
	const uint64_t low = 256 * MIB;

	(void)state;
	/* 512 MiB with the hole at 256 MiB: [0,256M) and [4G, 4G+256M). */
	assert_int_equal(gm_init(&gm, 512 * MIB, low), 0);
	assert_int_equal(gm.nr_regions, 2);
	assert_int_equal(gm_lowmem_top(&gm), low);
	assert_null(gm_ptr(&gm, low, 4));                       /* the hole */
	assert_non_null(gm_ptr(&gm, 1ull << 32, 4));
	assert_null(gm_ptr(&gm, low - 2, 4));                   /* crosses into the hole */
	assert_false(gm_is_ram(&gm, low - 2, 4));
	assert_true(gm_is_ram(&gm, (1ull << 32) + 256 * MIB - 4, 4));
	assert_false(gm_is_ram(&gm, (1ull << 32) + 256 * MIB - 4, 5));
	assert_int_equal(gm_write(&gm, (1ull << 32) + 100, &v, 4), 0);
	assert_int_equal(gm_read(&gm, (1ull << 32) + 100, &r, 4), 0);
	assert_int_equal(r, v);
	assert_int_equal(gm_memset(&gm, low - 8, 0, 16), -EFAULT);
	gm_destroy(&gm);
}

static void test_refuses_impossible_sizes(void **state)
{
	struct guest_mem gm;

	(void)state;
	assert_int_equal(gm_init(&gm, 0, 0xc0000000ull), -EINVAL);
	assert_int_equal(gm_init(&gm, 1ull << 50, 0xc0000000ull), -E2BIG);
	/* Far beyond this machine's RAM + swap: the kernel refuses the mapping. */
	assert_int_equal(gm_init(&gm, 1ull << 45, 0xc0000000ull), -ENOMEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_region),
		cmocka_unit_test(test_split_around_hole),
		cmocka_unit_test(test_refuses_impossible_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
