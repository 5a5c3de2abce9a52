/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SCHEDOP_shutdown from inside a guest.  poweroff, reboot and crash end (or reset) the
 * VM with the matching QMP SHUTDOWN/RESET reason; soft_reset (kexec's) leaves the VM
 * running with every Xen binding, area and parameter forgotten, as Xen does; suspend and
 * watchdog are refused.  A reboot without -no-reboot runs the program again on a fresh
 * Xen domain (a boot counter in RAM the loader does not touch tells the boots apart).
 *
 * Command line: reason=poweroff|reboot|crash|soft_reset
 */
#include "xen.h"

#define VEC_UPCALL 0x50
#define BOOT_COUNTER 0x6000000ull /* 96 MiB: RAM no image reaches */

static long shutdown(u32 reason)
{
	struct sched_shutdown s = { .reason = reason };

	return HYPERCALL2(sched_op, SCHEDOP_shutdown, &s);
}

/* After a soft reset or a reboot: a fresh domain, from the guest's side. */
static void check_fresh(u32 old_ipi, bool rebooted)
{
	struct evtchn_status st;
	u64 v = 1;
	int p;

	/* A reboot reloaded the program: its hypercall page is gone with its .bss. */
	if (rebooted)
		wrmsr(xen_cpuid_base() ? 0x40000000 : 0, (u64)(uintptr_t)hypercall_page);

	/* Ports are gone (the console's is back), parameters are unset. */
	GUEST_ASSERT_EQ(xen_hvm_get_param(HVM_PARAM_CALLBACK_IRQ, &v), 0);
	GUEST_ASSERT_EQ(v, 0);
	GUEST_ASSERT_EQ(xen_hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &v), 0);
	GUEST_ASSERT_EQ(evtchn_status((u32)v, &st), 0);
	GUEST_ASSERT_EQ(st.status, EVTCHNSTAT_interdomain);
	if (old_ipi) {
		GUEST_ASSERT_EQ(evtchn_status(old_ipi, &st), 0);
		GUEST_ASSERT_EQ(st.status, EVTCHNSTAT_closed);
	}
	/* shared_info, vcpu_info and the upcall vector must be set up again: */
	GUEST_ASSERT_EQ(xen_init(VEC_UPCALL, true), 0); /* a second registration would -EBUSY */
	p = evtchn_bind_virq(VIRQ_TIMER, 0); /* would be -EEXIST if the old binding stayed */
	GUEST_ASSERT(p > 0);
	p = evtchn_bind_ipi(0);
	GUEST_ASSERT_EQ(evtchn_send((u32)p), 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[p] == 1, 2000));
}

int main(void)
{
	const char *r = cmdline_get("reason"); /* a static buffer: read it first */
	volatile u32 *boots = (volatile u32 *)(uintptr_t)BOOT_COUNTER;
	bool soft = r && !strcmp(r, "soft_reset");
	u32 reason = !r ? SHUTDOWN_poweroff : !strcmp(r, "reboot") ? SHUTDOWN_reboot
		   : !strcmp(r, "crash") ? SHUTDOWN_crash : soft ? SHUTDOWN_soft_reset
		   : SHUTDOWN_poweroff;
	int ipi;

	if (*boots == 0x5eed0001) {
		/* The reboot happened: the new boot finds a fresh Xen domain. */
		*boots = 0;
		check_fresh(0, true);
		GUEST_SYNC("rebooted", 1);
		return 0;
	}
	GUEST_ASSERT_EQ(xen_init(VEC_UPCALL, true), 0);
	GUEST_ASSERT(evtchn_bind_virq(VIRQ_TIMER, 0) > 0);
	ipi = evtchn_bind_ipi(0);
	GUEST_ASSERT(ipi > 0);
	GUEST_ASSERT_EQ(xen_set_timer(0, xen_time_ns() + 5000000000ull, 0), 0);

	GUEST_ASSERT_EQ(shutdown(SHUTDOWN_suspend), -XEN_EINVAL);
	GUEST_ASSERT_EQ(shutdown(SHUTDOWN_watchdog), -XEN_EINVAL);
	GUEST_ASSERT_EQ(shutdown(99), -XEN_EINVAL);
	GUEST_ASSERT_EQ(HYPERCALL2(sched_op, SCHEDOP_shutdown, 0x10000000), -XEN_EFAULT);

	if (soft) {
		GUEST_ASSERT_EQ(shutdown(SHUTDOWN_soft_reset), 0);
		check_fresh((u32)ipi, false);
		GUEST_SYNC("soft-reset-ok", 1);
		return 0;
	}
	if (reason == SHUTDOWN_reboot)
		*boots = 0x5eed0001;
	GUEST_SYNC("shutting-down", reason);
	shutdown(reason);
	/* The VM stops (or resets) once the main loop handles the request. */
	mdelay(5000);
	GUEST_FAIL("still running 5 s after SCHEDOP_shutdown");
	return 1;
}
