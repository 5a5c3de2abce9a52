/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interrupt fabric over QMP (xkvm extensions, QAPI downstream naming): the per-vCPU
 * route index (irq/vcpu_index.h) and the event sent when a vCPU leaves with routes still
 * aimed at it.
 */
#include "irq/routing.h"
#include "qmp/commands/commands.h"
#include "vm/vm.h"

static int query_vcpu_routes(struct qmp_call *c, json_t *args)
{
	struct vm *vm = c->opaque;

	(void)args;
	if (!vm->irq)
		return qmp_fail(c, QMP_ERROR_GENERIC, "this VM has no interrupt router");
	c->ret = irq_qmp_query_vcpu_routes(vm);
	return c->ret ? 0 : qmp_fail(c, QMP_ERROR_GENERIC, "out of memory");
}

#define ROUTE_SHAPE "{\"device\": str, \"vector\": int, \"gsi\": int (when it has one), " \
		    "\"mode\": \"irqfd\" | \"emulated\", \"masked\": bool, \"pending\": bool, " \
		    "\"dest-id\": int, \"dest-mode\": \"physical\" | \"logical\", \"delivery\": str, " \
		    "\"lowest-priority\": bool, \"guest-vector\": int, \"targets\": int}"

static const struct qmp_command commands[] = {
	{
		.name = QMP_XKVM_PREFIX "query-vcpu-routes",
		.fn = query_vcpu_routes,
		.returns = "[{\"cpu-index\": int, \"apic-id\": int, \"present\": bool, \"x2apic\": bool, "
			   "\"routes\": [" ROUTE_SHAPE "]}]",
		.doc = "The per-vCPU route index: for every present vCPU (and every absent one still "
		       "listed by a route), the device interrupt vectors whose MSI destination "
		       "includes it, as the guest programmed them (docs/specs/msix.md). The vCPUs' "
		       "LAPIC state (x2APIC mode, logical IDs) is re-read first, pausing them for a "
		       "few ioctls if they run.",
	},
};

static const struct qmp_event_def events[] = {
	{ .name = QMP_XKVM_PREFIX "VCPU_ROUTES_LEFT",
	  .data = "{\"cpu-index\": int, \"routes\": [" ROUTE_SHAPE "]}",
	  .doc = "A vCPU was removed (ejected) while interrupt routes still targeted it; they "
		 "stay valid but deliver nothing to it until the guest retargets them." },
};

const struct qmp_module qmp_module_irq = {
	.name = "irq",
	.doc = "The interrupt fabric (xkvm extensions): MSI-X routes and the vCPUs they target.",
	.commands = commands,
	.nr_commands = QMP_ARRAY_SIZE(commands),
	.events = events,
	.nr_events = QMP_ARRAY_SIZE(events),
};
