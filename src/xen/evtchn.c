/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event-channel port engine (see evtchn.h).  Semantics and error numbers follow Xen's
 * common/event_channel.c; where QEMU's emulation (hw/i386/kvm/xen_evtchn.c) differs,
 * docs/xen.md says which one we follow and why.
 */
#include "xen/evtchn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VIRQ_ROW(e, vcpu) (&(e)->virq_port[(size_t)(vcpu) * NR_VIRQS])

bool evtchn_virq_is_per_vcpu(unsigned virq)
{
	switch (virq) {
	case VIRQ_TIMER:
	case VIRQ_DEBUG:
	case VIRQ_XENOPROF:
	case VIRQ_XENPMU:
		return true;
	default:
		return false;
	}
}

int evtchn_init(struct evtchn_state *e, unsigned max_vcpus, uint16_t domid,
		const struct evtchn_shared_ops *ops, void *opaque)
{
	int ret;

	/* Domain 0 is the back-end domain xkvm stands for: the guest cannot be it. */
	if (max_vcpus == 0 || max_vcpus > UINT16_MAX || domid == 0 ||
	    domid >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	e->virq_port = calloc((size_t)max_vcpus * NR_VIRQS, sizeof(*e->virq_port));
	e->present = calloc(max_vcpus, sizeof(*e->present));
	if (!e->virq_port || !e->present) {
		free(e->virq_port);
		free(e->present);
		return -ENOMEM;
	}
	if ((ret = pthread_mutex_init(&e->lock, NULL))) {
		free(e->virq_port);
		free(e->present);
		return -ret;
	}
	e->max_vcpus = max_vcpus;
	e->domid = domid;
	e->backend_domid = 0;
	e->layout = &evtchn_2l_layout_64;
	e->ops = ops;
	e->opaque = opaque;
	return 0;
}

void evtchn_destroy(struct evtchn_state *e)
{
	if (!e->virq_port)
		return;
	pthread_mutex_destroy(&e->lock);
	free(e->virq_port);
	free(e->present);
	e->virq_port = NULL;
	e->present = NULL;
}

void evtchn_set_long_mode(struct evtchn_state *e, bool long_mode)
{
	pthread_mutex_lock(&e->lock);
	e->layout = long_mode ? &evtchn_2l_layout_64 : &evtchn_2l_layout_32;
	pthread_mutex_unlock(&e->lock);
}

unsigned evtchn_port_limit(struct evtchn_state *e)
{
	unsigned n;

	pthread_mutex_lock(&e->lock);
	n = e->layout->nr_ports;
	pthread_mutex_unlock(&e->lock);
	return n;
}

/* ---- helpers; all called with e->lock held ---- */

static bool port_valid(const struct evtchn_state *e, uint32_t port)
{
	return port != 0 && port < e->layout->nr_ports;
}

static bool vcpu_ok(const struct evtchn_state *e, uint32_t vcpu)
{
	return vcpu < e->max_vcpus && e->present[vcpu];
}

/* Where a port goes when nobody asked: vCPU 0 ("all other channels notify vcpu0 by
 * default"), or the lowest present vCPU while vCPU 0 is unplugged. */
static unsigned default_vcpu(const struct evtchn_state *e)
{
	for (unsigned v = 0; v < e->max_vcpus; v++)
		if (e->present[v])
			return v;
	return 0;
}

static bool is_self(const struct evtchn_state *e, uint16_t dom)
{
	return dom == DOMID_SELF || dom == e->domid;
}

/* An interdomain port whose other end is one of xkvm's back-ends. */
static bool is_backend(const struct evtchn_port *p, const struct evtchn_state *e)
{
	return p->type == EVTCHNSTAT_interdomain && p->remote_dom == e->backend_domid;
}

static void *shinfo(struct evtchn_state *e)
{
	return e->ops && e->ops->shared_info ? e->ops->shared_info(e->opaque) : NULL;
}

static void *vcpu_info(struct evtchn_state *e, unsigned vcpu)
{
	return e->ops && e->ops->vcpu_info ? e->ops->vcpu_info(e->opaque, vcpu) : NULL;
}

/* Act on the outcome of a delivery step: inject on the edge, count the rest. */
static void account(struct evtchn_state *e, unsigned vcpu, enum evtchn_2l_outcome o)
{
	switch (o) {
	case EVTCHN_2L_UPCALL_EDGE:
		e->stats.upcalls++;
		if (e->ops && e->ops->upcall)
			e->ops->upcall(e->opaque, vcpu);
		break;
	case EVTCHN_2L_MASKED:
		e->stats.masked++;
		break;
	case EVTCHN_2L_NOTHING:
	case EVTCHN_2L_SEL_WAS_SET:
	case EVTCHN_2L_UPCALL_WAS_SET:
		e->stats.coalesced++;
		break;
	case EVTCHN_2L_NO_SHARED_INFO:
		e->stats.lost_no_shinfo++;
		break;
	case EVTCHN_2L_NO_VCPU_INFO:
		e->stats.lost_no_vcpu_info++;
		break;
	}
}

static void set_pending(struct evtchn_state *e, uint32_t port)
{
	unsigned vcpu = e->port[port].vcpu;
	enum evtchn_2l_outcome o;

	if (port >= e->layout->nr_ports)
		return; /* bound under a wider layout; unreachable now */
	e->stats.sends++;
	o = evtchn_2l_set_pending(e->layout, shinfo(e), vcpu_info(e, vcpu), port);
	account(e, vcpu, o);
	/* The pending bit went 0 -> 1 (masked or not): a poller may be waiting for it, as
	 * Xen's evtchn_check_pollers(). */
	if (o != EVTCHN_2L_NOTHING && o != EVTCHN_2L_NO_SHARED_INFO && e->ops && e->ops->pending)
		e->ops->pending(e->opaque, vcpu, port);
}

/* A port's vCPU changed: if it is pending and unmasked, make the new vCPU look. */
static void reraise(struct evtchn_state *e, uint32_t port)
{
	unsigned vcpu = e->port[port].vcpu;

	if (port >= e->layout->nr_ports)
		return;
	account(e, vcpu, evtchn_2l_raise(e->layout, shinfo(e), vcpu_info(e, vcpu), port));
}

/* Lowest free port from 1, bound as `p`.  Returns the port or -XEN_ENOSPC. */
static int alloc_port(struct evtchn_state *e, const struct evtchn_port *p)
{
	for (uint32_t port = 1; port < e->layout->nr_ports; port++) {
		if (e->port[port].type != EVTCHNSTAT_closed)
			continue;
		e->port[port] = *p;
		if (e->nr_ports <= port)
			e->nr_ports = port + 1;
		return (int)port;
	}
	return -XEN_ENOSPC;
}

static void free_port(struct evtchn_state *e, uint32_t port)
{
	memset(&e->port[port], 0, sizeof(e->port[port]));
	e->port[port].type = EVTCHNSTAT_closed;
	while (e->nr_ports > 0 && e->port[e->nr_ports - 1].type == EVTCHNSTAT_closed)
		e->nr_ports--;
	/* As Xen: clear the pending bit so a re-bound port starts quiet. */
	if (port < e->layout->nr_ports)
		evtchn_2l_clear_pending(e->layout, shinfo(e), port);
}

static int close_port(struct evtchn_state *e, uint32_t port)
{
	struct evtchn_port *p = &e->port[port];

	switch (p->type) {
	case EVTCHNSTAT_closed:
		return -XEN_EINVAL;
	case EVTCHNSTAT_virq: {
		unsigned row = evtchn_virq_is_per_vcpu(p->virq) ? p->vcpu : 0;
		VIRQ_ROW(e, row)[p->virq] = 0;
		break;
	}
	case EVTCHNSTAT_interdomain: {
		struct evtchn_port *q;

		if (is_backend(p, e))
			break; /* the back-end's end is not in our table */
		/* Loopback: the other end goes back to waiting for a connection. */
		q = &e->port[p->peer];
		q->type = EVTCHNSTAT_unbound;
		q->peer = 0;
		q->remote_dom = e->domid;
		break;
	}
	default:
		break;
	}
	free_port(e, port);
	return 0;
}

/* ---- vCPU hot-plug ---- */

bool evtchn_vcpu_present(struct evtchn_state *e, unsigned vcpu)
{
	bool r;

	pthread_mutex_lock(&e->lock);
	r = vcpu_ok(e, vcpu);
	pthread_mutex_unlock(&e->lock);
	return r;
}

int evtchn_vcpu_add(struct evtchn_state *e, unsigned vcpu)
{
	if (vcpu >= e->max_vcpus)
		return -EINVAL;
	pthread_mutex_lock(&e->lock);
	e->present[vcpu] = true;
	pthread_mutex_unlock(&e->lock);
	return 0;
}

int evtchn_vcpu_remove(struct evtchn_state *e, unsigned vcpu)
{
	int closed = 0;
	unsigned target;

	if (vcpu >= e->max_vcpus)
		return -EINVAL;
	pthread_mutex_lock(&e->lock);
	if (!e->present[vcpu]) {
		pthread_mutex_unlock(&e->lock);
		return -ENOENT;
	}
	e->present[vcpu] = false;
	target = default_vcpu(e);
	for (uint32_t port = 1; port < e->nr_ports; port++) {
		struct evtchn_port *p = &e->port[port];

		if (p->type == EVTCHNSTAT_closed || p->vcpu != vcpu)
			continue;
		if (p->type == EVTCHNSTAT_ipi ||
		    (p->type == EVTCHNSTAT_virq && evtchn_virq_is_per_vcpu(p->virq))) {
			close_port(e, port);
			closed++;
		} else {
			p->vcpu = target;
			reraise(e, port);
		}
	}
	pthread_mutex_unlock(&e->lock);
	return closed;
}

/* ---- EVTCHNOP_* ---- */

int evtchn_alloc_unbound(struct evtchn_state *e, struct evtchn_alloc_unbound *a)
{
	struct evtchn_port p = { .type = EVTCHNSTAT_unbound };
	int port;

	if (!is_self(e, a->dom))
		return -XEN_ESRCH;
	/* Loopback (DOMID_SELF or our own id), or a back-end xkvm itself serves.  Anything
	 * else would wait for a domain that does not exist: -EPERM, as QEMU. */
	if (is_self(e, a->remote_dom))
		p.remote_dom = e->domid;
	else if (a->remote_dom == e->backend_domid)
		p.remote_dom = e->backend_domid;
	else
		return -XEN_EPERM;
	pthread_mutex_lock(&e->lock);
	p.vcpu = default_vcpu(e);
	port = alloc_port(e, &p);
	pthread_mutex_unlock(&e->lock);
	if (port < 0)
		return port;
	a->port = (uint32_t)port;
	return 0;
}

int evtchn_bind_interdomain(struct evtchn_state *e, struct evtchn_bind_interdomain *b)
{
	struct evtchn_port p = { .type = EVTCHNSTAT_interdomain, .remote_dom = e->domid };
	struct evtchn_port *r;
	int port;

	/* Only loopback: the guest is the only domain it can see. */
	if (!is_self(e, b->remote_dom))
		return -XEN_ESRCH;
	pthread_mutex_lock(&e->lock);
	/* Xen allocates the local port first, then checks the remote one. */
	p.vcpu = default_vcpu(e);
	port = alloc_port(e, &p);
	if (port < 0)
		goto out;
	if (!port_valid(e, b->remote_port)) {
		free_port(e, (uint32_t)port);
		port = -XEN_EINVAL;
		goto out;
	}
	r = &e->port[b->remote_port];
	if (r->type != EVTCHNSTAT_unbound || r->remote_dom != e->domid) {
		free_port(e, (uint32_t)port);
		port = -XEN_EINVAL;
		goto out;
	}
	e->port[port].peer = b->remote_port;
	r->type = EVTCHNSTAT_interdomain;
	r->peer = (uint32_t)port;
	r->remote_dom = e->domid;
	/* "EVTCHNOP_bind_interdomain always sets the local event channel pending", in case
	 * the peer signalled before the connection existed. */
	set_pending(e, (uint32_t)port);
	b->local_port = (uint32_t)port;
	port = 0;
out:
	pthread_mutex_unlock(&e->lock);
	return port;
}

int evtchn_bind_virq(struct evtchn_state *e, struct evtchn_bind_virq *b)
{
	struct evtchn_port p = { .type = EVTCHNSTAT_virq };
	uint16_t *slot;
	int port;

	if (b->virq >= NR_VIRQS)
		return -XEN_EINVAL;
	/* Global VIRQs must be bound on vCPU 0 first (then bind_vcpu may move them). */
	if (!evtchn_virq_is_per_vcpu(b->virq) && b->vcpu != 0)
		return -XEN_EINVAL;
	pthread_mutex_lock(&e->lock);
	if (!vcpu_ok(e, b->vcpu)) {
		port = -XEN_ENOENT;
		goto out;
	}
	slot = &VIRQ_ROW(e, b->vcpu)[b->virq];
	if (*slot) {
		port = -XEN_EEXIST;
		goto out;
	}
	p.vcpu = b->vcpu;
	p.virq = b->virq;
	port = alloc_port(e, &p);
	if (port < 0)
		goto out;
	*slot = (uint16_t)port;
	b->port = (uint32_t)port;
	port = 0;
out:
	pthread_mutex_unlock(&e->lock);
	return port;
}

int evtchn_bind_ipi(struct evtchn_state *e, struct evtchn_bind_ipi *b)
{
	struct evtchn_port p = { .type = EVTCHNSTAT_ipi, .vcpu = b->vcpu };
	int port;

	pthread_mutex_lock(&e->lock);
	if (!vcpu_ok(e, b->vcpu)) {
		port = -XEN_ENOENT;
		goto out;
	}
	port = alloc_port(e, &p);
	if (port < 0)
		goto out;
	b->port = (uint32_t)port;
	port = 0;
out:
	pthread_mutex_unlock(&e->lock);
	return port;
}

int evtchn_close(struct evtchn_state *e, uint32_t port)
{
	int ret;

	pthread_mutex_lock(&e->lock);
	ret = port_valid(e, port) ? close_port(e, port) : -XEN_EINVAL;
	pthread_mutex_unlock(&e->lock);
	return ret;
}

int evtchn_send(struct evtchn_state *e, uint32_t port)
{
	struct evtchn_port *p;
	int ret = 0;

	pthread_mutex_lock(&e->lock);
	if (!port_valid(e, port)) {
		ret = -XEN_EINVAL;
		goto out;
	}
	p = &e->port[port];
	switch (p->type) {
	case EVTCHNSTAT_interdomain:
		if (is_backend(p, e)) {
			e->stats.backend_notifies++;
			if (e->ops && e->ops->backend_notify)
				e->ops->backend_notify(e->opaque, port);
		} else {
			set_pending(e, p->peer);
		}
		break;
	case EVTCHNSTAT_ipi:
		set_pending(e, port);
		break;
	case EVTCHNSTAT_unbound:
		break; /* nobody listens yet: Xen drops it silently */
	default:
		ret = -XEN_EINVAL; /* closed, VIRQ, PIRQ: not the guest's to send */
		break;
	}
out:
	pthread_mutex_unlock(&e->lock);
	return ret;
}

int evtchn_status(struct evtchn_state *e, struct evtchn_status *s)
{
	const struct evtchn_port *p;

	if (!is_self(e, s->dom))
		return -XEN_ESRCH;
	pthread_mutex_lock(&e->lock);
	/* Port 0 is reserved: Xen reports it closed rather than invalid. */
	if (s->port >= e->layout->nr_ports) {
		pthread_mutex_unlock(&e->lock);
		return -XEN_EINVAL;
	}
	p = &e->port[s->port];
	memset(&s->u, 0, sizeof(s->u));
	s->status = p->type;
	s->vcpu = p->vcpu;
	switch (p->type) {
	case EVTCHNSTAT_unbound:
		s->u.unbound.dom = p->remote_dom;
		break;
	case EVTCHNSTAT_interdomain:
		s->u.interdomain.dom = p->remote_dom;
		s->u.interdomain.port = p->peer;
		break;
	case EVTCHNSTAT_virq:
		s->u.virq = p->virq;
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&e->lock);
	return 0;
}

int evtchn_bind_vcpu(struct evtchn_state *e, uint32_t port, uint32_t vcpu)
{
	struct evtchn_port *p;
	int ret = 0;

	pthread_mutex_lock(&e->lock);
	/* Xen checks the vCPU before the port. */
	if (!vcpu_ok(e, vcpu)) {
		ret = -XEN_ENOENT;
		goto out;
	}
	if (!port_valid(e, port)) {
		ret = -XEN_EINVAL;
		goto out;
	}
	p = &e->port[port];
	switch (p->type) {
	case EVTCHNSTAT_virq:
		if (evtchn_virq_is_per_vcpu(p->virq)) {
			ret = -XEN_EINVAL; /* "this binding cannot be changed" */
			goto out;
		}
		break;
	case EVTCHNSTAT_unbound:
	case EVTCHNSTAT_interdomain:
		break;
	default:
		ret = -XEN_EINVAL; /* closed; IPIs are pinned to their vCPU */
		goto out;
	}
	if (p->vcpu != vcpu) {
		p->vcpu = vcpu;
		/* As QEMU: an event already pending is not stranded on the old vCPU. */
		reraise(e, port);
	}
out:
	pthread_mutex_unlock(&e->lock);
	return ret;
}

int evtchn_unmask(struct evtchn_state *e, uint32_t port)
{
	unsigned vcpu;

	pthread_mutex_lock(&e->lock);
	/* Xen unmasks any valid port, bound or not (a closed port's vCPU is 0). */
	if (port >= e->layout->nr_ports) {
		pthread_mutex_unlock(&e->lock);
		return -XEN_EINVAL;
	}
	vcpu = e->port[port].vcpu;
	account(e, vcpu, evtchn_2l_unmask(e->layout, shinfo(e), vcpu_info(e, vcpu), port));
	pthread_mutex_unlock(&e->lock);
	return 0;
}

void evtchn_lock(struct evtchn_state *e)
{
	pthread_mutex_lock(&e->lock);
}

void evtchn_unlock(struct evtchn_state *e)
{
	pthread_mutex_unlock(&e->lock);
}

void evtchn_close_all(struct evtchn_state *e)
{
	pthread_mutex_lock(&e->lock);
	for (uint32_t port = e->nr_ports; port-- > 1;)
		if (e->port[port].type != EVTCHNSTAT_closed)
			close_port(e, port);
	pthread_mutex_unlock(&e->lock);
}

int evtchn_bind_backend(struct evtchn_state *e, uint32_t remote_port)
{
	struct evtchn_port p = { .type = EVTCHNSTAT_interdomain, .peer = remote_port };
	int port;

	pthread_mutex_lock(&e->lock);
	p.remote_dom = e->backend_domid;
	p.vcpu = default_vcpu(e);
	port = alloc_port(e, &p);
	pthread_mutex_unlock(&e->lock);
	return port < 0 ? -ENOSPC : port;
}

int evtchn_backend_raise(struct evtchn_state *e, uint32_t port)
{
	int ret = 0;

	pthread_mutex_lock(&e->lock);
	if (port_valid(e, port) && is_backend(&e->port[port], e))
		set_pending(e, port);
	else
		ret = -EINVAL;
	pthread_mutex_unlock(&e->lock);
	return ret;
}

int evtchn_host_raise(struct evtchn_state *e, uint32_t port)
{
	int ret = 0;

	pthread_mutex_lock(&e->lock);
	if (port_valid(e, port) && e->port[port].type != EVTCHNSTAT_closed)
		set_pending(e, port);
	else
		ret = -EINVAL;
	pthread_mutex_unlock(&e->lock);
	return ret;
}

int evtchn_host_close(struct evtchn_state *e, uint32_t port)
{
	int ret;

	pthread_mutex_lock(&e->lock);
	ret = port && port < EVTCHN_MAX_PORTS ? close_port(e, port) : -XEN_EINVAL;
	pthread_mutex_unlock(&e->lock);
	return ret ? -EINVAL : 0;
}

bool evtchn_is_backend_port(struct evtchn_state *e, uint32_t port)
{
	bool r;

	pthread_mutex_lock(&e->lock);
	r = port < EVTCHN_MAX_PORTS && is_backend(&e->port[port], e);
	pthread_mutex_unlock(&e->lock);
	return r;
}

unsigned evtchn_nr_bound(struct evtchn_state *e)
{
	unsigned n = 0;

	pthread_mutex_lock(&e->lock);
	for (uint32_t port = 1; port < e->nr_ports; port++)
		n += e->port[port].type != EVTCHNSTAT_closed;
	pthread_mutex_unlock(&e->lock);
	return n;
}

int evtchn_reset(struct evtchn_state *e, uint16_t dom)
{
	if (!is_self(e, dom))
		return -XEN_ESRCH;
	evtchn_close_all(e);
	return 0;
}

int evtchn_send_virq(struct evtchn_state *e, unsigned vcpu, unsigned virq)
{
	uint32_t port;
	int ret = 0;

	if (virq >= NR_VIRQS)
		return -EINVAL;
	if (!evtchn_virq_is_per_vcpu(virq))
		vcpu = 0;
	if (vcpu >= e->max_vcpus)
		return -EINVAL;
	pthread_mutex_lock(&e->lock);
	port = VIRQ_ROW(e, vcpu)[virq];
	if (port)
		set_pending(e, port);
	else
		ret = -ENOENT;
	pthread_mutex_unlock(&e->lock);
	return ret;
}

uint32_t evtchn_virq_port(struct evtchn_state *e, unsigned vcpu, unsigned virq)
{
	uint32_t port;

	if (virq >= NR_VIRQS)
		return 0;
	if (!evtchn_virq_is_per_vcpu(virq))
		vcpu = 0;
	if (vcpu >= e->max_vcpus)
		return 0;
	pthread_mutex_lock(&e->lock);
	port = VIRQ_ROW(e, vcpu)[virq];
	pthread_mutex_unlock(&e->lock);
	return port;
}

struct evtchn_port evtchn_port_get(struct evtchn_state *e, uint32_t port)
{
	struct evtchn_port p = { .type = EVTCHNSTAT_closed };

	pthread_mutex_lock(&e->lock);
	if (port < EVTCHN_MAX_PORTS)
		p = e->port[port];
	pthread_mutex_unlock(&e->lock);
	return p;
}

int evtchn_port_restore(struct evtchn_state *e, uint32_t port, const struct evtchn_port *p)
{
	int ret = 0;

	pthread_mutex_lock(&e->lock);
	if (port == 0 || port >= EVTCHN_MAX_PORTS || p->vcpu >= e->max_vcpus) {
		ret = -EINVAL;
		goto out;
	}
	if (e->port[port].type != EVTCHNSTAT_closed) {
		ret = -EEXIST;
		goto out;
	}
	switch (p->type) {
	case EVTCHNSTAT_unbound:
		if (p->remote_dom != e->domid && p->remote_dom != e->backend_domid)
			ret = -EINVAL;
		break;
	case EVTCHNSTAT_interdomain:
		if (is_backend(p, e))
			break; /* a back-end's channel: its port number is its own */
		if (p->peer == 0 || p->peer >= EVTCHN_MAX_PORTS || p->peer == port ||
		    p->remote_dom != e->domid)
			ret = -EINVAL;
		break;
	case EVTCHNSTAT_virq:
		if (p->virq >= NR_VIRQS)
			ret = -EINVAL;
		else if (VIRQ_ROW(e, evtchn_virq_is_per_vcpu(p->virq) ? p->vcpu : 0)[p->virq])
			ret = -EEXIST;
		break;
	case EVTCHNSTAT_ipi:
		break;
	default:
		ret = -EINVAL; /* closed is not restored; PIRQs are not served */
		break;
	}
	if (ret)
		goto out;
	e->port[port] = *p;
	if (p->type == EVTCHNSTAT_virq)
		VIRQ_ROW(e, evtchn_virq_is_per_vcpu(p->virq) ? p->vcpu : 0)[p->virq] = (uint16_t)port;
	if (e->nr_ports <= port)
		e->nr_ports = port + 1;
out:
	pthread_mutex_unlock(&e->lock);
	return ret;
}

int evtchn_check(struct evtchn_state *e, char *why, size_t whylen)
{
	int ret = -EINVAL;
	uint32_t last = 0;
	bool any_present = false;

	pthread_mutex_lock(&e->lock);
	for (unsigned v = 0; v < e->max_vcpus; v++)
		any_present |= e->present[v];
	if (e->port[0].type != EVTCHNSTAT_closed) {
		snprintf(why, whylen, "port 0 is bound");
		goto out;
	}
	for (uint32_t port = 1; port < EVTCHN_MAX_PORTS; port++) {
		const struct evtchn_port *p = &e->port[port];
		bool pinned = p->type == EVTCHNSTAT_ipi ||
			      (p->type == EVTCHNSTAT_virq && evtchn_virq_is_per_vcpu(p->virq));

		if (p->type == EVTCHNSTAT_closed)
			continue;
		last = port;
		if (p->vcpu >= e->max_vcpus ||
		    ((pinned || any_present) && !e->present[p->vcpu])) {
			snprintf(why, whylen, "port %u notifies vCPU %u, which is not present", port,
				 p->vcpu);
			goto out;
		}
		switch (p->type) {
		case EVTCHNSTAT_virq: {
			unsigned row = evtchn_virq_is_per_vcpu(p->virq) ? p->vcpu : 0;
			if (p->virq >= NR_VIRQS || VIRQ_ROW(e, row)[p->virq] != port) {
				snprintf(why, whylen, "port %u: VIRQ %u not mapped back to it", port,
					 p->virq);
				goto out;
			}
			break;
		}
		case EVTCHNSTAT_interdomain:
			if (is_backend(p, e))
				break;
			if (p->peer == 0 || p->peer >= EVTCHN_MAX_PORTS ||
			    e->port[p->peer].type != EVTCHNSTAT_interdomain ||
			    e->port[p->peer].peer != port) {
				snprintf(why, whylen, "port %u: loopback peer %u does not point back",
					 port, p->peer);
				goto out;
			}
			break;
		case EVTCHNSTAT_unbound:
		case EVTCHNSTAT_ipi:
			break;
		default:
			snprintf(why, whylen, "port %u: unknown type %u", port, p->type);
			goto out;
		}
	}
	if (e->nr_ports != (last ? last + 1 : 0)) {
		snprintf(why, whylen, "nr_ports is %u, highest bound port is %u", e->nr_ports, last);
		goto out;
	}
	for (unsigned v = 0; v < e->max_vcpus; v++) {
		for (unsigned virq = 0; virq < NR_VIRQS; virq++) {
			uint32_t port = VIRQ_ROW(e, v)[virq];
			const struct evtchn_port *p = &e->port[port];

			if (!port)
				continue;
			if (v != 0 && !evtchn_virq_is_per_vcpu(virq)) {
				snprintf(why, whylen, "global VIRQ %u mapped on vCPU %u", virq, v);
				goto out;
			}
			if (port >= EVTCHN_MAX_PORTS || p->type != EVTCHNSTAT_virq ||
			    p->virq != virq || (evtchn_virq_is_per_vcpu(virq) && p->vcpu != v)) {
				snprintf(why, whylen, "VIRQ %u on vCPU %u maps to port %u, not bound to it",
					 virq, v, port);
				goto out;
			}
		}
	}
	ret = 0;
out:
	pthread_mutex_unlock(&e->lock);
	return ret;
}
