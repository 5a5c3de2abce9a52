/* SPDX-License-Identifier: GPL-2.0-only */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "vm/bus.h"

struct dev {
	uint64_t last_off, last_val;
	unsigned writes;
};

static uint64_t dev_read(void *opaque, struct vcpu *v, uint64_t off, unsigned size)
{
	(void)opaque;
	(void)v;
	(void)size;
	return 0xabcd0000 | off;
}

static void dev_write(void *opaque, struct vcpu *v, uint64_t off, unsigned size, uint64_t val)
{
	struct dev *d = opaque;
	(void)v;
	(void)size;
	d->last_off = off;
	d->last_val = val;
	d->writes++;
}

static const struct bus_ops ops = { dev_read, dev_write };

static void test_dispatch_and_overlap(void **state)
{
	struct bus bus;
	struct dev a = { 0 }, b = { 0 };
	uint64_t v;

	(void)state;
	bus_init(&bus, "pio");
	assert_int_equal(bus_register(&bus, 0x3f8, 8, &ops, &a, "a"), 0);
	assert_int_equal(bus_register(&bus, 0x100, 4, &ops, &b, "b"), 0);
	assert_int_equal(bus_register(&bus, 0x3fc, 8, &ops, &b, "overlap-end"), -EBUSY);
	assert_int_equal(bus_register(&bus, 0x3f0, 9, &ops, &b, "overlap-start"), -EBUSY);
	assert_int_equal(bus_register(&bus, 0x3f9, 1, &ops, &b, "inside"), -EBUSY);
	assert_int_equal(bus_register(&bus, 0x0, 0, &ops, &b, "empty"), -EINVAL);
	assert_int_equal(bus_register(&bus, UINT64_MAX, 2, &ops, &b, "wraps"), -EINVAL);
	assert_int_equal(bus_register(&bus, 0x3f0, 8, &ops, &b, "adjacent"), 0);

	assert_true(bus_write(&bus, NULL, 0x3fb, 1, 0x5a));
	assert_int_equal(a.last_off, 3);
	assert_int_equal(a.last_val, 0x5a);
	assert_true(bus_read(&bus, NULL, 0x102, 2, &v));
	assert_int_equal(v, 0x0002); /* masked to the access size */
	/* Nothing there: all-ones, and the write is dropped. */
	assert_false(bus_read(&bus, NULL, 0x200, 4, &v));
	assert_int_equal(v, 0xffffffff);
	assert_false(bus_write(&bus, NULL, 0x200, 4, 1));
	assert_int_equal(bus.unclaimed, 2);

	assert_int_equal(bus_unregister(&bus, 0x3f8, &b), -ENOENT); /* not b's */
	assert_int_equal(bus_unregister(&bus, 0x3f8, &a), 0);
	assert_false(bus_read(&bus, NULL, 0x3f8, 1, &v));
	assert_int_equal(v, 0xff);
	bus_destroy(&bus);
}

static void test_many_ranges_sorted(void **state)
{
	struct bus bus;
	struct dev d = { 0 };

	(void)state;
	bus_init(&bus, "mmio");
	/* Insert in a scrambled order; every lookup must still find its own range. */
	for (unsigned i = 0; i < 200; i++) {
		unsigned k = (i * 73) % 200;
		assert_int_equal(bus_register(&bus, 0x1000 * k, 0x800, &ops, &d, "r"), 0);
	}
	for (unsigned k = 0; k < 200; k++) {
		assert_true(bus_write(&bus, NULL, 0x1000 * k + 0x7ff, 4, k));
		assert_int_equal(d.last_off, 0x7ff);
		assert_false(bus_write(&bus, NULL, 0x1000 * k + 0x800, 4, k));
	}
	bus_destroy(&bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch_and_overlap),
		cmocka_unit_test(test_many_ranges_sorted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
