/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPU hot-plug over QMP (QEMU's qapi/machine.json and acpi.json): the slots and their
 * properties, device_add for CPUs (called from qdev.c), the guest's _OST reports.
 */
#include <stdio.h>
#include <string.h>

#include "qmp/commands/commands.h"
#include "vcpu/hotplug.h"
#include "vcpu/vcpu.h"
#include "vm/vm.h"

int qmp_cpu_device_add(struct qmp_call *c, struct vm *vm, json_t *args);

struct topo_prop {
	const char *name;
	unsigned count;
	bool optional_if_one; /* die-id: optional when there is one die (as in QEMU) */
	long long val;
};

int qmp_cpu_device_add(struct qmp_call *c, struct vm *vm, json_t *args)
{
	const struct cpu_topo *t = &vm->topo;
	struct topo_prop p[] = {
		{ "socket-id", t->sockets, false, -1 },
		{ "die-id", t->dies, true, -1 },
		{ "core-id", t->cores, false, -1 },
		{ "thread-id", t->threads, false, -1 },
	};
	const char *driver = qmp_arg_str(args, "driver", "");
	const char *id = qmp_arg_str(args, "id", NULL);
	const char *key;
	unsigned slot = 0;
	json_t *v;
	char err[256];

	if (!vm->cpu_hotplug)
		return qmp_fail(c, QMP_ERROR_GENERIC, "CPU hot-plug is not available");
	json_object_foreach(args, key, v) {
		bool known = !strcmp(key, "driver") || !strcmp(key, "id");

		for (size_t i = 0; i < QMP_ARRAY_SIZE(p) && !known; i++) {
			if (strcmp(key, p[i].name))
				continue;
			known = true;
			if (!json_is_integer(v))
				return qmp_fail(c, QMP_ERROR_GENERIC,
						"Invalid parameter type for '%s', expected: integer", key);
			p[i].val = json_integer_value(v);
		}
		if (!known && !strcmp(key, "node-id")) {
			if (!json_is_integer(v))
				return qmp_fail(c, QMP_ERROR_GENERIC,
						"Invalid parameter type for 'node-id', expected: integer");
			if (json_integer_value(v) != 0)
				return qmp_fail(c, QMP_ERROR_GENERIC,
						"node-id=%lld must match numa node specified with -numa "
						"option", (long long)json_integer_value(v));
			known = true;
		}
		if (!known)
			return qmp_fail(c, QMP_ERROR_GENERIC, "Property '%s.%s' not found", driver, key);
	}
	for (size_t i = 0; i < QMP_ARRAY_SIZE(p); i++) {
		if (p[i].val < 0 && p[i].optional_if_one && p[i].count == 1)
			p[i].val = 0;
		if (p[i].val < 0)
			return qmp_fail(c, QMP_ERROR_GENERIC, "CPU %s is not set", p[i].name);
		if (p[i].val > (long long)p[i].count - 1)
			return qmp_fail(c, QMP_ERROR_GENERIC, "Invalid CPU %s: %lld must be in range 0:%u",
					p[i].name, p[i].val, p[i].count - 1);
		slot = slot * p[i].count + (unsigned)p[i].val;
	}
	if (cpu_hotplug_add(vm->cpu_hotplug, slot, id, err, sizeof(err)) < 0)
		return qmp_fail(c, QMP_ERROR_GENERIC, "%s", err);
	return 0;
}

static int query_hotpluggable_cpus(struct qmp_call *c, json_t *args)
{
	struct vm *vm = c->opaque;
	json_t *list = json_array();
	char type[64];

	(void)args;
	if (!list)
		return -1;
	qmp_cpu_type(vm, type, sizeof(type));
	/* Highest slot first, as QEMU lists them. */
	for (unsigned i = vm->max_vcpus; i-- > 0;) {
		json_t *e = json_pack("{s:s, s:i, s:o}", "type", type, "vcpus-count", 1, "props",
				      qmp_cpu_props(&vm->topo, i));

		if (vm->cpu_hotplug && cpuhp_slot_state(&vm->cpu_hotplug->regs, i).present) {
			char path[CPU_HOTPLUG_ID_MAX + 32];
			cpu_hotplug_qom_path(vm->cpu_hotplug, i, path, sizeof(path));
			json_object_set_new(e, "qom-path", json_string(path));
		}
		json_array_append_new(list, e);
	}
	c->ret = list;
	return 0;
}

static int query_acpi_ospm_status(struct qmp_call *c, json_t *args)
{
	struct vm *vm = c->opaque;
	json_t *list = json_array();

	(void)args;
	if (!list)
		return -1;
	for (unsigned i = 0; vm->cpu_hotplug && i < vm->max_vcpus; i++) {
		struct cpuhp_slot s = cpuhp_slot_state(&vm->cpu_hotplug->regs, i);
		char slot[16];
		json_t *e;

		snprintf(slot, sizeof(slot), "%u", i);
		e = json_pack("{s:s, s:s, s:I, s:I}", "slot", slot, "slot-type", "CPU", "source",
			      (json_int_t)s.ost_event, "status", (json_int_t)s.ost_status);
		if (s.present && vm->cpu_hotplug->id[i][0])
			json_object_set_new(e, "device", json_string(vm->cpu_hotplug->id[i]));
		json_array_append_new(list, e);
	}
	c->ret = list;
	return 0;
}

static const struct qmp_command commands[] = {
	{
		.name = "query-hotpluggable-cpus",
		.fn = query_hotpluggable_cpus,
		.returns = "[{\"type\": str, \"vcpus-count\": 1, \"props\": {\"socket-id\": int, "
			   "\"core-id\": int, \"thread-id\": int}, \"qom-path\": str (plugged only)}]",
		.doc = "Every CPU slot, highest first; device_add takes \"type\" as its driver and "
		       "\"props\" as its properties.",
	},
	{
		.name = "query-acpi-ospm-status",
		.fn = query_acpi_ospm_status,
		.returns = "[{\"device\": str (hot-added, present), \"slot\": str, \"slot-type\": "
			   "\"CPU\", \"source\": int, \"status\": int}]",
		.doc = "The last _OST event and status the guest reported for each CPU slot.",
	},
};

static const struct qmp_event_def events[] = {
	{ .name = "ACPI_DEVICE_OST",
	  .data = "{\"info\": {\"device\": str (when it has an id), \"slot\": str, \"slot-type\": "
		  "\"CPU\", \"source\": int, \"status\": int}}",
	  .doc = "The guest reported _OST for a CPU slot (source 1 insert, 3 eject request; "
		 "status 0 success, 0x82 busy, 0x84 eject in progress, ...)." },
};

const struct qmp_module qmp_module_cpu_hotplug = {
	.name = "cpu-hotplug",
	.doc = "vCPU hot-plug (QEMU's qapi/machine.json, acpi.json); device_add/device_del "
	       "are in the qdev module.",
	.commands = commands,
	.nr_commands = QMP_ARRAY_SIZE(commands),
	.events = events,
	.nr_events = QMP_ARRAY_SIZE(events),
};
