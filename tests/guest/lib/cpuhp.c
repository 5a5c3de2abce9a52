/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The OS side of ACPI CPU hot-plug (docs/specs/acpi-cpu-hotplug.md), by hand: what the
 * DSDT's CSCN/COST/CEJ0 do for an ACPI OS, plus the CPU bring-up and play_dead parking
 * an OS does around them.  Policy (what to do with each event) stays in the program.
 */
#include "guest.h"

#define PORT_CPUHP 0x0cd8
#define CPUHP_SEL (PORT_CPUHP + 0)
#define CPUHP_FLAGS (PORT_CPUHP + 4)
#define CPUHP_CMD (PORT_CPUHP + 5)
#define CPUHP_DATA (PORT_CPUHP + 8)
#define PORT_GED 0x0ce4
#define GED_GSI 9

static volatile u32 ged_events;
static volatile u32 park_req[MAX_CPUS];
static volatile u32 parked[MAX_CPUS];
static u8 park_vector;

static void on_ged(struct irq_frame *f)
{
	(void)f;
	__atomic_or_fetch(&ged_events, inl(PORT_GED), __ATOMIC_SEQ_CST);
	lapic_eoi();
}

static void on_park(struct irq_frame *f)
{
	(void)f;
	lapic_eoi();
}

void cpuhp_init(u8 ged_vector, u8 park_vec)
{
	park_vector = park_vec;
	irq_set_handler(ged_vector, on_ged);
	irq_set_handler(park_vec, on_park);
	ioapic_route(GED_GSI, ged_vector, this_apic_id(), false, false);
}

u8 cpuhp_flags(u32 slot)
{
	outl(CPUHP_SEL, slot);
	return inb(CPUHP_FLAGS);
}

bool cpuhp_modern_interface(void)
{
	outl(CPUHP_SEL, 0);
	outb(CPUHP_CMD, CPUHP_CMD_NEXT);
	return inl(CPUHP_SEL) == 0;
}

u32 cpuhp_wait_ged(void)
{
	/* Race-free idle: sti;hlt cannot lose the interrupt that lands after the check. */
	cli();
	while (!ged_events) {
		sti_hlt();
		cli();
	}
	return __atomic_exchange_n(&ged_events, 0, __ATOMIC_SEQ_CST);
}

int cpuhp_next_event(u32 maxcpus, u32 *slot, u8 *flags)
{
	outb(CPUHP_CMD, CPUHP_CMD_NEXT);
	*flags = inb(CPUHP_FLAGS);
	if (!(*flags & (CPUHP_INSERT | CPUHP_REMOVE)))
		return 0;
	*slot = inl(CPUHP_DATA);
	GUEST_ASSERT(*slot < maxcpus);
	/* Acknowledge, as CSCN does after its Notify. */
	outb(CPUHP_FLAGS, (*flags & CPUHP_INSERT) ? CPUHP_INSERT : CPUHP_REMOVE);
	return 1;
}

void cpuhp_ost(u32 slot, u32 event, u32 status)
{
	outl(CPUHP_SEL, slot);
	outb(CPUHP_CMD, CPUHP_CMD_OST_EVENT);
	outl(CPUHP_DATA, event);
	outb(CPUHP_CMD, CPUHP_CMD_OST_STATUS);
	outl(CPUHP_DATA, status);
}

void cpuhp_ap_idle(u32 id)
{
	cli();
	while (!park_req[id]) {
		sti_hlt();
		cli();
	}
	park_req[id] = 0;
	__atomic_store_n(&parked[id], 1, __ATOMIC_SEQ_CST);
	cpu_park_self(); /* play_dead */
}

bool cpuhp_park_ap(u32 slot, u64 timeout_ms)
{
	parked[slot] = 0;
	park_req[slot] = 1;
	lapic_send_ipi(slot, park_vector);
	return WAIT_UNTIL(parked[slot], timeout_ms);
}

bool cpuhp_eject(u32 slot)
{
	outl(CPUHP_SEL, slot);
	outb(CPUHP_FLAGS, CPUHP_EJECT);
	/* _STA right away, as Linux does: the eject took effect before the write returned. */
	return !(cpuhp_flags(slot) & CPUHP_PRESENT);
}
