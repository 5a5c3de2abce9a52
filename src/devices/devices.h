/* SPDX-License-Identifier: GPL-2.0-only */
/* -device DRIVER,...: one table maps each driver name to its creation function. */
#ifndef XKVM_DEVICES_DEVICES_H
#define XKVM_DEVICES_DEVICES_H

#include <stddef.h>

#include "util/opts.h"

struct vm;

struct device_driver {
	const char *name;
	const char *help;
	/* Reads its properties from `opts` (unknown ones are reported by the caller). */
	int (*create)(struct vm *vm, struct opts *opts, char *err, size_t errlen);
};

/* Creates every -device of the configuration; prints one error line on failure. */
int devices_create_from_config(struct vm *vm);

int debug_exit_create(struct vm *vm, struct opts *opts, char *err, size_t errlen);
int ucall_create(struct vm *vm, struct opts *opts, char *err, size_t errlen);
int msix_testdev_create(struct vm *vm, struct opts *opts, char *err, size_t errlen);

#endif
