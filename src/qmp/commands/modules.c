/* SPDX-License-Identifier: GPL-2.0-only */
#include "qmp/commands/commands.h"
#include "xen/qmp.h"

const struct qmp_module *const qmp_all_modules[] = {
	&qmp_module_control,
	&qmp_module_run_state,
	&qmp_module_machine,
	&qmp_module_trace,
	&qmp_module_hmp,
	&qmp_module_qdev,
	&qmp_module_cpu_hotplug,
	&qmp_module_xen,        /* registered by xen/vmm.c when the Xen ABI is on */
	&qmp_module_irq,
	NULL,
};

int qmp_register_builtin(struct qmp_registry *r, struct vm *vm)
{
	static const struct qmp_module *const builtin[] = {
		&qmp_module_control, &qmp_module_run_state, &qmp_module_machine,
		&qmp_module_trace, &qmp_module_hmp, &qmp_module_qdev, &qmp_module_cpu_hotplug,
		&qmp_module_irq,
	};

	for (size_t i = 0; i < QMP_ARRAY_SIZE(builtin); i++) {
		int ret = qmp_register_module(r, builtin[i], vm);
		if (ret < 0)
			return ret;
	}
	return 0;
}
