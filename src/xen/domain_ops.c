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

int64_t xen_hcall_sched_op(struct xen_hcall_ctx *c)
{
	switch ((uint32_t)c->hc->arg[0]) { /* int cmd */
	case SCHEDOP_shutdown:
		return shutdown(c, c->hc->arg[1]);
	case SCHEDOP_yield:
		sched_yield();
		return 0;
	case SCHEDOP_poll:
		/* Spurious wake-ups are allowed; Linux only uses it for PV spinlocks. */
		sched_yield();
		return 0;
	default:
		/* SCHEDOP_block: HVM guests HLT.  remote_shutdown, shutdown_code, watchdog,
		 * pin_override: not served. */
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
