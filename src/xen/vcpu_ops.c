/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * __HYPERVISOR_vcpu_op(cmd, vcpuid, arg) and __HYPERVISOR_set_timer_op(timeout): the
 * per-vCPU areas (vcpu_info, time info, runstate) and the singleshot timer.
 *
 * The time and runstate areas are registered by guest-virtual address; Xen re-walks the
 * page tables on every update, KVM and QEMU translate once and keep the guest-physical
 * address, which is what we do (guests register kernel addresses, which do not move).
 */
#include <string.h>

#include "xen/hcall_ops.h"

static int register_vcpu_info(struct xen_hcall_ctx *c, unsigned vcpu, uint64_t arg)
{
	struct xen_domain *x = c->x;
	struct vcpu_register_vcpu_info info;
	void *vi;
	uint64_t gpa;
	int ret;

	if ((ret = xen_copy_from_guest(c, arg, &info, sizeof(info))))
		return ret;
	/* Xen: the offset must stay inside the frame, and the address must not wrap. */
	if (info.offset >= XEN_PAGE_SIZE || info.mfn > (UINT64_MAX >> XEN_PAGE_SHIFT))
		return -XEN_EINVAL;
	gpa = (info.mfn << XEN_PAGE_SHIFT) + info.offset;
	pthread_mutex_lock(&x->lock);
	ret = xen_vcpu_info_register(&x->shinfo, vcpu, gpa, xen_domain_long_mode(x));
	pthread_mutex_unlock(&x->lock);
	if (ret)
		return ret;
	/* As Xen: flag every word pending on the new area so nothing is lost in the move;
	 * the guest gets one spurious scan. */
	vi = xen_vcpu_info_ptr(&x->shinfo, vcpu);
	xen_domain_update_time(x, vcpu);
	if (vi && evtchn_2l_kick(xen_domain_long_mode(x) ? &evtchn_2l_layout_64
							 : &evtchn_2l_layout_32, vi) ==
			  EVTCHN_2L_UPCALL_EDGE)
		xen_domain_upcall(x, vcpu);
	return 0;
}

/* The guest-physical address of a `size`-byte area registered by guest-virtual
 * address; it must be RAM and must not cross a page. */
static int area_gpa(struct xen_hcall_ctx *c, uint64_t arg, size_t size, uint64_t *gpa)
{
	uint64_t gva;
	int ret;

	if ((ret = xen_copy_from_guest(c, arg, &gva, sizeof(gva))))
		return ret;
	if (!c->hc->long_mode)
		gva = (uint32_t)gva; /* a 32-bit handle; the upper half of the union is junk */
	if ((ret = xen_guest_translate(c, gva, gpa)))
		return ret;
	if ((*gpa & (XEN_PAGE_SIZE - 1)) + size > XEN_PAGE_SIZE ||
	    !gm_ptr(c->x->gm, *gpa, size))
		return -XEN_EFAULT;
	return 0;
}

static int register_time_area(struct xen_hcall_ctx *c, unsigned vcpu, uint64_t arg)
{
	uint64_t gpa;
	int ret;

	if ((ret = area_gpa(c, arg, sizeof(struct vcpu_time_info), &gpa)))
		return ret;
	pthread_mutex_lock(&c->x->lock);
	c->x->vcpu[vcpu].time_info_gpa = gpa;
	pthread_mutex_unlock(&c->x->lock);
	xen_domain_update_time(c->x, vcpu);
	return 0;
}

/* struct vcpu_runstate_info is 48 bytes for a 64-bit guest and 44 (packed uint64_t
 * alignment) for a 32-bit one. */
static int register_runstate_area(struct xen_hcall_ctx *c, unsigned vcpu, uint64_t arg)
{
	const bool lm = c->hc->long_mode;
	const size_t size = lm ? sizeof(struct vcpu_runstate_info) : 44;
	const size_t entry_off = lm ? offsetof(struct vcpu_runstate_info, state_entry_time) : 4;
	uint8_t rs[sizeof(struct vcpu_runstate_info)] = { 0 };
	uint64_t gpa, now;
	int32_t state = RUNSTATE_running;
	int ret;

	if ((ret = area_gpa(c, arg, size, &gpa)))
		return ret;
	/* Xen writes the current state at once.  We do not update it afterwards: running
	 * since now, no steal time. */
	now = c->x->ops->now(c->x->opaque);
	memcpy(rs, &state, sizeof(state));
	memcpy(rs + entry_off, &now, sizeof(now));
	memcpy(rs + entry_off + 8, &now, sizeof(now)); /* time[RUNSTATE_running] */
	if (gm_write(c->x->gm, gpa, rs, size))
		return -XEN_EFAULT;
	pthread_mutex_lock(&c->x->lock);
	c->x->vcpu[vcpu].runstate_gpa = gpa;
	pthread_mutex_unlock(&c->x->lock);
	return 0;
}

int64_t xen_hcall_vcpu_op(struct xen_hcall_ctx *c)
{
	const uint32_t cmd = (uint32_t)c->hc->arg[0];
	const uint32_t vcpu = (uint32_t)c->hc->arg[1];
	const uint64_t arg = c->hc->arg[2];
	struct xen_domain *x = c->x;

	/* Xen: a vCPU id that does not exist is -ENOENT; one that exists but is down
	 * answers is_up with 0.  Here vCPU ids 0..max_vcpus-1 exist (they are the slots
	 * a vCPU can be hot-plugged into), and "up" means plugged. */
	if (cmd == VCPUOP_is_up)
		return vcpu < x->cfg.max_vcpus ? evtchn_vcpu_present(&x->evtchn, vcpu)
					       : -XEN_ENOENT;
	if (!evtchn_vcpu_present(&x->evtchn, vcpu))
		return -XEN_ENOENT;
	switch (cmd) {
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(c, vcpu, arg);
	case VCPUOP_register_vcpu_time_memory_area:
		return register_time_area(c, vcpu, arg);
	case VCPUOP_register_runstate_memory_area:
		return register_runstate_area(c, vcpu, arg);
	case VCPUOP_set_singleshot_timer: {
		struct vcpu_set_singleshot_timer t;
		int ret;

		/* Only a vCPU's own timer; the `future` flag may be ignored, and is: a
		 * deadline already past fires at once, as current Xen does. */
		if (vcpu != c->hc->vcpu)
			return -XEN_EINVAL;
		if ((ret = xen_copy_from_guest(c, arg, &t, XEN_SSHOT_TIMER_ARG_SIZE)))
			return ret;
		/* The guest computed the deadline from its time info: keep it current. */
		xen_domain_update_time(x, vcpu);
		return xen_timer_set(&x->timers, vcpu, t.timeout_abs_ns) ? -XEN_EINVAL : 0;
	}
	case VCPUOP_stop_singleshot_timer:
		if (vcpu != c->hc->vcpu)
			return -XEN_EINVAL;
		return xen_timer_stop(&x->timers, vcpu) ? -XEN_EINVAL : 0;
	case VCPUOP_stop_periodic_timer:
		return 0; /* no periodic timer ever runs */
	default:
		/* VCPUOP_set_periodic_timer: not served (guests stop it, never start it).
		 * VCPUOP_up/down/initialise: HVM vCPUs come and go through ACPI and
		 * INIT/SIPI. */
		return -XEN_ENOSYS;
	}
}

int64_t xen_hcall_set_timer_op(struct xen_hcall_ctx *c)
{
	/* A 32-bit caller passes the 64-bit timeout in two registers, low half first. */
	uint64_t timeout = c->hc->long_mode ? c->hc->arg[0]
					    : (c->hc->arg[1] << 32) | (uint32_t)c->hc->arg[0];

	return xen_timer_set_op(&c->x->timers, c->hc->vcpu, timeout) ? -XEN_EINVAL : 0;
}
