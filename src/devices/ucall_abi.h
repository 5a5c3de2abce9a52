/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ucall port: how guest test programs report to the host (docs/specs/ucall.md).
 * Shared, unchanged, by xkvm and by the freestanding guest library.
 *
 * The guest fills a struct ucall in its RAM (below 4 GiB) and writes its guest-physical
 * address with a 32-bit OUT to UCALL_PORT.  A 32-bit IN from the port returns
 * UCALL_MAGIC, so a guest can tell whether it runs under xkvm.
 */
#ifndef XKVM_UCALL_ABI_H
#define XKVM_UCALL_ABI_H

#include <stdint.h>

#define UCALL_PORT 0x1000
#define UCALL_MAGIC 0x4c4c4355u /* "UCLL" */
#define UCALL_TEXT_MAX 256
#define UCALL_MAX_ARGS 6

enum ucall_cmd {
	UCALL_PRINT = 1,  /* text */
	UCALL_SYNC = 2,   /* text = label, args = values; the host may act on it */
	UCALL_ASSERT = 3, /* text = "file: expression", line, args = values: test failed */
	UCALL_DONE = 4,   /* test passed: the VM ends with exit status 0 */
	UCALL_REPORT = 5, /* text = key, args[0] = value (a measurement) */
	UCALL_FAIL = 6,   /* text = reason: test failed */
};

struct ucall {
	uint32_t cmd;
	uint32_t nargs;
	uint64_t args[UCALL_MAX_ARGS];
	uint32_t line;
	uint32_t reserved;
	char text[UCALL_TEXT_MAX];
};

/* Exit status of xkvm after UCALL_ASSERT / UCALL_FAIL. */
#define UCALL_EXIT_FAILURE 3

#endif
