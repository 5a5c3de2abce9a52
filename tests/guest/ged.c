/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The OS side of the ACPI power button on a hardware-reduced machine, as Linux does it:
 * mask the legacy 8259 PICs (KVM's in-kernel PIC also sees GSI 9; xkvm masks them at
 * reset, but an OS does not rely on that), route the GED's GSI 9 through
 * the IOAPIC (edge, active high: the DSDT's _CRS), wait
 * for the interrupt, read the event selector ESEL at 0x0CE4 (read-to-clear), check the
 * power-button bit (0x2), then power off through the FADT's sleep control register with
 * \_S5's SLP_TYP.  xkvm then ends with SHUTDOWN (guest-shutdown) and exit status 0.
 *
 * The host presses the button (QMP system_powerdown) after SYNC("ged-ready").
 * Parameters (-append): timeout_ms=N (how long to wait for the button; default 30000).
 */
#include "guest.h"

#define GED_GSI 9
#define GED_VECTOR 0x31
#define TIMER_VECTOR 0x40
#define PORT_GED_ESEL 0x0ce4
#define GED_EVT_PWR_DOWN 0x2
#define FADT_SLEEP_CONTROL_REG 244 /* a 12-byte Generic Address Structure */
#define GAS_SYSTEM_IO 1
#define SLP_TYP_SHIFT 2
#define SLP_EN 0x20

static volatile u32 ged_irqs;

static void ged_irq(struct irq_frame *f)
{
	(void)f;
	ged_irqs++;
	lapic_eoi();
}

static void timer_irq(struct irq_frame *f)
{
	(void)f;
	lapic_eoi();
}

/* The I/O port of the FADT's sleep control register. */
static u16 sleep_control_port(void)
{
	const struct acpi_header *fadt = acpi_find_table("FACP");
	const u8 *gas;
	u64 addr;

	GUEST_ASSERT(fadt);
	GUEST_ASSERT(fadt->length >= FADT_SLEEP_CONTROL_REG + 12);
	gas = (const u8 *)fadt + FADT_SLEEP_CONTROL_REG;
	GUEST_ASSERT_EQ(gas[0], GAS_SYSTEM_IO);
	memcpy(&addr, gas + 4, 8);
	GUEST_ASSERT(addr && addr < 0x10000);
	return (u16)addr;
}

/* SLP_TYPa from the DSDT's Name (_S5, Package () { a, b, ... }). */
static u8 s5_slp_typ(void)
{
	const struct acpi_header *dsdt = acpi_find_table("DSDT");
	const u8 *p, *end;

	GUEST_ASSERT(dsdt);
	p = (const u8 *)dsdt + sizeof(*dsdt);
	end = (const u8 *)dsdt + dsdt->length;
	for (; p + 8 < end; p++) {
		unsigned follow;

		if (p[0] != 0x08 || memcmp(p + 1, "_S5_", 4) || p[5] != 0x12) /* NameOp, PackageOp */
			continue;
		p += 6;
		follow = p[0] >> 6;             /* PkgLength: bytes that follow the lead byte */
		p += 1 + follow + 1;            /* ... and NumElements */
		if (p >= end)
			break;
		if (p[0] == 0x0a)               /* BytePrefix */
			return p[1];
		if (p[0] == 0x00 || p[0] == 0x01) /* ZeroOp, OneOp */
			return p[0];
		GUEST_FAIL("\\_S5's first element is not a byte constant");
	}
	GUEST_FAIL("no \\_S5 package in the DSDT");
}

/* HLT until `cond` holds or kvmclock passes `deadline`; the LAPIC timer is the alarm. */
static bool wait_irq(volatile u32 *counter, u32 above, u64 deadline)
{
	while (*counter <= above) {
		u64 now = kvmclock_ns(), left;

		if (now >= deadline)
			return false;
		left = deadline - now;
		lapic_write(APIC_TIMER_INIT, left > 1000000000ull ? 1000000000u : (u32)left);
		sti_hlt();
		cli();
	}
	return true;
}

int main(void)
{
	u64 timeout = cmdline_get_u64("timeout_ms", 30000) * 1000000ull;
	u16 slp_port = sleep_control_port();
	u8 slp_typ = s5_slp_typ();
	u32 esel, again;

	kvmclock_init_cpu();
	irq_set_handler(GED_VECTOR, ged_irq);
	irq_set_handler(TIMER_VECTOR, timer_irq);
	outb(0x21, 0xff); /* 8259 master: mask every IRQ */
	outb(0xa1, 0xff); /* 8259 slave */
	lapic_enable();
	lapic_write(APIC_TIMER_DIV, 0xb);
	lapic_write(APIC_LVT_TIMER, TIMER_VECTOR);
	GUEST_ASSERT(ioapic_pins() > GED_GSI);
	ioapic_route(GED_GSI, GED_VECTOR, this_apic_id(), false, false);
	/* Events are sticky until ESEL is read: a button pressed before we got here (its
	 * edge came before the route) is found now, as an OS would find it. */
	esel = inl(PORT_GED_ESEL);
	GUEST_ASSERT_EQ(esel & ~(u32)GED_EVT_PWR_DOWN, 0);

	GUEST_SYNC("ged-ready", slp_port, slp_typ);
	if (!esel) {
		if (!wait_irq(&ged_irqs, 0, kvmclock_ns() + timeout))
			GUEST_FAIL("no GED interrupt: the power button was not pressed");
		esel = inl(PORT_GED_ESEL);
	}
	again = inl(PORT_GED_ESEL);
	GUEST_SYNC("power-button", esel, again, ged_irqs);
	GUEST_ASSERT(esel & GED_EVT_PWR_DOWN);
	GUEST_ASSERT_EQ(again, 0); /* read-to-clear */

	/* S5: the VM ends here. */
	outb(slp_port, (u8)((slp_typ << SLP_TYP_SHIFT) | SLP_EN));
	{
		static volatile u32 never;
		wait_irq(&never, 0, kvmclock_ns() + 5000000000ull);
	}
	GUEST_FAIL("still running 5 s after the S5 write");
}
