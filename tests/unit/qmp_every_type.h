/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A QMP command whose arguments cover every type the dispatcher's tables know, with an
 * `echo` handler that returns its arguments: for the dispatcher's unit tests
 * (test_qmp_dispatch.c) and its fuzz target (tests/fuzz/fuzz_qmp.c).
 */
#ifndef XKVM_TESTS_QMP_EVERY_TYPE_H
#define XKVM_TESTS_QMP_EVERY_TYPE_H

#include "qmp/dispatch.h"

static inline int qmp_echo(struct qmp_call *c, json_t *args)
{
	c->ret = json_deep_copy(args);
	return 0;
}

static const char *const qmp_colours[] = { "red", "green", NULL };

/* "s" is required, the rest optional: "b", "i", "u32", "u64", "n", "e" (red|green), "o",
 * "a" (ints), "ae" (colours), "any". */
#define QMP_ECHO_EVERY_TYPE                                                          \
	{                                                                            \
		.name = "echo",                                                      \
		.fn = qmp_echo,                                                      \
		.args = (const struct qmp_arg[]){                                    \
			{ "s", QMP_TYPE_STR, false, .doc = "" },                     \
			{ "b", QMP_TYPE_BOOL, true, .doc = "" },                     \
			{ "i", QMP_TYPE_INT, true, .doc = "" },                      \
			{ "u32", QMP_TYPE_UINT32, true, .doc = "" },                 \
			{ "u64", QMP_TYPE_UINT64, true, .doc = "" },                 \
			{ "n", QMP_TYPE_NUMBER, true, .doc = "" },                   \
			{ "e", QMP_TYPE_ENUM, true, .values = qmp_colours },         \
			{ "o", QMP_TYPE_OBJECT, true, .doc = "" },                   \
			{ "a", QMP_TYPE_ARRAY, true, QMP_TYPE_INT, .doc = "" },      \
			{ "ae", QMP_TYPE_ARRAY, true, QMP_TYPE_ENUM, qmp_colours,    \
			  .doc = "" },                                               \
			{ "any", QMP_TYPE_ANY, true, .doc = "" },                    \
			{ NULL },                                                    \
		},                                                                   \
	}

#endif
