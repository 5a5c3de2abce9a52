/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Power off the way a hardware-reduced OS does (Linux acpi_hw_extended_sleep): take
 * SLP_TYPa from \_S5 in the DSDT and the sleep registers from the FADT, clear WAK_STS,
 * then write SLP_TYP | SLP_EN.  xkvm must end with exit status 0; this program never
 * says DONE, and fails if it is still running a second later.
 */
#include "guest.h"

#define SLP_EN  0x20
#define WAK_STS 0x80

int main(void)
{
	const u8 *fadt = (const u8 *)acpi_find_table("FACP");
	const struct acpi_gas *ctl, *sts;
	int typ = acpi_s5_sleep_type();
	u64 t0;

	GUEST_ASSERT(fadt);
	GUEST_ASSERT(typ >= 0 && typ < 8);
	ctl = (const void *)(fadt + FADT_SLEEP_CONTROL_REG);
	sts = (const void *)(fadt + FADT_SLEEP_STATUS_REG);
	GUEST_ASSERT_EQ(ctl->space_id, ACPI_GAS_SYSTEM_IO);
	GUEST_ASSERT_EQ(sts->space_id, ACPI_GAS_SYSTEM_IO);
	GUEST_ASSERT(ctl->address && ctl->address < 0x10000);

	kvmclock_init_cpu();
	outb((u16)sts->address, WAK_STS);
	GUEST_ASSERT_EQ(inb((u16)sts->address) & WAK_STS, 0);
	GUEST_SYNC("poweroff", ctl->address, (u64)typ);
	outb((u16)ctl->address, (u8)(typ << 2 | SLP_EN));

	/* The request is asynchronous: allow a second before calling it a failure. */
	t0 = kvmclock_ns();
	while (kvmclock_ns() - t0 < 1000000000ull)
		cpu_relax();
	GUEST_FAIL("still running a second after writing SLP_EN with \\_S5's type");
}
