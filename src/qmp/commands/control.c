/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Protocol commands (QEMU's qapi/control.json): capabilities negotiation, the version,
 * the command list.
 */
#include <stdio.h>

#include "qmp/commands/commands.h"
#include "xkvm-config.h"

static const char *const qmp_capability_values[] = { "oob", NULL };

json_t *qmp_version_info(void)
{
	int major = 0, minor = 0, micro = 0;

	sscanf(XKVM_VERSION, "%d.%d.%d", &major, &minor, &micro);
	return json_pack("{s:{s:i, s:i, s:i}, s:s}", "qemu", "major", major, "minor", minor,
			 "micro", micro, "package", "xkvm " XKVM_VERSION);
}

static int qmp_capabilities(struct qmp_call *c, json_t *args)
{
	json_t *enable = json_object_get(args, "enable");

	if (c->session->negotiated)
		return qmp_fail(c, QMP_ERROR_COMMAND_NOT_FOUND,
				"Capabilities negotiation is already complete, command ignored");
	/* The schema's only capability is "oob", which we do not offer. */
	if (json_array_size(enable))
		return qmp_fail(c, QMP_ERROR_GENERIC, "Capability oob not available");
	c->session->negotiated = true;
	return 0;
}

static int query_version(struct qmp_call *c, json_t *args)
{
	(void)args;
	c->ret = qmp_version_info();
	return 0;
}

static int query_commands(struct qmp_call *c, json_t *args)
{
	json_t *list = json_array();

	(void)args;
	for (size_t i = 0; list && i < c->registry->nr_cmds; i++)
		json_array_append_new(list, json_pack("{s:s}", "name", c->registry->cmds[i].cmd->name));
	c->ret = list;
	return list ? 0 : -1;
}

static const struct qmp_command commands[] = {
	{
		.name = "qmp_capabilities",
		.fn = qmp_capabilities,
		.args = (const struct qmp_arg[]){
			{ "enable", QMP_TYPE_ARRAY, true, QMP_TYPE_ENUM, qmp_capability_values,
			  "capabilities to enable; xkvm offers none (the greeting lists [])" },
			{ NULL },
		},
		.flags = QMP_CMD_CAP_MODE,
		.returns = "{}",
		.doc = "Leaves capabilities-negotiation mode; the only command accepted before it. "
		       "A second call fails with CommandNotFound, as in QEMU.",
	},
	{
		.name = "query-version",
		.fn = query_version,
		.returns = "{\"qemu\": {\"major\": int, \"minor\": int, \"micro\": int}, \"package\": str}",
		.doc = "xkvm's version in QEMU's VersionInfo shape: the numbers are xkvm's own, "
		       "`package` is \"xkvm VERSION\".",
	},
	{
		.name = "query-commands",
		.fn = query_commands,
		.returns = "[{\"name\": str}]",
		.doc = "Every command this VM accepts, including those registered by optional "
		       "areas.",
	},
};

const struct qmp_module qmp_module_control = {
	.name = "control",
	.doc = "The protocol itself (QEMU's qapi/control.json).",
	.commands = commands,
	.nr_commands = QMP_ARRAY_SIZE(commands),
};
