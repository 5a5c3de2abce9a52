/* SPDX-License-Identifier: GPL-2.0-only */
/* The Xen domain: state, hot-plug, soft reset, upcall routing (see domain.h). */
#include "xen/domain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xen/cpuid.h"
#include "xen/hcall_page.h"
#include "xen/pvclock.h"

void xen_config_default(struct xen_config *c, unsigned max_vcpus)
{
	*c = (struct xen_config){
		.version = XEN_VERSION_DEFAULT,
		.domid = 1,
		.cpuid_base = XEN_CPUID_BASE,
		.hypercall_msr = XEN_HYPERCALL_MSR_DEFAULT,
		.hcall_port = XEN_HCALL_PORT_DEFAULT,
		.max_vcpus = max_vcpus,
		.console_gfn = XEN_INVALID_GFN,
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

static void ops_pending(void *opaque, unsigned vcpu, uint32_t port)
{
	struct xen_domain *x = opaque;

	(void)port;
	if (x->ops->wake)
		x->ops->wake(x->opaque, vcpu);
}

static void ops_backend_notify(void *opaque, uint32_t port)
{
	struct xen_domain *x = opaque;

	if (port != atomic_load(&x->pvcons.port))
		return;
	atomic_store(&x->pvcons.used, true);
	if (x->ops->console_notify)
		x->ops->console_notify(x->opaque);
}

static const struct evtchn_shared_ops shared_ops = {
	.shared_info = ops_shared_info,
	.vcpu_info = ops_vcpu_info,
	.upcall = ops_upcall,
	.pending = ops_pending,
	.backend_notify = ops_backend_notify,
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
	    (cfg->console_gfn != XEN_INVALID_GFN &&
	     (cfg->console_gfn > (UINT64_MAX >> XEN_PAGE_SHIFT) ||
	      !gm_ptr(gm, cfg->console_gfn << XEN_PAGE_SHIFT, XEN_PAGE_SIZE))) ||
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
	pthread_mutex_init(&x->pvcons.lock, NULL);
	pthread_mutex_init(&x->time_lock, NULL);
	if ((ret = xen_domain_console_connect(x))) {
		xen_domain_destroy(x);
		return ret;
	}
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
	pthread_mutex_destroy(&x->pvcons.lock);
	pthread_mutex_destroy(&x->time_lock);
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
	/* The toolstack's part: the console comes back on a fresh channel and ring. */
	atomic_store(&x->pvcons.port, 0);
	xen_domain_console_connect(x);
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

bool xen_domain_callback_poll(struct xen_domain *x)
{
	bool asserted;

	pthread_mutex_lock(&x->gsi_lock);
	if (x->gsi_asserted &&
	    !evtchn_2l_upcall_pending(layout(x), xen_vcpu_info_ptr(&x->shinfo, 0))) {
		x->gsi_asserted = false;
		if (x->ops->set_gsi)
			x->ops->set_gsi(x->opaque, x->gsi_level_gsi, 0);
	}
	asserted = x->gsi_asserted;
	pthread_mutex_unlock(&x->gsi_lock);
	return asserted;
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

/* ---- time ---- */

void xen_domain_update_time(struct xen_domain *x, unsigned vcpu)
{
	struct vcpu_time_info t;
	uint8_t *vi;
	void *area = NULL;
	uint64_t gpa;

	if (vcpu >= x->cfg.max_vcpus || !x->ops->time_info)
		return;
	pthread_mutex_lock(&x->time_lock);
	if (!x->ops->time_info(x->opaque, vcpu, &t))
		goto out;
	atomic_fetch_add(&x->stats.time_updates, 1);
	/* vcpu_info.time is at the same offset in both layouts. */
	if ((vi = xen_vcpu_info_ptr(&x->shinfo, vcpu)))
		xen_pvclock_publish(vi + offsetof(struct vcpu_info, time), &t);
	pthread_mutex_lock(&x->lock);
	gpa = x->vcpu[vcpu].time_info_gpa;
	if (gpa != XEN_INVALID_GPA)
		area = gm_ptr(x->gm, gpa, sizeof(struct vcpu_time_info));
	pthread_mutex_unlock(&x->lock);
	if (area)
		xen_pvclock_publish(area, &t);
out:
	pthread_mutex_unlock(&x->time_lock);
}

/* ---- the PV console, xkvm's end ---- */

static struct xencons_interface *console_ring(struct xen_domain *x)
{
	if (x->cfg.console_gfn == XEN_INVALID_GFN || !atomic_load(&x->pvcons.port))
		return NULL;
	return gm_ptr(x->gm, x->cfg.console_gfn << XEN_PAGE_SHIFT, XEN_PAGE_SIZE);
}

int xen_domain_console_connect(struct xen_domain *x)
{
	void *page;
	int port;

	if (x->cfg.console_gfn == XEN_INVALID_GFN)
		return 0;
	page = gm_ptr(x->gm, x->cfg.console_gfn << XEN_PAGE_SHIFT, XEN_PAGE_SIZE);
	if (!page)
		return -EINVAL;
	pthread_mutex_lock(&x->pvcons.lock);
	memset(page, 0, XEN_PAGE_SIZE);
	port = evtchn_bind_backend(&x->evtchn, 1);
	if (port > 0) {
		atomic_store(&x->pvcons.port, (uint32_t)port);
		atomic_store(&x->pvcons.used, false);
		pthread_mutex_lock(&x->lock);
		x->params[HVM_PARAM_CONSOLE_PFN] = x->cfg.console_gfn;
		x->params[HVM_PARAM_CONSOLE_EVTCHN] = (uint32_t)port;
		pthread_mutex_unlock(&x->lock);
	}
	pthread_mutex_unlock(&x->pvcons.lock);
	return port < 0 ? port : 0;
}

void xen_domain_console_disconnect(struct xen_domain *x)
{
	uint32_t port;

	pthread_mutex_lock(&x->pvcons.lock);
	port = atomic_exchange(&x->pvcons.port, 0);
	if (port && evtchn_is_backend_port(&x->evtchn, port))
		evtchn_host_close(&x->evtchn, port);
	pthread_mutex_lock(&x->lock);
	x->params[HVM_PARAM_CONSOLE_PFN] = 0;
	x->params[HVM_PARAM_CONSOLE_EVTCHN] = 0;
	pthread_mutex_unlock(&x->lock);
	pthread_mutex_unlock(&x->pvcons.lock);
}

uint32_t xen_domain_console_live(struct xen_domain *x)
{
	uint64_t pfn, port;

	if (x->cfg.console_gfn == XEN_INVALID_GFN)
		return 0;
	pthread_mutex_lock(&x->lock);
	pfn = x->params[HVM_PARAM_CONSOLE_PFN];
	port = x->params[HVM_PARAM_CONSOLE_EVTCHN];
	pthread_mutex_unlock(&x->lock);
	if (pfn == x->cfg.console_gfn && port && port < EVTCHN_MAX_PORTS &&
	    evtchn_is_backend_port(&x->evtchn, (uint32_t)port))
		return (uint32_t)port;
	return 0;
}

int xen_domain_console_resume(struct xen_domain *x)
{
	uint32_t port;

	if (x->cfg.console_gfn == XEN_INVALID_GFN)
		return 0;
	if ((port = xen_domain_console_live(x))) {
		atomic_store(&x->pvcons.port, port);
		return 0;
	}
	return xen_domain_console_connect(x);
}

bool xen_domain_console_used(struct xen_domain *x)
{
	return atomic_load(&x->pvcons.port) && atomic_load(&x->pvcons.used);
}

size_t xen_domain_console_in_room(struct xen_domain *x)
{
	struct xencons_interface *ring;
	size_t room = 0;

	pthread_mutex_lock(&x->pvcons.lock);
	if ((ring = console_ring(x)))
		room = xen_console_in_room(ring, &x->pvcons.stats);
	pthread_mutex_unlock(&x->pvcons.lock);
	return room;
}

size_t xen_domain_console_service(struct xen_domain *x,
				  size_t (*sink)(void *opaque, const char *buf, size_t len),
				  void *opaque, const char *input, size_t len)
{
	struct xencons_interface *ring;
	size_t out = 0, in = 0;
	uint32_t port;

	pthread_mutex_lock(&x->pvcons.lock);
	port = atomic_load(&x->pvcons.port);
	if ((ring = console_ring(x))) {
		out = xen_console_drain(ring, sink, opaque, &x->pvcons.stats);
		if (input && len)
			in = xen_console_fill(ring, input, len, &x->pvcons.stats);
	}
	pthread_mutex_unlock(&x->pvcons.lock);
	/* As xenconsoled: notify after consuming output (the guest may wait for room) and
	 * after producing input. */
	if (ring && (out || in))
		evtchn_backend_raise(&x->evtchn, port);
	return in;
}

int xen_domain_evtchn_reset(struct xen_domain *x, uint16_t dom)
{
	int ret = evtchn_reset(&x->evtchn, dom);

	if (ret == 0 && x->cfg.console_gfn != XEN_INVALID_GFN) {
		/* The toolstack re-creates the console channel on the same ring. */
		uint32_t port;

		pthread_mutex_lock(&x->pvcons.lock);
		port = (uint32_t)evtchn_bind_backend(&x->evtchn, 1);
		if ((int)port > 0) {
			atomic_store(&x->pvcons.port, port);
			pthread_mutex_lock(&x->lock);
			x->params[HVM_PARAM_CONSOLE_EVTCHN] = port;
			pthread_mutex_unlock(&x->lock);
		} else {
			atomic_store(&x->pvcons.port, 0);
		}
		pthread_mutex_unlock(&x->pvcons.lock);
	}
	return ret;
}
