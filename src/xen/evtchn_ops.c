/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * __HYPERVISOR_event_channel_op(cmd, arg): copy the argument in, run the engine, copy
 * the OUT fields back.  As in Xen, a failure to copy back after the operation succeeded
 * still reports -EFAULT (the binding stays: "cleaning up here would be a mess").
 * Every argument structure has the same layout for 32- and 64-bit callers.
 */
#include <stdbool.h>

#include "xen/hcall_ops.h"

/* Argument size of each command served, 0 for the others. */
static size_t arg_size(uint32_t cmd)
{
	switch (cmd) {
	case EVTCHNOP_alloc_unbound: return sizeof(struct evtchn_alloc_unbound);
	case EVTCHNOP_bind_interdomain: return sizeof(struct evtchn_bind_interdomain);
	case EVTCHNOP_bind_virq: return sizeof(struct evtchn_bind_virq);
	case EVTCHNOP_bind_ipi: return sizeof(struct evtchn_bind_ipi);
	case EVTCHNOP_status: return sizeof(struct evtchn_status);
	case EVTCHNOP_close: return sizeof(struct evtchn_close);
	case EVTCHNOP_send: return sizeof(struct evtchn_send);
	case EVTCHNOP_unmask: return sizeof(struct evtchn_unmask);
	case EVTCHNOP_bind_vcpu: return sizeof(struct evtchn_bind_vcpu);
	case EVTCHNOP_reset: return sizeof(struct evtchn_reset);
	/* EVTCHNOP_bind_pirq: no PIRQs (XENFEAT_hvm_pirqs is not offered).
	 * EVTCHNOP_init_control, _expand_array, _set_priority: the FIFO ABI; -ENOSYS is
	 * what makes guests fall back to 2-level. */
	default: return 0;
	}
}

static const char *op_name(uint32_t cmd)
{
	static const char *const names[] = {
		[EVTCHNOP_bind_interdomain] = "bind_interdomain",
		[EVTCHNOP_bind_virq] = "bind_virq",
		[EVTCHNOP_bind_pirq] = "bind_pirq",
		[EVTCHNOP_close] = "close",
		[EVTCHNOP_send] = "send",
		[EVTCHNOP_status] = "status",
		[EVTCHNOP_alloc_unbound] = "alloc_unbound",
		[EVTCHNOP_bind_ipi] = "bind_ipi",
		[EVTCHNOP_bind_vcpu] = "bind_vcpu",
		[EVTCHNOP_unmask] = "unmask",
		[EVTCHNOP_reset] = "reset",
	};
	return cmd < sizeof(names) / sizeof(names[0]) && names[cmd] ? names[cmd] : "?";
}

union evtchn_arg {
	struct evtchn_alloc_unbound alloc_unbound;
	struct evtchn_bind_interdomain bind_interdomain;
	struct evtchn_bind_virq bind_virq;
	struct evtchn_bind_ipi bind_ipi;
	struct evtchn_status status;
	struct evtchn_close close;
	struct evtchn_send send;
	struct evtchn_unmask unmask;
	struct evtchn_bind_vcpu bind_vcpu;
	struct evtchn_reset reset;
};

/* The port an op named or allocated, for the trace. */
static unsigned port_of(uint32_t cmd, const union evtchn_arg *a)
{
	switch (cmd) {
	case EVTCHNOP_alloc_unbound: return a->alloc_unbound.port;
	case EVTCHNOP_bind_interdomain: return a->bind_interdomain.local_port;
	case EVTCHNOP_bind_virq: return a->bind_virq.port;
	case EVTCHNOP_bind_ipi: return a->bind_ipi.port;
	case EVTCHNOP_status: return a->status.port;
	case EVTCHNOP_close: return a->close.port;
	case EVTCHNOP_send: return a->send.port;
	case EVTCHNOP_unmask: return a->unmask.port;
	case EVTCHNOP_bind_vcpu: return a->bind_vcpu.port;
	default: return 0;
	}
}

int64_t xen_hcall_event_channel_op(struct xen_hcall_ctx *c)
{
	struct evtchn_state *e = &c->x->evtchn;
	const uint64_t arg = c->hc->arg[1];
	union evtchn_arg a;
	uint32_t cmd;
	size_t len;
	bool out = true; /* the op has OUT fields to copy back */
	int ret;

	cmd = (uint32_t)c->hc->arg[0]; /* an int in Xen's prototype: upper half ignored */
	if (!(len = arg_size(cmd)))
		return -XEN_ENOSYS;
	if ((ret = xen_copy_from_guest(c, arg, &a, len)))
		return ret;
	switch (cmd) {
	case EVTCHNOP_alloc_unbound:
		ret = evtchn_alloc_unbound(e, &a.alloc_unbound);
		break;
	case EVTCHNOP_bind_interdomain:
		ret = evtchn_bind_interdomain(e, &a.bind_interdomain);
		break;
	case EVTCHNOP_bind_virq:
		ret = evtchn_bind_virq(e, &a.bind_virq);
		break;
	case EVTCHNOP_bind_ipi:
		ret = evtchn_bind_ipi(e, &a.bind_ipi);
		break;
	case EVTCHNOP_status:
		ret = evtchn_status(e, &a.status);
		break;
	case EVTCHNOP_close:
		ret = evtchn_close(e, a.close.port);
		out = false;
		break;
	case EVTCHNOP_send:
		ret = evtchn_send(e, a.send.port);
		out = false;
		break;
	case EVTCHNOP_unmask:
		ret = evtchn_unmask(e, a.unmask.port);
		out = false;
		break;
	case EVTCHNOP_bind_vcpu:
		ret = evtchn_bind_vcpu(e, a.bind_vcpu.port, a.bind_vcpu.vcpu);
		out = false;
		break;
	default: /* EVTCHNOP_reset (and xkvm's back-end channels connected again) */
		ret = xen_domain_evtchn_reset(c->x, a.reset.dom);
		out = false;
		break;
	}
	if (!ret && out)
		ret = xen_copy_to_guest(c, arg, &a, len);
	if (c->x->trace)
		trace_xen_evtchn_op(c->x->trace, c->hc->vcpu, op_name(cmd), port_of(cmd, &a), ret);
	return ret;
}
