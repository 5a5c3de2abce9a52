/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The in-kernel LAPIC timer delivers interrupts: one-shot, periodic and TSC-deadline
 * modes; a masked timer does not fire.  Every wait is bounded by kvmclock.
 */
#include "guest.h"

#define VEC_TIMER 0x30
#define MSR_TSC_DEADLINE 0x6e0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)

static volatile u32 ticks;

static void on_timer(struct irq_frame *f)
{
	(void)f;
	ticks++;
	lapic_eoi();
}

/* Interrupts on until `n` ticks or `ms` pass; returns the ticks seen. */
static u32 wait_ticks(u32 n, u64 ms)
{
	WAIT_UNTIL(ticks >= n, ms);
	return ticks;
}

int main(void)
{
	u32 a, b, c, d;
	u64 t0, dt;

	kvmclock_init_cpu();
	lapic_enable();
	irq_set_handler(VEC_TIMER, on_timer);
	lapic_write(APIC_TIMER_DIV, 0xb); /* divide by 1 */

	/* One-shot. */
	ticks = 0;
	lapic_write(APIC_LVT_TIMER, VEC_TIMER);
	t0 = kvmclock_ns();
	lapic_write(APIC_TIMER_INIT, 1000000);
	GUEST_ASSERT_EQ(wait_ticks(1, 2000), 1);
	dt = kvmclock_ns() - t0;
	GUEST_REPORT("oneshot-ns", dt);
	GUEST_ASSERT_EQ(lapic_read(APIC_TIMER_CUR), 0);
	GUEST_ASSERT_EQ(wait_ticks(2, 20), 1); /* it does not fire again */

	/* Periodic: several ticks, then stop it. */
	ticks = 0;
	lapic_write(APIC_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
	lapic_write(APIC_TIMER_INIT, 2000000);
	GUEST_ASSERT(wait_ticks(5, 5000) >= 5);
	lapic_write(APIC_TIMER_INIT, 0);
	lapic_write(APIC_LVT_TIMER, VEC_TIMER | LVT_MASKED);

	/* Masked: armed but silent. */
	ticks = 0;
	lapic_write(APIC_TIMER_INIT, 100000);
	GUEST_ASSERT_EQ(wait_ticks(1, 50), 0);
	lapic_write(APIC_TIMER_INIT, 0);

	/* TSC-deadline, which xkvm exposes in CPUID. */
	cpuid(1, 0, &a, &b, &c, &d);
	GUEST_ASSERT(c & (1u << 24));
	ticks = 0;
	lapic_write(APIC_LVT_TIMER, VEC_TIMER | LVT_TSC_DEADLINE);
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + 2000000);
	GUEST_ASSERT_EQ(wait_ticks(1, 2000), 1);
	GUEST_ASSERT_EQ(rdmsr(MSR_TSC_DEADLINE), 0); /* cleared when it fires */
	/* A deadline in the past fires at once. */
	ticks = 0;
	wrmsr(MSR_TSC_DEADLINE, 1);
	GUEST_ASSERT_EQ(wait_ticks(1, 1000), 1);
	GUEST_SYNC("lapic-timer-ok", dt);
	return 0;
}
