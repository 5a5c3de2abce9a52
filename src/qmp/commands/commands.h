/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The QMP modules xkvm has.  Each file in this folder defines one `struct qmp_module`
 * (commands, argument tables, events); handlers receive the `struct vm *` they were
 * registered with.  A new area adds its module to qmp_all_modules[] (so docs/qmp.md
 * lists it) and registers it at start-up, here for the built-in ones or from its own
 * init code with qmp_server_register().
 */
#ifndef XKVM_QMP_COMMANDS_COMMANDS_H
#define XKVM_QMP_COMMANDS_COMMANDS_H

#include <jansson.h>

#include "qmp/dispatch.h"

struct vm;

extern const struct qmp_module qmp_module_control;
extern const struct qmp_module qmp_module_run_state;
extern const struct qmp_module qmp_module_machine;
extern const struct qmp_module qmp_module_trace;
extern const struct qmp_module qmp_module_hmp;

/* Every module, in documentation order; NULL-terminated. */
extern const struct qmp_module *const qmp_all_modules[];

/* Registers the modules every VM has, with `vm` as their handlers' opaque. */
int qmp_register_builtin(struct qmp_registry *r, struct vm *vm);

/* QAPI VersionInfo: {"qemu": {"major", "minor", "micro"}, "package"} for xkvm. */
json_t *qmp_version_info(void);

#endif
