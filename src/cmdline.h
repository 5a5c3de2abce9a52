/* SPDX-License-Identifier: GPL-2.0-only */
/* QEMU-compatible command line -> struct vm_config.  Pure logic; unit-tested. */
#ifndef XKVM_CMDLINE_H
#define XKVM_CMDLINE_H

#include <stddef.h>

#include "vm/config.h"

enum cmdline_result {
	CMDLINE_RUN,     /* cfg is filled: start a VM */
	CMDLINE_EXIT_OK, /* --help or --version was printed */
	CMDLINE_ERROR,   /* err holds one line naming the problem */
};

#define MIN_MEM_SIZE (64ull << 20)
#define DEFAULT_MEM_SIZE (128ull << 20)
#define MAX_VCPUS 254 /* xAPIC IDs and type-0 MADT entries; see docs/architecture.md */

enum cmdline_result cmdline_parse(int argc, char **argv, struct vm_config *cfg, char *err,
				  size_t errlen);
void cmdline_free(struct vm_config *cfg);
void cmdline_usage(const char *argv0);

#endif
