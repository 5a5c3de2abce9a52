/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Run state (QEMU's qapi/run-state.json, machine.json, misc.json): status, stop/cont,
 * reset, the power button, quit; and the events the VM emits as its state changes
 * (emitted by src/vm/vm.c through vm_emit_event(), POWERDOWN here).
 */
#include <errno.h>
#include <string.h>

#include "qmp/commands/commands.h"
#include "vm/vm.h"

static int query_status(struct qmp_call *c, json_t *args)
{
	struct vm *vm = c->opaque;

	(void)args;
	/* "singlestep" is in QEMU 7.2's StatusInfo (deprecated later); always false here. */
	c->ret = json_pack("{s:s, s:b, s:b}", "status", run_state_name(vm->state), "singlestep",
			   0, "running", vm->state == RUN_STATE_RUNNING);
	return c->ret ? 0 : -1;
}

static int stop(struct qmp_call *c, json_t *args)
{
	int ret = vm_stop(c->opaque);

	(void)args;
	if (ret < 0)
		return qmp_fail(c, QMP_ERROR_GENERIC, "stop: %s", strerror(-ret));
	return 0;
}

static int cont(struct qmp_call *c, json_t *args)
{
	int ret = vm_cont(c->opaque);

	(void)args;
	if (ret == -EAGAIN || ret == -EINVAL)
		return qmp_fail(c, QMP_ERROR_GENERIC, "Resetting the Virtual Machine is required");
	if (ret < 0)
		return qmp_fail(c, QMP_ERROR_GENERIC, "cont: %s", strerror(-ret));
	return 0;
}

static int system_reset(struct qmp_call *c, json_t *args)
{
	(void)args;
	vm_request_reset(c->opaque, SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
	return 0;
}

static int system_powerdown(struct qmp_call *c, json_t *args)
{
	struct vm *vm = c->opaque;
	int ret;

	(void)args;
	if (!vm->powerdown_fn)
		return qmp_fail(c, QMP_ERROR_GENERIC,
				"system_powerdown: this machine has no ACPI power button");
	vm_emit_event(vm, "POWERDOWN", NULL);
	ret = vm->powerdown_fn(vm->powerdown_opaque);
	if (ret < 0)
		return qmp_fail(c, QMP_ERROR_GENERIC, "system_powerdown: %s", strerror(-ret));
	return 0;
}

static int quit(struct qmp_call *c, json_t *args)
{
	(void)args;
	vm_request_shutdown(c->opaque, SHUTDOWN_CAUSE_HOST_QMP_QUIT, 0);
	return 0;
}

static const struct qmp_command commands[] = {
	{
		.name = "query-status",
		.fn = query_status,
		.returns = "{\"status\": RunState, \"singlestep\": bool, \"running\": bool}",
		.doc = "The run state: `prelaunch` (-S, before the first `cont`), `running`, "
		       "`paused`, `shutdown` (-no-shutdown after a power-off), `internal-error`.",
	},
	{
		.name = "stop",
		.fn = stop,
		.returns = "{}",
		.doc = "Pauses every vCPU and freezes kvmclock (the guest's clock does not advance "
		       "while stopped).  Emits STOP before the reply; no-op unless running.",
	},
	{
		.name = "cont",
		.fn = cont,
		.returns = "{}",
		.doc = "Resumes the vCPUs (restoring kvmclock) and emits RESUME; starts a VM "
		       "created with -S.  After a guest power-off under -no-shutdown, fails with "
		       "\"Resetting the Virtual Machine is required\".",
	},
	{
		.name = "system_reset",
		.fn = system_reset,
		.returns = "{}",
		.doc = "Resets the machine (devices, vCPUs, the kernel image reloaded) and emits "
		       "RESET (reason `host-qmp-system-reset`).  With -no-reboot the VM shuts "
		       "down instead, as QEMU does.",
	},
	{
		.name = "system_powerdown",
		.fn = system_powerdown,
		.returns = "{}",
		.doc = "Presses the ACPI power button: emits POWERDOWN and raises the GED "
		       "power-button event; the guest decides what to do.  Fails with "
		       "GenericError if the machine has no ACPI GED.",
	},
	{
		.name = "quit",
		.fn = quit,
		.returns = "{}",
		.doc = "Ends xkvm (exit status 0) after the reply; emits SHUTDOWN with reason "
		       "`host-qmp-quit`.",
	},
};

static const struct qmp_event_def events[] = {
	{ "SHUTDOWN", "{\"guest\": bool, \"reason\": ShutdownCause}",
	  "The VM is ending (or stopping, with -no-shutdown).  `reason`: `guest-shutdown` "
	  "(ACPI S5, ucall DONE), `guest-panic` (a failed guest test), `guest-reset` (with "
	  "-no-reboot), `host-qmp-quit`, `host-qmp-system-reset` (with -no-reboot), "
	  "`host-signal`." },
	{ "POWERDOWN", NULL, "system_powerdown pressed the power button." },
	{ "RESET", "{\"guest\": bool, \"reason\": ShutdownCause}",
	  "The machine was reset (`guest-reset` or `host-qmp-system-reset`)." },
	{ "STOP", NULL, "The vCPUs were paused (stop; or after SHUTDOWN with -no-shutdown)." },
	{ "RESUME", NULL, "The vCPUs run again (cont)." },
};

const struct qmp_module qmp_module_run_state = {
	.name = "run-state",
	.doc = "Running, pausing, resetting and ending the VM (QEMU's qapi/run-state.json, "
	       "machine.json, misc.json).",
	.commands = commands,
	.nr_commands = QMP_ARRAY_SIZE(commands),
	.events = events,
	.nr_events = QMP_ARRAY_SIZE(events),
};
