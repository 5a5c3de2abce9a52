/* SPDX-License-Identifier: GPL-2.0-only */
/* The machine (QEMU's qapi/machine.json, misc.json): its name and its vCPUs. */
#include <stdio.h>

#include "qmp/commands/commands.h"
#include "vcpu/hotplug.h"
#include "vcpu/vcpu.h"
#include "vm/vm.h"

static int query_name(struct qmp_call *c, json_t *args)
{
	struct vm *vm = c->opaque;

	(void)args;
	c->ret = vm->cfg->name ? json_pack("{s:s}", "name", vm->cfg->name) : json_object();
	return c->ret ? 0 : -1;
}

/* x86 CpuInstanceProperties of the vCPU at `index`, as QEMU derives them: die-id only
 * when there is more than one die. */
json_t *qmp_cpu_props(const struct cpu_topo *t, unsigned index)
{
	unsigned threads = t->threads ? t->threads : 1, cores = t->cores ? t->cores : 1;
	unsigned dies = t->dies ? t->dies : 1;
	json_t *p = json_pack("{s:i, s:i, s:i}", "core-id", (int)(index / threads % cores),
			      "thread-id", (int)(index % threads), "socket-id",
			      (int)(index / threads / cores / dies));

	if (p && dies > 1)
		json_object_set_new(p, "die-id", json_integer(index / threads / cores % dies));
	return p;
}

static int query_cpus_fast(struct qmp_call *c, json_t *args)
{
	struct vm *vm = c->opaque;
	json_t *list = json_array();

	(void)args;
	if (!list)
		return -1;
	pthread_mutex_lock(&vm->vcpu_lock);
	for (unsigned i = 0; i < vm->max_vcpus; i++) {
		struct vcpu *v = vm->vcpu[i];
		char path[64];

		if (!v || v->state != VCPU_RUNNING)
			continue;
		if (vm->cpu_hotplug)
			cpu_hotplug_qom_path(vm->cpu_hotplug, i, path, sizeof(path));
		else
			snprintf(path, sizeof(path), "/machine/unattached/device[%u]", i);
		json_array_append_new(list, json_pack("{s:i, s:o, s:s, s:i, s:s}",
			"thread-id", atomic_load(&v->tid), "props", qmp_cpu_props(&vm->topo, i),
			"qom-path", path, "cpu-index", (int)i, "target", "x86_64"));
	}
	pthread_mutex_unlock(&vm->vcpu_lock);
	c->ret = list;
	return 0;
}

static const struct qmp_command commands[] = {
	{
		.name = "query-name",
		.fn = query_name,
		.returns = "{\"name\": str} (no member without -name)",
		.doc = "The VM's name from -name.",
	},
	{
		.name = "query-cpus-fast",
		.fn = query_cpus_fast,
		.returns = "[{\"thread-id\": int, \"props\": {\"core-id\": int, \"thread-id\": int, "
			   "\"socket-id\": int}, \"qom-path\": str, \"cpu-index\": int, "
			   "\"target\": \"x86_64\"}]",
		.doc = "The present vCPUs: index, topology (die-id too when -smp has dies>1) and "
		       "the host thread id running each (0 until its thread starts).",
	},
};

const struct qmp_module qmp_module_machine = {
	.name = "machine",
	.doc = "The machine's identity and vCPUs (QEMU's qapi/machine.json, misc.json).",
	.commands = commands,
	.nr_commands = QMP_ARRAY_SIZE(commands),
};
