/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The OS side of ACPI CPU hot-plug, done by hand the way Linux's ACPI code does it
 * through the DSDT (cpu-hotplug.md §2):
 *   GED interrupt (GSI 9) -> read ESEL (read-to-clear) -> bit 0x8: the CSCN walk over the
 *   register block at 0x0CD8 (command 0 "next CPU with an event", acknowledge, _OST)
 *   -> insert: INIT/SIPI the new CPU, which reports from its own vCPU
 *   -> remove: _OST(3, 0x84), the AP parks itself (cli; hlt, as play_dead does), write
 *      the eject bit, check _STA reads absent, _OST(3, 0).
 * Bit 0x2 (the power button) ends the program.  The host drives it over QMP.
 *
 * Command line: maxcpus=N [quiet=1]
 */
#include "guest.h"

#define PORT_CPUHP 0x0cd8
#define CPUHP_SEL (PORT_CPUHP + 0)
#define CPUHP_FLAGS (PORT_CPUHP + 4)
#define CPUHP_CMD (PORT_CPUHP + 5)
#define CPUHP_DATA (PORT_CPUHP + 8)
#define PORT_GED 0x0ce4
#define GED_GSI 9
#define GED_PWR_BUTTON 0x2
#define GED_CPU_HOTPLUG 0x8
#define VEC_GED 0x50
#define VEC_PARK 0x51

#define FLAG_ENABLED 0x1
#define FLAG_INSERT 0x2
#define FLAG_REMOVE 0x4
#define FLAG_EJECT 0x8

static volatile u32 ged_events;         /* ESEL bits accumulated by the handler */
static volatile u32 ged_irqs;
static volatile u32 park_req[MAX_CPUS];  /* BSP -> AP: stop yourself */
static volatile u32 parked[MAX_CPUS];    /* AP -> BSP: about to halt for good */
static volatile u32 generation[MAX_CPUS];
static bool quiet;

static void on_ged(struct irq_frame *f)
{
	(void)f;
	__atomic_or_fetch(&ged_events, inl(PORT_GED), __ATOMIC_SEQ_CST);
	ged_irqs++;
	lapic_eoi();
}

static void on_park(struct irq_frame *f)
{
	(void)f;
	lapic_eoi();
}

static void ap_main(u32 id)
{
	generation[id]++;
	GUEST_SYNC("ap-up", id, generation[id]);
	/* Idle until asked to go: race-free sti;hlt (the IPI cannot slip in between). */
	cli();
	while (!park_req[id]) {
		sti_hlt();
		cli();
	}
	park_req[id] = 0;
	__atomic_store_n(&parked[id], 1, __ATOMIC_SEQ_CST);
	cpu_park_self(); /* play_dead: interrupts off, halt forever */
}

static void ost(u32 slot, u32 event, u32 status)
{
	outl(CPUHP_SEL, slot);
	outb(CPUHP_CMD, 1);
	outl(CPUHP_DATA, event);
	outb(CPUHP_CMD, 2);
	outl(CPUHP_DATA, status);
}

static void cpu_insert(u32 slot)
{
	int ret;

	ost(slot, 1, 0); /* _OST(insert, success): the ACPI side is done */
	parked[slot] = 0;
	ret = smp_start_ap(slot, ap_main, 2000);
	if (ret < 0)
		gprintf("hotplug: CPU %u did not answer INIT/SIPI", slot);
	GUEST_ASSERT_EQ(ret, 0);
}

static void cpu_remove(u32 slot)
{
	ost(slot, 3, 0x84); /* eject in progress */
	park_req[slot] = 1;
	lapic_send_ipi(slot, VEC_PARK);
	GUEST_ASSERT(WAIT_UNTIL(parked[slot], 2000));
	/* _EJ0 -> CEJ0, then _STA must read absent at once. */
	outl(CPUHP_SEL, slot);
	outb(CPUHP_FLAGS, FLAG_EJECT);
	outl(CPUHP_SEL, slot);
	GUEST_ASSERT_EQ(inb(CPUHP_FLAGS) & FLAG_ENABLED, 0);
	ost(slot, 3, 0);
	GUEST_SYNC("cpu-removed", slot);
}

/* CSCN: command 0 selects the next CPU with an event; loop until none is left. */
static void cpu_scan(u32 maxcpus)
{
	for (u32 guard = 0; guard < 4 * maxcpus; guard++) {
		u8 flags;
		u32 slot;

		outb(CPUHP_CMD, 0);
		flags = inb(CPUHP_FLAGS);
		if (!(flags & (FLAG_INSERT | FLAG_REMOVE)))
			return;
		slot = inl(CPUHP_DATA);
		GUEST_ASSERT(slot < maxcpus);
		if (flags & FLAG_INSERT) {
			outb(CPUHP_FLAGS, FLAG_INSERT); /* acknowledge: Notify(Cxxx, 1) was sent */
			GUEST_ASSERT(flags & FLAG_ENABLED);
			cpu_insert(slot);
		} else {
			outb(CPUHP_FLAGS, FLAG_REMOVE); /* acknowledge: Notify(Cxxx, 3) */
			cpu_remove(slot);
		}
	}
	GUEST_FAIL("CSCN did not converge");
}

int main(void)
{
	u32 maxcpus = (u32)cmdline_get_u64("maxcpus", 4);
	u32 present = 0;

	quiet = cmdline_get_u64("quiet", 0);
	GUEST_ASSERT(maxcpus >= 2 && maxcpus <= 64);
	kvmclock_init_cpu();
	lapic_enable();
	irq_set_handler(VEC_GED, on_ged);
	irq_set_handler(VEC_PARK, on_park);
	ioapic_route(GED_GSI, VEC_GED, 0, false, false);

	/* The modern interface is there: selector 0, command 0, command data 2 reads 0. */
	outl(CPUHP_SEL, 0);
	outb(CPUHP_CMD, 0);
	GUEST_ASSERT_EQ(inl(CPUHP_SEL), 0);
	for (u32 i = 0; i < maxcpus; i++) {
		outl(CPUHP_SEL, i);
		present += inb(CPUHP_FLAGS) & FLAG_ENABLED;
	}
	GUEST_SYNC("hotplug-ready", present);

	for (;;) {
		u32 ev;

		/* Race-free idle until the GED fires; the host drives everything. */
		cli();
		while (!ged_events) {
			sti_hlt();
			cli();
		}
		ev = __atomic_exchange_n(&ged_events, 0, __ATOMIC_SEQ_CST);
		if (!quiet)
			gprintf("GED: events 0x%x", ev);
		if (ev & GED_CPU_HOTPLUG)
			cpu_scan(maxcpus);
		if (ev & GED_PWR_BUTTON)
			break;
	}
	GUEST_SYNC("powerdown", ged_irqs);
	return 0;
}
