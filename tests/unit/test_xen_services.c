/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The services the VMM wiring relies on, on real guest memory with fake host callbacks:
 * pvclock arithmetic and publication, the PV console ring (xkvm's end), back-end
 * channels and the pending hook in the port engine, the console's channel through
 * EVTCHNOP_reset and soft reset, vcpu_time_info updates, SCHEDOP_block/poll, VCPUOP_is_up,
 * the GSI callback's "still asserted" answer, and the state blob's CLOCK record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xen/console.h"
#include "xen/domain.h"
#include "xen/hypercall.h"
#include "xen/pvclock.h"
#include "xen/state.h"

#define VCPUS 4
#define ARG 0x2000ull
#define SHINFO_GFN 0x10ull
#define CONSOLE_GFN 0x30ull
#define NOW0 5000000000ull

/* ---- pvclock ---- */

static void test_pvclock_scale(void **state)
{
	static const uint64_t hz[] = { 1, 1000, 32768, 100000000, 999999999, 1000000000,
				       1000000001, 2445412000ull, 3000000000ull, 5000000000ull,
				       100000000000ull };

	(void)state;
	for (size_t i = 0; i < sizeof(hz) / sizeof(hz[0]); i++) {
		struct vcpu_time_info t;
		/* one second of ticks reads as one second, within a part per million */
		uint64_t ns;

		xen_pvclock_fill(&t, 1000, 7, (uint32_t)(hz[i] / 1000 ? hz[i] / 1000 : 1), true);
		if (hz[i] < 1000)
			continue;
		ns = xen_pvclock_read(&t, 1000 + hz[i] / 1000 * 1000) - 7;
		assert_true(ns > 1000000000ull - 1000 && ns < 1000000000ull + 1000);
		assert_int_equal(t.flags, XEN_PVCLOCK_TSC_STABLE_BIT);
		/* the multiplier uses its top bit (full precision) */
		assert_true(t.tsc_to_system_mul >> 31);
		/* at the timestamp, the time is system_time */
		assert_int_equal(xen_pvclock_read(&t, 1000), 7);
	}
}

static void test_pvclock_publish(void **state)
{
	struct vcpu_time_info dst = { .version = 6 }, t;

	(void)state;
	xen_pvclock_fill(&t, 123, 456, 2000000, false);
	xen_pvclock_publish(&dst, &t);
	assert_int_equal(dst.version, 8); /* odd while writing, even after */
	assert_int_equal(dst.tsc_timestamp, 123);
	assert_int_equal(dst.system_time, 456);
	assert_int_equal(dst.tsc_to_system_mul, t.tsc_to_system_mul);
	assert_int_equal(dst.tsc_shift, t.tsc_shift);
	assert_int_equal(dst.flags, 0);
	dst.version = 9; /* a guest-scribbled odd version still ends even */
	xen_pvclock_publish(&dst, &t);
	assert_int_equal(dst.version & 1, 0);
	assert_true(dst.version > 9);
	/* any alignment the guest chose (UBSan checks the accesses) */
	{
		uint8_t buf[sizeof(t) + 8] = { 0 };
		struct vcpu_time_info out;

		for (unsigned off = 1; off < 8; off++) {
			memset(buf, 0, sizeof(buf));
			xen_pvclock_publish(buf + off, &t);
			memcpy(&out, buf + off, sizeof(out));
			assert_int_equal(out.version, 2);
			assert_int_equal(out.system_time, 456);
			assert_int_equal(out.tsc_timestamp, 123);
		}
	}
}

/* A vcpu_info only 4-byte aligned (a 32-bit guest's) used with the 64-bit layout, as
 * after the guest changes mode: the bits land where the guest looks, no misaligned
 * access (UBSan checks). */
static void test_misaligned_vcpu_info(void **state)
{
	_Alignas(4096) static uint8_t sh[4096];
	_Alignas(64) static uint8_t vi_buf[128];
	uint8_t *vi = vi_buf + 4;
	const struct evtchn_2l_layout *l = &evtchn_2l_layout_64;
	uint64_t sel;

	(void)state;
	memset(sh, 0, sizeof(sh));
	memset(vi_buf, 0, sizeof(vi_buf));
	assert_int_equal(evtchn_2l_set_pending(l, sh, vi, 70), EVTCHN_2L_UPCALL_EDGE);
	memcpy(&sel, vi + l->sel_off, 8);
	assert_int_equal(sel, 1ull << 1);
	assert_int_equal(vi[l->upcall_off], 1);
	assert_int_equal(evtchn_2l_set_pending(l, sh, vi, 71), EVTCHN_2L_SEL_WAS_SET);
	assert_int_equal(evtchn_2l_kick(l, vi), EVTCHN_2L_UPCALL_WAS_SET);
	memcpy(&sel, vi + l->sel_off, 8);
	assert_int_equal(sel, UINT64_MAX);
}

/* ---- the console ring ---- */

struct sink {
	char buf[8192];
	size_t len, room;
};

static size_t sink_fn(void *o, const char *b, size_t n)
{
	struct sink *s = o;
	size_t take = n < s->room ? n : s->room;

	memcpy(s->buf + s->len, b, take);
	s->len += take;
	s->room -= take;
	return take;
}

static void test_console_ring(void **state)
{
	struct xencons_interface *r = calloc(1, sizeof(*r));
	struct xen_console_stats st = { 0 };
	struct sink s = { .room = sizeof(s.buf) };
	char in[1500];

	(void)state;
	/* output that wraps around the ring's end */
	r->out_cons = r->out_prod = 2040;
	for (unsigned i = 0; i < 20; i++)
		r->out[(r->out_prod++) & 2047] = (char)('a' + i);
	assert_int_equal(xen_console_drain(r, sink_fn, &s, &st), 20);
	assert_int_equal(r->out_cons, 2060);
	assert_memory_equal(s.buf, "abcdefghijklmnopqrst", 20);
	/* a sink with little room: the rest stays for later */
	for (unsigned i = 0; i < 10; i++)
		r->out[(r->out_prod++) & 2047] = 'x';
	s.room = 4;
	assert_int_equal(xen_console_drain(r, sink_fn, &s, &st), 4);
	assert_int_equal(r->out_prod - r->out_cons, 6);
	s.room = 100;
	assert_int_equal(xen_console_drain(r, sink_fn, &s, &st), 6);
	/* corrupt indices: dropped, counted, the ring usable again */
	r->out_prod = r->out_cons + 3000;
	assert_int_equal(xen_console_drain(r, sink_fn, &s, &st), 0);
	assert_int_equal(st.corrupt, 1);
	assert_int_equal(r->out_cons, r->out_prod);
	/* input: fills up to the room, wraps, respects the guest's consumer */
	memset(in, 'i', sizeof(in));
	r->in_cons = r->in_prod = 0xfffffff0u; /* across the 32-bit wrap */
	assert_int_equal(xen_console_in_room(r, &st), 1024);
	assert_int_equal(xen_console_fill(r, in, sizeof(in), &st), 1024);
	assert_int_equal(xen_console_in_room(r, &st), 0);
	assert_int_equal(xen_console_fill(r, in, 5, &st), 0);
	r->in_cons += 100;
	assert_int_equal(xen_console_fill(r, in, sizeof(in), &st), 100);
	assert_int_equal((uint32_t)(r->in_prod - r->in_cons), 1024);
	/* a consumer ahead of the producer is corrupt: restart from it */
	r->in_cons = r->in_prod + 5;
	assert_int_equal(xen_console_in_room(r, &st), 0);
	assert_int_equal(xen_console_fill(r, "ab", 2, &st), 2);
	assert_int_equal(r->in_prod, r->in_cons + 2);
	assert_int_equal(st.in_bytes, 1024 + 100 + 2);
	free(r);
}

/* ---- a domain on guest memory with fake host callbacks ---- */

struct host {
	uint64_t now;
	unsigned injected[VCPUS];
	int gsi_level[32];
	unsigned console_notifies;
	unsigned waits, wakes;
	uint64_t wait_deadline;
	bool wait_done_at_entry;
	bool time_ok;
	bool make_pending_in_wait; /* the fake wait sets `pending_port` pending */
	uint32_t pending_port;
	struct xen_domain *x;
};

static uint64_t h_now(void *o) { return ((struct host *)o)->now; }
static void h_inject(void *o, unsigned v, uint8_t vec)
{
	(void)vec;
	((struct host *)o)->injected[v]++;
}
static void h_gsi(void *o, unsigned gsi, int level) { ((struct host *)o)->gsi_level[gsi] = level; }
static void h_notify(void *o) { ((struct host *)o)->console_notifies++; }
static void h_wake(void *o, unsigned v)
{
	(void)v;
	((struct host *)o)->wakes++;
}
static bool h_time(void *o, unsigned v, struct vcpu_time_info *t)
{
	struct host *h = o;

	if (!h->time_ok)
		return false;
	xen_pvclock_fill(t, 1000 * (v + 1), h->now, 1000000, true);
	return true;
}
static void h_wait(void *o, unsigned v, uint64_t deadline, bool (*done)(void *), void *arg)
{
	struct host *h = o;

	(void)v;
	h->waits++;
	h->wait_deadline = deadline;
	h->wait_done_at_entry = done(arg);
	if (h->make_pending_in_wait) {
		struct evtchn_send s = { .port = h->pending_port };
		(void)s;
		evtchn_backend_raise(&h->x->evtchn, h->pending_port);
		assert_true(done(arg));
	}
}

static const struct xen_host_ops host_ops = {
	.now = h_now, .inject_vector = h_inject, .set_gsi = h_gsi,
	.console_notify = h_notify, .wake = h_wake, .time_info = h_time, .wait = h_wait,
};

struct t {
	struct guest_mem gm;
	struct host h;
	struct xen_domain x;
	struct xen_guest_access ga;
};

static int id_read(void *o, uint64_t gva, void *buf, size_t len)
{
	return gm_read(&((struct t *)o)->gm, gva, buf, len) ? -EFAULT : 0;
}
static int id_write(void *o, uint64_t gva, const void *buf, size_t len)
{
	return gm_write(&((struct t *)o)->gm, gva, buf, len) ? -EFAULT : 0;
}
static int id_translate(void *o, uint64_t gva, uint64_t *gpa)
{
	if (!gm_is_ram(&((struct t *)o)->gm, gva, 1))
		return -EFAULT;
	*gpa = gva;
	return 0;
}

static struct t *new_t(bool console)
{
	struct t *t = calloc(1, sizeof(*t));
	struct xen_config cfg;

	assert_int_equal(gm_init(&t->gm, 32 << 20, 0xc0000000ull), 0);
	t->h.now = NOW0;
	t->h.time_ok = true;
	xen_config_default(&cfg, VCPUS);
	if (console)
		cfg.console_gfn = CONSOLE_GFN;
	assert_int_equal(xen_domain_init(&t->x, &cfg, &t->gm, &host_ops, &t->h), 0);
	t->h.x = &t->x;
	for (unsigned v = 0; v < 3; v++) /* vCPU 3 absent */
		xen_domain_vcpu_plug(&t->x, v);
	t->ga = (struct xen_guest_access){ id_read, id_write, id_translate, t };
	return t;
}

static void free_t(struct t *t)
{
	xen_domain_destroy(&t->x);
	gm_destroy(&t->gm);
	free(t);
}

static int64_t call_on(struct t *t, unsigned vcpu, uint32_t nr, uint64_t a0, uint64_t a1,
		       uint64_t a2)
{
	struct xen_hcall hc = { .nr = nr, .arg = { a0, a1, a2 }, .vcpu = vcpu, .long_mode = true };
	return xen_hypercall(&t->x, &hc, &t->ga);
}

static void put(struct t *t, uint64_t gpa, const void *p, size_t n)
{
	assert_int_equal(gm_write(&t->gm, gpa, p, n), 0);
}

static int64_t evtchn(struct t *t, uint32_t cmd, void *arg, size_t n)
{
	int64_t r;

	put(t, ARG, arg, n);
	r = call_on(t, 0, __HYPERVISOR_event_channel_op, cmd, ARG, 0);
	assert_int_equal(gm_read(&t->gm, ARG, arg, n), 0);
	return r;
}

static void place_shinfo(struct t *t)
{
	struct xen_add_to_physmap a = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					.gpfn = SHINFO_GFN };

	put(t, ARG, &a, sizeof(a));
	assert_int_equal(call_on(t, 0, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, ARG, 0), 0);
}

static struct shared_info *shinfo(struct t *t)
{
	return gm_ptr(&t->gm, SHINFO_GFN << 12, 4096);
}

static uint64_t param(struct t *t, uint32_t index)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };

	put(t, ARG, &p, sizeof(p));
	assert_int_equal(call_on(t, 0, __HYPERVISOR_hvm_op, HVMOP_get_param, ARG, 0), 0);
	assert_int_equal(gm_read(&t->gm, ARG, &p, sizeof(p)), 0);
	return p.value;
}

/* ---- back-end channels and the console ---- */

static void test_console_channel(void **state)
{
	struct t *t = new_t(true);
	struct evtchn_status st = { .dom = DOMID_SELF };
	struct evtchn_send s;
	struct xencons_interface *ring = gm_ptr(&t->gm, CONSOLE_GFN << 12, 4096);
	struct sink sk = { .room = sizeof(sk.buf) };
	uint32_t port;

	(void)state;
	assert_int_equal(param(t, HVM_PARAM_CONSOLE_PFN), CONSOLE_GFN);
	port = (uint32_t)param(t, HVM_PARAM_CONSOLE_EVTCHN);
	assert_int_equal(port, 1);
	assert_true(evtchn_is_backend_port(&t->x.evtchn, port));
	st.port = port;
	assert_int_equal(evtchn(t, EVTCHNOP_status, &st, sizeof(st)), 0);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.u.interdomain.dom, 0);
	assert_int_equal(st.u.interdomain.port, 1); /* the back-end's own number */
	/* not yet used: input stays with the UART */
	assert_false(xen_domain_console_used(&t->x));
	assert_int_equal(xen_domain_console_in_room(&t->x), 1024);
	/* the guest writes and notifies */
	memcpy(ring->out, "hi", 2);
	ring->out_prod = 2;
	s.port = port;
	assert_int_equal(evtchn(t, EVTCHNOP_send, &s, sizeof(s)), 0);
	assert_int_equal(t->h.console_notifies, 1);
	assert_true(xen_domain_console_used(&t->x));
	/* xkvm's service: output taken, input given, the guest's port raised */
	place_shinfo(t);
	assert_int_equal(xen_domain_console_service(&t->x, sink_fn, &sk, "abc", 3), 3);
	assert_int_equal(sk.len, 2);
	assert_memory_equal(sk.buf, "hi", 2);
	assert_int_equal(ring->in_prod, 3);
	assert_true(shinfo(t)->evtchn_pending[0] & (1ull << port));
	/* back-end ports: sends never touch "the peer" in our table */
	assert_int_equal(evtchn_send(&t->x.evtchn, port), 0);
	/* EVTCHNOP_reset closes it and the toolstack's part brings it back */
	{
		struct evtchn_reset r = { .dom = DOMID_SELF };
		int ipi;
		struct evtchn_bind_ipi b = { .vcpu = 0 };

		assert_int_equal(evtchn(t, EVTCHNOP_bind_ipi, &b, sizeof(b)), 0);
		ipi = (int)b.port;
		assert_int_equal(ipi, 2);
		assert_int_equal(evtchn(t, EVTCHNOP_reset, &r, sizeof(r)), 0);
		port = (uint32_t)param(t, HVM_PARAM_CONSOLE_EVTCHN);
		assert_int_equal(port, 1);
		assert_true(evtchn_is_backend_port(&t->x.evtchn, port));
		assert_int_equal(evtchn_nr_bound(&t->x.evtchn), 1);
	}
	/* soft reset: every port closed, parameters cleared, the console reconnected on a
	 * clean ring */
	ring->out_prod = 7;
	xen_domain_soft_reset(&t->x);
	assert_int_equal(param(t, HVM_PARAM_CONSOLE_PFN), CONSOLE_GFN);
	assert_int_equal(param(t, HVM_PARAM_CONSOLE_EVTCHN), 1);
	assert_int_equal(ring->out_prod, 0);
	assert_false(xen_domain_console_used(&t->x));
	/* the guest closes it: the back-end's raise fails, nothing else breaks */
	{
		struct evtchn_close c = { .port = 1 };
		char why[160];

		assert_int_equal(evtchn(t, EVTCHNOP_close, &c, sizeof(c)), 0);
		assert_int_equal(evtchn_backend_raise(&t->x.evtchn, 1), -EINVAL);
		assert_int_equal(evtchn_check(&t->x.evtchn, why, sizeof(why)), 0);
	}
	/* disconnect + resume as a state load does */
	xen_domain_console_disconnect(&t->x);
	assert_int_equal(param(t, HVM_PARAM_CONSOLE_EVTCHN), 0);
	assert_int_equal(xen_domain_console_resume(&t->x), 0);
	assert_int_equal(param(t, HVM_PARAM_CONSOLE_EVTCHN), 1);
	free_t(t);
}

static void test_no_console(void **state)
{
	struct t *t = new_t(false);

	(void)state;
	assert_int_equal(param(t, HVM_PARAM_CONSOLE_PFN), 0);
	assert_int_equal(param(t, HVM_PARAM_CONSOLE_EVTCHN), 0);
	assert_int_equal(evtchn_nr_bound(&t->x.evtchn), 0);
	assert_int_equal(xen_domain_console_in_room(&t->x), 0);
	assert_int_equal(xen_domain_console_service(&t->x, sink_fn, NULL, "x", 1), 0);
	free_t(t);
}

static void test_bad_console_gfn(void **state)
{
	struct guest_mem gm;
	struct xen_domain x;
	struct xen_config cfg;
	struct host h = { 0 };

	(void)state;
	assert_int_equal(gm_init(&gm, 32 << 20, 0xc0000000ull), 0);
	xen_config_default(&cfg, 2);
	cfg.console_gfn = 0xfec00; /* not RAM */
	assert_int_equal(xen_domain_init(&x, &cfg, &gm, &host_ops, &h), -EINVAL);
	cfg.console_gfn = XEN_INVALID_GFN - 1;
	assert_int_equal(xen_domain_init(&x, &cfg, &gm, &host_ops, &h), -EINVAL);
	cfg.console_gfn = XEN_INVALID_GFN;
	cfg.domid = 0; /* domain 0 is the back-ends' */
	assert_int_equal(xen_domain_init(&x, &cfg, &gm, &host_ops, &h), -EINVAL);
	gm_destroy(&gm);
}

/* The pending hook fires on every 0 -> 1 of a pending bit, masked or not. */
static void test_pending_hook(void **state)
{
	struct t *t = new_t(false);
	struct evtchn_bind_ipi b = { .vcpu = 1 };
	struct evtchn_send s;
	unsigned w;

	(void)state;
	place_shinfo(t);
	assert_int_equal(evtchn(t, EVTCHNOP_bind_ipi, &b, sizeof(b)), 0);
	s.port = b.port;
	w = t->h.wakes;
	assert_int_equal(evtchn(t, EVTCHNOP_send, &s, sizeof(s)), 0);
	assert_int_equal(t->h.wakes, w + 1);
	assert_int_equal(evtchn(t, EVTCHNOP_send, &s, sizeof(s)), 0); /* already pending */
	assert_int_equal(t->h.wakes, w + 1);
	shinfo(t)->evtchn_pending[0] = 0;
	shinfo(t)->evtchn_mask[0] = ~0ull;
	assert_int_equal(evtchn(t, EVTCHNOP_send, &s, sizeof(s)), 0);
	assert_int_equal(t->h.wakes, w + 2); /* masked: pollers still care */
	free_t(t);
}

/* ---- time ---- */

static void test_time_updates(void **state)
{
	struct t *t = new_t(false);
	struct vcpu_register_vcpu_info r = { .mfn = 0x20, .offset = 0x40 };
	struct vcpu_time_info *own = gm_ptr(&t->gm, 0x20040 + 32, 32);
	struct vcpu_time_info *area = gm_ptr(&t->gm, 0x21000, 32);
	uint64_t gva = 0x21000;

	(void)state;
	place_shinfo(t);
	/* placing shared_info wrote every present vCPU's slot */
	for (unsigned v = 0; v < 3; v++) {
		assert_int_equal(shinfo(t)->vcpu_info[v].time.system_time, NOW0);
		assert_int_equal(shinfo(t)->vcpu_info[v].time.tsc_timestamp, 1000 * (v + 1));
		assert_int_equal(shinfo(t)->vcpu_info[v].time.version & 1, 0);
	}
	assert_int_equal(shinfo(t)->vcpu_info[3].time.version, 0); /* absent */
	/* a registered vcpu_info gets its own, a time area too */
	t->h.now = NOW0 + 10;
	put(t, ARG, &r, sizeof(r));
	assert_int_equal(call_on(t, 1, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 1, ARG), 0);
	assert_int_equal(own->system_time, NOW0 + 10);
	t->h.now = NOW0 + 20;
	put(t, ARG, &gva, sizeof(gva));
	assert_int_equal(call_on(t, 1, __HYPERVISOR_vcpu_op,
				 VCPUOP_register_vcpu_time_memory_area, 1, ARG), 0);
	assert_int_equal(area->system_time, NOW0 + 20);
	assert_int_equal(own->system_time, NOW0 + 20);
	/* setting a timer refreshes it */
	t->h.now = NOW0 + 30;
	{
		struct vcpu_set_singleshot_timer st = { .timeout_abs_ns = NOW0 + 1000 };

		put(t, ARG, &st, sizeof(st));
		assert_int_equal(call_on(t, 1, __HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 1,
					 ARG), 0);
	}
	assert_int_equal(area->system_time, NOW0 + 30);
	/* a host without the data leaves it alone */
	t->h.time_ok = false;
	t->h.now = NOW0 + 40;
	xen_domain_update_time(&t->x, 1);
	assert_int_equal(area->system_time, NOW0 + 30);
	xen_domain_update_time(&t->x, 99); /* out of range: ignored */
	free_t(t);
}

/* ---- scheduler ops ---- */

static int64_t poll(struct t *t, const uint32_t *ports, unsigned nr, uint64_t timeout)
{
	struct sched_poll sp = { .nr_ports = nr, .timeout = timeout };

	put(t, ARG + 64, ports, nr * sizeof(*ports));
	sp.ports.p = (evtchn_port_t *)(uintptr_t)(ARG + 64);
	put(t, ARG, &sp, sizeof(sp));
	return call_on(t, 0, __HYPERVISOR_sched_op, SCHEDOP_poll, ARG, 0);
}

static void test_block_poll(void **state)
{
	struct t *t = new_t(true);
	uint32_t ports[130] = { 0 };
	struct vcpu_info *vi;

	(void)state;
	/* poll before shared_info: nothing can be pending; waits, with the timeout */
	ports[0] = 1;
	assert_int_equal(poll(t, ports, 1, NOW0 + 5), 0);
	assert_int_equal(t->h.waits, 1);
	assert_int_equal(t->h.wait_deadline, NOW0 + 5);
	assert_false(t->h.wait_done_at_entry);
	place_shinfo(t);
	vi = &shinfo(t)->vcpu_info[0];
	/* the wait returns once a polled port goes pending (here: the console raises) */
	t->h.make_pending_in_wait = true;
	t->h.pending_port = 1;
	assert_int_equal(poll(t, ports, 1, 0), 0);
	assert_int_equal(t->h.waits, 2);
	t->h.make_pending_in_wait = false;
	/* already pending: no wait */
	assert_int_equal(poll(t, ports, 1, 0), 0);
	assert_int_equal(t->h.waits, 2);
	shinfo(t)->evtchn_pending[0] = 0;
	/* an upcall pending and unmasked: no wait either */
	vi->evtchn_upcall_pending = 1;
	assert_int_equal(poll(t, ports, 1, 0), 0);
	assert_int_equal(t->h.waits, 2);
	vi->evtchn_upcall_mask = 1; /* masked: poll waits */
	assert_int_equal(poll(t, ports, 1, 0), 0);
	assert_int_equal(t->h.waits, 3);
	vi->evtchn_upcall_pending = 0;
	/* errors in Xen's order */
	assert_int_equal(poll(t, ports, 129, 0), -XEN_EINVAL);
	ports[1] = 4096;
	assert_int_equal(poll(t, ports, 2, 0), -XEN_EINVAL);
	ports[0] = 4096;
	shinfo(t)->evtchn_pending[0] = 2; /* port 1 pending, but port 4096 comes first */
	assert_int_equal(poll(t, ports, 2, 0), -XEN_EINVAL);
	ports[0] = 1;
	assert_int_equal(poll(t, ports, 2, 0), 0); /* port 1 pending, checked before 4096 */
	shinfo(t)->evtchn_pending[0] = 0;
	{
		struct sched_poll sp = { .nr_ports = 1 };
		sp.ports.p = (evtchn_port_t *)(uintptr_t)0x7ffff000;
		put(t, ARG, &sp, sizeof(sp));
		assert_int_equal(call_on(t, 0, __HYPERVISOR_sched_op, SCHEDOP_poll, ARG, 0),
				 -XEN_EFAULT);
		assert_int_equal(call_on(t, 0, __HYPERVISOR_sched_op, SCHEDOP_poll, 0x7ffff000, 0),
				 -XEN_EFAULT);
	}
	/* block: unmasks event delivery, waits without a deadline unless something is due */
	vi->evtchn_upcall_mask = 1;
	assert_int_equal(call_on(t, 0, __HYPERVISOR_sched_op, SCHEDOP_block, 0, 0), 0);
	assert_int_equal(vi->evtchn_upcall_mask, 0);
	assert_int_equal(t->h.waits, 4);
	assert_int_equal(t->h.wait_deadline, 0);
	vi->evtchn_upcall_pending = 1;
	assert_int_equal(call_on(t, 0, __HYPERVISOR_sched_op, SCHEDOP_block, 0, 0), 0);
	assert_int_equal(t->h.waits, 4);
	free_t(t);
}

static void test_is_up(void **state)
{
	struct t *t = new_t(false);

	(void)state;
	assert_int_equal(call_on(t, 0, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0), 1);
	assert_int_equal(call_on(t, 0, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 2, 0), 1);
	assert_int_equal(call_on(t, 0, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 3, 0), 0);
	assert_int_equal(call_on(t, 0, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 4, 0), -XEN_ENOENT);
	assert_int_equal(call_on(t, 0, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 0xffffffff, 0),
			 -XEN_ENOENT);
	xen_domain_vcpu_unplug(&t->x, 2);
	assert_int_equal(call_on(t, 0, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 2, 0), 0);
	xen_domain_vcpu_plug(&t->x, 3);
	assert_int_equal(call_on(t, 0, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 3, 0), 1);
	free_t(t);
}

static void test_callback_poll_answer(void **state)
{
	struct t *t = new_t(false);

	(void)state;
	place_shinfo(t);
	assert_false(xen_domain_callback_poll(&t->x)); /* nothing asserted */
	xen_domain_set_callback(&t->x, 7); /* GSI 7 */
	shinfo(t)->vcpu_info[0].evtchn_upcall_pending = 1;
	xen_domain_upcall(&t->x, 0);
	assert_int_equal(t->h.gsi_level[7], 1);
	assert_true(xen_domain_callback_poll(&t->x)); /* still pending: stays up */
	shinfo(t)->vcpu_info[0].evtchn_upcall_pending = 0;
	assert_false(xen_domain_callback_poll(&t->x));
	assert_int_equal(t->h.gsi_level[7], 0);
	free_t(t);
}

/* ---- state: the CLOCK record and the console's back-end port ---- */

static void test_state_clock_and_backend(void **state)
{
	struct t *a = new_t(true), *b = new_t(true);
	uint8_t *blob, *blob2;
	size_t len, len2;
	uint64_t ns = 0;
	char err[200] = "";

	(void)state;
	a->h.now = 77777;
	assert_int_equal(xen_state_save(&a->x, &blob, &len), 0);
	assert_int_equal(xen_state_clock(blob, len, &ns, err, sizeof(err)), 0);
	assert_int_equal(ns, 77777);
	/* b has its own console channel: load needs it gone first, as the VMM does */
	assert_int_equal(xen_state_load(&b->x, blob, len, err, sizeof(err)), -EBUSY);
	xen_domain_console_disconnect(&b->x);
	assert_int_equal(xen_state_load(&b->x, blob, len, err, sizeof(err)), 0);
	assert_int_equal(xen_domain_console_resume(&b->x), 0);
	assert_true(evtchn_is_backend_port(&b->x.evtchn, 1));
	assert_int_equal(evtchn_nr_bound(&b->x.evtchn), 1);
	b->h.now = 77777;
	assert_int_equal(xen_state_save(&b->x, &blob2, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(blob, blob2, len);
	/* a corrupt blob is refused by the clock reader too */
	blob[20] ^= 1;
	assert_int_equal(xen_state_clock(blob, len, &ns, err, sizeof(err)), -EINVAL);
	free(blob);
	free(blob2);
	free_t(a);
	free_t(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pvclock_scale),
		cmocka_unit_test(test_pvclock_publish),
		cmocka_unit_test(test_misaligned_vcpu_info),
		cmocka_unit_test(test_console_ring),
		cmocka_unit_test(test_console_channel),
		cmocka_unit_test(test_no_console),
		cmocka_unit_test(test_bad_console_gfn),
		cmocka_unit_test(test_pending_hook),
		cmocka_unit_test(test_time_updates),
		cmocka_unit_test(test_block_poll),
		cmocka_unit_test(test_is_up),
		cmocka_unit_test(test_callback_poll_answer),
		cmocka_unit_test(test_state_clock_and_backend),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
