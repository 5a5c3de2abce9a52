/* SPDX-License-Identifier: GPL-2.0-only */
/* The Xen domain: state, hot-plug, soft reset, upcall routing (see domain.h). */
#include "xen/domain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xen/cpuid.h"
#include "xen/hcall_page.h"

void xen_config_default(struct xen_config *c, unsigned max_vcpus)
{
	*c = (struct xen_config){
		.version = XEN_VERSION_DEFAULT,
		.domid = 1,
		.cpuid_base = XEN_CPUID_BASE,
		.hypercall_msr = XEN_HYPERCALL_MSR_DEFAULT,
		.hcall_port = XEN_HCALL_PORT_DEFAULT,
		.max_vcpus = max_vcpus,
	};
}

/* ---- the real evtchn_shared_ops: guest pages found through xen_shinfo ---- */

static void *ops_shared_info(void *opaque)
{
	struct xen_domain *x = opaque;
	return xen_shinfo_ptr(&x->shinfo);
}

static void *ops_vcpu_info(void *opaque, unsigned vcpu)
{
	struct xen_domain *x = opaque;
	return xen_vcpu_info_ptr(&x->shinfo, vcpu);
}

static void ops_upcall(void *opaque, unsigned vcpu)
{
	xen_domain_upcall(opaque, vcpu);
}

static const struct evtchn_shared_ops shared_ops = {
	.shared_info = ops_shared_info,
	.vcpu_info = ops_vcpu_info,
	.upcall = ops_upcall,
};

/* ---- timers: the clock and arming are the VMM's, firing is VIRQ_TIMER ---- */

static uint64_t timer_now(void *opaque)
{
	struct xen_domain *x = opaque;
	return x->ops->now(x->opaque);
}

static void timer_arm(void *opaque, unsigned vcpu, uint64_t deadline)
{
	struct xen_domain *x = opaque;
	if (x->ops->timer_arm)
		x->ops->timer_arm(x->opaque, vcpu, deadline);
}

static void timer_fire(void *opaque, unsigned vcpu)
{
	struct xen_domain *x = opaque;
	/* An unbound VIRQ_TIMER drops the event, as Xen's send_guest_vcpu_virq. */
	(void)evtchn_send_virq(&x->evtchn, vcpu, VIRQ_TIMER);
}

static const struct xen_timer_ops timer_ops = {
	.now = timer_now,
	.arm = timer_arm,
	.fire = timer_fire,
};

static void reset_vcpu(struct xen_vcpu *v)
{
	v->time_info_gpa = XEN_INVALID_GPA;
	v->runstate_gpa = XEN_INVALID_GPA;
	atomic_store(&v->upcall_vector, 0);
}

int xen_domain_init(struct xen_domain *x, const struct xen_config *cfg,
		    const struct guest_mem *gm, const struct xen_host_ops *ops, void *opaque)
{
	int ret;

	if (!cfg->max_vcpus || !cfg->version || !xen_hcall_port_ok(cfg->hcall_port) ||
	    (cfg->cpuid_base != XEN_CPUID_BASE && cfg->cpuid_base != XEN_CPUID_BASE_WITH_KVM) ||
	    cfg->domid >= DOMID_FIRST_RESERVED || !ops || !ops->now)
		return -EINVAL;
	memset(x, 0, sizeof(*x));
	x->cfg = *cfg;
	x->gm = gm;
	x->ops = ops;
	x->opaque = opaque;
	x->rl = (struct ratelimit)RATELIMIT_INIT;
	atomic_store(&x->long_mode, true);
	x->vcpu = calloc(cfg->max_vcpus, sizeof(*x->vcpu));
	if (!x->vcpu)
		return -ENOMEM;
	for (unsigned v = 0; v < cfg->max_vcpus; v++)
		reset_vcpu(&x->vcpu[v]);
	if ((ret = xen_shinfo_init(&x->shinfo, gm, cfg->max_vcpus)))
		goto err_vcpu;
	if ((ret = evtchn_init(&x->evtchn, cfg->max_vcpus, cfg->domid, &shared_ops, x)))
		goto err_shinfo;
	if ((ret = xen_timers_init(&x->timers, cfg->max_vcpus, &timer_ops, x)))
		goto err_evtchn;
	pthread_mutex_init(&x->lock, NULL);
	pthread_mutex_init(&x->gsi_lock, NULL);
	pthread_mutex_init(&x->console_lock, NULL);
	return 0;
err_evtchn:
	evtchn_destroy(&x->evtchn);
err_shinfo:
	xen_shinfo_destroy(&x->shinfo);
err_vcpu:
	free(x->vcpu);
	x->vcpu = NULL;
	return ret;
}

void xen_domain_destroy(struct xen_domain *x)
{
	if (!x->vcpu)
		return;
	xen_timers_destroy(&x->timers);
	evtchn_destroy(&x->evtchn);
	xen_shinfo_destroy(&x->shinfo);
	pthread_mutex_destroy(&x->lock);
	pthread_mutex_destroy(&x->gsi_lock);
	pthread_mutex_destroy(&x->console_lock);
	free(x->vcpu);
	x->vcpu = NULL;
}

int xen_domain_vcpu_plug(struct xen_domain *x, unsigned vcpu)
{
	return evtchn_vcpu_add(&x->evtchn, vcpu);
}

int xen_domain_vcpu_unplug(struct xen_domain *x, unsigned vcpu)
{
	int ret = evtchn_vcpu_remove(&x->evtchn, vcpu);

	if (ret >= 0)
		xen_timer_stop(&x->timers, vcpu);
	return ret;
}

int xen_domain_msr_write(struct xen_domain *x, uint64_t value, bool long_mode)
{
	int ret = xen_hcall_msr_write(x->gm, value, x->cfg.hcall_port);

	if (ret)
		return ret;
	/* As Xen's hvm_latch_shinfo_size(): the caller's mode picks the 2-level layout. */
	atomic_store(&x->long_mode, long_mode);
	evtchn_set_long_mode(&x->evtchn, long_mode);
	return 0;
}

bool xen_domain_long_mode(struct xen_domain *x)
{
	return atomic_load(&x->long_mode);
}

void xen_domain_soft_reset(struct xen_domain *x)
{
	xen_timers_stop_all(&x->timers);
	evtchn_close_all(&x->evtchn);
	pthread_mutex_lock(&x->lock);
	atomic_store(&x->callback_param, 0);
	memset(x->params, 0, sizeof(x->params));
	for (unsigned v = 0; v < x->cfg.max_vcpus; v++)
		reset_vcpu(&x->vcpu[v]);
	pthread_mutex_unlock(&x->lock);
	pthread_mutex_lock(&x->gsi_lock);
	if (x->gsi_asserted && x->ops->set_gsi)
		x->ops->set_gsi(x->opaque, x->gsi_level_gsi, 0);
	x->gsi_asserted = false;
	pthread_mutex_unlock(&x->gsi_lock);
	xen_shinfo_reset(&x->shinfo);
}

void xen_domain_timer_expired(struct xen_domain *x, unsigned vcpu)
{
	xen_timer_expired(&x->timers, vcpu);
}

/* ---- upcall routing ---- */

static const struct evtchn_2l_layout *layout(struct xen_domain *x)
{
	return atomic_load(&x->long_mode) ? &evtchn_2l_layout_64 : &evtchn_2l_layout_32;
}

void xen_domain_upcall(struct xen_domain *x, unsigned vcpu)
{
	uint64_t param = atomic_load(&x->callback_param);
	unsigned type = (unsigned)(param >> 56);
	uint8_t vector = 0;

	if (vcpu < x->cfg.max_vcpus)
		vector = atomic_load(&x->vcpu[vcpu].upcall_vector);
	/* A per-vCPU vector wins over the domain-wide callback (as Xen and QEMU). */
	if (!vector && type == HVM_PARAM_CALLBACK_TYPE_VECTOR)
		vector = (uint8_t)param;
	if (vector) {
		if (x->ops->inject_vector) {
			x->stats.upcalls_vector++;
			x->ops->inject_vector(x->opaque, vcpu, vector);
		}
		return;
	}
	/* GSI delivery is vCPU 0's only, level-triggered; GSI 0 means "none". */
	if (type == HVM_PARAM_CALLBACK_TYPE_GSI && (uint32_t)param && vcpu == 0 &&
	    x->ops->set_gsi) {
		pthread_mutex_lock(&x->gsi_lock);
		x->gsi_level_gsi = (uint32_t)param;
		x->gsi_asserted = true;
		x->stats.upcalls_gsi++;
		x->ops->set_gsi(x->opaque, x->gsi_level_gsi, 1);
		pthread_mutex_unlock(&x->gsi_lock);
		return;
	}
	/* No way to interrupt the guest (no callback set, PCI INTx, or a GSI for another
	 * vCPU): the event stays pending for the guest to find. */
	x->stats.upcalls_dropped++;
}

void xen_domain_callback_poll(struct xen_domain *x)
{
	pthread_mutex_lock(&x->gsi_lock);
	if (x->gsi_asserted &&
	    !evtchn_2l_upcall_pending(layout(x), xen_vcpu_info_ptr(&x->shinfo, 0))) {
		x->gsi_asserted = false;
		if (x->ops->set_gsi)
			x->ops->set_gsi(x->opaque, x->gsi_level_gsi, 0);
	}
	pthread_mutex_unlock(&x->gsi_lock);
}

int xen_domain_set_callback(struct xen_domain *x, uint64_t param)
{
	pthread_mutex_lock(&x->gsi_lock);
	atomic_store(&x->callback_param, param);
	if (x->gsi_asserted) {
		x->gsi_asserted = false;
		if (x->ops->set_gsi)
			x->ops->set_gsi(x->opaque, x->gsi_level_gsi, 0);
	}
	pthread_mutex_unlock(&x->gsi_lock);
	xen_domain_reassert(x);
	return 0;
}

void xen_domain_reassert(struct xen_domain *x)
{
	for (unsigned v = 0; v < x->cfg.max_vcpus; v++) {
		if (!evtchn_vcpu_present(&x->evtchn, v))
			continue;
		if (evtchn_2l_upcall_pending(layout(x), xen_vcpu_info_ptr(&x->shinfo, v)))
			xen_domain_upcall(x, v);
	}
}
