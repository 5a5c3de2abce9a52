/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A hostile Xen guest: thousands of hypercalls with random numbers, sub-operations and
 * arguments (pointers into RAM full of random bytes, outside RAM, non-canonical, NULL),
 * event-channel operations on random ports and vCPUs, from two vCPUs at once.  xkvm must
 * answer each (an errno is fine), never crash or hang, and still serve a well-behaved
 * round trip at the end.
 *
 * Left out, because they would end the test rather than exercise xkvm: SCHEDOP_shutdown
 * (it powers off), SCHEDOP_poll (a random timeout can be years), and upcall vectors below
 * 32 (the guest's own exception stubs would take them).
 *
 * Command line: seed=N iterations=N
 */
#include "xen.h"

#define VEC_UPCALL 0x50
#define FILL 256 /* bytes of scratch refilled before each call */

static u8 scratch[16384] __attribute__((aligned(4096)));
static volatile u32 stray_irqs;
static volatile bool ap_go, ap_done;
static u64 seed;

static u64 rnd(void)
{
	/* xorshift64* */
	seed ^= seed >> 12;
	seed ^= seed << 25;
	seed ^= seed >> 27;
	return seed * 0x2545f4914f6cdd1dull;
}

static void on_stray(struct irq_frame *f)
{
	(void)f;
	stray_irqs++;
	lapic_eoi();
}

/* A pointer argument: usually the scratch buffer (random bytes), else something bad. */
static u64 rnd_ptr(void)
{
	switch (rnd() % 8) {
	case 0: return 0;
	case 1: return 0x10000000 + (rnd() & 0xffffff);    /* mapped, not RAM */
	case 2: return 0x8000000000000000ull | rnd();      /* not canonical */
	case 3: return 0x8000000 - (rnd() % 8);              /* crosses RAM's end (128M) */
	case 4: return rnd();
	default: return (u64)(uintptr_t)scratch + (rnd() % (FILL / 2));
	}
}

/* The first FILL bytes of scratch get new random contents before each call (guest code
 * is emulated here: filling all of it would dominate the run). */
static void fill_scratch(void)
{
	u64 *w = (u64 *)scratch;

	for (size_t i = 0; i < FILL / 8; i++) {
		w[i] = rnd();
		/* Small numbers are where the interesting cases are (ports, vCPUs, indices). */
		if (rnd() & 1)
			w[i] &= (rnd() & 1) ? 0xfff : 0x7;
	}
}

/* A guest-physical frame for xkvm to write a Xen structure into: one of the scratch
 * pages, or nothing that is RAM (the guest's own code and data are not fair game). */
static u64 rnd_frame(void)
{
	return rnd() % 4 ? ((u64)(uintptr_t)scratch >> 12) + rnd() % 4 : rnd() | (1ull << 40);
}

static void one_call(void)
{
	u32 nr = (u32)(rnd() % 48);
	u64 a0 = rnd() % 16 == 0 ? rnd() : rnd() % 40, a1 = rnd_ptr(), a2 = rnd_ptr();
	u64 *w = (u64 *)scratch;

	fill_scratch();
	switch (nr) {
	case __HYPERVISOR_iret:
		return; /* its stub is ud2, as on Xen */
	case __HYPERVISOR_sched_op:
		if ((u32)a0 == SCHEDOP_shutdown || (u32)a0 == SCHEDOP_poll)
			a0 = SCHEDOP_yield;
		break;
	case __HYPERVISOR_hvm_op:
		if ((u32)a0 == HVMOP_set_param)
			a0 = HVMOP_get_param; /* a random callback could aim at anything */
		if ((u32)a0 == HVMOP_set_evtchn_upcall_vector) {
			a1 = (u64)(uintptr_t)scratch;
			scratch[4] |= 0x20; /* clear of the exception range */
		}
		break;
	case __HYPERVISOR_memory_op:
		a1 = (u64)(uintptr_t)scratch;
		w[2] = rnd_frame(); /* xen_add_to_physmap.gpfn: where shared_info would go */
		break;
	case __HYPERVISOR_vcpu_op:
		a1 = rnd() % 6; /* vCPU ids around the real ones */
		a2 = (u64)(uintptr_t)scratch;
		w[0] = rnd() % 2 ? rnd_frame() : ((u64)(uintptr_t)scratch + (rnd() & 0x3fff));
		break;
	case __HYPERVISOR_event_channel_op:
		a0 = rnd() % 16;
		a1 = rnd() % 4 ? (u64)(uintptr_t)scratch : rnd_ptr();
		break;
	default:
		break;
	}
	xen_hypercall(nr, a0, a1, a2, rnd(), rnd());
}

static void ap_main(u32 id)
{
	xen_init_cpu(true);
	while (!ap_go)
		cpu_relax();
	for (u32 i = 0; i < 500; i++) {
		one_call();
		if (i % 50 == 0)
			WAIT_UNTIL(false, 1); /* take what arrived */
	}
	(void)id;
	ap_done = true;
}

int main(void)
{
	u64 iterations = cmdline_get_u64("iterations", 3000);
	int p;

	seed = cmdline_get_u64("seed", 1) | 1;
	GUEST_ASSERT_EQ(xen_init(VEC_UPCALL, true), 0);
	for (u32 v = 32; v < 256; v++)
		if (v != VEC_UPCALL)
			irq_set_handler((u8)v, on_stray);
	GUEST_ASSERT_EQ(smp_start_ap(1, ap_main, 5000), 0);
	ap_go = true;
	for (u64 i = 0; i < iterations; i++) {
		one_call();
		if (i % 100 == 0)
			WAIT_UNTIL(false, 1);
	}
	GUEST_ASSERT(WAIT_UNTIL(ap_done, 60000));
	/* xkvm still serves a well-behaved guest: put shared_info back, reset what the noise
	 * left, then a round trip on a fresh port. */
	{
		struct xen_add_to_physmap xatp = {
			.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
			.gpfn = (u64)(uintptr_t)&xen_shared_info >> 12,
		};

		GUEST_ASSERT_EQ(HYPERCALL2(memory_op, XENMEM_add_to_physmap, &xatp), 0);
	}
	{
		struct evtchn_reset r = { .dom = DOMID_SELF };
		struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 0, .vector = VEC_UPCALL };

		GUEST_ASSERT_EQ(evtchn_op(EVTCHNOP_reset, &r), 0);
		GUEST_ASSERT_EQ(HYPERCALL2(hvm_op, HVMOP_set_evtchn_upcall_vector, &uv), 0);
	}
	memset((void *)xen_events, 0, sizeof(xen_events));
	for (u32 i = 0; i < XEN_MAX_PORTS; i++)
		xen_port_set_cpu(i, 0);
	xen_clear_mask_local(0); /* the noise may have masked anything: unmask all */
	memset(xen_shared_info.evtchn_mask, 0, sizeof(xen_shared_info.evtchn_mask));
	p = evtchn_bind_ipi(0);
	GUEST_ASSERT(p > 0);
	GUEST_ASSERT_EQ(evtchn_send((u32)p), 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[p] >= 1, 5000));
	GUEST_SYNC("xen-garbage-survived", iterations, stray_irqs);
	return 0;
}
