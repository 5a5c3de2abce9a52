/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hostile accesses to the ACPI registers: wrong sizes, reserved bits, unsupported sleep
 * states, writes to read-only ESEL, and a flood of them.  Nothing may power off, reset
 * or crash the machine; reads get the architectural answers.  Then DONE.
 */
#include "guest.h"

#define SLEEP_CTL 0xce8
#define SLEEP_STS 0xce9
#define GED_ESEL  0xce4
#define CF9       0xcf9
#define SLP_EN    0x20
#define S5        (5 << 2)

int main(void)
{
	const u8 *fadt = (const u8 *)acpi_find_table("FACP");
	u64 t0;

	GUEST_ASSERT(fadt);
	/* The ports this program pokes are the ones the FADT and DSDT describe. */
	GUEST_ASSERT_EQ(((const struct acpi_gas *)(fadt + FADT_SLEEP_CONTROL_REG))->address, SLEEP_CTL);
	GUEST_ASSERT_EQ(((const struct acpi_gas *)(fadt + FADT_SLEEP_STATUS_REG))->address, SLEEP_STS);

	/* Sleep control: S5 | SLP_EN, but as a word or a dword: ignored. */
	outw(SLEEP_CTL, S5 | SLP_EN);
	outl(SLEEP_CTL, S5 | SLP_EN);
	outw(SLEEP_STS, S5 | SLP_EN);
	GUEST_ASSERT_EQ(inw(SLEEP_CTL), 0xffff);
	GUEST_ASSERT_EQ(inl(SLEEP_CTL), 0xffffffff);
	/* Sleep states that do not exist, and reserved bits only. */
	for (u8 typ = 0; typ < 8; typ++)
		if (typ != 5)
			outb(SLEEP_CTL, (u8)(typ << 2 | SLP_EN));
	outb(SLEEP_CTL, 0xc3);
	GUEST_ASSERT_EQ(inb(SLEEP_CTL), 0);
	outb(SLEEP_CTL, S5);                 /* SLP_TYP alone: a setting, no sleep */
	GUEST_ASSERT_EQ(inb(SLEEP_CTL), S5);
	outb(SLEEP_STS, 0xff);
	GUEST_ASSERT_EQ(inb(SLEEP_STS), 0);   /* WAK_STS never set */

	/* 0xCF9: wrong sizes, reserved bits, the settings that do not reset. */
	outw(CF9, 0x0606);
	outl(CF9, 0x06060606);
	GUEST_ASSERT_EQ(inw(CF9), 0xffff);
	outb(CF9, 0xf1);
	GUEST_ASSERT_EQ(inb(CF9), 0);
	outb(CF9, 0x0a);
	GUEST_ASSERT_EQ(inb(CF9), 0x0a);
	outb(CF9, 0);

	/* GED: nothing raised, ESEL reads 0; partial reads refused; writes ignored. */
	GUEST_ASSERT_EQ(inl(GED_ESEL), 0);
	GUEST_ASSERT_EQ(inb(GED_ESEL), 0xff);
	GUEST_ASSERT_EQ(inw(GED_ESEL + 2), 0xffff);
	outl(GED_ESEL, 0xffffffff);
	outb(GED_ESEL + 1, 0x08);
	GUEST_ASSERT_EQ(inl(GED_ESEL), 0);

	/* A flood: the host's log is rate limited (checked by the runner). */
	for (int i = 0; i < 1000; i++) {
		outw(SLEEP_CTL, 0xffff);
		outb(CF9, 0xf0);
	}

	/* A request posted by mistake would land within milliseconds: wait a little. */
	kvmclock_init_cpu();
	t0 = kvmclock_ns();
	while (kvmclock_ns() - t0 < 20000000ull)
		cpu_relax();
	GUEST_SYNC("survived", inb(CF9), inl(GED_ESEL));
	return 0;
}
