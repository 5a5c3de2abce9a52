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
#include <stddef.h>

#include "qmp/dispatch.h"

struct vm;

extern const struct qmp_module qmp_module_control;
extern const struct qmp_module qmp_module_run_state;
extern const struct qmp_module qmp_module_machine;
extern const struct qmp_module qmp_module_trace;
extern const struct qmp_module qmp_module_hmp;
extern const struct qmp_module qmp_module_qdev;
extern const struct qmp_module qmp_module_cpu_hotplug;
extern const struct qmp_module qmp_module_irq;

/* Every module, in documentation order; NULL-terminated. */
extern const struct qmp_module *const qmp_all_modules[];

/* Registers the modules every VM has, with `vm` as their handlers' opaque. */
int qmp_register_builtin(struct qmp_registry *r, struct vm *vm);

/* x86 CpuInstanceProperties of the vCPU slot `index` (socket-id, core-id, thread-id; die-id
 * when there is more than one die), as QEMU derives them. */
struct cpu_topo;
json_t *qmp_cpu_props(const struct cpu_topo *t, unsigned index);
/* QOM type of our CPUs: "<model>-x86_64-cpu" for -cpu <model>. */
void qmp_cpu_type(struct vm *vm, char *buf, size_t len);

/* QAPI VersionInfo: {"qemu": {"major", "minor", "micro"}, "package"} for xkvm. */
json_t *qmp_version_info(void);

#endif
