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
#define VEC_GED 0x50
#define VEC_PARK 0x51

static volatile u32 generation[MAX_CPUS];
static volatile u64 insert_seen_ns[MAX_CPUS]; /* kvmclock when CSCN saw the insert */
static bool refuse_next_eject;
static u32 self_eject_slot = ~0u;

static void ap_main(u32 id)
{
	generation[id]++;
	/* args: slot, how many times it came up, ns from CSCN seeing the insert to this AP's
	 * first C instruction (kvmclock): _OST, INIT/SIPI, the trampoline, long mode */
	GUEST_SYNC("ap-up", id, generation[id], ap_start_ns[id] - insert_seen_ns[id]);
	cpuhp_ap_idle(id);
}

static void cpu_insert(u32 slot)
{
	int ret;

	cpuhp_ost(slot, 1, 0); /* _OST(insert, success): the ACPI side is done */
	ret = smp_start_ap(slot, ap_main, 2000);
	if (ret < 0)
		gprintf("hotplug: CPU %u did not answer INIT/SIPI", slot);
	GUEST_ASSERT_EQ(ret, 0);
}

static void cpu_remove(u32 slot)
{
	if (refuse_next_eject) {
		refuse_next_eject = false;
		cpuhp_ost(slot, 3, 0x82); /* busy: the OS keeps the CPU */
		GUEST_SYNC("eject-refused", slot);
		return;
	}
	cpuhp_ost(slot, 3, 0x84); /* eject in progress */
	GUEST_ASSERT(cpuhp_park_ap(slot, 2000));
	GUEST_SYNC("ejecting", slot); /* the host times eject -> DEVICE_DELETED from here */
	GUEST_ASSERT(cpuhp_eject(slot));
	cpuhp_ost(slot, 3, 0);
	GUEST_SYNC("cpu-removed", slot);
}

/* CSCN: loop until no slot has an event.  A host that keeps plugging and unplugging while
 * one scan runs feeds it more events (QEMU's CSCN has no bound at all); the guard only
 * catches an event that never clears. */
static void cpu_scan(u32 maxcpus)
{
	u32 slot;
	u8 flags;

	for (u32 guard = 0; guard < 100000; guard++) {
		if (!cpuhp_next_event(maxcpus, &slot, &flags))
			return;
		if (flags & CPUHP_INSERT) {
			insert_seen_ns[slot] = kvmclock_ns();
			GUEST_ASSERT(flags & CPUHP_PRESENT);
			cpu_insert(slot);
			if (slot == self_eject_slot) {
				/* Nobody asked: the OS may eject a CPU of its own accord. */
				self_eject_slot = ~0u;
				cpu_remove(slot);
			}
		} else {
			cpu_remove(slot);
		}
	}
	GUEST_FAIL("CSCN did not converge");
}

/* A buggy OS: every answer must be the one the interface defines. */
static void regs_selftest(u32 maxcpus)
{
	/* A selector out of range: everything reads 0, writes are ignored. */
	outl(CPUHP_SEL, maxcpus + 5);
	GUEST_ASSERT_EQ(inb(CPUHP_FLAGS), 0);
	GUEST_ASSERT_EQ(inl(CPUHP_DATA), 0);
	outb(CPUHP_FLAGS, CPUHP_EJECT);
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
	GUEST_ASSERT_EQ(cpuhp_flags(0) & CPUHP_PRESENT, CPUHP_PRESENT);
	/* A 2-byte read of the status byte: the flags in the low byte. */
	outl(CPUHP_SEL, 0);
	GUEST_ASSERT_EQ(inw(CPUHP_FLAGS) & 0xff, CPUHP_PRESENT);
	/* Eject the boot CPU, and an absent slot: both ignored. */
	outl(CPUHP_SEL, 0);
	outb(CPUHP_FLAGS, CPUHP_EJECT);
	GUEST_ASSERT_EQ(cpuhp_flags(0), CPUHP_PRESENT);
	outl(CPUHP_SEL, maxcpus - 1);
	outb(CPUHP_FLAGS, CPUHP_EJECT);
	GUEST_ASSERT_EQ(cpuhp_flags(maxcpus - 1), 0);
	/* Reserved control bits alone do nothing; an unknown command is ignored. */
	outl(CPUHP_SEL, 0);
	outb(CPUHP_FLAGS, 0xf1);
	GUEST_ASSERT_EQ(cpuhp_flags(0), CPUHP_PRESENT);
	outb(CPUHP_CMD, 3);
	outb(CPUHP_CMD, 0x7f);
	GUEST_ASSERT_EQ(inl(CPUHP_DATA), 0); /* still command 3: APIC ID of slot 0 */
	outb(CPUHP_CMD, 0);
	GUEST_SYNC("regs-selftest-ok");
}

int main(void)
{
	u32 maxcpus = (u32)cmdline_get_u64("maxcpus", 4);
	bool quiet = cmdline_get_u64("quiet", 0);
	u32 present = 0, ged_irqs = 0;

	refuse_next_eject = cmdline_get_u64("refuse_first_eject", 0);
	self_eject_slot = (u32)cmdline_get_u64("self_eject", ~0ull);
	GUEST_ASSERT(maxcpus >= 2 && maxcpus <= 64);
	kvmclock_init_cpu();
	lapic_enable();
	cpuhp_init(VEC_GED, VEC_PARK);

	if (cmdline_get_u64("regs_selftest", 0))
		regs_selftest(maxcpus);
	/* The modern interface is there: selector 0, command 0, command data 2 reads 0. */
	GUEST_ASSERT(cpuhp_modern_interface());
	for (u32 i = 0; i < maxcpus; i++) {
		if (!(cpuhp_flags(i) & CPUHP_PRESENT))
			continue;
		present++;
		/* Boot APs: started as an OS starts them at boot. */
		if (i != 0)
			GUEST_ASSERT_EQ(smp_start_ap(i, ap_main, 2000), 0);
	}
	GUEST_SYNC("hotplug-ready", present);

	for (;;) {
		u32 ev = cpuhp_wait_ged();

		ged_irqs++;
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
