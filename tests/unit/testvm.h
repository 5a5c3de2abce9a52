/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A VM for the tests of KVM-facing code (needs /dev/kvm, runs no guest): created from a
 * command line like xkvm's, with its trace captured in memory for assertions.
 */
#ifndef XKVM_TESTS_TESTVM_H
#define XKVM_TESTS_TESTVM_H

#include <stdbool.h>
#include <stddef.h>

#include "vm/config.h"

struct vm;

struct testvm {
	struct vm_config cfg;
	struct vm *vm;
	char *trace_buf;
	size_t trace_len;
};

/* `args`: options after "-kernel unused" (NULL-terminated); `traces`: trace patterns to
 * capture (NULL-terminated, may be NULL).  Returns 0, or -1 after saying loudly why when
 * /dev/kvm is not usable (the cmocka group then fails its setup). */
int testvm_create(struct testvm *t, const char *const *args, const char *const *traces);
void testvm_destroy(struct testvm *t);
/* How many times `needle` occurs in the trace so far. */
unsigned testvm_traced(struct testvm *t, const char *needle);

#endif
