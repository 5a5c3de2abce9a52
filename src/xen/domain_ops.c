/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hypercalls about the domain as a whole: __HYPERVISOR_xen_version, __HYPERVISOR_sched_op
 * (shutdown, yield, poll) and __HYPERVISOR_console_io (the emergency console).
 */
#include <ctype.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "xen/hcall_ops.h"

#define EXTRAVERSION ".0-xkvm"
#define CAPABILITIES "hvm-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p"
#define CONSOLE_WRITE_MAX 65536u /* per call; the rest is dropped */

static uint32_t features(const struct xen_domain *x, uint32_t submap)
{
	uint32_t f;

	if (submap != 0)
		return 0;
	/* What an HVM guest with no PV MMU sees (as QEMU offers), without PIRQs. */
	f = 1u << XENFEAT_writable_page_tables | 1u << XENFEAT_writable_descriptor_tables |
	    1u << XENFEAT_auto_translated_physmap | 1u << XENFEAT_supervisor_mode_kernel |
	    1u << XENFEAT_hvm_callback_vector;
	if (x->cfg.pvclock)
		f |= 1u << XENFEAT_hvm_safe_pvclock;
	return f;
}

/* Copies a NUL-padded string argument of `size` bytes. */
static int put_string(struct xen_hcall_ctx *c, uint64_t arg, const char *s, size_t size)
{
	char buf[1024] = { 0 };

	if (size > sizeof(buf))
		size = sizeof(buf); /* the ABI strings are 16, 64 and 1024 bytes */
	snprintf(buf, size, "%s", s);
	return xen_copy_to_guest(c, arg, buf, size);
}

int64_t xen_hcall_xen_version(struct xen_hcall_ctx *c)
{
	const uint64_t arg = c->hc->arg[1];
	const struct xen_domain *x = c->x;

	switch ((uint32_t)c->hc->arg[0]) { /* int cmd */
	case XENVER_version:
		return x->cfg.version;
	case XENVER_extraversion:
		return put_string(c, arg, EXTRAVERSION, sizeof(xen_extraversion_t));
	case XENVER_compile_info: {
		struct xen_compile_info ci;
		memset(&ci, 0, sizeof(ci));
		snprintf(ci.compiler, sizeof(ci.compiler), "xkvm");
		snprintf(ci.compile_by, sizeof(ci.compile_by), "xkvm");
		snprintf(ci.compile_domain, sizeof(ci.compile_domain), "xkvm");
		return xen_copy_to_guest(c, arg, &ci, sizeof(ci));
	}
	case XENVER_capabilities:
		return put_string(c, arg, CAPABILITIES, sizeof(xen_capabilities_info_t));
	case XENVER_changeset:
		return put_string(c, arg, "xkvm", sizeof(xen_changeset_info_t));
	case XENVER_get_features: {
		struct xen_feature_info fi;
		int ret;
		if ((ret = xen_copy_from_guest(c, arg, &fi, sizeof(fi))))
			return ret;
		fi.submap = features(x, fi.submap_idx);
		return xen_copy_to_guest(c, arg, &fi, sizeof(fi));
	}
	case XENVER_pagesize:
		return XEN_PAGE_SIZE;
	case XENVER_guest_handle: {
		xen_domain_handle_t h = { 0 };
		return xen_copy_to_guest(c, arg, h, sizeof(h));
	}
	case XENVER_commandline:
	case XENVER_build_id:
		return -XEN_EPERM; /* Xen's answer to an unprivileged domain */
	default:
		/* XENVER_platform_parameters (PV only) and newer ones. */
		return -XEN_ENOSYS;
	}
}

static int shutdown(struct xen_hcall_ctx *c, uint64_t arg)
{
	struct xen_domain *x = c->x;
	struct sched_shutdown s;
	int ret;

	if ((ret = xen_copy_from_guest(c, arg, &s, sizeof(s))))
		return ret;
	switch (s.reason) {
	case SHUTDOWN_poweroff:
	case SHUTDOWN_reboot:
	case SHUTDOWN_crash:
		if (x->ops->shutdown)
			x->ops->shutdown(x->opaque, s.reason);
		return 0;
	case SHUTDOWN_soft_reset:
		xen_domain_soft_reset(x);
		return 0;
	default:
		/* SHUTDOWN_suspend needs a toolstack; SHUTDOWN_watchdog a watchdog.  QEMU
		 * answers both -EINVAL too. */
		return -XEN_EINVAL;
	}
}

#define POLL_MAX_PORTS 128 /* Xen's limit for SCHEDOP_poll */

struct wait_cond {
	struct xen_domain *x;
	const struct evtchn_2l_layout *l;
	unsigned vcpu;
	const uint32_t *ports;
	unsigned nr_ports;
	bool any_event; /* also done when the vCPU has an upcall to take */
};

static const struct evtchn_2l_layout *layout_of(struct xen_domain *x)
{
	return xen_domain_long_mode(x) ? &evtchn_2l_layout_64 : &evtchn_2l_layout_32;
}

/* Events for this vCPU that it has not masked (Xen's local_events_need_delivery). */
static bool events_need_delivery(const struct wait_cond *w)
{
	const uint8_t *vi = xen_vcpu_info_ptr(&w->x->shinfo, w->vcpu);

	return vi && evtchn_2l_upcall_pending(w->l, vi) &&
	       !__atomic_load_n(vi + offsetof(struct vcpu_info, evtchn_upcall_mask),
				__ATOMIC_SEQ_CST);
}

static bool wait_done(void *arg)
{
	const struct wait_cond *w = arg;
	void *sh = xen_shinfo_ptr(&w->x->shinfo);

	if (w->any_event && events_need_delivery(w))
		return true;
	for (unsigned i = 0; i < w->nr_ports; i++)
		if (evtchn_2l_is_pending(w->l, sh, w->ports[i]))
			return true;
	return false;
}

/* SCHEDOP_block: "enable event delivery and block until an event is pending". */
static int sched_block(struct xen_hcall_ctx *c)
{
	struct xen_domain *x = c->x;
	struct wait_cond w = { .x = x, .l = layout_of(x), .vcpu = c->hc->vcpu, .any_event = true };
	uint8_t *vi = xen_vcpu_info_ptr(&x->shinfo, c->hc->vcpu);

	atomic_fetch_add(&x->stats.blocks, 1);
	if (vi)
		__atomic_store_n(vi + offsetof(struct vcpu_info, evtchn_upcall_mask), 0,
				 __ATOMIC_SEQ_CST);
	if (!wait_done(&w) && x->ops->wait)
		x->ops->wait(x->opaque, c->hc->vcpu, 0, wait_done, &w);
	return 0;
}

/* SCHEDOP_poll: block until one of `ports` is pending (or an event needs delivery, or the
 * absolute timeout passes).  Error numbers and their order are Xen's do_poll(). */
static int sched_poll(struct xen_hcall_ctx *c, uint64_t arg)
{
	struct xen_domain *x = c->x;
	uint32_t ports[POLL_MAX_PORTS];
	struct wait_cond w = { .x = x, .l = layout_of(x), .vcpu = c->hc->vcpu, .ports = ports,
			       .any_event = true };
	uint64_t handle, timeout;
	unsigned nr;
	int ret;

	if (c->hc->long_mode) {
		struct sched_poll p;
		if ((ret = xen_copy_from_guest(c, arg, &p, sizeof(p))))
			return ret;
		handle = (uint64_t)(uintptr_t)p.ports.p;
		nr = p.nr_ports;
		timeout = p.timeout;
	} else {
		struct sched_poll_compat p;
		if ((ret = xen_copy_from_guest(c, arg, &p, sizeof(p))))
			return ret;
		handle = p.ports;
		nr = p.nr_ports;
		timeout = (uint64_t)p.timeout_hi << 32 | p.timeout_lo;
	}
	atomic_fetch_add(&x->stats.polls, 1);
	if (nr > POLL_MAX_PORTS)
		return -XEN_EINVAL;
	if (nr && (ret = xen_copy_from_guest(c, handle, ports, nr * sizeof(ports[0]))))
		return ret;
	if (events_need_delivery(&w))
		return 0;
	for (unsigned i = 0; i < nr; i++) {
		if (ports[i] >= evtchn_port_limit(&x->evtchn))
			return -XEN_EINVAL;
		w.nr_ports = i + 1;
		if (wait_done(&w))
			return 0;
	}
	if (x->ops->wait)
		x->ops->wait(x->opaque, c->hc->vcpu, timeout, wait_done, &w);
	return 0;
}

int64_t xen_hcall_sched_op(struct xen_hcall_ctx *c)
{
	switch ((uint32_t)c->hc->arg[0]) { /* int cmd */
	case SCHEDOP_shutdown:
		return shutdown(c, c->hc->arg[1]);
	case SCHEDOP_yield:
		sched_yield();
		return 0;
	case SCHEDOP_block:
		return sched_block(c);
	case SCHEDOP_poll:
		return sched_poll(c, c->hc->arg[1]);
	default:
		/* remote_shutdown, shutdown_code, watchdog, pin_override: not served. */
		return -XEN_ENOSYS;
	}
}

/* Appends printable text to the line buffer; emits a line on '\n' or when full. */
static void console_put(struct xen_domain *x, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char ch = buf[i];

		if (ch == '\n' || x->console_len == sizeof(x->console)) {
			if (x->ops->console_line)
				x->ops->console_line(x->opaque, x->console, x->console_len);
			x->console_len = 0;
			if (ch == '\n')
				continue;
		}
		/* "For all the other domains, only the printable characters". */
		if (isprint((unsigned char)ch))
			x->console[x->console_len++] = ch;
	}
}

int64_t xen_hcall_console_io(struct xen_hcall_ctx *c)
{
	const uint32_t cmd = (uint32_t)c->hc->arg[0];
	uint64_t count = (uint32_t)c->hc->arg[1];
	uint64_t gva = c->hc->arg[2];
	struct xen_domain *x = c->x;
	char chunk[256];
	int ret = 0;

	switch (cmd) {
	case CONSOLEIO_write:
		if (count > CONSOLE_WRITE_MAX)
			count = CONSOLE_WRITE_MAX;
		pthread_mutex_lock(&x->console_lock);
		while (count) {
			size_t n = count < sizeof(chunk) ? count : sizeof(chunk);

			if ((ret = xen_copy_from_guest(c, gva, chunk, n)))
				break;
			console_put(x, chunk, n);
			gva += n;
			count -= n;
		}
		pthread_mutex_unlock(&x->console_lock);
		return ret;
	case CONSOLEIO_read:
		return 0; /* no input on the emergency console */
	default:
		return -XEN_ENOSYS;
	}
}
