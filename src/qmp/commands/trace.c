/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace control over QMP (QEMU's qapi/trace.json), on the events declared in
 * src/trace/trace-events.  Names are globs (fnmatch: '*', '?', '[...]'); a name without
 * glob characters must name an event.  No xkvm event is vCPU-specific, so `vcpu`
 * selects nothing (QEMU's answers for that case).
 */
#include <fnmatch.h>
#include <inttypes.h>
#include <string.h>

#include "qmp/commands/commands.h"
#include "vcpu/vcpu.h"
#include "vm/vm.h"

static bool is_pattern(const char *name)
{
	return strpbrk(name, "*?[") != NULL;
}

static bool vcpu_exists(struct vm *vm, int64_t index)
{
	bool ok;

	if (index < 0 || index >= (int64_t)vm->max_vcpus)
		return false;
	pthread_mutex_lock(&vm->vcpu_lock);
	ok = vm->vcpu[index] && vm->vcpu[index]->state == VCPU_RUNNING;
	pthread_mutex_unlock(&vm->vcpu_lock);
	return ok;
}

/* QEMU's checks, in its order: the vCPU, then the event name. */
static int check(struct qmp_call *c, json_t *args, const char *name)
{
	struct vm *vm = c->opaque;
	bool has_vcpu = qmp_arg_has(args, "vcpu");

	if (has_vcpu && !vcpu_exists(vm, qmp_arg_int(args, "vcpu", 0)))
		return qmp_fail(c, QMP_ERROR_GENERIC, "invalid vCPU index %" PRId64,
				qmp_arg_int(args, "vcpu", 0));
	if (!is_pattern(name)) {
		if (trace_lookup(name) < 0)
			return qmp_fail(c, QMP_ERROR_GENERIC, "unknown event \"%s\"", name);
		if (has_vcpu)
			return qmp_fail(c, QMP_ERROR_GENERIC, "event \"%s\" is not vCPU-specific",
					name);
	}
	return 0;
}

static const char *state_name(struct vm *vm, unsigned id)
{
	return trace_event_enabled(&vm->trace, id) ? "enabled" : "disabled";
}

static int get_state(struct qmp_call *c, json_t *args)
{
	struct vm *vm = c->opaque;
	const char *name = qmp_arg_str(args, "name", "");
	json_t *list;

	if (check(c, args, name) < 0)
		return -1;
	if (!(list = json_array()))
		return -1;
	for (unsigned i = 0; i < TRACE_EVENT_COUNT && !qmp_arg_has(args, "vcpu"); i++)
		if (fnmatch(name, trace_event_descs[i].name, 0) == 0)
			json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "name",
				trace_event_descs[i].name, "state", state_name(vm, i), "vcpu", 0));
	c->ret = list;
	return 0;
}

static int set_state(struct qmp_call *c, json_t *args)
{
	struct vm *vm = c->opaque;
	const char *name = qmp_arg_str(args, "name", "");
	bool enable = qmp_arg_bool(args, "enable", false);

	if (check(c, args, name) < 0)
		return -1;
	if (!qmp_arg_has(args, "vcpu"))
		trace_enable_pattern(&vm->trace, name, enable);
	return 0;
}

static int event_list(struct qmp_call *c, json_t *args)
{
	struct vm *vm = c->opaque;
	const char *pattern = qmp_arg_str(args, "name", "*");
	json_t *list = json_array();

	if (!list)
		return -1;
	for (unsigned i = 0; i < TRACE_EVENT_COUNT; i++)
		if (fnmatch(pattern, trace_event_descs[i].name, 0) == 0)
			json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "name",
				trace_event_descs[i].name, "format", trace_event_descs[i].fmt,
				"state", state_name(vm, i)));
	c->ret = list;
	return 0;
}

static const struct qmp_command commands[] = {
	{
		.name = "trace-event-get-state",
		.fn = get_state,
		.args = (const struct qmp_arg[]){
			{ "name", QMP_TYPE_STR, false, .doc = "event name or glob" },
			{ "vcpu", QMP_TYPE_INT, true, .doc = "vCPU index (no xkvm event is "
			  "vCPU-specific: selects none)" },
			{ NULL },
		},
		.returns = "[{\"name\": str, \"state\": \"enabled\"|\"disabled\", \"vcpu\": false}]",
		.doc = "The state of the matching trace events.",
	},
	{
		.name = "trace-event-set-state",
		.fn = set_state,
		.args = (const struct qmp_arg[]){
			{ "name", QMP_TYPE_STR, false, .doc = "event name or glob" },
			{ "enable", QMP_TYPE_BOOL, false, .doc = "on or off" },
			{ "ignore-unavailable", QMP_TYPE_BOOL, true,
			  .doc = "accepted; every xkvm event is available" },
			{ "vcpu", QMP_TYPE_INT, true, .doc = "vCPU index (selects none)" },
			{ NULL },
		},
		.returns = "{}",
		.doc = "Turns the matching trace events on or off; they are written to the -D log "
		       "(docs/trace-events.md).",
	},
	{
		.name = QMP_XKVM_PREFIX "trace-event-list",
		.fn = event_list,
		.args = (const struct qmp_arg[]){
			{ "name", QMP_TYPE_STR, true, .doc = "glob (default \"*\")" },
			{ NULL },
		},
		.returns = "[{\"name\": str, \"format\": str, \"state\": \"enabled\"|\"disabled\"}]",
		.doc = "The declared trace events with their printf formats (QEMU's way to list "
		       "them is trace-event-get-state with name \"*\", without formats).",
	},
};

const struct qmp_module qmp_module_trace = {
	.name = "trace",
	.doc = "Trace events (QEMU's qapi/trace.json).",
	.commands = commands,
	.nr_commands = QMP_ARRAY_SIZE(commands),
};
