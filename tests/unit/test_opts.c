/* SPDX-License-Identifier: GPL-2.0-only */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "util/opts.h"

static void test_implied_key(void **state)
{
	struct opts o;
	char err[128];

	(void)state;
	assert_int_equal(opts_parse(&o, "4,maxcpus=8", "cpus", err, sizeof(err)), 0);
	assert_string_equal(opts_get(&o, "cpus"), "4");
	assert_string_equal(opts_get(&o, "maxcpus"), "8");
	assert_null(opts_unused(&o));
	opts_free(&o);
}

static void test_escaped_comma_and_unused(void **state)
{
	struct opts o;
	char err[128];

	(void)state;
	assert_int_equal(opts_parse(&o, "file=a,,b,id=d0,bogus=1", NULL, err, sizeof(err)), 0);
	assert_string_equal(opts_get(&o, "file"), "a,b");
	assert_string_equal(opts_get(&o, "id"), "d0");
	assert_string_equal(opts_unused(&o), "bogus");
	opts_free(&o);
}

static void test_sizes(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size("512", 1 << 20, &v), 0);
	assert_int_equal(v, 512ull << 20);
	assert_int_equal(parse_size("2G", 1 << 20, &v), 0);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(parse_size("1GiB", 1 << 20, &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(parse_size("-1", 1, &v), -EINVAL);
	assert_int_equal(parse_size("12Q", 1, &v), -EINVAL);
	assert_int_equal(parse_size("", 1, &v), -EINVAL);
	assert_int_equal(parse_size("99999999999999T", 1, &v), -ERANGE);
}

static void test_bools_and_empty_key(void **state)
{
	struct opts o;
	char err[128];
	bool b;

	(void)state;
	assert_int_equal(parse_bool("on", &b), 0);
	assert_true(b);
	assert_int_equal(parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(parse_bool("maybe", &b), -EINVAL);
	assert_int_equal(opts_parse(&o, "a=1,=2", NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty parameter name"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_implied_key),
		cmocka_unit_test(test_escaped_comma_and_unused),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_bools_and_empty_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
