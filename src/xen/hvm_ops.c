/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * __HYPERVISOR_hvm_op (HVM parameters, the per-vCPU upcall vector) and
 * __HYPERVISOR_memory_op (placing shared_info).  Permissions and error numbers follow
 * Xen's arch/x86/hvm/hvm.c for a guest acting on itself.
 */
#include <string.h>

#include "xen/hcall_ops.h"

/* What a guest may read, and what it may write, about itself (Xen's
 * hvm_allow_get_param / hvm_allow_set_param). */
static bool param_readable(uint32_t i)
{
	switch (i) {
	case HVM_PARAM_CALLBACK_IRQ:
	case HVM_PARAM_VM86_TSS:
	case HVM_PARAM_VM86_TSS_SIZED:
	case HVM_PARAM_ACPI_IOPORTS_LOCATION:
	case HVM_PARAM_VM_GENERATION_ID_ADDR:
	case HVM_PARAM_STORE_PFN:
	case HVM_PARAM_STORE_EVTCHN:
	case HVM_PARAM_CONSOLE_PFN:
	case HVM_PARAM_CONSOLE_EVTCHN:
	case HVM_PARAM_ALTP2M:
	case HVM_PARAM_X87_FIP_WIDTH:
		return true;
	default:
		return false;
	}
}

static int param_writable(uint32_t i)
{
	switch (i) {
	case HVM_PARAM_CALLBACK_IRQ:
	case HVM_PARAM_VM86_TSS:
	case HVM_PARAM_VM86_TSS_SIZED:
	case HVM_PARAM_ACPI_IOPORTS_LOCATION:
	case HVM_PARAM_VM_GENERATION_ID_ADDR:
	case HVM_PARAM_STORE_EVTCHN:
	case HVM_PARAM_CONSOLE_EVTCHN:
	case HVM_PARAM_X87_FIP_WIDTH:
		return 0;
	case HVM_PARAM_ALTP2M:
		return -XEN_EEXIST; /* read-only */
	default:
		return -XEN_EPERM;
	}
}

/* HVMOP_set_param / get_param: the argument, checked as Xen checks it first. */
static int read_param_arg(struct xen_hcall_ctx *c, uint64_t arg, struct xen_hvm_param *p)
{
	int ret;

	if ((ret = xen_copy_from_guest(c, arg, p, sizeof(*p))))
		return ret;
	if (p->index >= HVM_NR_PARAMS)
		return -XEN_EINVAL;
	if (!xen_is_self(c, p->domid))
		return -XEN_ESRCH;
	return 0;
}

static int set_param(struct xen_hcall_ctx *c, uint64_t arg)
{
	struct xen_domain *x = c->x;
	struct xen_hvm_param p;
	int ret;

	if ((ret = read_param_arg(c, arg, &p)))
		return ret;
	if ((ret = param_writable(p.index)))
		return ret;
	if (p.index == HVM_PARAM_CALLBACK_IRQ) {
		/* Xen latches the guest's word size here too (hvm_latch_shinfo_size). */
		atomic_store(&x->long_mode, c->hc->long_mode);
		evtchn_set_long_mode(&x->evtchn, c->hc->long_mode);
		return xen_domain_set_callback(x, p.value);
	}
	pthread_mutex_lock(&x->lock);
	x->params[p.index] = p.value;
	pthread_mutex_unlock(&x->lock);
	return 0;
}

static int get_param(struct xen_hcall_ctx *c, uint64_t arg)
{
	struct xen_domain *x = c->x;
	struct xen_hvm_param p;
	int ret;

	if ((ret = read_param_arg(c, arg, &p)))
		return ret;
	if (!param_readable(p.index))
		return -XEN_EPERM;
	if (p.index == HVM_PARAM_CALLBACK_IRQ) {
		p.value = atomic_load(&x->callback_param);
	} else {
		pthread_mutex_lock(&x->lock);
		p.value = x->params[p.index];
		pthread_mutex_unlock(&x->lock);
	}
	return xen_copy_to_guest(c, arg, &p, sizeof(p));
}

static int set_upcall_vector(struct xen_hcall_ctx *c, uint64_t arg)
{
	struct xen_domain *x = c->x;
	struct xen_hvm_evtchn_upcall_vector u;
	int ret;

	if ((ret = xen_copy_from_guest(c, arg, &u, sizeof(u))))
		return ret;
	if (u.vector < 0x10)
		return -XEN_EINVAL;
	if (!evtchn_vcpu_present(&x->evtchn, u.vcpu))
		return -XEN_ENOENT;
	atomic_store(&x->vcpu[u.vcpu].upcall_vector, u.vector);
	/* Xen's hvm_assert_evtchn_irq(): deliver what is already pending. */
	if (evtchn_2l_upcall_pending(xen_domain_long_mode(x) ? &evtchn_2l_layout_64
							     : &evtchn_2l_layout_32,
				     xen_vcpu_info_ptr(&x->shinfo, u.vcpu)))
		xen_domain_upcall(x, u.vcpu);
	return 0;
}

int64_t xen_hcall_hvm_op(struct xen_hcall_ctx *c)
{
	const uint64_t arg = c->hc->arg[1];

	switch (c->hc->arg[0]) { /* unsigned long in Xen's prototype */
	case HVMOP_set_param:
		return set_param(c, arg);
	case HVMOP_get_param:
		return get_param(c, arg);
	case HVMOP_set_evtchn_upcall_vector:
		return set_upcall_vector(c, arg);
	default:
		/* HVMOP_pagetable_dying, _get_time, ... are not served. */
		return -XEN_ENOSYS;
	}
}

static int place_shared_info(struct xen_hcall_ctx *c, uint64_t idx, uint64_t gfn)
{
	struct xen_domain *x = c->x;
	uint64_t sec = 0;
	uint32_t nsec = 0;
	int ret;

	if (idx != 0)
		return -XEN_EINVAL; /* there is one shared_info frame */
	pthread_mutex_lock(&x->lock);
	evtchn_lock(&x->evtchn); /* no event lands in the old page after the copy */
	ret = xen_shinfo_place(&x->shinfo, gfn);
	evtchn_unlock(&x->evtchn);
	pthread_mutex_unlock(&x->lock);
	if (ret)
		return ret;
	if (x->ops->wallclock)
		x->ops->wallclock(x->opaque, &sec, &nsec);
	xen_shinfo_set_wallclock(&x->shinfo, xen_domain_long_mode(x), sec, nsec);
	/* The vcpu_info slots in the page need their clocks. */
	for (unsigned v = 0; v < x->cfg.max_vcpus; v++)
		if (evtchn_vcpu_present(&x->evtchn, v))
			xen_domain_update_time(x, v);
	/* vCPUs without their own vcpu_info just got one: deliver what they have. */
	xen_domain_reassert(x);
	return 0;
}

static int add_to_physmap(struct xen_hcall_ctx *c, uint64_t arg)
{
	uint16_t domid;
	uint32_t space;
	uint64_t idx, gpfn;
	int ret;

	if (c->hc->long_mode) {
		struct xen_add_to_physmap a;
		if ((ret = xen_copy_from_guest(c, arg, &a, sizeof(a))))
			return ret;
		domid = a.domid, space = a.space, idx = a.idx, gpfn = a.gpfn;
	} else {
		struct xen_add_to_physmap_compat a;
		if ((ret = xen_copy_from_guest(c, arg, &a, sizeof(a))))
			return ret;
		domid = a.domid, space = a.space, idx = a.idx, gpfn = a.gpfn;
	}
	if (!xen_is_self(c, domid))
		return -XEN_ESRCH;
	switch (space) {
	case XENMAPSPACE_shared_info:
		return place_shared_info(c, idx, gpfn);
	case XENMAPSPACE_grant_table:
		return -XEN_ENOSYS; /* no grant tables yet */
	case XENMAPSPACE_gmfn:
	case XENMAPSPACE_gmfn_range:
		return -XEN_EOPNOTSUPP; /* as QEMU: RAM is not remapped */
	case XENMAPSPACE_gmfn_foreign:
	case XENMAPSPACE_dev_mmio:
		return -XEN_EPERM;
	default:
		return -XEN_EINVAL;
	}
}

int64_t xen_hcall_memory_op(struct xen_hcall_ctx *c)
{
	switch (c->hc->arg[0]) { /* unsigned long; no continuation bits for this op */
	case XENMEM_add_to_physmap:
		return add_to_physmap(c, c->hc->arg[1]);
	default:
		/* Reservations, memory maps, the batch form...: not served. */
		return -XEN_ENOSYS;
	}
}
