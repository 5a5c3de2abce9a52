/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vCPU hot-plug under the Xen ABI (docs/xen.md, "vCPU hot-plug"), the OS side done as
 * tests/guest/hotplug.c does it (GED interrupt, the CSCN walk, _OST, INIT/SIPI, play_dead
 * and the eject bit), with the Xen checks around it:
 *   - a slot that is not plugged is not up (VCPUOP_is_up 0) and takes no binding
 *     (bind_virq/bind_ipi -ENOENT, bind_vcpu -ENOENT);
 *   - once hot-added it is up and valid for bind_virq, bind_ipi and bind_vcpu; the new CPU
 *     registers its vcpu_info, binds VIRQ_TIMER and takes a singleshot timer on itself;
 *     a global VIRQ and a loopback port are moved onto it;
 *   - once ejected, its VIRQ_TIMER and IPI ports are closed, the ports moved onto it are
 *     back on vCPU 0 (one still pending is taken there), and it is not up;
 *   - plugged again, its vcpu_info is still registered (-EBUSY), and it binds again.
 * The host drives device_add / device_del over QMP (test_xen.py).
 *
 * Command line: maxcpus=N
 */
#include "xen.h"

#define VEC_GED 0x51
#define VEC_PARK 0x52
#define VEC_UPCALL 0x50

static volatile u32 generation[MAX_CPUS];
static volatile int timer_port[MAX_CPUS], ipi_port[MAX_CPUS];
static volatile u32 ap_ready[MAX_CPUS];
static int global_virq, loop_a, loop_b;

/* The new CPU: its Xen set-up, a timer of its own, then idle until asked to go. */
static void ap_main(u32 id)
{
	long ret = xen_register_vcpu_info(id);
	struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = id, .vector = VEC_UPCALL };
	u64 at;

	generation[id]++;
	/* Xen keeps a vCPU's vcpu_info across unplug: the second time it is -EBUSY. */
	GUEST_ASSERT_EQ(ret, generation[id] == 1 ? 0 : -XEN_EBUSY);
	GUEST_ASSERT_EQ(HYPERCALL2(hvm_op, HVMOP_set_evtchn_upcall_vector, &uv), 0);
	timer_port[id] = evtchn_bind_virq(VIRQ_TIMER, id);
	GUEST_ASSERT(timer_port[id] > 0);
	at = xen_time_ns() + 2000000;
	GUEST_ASSERT_EQ(xen_set_timer(id, at, 0), 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[timer_port[id]] == 1, 5000));
	GUEST_ASSERT_EQ(xen_event_cpu[timer_port[id]], id);
	GUEST_ASSERT(xen_event_time[timer_port[id]] >= at);
	/* a timer still armed when it goes: unplugging must stop it */
	GUEST_ASSERT_EQ(xen_set_timer(id, xen_time_ns() + 60000000000ull, 0), 0);
	GUEST_SYNC("xen-ap-up", id, generation[id]);
	ap_ready[id] = 1;
	cpuhp_ap_idle(id);
}

static void cpu_insert(u32 slot)
{
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_is_up, slot, 0), 1); /* plugged already */
	cpuhp_ost(slot, 1, 0);
	ap_ready[slot] = 0;
	GUEST_ASSERT_EQ(smp_start_ap(slot, ap_main, 5000), 0);
	GUEST_ASSERT(WAIT_UNTIL(ap_ready[slot], 10000));
	/* valid for bindings made from another vCPU, and ports move onto it */
	ipi_port[slot] = evtchn_bind_ipi(slot);
	GUEST_ASSERT(ipi_port[slot] > 0);
	GUEST_ASSERT_EQ(evtchn_bind_vcpu((u32)global_virq, slot), 0);
	GUEST_ASSERT_EQ(evtchn_bind_vcpu((u32)loop_b, slot), 0);
	GUEST_ASSERT_EQ(evtchn_send((u32)ipi_port[slot]), 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[ipi_port[slot]] == 1, 5000));
	GUEST_ASSERT_EQ(xen_event_cpu[ipi_port[slot]], slot);
	GUEST_SYNC("xen-plugged", slot);
}

static void cpu_remove(u32 slot)
{
	struct evtchn_status st;
	u32 n;

	cpuhp_ost(slot, 3, 0x84);
	GUEST_ASSERT(cpuhp_park_ap(slot, 5000));
	/* An event for the moved port, pending while it goes: mask it so it stays pending. */
	n = xen_events[loop_b];
	xen_mask((u32)loop_b);
	GUEST_ASSERT_EQ(evtchn_send((u32)loop_a), 0);
	GUEST_ASSERT(xen_port_pending((u32)loop_b));
	GUEST_ASSERT(cpuhp_eject(slot));
	cpuhp_ost(slot, 3, 0);
	/* xkvm unplugs it from the Xen domain as it parks the vCPU (on its main loop) */
	GUEST_ASSERT(WAIT_UNTIL(HYPERCALL3(vcpu_op, VCPUOP_is_up, slot, 0) == 0, 5000));
	GUEST_ASSERT_EQ(evtchn_status((u32)timer_port[slot], &st), 0);
	GUEST_ASSERT_EQ(st.status, EVTCHNSTAT_closed);
	GUEST_ASSERT_EQ(evtchn_status((u32)ipi_port[slot], &st), 0);
	GUEST_ASSERT_EQ(st.status, EVTCHNSTAT_closed);
	GUEST_ASSERT_EQ(evtchn_status((u32)global_virq, &st), 0);
	GUEST_ASSERT_EQ(st.vcpu, 0);
	GUEST_ASSERT_EQ(evtchn_status((u32)loop_b, &st), 0);
	GUEST_ASSERT_EQ(st.vcpu, 0);
	GUEST_ASSERT_EQ(evtchn_bind_virq(VIRQ_TIMER, slot), -XEN_ENOENT);
	GUEST_ASSERT_EQ(evtchn_bind_ipi(slot), -XEN_ENOENT);
	GUEST_ASSERT_EQ(evtchn_bind_vcpu((u32)loop_b, slot), -XEN_ENOENT);
	/* the pending event on the moved port is taken on vCPU 0 once unmasked */
	xen_port_set_cpu((u32)loop_b, 0);
	xen_port_set_cpu((u32)global_virq, 0);
	GUEST_ASSERT_EQ(evtchn_unmask((u32)loop_b), 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[loop_b] == n + 1, 5000));
	GUEST_ASSERT_EQ(xen_event_cpu[loop_b], 0);
	xen_events[timer_port[slot]] = 0;
	xen_events[ipi_port[slot]] = 0;
	GUEST_SYNC("xen-unplugged", slot);
}

static void cpu_scan(u32 maxcpus)
{
	u32 slot;
	u8 flags;

	for (u32 guard = 0; guard < 1000; guard++) {
		if (!cpuhp_next_event(maxcpus, &slot, &flags))
			return;
		if (flags & CPUHP_INSERT)
			cpu_insert(slot);
		else
			cpu_remove(slot);
	}
	GUEST_FAIL("CSCN did not converge");
}

int main(void)
{
	u32 maxcpus = (u32)cmdline_get_u64("maxcpus", 4);

	GUEST_ASSERT(maxcpus >= 2 && maxcpus <= 64);
	GUEST_ASSERT_EQ(xen_init(VEC_UPCALL, true), 0);
	cpuhp_init(VEC_GED, VEC_PARK);
	global_virq = evtchn_bind_virq(VIRQ_CON_RING, 0);
	loop_a = evtchn_alloc_unbound(DOMID_SELF);
	loop_b = evtchn_bind_interdomain(DOMID_SELF, (u32)loop_a);
	GUEST_ASSERT(global_virq > 0 && loop_a > 0 && loop_b > 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[loop_b] == 1, 2000));
	/* the slots that are not plugged yet */
	for (u32 slot = 1; slot < maxcpus; slot++) {
		GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_is_up, slot, 0), 0);
		GUEST_ASSERT_EQ(evtchn_bind_virq(VIRQ_TIMER, slot), -XEN_ENOENT);
		GUEST_ASSERT_EQ(evtchn_bind_ipi(slot), -XEN_ENOENT);
		GUEST_ASSERT_EQ(evtchn_bind_vcpu((u32)loop_b, slot), -XEN_ENOENT);
	}
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_is_up, maxcpus, 0), -XEN_ENOENT);
	GUEST_SYNC("xen-hotplug-ready", maxcpus);

	for (;;) {
		u32 ev = cpuhp_wait_ged();

		if (ev & GED_CPU_HOTPLUG)
			cpu_scan(maxcpus);
		if (ev & GED_PWR_BUTTON)
			break;
	}
	return 0;
}
