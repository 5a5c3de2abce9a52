/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The event-channel port engine: every EVTCHNOP rule with Xen's error number, vCPU
 * hot-plug, reset, delivery through the 2-level bitmaps of a fake guest, and random
 * operation sequences checked against the table's invariants and a reference model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "xen/evtchn.h"
#include "xen_fake.h"

#define DOMID 1
#define PRESENT 4 /* vCPUs 0..3 present, 4..7 absent */

struct t {
	struct fake_guest *f;
	struct evtchn_state e;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	t->f = aligned_alloc(4096, sizeof(*t->f));
	memset(t->f, 0, sizeof(*t->f));
	if (evtchn_init(&t->e, FAKE_VCPUS, DOMID, &fake_ops, t->f))
		return -1;
	for (unsigned v = 0; v < PRESENT; v++)
		evtchn_vcpu_add(&t->e, v);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	char why[160];

	/* Whatever a test did, the table must still be consistent. */
	assert_int_equal(evtchn_check(&t->e, why, sizeof(why)), 0);
	evtchn_destroy(&t->e);
	free(t->f);
	free(t);
	return 0;
}

/* ---- small wrappers: return the port (> 0) or the error (< 0) ---- */

static int unbound(struct evtchn_state *e, uint16_t remote)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
	int r = evtchn_alloc_unbound(e, &a);
	return r ? r : (int)a.port;
}

static int interdomain(struct evtchn_state *e, uint32_t remote_port)
{
	struct evtchn_bind_interdomain b = { .remote_dom = DOMID_SELF, .remote_port = remote_port };
	int r = evtchn_bind_interdomain(e, &b);
	return r ? r : (int)b.local_port;
}

static int virq(struct evtchn_state *e, uint32_t v, uint32_t vcpu)
{
	struct evtchn_bind_virq b = { .virq = v, .vcpu = vcpu };
	int r = evtchn_bind_virq(e, &b);
	return r ? r : (int)b.port;
}

static int ipi(struct evtchn_state *e, uint32_t vcpu)
{
	struct evtchn_bind_ipi b = { .vcpu = vcpu };
	int r = evtchn_bind_ipi(e, &b);
	return r ? r : (int)b.port;
}

static struct evtchn_status status(struct evtchn_state *e, uint32_t port, int *ret)
{
	struct evtchn_status s = { .dom = DOMID_SELF, .port = port };
	*ret = evtchn_status(e, &s);
	return s;
}

/* ---- allocation ---- */

static void test_lowest_free_from_1(void **state)
{
	struct t *t = *state;
	struct evtchn_status s;
	int r;

	assert_int_equal(unbound(&t->e, DOMID_SELF), 1);
	assert_int_equal(unbound(&t->e, DOMID), 2);
	assert_int_equal(unbound(&t->e, DOMID_SELF), 3);
	assert_int_equal(evtchn_close(&t->e, 2), 0);
	assert_int_equal(unbound(&t->e, DOMID_SELF), 2);
	assert_int_equal(ipi(&t->e, 1), 4);
	assert_int_equal(evtchn_close(&t->e, 1), 0);
	assert_int_equal(virq(&t->e, VIRQ_DEBUG, 3), 1);

	s = status(&t->e, 3, &r);
	assert_int_equal(r, 0);
	assert_int_equal(s.status, EVTCHNSTAT_unbound);
	assert_int_equal(s.vcpu, 0);
	assert_int_equal(s.u.unbound.dom, DOMID); /* DOMID_SELF is resolved */
	/* Port 0 is reserved: reported closed, never handed out. */
	s = status(&t->e, 0, &r);
	assert_int_equal(r, 0);
	assert_int_equal(s.status, EVTCHNSTAT_closed);
}

static void test_alloc_unbound_errors(void **state)
{
	struct t *t = *state;
	struct evtchn_alloc_unbound a = { .dom = 7, .remote_dom = DOMID_SELF };
	struct evtchn_status s;
	int r;

	assert_int_equal(evtchn_alloc_unbound(&t->e, &a), -XEN_ESRCH);
	a.dom = DOMID_SELF;
	a.remote_dom = 9; /* a domain nobody serves */
	assert_int_equal(evtchn_alloc_unbound(&t->e, &a), -XEN_EPERM);
	/* xkvm's own back-ends stand for domain 0 */
	assert_int_equal(unbound(&t->e, 0), 1);
	s = status(&t->e, 1, &r);
	assert_int_equal(s.u.unbound.dom, 0);
	/* nothing was consumed by the failures */
	assert_int_equal(unbound(&t->e, DOMID), 2);
}

static void test_port_limit(void **state)
{
	struct t *t = *state;

	assert_int_equal(evtchn_port_limit(&t->e), 4096);
	for (int p = 1; p < 4096; p++)
		assert_int_equal(ipi(&t->e, 0), p);
	assert_int_equal(ipi(&t->e, 0), -XEN_ENOSPC);
	assert_int_equal(unbound(&t->e, DOMID_SELF), -XEN_ENOSPC);
	assert_int_equal(virq(&t->e, VIRQ_TIMER, 0), -XEN_ENOSPC);
	assert_int_equal(evtchn_virq_port(&t->e, 0, VIRQ_TIMER), 0); /* not half-bound */
	/* With the table full, bind_interdomain fails on allocation first (Xen's order). */
	assert_int_equal(interdomain(&t->e, 12345), -XEN_ENOSPC);
	assert_int_equal(evtchn_close(&t->e, 77), 0);
	assert_int_equal(ipi(&t->e, 2), 77);
	evtchn_close_all(&t->e);

	/* A 32-bit guest has 1024. */
	evtchn_set_long_mode(&t->e, false);
	assert_int_equal(evtchn_port_limit(&t->e), 1024);
	for (int p = 1; p < 1024; p++)
		assert_int_equal(ipi(&t->e, 0), p);
	assert_int_equal(ipi(&t->e, 0), -XEN_ENOSPC);
	assert_int_equal(evtchn_close(&t->e, 1024), -XEN_EINVAL);
	assert_int_equal(evtchn_send(&t->e, 1024), -XEN_EINVAL);
	evtchn_close_all(&t->e);
	evtchn_set_long_mode(&t->e, true);
}

/* ---- interdomain loopback ---- */

static void test_interdomain_loopback(void **state)
{
	struct t *t = *state;
	struct evtchn_status s;
	int r, a, b;

	a = unbound(&t->e, DOMID_SELF);
	assert_int_equal(a, 1);
	b = interdomain(&t->e, (uint32_t)a);
	assert_int_equal(b, 2);
	s = status(&t->e, (uint32_t)a, &r);
	assert_int_equal(s.status, EVTCHNSTAT_interdomain);
	assert_int_equal(s.u.interdomain.dom, DOMID);
	assert_int_equal(s.u.interdomain.port, b);
	s = status(&t->e, (uint32_t)b, &r);
	assert_int_equal(s.status, EVTCHNSTAT_interdomain);
	assert_int_equal(s.u.interdomain.port, a);
	assert_int_equal(s.vcpu, 0);
	/* "bind_interdomain always sets the local event channel pending" */
	assert_true(fake_is_pending(t->f, (unsigned)b));
	assert_false(fake_is_pending(t->f, (unsigned)a));
	assert_int_equal(t->f->upcalls[0], 1);

	/* send on one end raises the other */
	assert_int_equal(evtchn_send(&t->e, (uint32_t)b), 0);
	assert_true(fake_is_pending(t->f, (unsigned)a));
	fake_pending(t->f)[0] = 0;
	assert_int_equal(evtchn_send(&t->e, (uint32_t)a), 0);
	assert_true(fake_is_pending(t->f, (unsigned)b));
	assert_false(fake_is_pending(t->f, (unsigned)a));

	/* closing one end puts the other back to unbound, accepting us again */
	assert_int_equal(evtchn_close(&t->e, (uint32_t)b), 0);
	assert_false(fake_is_pending(t->f, (unsigned)b)); /* close clears pending */
	s = status(&t->e, (uint32_t)a, &r);
	assert_int_equal(s.status, EVTCHNSTAT_unbound);
	assert_int_equal(s.u.unbound.dom, DOMID);
	assert_int_equal(evtchn_send(&t->e, (uint32_t)a), 0); /* dropped silently */
	assert_false(fake_is_pending(t->f, (unsigned)b));
	assert_int_equal(interdomain(&t->e, (uint32_t)a), 2); /* and can be re-bound */
}

static void test_interdomain_errors(void **state)
{
	struct t *t = *state;
	struct evtchn_bind_interdomain b = { .remote_dom = 5, .remote_port = 1 };
	int backend, ip;

	assert_int_equal(unbound(&t->e, DOMID_SELF), 1);
	assert_int_equal(evtchn_bind_interdomain(&t->e, &b), -XEN_ESRCH);
	b.remote_dom = DOMID;
	assert_int_equal(evtchn_bind_interdomain(&t->e, &b), 0); /* our own id works too */
	assert_int_equal(interdomain(&t->e, 0), -XEN_EINVAL);
	assert_int_equal(interdomain(&t->e, 4096), -XEN_EINVAL);
	assert_int_equal(interdomain(&t->e, 0xffffffffu), -XEN_EINVAL);
	assert_int_equal(interdomain(&t->e, 3), -XEN_EINVAL); /* closed */
	assert_int_equal(interdomain(&t->e, 1), -XEN_EINVAL); /* already connected */
	ip = ipi(&t->e, 0);
	assert_int_equal(interdomain(&t->e, (uint32_t)ip), -XEN_EINVAL); /* not unbound */
	backend = unbound(&t->e, 0);
	assert_int_equal(interdomain(&t->e, (uint32_t)backend), -XEN_EINVAL); /* not for us */
	/* None of the failures kept the port it allocated. */
	assert_int_equal(unbound(&t->e, DOMID_SELF), backend + 1);
}

/* ---- VIRQs ---- */

static void test_bind_virq_rules(void **state)
{
	struct t *t = *state;
	struct evtchn_status s;
	int r, t0, t1, con;

	assert_int_equal(virq(&t->e, NR_VIRQS, 0), -XEN_EINVAL);
	assert_int_equal(virq(&t->e, 0xffffffffu, 0), -XEN_EINVAL);
	/* global VIRQs only on vCPU 0 (checked before presence) */
	assert_int_equal(virq(&t->e, VIRQ_CONSOLE, 1), -XEN_EINVAL);
	assert_int_equal(virq(&t->e, VIRQ_CONSOLE, 6), -XEN_EINVAL);
	assert_int_equal(virq(&t->e, VIRQ_ARCH_0, 2), -XEN_EINVAL);
	/* per-vCPU VIRQs on any present vCPU, -ENOENT otherwise */
	assert_int_equal(virq(&t->e, VIRQ_TIMER, 5), -XEN_ENOENT);
	assert_int_equal(virq(&t->e, VIRQ_TIMER, FAKE_VCPUS), -XEN_ENOENT);
	assert_int_equal(virq(&t->e, VIRQ_TIMER, 0xffffffffu), -XEN_ENOENT);
	t0 = virq(&t->e, VIRQ_TIMER, 0);
	t1 = virq(&t->e, VIRQ_TIMER, 3);
	assert_int_equal(t0, 1);
	assert_int_equal(t1, 2);
	assert_int_equal(virq(&t->e, VIRQ_DEBUG, 3), 3);
	assert_int_equal(virq(&t->e, VIRQ_XENOPROF, 2), 4);
	assert_int_equal(virq(&t->e, VIRQ_XENPMU, 1), 5);
	/* once per (vCPU, VIRQ): -EEXIST, and the port is given back */
	assert_int_equal(virq(&t->e, VIRQ_TIMER, 3), -XEN_EEXIST);
	assert_int_equal(ipi(&t->e, 0), 6);
	assert_int_equal(evtchn_close(&t->e, 6), 0);
	con = virq(&t->e, VIRQ_CON_RING, 0);
	assert_int_equal(con, 6);
	assert_int_equal(virq(&t->e, VIRQ_CON_RING, 0), -XEN_EEXIST);
	assert_int_equal(evtchn_virq_port(&t->e, 3, VIRQ_TIMER), (uint32_t)t1);
	assert_int_equal(evtchn_virq_port(&t->e, 2, VIRQ_CON_RING), (uint32_t)con); /* global */

	s = status(&t->e, (uint32_t)t1, &r);
	assert_int_equal(s.status, EVTCHNSTAT_virq);
	assert_int_equal(s.u.virq, VIRQ_TIMER);
	assert_int_equal(s.vcpu, 3);

	/* a global VIRQ with vCPU 0 absent: -ENOENT */
	assert_int_equal(evtchn_close(&t->e, (uint32_t)con), 0);
	evtchn_vcpu_remove(&t->e, 0);
	assert_int_equal(virq(&t->e, VIRQ_CON_RING, 0), -XEN_ENOENT);
	evtchn_vcpu_add(&t->e, 0);
}

static void test_close_clears_virq(void **state)
{
	struct t *t = *state;
	int p, g;

	p = virq(&t->e, VIRQ_TIMER, 2);
	assert_int_equal(evtchn_close(&t->e, (uint32_t)p), 0);
	assert_int_equal(evtchn_virq_port(&t->e, 2, VIRQ_TIMER), 0);
	assert_int_equal(virq(&t->e, VIRQ_TIMER, 2), p);

	/* A global VIRQ moved to vCPU 2 is still recorded on vCPU 0, and close clears it
	 * there. */
	g = virq(&t->e, VIRQ_DOM_EXC, 0);
	assert_int_equal(evtchn_bind_vcpu(&t->e, (uint32_t)g, 2), 0);
	assert_int_equal(evtchn_virq_port(&t->e, 0, VIRQ_DOM_EXC), (uint32_t)g);
	assert_int_equal(evtchn_close(&t->e, (uint32_t)g), 0);
	assert_int_equal(evtchn_virq_port(&t->e, 0, VIRQ_DOM_EXC), 0);
	assert_int_equal(virq(&t->e, VIRQ_DOM_EXC, 0), g);
}

static void test_send_virq_host_side(void **state)
{
	struct t *t = *state;
	int p, g;

	assert_int_equal(evtchn_send_virq(&t->e, 1, VIRQ_TIMER), -ENOENT);
	p = virq(&t->e, VIRQ_TIMER, 1);
	assert_int_equal(evtchn_send_virq(&t->e, 1, VIRQ_TIMER), 0);
	assert_true(fake_is_pending(t->f, (unsigned)p));
	assert_int_equal(t->f->upcalls[1], 1);
	/* A global VIRQ goes to its port's current vCPU, whatever vCPU is named. */
	g = virq(&t->e, VIRQ_CON_RING, 0);
	assert_int_equal(evtchn_bind_vcpu(&t->e, (uint32_t)g, 2), 0);
	assert_int_equal(evtchn_send_virq(&t->e, 3, VIRQ_CON_RING), 0);
	assert_true(fake_is_pending(t->f, (unsigned)g));
	assert_int_equal(t->f->upcalls[2], 1);
	assert_int_equal(evtchn_send_virq(&t->e, 0, NR_VIRQS), -EINVAL);
	assert_int_equal(evtchn_send_virq(&t->e, FAKE_VCPUS, VIRQ_TIMER), -EINVAL);
	/* The guest cannot send on a VIRQ port. */
	assert_int_equal(evtchn_send(&t->e, (uint32_t)p), -XEN_EINVAL);
}

/* ---- IPIs, close, send, status ---- */

static void test_ipi(void **state)
{
	struct t *t = *state;
	struct evtchn_status s;
	int r, p;

	assert_int_equal(ipi(&t->e, 4), -XEN_ENOENT);
	assert_int_equal(ipi(&t->e, 100), -XEN_ENOENT);
	p = ipi(&t->e, 3);
	s = status(&t->e, (uint32_t)p, &r);
	assert_int_equal(r, 0);
	assert_int_equal(s.status, EVTCHNSTAT_ipi);
	assert_int_equal(s.vcpu, 3);
	assert_int_equal(evtchn_send(&t->e, (uint32_t)p), 0);
	assert_true(fake_is_pending(t->f, (unsigned)p));
	assert_int_equal(t->f->upcalls[3], 1);
	assert_int_equal(t->f->total_upcalls, 1);
	assert_int_equal(*fake_sel(t->f, 3), 1); /* word 0 */
}

static void test_close_errors(void **state)
{
	struct t *t = *state;
	int p = ipi(&t->e, 0);

	assert_int_equal(evtchn_close(&t->e, 0), -XEN_EINVAL);
	assert_int_equal(evtchn_close(&t->e, 4096), -XEN_EINVAL);
	assert_int_equal(evtchn_close(&t->e, 0xffffffffu), -XEN_EINVAL);
	assert_int_equal(evtchn_close(&t->e, 9), -XEN_EINVAL); /* closed */
	assert_int_equal(evtchn_send(&t->e, (uint32_t)p), 0);
	assert_true(fake_is_pending(t->f, (unsigned)p));
	assert_int_equal(evtchn_close(&t->e, (uint32_t)p), 0);
	assert_false(fake_is_pending(t->f, (unsigned)p)); /* quiet when re-bound */
	assert_int_equal(evtchn_close(&t->e, (uint32_t)p), -XEN_EINVAL);
}

static void test_send_rules(void **state)
{
	struct t *t = *state;
	int u = unbound(&t->e, DOMID_SELF);

	assert_int_equal(evtchn_send(&t->e, 0), -XEN_EINVAL);
	assert_int_equal(evtchn_send(&t->e, 4096), -XEN_EINVAL);
	assert_int_equal(evtchn_send(&t->e, 100), -XEN_EINVAL); /* closed */
	assert_int_equal(evtchn_send(&t->e, (uint32_t)u), 0);   /* unbound: dropped */
	assert_false(fake_is_pending(t->f, (unsigned)u));
	assert_int_equal(t->f->total_upcalls, 0);
}

static void test_status_errors(void **state)
{
	struct t *t = *state;
	struct evtchn_status s = { .dom = 3, .port = 1 };
	int r;

	assert_int_equal(evtchn_status(&t->e, &s), -XEN_ESRCH);
	s.dom = DOMID;
	assert_int_equal(evtchn_status(&t->e, &s), 0);
	assert_int_equal(s.status, EVTCHNSTAT_closed);
	s = status(&t->e, 4096, &r);
	assert_int_equal(r, -XEN_EINVAL);
	evtchn_set_long_mode(&t->e, false);
	s = status(&t->e, 1024, &r);
	assert_int_equal(r, -XEN_EINVAL);
	s = status(&t->e, 1023, &r);
	assert_int_equal(r, 0);
	evtchn_set_long_mode(&t->e, true);
}

/* ---- bind_vcpu ---- */

static void test_bind_vcpu_rules(void **state)
{
	struct t *t = *state;
	struct evtchn_status s;
	int r, u, a, b, per, glob, ip;

	u = unbound(&t->e, DOMID_SELF);
	/* Xen checks the vCPU first: an absent vCPU is -ENOENT even for a bad port */
	assert_int_equal(evtchn_bind_vcpu(&t->e, 0, 5), -XEN_ENOENT);
	assert_int_equal(evtchn_bind_vcpu(&t->e, (uint32_t)u, 5), -XEN_ENOENT);
	assert_int_equal(evtchn_bind_vcpu(&t->e, (uint32_t)u, 0xffffffffu), -XEN_ENOENT);
	assert_int_equal(evtchn_bind_vcpu(&t->e, 0, 1), -XEN_EINVAL);
	assert_int_equal(evtchn_bind_vcpu(&t->e, 4096, 1), -XEN_EINVAL);
	assert_int_equal(evtchn_bind_vcpu(&t->e, 200, 1), -XEN_EINVAL); /* closed */
	assert_int_equal(evtchn_bind_vcpu(&t->e, (uint32_t)u, 1), 0);
	s = status(&t->e, (uint32_t)u, &r);
	assert_int_equal(s.vcpu, 1);

	a = unbound(&t->e, DOMID_SELF);
	b = interdomain(&t->e, (uint32_t)a);
	assert_int_equal(evtchn_bind_vcpu(&t->e, (uint32_t)b, 2), 0);
	assert_int_equal(evtchn_bind_vcpu(&t->e, (uint32_t)a, 3), 0);
	per = virq(&t->e, VIRQ_TIMER, 1);
	assert_int_equal(evtchn_bind_vcpu(&t->e, (uint32_t)per, 2), -XEN_EINVAL);
	assert_int_equal(evtchn_bind_vcpu(&t->e, (uint32_t)per, 1), -XEN_EINVAL);
	ip = ipi(&t->e, 1);
	assert_int_equal(evtchn_bind_vcpu(&t->e, (uint32_t)ip, 2), -XEN_EINVAL);
	glob = virq(&t->e, VIRQ_CON_RING, 0);
	assert_int_equal(evtchn_bind_vcpu(&t->e, (uint32_t)glob, 3), 0);
	s = status(&t->e, (uint32_t)glob, &r);
	assert_int_equal(s.vcpu, 3);
	s = status(&t->e, (uint32_t)per, &r);
	assert_int_equal(s.vcpu, 1);
}

static void test_bind_vcpu_moves_pending_event(void **state)
{
	struct t *t = *state;
	int u = unbound(&t->e, DOMID_SELF), p = interdomain(&t->e, (uint32_t)u);

	/* p is pending on vCPU 0 (bind_interdomain) */
	assert_int_equal(t->f->upcalls[0], 1);
	/* moving a pending, unmasked port makes the new vCPU look */
	assert_int_equal(evtchn_bind_vcpu(&t->e, (uint32_t)p, 2), 0);
	assert_int_equal(t->f->upcalls[2], 1);
	assert_int_equal(*fake_sel(t->f, 2), 1);
	/* a masked one waits for its unmask, which notifies the new vCPU */
	fake_set_mask(t->f, (unsigned)p, true);
	assert_int_equal(evtchn_bind_vcpu(&t->e, (uint32_t)p, 3), 0);
	assert_int_equal(t->f->upcalls[3], 0);
	assert_int_equal(evtchn_unmask(&t->e, (uint32_t)p), 0);
	assert_int_equal(t->f->upcalls[3], 1);
	/* moving to the vCPU it already notifies does nothing */
	assert_int_equal(evtchn_bind_vcpu(&t->e, (uint32_t)p, 3), 0);
	assert_int_equal(t->f->upcalls[3], 1);
}

/* ---- unmask and the delivery edge ---- */

static void test_unmask(void **state)
{
	struct t *t = *state;
	int p = ipi(&t->e, 1);

	assert_int_equal(evtchn_unmask(&t->e, 4096), -XEN_EINVAL);
	assert_int_equal(evtchn_unmask(&t->e, 0), 0);   /* Xen: any valid port */
	assert_int_equal(evtchn_unmask(&t->e, 300), 0); /* closed: just the bit */
	fake_set_mask(t->f, (unsigned)p, true);
	assert_int_equal(evtchn_send(&t->e, (uint32_t)p), 0);
	assert_true(fake_is_pending(t->f, (unsigned)p));
	assert_int_equal(t->f->upcalls[1], 0); /* masked: pending but no notification */
	assert_int_equal(*fake_sel(t->f, 1), 0);
	assert_int_equal(evtchn_unmask(&t->e, (uint32_t)p), 0);
	assert_int_equal(t->f->upcalls[1], 1); /* unmask delivers the pending port */
	assert_false(fake_mask(t->f)[0] >> p & 1);
	assert_int_equal(evtchn_unmask(&t->e, (uint32_t)p), 0);
	assert_int_equal(t->f->upcalls[1], 1); /* was not masked: nothing */

	/* masked and not pending: unmask notifies nobody */
	fake_set_mask(t->f, (unsigned)p, true);
	fake_pending(t->f)[0] = 0;
	*fake_upcall_pending(t->f, 1) = 0;
	*fake_sel(t->f, 1) = 0;
	assert_int_equal(evtchn_unmask(&t->e, (uint32_t)p), 0);
	assert_int_equal(t->f->upcalls[1], 1);
}

static void test_upcall_only_on_edge(void **state)
{
	struct t *t = *state;
	int ports[4];

	/* IPIs on vCPU 2 spread over two pending words: 1, 2 (word 0), and 64+ */
	for (int i = 0; i < 70; i++)
		assert_int_equal(ipi(&t->e, 2), i + 1);
	ports[0] = 1, ports[1] = 2, ports[2] = 65, ports[3] = 66;
	assert_int_equal(evtchn_send(&t->e, 1), 0);
	assert_int_equal(t->f->upcalls[2], 1);       /* 0 -> 1: inject */
	assert_int_equal(evtchn_send(&t->e, 1), 0);  /* already pending: coalesced */
	assert_int_equal(evtchn_send(&t->e, 2), 0);  /* sel word 0 already flagged */
	assert_int_equal(evtchn_send(&t->e, 65), 0); /* sel word 1 new, upcall already 1 */
	assert_int_equal(t->f->upcalls[2], 1);
	assert_int_equal(*fake_sel(t->f, 2), 3);
	for (int i = 0; i < 3; i++)
		assert_true(fake_is_pending(t->f, (unsigned)ports[i]));
	/* The guest acks: clears upcall_pending, takes sel, clears the bits it handles. */
	*fake_upcall_pending(t->f, 2) = 0;
	*fake_sel(t->f, 2) = 0;
	fake_pending(t->f)[0] = 0;
	fake_pending(t->f)[1] = 0;
	assert_int_equal(evtchn_send(&t->e, 66), 0);
	assert_int_equal(t->f->upcalls[2], 2); /* a new edge */
	assert_int_equal(t->e.stats.upcalls, 2);
	assert_int_equal(t->e.stats.coalesced, 3);
}

static void test_no_shared_info_or_vcpu_info(void **state)
{
	struct t *t = *state;
	int p = ipi(&t->e, 1);

	t->f->no_shinfo = true;
	assert_int_equal(evtchn_send(&t->e, (uint32_t)p), 0);
	assert_int_equal(t->e.stats.lost_no_shinfo, 1);
	assert_int_equal(evtchn_unmask(&t->e, (uint32_t)p), 0);
	t->f->no_shinfo = false;
	t->f->no_vi[1] = true;
	assert_int_equal(evtchn_send(&t->e, (uint32_t)p), 0);
	assert_true(fake_is_pending(t->f, (unsigned)p)); /* recorded ... */
	assert_int_equal(t->e.stats.lost_no_vcpu_info, 1); /* ... but nobody told */
	assert_int_equal(t->f->total_upcalls, 0);
	t->f->no_vi[1] = false;
}

/* ---- reset and hot-plug ---- */

static void test_reset(void **state)
{
	struct t *t = *state;
	int a = unbound(&t->e, DOMID_SELF);

	interdomain(&t->e, (uint32_t)a);
	virq(&t->e, VIRQ_TIMER, 1);
	virq(&t->e, VIRQ_CON_RING, 0);
	ipi(&t->e, 3);
	assert_int_equal(evtchn_reset(&t->e, 42), -XEN_ESRCH);
	assert_int_equal(evtchn_reset(&t->e, DOMID_SELF), 0);
	assert_int_equal(t->e.nr_ports, 0);
	assert_int_equal(evtchn_virq_port(&t->e, 1, VIRQ_TIMER), 0);
	assert_int_equal(evtchn_virq_port(&t->e, 0, VIRQ_CON_RING), 0);
	for (uint32_t p = 0; p < 8; p++)
		assert_int_equal(evtchn_port_get(&t->e, p).type, EVTCHNSTAT_closed);
	assert_int_equal(fake_pending(t->f)[0], 0);
	assert_int_equal(virq(&t->e, VIRQ_TIMER, 1), 1);
	assert_int_equal(evtchn_reset(&t->e, DOMID), 0);
	assert_int_equal(t->e.nr_ports, 0);
}

static void test_vcpu_remove(void **state)
{
	struct t *t = *state;
	int timer2, debug2, ipi2, ipi1, u, a, b, glob;

	timer2 = virq(&t->e, VIRQ_TIMER, 2);
	debug2 = virq(&t->e, VIRQ_DEBUG, 2);
	ipi2 = ipi(&t->e, 2);
	ipi1 = ipi(&t->e, 1);
	u = unbound(&t->e, DOMID_SELF);
	evtchn_bind_vcpu(&t->e, (uint32_t)u, 2);
	a = unbound(&t->e, DOMID_SELF);
	b = interdomain(&t->e, (uint32_t)a);
	evtchn_bind_vcpu(&t->e, (uint32_t)b, 2);
	glob = virq(&t->e, VIRQ_CON_RING, 0);
	evtchn_bind_vcpu(&t->e, (uint32_t)glob, 2);

	assert_int_equal(evtchn_vcpu_remove(&t->e, 2), 3); /* two VIRQs and an IPI closed */
	assert_false(evtchn_vcpu_present(&t->e, 2));
	assert_int_equal(evtchn_port_get(&t->e, (uint32_t)timer2).type, EVTCHNSTAT_closed);
	assert_int_equal(evtchn_port_get(&t->e, (uint32_t)debug2).type, EVTCHNSTAT_closed);
	assert_int_equal(evtchn_port_get(&t->e, (uint32_t)ipi2).type, EVTCHNSTAT_closed);
	assert_int_equal(evtchn_virq_port(&t->e, 2, VIRQ_TIMER), 0);
	/* the movable ones go back to vCPU 0, the default */
	assert_int_equal(evtchn_port_get(&t->e, (uint32_t)u).vcpu, 0);
	assert_int_equal(evtchn_port_get(&t->e, (uint32_t)b).vcpu, 0);
	assert_int_equal(evtchn_port_get(&t->e, (uint32_t)glob).vcpu, 0);
	assert_int_equal(evtchn_port_get(&t->e, (uint32_t)glob).type, EVTCHNSTAT_virq);
	/* other vCPUs' bindings are untouched */
	assert_int_equal(evtchn_port_get(&t->e, (uint32_t)ipi1).vcpu, 1);
	/* the vCPU is now refused everywhere */
	assert_int_equal(virq(&t->e, VIRQ_TIMER, 2), -XEN_ENOENT);
	assert_int_equal(ipi(&t->e, 2), -XEN_ENOENT);
	assert_int_equal(evtchn_bind_vcpu(&t->e, (uint32_t)u, 2), -XEN_ENOENT);
	assert_int_equal(evtchn_vcpu_remove(&t->e, 2), -ENOENT);
	assert_int_equal(evtchn_vcpu_remove(&t->e, FAKE_VCPUS), -EINVAL);
	/* back again: a clean slate for it */
	assert_int_equal(evtchn_vcpu_add(&t->e, 2), 0);
	assert_int_equal(virq(&t->e, VIRQ_TIMER, 2), timer2);

	/* removing vCPU 0: movable ports go to the lowest present vCPU */
	evtchn_bind_vcpu(&t->e, (uint32_t)u, 0);
	assert_int_equal(evtchn_vcpu_remove(&t->e, 0), 0);
	assert_int_equal(evtchn_port_get(&t->e, (uint32_t)u).vcpu, 1);
	assert_int_equal(evtchn_port_get(&t->e, (uint32_t)glob).vcpu, 1);
	assert_int_equal(evtchn_virq_port(&t->e, 0, VIRQ_CON_RING), (uint32_t)glob);
	evtchn_vcpu_add(&t->e, 0);
}

static void test_vcpu_remove_moves_pending(void **state)
{
	struct t *t = *state;
	int u = unbound(&t->e, DOMID_SELF), p = interdomain(&t->e, (uint32_t)u);

	evtchn_bind_vcpu(&t->e, (uint32_t)p, 3);
	*fake_upcall_pending(t->f, 0) = 0;
	*fake_sel(t->f, 0) = 0;
	unsigned before = t->f->upcalls[0];
	/* p is pending (bind_interdomain) and unmasked; vCPU 3 leaves before handling it */
	assert_int_equal(evtchn_vcpu_remove(&t->e, 3), 0);
	assert_int_equal(t->f->upcalls[0], before + 1);
	evtchn_vcpu_add(&t->e, 3);
}

/* ---- random sequences against invariants and a model ---- */

struct model {
	bool bound[EVTCHN_MAX_PORTS];
	bool present[FAKE_VCPUS];
};

static uint32_t lowest_free(const struct model *m, unsigned limit)
{
	for (uint32_t p = 1; p < limit; p++)
		if (!m->bound[p])
			return p;
	return 0;
}

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)random() % n;
}

/* A port number biased towards the bound range, with some out-of-range ones. */
static uint32_t rnd_port(struct t *t)
{
	switch (rnd(8)) {
	case 0: return rnd(5000);
	case 1: return 0;
	default: return rnd(t->e.nr_ports + 2);
	}
}

static void test_random_sequences(void **state)
{
	struct t *t = *state;
	struct model m = { 0 };
	char why[160];
	const unsigned limit = 120; /* keep the table small so it fills and empties */
	unsigned allocated = 0, closed_by_unplug = 0, full = 0, resets = 0, moved = 0;

	srandom(20261122);
	for (unsigned v = 0; v < PRESENT; v++)
		m.present[v] = true;
	for (unsigned step = 0; step < 30000; step++) {
		uint32_t expect = lowest_free(&m, 4096);
		uint32_t vcpu = rnd(FAKE_VCPUS + 1);
		int r = 0;
		bool allocates = false;
		/* alternate phases that fill the table up to its limit and drain it */
		bool filling = (step / 1500) % 2 == 0;

		switch (rnd(10)) {
		case 0: {
			struct evtchn_alloc_unbound a = { DOMID_SELF, DOMID_SELF, 0 };
			if (t->e.nr_ports >= limit)
				break;
			r = evtchn_alloc_unbound(&t->e, &a);
			allocates = true;
			if (!r)
				r = (int)a.port;
			break;
		}
		case 1: {
			struct evtchn_bind_virq b = { rnd(NR_VIRQS + 2), vcpu, 0 };
			bool ok = b.virq < NR_VIRQS &&
				  (evtchn_virq_is_per_vcpu(b.virq) || vcpu == 0) &&
				  vcpu < FAKE_VCPUS && m.present[vcpu];
			uint32_t already = ok ? evtchn_virq_port(&t->e, vcpu, b.virq) : 0;
			if (t->e.nr_ports >= limit)
				break;
			r = evtchn_bind_virq(&t->e, &b);
			if (!ok)
				assert_true(r == -XEN_EINVAL || r == -XEN_ENOENT);
			else if (already)
				assert_int_equal(r, -XEN_EEXIST);
			else
				assert_int_equal(r, 0);
			allocates = !r;
			if (!r)
				r = (int)b.port;
			break;
		}
		case 2: {
			struct evtchn_bind_ipi b = { vcpu, 0 };
			if (t->e.nr_ports >= limit)
				break;
			r = evtchn_bind_ipi(&t->e, &b);
			assert_int_equal(r, vcpu < FAKE_VCPUS && m.present[vcpu] ? 0 : -XEN_ENOENT);
			allocates = !r;
			if (!r)
				r = (int)b.port;
			break;
		}
		case 3: {
			struct evtchn_bind_interdomain b = { DOMID_SELF, rnd_port(t), 0 };
			struct evtchn_port rp = evtchn_port_get(&t->e, b.remote_port);
			bool ok = b.remote_port && b.remote_port < 4096 &&
				  rp.type == EVTCHNSTAT_unbound && rp.remote_dom == DOMID;
			if (t->e.nr_ports >= limit)
				break;
			r = evtchn_bind_interdomain(&t->e, &b);
			assert_int_equal(r, ok ? 0 : -XEN_EINVAL);
			allocates = !r;
			if (!r)
				r = (int)b.local_port;
			break;
		}
		case 4:
		case 5: {
			uint32_t p = rnd_port(t);
			bool was = p < 4096 && m.bound[p];
			if (filling && rnd(8))
				break;
			r = evtchn_close(&t->e, p);
			assert_int_equal(r, was ? 0 : -XEN_EINVAL);
			if (was) {
				struct evtchn_port q = evtchn_port_get(&t->e, p);
				assert_int_equal(q.type, EVTCHNSTAT_closed);
				m.bound[p] = false;
			}
			r = 0;
			break;
		}
		case 6: {
			uint32_t p = rnd_port(t);
			struct evtchn_port before = evtchn_port_get(&t->e, p);
			r = evtchn_bind_vcpu(&t->e, p, vcpu);
			if (!(vcpu < FAKE_VCPUS && m.present[vcpu]))
				assert_int_equal(r, -XEN_ENOENT);
			else if (!r && ++moved)
				assert_int_equal(evtchn_port_get(&t->e, p).vcpu, vcpu);
			else
				assert_int_equal(evtchn_port_get(&t->e, p).vcpu, before.vcpu);
			r = 0;
			break;
		}
		case 7: {
			uint32_t p = rnd_port(t);
			struct evtchn_port q = evtchn_port_get(&t->e, p);
			r = evtchn_send(&t->e, p);
			if (p == 0 || p >= 4096 || q.type == EVTCHNSTAT_closed ||
			    q.type == EVTCHNSTAT_virq)
				assert_int_equal(r, -XEN_EINVAL);
			else
				assert_int_equal(r, 0);
			/* the guest handles everything at once */
			memset(t->f->shinfo, 0, sizeof(t->f->shinfo));
			memset(t->f->vi, 0, sizeof(t->f->vi));
			r = 0;
			break;
		}
		case 8:
			if (vcpu >= FAKE_VCPUS)
				break;
			if (m.present[vcpu] && rnd(2)) {
				r = evtchn_vcpu_remove(&t->e, vcpu);
				assert_true(r >= 0);
				closed_by_unplug += (unsigned)r;
				m.present[vcpu] = false;
			} else if (!m.present[vcpu]) {
				assert_int_equal(evtchn_vcpu_add(&t->e, vcpu), 0);
				m.present[vcpu] = true;
			}
			r = 0;
			break;
		default:
			if (!filling && rnd(30) == 0) {
				resets++;
				assert_int_equal(evtchn_reset(&t->e, DOMID_SELF), 0);
				memset(m.bound, 0, sizeof(m.bound));
			}
			break;
		}
		if (allocates && r > 0) {
			/* lowest-free allocation, never a bound port */
			assert_int_equal((uint32_t)r, expect);
			m.bound[r] = true;
			allocated++;
		}
		full += t->e.nr_ports >= limit;
		/* vCPU removal closes ports behind the model's back: resync from status,
		 * checking no port is both free and bound. */
		for (uint32_t p = 1; p < 4096 && p < limit + 2; p++) {
			struct evtchn_status s = { .dom = DOMID_SELF, .port = p };
			assert_int_equal(evtchn_status(&t->e, &s), 0);
			if (!m.bound[p])
				assert_int_equal(s.status, EVTCHNSTAT_closed);
			m.bound[p] = s.status != EVTCHNSTAT_closed;
		}
		if (evtchn_check(&t->e, why, sizeof(why)))
			fail_msg("step %u: %s", step, why);
	}
	/* The sequence went through the interesting states. */
	assert_true(allocated > 3000);
	assert_true(closed_by_unplug > 100);
	assert_true(full > 100);
	assert_true(resets > 10);
	assert_true(moved > 100);
	/* Leave the vCPUs as setup made them, for the teardown check. */
	for (unsigned v = 0; v < FAKE_VCPUS; v++) {
		if (v < PRESENT && !m.present[v])
			evtchn_vcpu_add(&t->e, v);
		if (v >= PRESENT && m.present[v])
			evtchn_vcpu_remove(&t->e, v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lowest_free_from_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_unbound_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interdomain_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interdomain_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_virq_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_clears_virq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_virq_host_side, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_vcpu_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_vcpu_moves_pending_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upcall_only_on_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_shared_info_or_vcpu_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vcpu_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vcpu_remove_moves_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_sequences, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
