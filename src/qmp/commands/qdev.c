/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * device_add / device_del (QEMU's qapi/qdev.json).  Like QEMU's, device_add takes the
 * device's properties as free-form members ('gen': false): the driver named by "driver"
 * checks them.  xkvm hot-plugs CPUs; other devices are cold-plugged only.
 */
#include <stdio.h>
#include <string.h>

#include "qmp/commands/commands.h"
#include "vcpu/hotplug.h"
#include "vm/vm.h"

int qmp_cpu_device_add(struct qmp_call *c, struct vm *vm, json_t *args);

/* QEMU's id_wellformed(): a letter, then letters, digits, '-', '.', '_'. */
static bool id_wellformed(const char *id)
{
	if (!((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z')))
		return false;
	for (const char *p = id + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_'))
			return false;
	return true;
}

void qmp_cpu_type(struct vm *vm, char *buf, size_t len)
{
	snprintf(buf, len, "%s-x86_64-cpu", vm->cfg->cpu_model);
}

static bool is_cold_plug_driver(const char *d)
{
	static const char *const drivers[] = { "isa-debug-exit", "xkvm-ucall", "virtio-blk-pci",
					       "isa-serial", NULL };

	for (unsigned i = 0; drivers[i]; i++)
		if (!strcmp(d, drivers[i]))
			return true;
	return false;
}

static int device_add(struct qmp_call *c, json_t *args)
{
	struct vm *vm = c->opaque;
	const char *driver = qmp_arg_str(args, "driver", "");
	const char *id = qmp_arg_str(args, "id", NULL);
	size_t dlen = strlen(driver);
	char cpu_type[64];

	if (id && !id_wellformed(id))
		return qmp_fail(c, QMP_ERROR_GENERIC, "Parameter 'id' expects an identifier");
	qmp_cpu_type(vm, cpu_type, sizeof(cpu_type));
	if (dlen > 11 && !strcmp(driver + dlen - 11, "-x86_64-cpu")) {
		if (strcmp(driver, cpu_type))
			return qmp_fail(c, QMP_ERROR_GENERIC,
					"Invalid CPU type, expected cpu type: '%s'", cpu_type);
		return qmp_cpu_device_add(c, vm, args);
	}
	if (is_cold_plug_driver(driver))
		return qmp_fail(c, QMP_ERROR_GENERIC,
				"Device '%s' can not be hotplugged on this machine", driver);
	return qmp_fail(c, QMP_ERROR_GENERIC, "'%s' is not a valid device model name", driver);
}

static int device_del(struct qmp_call *c, json_t *args)
{
	struct vm *vm = c->opaque;
	const char *id = qmp_arg_str(args, "id", "");
	char err[256];
	int slot = vm->cpu_hotplug ? cpu_hotplug_find(vm->cpu_hotplug, id) : -1;

	if (slot < 0)
		return qmp_fail(c, QMP_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", id);
	if (cpu_hotplug_del(vm->cpu_hotplug, (unsigned)slot, err, sizeof(err)) < 0)
		return qmp_fail(c, QMP_ERROR_GENERIC, "%s", err);
	return 0;
}

static const struct qmp_arg device_add_args[] = {
	{ .name = "driver", .type = QMP_TYPE_STR, .doc = "the device model, e.g. host-x86_64-cpu" },
	{ .name = "id", .type = QMP_TYPE_STR, .optional = true, .doc = "the device's name" },
	{ .name = NULL },
};

static const struct qmp_arg device_del_args[] = {
	{ .name = "id", .type = QMP_TYPE_STR, .doc = "a device_add id, or a CPU's QOM path" },
	{ .name = NULL },
};

static const struct qmp_command commands[] = {
	{
		.name = "device_add",
		.fn = device_add,
		.args = device_add_args,
		.flags = QMP_CMD_OPEN_ARGS,
		.doc = "Add a device; its properties are further members.  CPUs are hot-plugged "
		       "with the driver and props query-hotpluggable-cpus lists "
		       "({\"driver\": \"host-x86_64-cpu\", \"id\": \"cpu1\", \"socket-id\": 0, "
		       "\"core-id\": 1, \"thread-id\": 0}); the guest is notified through the GED "
		       "and brings the CPU up.  Other devices are cold-plugged only.",
	},
	{
		.name = "device_del",
		.fn = device_del,
		.args = device_del_args,
		.doc = "Ask the guest to release a device: a hot-added CPU by its id, any other "
		       "CPU but the boot CPU by its QOM path.  Returns at once; DEVICE_DELETED "
		       "follows when the guest has ejected it.",
	},
};

static const struct qmp_event_def events[] = {
	{ .name = "DEVICE_DELETED",
	  .data = "{\"device\": str (when it has an id), \"path\": str}",
	  .doc = "The guest ejected a device (after device_del); its vCPU is parked." },
};

const struct qmp_module qmp_module_qdev = {
	.name = "qdev",
	.doc = "Device hot-plug (QEMU's qapi/qdev.json).",
	.commands = commands,
	.nr_commands = QMP_ARRAY_SIZE(commands),
	.events = events,
	.nr_events = QMP_ARRAY_SIZE(events),
};
