/* SPDX-License-Identifier: GPL-2.0-only */
#include "irq/routing.h"

#include <errno.h>
#include <linux/kvm.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vcpu/vcpu.h"
#include "vm/loop.h"
#include "vm/vm.h"

#define MSR_IA32_APIC_BASE 0x1b

static void watch_ready(void *opaque, uint32_t events);

int irq_router_init(struct irq_router *r, const struct irq_router_config *cfg)
{
	struct msi_match_opts mo = { .broadcast_quirk = !cfg->disable_broadcast_quirk };
	unsigned limit = cfg->gsi_limit;
	int ret;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->vm_fd = cfg->vm_fd;
	r->loop = cfg->loop;
	r->watch_epfd = -1;
	r->trace = cfg->trace ? cfg->trace : &r->null_trace;
	r->event_fn = cfg->event_fn;
	r->event_opaque = cfg->event_opaque;
	r->rl = (struct ratelimit)RATELIMIT_INIT;
	r->fmt.ext_dest_id = cfg->ext_dest_id;

	if (!limit) {
		int n = ioctl(cfg->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING);
		if (n <= IRQ_ROUTER_IRQCHIP_GSIS) {
			log_error("irq: KVM_CAP_IRQ_ROUTING is %d: no room for MSI routes", n);
			return -ENOTSUP;
		}
		limit = (unsigned)n;
	}
	if (cfg->x2apic_api || cfg->disable_broadcast_quirk) {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_X2APIC_API };
		int have = ioctl(cfg->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_X2APIC_API);

		cap.args[0] = (cfg->x2apic_api ? KVM_X2APIC_API_USE_32BIT_IDS : 0) |
			      (cfg->disable_broadcast_quirk ? KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK : 0);
		if (have <= 0 || ((unsigned)have & cap.args[0]) != cap.args[0] ||
		    ioctl(cfg->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
			log_error("irq: cannot enable KVM_CAP_X2APIC_API flags 0x%llx (KVM has 0x%x)",
				  (unsigned long long)cap.args[0], have > 0 ? have : 0);
			return -ENOTSUP;
		}
		r->x2apic_format = cfg->x2apic_api;
	}
	if (r->fmt.ext_dest_id && !r->x2apic_format) {
		log_error("irq: extended destination IDs need KVM_X2APIC_API_USE_32BIT_IDS");
		return -EINVAL;
	}
	if ((ret = gsi_alloc_init(&r->gsi, IRQ_ROUTER_IRQCHIP_GSIS, limit)) < 0)
		return ret;
	if ((ret = vcpu_index_init(&r->index, cfg->nr_vcpus ? cfg->nr_vcpus : 1, &mo)) < 0)
		goto fail;
	r->watch_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->watch_epfd < 0) {
		ret = -errno;
		goto fail;
	}
	if (r->loop && (ret = loop_add_fd(r->loop, r->watch_epfd, EPOLLIN, watch_ready, r)) < 0)
		goto fail;
	return 0;
fail:
	log_error("irq: cannot set up the interrupt router: %s", strerror(-ret));
	irq_router_destroy(r);
	return ret;
}

void irq_router_destroy(struct irq_router *r)
{
	if (r->nr_routes)
		log_error("irq: router destroyed with %u routes left", r->nr_routes);
	if (r->watch_epfd >= 0) {
		if (r->loop)
			loop_del_fd(r->loop, r->watch_epfd);
		close(r->watch_epfd);
	}
	r->watch_epfd = -1;
	vcpu_index_destroy(&r->index);
	gsi_alloc_destroy(&r->gsi);
	free(r->routes);
	free(r->table);
	r->routes = NULL;
	r->table = NULL;
	pthread_mutex_destroy(&r->lock);
}

/* ---- per-route KVM state (router lock held) ---------------------------------------- */

static void irqfd_detach(struct irq_route *rt)
{
	struct irq_router *r = rt->router;
	struct kvm_irqfd fd = { .fd = (uint32_t)rt->irqfd_fd, .gsi = (uint32_t)rt->irqfd_gsi,
				.flags = KVM_IRQFD_FLAG_DEASSIGN };

	if (rt->irqfd_fd < 0)
		return;
	if (ioctl(r->vm_fd, KVM_IRQFD, &fd) < 0)
		log_error("irq: %s vector %u: KVM_IRQFD deassign (fd %d, gsi %d): %s",
			  rt->vi.device, rt->vi.vector, rt->irqfd_fd, rt->irqfd_gsi, strerror(errno));
	else
		r->stats.irqfd_deassign++;
	trace_irq_irqfd(r->trace, rt->vi.device, rt->vi.vector, rt->irqfd_fd, rt->irqfd_gsi, 0);
	rt->irqfd_fd = rt->irqfd_gsi = -1;
}

static int irqfd_attach(struct irq_route *rt)
{
	struct irq_router *r = rt->router;
	struct kvm_irqfd fd = { .fd = (uint32_t)rt->trigger, .gsi = (uint32_t)rt->gsi };

	if (ioctl(r->vm_fd, KVM_IRQFD, &fd) < 0)
		return -errno;
	r->stats.irqfd_assign++;
	rt->irqfd_fd = rt->trigger;
	rt->irqfd_gsi = rt->gsi;
	trace_irq_irqfd(r->trace, rt->vi.device, rt->vi.vector, rt->irqfd_fd, rt->irqfd_gsi, 1);
	return 0;
}

static void unwatch(struct irq_route *rt)
{
	if (rt->watch_fd < 0)
		return;
	epoll_ctl(rt->router->watch_epfd, EPOLL_CTL_DEL, rt->watch_fd, NULL);
	rt->watch_fd = -1;
}

static void watch(struct irq_route *rt)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = rt };

	if (rt->watch_fd == rt->trigger)
		return;
	unwatch(rt);
	if (rt->trigger < 0)
		return;
	if (epoll_ctl(rt->router->watch_epfd, EPOLL_CTL_ADD, rt->trigger, &ev) < 0) {
		log_error("irq: %s vector %u: cannot watch trigger fd %d: %s", rt->vi.device,
			  rt->vi.vector, rt->trigger, strerror(errno));
		return;
	}
	rt->watch_fd = rt->trigger;
}

/* Is the irqfd the way this route's trigger reaches the guest right now? */
static bool wants_irqfd(const struct irq_route *rt)
{
	return rt->trigger >= 0 && !rt->masked && rt->gsi >= 0 && !rt->irqfd_failed;
}

/* The route's KVM entry changed.  An unmasked route needs KVM told at the next commit; a
 * masked one only when it is unmasked (the guest masks, rewrites the entry DWORD by DWORD,
 * unmasks: one KVM_SET_GSI_ROUTING, not three). */
static void mark_stale(struct irq_route *rt)
{
	if (rt->masked)
		rt->kvm_stale = true;
	else
		rt->router->table_dirty = true;
}

/* Hold a GSI exactly while there is a trigger and a routable message. */
static int update_gsi(struct irq_route *rt)
{
	struct irq_router *r = rt->router;
	bool need = rt->trigger >= 0 && rt->routable;
	int gsi;

	if (need == (rt->gsi >= 0))
		return 0;
	if (!need) {
		if (rt->irqfd_gsi == rt->gsi)
			irqfd_detach(rt);
		/* KVM keeps the stale entry until the next push: harmless, nothing is
		 * attached to it, and whoever gets the GSI next pushes its own. */
		gsi_free(&r->gsi, (unsigned)rt->gsi);
		rt->gsi = rt->vi.gsi = -1;
		return 0;
	}
	gsi = gsi_alloc(&r->gsi);
	if (gsi < 0) {
		log_error("irq: %s vector %u: no free GSI (%u in use)", rt->vi.device,
			  rt->vi.vector, r->gsi.used);
		return gsi;
	}
	rt->gsi = rt->vi.gsi = gsi;
	mark_stale(rt);
	return 0;
}

/* Where a trigger write goes when the irqfd is not attached: to the watch set. */
static void update_watch(struct irq_route *rt)
{
	if (rt->trigger >= 0 && !(wants_irqfd(rt) && rt->irqfd_fd == rt->trigger))
		watch(rt);
	else
		unwatch(rt);
}

static void log_bad_message(struct irq_route *rt)
{
	struct irq_router *r = rt->router;
	char why[160];

	if (rt->dec.errors) {
		log_guest(&r->rl, "irq: %s vector %u: MSI address 0x%llx data 0x%x: %s%s",
			  rt->vi.device, rt->vi.vector, (unsigned long long)rt->msg.addr,
			  rt->msg.data, msi_errors_str(rt->dec.errors, why, sizeof(why)),
			  msi_deliverable(&rt->dec) ? " (ignored)" : ": not delivered");
	} else if (!rt->routable) {
		log_guest(&r->rl, "irq: %s vector %u: destination 0x%x needs 32-bit x2APIC IDs: "
			  "not delivered", rt->vi.device, rt->vi.vector, rt->dec.dest_id);
	} else if (rt->vi.nr_links == 0) {
		log_guest(&r->rl, "irq: %s vector %u: destination 0x%x (%s) matches no vCPU",
			  rt->vi.device, rt->vi.vector, rt->dec.dest_id,
			  rt->dec.logical ? "logical" : "physical");
	}
}

/* ---- routes --------------------------------------------------------------------------- */

int irq_route_add(struct irq_router *r, struct irq_route *rt, const char *device,
		  unsigned vector, irq_route_fired_fn fired, void *opaque)
{
	memset(rt, 0, sizeof(*rt));
	rt->router = r;
	vi_route_init(&rt->vi, device, vector);
	rt->vi.masked = rt->masked = true;
	rt->fired = fired;
	rt->opaque = opaque;
	rt->trigger = rt->gsi = rt->irqfd_fd = rt->irqfd_gsi = rt->watch_fd = -1;
	msi_decode(&rt->msg, &r->fmt, &rt->dec);

	pthread_mutex_lock(&r->lock);
	if (r->nr_routes == r->cap_routes) {
		unsigned cap = r->cap_routes ? r->cap_routes * 2 : 64;
		struct irq_route **n = realloc(r->routes, cap * sizeof(*n));
		if (!n) {
			pthread_mutex_unlock(&r->lock);
			return -ENOMEM;
		}
		r->routes = n;
		r->cap_routes = cap;
	}
	r->routes[r->nr_routes++] = rt;
	vcpu_index_add(&r->index, &rt->vi);
	rt->added = true;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

void irq_route_del(struct irq_route *rt)
{
	struct irq_router *r = rt->router;

	if (!rt->added)
		return;
	pthread_mutex_lock(&r->lock);
	irqfd_detach(rt);
	unwatch(rt);
	rt->trigger = -1;
	update_gsi(rt);
	vcpu_index_del(&r->index, &rt->vi);
	for (unsigned i = 0; i < r->nr_routes; i++)
		if (r->routes[i] == rt) {
			r->routes[i] = r->routes[--r->nr_routes];
			break;
		}
	rt->added = false;
	pthread_mutex_unlock(&r->lock);
}

int irq_route_set_msg(struct irq_route *rt, const struct msi_msg *msg)
{
	struct irq_router *r = rt->router;
	uint32_t lo = 0, hi = 0, data = 0;
	bool changed;
	int ret;

	pthread_mutex_lock(&r->lock);
	rt->msg = *msg;
	msi_decode(msg, &r->fmt, &rt->dec);
	rt->routable = msi_to_kvm(&rt->dec, r->x2apic_format, &lo, &hi, &data) == 0;
	changed = lo != rt->kvm_lo || hi != rt->kvm_hi || data != rt->kvm_data;
	rt->kvm_lo = lo;
	rt->kvm_hi = hi;
	rt->kvm_data = data;
	if (vcpu_index_set_dest(&r->index, &rt->vi, &rt->dec) < 0)
		log_error("irq: %s vector %u: out of memory indexing its destination",
			  rt->vi.device, rt->vi.vector);
	ret = update_gsi(rt);
	if (changed && rt->gsi >= 0)
		mark_stale(rt);
	update_watch(rt);
	trace_irq_route_msg(r->trace, rt->vi.device, rt->vi.vector, rt->msg.addr, rt->msg.data,
			    rt->gsi, rt->vi.nr_links);
	if (!rt->masked)
		log_bad_message(rt);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_route_set_trigger(struct irq_route *rt, int fd)
{
	struct irq_router *r = rt->router;
	int ret;

	pthread_mutex_lock(&r->lock);
	if (rt->irqfd_fd >= 0 && rt->irqfd_fd != fd)
		irqfd_detach(rt);
	unwatch(rt);
	rt->trigger = fd < 0 ? -1 : fd;
	rt->irqfd_failed = false;
	rt->vi.mode = rt->trigger >= 0 ? VI_MODE_IRQFD : VI_MODE_EMULATED;
	ret = update_gsi(rt);
	if (ret < 0) {
		/* Keep the trigger watched: it still works, through KVM_SIGNAL_MSI. */
		rt->vi.mode = VI_MODE_EMULATED;
	}
	update_watch(rt);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

/* poll + read: the fd may be blocking, and it is shared with the device. */
static bool drain_locked(struct irq_route *rt)
{
	struct pollfd p = { .fd = rt->trigger, .events = POLLIN };
	uint64_t n;

	if (rt->trigger < 0 || poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
		return false;
	return read(rt->trigger, &n, sizeof(n)) == sizeof(n) && n;
}

bool irq_route_set_masked(struct irq_route *rt, bool masked)
{
	struct irq_router *r = rt->router;
	bool fired = false;

	pthread_mutex_lock(&r->lock);
	if (masked != rt->masked) {
		rt->masked = rt->vi.masked = masked;
		if (masked) {
			/* Whatever was signalled before this returns is injected by KVM. */
			irqfd_detach(rt);
			update_watch(rt);
		} else {
			unwatch(rt);
			fired = drain_locked(rt);
			if (rt->kvm_stale)
				r->table_dirty = true;
			/* Until the next commit attaches the irqfd, the trigger stays watched:
			 * a write in between is delivered by the main loop. */
			update_watch(rt);
			log_bad_message(rt);
		}
	}
	pthread_mutex_unlock(&r->lock);
	return fired;
}

void irq_route_set_pending(struct irq_route *rt, bool pending)
{
	pthread_mutex_lock(&rt->router->lock);
	rt->vi.pending = pending;
	pthread_mutex_unlock(&rt->router->lock);
}

bool irq_route_drain(struct irq_route *rt)
{
	bool fired;

	pthread_mutex_lock(&rt->router->lock);
	fired = drain_locked(rt);
	pthread_mutex_unlock(&rt->router->lock);
	return fired;
}

/* ---- the routing table ---------------------------------------------------------------- */

static int push_table(struct irq_router *r)
{
	unsigned n = 0, max = IRQ_ROUTER_IRQCHIP_GSIS + 16 + r->nr_routes;

	if (max > r->table_cap) {
		struct kvm_irq_routing *t = realloc(r->table, sizeof(*t) + max * sizeof(t->entries[0]));
		if (!t)
			return -ENOMEM;
		r->table = t;
		r->table_cap = max;
	}
	memset(r->table, 0, sizeof(*r->table) + max * sizeof(r->table->entries[0]));
	/* KVM_CREATE_IRQCHIP's defaults: GSI 0-15 to the IOAPIC and the PICs, 16-23 to the
	 * IOAPIC.  KVM_SET_GSI_ROUTING replaces the whole table, so they go in every time. */
	for (unsigned gsi = 0; gsi < IRQ_ROUTER_IRQCHIP_GSIS; gsi++) {
		struct kvm_irq_routing_entry *e = &r->table->entries[n++];
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e->u.irqchip.pin = gsi;
		if (gsi < 16) {
			e = &r->table->entries[n++];
			e->gsi = gsi;
			e->type = KVM_IRQ_ROUTING_IRQCHIP;
			e->u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
			e->u.irqchip.pin = gsi % 8;
		}
	}
	for (unsigned i = 0; i < r->nr_routes; i++) {
		const struct irq_route *rt = r->routes[i];
		struct kvm_irq_routing_entry *e;

		if (rt->gsi < 0)
			continue;
		e = &r->table->entries[n++];
		e->gsi = (uint32_t)rt->gsi;
		e->type = KVM_IRQ_ROUTING_MSI;
		e->u.msi.address_lo = rt->kvm_lo;
		e->u.msi.address_hi = rt->kvm_hi;
		e->u.msi.data = rt->kvm_data;
	}
	r->table->nr = n;
	if (ioctl(r->vm_fd, KVM_SET_GSI_ROUTING, r->table) < 0) {
		int err = -errno;
		log_error("irq: KVM_SET_GSI_ROUTING (%u entries): %s", n, strerror(errno));
		return err;
	}
	r->stats.set_routing++;
	trace_irq_set_routing(r->trace, n);
	r->table_dirty = false;
	for (unsigned i = 0; i < r->nr_routes; i++)
		r->routes[i]->kvm_stale = false;
	return 0;
}

int irq_router_commit(struct irq_router *r)
{
	int ret = 0;

	pthread_mutex_lock(&r->lock);
	if (r->table_dirty)
		ret = push_table(r);
	for (unsigned i = 0; ret == 0 && i < r->nr_routes; i++) {
		struct irq_route *rt = r->routes[i];
		int err;

		if (!wants_irqfd(rt) || rt->irqfd_fd == rt->trigger)
			continue;
		irqfd_detach(rt);
		if ((err = irqfd_attach(rt)) < 0) {
			log_error("irq: %s vector %u: KVM_IRQFD (fd %d, gsi %d): %s; delivering it "
				  "through the main loop instead", rt->vi.device, rt->vi.vector,
				  rt->trigger, rt->gsi, strerror(-err));
			rt->irqfd_failed = true;
			rt->vi.mode = VI_MODE_EMULATED;
			ret = err;
		}
		update_watch(rt);
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_route_signal(struct irq_route *rt)
{
	struct irq_router *r = rt->router;
	struct kvm_msi msi = { 0 };
	int ret = 0;

	pthread_mutex_lock(&r->lock);
	if (!rt->routable) {
		r->stats.dropped++;
		log_bad_message(rt);
		pthread_mutex_unlock(&r->lock);
		return -EINVAL;
	}
	msi.address_lo = rt->kvm_lo;
	msi.address_hi = rt->kvm_hi;
	msi.data = rt->kvm_data;
	pthread_mutex_unlock(&r->lock);

	/* KVM returns 0 when no vCPU took it (a destination that matches nobody). */
	if (ioctl(r->vm_fd, KVM_SIGNAL_MSI, &msi) < 0) {
		ret = -errno;
		log_guest(&r->rl, "irq: %s vector %u: KVM_SIGNAL_MSI: %s", rt->vi.device,
			  rt->vi.vector, strerror(errno));
	}
	__atomic_fetch_add(&r->stats.signal_msi, 1, __ATOMIC_RELAXED);
	trace_irq_signal_msi(r->trace, rt->vi.device, rt->vi.vector, msi.address_lo, msi.data);
	return ret;
}

/* ---- the watch set (main loop) ------------------------------------------------------- */

void irq_router_poll(struct irq_router *r)
{
	struct epoll_event ev[32];
	int n;

	do {
		n = epoll_wait(r->watch_epfd, ev, 32, 0);
		for (int i = 0; i < n; i++) {
			struct irq_route *rt = ev[i].data.ptr;
			__atomic_fetch_add(&r->stats.masked_fires, 1, __ATOMIC_RELAXED);
			trace_irq_watch_fired(r->trace, rt->vi.device, rt->vi.vector);
			if (rt->fired)
				rt->fired(rt->opaque, rt);
			else
				irq_route_drain(rt);
		}
	} while (n == 32);
}

static void watch_ready(void *opaque, uint32_t events)
{
	(void)events;
	irq_router_poll(opaque);
}

/* ---- vCPUs and the index ------------------------------------------------------------ */

int irq_router_vcpu_plug(struct irq_router *r, unsigned slot, const struct msi_cpu *c)
{
	struct msi_cpu fresh;
	int ret;

	if (!c) {
		msi_cpu_reset(&fresh, slot);
		c = &fresh;
	}
	pthread_mutex_lock(&r->lock);
	ret = vcpu_index_cpu_set(&r->index, slot, c);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_router_vcpu_unplug(struct irq_router *r, unsigned slot)
{
	json_t *left = NULL;
	int n;

	pthread_mutex_lock(&r->lock);
	n = vcpu_index_unplug(&r->index, slot, &left);
	pthread_mutex_unlock(&r->lock);
	if (n > 0) {
		log_warn("irq: vCPU %u removed with %d interrupt route(s) still targeting it "
			 "(see __org.xkvm_query-vcpu-routes)", slot, n);
		if (r->event_fn) {
			json_t *data = json_pack("{s:i, s:o}", "cpu-index", (json_int_t)slot,
						 "routes", left);
			left = NULL;
			r->event_fn(r->event_opaque, "__org.xkvm_VCPU_ROUTES_LEFT", data);
		}
	}
	json_decref(left);
	return n;
}

/* Read one vCPU's LAPIC view from KVM (its thread must be out of KVM_RUN). */
static int read_cpu(struct irq_router *r, struct vcpu *v, struct msi_cpu *c)
{
	struct kvm_lapic_state lapic;
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} msrs = { .hdr.nmsrs = 1, .e.index = MSR_IA32_APIC_BASE };

	errno = 0;
	if (ioctl(v->fd, KVM_GET_LAPIC, &lapic) < 0 || ioctl(v->fd, KVM_GET_MSRS, &msrs) != 1) {
		int err = errno ? -errno : -EIO;
		log_error("irq: vCPU %u: reading its LAPIC: %s", v->id, strerror(-err));
		return err;
	}
	msi_cpu_from_lapic(c, v->id, (const uint8_t *)lapic.regs, msrs.e.data, r->x2apic_format);
	return 0;
}

int irq_router_refresh_vcpus(struct irq_router *r, struct vm *vm)
{
	int ret = 0;

	for (unsigned slot = 0; slot < vm->max_vcpus && slot < r->index.nr_cpus; slot++) {
		struct vcpu *v = vm->vcpu[slot];
		struct msi_cpu c;
		int err;

		if (!v || v->state != VCPU_RUNNING) {
			if (r->index.cpu[slot].present)
				irq_router_vcpu_unplug(r, slot);
			continue;
		}
		if ((err = read_cpu(r, v, &c)) < 0) {
			ret = err;
			continue;
		}
		irq_router_vcpu_plug(r, slot, &c);
	}
	return ret;
}

int irq_router_vcpu_remove(struct irq_router *r, struct vcpu *v)
{
	struct msi_cpu c;

	/* With its current LDR/mode, so the report names what really targets it. */
	if (read_cpu(r, v, &c) == 0)
		irq_router_vcpu_plug(r, v->id, &c);
	return irq_router_vcpu_unplug(r, v->id);
}

json_t *irq_router_query_vcpu_routes(struct irq_router *r)
{
	json_t *out;

	pthread_mutex_lock(&r->lock);
	out = vcpu_index_dump(&r->index);
	pthread_mutex_unlock(&r->lock);
	return out;
}

json_t *irq_qmp_query_vcpu_routes(struct vm *vm)
{
	bool running = vm->state == RUN_STATE_RUNNING;

	if (!vm->irq)
		return json_array();
	/* The LDR/DFR and x2APIC mode live in KVM: read them with the vCPUs out of KVM_RUN,
	 * briefly, unless the VM is paused anyway. */
	if (running)
		vm_pause_all(vm);
	irq_router_refresh_vcpus(vm->irq, vm);
	if (running)
		vm_resume_all(vm);
	return irq_router_query_vcpu_routes(vm->irq);
}

void irq_router_get_stats(struct irq_router *r, struct irq_router_stats *s, unsigned *gsis_used)
{
	pthread_mutex_lock(&r->lock);
	*s = r->stats;
	if (gsis_used)
		*gsis_used = r->gsi.used;
	pthread_mutex_unlock(&r->lock);
}
