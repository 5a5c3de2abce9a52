/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypercall dispatcher and the handlers behind it, on real guest memory (guest_mem)
 * with fake host callbacks: calling conventions, -ENOSYS / -EFAULT / -EPERM, every served
 * subop and its error numbers, shared_info and vcpu_info placement, upcall routing
 * (per-vCPU vector, callback vector, GSI), timers, shutdown and soft reset, the console,
 * and pointer arguments translated through real guest page tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xen/cpuid.h"
#include "xen/domain.h"
#include "xen/guest_access.h"
#include "xen/hypercall.h"

#define VCPUS 4
#define ARG 0x2000ull    /* where tests put hypercall arguments (identity-mapped) */
#define SHINFO_GFN 0x10ull
#define NOW0 5000000000ull

/* ---- fakes ---- */

struct host {
	uint64_t now;
	uint64_t armed[VCPUS];
	unsigned injected[VCPUS];
	uint8_t last_vector[VCPUS];
	int gsi_level[32];
	unsigned gsi_changes;
	int shutdown_reason;
	char lines[8][XEN_CONSOLE_LINE_MAX + 1];
	unsigned nr_lines;
	bool fail_writes; /* make copy-to-guest fail */
};

static uint64_t h_now(void *o) { return ((struct host *)o)->now; }
static void h_arm(void *o, unsigned v, uint64_t d) { ((struct host *)o)->armed[v] = d; }
static void h_inject(void *o, unsigned v, uint8_t vec)
{
	struct host *h = o;
	h->injected[v]++;
	h->last_vector[v] = vec;
}
static void h_gsi(void *o, unsigned gsi, int level)
{
	struct host *h = o;
	h->gsi_level[gsi] = level;
	h->gsi_changes++;
}
static void h_shutdown(void *o, unsigned reason) { ((struct host *)o)->shutdown_reason = (int)reason; }
static void h_wallclock(void *o, uint64_t *sec, uint32_t *nsec)
{
	(void)o;
	*sec = 1700000000;
	*nsec = 123;
}
static void h_console(void *o, const char *line, size_t len)
{
	struct host *h = o;
	if (h->nr_lines < 8) {
		memcpy(h->lines[h->nr_lines], line, len);
		h->lines[h->nr_lines++][len] = 0;
	}
}

static const struct xen_host_ops host_ops = {
	.now = h_now, .timer_arm = h_arm, .inject_vector = h_inject, .set_gsi = h_gsi,
	.shutdown = h_shutdown, .wallclock = h_wallclock, .console_line = h_console,
};

struct t {
	struct guest_mem gm;
	struct host h;
	struct xen_domain x;
	struct xen_guest_access ga;
};

/* Identity "page tables": guest-virtual = guest-physical. */
static int id_read(void *o, uint64_t gva, void *buf, size_t len)
{
	struct t *t = o;
	return gm_read(&t->gm, gva, buf, len) ? -EFAULT : 0;
}
static int id_write(void *o, uint64_t gva, const void *buf, size_t len)
{
	struct t *t = o;
	if (t->h.fail_writes)
		return -EFAULT;
	return gm_write(&t->gm, gva, buf, len) ? -EFAULT : 0;
}
static int id_translate(void *o, uint64_t gva, uint64_t *gpa)
{
	struct t *t = o;
	if (!gm_is_ram(&t->gm, gva, 1))
		return -EFAULT;
	*gpa = gva;
	return 0;
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	struct xen_config cfg;

	if (gm_init(&t->gm, 32 << 20, 0xc0000000ull))
		return -1;
	t->h.now = NOW0;
	t->h.shutdown_reason = -1;
	xen_config_default(&cfg, VCPUS);
	if (xen_domain_init(&t->x, &cfg, &t->gm, &host_ops, &t->h))
		return -1;
	for (unsigned v = 0; v < 3; v++) /* vCPU 3 absent */
		xen_domain_vcpu_plug(&t->x, v);
	t->ga = (struct xen_guest_access){ id_read, id_write, id_translate, t };
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	xen_domain_destroy(&t->x);
	gm_destroy(&t->gm);
	free(t);
	return 0;
}

static int64_t call_on(struct t *t, unsigned vcpu, bool lm, uint32_t nr, uint64_t a0,
		       uint64_t a1, uint64_t a2)
{
	struct xen_hcall hc = { .nr = nr, .arg = { a0, a1, a2 }, .vcpu = vcpu, .long_mode = lm };
	return xen_hypercall(&t->x, &hc, &t->ga);
}

static int64_t call(struct t *t, uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	return call_on(t, 0, true, nr, a0, a1, a2);
}

static void put(struct t *t, uint64_t gpa, const void *p, size_t n)
{
	assert_int_equal(gm_write(&t->gm, gpa, p, n), 0);
}

static void get(struct t *t, uint64_t gpa, void *p, size_t n)
{
	assert_int_equal(gm_read(&t->gm, gpa, p, n), 0);
}

static int64_t evtchn_op(struct t *t, uint32_t cmd, void *arg, size_t n)
{
	int64_t r;

	put(t, ARG, arg, n);
	r = call(t, __HYPERVISOR_event_channel_op, cmd, ARG, 0);
	get(t, ARG, arg, n);
	return r;
}

static int bind_virq(struct t *t, uint32_t virq, uint32_t vcpu)
{
	struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
	int64_t r = evtchn_op(t, EVTCHNOP_bind_virq, &b, sizeof(b));
	return r ? (int)r : (int)b.port;
}

static int bind_ipi(struct t *t, uint32_t vcpu)
{
	struct evtchn_bind_ipi b = { .vcpu = vcpu };
	int64_t r = evtchn_op(t, EVTCHNOP_bind_ipi, &b, sizeof(b));
	return r ? (int)r : (int)b.port;
}

static int64_t send(struct t *t, uint32_t port)
{
	struct evtchn_send s = { .port = port };
	return evtchn_op(t, EVTCHNOP_send, &s, sizeof(s));
}

static int64_t place_shinfo(struct t *t, uint64_t gfn)
{
	struct xen_add_to_physmap a = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					.idx = 0, .gpfn = gfn };
	put(t, ARG, &a, sizeof(a));
	return call(t, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, ARG, 0);
}

static int64_t register_vcpu_info(struct t *t, uint32_t vcpu, uint64_t mfn, uint32_t offset)
{
	struct vcpu_register_vcpu_info r = { .mfn = mfn, .offset = offset };
	put(t, ARG, &r, sizeof(r));
	return call(t, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, vcpu, ARG);
}

static int64_t hvm_param(struct t *t, bool set, uint32_t index, uint64_t *value, uint16_t dom)
{
	struct xen_hvm_param p = { .domid = dom, .index = index, .value = *value };
	int64_t r;

	put(t, ARG, &p, sizeof(p));
	r = call(t, __HYPERVISOR_hvm_op, set ? HVMOP_set_param : HVMOP_get_param, ARG, 0);
	get(t, ARG, &p, sizeof(p));
	*value = p.value;
	return r;
}

static bool guest_pending(struct t *t, unsigned port)
{
	uint64_t w;
	get(t, (SHINFO_GFN << 12) + offsetof(struct shared_info, evtchn_pending) + port / 64 * 8,
	    &w, 8);
	return w >> (port % 64) & 1;
}

static struct vcpu_info vcpu_info_at(struct t *t, uint64_t gpa)
{
	struct vcpu_info vi;
	get(t, gpa, &vi, sizeof(vi));
	return vi;
}

/* Guests see Xen's numbers.  They equal Linux's on x86, which this checks on the host
 * the tests run on, for every error the handlers return. */
static void test_errno_numbering(void **state)
{
	(void)state;
	assert_int_equal(XEN_EPERM, EPERM);
	assert_int_equal(XEN_ENOENT, ENOENT);
	assert_int_equal(XEN_ESRCH, ESRCH);
	assert_int_equal(XEN_ENXIO, ENXIO);
	assert_int_equal(XEN_EFAULT, EFAULT);
	assert_int_equal(XEN_EBUSY, EBUSY);
	assert_int_equal(XEN_EEXIST, EEXIST);
	assert_int_equal(XEN_EINVAL, EINVAL);
	assert_int_equal(XEN_ENOSPC, ENOSPC);
	assert_int_equal(XEN_ENOSYS, ENOSYS);
	assert_int_equal(XEN_EOPNOTSUPP, EOPNOTSUPP);
	assert_int_equal(XEN_EINVAL, 22);
	assert_int_equal(XEN_ENOSYS, 38);
}

/* ---- calling conventions ---- */

static void test_registers(void **state)
{
	struct kvm_regs r = { .rax = 0xdead000000000020ull, .rbx = 0x1111111122222222ull,
			      .rcx = 0x3333333344444444ull, .rdx = 0x5555555566666666ull,
			      .rsi = 0x7777777788888888ull, .rdi = 0x99999999aaaaaaaaull,
			      .rbp = 0xbbbbbbbbccccccccull, .r8 = 8, .r9 = 9, .r10 = 10 };
	struct xen_hcall hc;

	(void)state;
	xen_hcall_from_regs(&hc, &r, true, 0, 2);
	assert_int_equal(hc.nr, 0x20);
	assert_int_equal(hc.arg[0], r.rdi);
	assert_int_equal(hc.arg[1], r.rsi);
	assert_int_equal(hc.arg[2], r.rdx);
	assert_int_equal(hc.arg[3], 10);
	assert_int_equal(hc.arg[4], 8);
	assert_int_equal(hc.arg[5], 9);
	assert_int_equal(hc.vcpu, 2);
	assert_true(hc.long_mode);
	xen_hcall_from_regs(&hc, &r, false, 3, 1);
	assert_int_equal(hc.arg[0], 0x22222222);
	assert_int_equal(hc.arg[1], 0x44444444);
	assert_int_equal(hc.arg[2], 0x66666666);
	assert_int_equal(hc.arg[3], 0x88888888);
	assert_int_equal(hc.arg[4], 0xaaaaaaaa);
	assert_int_equal(hc.arg[5], 0xcccccccc);
	assert_int_equal(hc.cpl, 3);
	assert_false(hc.long_mode);

	xen_hcall_result_to_regs(&r, true, -XEN_EINVAL);
	assert_int_equal(r.rax, (uint64_t)-22);
	xen_hcall_result_to_regs(&r, false, -XEN_EINVAL);
	assert_int_equal(r.rax, 0xffffffea);
	xen_hcall_result_to_regs(&r, true, 0x100000000ll);
	assert_int_equal(r.rax, 0x100000000ull);
}

static void test_kvm_exit_convention(void **state)
{
	struct kvm_xen_exit e = { .type = KVM_EXIT_XEN_HCALL };
	struct xen_hcall hc;

	(void)state;
	e.u.hcall.longmode = 0;
	e.u.hcall.cpl = 0;
	e.u.hcall.input = __HYPERVISOR_sched_op;
	e.u.hcall.params[0] = 0xffffffff00000002ull;
	e.u.hcall.params[5] = 7;
	xen_hcall_from_kvm_exit(&hc, &e, 1);
	assert_int_equal(hc.nr, __HYPERVISOR_sched_op);
	assert_int_equal(hc.arg[0], 2); /* a 32-bit caller's register */
	assert_int_equal(hc.arg[5], 7);
	assert_false(hc.long_mode);
	xen_hcall_result_to_kvm_exit(&e, -XEN_ENOSYS);
	assert_int_equal(e.u.hcall.result, (uint64_t)-38);
}

static void test_unknown_and_cpl(void **state)
{
	struct t *t = *state;
	struct xen_hcall hc = { .nr = __HYPERVISOR_xen_version, .arg = { XENVER_version } };

	assert_int_equal(call(t, 1000, 0, 0, 0), -XEN_ENOSYS);
	assert_int_equal(call(t, 0xffffffffu, 0, 0, 0), -XEN_ENOSYS);
	assert_int_equal(call(t, __HYPERVISOR_mmu_update, 0, 0, 0), -XEN_ENOSYS);
	assert_int_equal(call(t, __HYPERVISOR_grant_table_op, 0, 0, 0), -XEN_ENOSYS);
	assert_int_equal(call(t, __HYPERVISOR_physdev_op, 0, 0, 0), -XEN_ENOSYS);
	assert_int_equal(call(t, __HYPERVISOR_iret, 0, 0, 0), -XEN_ENOSYS);
	assert_int_equal(call(t, 43, 0, 0, 0), -XEN_ENOSYS); /* a hole in the table */
	assert_int_equal(t->x.stats.unknown, 7);
	hc.cpl = 3;
	assert_int_equal(xen_hypercall(&t->x, &hc, &t->ga), -XEN_EPERM);
	hc.cpl = 0;
	assert_int_equal(xen_hypercall(&t->x, &hc, &t->ga), XEN_VERSION_DEFAULT);
	assert_string_equal(xen_hypercall_name(32), "event_channel_op");
	assert_null(xen_hypercall_name(1000));
	assert_null(xen_hypercall_name(43));
}

/* ---- event channels through guest memory ---- */

static void test_event_channel_op(void **state)
{
	struct t *t = *state;
	struct evtchn_status s = { .dom = DOMID_SELF };
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain b = { .remote_dom = DOMID_SELF };
	struct evtchn_bind_vcpu bv;
	struct evtchn_unmask um;
	struct evtchn_close cl;
	struct evtchn_reset rs = { .dom = DOMID_SELF };
	int p;

	assert_int_equal(bind_virq(t, VIRQ_TIMER, 1), 1);
	assert_int_equal(bind_virq(t, VIRQ_TIMER, 1), -XEN_EEXIST);
	assert_int_equal(bind_virq(t, VIRQ_TIMER, 3), -XEN_ENOENT);
	assert_int_equal(bind_virq(t, VIRQ_CONSOLE, 1), -XEN_EINVAL);
	assert_int_equal(bind_ipi(t, 2), 2);
	assert_int_equal(evtchn_op(t, EVTCHNOP_alloc_unbound, &a, sizeof(a)), 0);
	assert_int_equal(a.port, 3);
	b.remote_port = a.port;
	assert_int_equal(evtchn_op(t, EVTCHNOP_bind_interdomain, &b, sizeof(b)), 0);
	assert_int_equal(b.local_port, 4);
	s.port = 4;
	assert_int_equal(evtchn_op(t, EVTCHNOP_status, &s, sizeof(s)), 0);
	assert_int_equal(s.status, EVTCHNSTAT_interdomain);
	assert_int_equal(s.u.interdomain.port, 3);
	assert_int_equal(s.u.interdomain.dom, 1);
	bv = (struct evtchn_bind_vcpu){ .port = 4, .vcpu = 2 };
	assert_int_equal(evtchn_op(t, EVTCHNOP_bind_vcpu, &bv, sizeof(bv)), 0);
	bv.vcpu = 3;
	assert_int_equal(evtchn_op(t, EVTCHNOP_bind_vcpu, &bv, sizeof(bv)), -XEN_ENOENT);
	um.port = 4096;
	assert_int_equal(evtchn_op(t, EVTCHNOP_unmask, &um, sizeof(um)), -XEN_EINVAL);
	assert_int_equal(send(t, 1), -XEN_EINVAL); /* a VIRQ port */
	assert_int_equal(send(t, 2), 0);
	cl.port = 2;
	assert_int_equal(evtchn_op(t, EVTCHNOP_close, &cl, sizeof(cl)), 0);
	assert_int_equal(evtchn_op(t, EVTCHNOP_close, &cl, sizeof(cl)), -XEN_EINVAL);

	/* the FIFO ABI and PIRQs are answered -ENOSYS, so guests use 2-level */
	assert_int_equal(call(t, __HYPERVISOR_event_channel_op, EVTCHNOP_init_control, ARG, 0),
			 -XEN_ENOSYS);
	assert_int_equal(call(t, __HYPERVISOR_event_channel_op, EVTCHNOP_expand_array, ARG, 0),
			 -XEN_ENOSYS);
	assert_int_equal(call(t, __HYPERVISOR_event_channel_op, EVTCHNOP_set_priority, ARG, 0),
			 -XEN_ENOSYS);
	assert_int_equal(call(t, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_pirq, ARG, 0),
			 -XEN_ENOSYS);
	assert_int_equal(call(t, __HYPERVISOR_event_channel_op, 99, ARG, 0), -XEN_ENOSYS);
	/* the upper half of the int cmd is ignored, as Xen's prototype does */
	s.port = 1;
	put(t, ARG, &s, sizeof(s));
	assert_int_equal(call(t, __HYPERVISOR_event_channel_op,
			      0xabcd000000000000ull | EVTCHNOP_status, ARG, 0), 0);

	/* bad pointers: -EFAULT, nothing done */
	assert_int_equal(call(t, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi, 64ull << 20, 0),
			 -XEN_EFAULT);
	assert_int_equal(call(t, __HYPERVISOR_event_channel_op, EVTCHNOP_send, (32ull << 20) - 2,
			      0), -XEN_EFAULT); /* straddles the end of RAM */
	assert_int_equal(call(t, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi,
			      0xfffffffffffffffcull, 0), -XEN_EFAULT);
	/* the OUT copy fails: -EFAULT, and the binding stays (as Xen) */
	t->h.fail_writes = true;
	p = bind_ipi(t, 0);
	assert_int_equal(p, -XEN_EFAULT);
	t->h.fail_writes = false;
	assert_int_equal(evtchn_port_get(&t->x.evtchn, 2).type, EVTCHNSTAT_ipi);

	assert_int_equal(evtchn_op(t, EVTCHNOP_reset, &rs, sizeof(rs)), 0);
	assert_int_equal(t->x.evtchn.nr_ports, 0);
	rs.dom = 0;
	assert_int_equal(evtchn_op(t, EVTCHNOP_reset, &rs, sizeof(rs)), -XEN_ESRCH);
}

/* ---- shared_info, vcpu_info, upcalls ---- */

static void test_shared_info_placement(void **state)
{
	struct t *t = *state;
	struct xen_add_to_physmap a = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info };
	struct xen_add_to_physmap_compat a32 = { .domid = DOMID_SELF,
						 .space = XENMAPSPACE_shared_info, .gpfn = 0x30 };
	uint8_t junk[4096];
	uint32_t wc[4];

	memset(junk, 0x5a, sizeof(junk));
	put(t, SHINFO_GFN << 12, junk, sizeof(junk));
	assert_int_equal(place_shinfo(t, SHINFO_GFN), 0);
	/* a fresh shared_info: zeroed, with the wall clock (version even) */
	get(t, (SHINFO_GFN << 12) + offsetof(struct shared_info, wc_version), wc, sizeof(wc));
	assert_int_equal(wc[0], 2);
	assert_int_equal(wc[1], 1700000000);
	assert_int_equal(wc[2], 123);
	assert_int_equal(wc[3], 0);
	assert_true(guest_pending(t, 5) == false);
	assert_int_equal(xen_shinfo_gfn(&t->x.shinfo), SHINFO_GFN);

	/* moving it carries the contents */
	assert_int_equal(bind_ipi(t, 0), 1);
	assert_int_equal(send(t, 1), 0);
	assert_true(guest_pending(t, 1));
	assert_int_equal(place_shinfo(t, 0x20), 0);
	assert_int_equal(xen_shinfo_gfn(&t->x.shinfo), 0x20);
	{
		uint64_t w;
		get(t, (0x20 << 12) + offsetof(struct shared_info, evtchn_pending), &w, 8);
		assert_int_equal(w, 2);
	}

	/* errors */
	a.idx = 1, a.gpfn = 0x20;
	put(t, ARG, &a, sizeof(a));
	assert_int_equal(call(t, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, ARG, 0),
			 -XEN_EINVAL);
	assert_int_equal(place_shinfo(t, (32 << 20) >> 12), -XEN_EINVAL); /* not RAM */
	assert_int_equal(place_shinfo(t, UINT64_MAX >> 4), -XEN_EINVAL);
	a.idx = 0, a.domid = 4;
	put(t, ARG, &a, sizeof(a));
	assert_int_equal(call(t, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, ARG, 0),
			 -XEN_ESRCH);
	a.domid = DOMID_SELF;
	const struct { uint32_t space; int err; } spaces[] = {
		{ XENMAPSPACE_grant_table, -XEN_ENOSYS }, { XENMAPSPACE_gmfn, -XEN_EOPNOTSUPP },
		{ XENMAPSPACE_gmfn_range, -XEN_EOPNOTSUPP }, { XENMAPSPACE_gmfn_foreign, -XEN_EPERM },
		{ XENMAPSPACE_dev_mmio, -XEN_EPERM }, { 77, -XEN_EINVAL },
	};
	for (unsigned i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++) {
		a.space = spaces[i].space;
		put(t, ARG, &a, sizeof(a));
		assert_int_equal(call(t, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, ARG, 0),
				 spaces[i].err);
	}
	assert_int_equal(call(t, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, 1ull << 40, 0),
			 -XEN_EFAULT);
	assert_int_equal(call(t, __HYPERVISOR_memory_op, XENMEM_memory_map, ARG, 0), -XEN_ENOSYS);
	assert_int_equal(xen_shinfo_gfn(&t->x.shinfo), 0x20); /* unchanged by the failures */

	/* a 32-bit caller's struct is 16 bytes */
	put(t, ARG, &a32, sizeof(a32));
	assert_int_equal(call_on(t, 0, false, __HYPERVISOR_memory_op, XENMEM_add_to_physmap,
				 ARG, 0), 0);
	assert_int_equal(xen_shinfo_gfn(&t->x.shinfo), 0x30);
}

static void test_upcall_routes(void **state)
{
	struct t *t = *state;
	const uint64_t vi1 = 0x11040;
	struct vcpu_info vi;
	struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 1, .vector = 0xf3 };
	uint64_t param;
	int p1, p0;

	assert_int_equal(place_shinfo(t, SHINFO_GFN), 0);
	assert_int_equal(register_vcpu_info(t, 1, vi1 >> 12, vi1 & 0xfff), 0);
	/* Registration flags everything pending on the new area (Xen does too). */
	vi = vcpu_info_at(t, vi1);
	assert_int_equal(vi.evtchn_pending_sel, UINT64_MAX);
	assert_int_equal(vi.evtchn_upcall_pending, 1);
	assert_int_equal(t->h.injected[1], 0); /* no way to interrupt vCPU 1 yet */
	assert_int_equal(t->x.stats.upcalls_dropped, 1);

	/* per-vCPU vector: setting it delivers what is already pending */
	put(t, ARG, &uv, sizeof(uv));
	assert_int_equal(call(t, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, ARG, 0), 0);
	assert_int_equal(t->h.injected[1], 1);
	assert_int_equal(t->h.last_vector[1], 0xf3);
	uv.vector = 0x0f;
	put(t, ARG, &uv, sizeof(uv));
	assert_int_equal(call(t, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, ARG, 0),
			 -XEN_EINVAL);
	uv.vector = 0x40, uv.vcpu = 3;
	put(t, ARG, &uv, sizeof(uv));
	assert_int_equal(call(t, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, ARG, 0),
			 -XEN_ENOENT);

	/* the guest handles its upcall */
	vi.evtchn_upcall_pending = 0;
	vi.evtchn_pending_sel = 0;
	put(t, vi1, &vi, sizeof(vi));
	p1 = bind_ipi(t, 1);
	assert_int_equal(send(t, (uint32_t)p1), 0);
	assert_true(guest_pending(t, (unsigned)p1));
	vi = vcpu_info_at(t, vi1);
	assert_int_equal(vi.evtchn_upcall_pending, 1);
	assert_int_equal(vi.evtchn_pending_sel, 1);
	assert_int_equal(t->h.injected[1], 2);
	assert_int_equal(send(t, (uint32_t)p1), 0); /* coalesced */
	assert_int_equal(t->h.injected[1], 2);

	/* vCPU 0 uses its shared_info slot and the domain-wide callback vector */
	p0 = bind_ipi(t, 0);
	param = (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56 | 0xe0;
	assert_int_equal(hvm_param(t, true, HVM_PARAM_CALLBACK_IRQ, &param, DOMID_SELF), 0);
	assert_int_equal(send(t, (uint32_t)p0), 0);
	assert_int_equal(t->h.injected[0], 1);
	assert_int_equal(t->h.last_vector[0], 0xe0);
	vi = vcpu_info_at(t, SHINFO_GFN << 12);
	assert_int_equal(vi.evtchn_upcall_pending, 1);
	param = 0;
	assert_int_equal(hvm_param(t, false, HVM_PARAM_CALLBACK_IRQ, &param, DOMID_SELF), 0);
	assert_int_equal(param, (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56 | 0xe0);

	/* GSI callback: level, vCPU 0 only, dropped when the guest clears upcall_pending */
	param = 5; /* type GSI, GSI 5 */
	assert_int_equal(hvm_param(t, true, HVM_PARAM_CALLBACK_IRQ, &param, DOMID_SELF), 0);
	assert_int_equal(t->h.gsi_level[5], 1); /* vCPU 0's upcall was already pending */
	xen_domain_callback_poll(&t->x);
	assert_int_equal(t->h.gsi_level[5], 1);
	vi.evtchn_upcall_pending = 0;
	put(t, SHINFO_GFN << 12, &vi, sizeof(vi));
	xen_domain_callback_poll(&t->x);
	assert_int_equal(t->h.gsi_level[5], 0);
	assert_int_equal(send(t, (uint32_t)p0), 0); /* still pending: no new edge */
	assert_int_equal(t->h.gsi_level[5], 0);
	{
		uint64_t none = 0;
		put(t, (SHINFO_GFN << 12) + offsetof(struct shared_info, evtchn_pending), &none, 8);
		put(t, (SHINFO_GFN << 12) + offsetof(struct vcpu_info, evtchn_pending_sel), &none, 8);
	}
	assert_int_equal(send(t, (uint32_t)p0), 0);
	assert_int_equal(t->h.gsi_level[5], 1);
	/* switching the callback away drops the line */
	param = 0;
	assert_int_equal(hvm_param(t, true, HVM_PARAM_CALLBACK_IRQ, &param, DOMID_SELF), 0);
	assert_int_equal(t->h.gsi_level[5], 0);
	/* the per-vCPU vector still wins for vCPU 1 */
	assert_int_equal(t->h.last_vector[1], 0xf3);
}

static void test_vcpu_info_rules(void **state)
{
	struct t *t = *state;
	struct vcpu_info vi;

	assert_int_equal(register_vcpu_info(t, 3, 0x40, 0), -XEN_ENOENT);  /* absent */
	assert_int_equal(register_vcpu_info(t, 9, 0x40, 0), -XEN_ENOENT);
	assert_int_equal(register_vcpu_info(t, 1, 0x40, 4096), -XEN_EINVAL);
	assert_int_equal(register_vcpu_info(t, 1, 0x40, 4064), -XEN_ENXIO); /* crosses */
	assert_int_equal(register_vcpu_info(t, 1, 0x40, 4), -XEN_ENXIO);    /* misaligned */
	assert_int_equal(register_vcpu_info(t, 1, 0x10000, 0), -XEN_EINVAL); /* not RAM */
	assert_int_equal(register_vcpu_info(t, 1, UINT64_MAX, 0), -XEN_EINVAL);
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 1, 1ull << 40),
			 -XEN_EFAULT);
	/* a 32-bit guest only needs 4-byte alignment */
	atomic_store(&t->x.long_mode, false);
	assert_int_equal(register_vcpu_info(t, 2, 0x41, 4), 0);
	atomic_store(&t->x.long_mode, true);
	assert_int_equal(xen_vcpu_info_gpa(&t->x.shinfo, 2), 0x41004);

	/* the contents of the shared_info slot move with the registration */
	assert_int_equal(place_shinfo(t, SHINFO_GFN), 0);
	memset(&vi, 0, sizeof(vi));
	vi.time.system_time = 0x1234;
	put(t, (SHINFO_GFN << 12) + 64, &vi, sizeof(vi));
	assert_int_equal(register_vcpu_info(t, 1, 0x42, 0x80), 0);
	vi = vcpu_info_at(t, 0x42080);
	assert_int_equal(vi.time.system_time, 0x1234);
	assert_int_equal(vi.evtchn_pending_sel, UINT64_MAX);
	assert_int_equal(register_vcpu_info(t, 1, 0x43, 0), -XEN_EBUSY); /* once */
	assert_int_equal(xen_vcpu_info_ptr(&t->x.shinfo, 1), gm_ptr(&t->gm, 0x42080, 64));
	/* vCPUs past 31 have no slot */
	assert_null(xen_vcpu_info_ptr(&t->x.shinfo, 100));
}

static void test_vcpu_op_areas_and_timers(void **state)
{
	struct t *t = *state;
	struct vcpu_set_singleshot_timer st = { .timeout_abs_ns = NOW0 + 1000 };
	uint64_t gva = 0x50020, bad = 0x50ff0;
	uint8_t rs[48];
	int32_t st_state;
	uint64_t entry;
	int port;

	put(t, ARG, &gva, 8);
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 1,
			      ARG), 0);
	assert_int_equal(t->x.vcpu[1].time_info_gpa, 0x50020);
	put(t, ARG, &bad, 8); /* crosses a page */
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 1,
			      ARG), -XEN_EFAULT);
	gva = 1ull << 40;
	put(t, ARG, &gva, 8);
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 1,
			      ARG), -XEN_EFAULT);
	/* a 32-bit caller's handle: the upper half of the union is ignored */
	gva = 0xdeadbeef00051000ull;
	put(t, ARG, &gva, 8);
	assert_int_equal(call_on(t, 0, false, __HYPERVISOR_vcpu_op,
				 VCPUOP_register_runstate_memory_area, 2, ARG), 0);
	assert_int_equal(t->x.vcpu[2].runstate_gpa, 0x51000);
	gva = 0x52000;
	put(t, ARG, &gva, 8);
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 1,
			      ARG), 0);
	get(t, 0x52000, rs, sizeof(rs));
	memcpy(&st_state, rs, 4);
	memcpy(&entry, rs + 8, 8);
	assert_int_equal(st_state, RUNSTATE_running);
	assert_int_equal(entry, NOW0);
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 3,
			      ARG), -XEN_ENOENT);

	/* singleshot timer: own vCPU only */
	port = bind_virq(t, VIRQ_TIMER, 0);
	put(t, ARG, &st, sizeof(st));
	assert_int_equal(call_on(t, 1, true, __HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer,
				 0, ARG), -XEN_EINVAL);
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, ARG), 0);
	assert_int_equal(t->h.armed[0], NOW0 + 1000);
	t->h.now += 1000;
	assert_int_equal(place_shinfo(t, SHINFO_GFN), 0);
	xen_domain_timer_expired(&t->x, 0);
	assert_true(guest_pending(t, (unsigned)port)); /* VIRQ_TIMER fired */
	assert_int_equal(t->h.armed[0], 0);
	/* a deadline in the past fires at once */
	st.timeout_abs_ns = 1;
	put(t, ARG, &st, sizeof(st));
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, ARG), 0);
	assert_int_equal(t->x.timers.fired, 2);
	/* stop */
	st.timeout_abs_ns = t->h.now + 50;
	put(t, ARG, &st, sizeof(st));
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, ARG), 0);
	assert_int_equal(call_on(t, 2, true, __HYPERVISOR_vcpu_op, VCPUOP_stop_singleshot_timer,
				 0, 0), -XEN_EINVAL);
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_stop_singleshot_timer, 0, 0), 0);
	assert_int_equal(xen_timer_deadline(&t->x.timers, 0), 0);
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, 1ull << 40),
			 -XEN_EFAULT);
	/* set_timer_op: 64-bit in one register, 32-bit in two */
	assert_int_equal(call(t, __HYPERVISOR_set_timer_op, t->h.now + 99, 0, 0), 0);
	assert_int_equal(t->h.armed[0], t->h.now + 99);
	assert_int_equal(call_on(t, 1, false, __HYPERVISOR_set_timer_op, 0x89abcdef, 0x1, 0), 0);
	assert_int_equal(t->h.armed[1], 0x189abcdefull);
	assert_int_equal(call(t, __HYPERVISOR_set_timer_op, 0, 0, 0), 0);
	assert_int_equal(t->h.armed[0], 0);

	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0), 0);
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, ARG),
			 -XEN_ENOSYS);
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0), -XEN_ENOSYS);
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, 99, 0, 0), -XEN_ENOSYS);
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 3, 0),
			 -XEN_ENOENT);
}

static void test_hvm_params(void **state)
{
	struct t *t = *state;
	uint64_t v = 42;

	assert_int_equal(hvm_param(t, true, HVM_PARAM_STORE_EVTCHN, &v, DOMID_SELF), 0);
	v = 0;
	assert_int_equal(hvm_param(t, false, HVM_PARAM_STORE_EVTCHN, &v, 1), 0);
	assert_int_equal(v, 42);
	v = 0;
	assert_int_equal(hvm_param(t, false, HVM_PARAM_STORE_PFN, &v, DOMID_SELF), 0);
	assert_int_equal(v, 0);
	assert_int_equal(hvm_param(t, true, HVM_PARAM_STORE_PFN, &v, DOMID_SELF), -XEN_EPERM);
	assert_int_equal(hvm_param(t, true, HVM_PARAM_ALTP2M, &v, DOMID_SELF), -XEN_EEXIST);
	assert_int_equal(hvm_param(t, true, HVM_PARAM_IDENT_PT, &v, DOMID_SELF), -XEN_EPERM);
	assert_int_equal(hvm_param(t, false, HVM_PARAM_IDENT_PT, &v, DOMID_SELF), -XEN_EPERM);
	assert_int_equal(hvm_param(t, true, HVM_NR_PARAMS, &v, DOMID_SELF), -XEN_EINVAL);
	assert_int_equal(hvm_param(t, false, 0xffffffffu, &v, DOMID_SELF), -XEN_EINVAL);
	assert_int_equal(hvm_param(t, true, HVM_PARAM_STORE_EVTCHN, &v, 2), -XEN_ESRCH);
	assert_int_equal(call(t, __HYPERVISOR_hvm_op, HVMOP_get_param, 1ull << 40, 0), -XEN_EFAULT);
	assert_int_equal(call(t, __HYPERVISOR_hvm_op, HVMOP_pagetable_dying, ARG, 0), -XEN_ENOSYS);
	assert_int_equal(call(t, __HYPERVISOR_hvm_op, 1ull << 32, ARG, 0), -XEN_ENOSYS);
	/* setting the callback from 32-bit code latches the 32-bit layout, as Xen */
	v = 0;
	put(t, ARG, &(struct xen_hvm_param){ .domid = DOMID_SELF, .index = 0, .value = 0 }, 16);
	assert_int_equal(call_on(t, 0, false, __HYPERVISOR_hvm_op, HVMOP_set_param, ARG, 0), 0);
	assert_int_equal(evtchn_port_limit(&t->x.evtchn), 1024);
}

static void test_xen_version(void **state)
{
	struct t *t = *state;
	struct xen_feature_info fi = { .submap_idx = 0 };
	char extra[16];

	assert_int_equal(call(t, __HYPERVISOR_xen_version, XENVER_version, 0, 0),
			 XEN_VERSION_DEFAULT);
	assert_int_equal(call(t, __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0), 4096);
	put(t, ARG, &fi, sizeof(fi));
	assert_int_equal(call(t, __HYPERVISOR_xen_version, XENVER_get_features, ARG, 0), 0);
	get(t, ARG, &fi, sizeof(fi));
	assert_true(fi.submap & 1u << XENFEAT_hvm_callback_vector);
	assert_true(fi.submap & 1u << XENFEAT_auto_translated_physmap);
	assert_false(fi.submap & 1u << XENFEAT_hvm_pirqs);
	assert_false(fi.submap & 1u << XENFEAT_hvm_safe_pvclock); /* not maintained yet */
	t->x.cfg.pvclock = true;
	put(t, ARG, &fi, sizeof(fi));
	call(t, __HYPERVISOR_xen_version, XENVER_get_features, ARG, 0);
	get(t, ARG, &fi, sizeof(fi));
	assert_true(fi.submap & 1u << XENFEAT_hvm_safe_pvclock);
	fi.submap_idx = 1;
	put(t, ARG, &fi, sizeof(fi));
	call(t, __HYPERVISOR_xen_version, XENVER_get_features, ARG, 0);
	get(t, ARG, &fi, sizeof(fi));
	assert_int_equal(fi.submap, 0);
	assert_int_equal(call(t, __HYPERVISOR_xen_version, XENVER_extraversion, ARG, 0), 0);
	get(t, ARG, extra, sizeof(extra));
	assert_string_equal(extra, ".0-xkvm");
	assert_int_equal(call(t, __HYPERVISOR_xen_version, XENVER_capabilities, ARG, 0), 0);
	assert_int_equal(call(t, __HYPERVISOR_xen_version, XENVER_compile_info, ARG, 0), 0);
	assert_int_equal(call(t, __HYPERVISOR_xen_version, XENVER_changeset, ARG, 0), 0);
	assert_int_equal(call(t, __HYPERVISOR_xen_version, XENVER_guest_handle, ARG, 0), 0);
	assert_int_equal(call(t, __HYPERVISOR_xen_version, XENVER_commandline, ARG, 0), -XEN_EPERM);
	assert_int_equal(call(t, __HYPERVISOR_xen_version, XENVER_build_id, ARG, 0), -XEN_EPERM);
	assert_int_equal(call(t, __HYPERVISOR_xen_version, 99, ARG, 0), -XEN_ENOSYS);
	assert_int_equal(call(t, __HYPERVISOR_xen_version, XENVER_extraversion, 1ull << 40, 0),
			 -XEN_EFAULT);
	assert_int_equal(call(t, __HYPERVISOR_xen_version, XENVER_get_features, 1ull << 40, 0),
			 -XEN_EFAULT);
}

static int64_t shutdown(struct t *t, unsigned reason)
{
	struct sched_shutdown s = { .reason = reason };
	put(t, ARG, &s, sizeof(s));
	return call(t, __HYPERVISOR_sched_op, SCHEDOP_shutdown, ARG, 0);
}

static void test_sched_op_and_soft_reset(void **state)
{
	struct t *t = *state;
	uint64_t param = (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56 | 0xe0;
	struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 1, .vector = 0xf3 };
	struct vcpu_set_singleshot_timer st = { .timeout_abs_ns = NOW0 + 1000 };

	assert_int_equal(shutdown(t, SHUTDOWN_poweroff), 0);
	assert_int_equal(t->h.shutdown_reason, SHUTDOWN_poweroff);
	assert_int_equal(shutdown(t, SHUTDOWN_reboot), 0);
	assert_int_equal(t->h.shutdown_reason, SHUTDOWN_reboot);
	assert_int_equal(shutdown(t, SHUTDOWN_crash), 0);
	assert_int_equal(t->h.shutdown_reason, SHUTDOWN_crash);
	t->h.shutdown_reason = -1;
	assert_int_equal(shutdown(t, SHUTDOWN_suspend), -XEN_EINVAL);
	assert_int_equal(shutdown(t, SHUTDOWN_watchdog), -XEN_EINVAL);
	assert_int_equal(shutdown(t, 99), -XEN_EINVAL);
	assert_int_equal(t->h.shutdown_reason, -1);
	assert_int_equal(call(t, __HYPERVISOR_sched_op, SCHEDOP_shutdown, 1ull << 40, 0),
			 -XEN_EFAULT);
	assert_int_equal(call(t, __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0), 0);
	assert_int_equal(call(t, __HYPERVISOR_sched_op, SCHEDOP_poll, ARG, 0), 0);
	assert_int_equal(call(t, __HYPERVISOR_sched_op, SCHEDOP_block, 0, 0), 0);

	/* build up state, then soft-reset it away */
	assert_int_equal(place_shinfo(t, SHINFO_GFN), 0);
	assert_int_equal(register_vcpu_info(t, 1, 0x11, 0x40), 0);
	assert_int_equal(hvm_param(t, true, HVM_PARAM_CALLBACK_IRQ, &param, DOMID_SELF), 0);
	put(t, ARG, &uv, sizeof(uv));
	assert_int_equal(call(t, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, ARG, 0), 0);
	assert_int_equal(bind_virq(t, VIRQ_TIMER, 0), 1);
	assert_int_equal(bind_ipi(t, 2), 2);
	put(t, ARG, &st, sizeof(st));
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, ARG), 0);

	assert_int_equal(shutdown(t, SHUTDOWN_soft_reset), 0);
	assert_int_equal(t->h.shutdown_reason, -1); /* the VM keeps running */
	assert_int_equal(t->x.evtchn.nr_ports, 0);
	assert_int_equal(evtchn_virq_port(&t->x.evtchn, 0, VIRQ_TIMER), 0);
	assert_int_equal(xen_shinfo_gfn(&t->x.shinfo), XEN_INVALID_GFN);
	assert_int_equal(xen_vcpu_info_gpa(&t->x.shinfo, 1), XEN_INVALID_GPA);
	assert_int_equal(atomic_load(&t->x.callback_param), 0);
	assert_int_equal(atomic_load(&t->x.vcpu[1].upcall_vector), 0);
	assert_int_equal(xen_timer_deadline(&t->x.timers, 0), 0);
	assert_int_equal(t->h.armed[0], 0);
	/* and the guest can start over */
	assert_int_equal(register_vcpu_info(t, 1, 0x11, 0x40), 0);
	assert_int_equal(bind_virq(t, VIRQ_TIMER, 0), 1);
}

static void test_console_io(void **state)
{
	struct t *t = *state;
	const char a[] = "hello\nwor\x01", b[] = "ld\n";

	put(t, ARG, a, sizeof(a) - 1);
	assert_int_equal(call(t, __HYPERVISOR_console_io, CONSOLEIO_write, sizeof(a) - 1, ARG), 0);
	put(t, ARG, b, sizeof(b) - 1);
	assert_int_equal(call(t, __HYPERVISOR_console_io, CONSOLEIO_write, sizeof(b) - 1, ARG), 0);
	assert_int_equal(t->h.nr_lines, 2);
	assert_string_equal(t->h.lines[0], "hello");
	assert_string_equal(t->h.lines[1], "world"); /* the control character is dropped */
	assert_int_equal(call(t, __HYPERVISOR_console_io, CONSOLEIO_read, 10, ARG), 0);
	assert_int_equal(call(t, __HYPERVISOR_console_io, CONSOLEIO_write, 4, 1ull << 40),
			 -XEN_EFAULT);
	assert_int_equal(call(t, __HYPERVISOR_console_io, 7, 4, ARG), -XEN_ENOSYS);
	/* a line longer than the buffer is split, not lost */
	{
		char big[300];
		memset(big, 'x', sizeof(big));
		put(t, ARG, big, sizeof(big));
		assert_int_equal(call(t, __HYPERVISOR_console_io, CONSOLEIO_write, sizeof(big),
				      ARG), 0);
		assert_int_equal(t->h.nr_lines, 3);
		assert_int_equal(strlen(t->h.lines[2]), XEN_CONSOLE_LINE_MAX);
	}
}

static void test_hot_unplug_and_msr(void **state)
{
	struct t *t = *state;
	struct vcpu_set_singleshot_timer st = { .timeout_abs_ns = NOW0 + 1000 };

	assert_int_equal(bind_virq(t, VIRQ_TIMER, 2), 1);
	put(t, ARG, &st, sizeof(st));
	assert_int_equal(call_on(t, 2, true, __HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer,
				 2, ARG), 0);
	assert_int_equal(xen_domain_vcpu_unplug(&t->x, 2), 1);
	assert_int_equal(xen_timer_deadline(&t->x.timers, 2), 0);
	assert_int_equal(t->h.armed[2], 0);
	assert_int_equal(xen_domain_vcpu_unplug(&t->x, 2), -ENOENT);
	assert_int_equal(call(t, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 2, ARG),
			 -XEN_ENOENT);
	assert_int_equal(xen_domain_vcpu_plug(&t->x, 2), 0);

	/* the hypercall-page MSR latches the caller's mode */
	assert_int_equal(xen_domain_msr_write(&t->x, 0x7000 | 1, false), -EINVAL);
	assert_true(xen_domain_long_mode(&t->x));
	assert_int_equal(xen_domain_msr_write(&t->x, 0x7000, false), 0);
	assert_false(xen_domain_long_mode(&t->x));
	assert_int_equal(evtchn_port_limit(&t->x.evtchn), 1024);
	assert_int_equal(xen_domain_msr_write(&t->x, 0x7000, true), 0);
	assert_int_equal(evtchn_port_limit(&t->x.evtchn), 4096);
}

/* ---- pointer arguments through real page tables ---- */

static void test_guest_page_tables(void **state)
{
	struct t *t = *state;
	struct xen_gva_space space = {
		.gm = &t->gm,
		.paging = { .cr0 = 0x80000001, .cr3 = 0x100000, .cr4 = 0x20, .efer = 0x500 },
		.long_mode = true,
	};
	struct xen_guest_access ga;
	const uint64_t va = 0xffff800000001ffcull; /* straddles two pages */
	struct evtchn_bind_ipi b = { .vcpu = 1 };
	struct xen_hcall hc = { .nr = __HYPERVISOR_event_channel_op,
				.arg = { EVTCHNOP_bind_ipi, va }, .long_mode = true };
	uint64_t e;

	/* PML4[256] -> PDPT -> PD -> PT; VA pages 1 and 2 -> 0x300000, 0x280000 */
	e = 0x101000 | 3; put(t, 0x100000 + 256 * 8, &e, 8);
	e = 0x102000 | 3; put(t, 0x101000, &e, 8);
	e = 0x103000 | 3; put(t, 0x102000, &e, 8);
	e = 0x300000 | 3; put(t, 0x103000 + 1 * 8, &e, 8);
	e = 0x280000 | 3; put(t, 0x103000 + 2 * 8, &e, 8);
	put(t, 0x300ffc, &b.vcpu, 4); /* .vcpu at 0x300ffc, .port at 0x280000 */
	xen_guest_access_init(&ga, &space);
	assert_int_equal(xen_hypercall(&t->x, &hc, &ga), 0);
	get(t, 0x280000, &b.port, 4); /* OUT field, on the second page */
	assert_int_equal(b.port, 1);
	assert_int_equal(evtchn_port_get(&t->x.evtchn, 1).vcpu, 1);
	/* the same PML4 slot through a non-canonical address: -EFAULT, not aliased */
	hc.arg[1] = 0x0000800000001ffcull;
	assert_int_equal(xen_hypercall(&t->x, &hc, &ga), -XEN_EFAULT);
	/* unmapped: -EFAULT */
	hc.arg[1] = 0xffff800000400000ull;
	assert_int_equal(xen_hypercall(&t->x, &hc, &ga), -XEN_EFAULT);
	hc.arg[1] = va + 0x1000; /* page 2 then page 3 (unmapped) */
	hc.arg[0] = EVTCHNOP_status;
	assert_int_equal(xen_hypercall(&t->x, &hc, &ga), -XEN_EFAULT);
	/* a 32-bit caller cannot reach above 4 GiB */
	space.long_mode = false;
	assert_int_equal(ga.read(ga.opaque, 0xfffffffe, &e, 4), -EFAULT);
	assert_int_equal(ga.translate(ga.opaque, 1ull << 32, &e), -EFAULT);
	space.paging.cr0 = 1; /* paging off: physical */
	assert_int_equal(ga.translate(ga.opaque, 0x1234, &e), 0);
	assert_int_equal(e, 0x1234);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_numbering),
		cmocka_unit_test(test_registers),
		cmocka_unit_test(test_kvm_exit_convention),
		cmocka_unit_test_setup_teardown(test_unknown_and_cpl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_channel_op, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_info_placement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upcall_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vcpu_info_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vcpu_op_areas_and_timers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hvm_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xen_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sched_op_and_soft_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_console_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hot_unplug_and_msr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_page_tables, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
