/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal to the hypercall handlers (xen/ *_ops.c): the per-call context and the
 * copy helpers that turn a bad guest pointer into -EFAULT.  Not for the rest of xkvm:
 * use xen/hypercall.h.
 */
#ifndef XKVM_XEN_HCALL_OPS_H
#define XKVM_XEN_HCALL_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "xen/domain.h"
#include "xen/hypercall.h"

struct xen_hcall_ctx {
	struct xen_domain *x;
	const struct xen_hcall *hc;
	const struct xen_guest_access *ga;
};

/* 0 or -XEN_EFAULT. */
int xen_copy_from_guest(const struct xen_hcall_ctx *c, uint64_t gva, void *buf, size_t len);
int xen_copy_to_guest(const struct xen_hcall_ctx *c, uint64_t gva, const void *buf, size_t len);
/* 0 or -XEN_EFAULT. */
int xen_guest_translate(const struct xen_hcall_ctx *c, uint64_t gva, uint64_t *gpa);

/* DOMID_SELF or the guest's own id. */
bool xen_is_self(const struct xen_hcall_ctx *c, domid_t dom);

/* One entry point per hypercall served; each reads its own arguments from c->hc. */
int64_t xen_hcall_event_channel_op(struct xen_hcall_ctx *c);
int64_t xen_hcall_vcpu_op(struct xen_hcall_ctx *c);
int64_t xen_hcall_set_timer_op(struct xen_hcall_ctx *c);
int64_t xen_hcall_hvm_op(struct xen_hcall_ctx *c);
int64_t xen_hcall_memory_op(struct xen_hcall_ctx *c);
int64_t xen_hcall_xen_version(struct xen_hcall_ctx *c);
int64_t xen_hcall_sched_op(struct xen_hcall_ctx *c);
int64_t xen_hcall_console_io(struct xen_hcall_ctx *c);

#endif
