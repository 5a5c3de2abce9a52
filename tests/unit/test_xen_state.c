/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen state save/restore: a rich state round-trips into a fresh domain (on a copy of
 * guest RAM, as a new process would have it) and saves back to the same bytes; every
 * truncation and every single-byte corruption is refused; foreign and inconsistent
 * blobs (hand-built here from the format in state.h) are refused with a reason and
 * leave the target unused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xen/domain.h"
#include "xen/state.h"

#define VCPUS 4
#define RAM (16u << 20)
#define SHINFO_GFN 0x10

struct host {
	uint64_t now;
	uint64_t armed[VCPUS];
	unsigned injected[VCPUS];
};

static uint64_t h_now(void *o) { return ((struct host *)o)->now; }
static void h_arm(void *o, unsigned v, uint64_t d) { ((struct host *)o)->armed[v] = d; }
static void h_inject(void *o, unsigned v, uint8_t vec) { (void)vec; ((struct host *)o)->injected[v]++; }

static const struct xen_host_ops ops = { .now = h_now, .timer_arm = h_arm, .inject_vector = h_inject };

struct vm {
	struct guest_mem gm;
	struct host h;
	struct xen_domain x;
};

static struct vm *vm_new(const struct vm *copy_ram_from)
{
	struct vm *v = calloc(1, sizeof(*v));
	struct xen_config cfg;

	assert_int_equal(gm_init(&v->gm, RAM, 0xc0000000ull), 0);
	if (copy_ram_from)
		memcpy(gm_ptr(&v->gm, 0, RAM), gm_ptr(&copy_ram_from->gm, 0, RAM), RAM);
	v->h.now = 1000000;
	xen_config_default(&cfg, VCPUS);
	assert_int_equal(xen_domain_init(&v->x, &cfg, &v->gm, &ops, &v->h), 0);
	return v;
}

static void vm_free(struct vm *v)
{
	xen_domain_destroy(&v->x);
	gm_destroy(&v->gm);
	free(v);
}

/* A state with something in every record type. */
static void build_state(struct vm *v)
{
	struct xen_domain *x = &v->x;
	struct evtchn_alloc_unbound a = { DOMID_SELF, DOMID_SELF, 0 };
	struct evtchn_bind_interdomain b = { DOMID_SELF, 0, 0 };
	struct evtchn_bind_virq bv;
	struct evtchn_bind_ipi bi = { .vcpu = 2 };

	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(xen_domain_vcpu_plug(x, i), 0);
	assert_int_equal(xen_shinfo_place(&x->shinfo, SHINFO_GFN), 0);
	assert_int_equal(xen_vcpu_info_register(&x->shinfo, 1, 0x11040, true), 0);
	x->vcpu[1].time_info_gpa = 0x12020;
	x->vcpu[2].runstate_gpa = 0x13000;
	atomic_store(&x->vcpu[1].upcall_vector, 0xf3);
	atomic_store(&x->callback_param, (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56 | 0xe0);
	x->params[HVM_PARAM_STORE_EVTCHN] = 7;
	x->params[HVM_PARAM_CONSOLE_EVTCHN] = 8;

	bv = (struct evtchn_bind_virq){ VIRQ_TIMER, 0, 0 };
	assert_int_equal(evtchn_bind_virq(&x->evtchn, &bv), 0);
	bv = (struct evtchn_bind_virq){ VIRQ_TIMER, 1, 0 };
	assert_int_equal(evtchn_bind_virq(&x->evtchn, &bv), 0);
	bv = (struct evtchn_bind_virq){ VIRQ_DEBUG, 2, 0 };
	assert_int_equal(evtchn_bind_virq(&x->evtchn, &bv), 0);
	bv = (struct evtchn_bind_virq){ VIRQ_CON_RING, 0, 0 };
	assert_int_equal(evtchn_bind_virq(&x->evtchn, &bv), 0);
	assert_int_equal(evtchn_bind_vcpu(&x->evtchn, bv.port, 2), 0);
	assert_int_equal(evtchn_alloc_unbound(&x->evtchn, &a), 0);
	b.remote_port = a.port;
	assert_int_equal(evtchn_bind_interdomain(&x->evtchn, &b), 0);
	a.remote_dom = 0; /* a back-end's */
	assert_int_equal(evtchn_alloc_unbound(&x->evtchn, &a), 0);
	assert_int_equal(evtchn_bind_ipi(&x->evtchn, &bi), 0);
	assert_int_equal(evtchn_close(&x->evtchn, 3), 0); /* a hole in the table */
	assert_int_equal(xen_timer_set(&x->timers, 1, v->h.now + 5000), 0);
}

static void assert_same(struct vm *a, struct vm *b)
{
	struct xen_domain *x = &a->x, *y = &b->x;

	assert_int_equal(xen_domain_long_mode(x), xen_domain_long_mode(y));
	assert_int_equal(xen_shinfo_gfn(&x->shinfo), xen_shinfo_gfn(&y->shinfo));
	assert_int_equal(atomic_load(&x->callback_param), atomic_load(&y->callback_param));
	assert_memory_equal(x->params, y->params, sizeof(x->params));
	for (unsigned v = 0; v < VCPUS; v++) {
		assert_int_equal(evtchn_vcpu_present(&x->evtchn, v), evtchn_vcpu_present(&y->evtchn, v));
		assert_int_equal(xen_vcpu_info_gpa(&x->shinfo, v), xen_vcpu_info_gpa(&y->shinfo, v));
		assert_int_equal(x->vcpu[v].time_info_gpa, y->vcpu[v].time_info_gpa);
		assert_int_equal(x->vcpu[v].runstate_gpa, y->vcpu[v].runstate_gpa);
		assert_int_equal(atomic_load(&x->vcpu[v].upcall_vector),
				 atomic_load(&y->vcpu[v].upcall_vector));
		assert_int_equal(xen_timer_deadline(&x->timers, v), xen_timer_deadline(&y->timers, v));
		for (unsigned virq = 0; virq < NR_VIRQS; virq++)
			assert_int_equal(evtchn_virq_port(&x->evtchn, v, virq),
					 evtchn_virq_port(&y->evtchn, v, virq));
	}
	for (uint32_t p = 0; p < EVTCHN_MAX_PORTS; p++) {
		struct evtchn_port pa = evtchn_port_get(&x->evtchn, p), pb = evtchn_port_get(&y->evtchn, p);
		assert_int_equal(pa.type, pb.type);
		assert_int_equal(pa.vcpu, pb.vcpu);
		assert_int_equal(pa.virq, pb.virq);
		assert_int_equal(pa.peer, pb.peer);
		assert_int_equal(pa.remote_dom, pb.remote_dom);
	}
	assert_int_equal(x->evtchn.nr_ports, y->evtchn.nr_ports);
}

static void test_round_trip(void **state)
{
	struct vm *a = vm_new(NULL), *b;
	uint8_t *blob, *blob2;
	size_t len, len2;
	char err[200] = "";
	struct evtchn_send s;

	(void)state;
	build_state(a);
	assert_int_equal(xen_state_save(&a->x, &blob, &len), 0);
	b = vm_new(a); /* a new process, guest RAM restored */
	if (xen_state_load(&b->x, blob, len, err, sizeof(err)))
		fail_msg("load: %s", err);
	assert_same(a, b);
	assert_int_equal(b->h.armed[1], a->h.now + 5000); /* the timer is armed again */
	/* and saving it again gives the same bytes */
	assert_int_equal(xen_state_save(&b->x, &blob2, &len2), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(blob2, blob, len);
	/* the restored engine works: the IPI on vCPU 2 ... */
	s.port = 8;
	assert_int_equal(evtchn_port_get(&b->x.evtchn, 8).type, EVTCHNSTAT_ipi);
	assert_int_equal(evtchn_port_get(&b->x.evtchn, 3).type, EVTCHNSTAT_closed);
	assert_int_equal(evtchn_send(&b->x.evtchn, s.port), 0);
	/* ... and the restored vCPU 1 vector and vcpu_info (its registration kicked it:
	 * acknowledge first) */
	memset(gm_ptr(&b->gm, 0x11040, 64), 0, 64);
	assert_int_equal(evtchn_send_virq(&b->x.evtchn, 1, VIRQ_TIMER), 0);
	assert_int_equal(b->h.injected[1], 1);
	/* A restored domain is in use: a second load is refused. */
	assert_int_equal(xen_state_load(&b->x, blob, len, err, sizeof(err)), -EBUSY);
	free(blob);
	free(blob2);
	vm_free(a);
	vm_free(b);
}

static void test_round_trip_32bit_and_fresh(void **state)
{
	struct vm *a = vm_new(NULL), *b = vm_new(NULL), *c;
	uint8_t *blob;
	size_t len;
	char err[200];

	(void)state;
	/* an untouched domain round-trips too */
	assert_int_equal(xen_state_save(&a->x, &blob, &len), 0);
	assert_int_equal(xen_state_load(&b->x, blob, len, err, sizeof(err)), 0);
	assert_same(a, b);
	free(blob);
	/* a 32-bit guest's word size travels */
	xen_domain_vcpu_plug(&a->x, 0);
	assert_int_equal(xen_domain_msr_write(&a->x, 0x5000, false), 0);
	assert_int_equal(xen_state_save(&a->x, &blob, &len), 0);
	c = vm_new(a);
	assert_int_equal(xen_state_load(&c->x, blob, len, err, sizeof(err)), 0);
	assert_false(xen_domain_long_mode(&c->x));
	assert_int_equal(evtchn_port_limit(&c->x.evtchn), 1024);
	free(blob);
	vm_free(a);
	vm_free(b);
	vm_free(c);
}

static void test_past_deadline_fires_on_load(void **state)
{
	struct vm *a = vm_new(NULL), *b;
	struct evtchn_bind_virq bv = { VIRQ_TIMER, 0, 0 };
	uint8_t *blob;
	size_t len;
	char err[200];

	(void)state;
	xen_domain_vcpu_plug(&a->x, 0);
	assert_int_equal(xen_shinfo_place(&a->x.shinfo, SHINFO_GFN), 0);
	assert_int_equal(evtchn_bind_virq(&a->x.evtchn, &bv), 0);
	assert_int_equal(xen_timer_set(&a->x.timers, 0, a->h.now + 100), 0);
	assert_int_equal(xen_state_save(&a->x, &blob, &len), 0);
	b = vm_new(a);
	b->h.now = a->h.now + 1000; /* the VM was away past its deadline */
	assert_int_equal(xen_state_load(&b->x, blob, len, err, sizeof(err)), 0);
	assert_int_equal(b->x.timers.fired, 1);
	assert_int_equal(xen_timer_deadline(&b->x.timers, 0), 0);
	assert_true(*(uint64_t *)gm_ptr(&b->gm, (SHINFO_GFN << 12) + 2048, 8) & 1ull << bv.port);
	free(blob);
	vm_free(a);
	vm_free(b);
}

/* Loads `blob` into a fresh VM and checks it is refused, with `why` in the message, and
 * that the VM is left unused. */
static void assert_refused(const uint8_t *blob, size_t len, const char *why)
{
	struct vm *b = vm_new(NULL); /* checks fail before guest RAM contents matter */
	char err[200] = "";
	int ret;

	xen_domain_vcpu_plug(&b->x, 3); /* the VMM's own idea, restored on failure */
	ret = xen_state_load(&b->x, blob, len, err, sizeof(err));
	if (ret != -EINVAL)
		fail_msg("load returned %d (%s), want -EINVAL for \"%s\"", ret, err, why);
	if (why && !strstr(err, why))
		fail_msg("message \"%s\" does not mention \"%s\"", err, why);
	assert_int_equal(b->x.evtchn.nr_ports, 0);
	assert_int_equal(xen_shinfo_gfn(&b->x.shinfo), XEN_INVALID_GFN);
	for (unsigned v = 0; v < VCPUS; v++) {
		assert_int_equal(evtchn_vcpu_present(&b->x.evtchn, v), v == 3);
		assert_int_equal(xen_vcpu_info_gpa(&b->x.shinfo, v), XEN_INVALID_GPA);
		assert_int_equal(xen_timer_deadline(&b->x.timers, v), 0);
	}
	assert_int_equal(atomic_load(&b->x.callback_param), 0);
	vm_free(b);
}

static void test_truncated_and_corrupt(void **state)
{
	struct vm *a = vm_new(NULL);
	uint8_t *blob, *bad;
	size_t len;

	(void)state;
	build_state(a);
	assert_int_equal(xen_state_save(&a->x, &blob, &len), 0);
	/* header + DOMAIN + 2 PARAM + 3 VCPU + 7 PORT + 3 VIRQ + CLOCK + END */
	assert_int_equal(len, 16 + 44 + 2 * 20 + 3 * 48 + 7 * 28 + 3 * 20 + 16 + 12);
	bad = malloc(len + 8);
	/* every truncation */
	for (size_t n = 0; n < len; n++)
		assert_refused(blob, n, NULL);
	/* trailing junk */
	memcpy(bad, blob, len);
	memset(bad + len, 0, 8);
	assert_refused(bad, len + 8, "header says");
	/* every single-byte corruption */
	for (size_t i = 0; i < len; i++) {
		memcpy(bad, blob, len);
		bad[i] ^= 0x40;
		assert_refused(bad, len, NULL);
	}
	memcpy(bad, blob, len);
	bad[len / 2] ^= 1;
	assert_refused(bad, len, "CRC mismatch");
	free(bad);
	free(blob);
	vm_free(a);
}

/* ---- hand-built blobs ---- */

struct blob {
	uint8_t b[4096];
	size_t len;
};

static void le(struct blob *w, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		w->b[w->len++] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}

static void begin(struct blob *w, uint16_t major)
{
	w->len = 0;
	memcpy(w->b, "XKVM-XEN", 8);
	w->len = 8;
	le(w, major, 2);
	le(w, 0, 2);
	le(w, 0, 4);
}

static void rec(struct blob *w, uint16_t tag, uint16_t flags, uint32_t len)
{
	le(w, tag, 2);
	le(w, flags, 2);
	le(w, len, 4);
}

static void domain(struct blob *w, uint16_t domid, uint32_t version, uint32_t vcpus,
		   uint64_t gfn)
{
	rec(w, XEN_STATE_DOMAIN, 1, 36);
	le(w, domid, 2);
	le(w, 0, 2);
	le(w, version, 4);
	le(w, vcpus, 4);
	le(w, 1, 1);
	le(w, 0, 3);
	le(w, gfn, 8);
	le(w, 0, 8);
	le(w, 0, 4);
}

static void vcpu(struct blob *w, uint32_t id, uint64_t vcpu_info)
{
	rec(w, XEN_STATE_VCPU, 1, 40);
	le(w, id, 4);
	le(w, 1, 1);
	le(w, 0, 3);
	le(w, vcpu_info, 8);
	le(w, UINT64_MAX, 8);
	le(w, UINT64_MAX, 8);
	le(w, 0, 8);
}

static void port(struct blob *w, uint32_t p, uint8_t type, uint16_t dom, uint32_t vcpu_,
		 uint32_t virq, uint32_t peer)
{
	rec(w, XEN_STATE_PORT, 1, 20);
	le(w, p, 4);
	le(w, type, 1);
	le(w, 0, 1);
	le(w, dom, 2);
	le(w, vcpu_, 4);
	le(w, virq, 4);
	le(w, peer, 4);
}

static void virq_rec(struct blob *w, uint32_t v, uint32_t virq, uint32_t p)
{
	rec(w, XEN_STATE_VIRQ, 1, 12);
	le(w, v, 4);
	le(w, virq, 4);
	le(w, p, 4);
}

static void finish(struct blob *w)
{
	uint32_t total = (uint32_t)w->len + 12;

	for (unsigned i = 0; i < 4; i++)
		w->b[12 + i] = (uint8_t)(total >> (8 * i));
	rec(w, XEN_STATE_END, 1, 4);
	le(w, xen_state_crc32(w->b, w->len), 4);
}

#define DOM 1

static void test_hand_built(void **state)
{
	struct vm *ram = vm_new(NULL), *b;
	const uint32_t ver = ram->x.cfg.version;
	struct blob w;
	char err[200];

	(void)state;
	/* a minimal valid blob, with an optional record from the future and a longer
	 * VCPU record than this reader knows: accepted */
	begin(&w, 1);
	domain(&w, DOM, ver, VCPUS, XEN_INVALID_GFN);
	rec(&w, 0x7777, 0, 3);
	le(&w, 0xabcdef, 3);
	rec(&w, XEN_STATE_VCPU, 1, 44);
	le(&w, 0, 4);
	le(&w, 1, 4);
	le(&w, UINT64_MAX, 8);
	le(&w, UINT64_MAX, 8);
	le(&w, UINT64_MAX, 8);
	le(&w, 0, 8);
	le(&w, 0xfeedface, 4);
	port(&w, 1, EVTCHNSTAT_virq, 0, 0, VIRQ_TIMER, 0);
	virq_rec(&w, 0, VIRQ_TIMER, 1);
	finish(&w);
	b = vm_new(ram);
	assert_int_equal(xen_state_load(&b->x, w.b, w.len, err, sizeof(err)), 0);
	assert_int_equal(evtchn_virq_port(&b->x.evtchn, 0, VIRQ_TIMER), 1);
	vm_free(b);

	/* foreign and mismatched */
	begin(&w, 1);
	w.b[0] = 'Q';
	domain(&w, DOM, ver, VCPUS, XEN_INVALID_GFN);
	finish(&w);
	assert_refused(w.b, w.len, "bad magic");
	begin(&w, 2);
	domain(&w, DOM, ver, VCPUS, XEN_INVALID_GFN);
	finish(&w);
	assert_refused(w.b, w.len, "format version 2.0");
	begin(&w, 1);
	domain(&w, 5, ver, VCPUS, XEN_INVALID_GFN);
	finish(&w);
	assert_refused(w.b, w.len, "saved for domain 5");
	begin(&w, 1);
	domain(&w, DOM, 0x00030004, VCPUS, XEN_INVALID_GFN);
	finish(&w);
	assert_refused(w.b, w.len, "Xen 3.4");
	begin(&w, 1);
	domain(&w, DOM, ver, VCPUS + 1, XEN_INVALID_GFN);
	finish(&w);
	assert_refused(w.b, w.len, "vCPU ids");
	begin(&w, 1);
	finish(&w);
	assert_refused(w.b, w.len, "no DOMAIN");
	begin(&w, 1);
	domain(&w, DOM, ver, VCPUS, XEN_INVALID_GFN);
	domain(&w, DOM, ver, VCPUS, XEN_INVALID_GFN);
	finish(&w);
	assert_refused(w.b, w.len, "two DOMAIN");
	begin(&w, 1);
	domain(&w, DOM, ver, VCPUS, XEN_INVALID_GFN);
	rec(&w, 0x7777, 1, 0); /* a critical record from the future */
	finish(&w);
	assert_refused(w.b, w.len, "not understood");
	begin(&w, 1);
	domain(&w, DOM, ver, VCPUS, XEN_INVALID_GFN);
	rec(&w, XEN_STATE_PORT, 1, 19); /* short */
	le(&w, 0, 19);
	finish(&w);
	assert_refused(w.b, w.len, "PORT record truncated");

	/* values out of range */
	const struct {
		uint32_t p; uint8_t type; uint16_t dom; uint32_t vcpu, virq, peer;
		const char *why;
	} bad_ports[] = {
		{ 0, EVTCHNSTAT_ipi, 0, 0, 0, 0, "port 0 out of range" },
		{ 4096, EVTCHNSTAT_ipi, 0, 0, 0, 0, "port 4096 out of range" },
		{ 1, 0, 0, 0, 0, 0, "type 0" },
		{ 1, 9, 0, 0, 0, 0, "type 9" },
		{ 1, EVTCHNSTAT_pirq, 0, 0, 0, 0, "type 3" },
		{ 1, EVTCHNSTAT_ipi, 0, VCPUS, 0, 0, "vCPU 4 out of range" },
		{ 1, EVTCHNSTAT_virq, 0, 0, NR_VIRQS, 0, "invalid binding" },
		{ 1, EVTCHNSTAT_unbound, 9, 0, 0, 0, "invalid binding" },
		{ 1, EVTCHNSTAT_interdomain, DOM, 0, 0, 1, "invalid binding" },
		{ 1, EVTCHNSTAT_interdomain, DOM, 0, 0, 2, "does not point back" },
		{ 1, EVTCHNSTAT_ipi, 0, 2, 0, 0, "not present" },
		{ 1, EVTCHNSTAT_virq, 0, 0, VIRQ_TIMER, 0, "1 VIRQ ports" },
	};
	for (unsigned i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
		begin(&w, 1);
		domain(&w, DOM, ver, VCPUS, XEN_INVALID_GFN);
		vcpu(&w, 0, UINT64_MAX);
		port(&w, bad_ports[i].p, bad_ports[i].type, bad_ports[i].dom, bad_ports[i].vcpu,
		     bad_ports[i].virq, bad_ports[i].peer);
		finish(&w);
		assert_refused(w.b, w.len, bad_ports[i].why);
	}
	/* two records for one port; a VIRQ bound twice; VIRQ records that disagree */
	begin(&w, 1);
	domain(&w, DOM, ver, VCPUS, XEN_INVALID_GFN);
	vcpu(&w, 0, UINT64_MAX);
	port(&w, 1, EVTCHNSTAT_ipi, 0, 0, 0, 0);
	port(&w, 1, EVTCHNSTAT_ipi, 0, 0, 0, 0);
	finish(&w);
	assert_refused(w.b, w.len, "two records for port 1");
	begin(&w, 1);
	domain(&w, DOM, ver, VCPUS, XEN_INVALID_GFN);
	vcpu(&w, 0, UINT64_MAX);
	port(&w, 1, EVTCHNSTAT_virq, 0, 0, VIRQ_TIMER, 0);
	port(&w, 2, EVTCHNSTAT_virq, 0, 0, VIRQ_TIMER, 0);
	finish(&w);
	assert_refused(w.b, w.len, "VIRQ bound twice");
	begin(&w, 1);
	domain(&w, DOM, ver, VCPUS, XEN_INVALID_GFN);
	vcpu(&w, 0, UINT64_MAX);
	port(&w, 1, EVTCHNSTAT_virq, 0, 0, VIRQ_TIMER, 0);
	port(&w, 2, EVTCHNSTAT_ipi, 0, 0, 0, 0);
	virq_rec(&w, 0, VIRQ_TIMER, 2);
	finish(&w);
	assert_refused(w.b, w.len, "record says port 2");
	begin(&w, 1);
	domain(&w, DOM, ver, VCPUS, XEN_INVALID_GFN);
	virq_rec(&w, 0, NR_VIRQS, 2);
	finish(&w);
	assert_refused(w.b, w.len, "out of range");
	/* guest memory that is not there */
	begin(&w, 1);
	domain(&w, DOM, ver, VCPUS, (64u << 20) >> 12);
	finish(&w);
	assert_refused(w.b, w.len, "not RAM");
	begin(&w, 1);
	domain(&w, DOM, ver, VCPUS, XEN_INVALID_GFN);
	vcpu(&w, 1, 0x11044); /* misaligned */
	finish(&w);
	assert_refused(w.b, w.len, "vcpu_info");
	begin(&w, 1);
	domain(&w, DOM, ver, VCPUS, XEN_INVALID_GFN);
	vcpu(&w, 1, 0x1100);
	vcpu(&w, 1, 0x1100);
	finish(&w);
	assert_refused(w.b, w.len, "two records for vCPU 1");
	vm_free(ram);
}

static void test_busy_target(void **state)
{
	struct vm *a = vm_new(NULL), *b = vm_new(NULL);
	struct evtchn_bind_ipi bi = { 0, 0 };
	uint8_t *blob;
	size_t len;
	char err[200];

	(void)state;
	build_state(a);
	assert_int_equal(xen_state_save(&a->x, &blob, &len), 0);
	xen_domain_vcpu_plug(&b->x, 0);
	assert_int_equal(evtchn_bind_ipi(&b->x.evtchn, &bi), 0);
	assert_int_equal(xen_state_load(&b->x, blob, len, err, sizeof(err)), -EBUSY);
	assert_int_equal(evtchn_port_get(&b->x.evtchn, 1).type, EVTCHNSTAT_ipi); /* untouched */
	free(blob);
	vm_free(a);
	vm_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_32bit_and_fresh),
		cmocka_unit_test(test_past_deadline_fires_on_load),
		cmocka_unit_test(test_truncated_and_corrupt),
		cmocka_unit_test(test_hand_built),
		cmocka_unit_test(test_busy_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
