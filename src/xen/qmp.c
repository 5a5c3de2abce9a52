/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QMP commands of the Xen guest ABI (docs/xen.md):
 *   xen-event-list, xen-event-inject            QEMU's commands, QEMU's shapes
 *   __org.xkvm_query-xen                        the domain, every vCPU's Xen state, the
 *                                               port table with VIRQs and peers, counters
 *   __org.xkvm_xen-state-save / -load {file}    the save/restore blob (xen/state.h)
 * Handlers run on the main thread with the `struct vm *` they were registered with.
 */
#include "xen/qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"
#include "vm/vm.h"
#include "xen/domain.h"
#include "xen/state.h"
#include "xen/vmm.h"

#define XEN_STATE_MAX (1u << 20) /* far above any real blob (4096 ports, 256 vCPUs) */

static const char *const port_types[] = {
	[EVTCHNSTAT_closed] = "closed",
	[EVTCHNSTAT_unbound] = "unbound",
	[EVTCHNSTAT_interdomain] = "interdomain",
	[EVTCHNSTAT_pirq] = "pirq",
	[EVTCHNSTAT_virq] = "virq",
	[EVTCHNSTAT_ipi] = "ipi",
};

static struct xen_domain *domain_of(struct qmp_call *c)
{
	struct vm *vm = c->opaque;

	if (!vm->xen) {
		qmp_fail(c, QMP_ERROR_GENERIC, "Xen event channel emulation not enabled");
		return NULL;
	}
	return xen_vmm_domain(vm->xen);
}

/* The guest's bitmaps, read as it would (no shared_info yet: nothing pending). */
static void port_bits(struct xen_domain *x, uint32_t port, bool *pending, bool *masked)
{
	const struct evtchn_2l_layout *l = xen_domain_long_mode(x) ? &evtchn_2l_layout_64
								    : &evtchn_2l_layout_32;
	void *sh = xen_shinfo_ptr(&x->shinfo);

	*pending = port < l->nr_ports && evtchn_2l_is_pending(l, sh, port);
	*masked = port < l->nr_ports && evtchn_2l_is_masked(l, sh, port);
}

/* "xkvm" names xkvm's own back-ends (domain 0), as QEMU says "qemu" for its own. */
static json_t *remote_domain(const struct evtchn_port *p)
{
	char buf[16];

	if (p->type != EVTCHNSTAT_unbound && p->type != EVTCHNSTAT_interdomain)
		return json_string("");
	if (p->remote_dom == 0)
		return json_string("xkvm");
	snprintf(buf, sizeof(buf), "%u", p->remote_dom);
	return json_string(buf);
}

static uint32_t target_of(const struct evtchn_port *p)
{
	switch (p->type) {
	case EVTCHNSTAT_interdomain: return p->peer;
	case EVTCHNSTAT_virq: return p->virq;
	default: return 0;
	}
}

static int xen_event_list(struct qmp_call *c, json_t *args)
{
	struct xen_domain *x = domain_of(c);
	json_t *list;

	(void)args;
	if (!x)
		return -1;
	list = json_array();
	for (uint32_t port = 1; list && port < EVTCHN_MAX_PORTS; port++) {
		struct evtchn_port p = evtchn_port_get(&x->evtchn, port);
		bool pending, masked;

		if (p.type == EVTCHNSTAT_closed)
			continue;
		port_bits(x, port, &pending, &masked);
		json_array_append_new(list, json_pack("{s:I, s:I, s:s, s:o, s:I, s:b, s:b}",
			"port", (json_int_t)port, "vcpu", (json_int_t)p.vcpu,
			"type", port_types[p.type], "remote-domain", remote_domain(&p),
			"target", (json_int_t)target_of(&p), "pending", pending, "masked", masked));
	}
	c->ret = list;
	return list ? 0 : -1;
}

static int xen_event_inject(struct qmp_call *c, json_t *args)
{
	struct xen_domain *x = domain_of(c);
	int64_t port = qmp_arg_int(args, "port", 0);

	if (!x)
		return -1;
	if (port <= 0 || port >= EVTCHN_MAX_PORTS ||
	    evtchn_host_raise(&x->evtchn, (uint32_t)port) < 0)
		return qmp_fail(c, QMP_ERROR_GENERIC, "Invalid port %lld", (long long)port);
	return 0;
}

static json_t *gpa_or_null(uint64_t gpa)
{
	return gpa == XEN_INVALID_GPA ? json_null() : json_integer((json_int_t)gpa);
}

static int query_xen(struct qmp_call *c, json_t *args)
{
	struct xen_domain *x = domain_of(c);
	json_t *vcpus, *ports, *ret;
	uint64_t gfn;

	(void)args;
	if (!x)
		return -1;
	vcpus = json_array();
	for (unsigned v = 0; vcpus && v < x->cfg.max_vcpus; v++) {
		json_t *virqs = json_object();

		for (unsigned virq = 0; virqs && virq < NR_VIRQS; virq++) {
			uint32_t port;
			char key[8];

			if (!evtchn_virq_is_per_vcpu(virq) && v)
				continue;
			if (!(port = evtchn_virq_port(&x->evtchn, v, virq)))
				continue;
			snprintf(key, sizeof(key), "%u", virq);
			json_object_set_new(virqs, key, json_integer(port));
		}
		pthread_mutex_lock(&x->lock);
		json_array_append_new(vcpus, json_pack("{s:I, s:b, s:o, s:o, s:I, s:I, s:o}",
			"cpu-index", (json_int_t)v, "present", evtchn_vcpu_present(&x->evtchn, v),
			"vcpu-info", gpa_or_null(xen_vcpu_info_gpa(&x->shinfo, v)),
			"time-info", gpa_or_null(x->vcpu[v].time_info_gpa),
			"upcall-vector", (json_int_t)atomic_load(&x->vcpu[v].upcall_vector),
			"timer-deadline", (json_int_t)xen_timer_deadline(&x->timers, v),
			"virqs", virqs));
		pthread_mutex_unlock(&x->lock);
	}
	ports = json_array();
	for (uint32_t port = 1; ports && port < EVTCHN_MAX_PORTS; port++) {
		struct evtchn_port p = evtchn_port_get(&x->evtchn, port);
		bool pending, masked;

		if (p.type == EVTCHNSTAT_closed)
			continue;
		port_bits(x, port, &pending, &masked);
		json_array_append_new(ports, json_pack("{s:I, s:s, s:I, s:o, s:I, s:b, s:b}",
			"port", (json_int_t)port, "type", port_types[p.type],
			"vcpu", (json_int_t)p.vcpu, "remote-domain", remote_domain(&p),
			"target", (json_int_t)target_of(&p), "pending", pending, "masked", masked));
	}
	gfn = xen_shinfo_gfn(&x->shinfo);
	ret = json_pack("{s:I, s:I, s:b, s:o, s:I, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
			"s:I, s:I}}",
		"domid", (json_int_t)x->cfg.domid, "version", (json_int_t)x->cfg.version,
		"long-mode", xen_domain_long_mode(x),
		"shared-info", gfn == XEN_INVALID_GFN ? json_null()
						      : json_integer((json_int_t)(gfn << 12)),
		"callback-param", (json_int_t)atomic_load(&x->callback_param),
		"vcpus", vcpus, "ports", ports,
		"stats", "hypercalls", (json_int_t)atomic_load(&x->stats.hypercalls),
		"unknown-hypercalls", (json_int_t)atomic_load(&x->stats.unknown),
		"upcalls-vector", (json_int_t)atomic_load(&x->stats.upcalls_vector),
		"upcalls-gsi", (json_int_t)atomic_load(&x->stats.upcalls_gsi),
		"upcalls-dropped", (json_int_t)atomic_load(&x->stats.upcalls_dropped),
		"sends", (json_int_t)x->evtchn.stats.sends,
		"lost-no-shared-info", (json_int_t)x->evtchn.stats.lost_no_shinfo,
		"blocks", (json_int_t)atomic_load(&x->stats.blocks),
		"polls", (json_int_t)atomic_load(&x->stats.polls));
	c->ret = ret;
	return ret ? 0 : -1;
}

static int write_file(const char *path, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), ret = 0;

	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0 && !ret)
		ret = -errno;
	return ret;
}

static int state_save(struct qmp_call *c, json_t *args)
{
	struct vm *vm = c->opaque;
	const char *path = qmp_arg_str(args, "file", NULL);
	uint8_t *blob = NULL;
	size_t len = 0;
	bool running = vm->state == RUN_STATE_RUNNING;
	int ret;

	if (!domain_of(c))
		return -1;
	/* The vCPUs hold still while the tables are read. */
	if (running)
		vm_pause_all(vm);
	ret = xen_vmm_state_save(vm->xen, &blob, &len);
	if (running)
		vm_resume_all(vm);
	if (ret < 0)
		return qmp_fail(c, QMP_ERROR_GENERIC, "saving the Xen state: %s", strerror(-ret));
	ret = write_file(path, blob, len);
	free(blob);
	if (ret < 0)
		return qmp_fail(c, QMP_ERROR_GENERIC, "%s: %s", path, strerror(-ret));
	c->ret = json_pack("{s:I}", "size", (json_int_t)len);
	return 0;
}

static int state_load(struct qmp_call *c, json_t *args)
{
	struct vm *vm = c->opaque;
	const char *path = qmp_arg_str(args, "file", NULL);
	struct mapped_file f;
	char err[256] = "";
	int ret;

	if (!domain_of(c))
		return -1;
	if (vm->state != RUN_STATE_PRELAUNCH)
		return qmp_fail(c, QMP_ERROR_GENERIC, "the Xen state can only be loaded before the "
				"guest runs (start xkvm with -S)");
	if ((ret = file_map(path, &f)) < 0)
		return qmp_fail(c, QMP_ERROR_GENERIC, "%s: %s", path, strerror(-ret));
	if (f.size > XEN_STATE_MAX) {
		file_unmap(&f);
		return qmp_fail(c, QMP_ERROR_GENERIC, "%s: %zu bytes is not a Xen state blob", path,
				f.size);
	}
	ret = xen_vmm_state_load(vm->xen, f.data, f.size, err, sizeof(err));
	file_unmap(&f);
	if (ret < 0)
		return qmp_fail(c, QMP_ERROR_GENERIC, "%s: %s", path,
				err[0] ? err : strerror(-ret));
	return 0;
}

static const struct qmp_arg file_arg[] = {
	{ "file", QMP_TYPE_STR, false, 0, NULL, "path of the state file" },
	{ NULL },
};

static const struct qmp_command commands[] = {
	{
		.name = "xen-event-list",
		.fn = xen_event_list,
		.returns = "[{\"port\": int, \"vcpu\": int, \"type\": \"unbound\"|\"interdomain\"|"
			   "\"virq\"|\"ipi\", \"remote-domain\": str, \"target\": int, "
			   "\"pending\": bool, \"masked\": bool}]",
		.doc = "The guest's open event-channel ports, in QEMU's EvtchnInfo shape: "
		       "`target` is the peer port (interdomain) or the VIRQ; `remote-domain` "
		       "is the domain id, or \"xkvm\" for xkvm's own back-ends (the PV console).",
	},
	{
		.name = "xen-event-inject",
		.fn = xen_event_inject,
		.args = (const struct qmp_arg[]){
			{ "port", QMP_TYPE_UINT32, false, 0, NULL, "an open port" },
			{ NULL },
		},
		.returns = "{}",
		.doc = "Set an open port pending, as if its other end had signalled it.",
	},
	{
		.name = QMP_XKVM_PREFIX "query-xen",
		.fn = query_xen,
		.returns = "{\"domid\": int, \"version\": int, \"long-mode\": bool, "
			   "\"shared-info\": int|null, \"callback-param\": int, \"vcpus\": "
			   "[{\"cpu-index\": int, \"present\": bool, \"vcpu-info\": int|null, "
			   "\"time-info\": int|null, \"upcall-vector\": int, "
			   "\"timer-deadline\": int, \"virqs\": {\"VIRQ\": port}}], "
			   "\"ports\": [EvtchnInfo], \"stats\": {...}}",
		.doc = "The Xen domain as xkvm serves it: where shared_info and each vcpu_info "
		       "are (guest-physical), upcall vectors, singleshot deadlines (Xen system "
		       "time, 0: none), every VIRQ binding, the port table and counters.",
	},
	{
		.name = QMP_XKVM_PREFIX "xen-state-save",
		.fn = state_save,
		.args = file_arg,
		.returns = "{\"size\": int}",
		.doc = "Write the Xen state blob (docs/xen.md, \"State\") to `file`, with the "
		       "vCPUs paused for the moment it takes.",
	},
	{
		.name = QMP_XKVM_PREFIX "xen-state-load",
		.fn = state_load,
		.args = file_arg,
		.returns = "{}",
		.doc = "Load a Xen state blob into this VM before its guest runs (-S): the guest "
		       "clock continues from the blob's, then ports, areas, vectors and timers are "
		       "restored; a deadline already passed fires at once.",
	},
};

const struct qmp_module qmp_module_xen = {
	.name = "xen",
	.doc = "The Xen guest ABI (-accel kvm,xen-version=N; docs/xen.md).",
	.commands = commands,
	.nr_commands = QMP_ARRAY_SIZE(commands),
};
