/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Save/restore of the Xen state across two xkvm processes (docs/xen.md, "State"), and the
 * QMP view of it.
 *
 * phase=save     set up as a Xen guest does (shared_info, own vcpu_info, a time area,
 *                VIRQ_TIMER, an IPI, a loopback pair, a global VIRQ, a parameter), arm a
 *                singleshot timer `delay_ms` ahead, report the ports and the deadline,
 *                take an event the host injects over QMP (xen-event-inject), then idle
 *                until the host has saved the state and ends the VM.
 * phase=restore  the same program in a fresh xkvm, started with -S, into which the host
 *                loaded the blob: the guest does not set anything up again (it would get
 *                -EBUSY/-EEXIST, which it checks), only reinstalls its hypercall page and
 *                handler, then finds every binding working and the timer armed before
 *                the save firing at its deadline, in the saved guest's time.
 *
 * Command line: phase=save|restore delay_ms=N | timer=P ipi=P a=P b=P deadline=NS
 */
#include "xen.h"

#define VEC_UPCALL 0x50

static struct vcpu_time_info time_area __attribute__((aligned(64)));

/* What a restored guest does instead of xen_init: the state is xkvm's already. */
static void xen_resume(void)
{
	u32 a, b, c, d;

	xen.base = xen_cpuid_base();
	GUEST_ASSERT(xen.base);
	cpuid(xen.base + 2, 0, &a, &b, &c, &d);
	xen.msr = b;
	wrmsr(xen.msr, (u64)(uintptr_t)hypercall_page); /* guest RAM is this process's */
	xen.shinfo = &xen_shared_info;
	xen_adopt(VEC_UPCALL);
}

static void save_phase(void)
{
	struct vcpu_register_time_memory_area ta = { .addr.v = &time_area };
	int timer, ipi, a, b, con;
	u64 deadline;

	GUEST_ASSERT_EQ(xen_init(VEC_UPCALL, true), 0);
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0, &ta), 0);
	timer = evtchn_bind_virq(VIRQ_TIMER, 0);
	ipi = evtchn_bind_ipi(0);
	a = evtchn_alloc_unbound(DOMID_SELF);
	b = evtchn_bind_interdomain(DOMID_SELF, (u32)a);
	con = evtchn_bind_virq(VIRQ_CON_RING, 0);
	GUEST_ASSERT(timer > 0 && ipi > 0 && a > 0 && b > 0 && con > 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[b] == 1, 1000)); /* bind_interdomain's own event */
	GUEST_ASSERT_EQ(xen_hvm_set_param(HVM_PARAM_STORE_EVTCHN, (u64)b), 0);
	deadline = xen_time_ns() + cmdline_get_u64("delay_ms", 3000) * 1000000ull;
	GUEST_ASSERT_EQ(xen_set_timer(0, deadline, 0), 0);
	GUEST_SYNC("armed", timer, ipi, a, b, deadline);
	/* the host injects an event on the IPI port over QMP */
	GUEST_ASSERT(WAIT_UNTIL(xen_events[ipi] == 1, 20000));
	GUEST_SYNC("injected", ipi, xen_event_cpu[ipi]);
	/* idle until the host, having saved, ends the VM (before the timer fires) */
	WAIT_UNTIL(false, 60000);
	GUEST_FAIL("the host did not end the VM");
}

static void restore_phase(void)
{
	u32 timer = (u32)cmdline_get_u64("timer", 0), ipi = (u32)cmdline_get_u64("ipi", 0);
	u32 a = (u32)cmdline_get_u64("a", 0), b = (u32)cmdline_get_u64("b", 0);
	u64 deadline = cmdline_get_u64("deadline", 0), v;
	struct vcpu_register_vcpu_info r = { .mfn = (u64)(uintptr_t)&xen_vcpu_info[0] >> 12 };
	struct evtchn_status st;

	GUEST_ASSERT(timer && ipi && a && b && deadline);
	xen_resume();
	/* the Xen clock continued from the saved guest's: the deadline is still ahead */
	GUEST_ASSERT(xen_time_ns() < deadline);
	GUEST_ASSERT(time_area.tsc_to_system_mul != 0); /* the time area was restored */
	/* everything is still registered and bound */
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_register_vcpu_info, 0, &r), -XEN_EBUSY);
	GUEST_ASSERT_EQ(evtchn_bind_virq(VIRQ_TIMER, 0), -XEN_EEXIST);
	GUEST_ASSERT_EQ(evtchn_bind_virq(VIRQ_CON_RING, 0), -XEN_EEXIST);
	GUEST_ASSERT_EQ(evtchn_status(b, &st), 0);
	GUEST_ASSERT_EQ(st.status, EVTCHNSTAT_interdomain);
	GUEST_ASSERT_EQ(st.u.interdomain.port, a);
	GUEST_ASSERT_EQ(xen_hvm_get_param(HVM_PARAM_STORE_EVTCHN, &v), 0);
	GUEST_ASSERT_EQ(v, b);
	/* and works */
	GUEST_ASSERT_EQ(evtchn_send(a), 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[b] == 1, 2000));
	GUEST_ASSERT_EQ(evtchn_send(ipi), 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[ipi] == 1, 2000));
	/* the timer armed before the save fires after the load, not before its deadline */
	GUEST_ASSERT(WAIT_UNTIL(xen_events[timer] == 1, 20000));
	GUEST_ASSERT(xen_event_time[timer] >= deadline);
	GUEST_SYNC("restored-timer", timer, xen_event_time[timer] - deadline);
}

int main(void)
{
	const char *phase = cmdline_get("phase");

	if (phase && !strcmp(phase, "restore"))
		restore_phase();
	else
		save_phase();
	return 0;
}
