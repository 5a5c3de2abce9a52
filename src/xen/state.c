/* SPDX-License-Identifier: GPL-2.0-only */
/* Xen state save/restore (see state.h for the format). */
#include "xen/state.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_SIZE 16
#define RECORD_HEADER_SIZE 8

/* Payload sizes of the v1.0 records (a later minor may append fields). */
#define DOMAIN_SIZE 36 /* u16 domid, u16 0, u32 version, u32 max_vcpus, u8 long_mode,
			* u8 0[3], u64 shared_info gfn, u64 callback parameter, u32 0 */
#define PARAM_SIZE 12  /* u32 index, u64 value */
#define VCPU_SIZE 40   /* u32 vcpu, u8 present, u8 upcall vector, u16 0, u64 vcpu_info,
			* u64 time info, u64 runstate (guest-physical), u64 timer deadline */
#define PORT_SIZE 20   /* u32 port, u8 type, u8 0, u16 remote dom, u32 vcpu, u32 virq,
			* u32 peer */
#define VIRQ_SIZE 12   /* u32 vcpu, u32 virq, u32 port */
#define CLOCK_SIZE 8   /* u64 Xen system time (ns) at save */
#define END_SIZE 4     /* u32 CRC-32 of every byte before it */

uint32_t xen_state_crc32(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

/* ---- writing ---- */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

static void put(struct wbuf *w, const void *src, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 1024;
		uint8_t *p;

		while (cap < w->len + n)
			cap *= 2;
		if (!(p = realloc(w->p, cap))) {
			w->oom = true;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void put_le(struct wbuf *w, uint64_t v, unsigned bytes)
{
	uint8_t b[8];

	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(w, b, bytes);
}

static void patch_u32(struct wbuf *w, size_t off, uint32_t v)
{
	if (w->oom)
		return;
	for (unsigned i = 0; i < 4; i++)
		w->p[off + i] = (uint8_t)(v >> (8 * i));
}

static size_t record_begin(struct wbuf *w, uint16_t tag, uint16_t flags)
{
	size_t at;

	put_le(w, tag, 2);
	put_le(w, flags, 2);
	at = w->len;
	put_le(w, 0, 4);
	return at;
}

static void record_end(struct wbuf *w, size_t at)
{
	patch_u32(w, at, (uint32_t)(w->len - at - 4));
}

int xen_state_save(struct xen_domain *x, uint8_t **blob, size_t *len)
{
	struct wbuf w = { 0 };
	size_t at, total_at;

	put(&w, XEN_STATE_MAGIC, 8);
	put_le(&w, XEN_STATE_MAJOR, 2);
	put_le(&w, XEN_STATE_MINOR, 2);
	total_at = w.len;
	put_le(&w, 0, 4);

	at = record_begin(&w, XEN_STATE_DOMAIN, XEN_STATE_F_CRITICAL);
	put_le(&w, x->cfg.domid, 2);
	put_le(&w, 0, 2);
	put_le(&w, x->cfg.version, 4);
	put_le(&w, x->cfg.max_vcpus, 4);
	put_le(&w, xen_domain_long_mode(x), 1);
	put_le(&w, 0, 3);
	put_le(&w, xen_shinfo_gfn(&x->shinfo), 8);
	put_le(&w, atomic_load(&x->callback_param), 8);
	put_le(&w, 0, 4);
	record_end(&w, at);

	pthread_mutex_lock(&x->lock);
	for (uint32_t i = 0; i < HVM_NR_PARAMS; i++) {
		if (i == HVM_PARAM_CALLBACK_IRQ || !x->params[i])
			continue;
		at = record_begin(&w, XEN_STATE_PARAM, 0);
		put_le(&w, i, 4);
		put_le(&w, x->params[i], 8);
		record_end(&w, at);
	}
	for (unsigned v = 0; v < x->cfg.max_vcpus; v++) {
		bool present = evtchn_vcpu_present(&x->evtchn, v);
		uint64_t vi = xen_vcpu_info_gpa(&x->shinfo, v);
		uint64_t deadline = xen_timer_deadline(&x->timers, v);
		const struct xen_vcpu *xv = &x->vcpu[v];

		if (!present && vi == XEN_INVALID_GPA && xv->time_info_gpa == XEN_INVALID_GPA &&
		    xv->runstate_gpa == XEN_INVALID_GPA && !atomic_load(&xv->upcall_vector) &&
		    !deadline)
			continue;
		at = record_begin(&w, XEN_STATE_VCPU, XEN_STATE_F_CRITICAL);
		put_le(&w, v, 4);
		put_le(&w, present, 1);
		put_le(&w, atomic_load(&xv->upcall_vector), 1);
		put_le(&w, 0, 2);
		put_le(&w, vi, 8);
		put_le(&w, xv->time_info_gpa, 8);
		put_le(&w, xv->runstate_gpa, 8);
		put_le(&w, deadline, 8);
		record_end(&w, at);
	}
	pthread_mutex_unlock(&x->lock);

	for (uint32_t port = 1; port < EVTCHN_MAX_PORTS; port++) {
		struct evtchn_port p = evtchn_port_get(&x->evtchn, port);

		if (p.type == EVTCHNSTAT_closed)
			continue;
		at = record_begin(&w, XEN_STATE_PORT, XEN_STATE_F_CRITICAL);
		put_le(&w, port, 4);
		put_le(&w, p.type, 1);
		put_le(&w, 0, 1);
		put_le(&w, p.remote_dom, 2);
		put_le(&w, p.vcpu, 4);
		put_le(&w, p.virq, 4);
		put_le(&w, p.peer, 4);
		record_end(&w, at);
	}
	for (unsigned v = 0; v < x->cfg.max_vcpus; v++) {
		for (unsigned virq = 0; virq < NR_VIRQS; virq++) {
			uint32_t port;

			if (v && !evtchn_virq_is_per_vcpu(virq))
				continue; /* global VIRQs live in row 0 */
			if (!(port = evtchn_virq_port(&x->evtchn, v, virq)))
				continue;
			at = record_begin(&w, XEN_STATE_VIRQ, XEN_STATE_F_CRITICAL);
			put_le(&w, v, 4);
			put_le(&w, virq, 4);
			put_le(&w, port, 4);
			record_end(&w, at);
		}
	}

	/* Last, so that the deadlines above are never later than "now" relative to it. */
	at = record_begin(&w, XEN_STATE_CLOCK, 0);
	put_le(&w, x->ops->now(x->opaque), 8);
	record_end(&w, at);

	/* END: the CRC covers every byte before it, its own record header included. */
	patch_u32(&w, total_at, (uint32_t)(w.len + RECORD_HEADER_SIZE + END_SIZE));
	put_le(&w, XEN_STATE_END, 2);
	put_le(&w, XEN_STATE_F_CRITICAL, 2);
	put_le(&w, END_SIZE, 4);
	put_le(&w, w.oom ? 0 : xen_state_crc32(w.p, w.len), 4);
	if (w.oom) {
		free(w.p);
		return -ENOMEM;
	}
	*blob = w.p;
	*len = w.len;
	return 0;
}

/* ---- reading ---- */

struct rbuf {
	const uint8_t *p;
	size_t len, off;
};

static uint64_t get_le(struct rbuf *r, unsigned bytes)
{
	uint64_t v = 0;

	/* Callers check the payload length first; this only guards the arithmetic. */
	if (r->off + bytes > r->len)
		return 0;
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)r->p[r->off + i] << (8 * i);
	r->off += bytes;
	return v;
}

struct loaded_vcpu {
	bool seen, present;
	uint8_t vector;
	uint64_t vcpu_info, time_info, runstate, deadline;
};

struct loaded {
	bool have_domain;
	uint16_t domid;
	uint32_t version, max_vcpus;
	bool long_mode;
	uint64_t shinfo_gfn, callback;
	uint64_t params[HVM_NR_PARAMS];
	struct loaded_vcpu *vcpu;        /* [target max_vcpus] */
	struct evtchn_port *port;        /* [EVTCHN_MAX_PORTS]; closed = not in the blob */
	uint16_t *virq;                  /* [target max_vcpus][NR_VIRQS] */
	unsigned nr_virq_records;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Checks the framing (header, record lengths, END, CRC) without interpreting payloads.
 * On success *end is the offset of the END record. */
static int check_framing(const uint8_t *b, size_t len, size_t *end, char *err, size_t errlen)
{
	struct rbuf r = { b, len, 0 };
	uint32_t total, crc;
	uint16_t major, minor;

	if (len < HEADER_SIZE)
		return fail(err, errlen, "%zu bytes: too short for the header", len);
	if (memcmp(b, XEN_STATE_MAGIC, 8))
		return fail(err, errlen, "not an xkvm Xen state blob (bad magic)");
	r.off = 8;
	major = (uint16_t)get_le(&r, 2);
	minor = (uint16_t)get_le(&r, 2);
	total = (uint32_t)get_le(&r, 4);
	if (major != XEN_STATE_MAJOR)
		return fail(err, errlen, "format version %u.%u; this xkvm reads %u.x", major, minor,
			    XEN_STATE_MAJOR);
	if (total != len)
		return fail(err, errlen, "blob is %zu bytes but its header says %u (truncated?)",
			    len, total);
	while (r.off < len) {
		size_t at = r.off;
		uint16_t tag;
		uint32_t plen;

		if (len - r.off < RECORD_HEADER_SIZE)
			return fail(err, errlen, "record header at offset %zu is truncated", at);
		tag = (uint16_t)get_le(&r, 2);
		(void)get_le(&r, 2);
		plen = (uint32_t)get_le(&r, 4);
		if (plen > len - r.off)
			return fail(err, errlen, "record %u at offset %zu claims %u bytes, %zu remain",
				    tag, at, plen, len - r.off);
		if (tag == XEN_STATE_END) {
			if (plen != END_SIZE)
				return fail(err, errlen, "END record of %u bytes", plen);
			if (r.off + plen != len)
				return fail(err, errlen, "data after the END record");
			crc = (uint32_t)get_le(&r, 4);
			if (crc != xen_state_crc32(b, r.off - 4))
				return fail(err, errlen, "CRC mismatch: the blob is corrupt");
			*end = at;
			return 0;
		}
		r.off += plen;
	}
	return fail(err, errlen, "no END record (truncated?)");
}

static int parse_record(struct loaded *l, unsigned max_vcpus, uint16_t tag, uint16_t flags,
			struct rbuf *p, char *err, size_t errlen)
{
	size_t plen = p->len - p->off;

	switch (tag) {
	case XEN_STATE_DOMAIN:
		if (plen < DOMAIN_SIZE)
			return fail(err, errlen, "DOMAIN record truncated");
		if (l->have_domain)
			return fail(err, errlen, "two DOMAIN records");
		l->have_domain = true;
		l->domid = (uint16_t)get_le(p, 2);
		(void)get_le(p, 2);
		l->version = (uint32_t)get_le(p, 4);
		l->max_vcpus = (uint32_t)get_le(p, 4);
		l->long_mode = get_le(p, 1);
		(void)get_le(p, 3);
		l->shinfo_gfn = get_le(p, 8);
		l->callback = get_le(p, 8);
		return 0;
	case XEN_STATE_PARAM: {
		uint32_t i;

		if (plen < PARAM_SIZE)
			return fail(err, errlen, "PARAM record truncated");
		i = (uint32_t)get_le(p, 4);
		if (i >= HVM_NR_PARAMS || i == HVM_PARAM_CALLBACK_IRQ)
			return fail(err, errlen, "PARAM index %u out of range", i);
		l->params[i] = get_le(p, 8);
		return 0;
	}
	case XEN_STATE_VCPU: {
		struct loaded_vcpu *v;
		uint32_t id;

		if (plen < VCPU_SIZE)
			return fail(err, errlen, "VCPU record truncated");
		id = (uint32_t)get_le(p, 4);
		if (id >= max_vcpus)
			return fail(err, errlen, "vCPU %u: this VM has %u vCPU ids", id, max_vcpus);
		v = &l->vcpu[id];
		if (v->seen)
			return fail(err, errlen, "two records for vCPU %u", id);
		v->seen = true;
		v->present = get_le(p, 1);
		v->vector = (uint8_t)get_le(p, 1);
		(void)get_le(p, 2);
		v->vcpu_info = get_le(p, 8);
		v->time_info = get_le(p, 8);
		v->runstate = get_le(p, 8);
		v->deadline = get_le(p, 8);
		if (v->vector && v->vector < 0x10)
			return fail(err, errlen, "vCPU %u: upcall vector %u", id, v->vector);
		return 0;
	}
	case XEN_STATE_PORT: {
		struct evtchn_port *q;
		uint32_t port;

		if (plen < PORT_SIZE)
			return fail(err, errlen, "PORT record truncated");
		port = (uint32_t)get_le(p, 4);
		if (port == 0 || port >= EVTCHN_MAX_PORTS)
			return fail(err, errlen, "port %u out of range", port);
		q = &l->port[port];
		if (q->type != EVTCHNSTAT_closed)
			return fail(err, errlen, "two records for port %u", port);
		q->type = (uint8_t)get_le(p, 1);
		(void)get_le(p, 1);
		q->remote_dom = (uint16_t)get_le(p, 2);
		q->vcpu = (uint32_t)get_le(p, 4);
		q->virq = (uint32_t)get_le(p, 4);
		q->peer = (uint32_t)get_le(p, 4);
		if (q->type == EVTCHNSTAT_closed || q->type > EVTCHNSTAT_ipi ||
		    q->type == EVTCHNSTAT_pirq)
			return fail(err, errlen, "port %u: type %u", port, q->type);
		if (q->vcpu >= max_vcpus)
			return fail(err, errlen, "port %u: vCPU %u out of range", port, q->vcpu);
		return 0;
	}
	case XEN_STATE_CLOCK:
		if (plen < CLOCK_SIZE)
			return fail(err, errlen, "CLOCK record truncated");
		return 0; /* read by xen_state_clock() */
	case XEN_STATE_VIRQ: {
		uint32_t v, virq, port;

		if (plen < VIRQ_SIZE)
			return fail(err, errlen, "VIRQ record truncated");
		v = (uint32_t)get_le(p, 4);
		virq = (uint32_t)get_le(p, 4);
		port = (uint32_t)get_le(p, 4);
		if (v >= max_vcpus || virq >= NR_VIRQS || port == 0 || port >= EVTCHN_MAX_PORTS)
			return fail(err, errlen, "VIRQ %u on vCPU %u -> port %u out of range", virq,
				    v, port);
		if (l->virq[(size_t)v * NR_VIRQS + virq])
			return fail(err, errlen, "VIRQ %u on vCPU %u bound twice", virq, v);
		l->virq[(size_t)v * NR_VIRQS + virq] = (uint16_t)port;
		l->nr_virq_records++;
		return 0;
	}
	default:
		if (flags & XEN_STATE_F_CRITICAL)
			return fail(err, errlen, "record %u is not understood by this xkvm", tag);
		return 0; /* an optional record from a newer minor version */
	}
}

static bool pristine(struct xen_domain *x)
{
	if (x->evtchn.nr_ports || xen_shinfo_gfn(&x->shinfo) != XEN_INVALID_GFN)
		return false;
	for (unsigned v = 0; v < x->cfg.max_vcpus; v++)
		if (xen_vcpu_info_gpa(&x->shinfo, v) != XEN_INVALID_GPA ||
		    xen_timer_deadline(&x->timers, v))
			return false;
	return true;
}

/* Puts `x` back to unused, with the vCPUs present that were before the load. */
static void roll_back(struct xen_domain *x, const bool *was_present)
{
	xen_domain_soft_reset(x);
	for (unsigned v = 0; v < x->cfg.max_vcpus; v++) {
		if (was_present[v])
			evtchn_vcpu_add(&x->evtchn, v);
		else if (evtchn_vcpu_present(&x->evtchn, v))
			evtchn_vcpu_remove(&x->evtchn, v);
	}
}

static int apply(struct xen_domain *x, struct loaded *l, char *err, size_t errlen)
{
	const unsigned n = x->cfg.max_vcpus;
	char why[160];
	unsigned nr_virq_ports = 0;

	atomic_store(&x->long_mode, l->long_mode);
	evtchn_set_long_mode(&x->evtchn, l->long_mode);
	for (unsigned v = 0; v < n; v++) {
		if (l->vcpu[v].present)
			evtchn_vcpu_add(&x->evtchn, v);
		else if (evtchn_vcpu_present(&x->evtchn, v))
			evtchn_vcpu_remove(&x->evtchn, v);
	}
	if (xen_shinfo_restore(&x->shinfo, l->shinfo_gfn))
		return fail(err, errlen, "shared_info frame 0x%llx is not RAM",
			    (unsigned long long)l->shinfo_gfn);
	pthread_mutex_lock(&x->lock);
	for (unsigned v = 0; v < n; v++) {
		const struct loaded_vcpu *lv = &l->vcpu[v];

		if (!lv->seen)
			continue;
		if (xen_vcpu_info_restore(&x->shinfo, v, lv->vcpu_info, l->long_mode)) {
			pthread_mutex_unlock(&x->lock);
			return fail(err, errlen, "vCPU %u: vcpu_info at 0x%llx is not usable", v,
				    (unsigned long long)lv->vcpu_info);
		}
		if ((lv->time_info != XEN_INVALID_GPA && !gm_is_ram(x->gm, lv->time_info, 32)) ||
		    (lv->runstate != XEN_INVALID_GPA && !gm_is_ram(x->gm, lv->runstate, 44))) {
			pthread_mutex_unlock(&x->lock);
			return fail(err, errlen, "vCPU %u: time or runstate area is not RAM", v);
		}
		x->vcpu[v].time_info_gpa = lv->time_info;
		x->vcpu[v].runstate_gpa = lv->runstate;
		atomic_store(&x->vcpu[v].upcall_vector, lv->vector);
	}
	memcpy(x->params, l->params, sizeof(x->params));
	atomic_store(&x->callback_param, l->callback);
	pthread_mutex_unlock(&x->lock);

	for (uint32_t port = 1; port < EVTCHN_MAX_PORTS; port++) {
		const struct evtchn_port *p = &l->port[port];
		int ret;

		if (p->type == EVTCHNSTAT_closed)
			continue;
		if (p->type == EVTCHNSTAT_virq)
			nr_virq_ports++;
		if ((ret = evtchn_port_restore(&x->evtchn, port, p)))
			return fail(err, errlen, "port %u: %s", port,
				    ret == -EEXIST ? "VIRQ bound twice" : "invalid binding");
	}
	if (evtchn_check(&x->evtchn, why, sizeof(why)))
		return fail(err, errlen, "inconsistent port table: %s", why);
	/* The VIRQ records must describe exactly the VIRQ ports. */
	if (l->nr_virq_records != nr_virq_ports)
		return fail(err, errlen, "%u VIRQ records for %u VIRQ ports", l->nr_virq_records,
			    nr_virq_ports);
	for (unsigned v = 0; v < n; v++)
		for (unsigned virq = 0; virq < NR_VIRQS; virq++) {
			uint32_t want = l->virq[(size_t)v * NR_VIRQS + virq];

			if (want && evtchn_virq_port(&x->evtchn, v, virq) != want)
				return fail(err, errlen,
					    "VIRQ %u on vCPU %u: record says port %u, ports say %u",
					    virq, v, want, evtchn_virq_port(&x->evtchn, v, virq));
		}
	/* Timers last: a deadline that passed while the VM was away fires now. */
	for (unsigned v = 0; v < n; v++)
		if (l->vcpu[v].deadline)
			xen_timer_set(&x->timers, v, l->vcpu[v].deadline);
	xen_domain_reassert(x);
	return 0;
}

int xen_state_clock(const uint8_t *blob, size_t len, uint64_t *ns, char *err, size_t errlen)
{
	struct rbuf r = { blob, 0, HEADER_SIZE };
	size_t end = 0;
	int ret;

	if ((ret = check_framing(blob, len, &end, err, errlen)))
		return ret;
	r.len = end;
	while (r.off < r.len) {
		uint16_t tag = (uint16_t)get_le(&r, 2);
		uint32_t plen;

		(void)get_le(&r, 2);
		plen = (uint32_t)get_le(&r, 4);
		if (tag == XEN_STATE_CLOCK) {
			if (plen < CLOCK_SIZE)
				return fail(err, errlen, "CLOCK record truncated");
			*ns = get_le(&r, 8);
			return 0;
		}
		r.off += plen;
	}
	return -ENOENT;
}

int xen_state_load(struct xen_domain *x, const uint8_t *blob, size_t len, char *err,
		   size_t errlen)
{
	const unsigned n = x->cfg.max_vcpus;
	struct loaded l = { 0 };
	struct rbuf r = { blob, 0, HEADER_SIZE };
	bool *was_present = NULL;
	size_t end = 0;
	int ret;

	if ((ret = check_framing(blob, len, &end, err, errlen)))
		return ret;
	r.len = end;
	l.vcpu = calloc(n, sizeof(*l.vcpu));
	l.port = calloc(EVTCHN_MAX_PORTS, sizeof(*l.port));
	l.virq = calloc((size_t)n * NR_VIRQS, sizeof(*l.virq));
	was_present = calloc(n, sizeof(*was_present));
	if (!l.vcpu || !l.port || !l.virq || !was_present) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned v = 0; v < n; v++)
		l.vcpu[v].vcpu_info = l.vcpu[v].time_info = l.vcpu[v].runstate = XEN_INVALID_GPA;
	while (r.off < r.len) {
		uint16_t tag = (uint16_t)get_le(&r, 2), flags = (uint16_t)get_le(&r, 2);
		uint32_t plen = (uint32_t)get_le(&r, 4);
		struct rbuf p = { blob, r.off + plen, r.off };

		if ((ret = parse_record(&l, n, tag, flags, &p, err, errlen)))
			goto out;
		r.off += plen;
	}
	if (!l.have_domain) {
		ret = fail(err, errlen, "no DOMAIN record");
		goto out;
	}
	if (l.domid != x->cfg.domid || l.version != x->cfg.version) {
		ret = fail(err, errlen,
			   "saved for domain %u, Xen %u.%u; this VM is domain %u, Xen %u.%u",
			   l.domid, l.version >> 16, l.version & 0xffff, x->cfg.domid,
			   x->cfg.version >> 16, x->cfg.version & 0xffff);
		goto out;
	}
	if (l.max_vcpus > n) {
		ret = fail(err, errlen, "saved with %u vCPU ids, this VM has %u", l.max_vcpus, n);
		goto out;
	}
	if (!pristine(x)) {
		ret = -EBUSY;
		if (err && errlen)
			snprintf(err, errlen, "the Xen state is already in use");
		goto out;
	}
	for (unsigned v = 0; v < n; v++)
		was_present[v] = evtchn_vcpu_present(&x->evtchn, v);
	if ((ret = apply(x, &l, err, errlen)))
		roll_back(x, was_present);
out:
	free(l.vcpu);
	free(l.port);
	free(l.virq);
	free(was_present);
	return ret;
}
