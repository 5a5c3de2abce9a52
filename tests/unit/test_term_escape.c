/* SPDX-License-Identifier: GPL-2.0-only */
/* QEMU's C-a console escapes (devices/term_escape.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "devices/term_escape.h"

/* Feed a string; collect data bytes, return the actions as letters. */
static void feed(const char *in, size_t n, char *data, char *acts)
{
	struct term_escape e = { 0 };
	size_t nd = 0, na = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c;
		switch (term_escape_byte(&e, (uint8_t)in[i], &c)) {
		case TERM_DATA: data[nd++] = (char)c; break;
		case TERM_SWALLOW: break;
		case TERM_HELP: acts[na++] = 'h'; break;
		case TERM_QUIT: acts[na++] = 'x'; break;
		case TERM_BREAK: acts[na++] = 'b'; break;
		}
	}
	data[nd] = acts[na] = '\0';
}

static void test_escapes(void **state)
{
	char data[64], acts[16];

	(void)state;
	feed("plain text\r", 11, data, acts);
	assert_string_equal(data, "plain text\r");
	assert_string_equal(acts, "");

	feed("a\001hb\001?c", 8, data, acts);
	assert_string_equal(data, "abc");
	assert_string_equal(acts, "hh");

	feed("\001\001\001x", 4, data, acts);
	assert_int_equal(data[0], 0x01); /* C-a C-a sends one C-a */
	assert_int_equal(strlen(data), 1);
	assert_string_equal(acts, "x");

	feed("\001b\001zq", 5, data, acts); /* unknown command keys are swallowed */
	assert_string_equal(data, "q");
	assert_string_equal(acts, "b");
	assert_non_null(strstr(term_escape_help, "C-a x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
