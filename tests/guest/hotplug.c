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
 *   regs_selftest=1      first abuse the register block as a buggy OS would (selector out
 *                        of range, wrong access sizes, eject of the boot CPU and of an
 *                        absent slot) and check the answers
 *   refuse_first_eject=1 answer the first eject request with _OST(3, 0x82 busy), keep
 *                        the CPU, SYNC "eject-refused"
 *   self_eject=N         after bringing slot N up, eject it unasked (the guest may)
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
static volatile u64 insert_seen_ns[MAX_CPUS]; /* kvmclock when CSCN saw the insert */
static volatile u32 ged_irqs;
static volatile u32 park_req[MAX_CPUS];  /* BSP -> AP: stop yourself */
static volatile u32 parked[MAX_CPUS];    /* AP -> BSP: about to halt for good */
static volatile u32 generation[MAX_CPUS];
static bool quiet;
static bool refuse_next_eject;
static u32 self_eject_slot = ~0u;

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
	/* args: slot, how many times it came up, ns from CSCN seeing the insert to this AP's
	 * first C instruction (kvmclock): _OST, INIT/SIPI, the trampoline, long mode */
	GUEST_SYNC("ap-up", id, generation[id], ap_start_ns[id] - insert_seen_ns[id]);
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
	if (refuse_next_eject) {
		refuse_next_eject = false;
		ost(slot, 3, 0x82); /* busy: the OS keeps the CPU */
		GUEST_SYNC("eject-refused", slot);
		return;
	}
	ost(slot, 3, 0x84); /* eject in progress */
	park_req[slot] = 1;
	lapic_send_ipi(slot, VEC_PARK);
	GUEST_ASSERT(WAIT_UNTIL(parked[slot], 2000));
	GUEST_SYNC("ejecting", slot); /* the host times eject -> DEVICE_DELETED from here */
	/* _EJ0 -> CEJ0, then _STA must read absent at once. */
	outl(CPUHP_SEL, slot);
	outb(CPUHP_FLAGS, FLAG_EJECT);
	outl(CPUHP_SEL, slot);
	GUEST_ASSERT_EQ(inb(CPUHP_FLAGS) & FLAG_ENABLED, 0);
	ost(slot, 3, 0);
	GUEST_SYNC("cpu-removed", slot);
}

/* CSCN: command 0 selects the next CPU with an event; loop until none is left.  A host
 * that keeps plugging and unplugging while one scan runs feeds it more events (QEMU's CSCN
 * has no bound at all); the guard only catches an event that never clears. */
static void cpu_scan(u32 maxcpus)
{
	for (u32 guard = 0; guard < 100000; guard++) {
		u8 flags;
		u32 slot;

		outb(CPUHP_CMD, 0);
		flags = inb(CPUHP_FLAGS);
		if (!(flags & (FLAG_INSERT | FLAG_REMOVE)))
			return;
		slot = inl(CPUHP_DATA);
		GUEST_ASSERT(slot < maxcpus);
		if (flags & FLAG_INSERT) {
			insert_seen_ns[slot] = kvmclock_ns();
			outb(CPUHP_FLAGS, FLAG_INSERT); /* acknowledge: Notify(Cxxx, 1) was sent */
			GUEST_ASSERT(flags & FLAG_ENABLED);
			cpu_insert(slot);
			if (slot == self_eject_slot) {
				/* Nobody asked: the OS may eject a CPU of its own accord. */
				self_eject_slot = ~0u;
				cpu_remove(slot);
			}
		} else {
			outb(CPUHP_FLAGS, FLAG_REMOVE); /* acknowledge: Notify(Cxxx, 3) */
			cpu_remove(slot);
		}
	}
	GUEST_FAIL("CSCN did not converge");
}

static u8 flags_of(u32 slot)
{
	outl(CPUHP_SEL, slot);
	return inb(CPUHP_FLAGS);
}

/* A buggy OS: every answer must be the one the interface defines. */
static void regs_selftest(u32 maxcpus)
{
	/* A selector out of range: everything reads 0, writes are ignored. */
	outl(CPUHP_SEL, maxcpus + 5);
	GUEST_ASSERT_EQ(inb(CPUHP_FLAGS), 0);
	GUEST_ASSERT_EQ(inl(CPUHP_DATA), 0);
	outb(CPUHP_FLAGS, FLAG_EJECT);
	outb(CPUHP_CMD, 3);
	outl(CPUHP_SEL, 0xffffffffu);
	GUEST_ASSERT_EQ(inl(CPUHP_SEL), 0);
	/* Back in range; the command written while out of range was ignored. */
	outl(CPUHP_SEL, 0);
	outb(CPUHP_CMD, 0);
	GUEST_ASSERT_EQ(inl(CPUHP_DATA), 0);
	/* Reserved offsets and odd sizes. */
	GUEST_ASSERT_EQ(inb(CPUHP_SEL + 6), 0);
	GUEST_ASSERT_EQ(inw(CPUHP_SEL + 10), 0);
	outw(CPUHP_SEL + 6, 0xffff);
	outb(CPUHP_SEL + 11, 0xff);
	GUEST_ASSERT_EQ(flags_of(0) & FLAG_ENABLED, FLAG_ENABLED);
	/* A 2-byte read of the status byte: the flags in the low byte. */
	outl(CPUHP_SEL, 0);
	GUEST_ASSERT_EQ(inw(CPUHP_FLAGS) & 0xff, FLAG_ENABLED);
	/* Eject the boot CPU, and an absent slot: both ignored. */
	outl(CPUHP_SEL, 0);
	outb(CPUHP_FLAGS, FLAG_EJECT);
	GUEST_ASSERT_EQ(flags_of(0), FLAG_ENABLED);
	outl(CPUHP_SEL, maxcpus - 1);
	outb(CPUHP_FLAGS, FLAG_EJECT);
	GUEST_ASSERT_EQ(flags_of(maxcpus - 1), 0);
	/* Reserved control bits alone do nothing; an unknown command is ignored. */
	outl(CPUHP_SEL, 0);
	outb(CPUHP_FLAGS, 0xf1);
	GUEST_ASSERT_EQ(flags_of(0), FLAG_ENABLED);
	outb(CPUHP_CMD, 3);
	outb(CPUHP_CMD, 0x7f);
	GUEST_ASSERT_EQ(inl(CPUHP_DATA), 0); /* still command 3: APIC ID of slot 0 */
	outb(CPUHP_CMD, 0);
	GUEST_SYNC("regs-selftest-ok");
}

int main(void)
{
	u32 maxcpus = (u32)cmdline_get_u64("maxcpus", 4);
	u32 present = 0;

	quiet = cmdline_get_u64("quiet", 0);
	refuse_next_eject = cmdline_get_u64("refuse_first_eject", 0);
	self_eject_slot = (u32)cmdline_get_u64("self_eject", ~0ull);
	GUEST_ASSERT(maxcpus >= 2 && maxcpus <= 64);
	kvmclock_init_cpu();
	lapic_enable();
	irq_set_handler(VEC_GED, on_ged);
	irq_set_handler(VEC_PARK, on_park);
	ioapic_route(GED_GSI, VEC_GED, 0, false, false);

	if (cmdline_get_u64("regs_selftest", 0))
		regs_selftest(maxcpus);
	/* The modern interface is there: selector 0, command 0, command data 2 reads 0. */
	outl(CPUHP_SEL, 0);
	outb(CPUHP_CMD, 0);
	GUEST_ASSERT_EQ(inl(CPUHP_SEL), 0);
	for (u32 i = 0; i < maxcpus; i++) {
		outl(CPUHP_SEL, i);
		if (!(inb(CPUHP_FLAGS) & FLAG_ENABLED))
			continue;
		present++;
		/* Boot APs: started as an OS starts them at boot. */
		if (i != 0)
			GUEST_ASSERT_EQ(smp_start_ap(i, ap_main, 2000), 0);
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
