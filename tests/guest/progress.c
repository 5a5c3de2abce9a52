/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest that shows it is alive: every `interval_ms` of its own (kvmclock) time it
 * reports SYNC("progress", counter, kvmclock_ns), idling in HLT in between (a LAPIC
 * one-shot timer wakes it), so it costs the host almost nothing.  Used by the QMP tests
 * (stop/cont: no progress and no guest time while stopped; system_reset: it starts
 * again) and the QMP benchmark.
 *
 * At start it reports SYNC("boot", boots): a counter kept in RAM outside the image, which
 * a reset does not reload, so the host can tell the second boot from the first.
 *
 * Parameters (-append): interval_ms=N (default 100), count=N (report N times, then end
 * with DONE; default 0: forever).
 */
#include "guest.h"

#define TIMER_VECTOR 0x40
#define BOOT_RECORD 0x800000ull /* 8 MiB: RAM, above our image, untouched by a reset */
#define BOOT_MAGIC 0x544f4f42474f5250ull /* "PROGBOOT" */

struct boot_record {
	u64 magic;
	u64 boots;
};

static volatile u64 ticks;

static void timer_irq(struct irq_frame *f)
{
	(void)f;
	ticks++;
	lapic_eoi();
}

/* Sleeps in HLT until kvmclock reaches `deadline`.  The LAPIC timer is only the alarm:
 * KVM's runs at 1 GHz, but the deadline is checked against kvmclock, so another rate
 * (or a wakeup after the VM was stopped, when guest time stood still) only re-arms it. */
static void sleep_until(u64 deadline)
{
	for (;;) {
		u64 now = kvmclock_ns(), left;

		if (now >= deadline)
			return;
		left = deadline - now;
		lapic_write(APIC_TIMER_INIT, left > 0xffffffffull ? 0xffffffffu : (u32)left);
		sti_hlt();
		cli();
	}
}

int main(void)
{
	volatile struct boot_record *rec = (volatile struct boot_record *)(uintptr_t)BOOT_RECORD;
	u64 interval = cmdline_get_u64("interval_ms", 100) * 1000000ull;
	u64 count = cmdline_get_u64("count", 0);
	u64 next;

	if (rec->magic != BOOT_MAGIC) {
		rec->magic = BOOT_MAGIC;
		rec->boots = 0;
	}
	rec->boots++;
	kvmclock_init_cpu();
	GUEST_ASSERT(kvmclock_available());
	GUEST_SYNC("boot", rec->boots, kvmclock_ns());

	irq_set_handler(TIMER_VECTOR, timer_irq);
	lapic_enable();
	lapic_write(APIC_TIMER_DIV, 0xb);          /* divide by 1 */
	lapic_write(APIC_LVT_TIMER, TIMER_VECTOR); /* one-shot, unmasked */

	next = kvmclock_ns();
	for (u64 i = 1; !count || i <= count; i++) {
		next += interval;
		sleep_until(next);
		GUEST_SYNC("progress", i, kvmclock_ns(), ticks);
	}
	return 0;
}
