/* SPDX-License-Identifier: GPL-2.0-only */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "irq/gsi.h"

static void test_basic(void **state)
{
	struct gsi_alloc g;

	(void)state;
	assert_int_equal(gsi_alloc_init(&g, 24, 24), -EINVAL);
	assert_int_equal(gsi_alloc_init(&g, 24, 28), 0);
	/* The irqchip's pins are never handed out; lowest first. */
	for (int i = 24; i < 28; i++)
		assert_int_equal(gsi_alloc(&g), i);
	assert_int_equal(gsi_alloc(&g), -ENOSPC);
	assert_int_equal(g.used, 4);
	assert_int_equal(gsi_free(&g, 26), 0);
	assert_int_equal(gsi_free(&g, 26), -EINVAL); /* double free */
	assert_int_equal(gsi_free(&g, 5), -EINVAL);  /* an IOAPIC pin */
	assert_int_equal(gsi_free(&g, 28), -EINVAL); /* beyond the table */
	assert_int_equal(gsi_alloc(&g), 26);
	assert_int_equal(gsi_free(&g, 25), 0);
	assert_int_equal(gsi_free(&g, 27), 0);
	assert_int_equal(gsi_alloc(&g), 25);
	assert_int_equal(gsi_alloc(&g), 27);
	assert_false(gsi_is_allocated(&g, 3));
	assert_true(gsi_is_allocated(&g, 27));
	gsi_alloc_destroy(&g);
}

/* Thousands of random alloc/free cycles against a shadow copy: every GSI handed out is
 * free in the shadow, always the lowest free one, and the count returns to zero. */
static void test_cycles_no_leak(void **state)
{
	enum { FIRST = 24, LIMIT = 4096 };
	static bool shadow[LIMIT];
	static int held[LIMIT];
	struct gsi_alloc g;
	unsigned nheld = 0, seed = 12345;

	(void)state;
	memset(shadow, 0, sizeof(shadow));
	assert_int_equal(gsi_alloc_init(&g, FIRST, LIMIT), 0);
	for (unsigned i = 0; i < 50000; i++) {
		bool alloc;

		seed = seed * 1103515245 + 12345;
		/* A random walk (a few hundred live GSIs), and every 10000 steps a fill to
		 * the limit, so both the dense and the exhausted table are exercised. */
		alloc = nheld == 0 || (seed >> 16) % 2 == 0 || i % 10000 == 9999;
		if (i % 10000 == 9999) {
			while (gsi_alloc(&g) >= 0)
				;
			for (int k = FIRST; k < LIMIT; k++)
				if (!shadow[k]) {
					shadow[k] = true;
					held[nheld++] = k;
				}
			assert_int_equal(g.used, LIMIT - FIRST);
			alloc = false;
		}
		if (alloc) {
			int gsi = gsi_alloc(&g), lowest = -ENOSPC;
			for (int k = FIRST; k < LIMIT; k++)
				if (!shadow[k]) {
					lowest = k;
					break;
				}
			assert_int_equal(gsi, lowest);
			if (gsi < 0)
				continue;
			shadow[gsi] = true;
			held[nheld++] = gsi;
		} else {
			/* Free one, or (after a fill) most of them. */
			unsigned n = nheld > 1000 ? nheld - 100 : 1;
			while (n--) {
				seed = seed * 1103515245 + 12345;
				unsigned k = (seed >> 8) % nheld;
				assert_int_equal(gsi_free(&g, (unsigned)held[k]), 0);
				shadow[held[k]] = false;
				held[k] = held[--nheld];
			}
		}
		assert_int_equal(g.used, nheld);
	}
	while (nheld)
		assert_int_equal(gsi_free(&g, (unsigned)held[--nheld]), 0);
	assert_int_equal(g.used, 0);
	for (int k = FIRST; k < LIMIT; k++)
		assert_int_equal(gsi_alloc(&g), k); /* every one comes back */
	assert_int_equal(gsi_alloc(&g), -ENOSPC);
	gsi_alloc_destroy(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_cycles_no_leak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
