/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen time from inside a guest: vcpu_time_info (kept by xkvm from kvmclock), singleshot
 * timers raising VIRQ_TIMER on each vCPU (at or after the deadline; at once for a
 * deadline in the past; stop cancels; a new deadline replaces the old; set_timer_op),
 * and the scheduler calls that wait: SCHEDOP_block and SCHEDOP_poll (timeout, a port
 * already pending, a send from another vCPU, the errors).
 *
 * Command line: cpus=N
 */
#include "xen.h"

#define VEC_UPCALL 0x50
#define MS 1000000ull

static u32 cpus;
static volatile int timer_port[MAX_CPUS];
static volatile u32 ap_ready[MAX_CPUS];

static void ap_main(u32 id)
{
	xen_init_cpu(true);
	timer_port[id] = evtchn_bind_virq(VIRQ_TIMER, id);
	GUEST_ASSERT(timer_port[id] > 0);
	ap_ready[id] = 1;
	ap_serve_tasks(id);
}

/* ---- time info ---- */

static void check_time_info(void)
{
	struct vcpu_info *vi = xen_this_vcpu_info();
	u64 a, b, t0, t1;
	u32 ka, kb, kc, kd;

	GUEST_ASSERT(vi->time.tsc_to_system_mul != 0);
	GUEST_ASSERT(!(vi->time.version & 1));
	a = xen_time_ns();
	t0 = rdtsc();
	mdelay(20);
	b = xen_time_ns();
	t1 = rdtsc();
	GUEST_ASSERT(b > a);
	/* The clock runs at the TSC's rate: 20 ms of it is 20 ms of TSC ticks (kHz from
	 * Xen's time leaf), within 1%. */
	cpuid(xen.base + 3, 0, &ka, &kb, &kc, &kd);
	{
		u64 tsc_ns = (t1 - t0) * 1000000ull / kc, xen_ns = b - a;
		u64 diff = tsc_ns > xen_ns ? tsc_ns - xen_ns : xen_ns - tsc_ns;

		GUEST_ASSERT(diff * 100 < xen_ns);
	}
	/* Xen time and kvmclock agree (KVM's leaves are kept at 0x40000000 here): the
	 * guest's own kvmclock, read through KVM's MSR. */
	if (xen.base == 0x40000100) {
		static volatile struct vcpu_time_info kvm __attribute__((aligned(64)));
		u64 x, k;

		wrmsr(0x4b564d01, (u64)(uintptr_t)&kvm | 1); /* MSR_KVM_SYSTEM_TIME_NEW */
		k = xen_time_from(&kvm);
		x = xen_time_ns();
		GUEST_ASSERT(x >= k ? x - k < 200000 : k - x < 200000); /* within 200 us */
		GUEST_SYNC("xen-vs-kvmclock", x - k);
		wrmsr(0x4b564d01, 0);
	}
}

/* ---- singleshot timers ---- */

static void check_timer_on(u32 cpu)
{
	u32 p = (u32)timer_port[cpu], n = xen_events[p];
	u64 now = xen_time_ns(), at = now + 5 * MS;

	GUEST_ASSERT_EQ(xen_set_timer(cpu, at, 0), 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[p] == n + 1, 2000));
	GUEST_ASSERT_EQ(xen_event_cpu[p], cpu);
	/* Not early by the guest's own clock, and not very late. */
	GUEST_ASSERT(xen_event_time[p] >= at);
	GUEST_ASSERT(xen_event_time[p] < at + 500 * MS);
	GUEST_SYNC("timer-late-ns", cpu, xen_event_time[p] - at);
	/* Another vCPU's timer is not ours to set or stop. */
	if (cpus > 1) {
		GUEST_ASSERT_EQ(xen_set_timer((cpu + 1) % cpus, at, 0), -XEN_EINVAL);
		GUEST_ASSERT_EQ(xen_stop_timer((cpu + 1) % cpus), -XEN_EINVAL);
	}
}

static void check_timers(void)
{
	u32 p = (u32)timer_port[0], n;
	u64 now;

	/* In the past (and 0, "long past"): pending before the hypercall returns. */
	cli();
	n = xen_events[p];
	GUEST_ASSERT_EQ(xen_set_timer(0, xen_time_ns() - MS, 0), 0);
	GUEST_ASSERT(xen_port_pending(p));
	GUEST_ASSERT(WAIT_UNTIL(xen_events[p] == n + 1, 1000));
	cli();
	GUEST_ASSERT_EQ(xen_set_timer(0, 0, VCPU_SSHOTTMR_future), 0); /* future is ignored */
	GUEST_ASSERT(xen_port_pending(p));
	GUEST_ASSERT(WAIT_UNTIL(xen_events[p] == n + 2, 1000));

	/* stop cancels */
	n = xen_events[p];
	GUEST_ASSERT_EQ(xen_set_timer(0, xen_time_ns() + 20 * MS, 0), 0);
	GUEST_ASSERT_EQ(xen_stop_timer(0), 0);
	WAIT_UNTIL(xen_events[p] != n, 80);
	GUEST_ASSERT_EQ(xen_events[p], n);
	GUEST_ASSERT_EQ(xen_stop_timer(0), 0); /* stopping a stopped timer is fine */

	/* a new deadline replaces the old one: one event, at the second */
	now = xen_time_ns();
	GUEST_ASSERT_EQ(xen_set_timer(0, now + 300 * MS, 0), 0);
	GUEST_ASSERT_EQ(xen_set_timer(0, now + 5 * MS, 0), 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[p] == n + 1, 1000));
	GUEST_ASSERT(xen_event_time[p] < now + 300 * MS);
	WAIT_UNTIL(xen_events[p] != n + 1, 350);
	GUEST_ASSERT_EQ(xen_events[p], n + 1);

	/* set_timer_op: a deadline, and 0 to stop */
	now = xen_time_ns();
	GUEST_ASSERT_EQ(HYPERCALL1(set_timer_op, now + 5 * MS), 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[p] == n + 2, 1000));
	GUEST_ASSERT(xen_event_time[p] >= now + 5 * MS);
	GUEST_ASSERT_EQ(HYPERCALL1(set_timer_op, xen_time_ns() + 20 * MS), 0);
	GUEST_ASSERT_EQ(HYPERCALL1(set_timer_op, 0), 0);
	WAIT_UNTIL(xen_events[p] != n + 2, 80);
	GUEST_ASSERT_EQ(xen_events[p], n + 2);

	/* masked: the timer's event waits for the unmask */
	n = xen_events[p];
	xen_mask(p);
	GUEST_ASSERT_EQ(xen_set_timer(0, xen_time_ns() + 2 * MS, 0), 0);
	WAIT_UNTIL(xen_port_pending(p), 1000);
	GUEST_ASSERT(xen_port_pending(p));
	WAIT_UNTIL(xen_events[p] != n, 20);
	GUEST_ASSERT_EQ(xen_events[p], n);
	GUEST_ASSERT_EQ(evtchn_unmask(p), 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[p] == n + 1, 1000));

	/* with VIRQ_TIMER unbound, the timer's event is dropped */
	GUEST_ASSERT_EQ(evtchn_close(p), 0);
	cli();
	GUEST_ASSERT_EQ(xen_set_timer(0, 0, 0), 0);
	GUEST_ASSERT(!xen_port_pending(p));
	timer_port[0] = evtchn_bind_virq(VIRQ_TIMER, 0);
	GUEST_ASSERT_EQ(timer_port[0], (int)p);
	WAIT_UNTIL(xen_events[p] != 0, 20);
	GUEST_ASSERT_EQ(xen_events[p], 0);
}

/* ---- SCHEDOP_block / SCHEDOP_poll ---- */

static long sched_poll(const u32 *ports, u32 nr, u64 timeout)
{
	struct sched_poll sp = { .nr_ports = nr, .timeout = timeout };

	sp.ports.p = (evtchn_port_t *)ports;
	return HYPERCALL2(sched_op, SCHEDOP_poll, &sp);
}

static volatile u32 poll_port;
static volatile long poll_ret;
static volatile u64 poll_waited;

static void ap_poll(u32 cpu)
{
	u32 ports[1] = { poll_port };
	u64 t0 = xen_time_ns();

	(void)cpu;
	poll_ret = sched_poll(ports, 1, t0 + 2000 * MS);
	poll_waited = xen_time_ns() - t0;
}

static void check_block_poll(void)
{
	u32 p = (u32)timer_port[0], n = xen_events[p];
	u32 ports[129];
	u64 t0, at;
	int q;

	GUEST_ASSERT_EQ(HYPERCALL2(sched_op, SCHEDOP_yield, 0), 0);

	/* block: returns once the timer's event is there (interrupts off: it is pending) */
	cli();
	t0 = xen_time_ns();
	at = t0 + 20 * MS;
	GUEST_ASSERT_EQ(xen_set_timer(0, at, 0), 0);
	for (int i = 0; i < 100 && !xen_port_pending(p); i++)
		GUEST_ASSERT_EQ(HYPERCALL2(sched_op, SCHEDOP_block, 0), 0);
	GUEST_ASSERT(xen_port_pending(p));
	GUEST_ASSERT(xen_time_ns() >= at);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[p] == n + 1, 1000));
	/* block with nothing coming returns anyway (a spurious wake-up is allowed) */
	t0 = xen_time_ns();
	GUEST_ASSERT_EQ(HYPERCALL2(sched_op, SCHEDOP_block, 0), 0);
	GUEST_ASSERT(xen_time_ns() - t0 < 1000 * MS);

	/* poll: a timeout */
	q = evtchn_bind_ipi(0);
	GUEST_ASSERT(q > 0);
	xen_mask((u32)q); /* as PV spinlocks poll: masked, no upcall */
	ports[0] = (u32)q;
	t0 = xen_time_ns();
	GUEST_ASSERT_EQ(sched_poll(ports, 1, t0 + 30 * MS), 0);
	GUEST_ASSERT(xen_time_ns() >= t0 + 30 * MS);
	GUEST_ASSERT(!xen_port_pending((u32)q));
	/* poll: already pending returns at once */
	GUEST_ASSERT_EQ(evtchn_send((u32)q), 0);
	t0 = xen_time_ns();
	GUEST_ASSERT_EQ(sched_poll(ports, 1, t0 + 1000 * MS), 0);
	GUEST_ASSERT(xen_time_ns() - t0 < 100 * MS);
	xen_clear_pending((u32)q);
	/* errors */
	GUEST_ASSERT_EQ(sched_poll(ports, 129, 0), -XEN_EINVAL);
	ports[1] = 4096;
	GUEST_ASSERT_EQ(sched_poll(ports, 2, xen_time_ns() + MS), -XEN_EINVAL);
	GUEST_ASSERT_EQ(sched_poll((const u32 *)0x10000000, 1, 0), -XEN_EFAULT);
	GUEST_ASSERT_EQ(HYPERCALL2(sched_op, SCHEDOP_poll, 0x10000000), -XEN_EFAULT);

	/* poll woken by a send from another vCPU */
	if (cpus > 1) {
		int r = evtchn_bind_ipi(1);
		u32 token;

		GUEST_ASSERT(r > 0);
		xen_mask((u32)r);
		poll_port = (u32)r;
		poll_ret = 1;
		token = run_on_start(1, ap_poll);
		mdelay(30); /* let it get into the poll */
		GUEST_ASSERT_EQ(evtchn_send((u32)r), 0);
		GUEST_ASSERT(WAIT_UNTIL(poll_ret != 1, 3000));
		GUEST_ASSERT_EQ(poll_ret, 0);
		GUEST_ASSERT(poll_waited < 1000 * MS); /* woken, not timed out */
		GUEST_SYNC("poll-woken-after-ns", poll_waited);
		GUEST_ASSERT(run_on_wait(1, token, 1000));
	}
	xen_clear_mask_local((u32)q);
	GUEST_ASSERT_EQ(evtchn_close((u32)q), 0);
}

int main(void)
{
	cpus = (u32)cmdline_get_u64("cpus", 1);
	GUEST_ASSERT_EQ(xen_init(VEC_UPCALL, true), 0);
	timer_port[0] = evtchn_bind_virq(VIRQ_TIMER, 0);
	GUEST_ASSERT(timer_port[0] > 0);
	for (u32 id = 1; id < cpus; id++) {
		GUEST_ASSERT_EQ(smp_start_ap(id, ap_main, 5000), 0);
		GUEST_ASSERT(WAIT_UNTIL(ap_ready[id], 5000));
	}
	check_time_info();
	check_timer_on(0);
	for (u32 id = 1; id < cpus; id++)
		GUEST_ASSERT(run_on(id, check_timer_on, 10000));
	check_timers();
	check_block_poll();
	ap_tasks_end();
	GUEST_SYNC("xen-timer-ok", cpus);
	return 0;
}
