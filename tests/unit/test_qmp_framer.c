/* SPDX-License-Identifier: GPL-2.0-only */
/* QMP framing: where messages end in a byte stream, however it is split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmp/framer.h"

/* Feeds `stream` in chunks of `chunk` bytes (buffering like the server does) and
 * returns the messages joined with '|'. */
static char *frame(const char *stream, size_t chunk)
{
	static char out[4096];
	size_t len = strlen(stream), have = 0, fed = 0, o = 0;
	char *buf = malloc(len + 1);
	struct qmp_framer f;

	qmp_framer_init(&f);
	out[0] = '\0';
	while (fed < len) {
		size_t n = len - fed < chunk ? len - fed : chunk, off, mlen;

		memcpy(buf + have, stream + fed, n);
		have += n;
		fed += n;
		while (qmp_framer_next(&f, buf, have, &off, &mlen))
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%.*s", o ? "|" : "",
					      (int)mlen, buf + off);
		/* Drop what is no longer needed, as the server does. */
		memmove(buf, buf + f.start, have - f.start);
		have -= f.start;
		qmp_framer_shift(&f, f.start);
	}
	free(buf);
	return out;
}

static void check_all_splits(const char *stream, const char *want)
{
	for (size_t chunk = 1; chunk <= strlen(stream); chunk++)
		assert_string_equal(frame(stream, chunk), want);
}

static void test_objects(void **state)
{
	(void)state;
	check_all_splits("{\"execute\":\"a\"}\n", "{\"execute\":\"a\"}");
	/* No newline needed (QEMU's Python library sends none); pipelined messages. */
	check_all_splits("{\"execute\":\"a\"}{\"execute\":\"b\"}", "{\"execute\":\"a\"}|{\"execute\":\"b\"}");
	check_all_splits("  \r\n{\"a\": [1, {\"b\": []}]}  [2]\r\n",
			 "{\"a\": [1, {\"b\": []}]}|[2]");
	/* A message over several lines. */
	check_all_splits("{ \"execute\": \"query-status\"\n}\n", "{ \"execute\": \"query-status\"\n}");
}

static void test_strings(void **state)
{
	(void)state;
	/* Brackets and escaped quotes inside strings do not count. */
	check_all_splits("{\"a\": \"}]{[\\\"}\"}x", "{\"a\": \"}]{[\\\"}\"}");
	check_all_splits("{\"a\": \"\\\\\"}{}", "{\"a\": \"\\\\\"}|{}");
	check_all_splits("\"top\" \"level\"", "\"top\"|\"level\"");
}

static void test_bad_input(void **state)
{
	(void)state;
	/* Each piece becomes a message that jansson rejects; the stream goes on. */
	check_all_splits("}{\"execute\":\"a\"}", "}|{\"execute\":\"a\"}");
	check_all_splits("123 true\n{}", "123|true|{}");
	check_all_splits("bad{}", "bad|{}");
	check_all_splits(", :{}", ",|:|{}");
	check_all_splits("{bad json}\n", "{bad json}");
	check_all_splits("]]", "]|]");
}

static void test_incomplete(void **state)
{
	struct qmp_framer f;
	const char *s = "   {\"execute\": \"a\", \"x\": \"}";
	size_t off, n;

	(void)state;
	qmp_framer_init(&f);
	assert_false(qmp_framer_next(&f, s, strlen(s), &off, &n));
	assert_int_equal(f.start, 3); /* leading whitespace is dropped */
	assert_int_equal(qmp_framer_pending(&f), strlen(s) - 3);
	/* A bare scalar is complete only once something follows it. */
	qmp_framer_init(&f);
	assert_false(qmp_framer_next(&f, "12", 2, &off, &n));
	assert_true(qmp_framer_next(&f, "12 ", 3, &off, &n));
	assert_int_equal(off, 0);
	assert_int_equal(n, 2);
	/* Only whitespace: nothing pending. */
	qmp_framer_init(&f);
	assert_false(qmp_framer_next(&f, " \n\t", 3, &off, &n));
	assert_int_equal(qmp_framer_pending(&f), 0);
	assert_int_equal(f.start, 3);
}

static void test_deep_nesting_is_linear(void **state)
{
	/* 1 MiB of '[' fed byte by byte: one pass, no message, depth counted exactly. */
	size_t len = 1 << 20, off, n;
	char *buf = malloc(len + 1);
	struct qmp_framer f;

	(void)state;
	memset(buf, '[', len);
	qmp_framer_init(&f);
	for (size_t i = 1; i <= len; i++)
		assert_false(qmp_framer_next(&f, buf, i, &off, &n));
	assert_int_equal(f.depth, len);
	assert_int_equal(qmp_framer_pending(&f), len);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_deep_nesting_is_linear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
