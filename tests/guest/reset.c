/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reset the machine, method=fadt (the FADT's RESET_REG and RESET_VALUE, as Linux's
 * reboot=acpi) or method=cf9 (Linux's reboot=pci: 0x02 then 0x06 to port 0xCF9).
 *
 * A boot counter lives in RAM outside the loaded image (RAM survives a reset; the image
 * is loaded again).  Boot 1 scribbles over the RSDP and resets; boot 2 checks that the
 * tables were rebuilt and says DONE.  With -no-reboot, xkvm ends at the reset with
 * status 0 and boot 2 never happens.
 */
#include "guest.h"

#define COUNTER_ADDR 0x9e000ull /* below the EBDA, away from the boot data */
#define COUNTER_MAGIC 0x544f4f4254455352ull /* "RSETBOOT" */

struct counter {
	u64 magic;
	u64 boots;
};

static NORETURN void reset(const char *method)
{
	u64 t0;

	kvmclock_init_cpu();
	if (!strcmp(method, "fadt")) {
		const u8 *fadt = (const u8 *)acpi_find_table("FACP");
		const struct acpi_gas *r;
		GUEST_ASSERT(fadt);
		GUEST_ASSERT(*(const u32 *)(fadt + FADT_FLAGS) & (1u << 10)); /* RESET_REG_SUP */
		r = (const void *)(fadt + FADT_RESET_REG);
		GUEST_ASSERT_EQ(r->space_id, ACPI_GAS_SYSTEM_IO);
		GUEST_ASSERT_EQ(r->bit_width, 8);
		GUEST_SYNC("resetting", r->address, fadt[FADT_RESET_VALUE]);
		/* Scribble over the RSDP: the reset must rebuild the tables. */
		memset((void *)0xe0000, 0, 16);
		outb((u16)r->address, fadt[FADT_RESET_VALUE]);
	} else if (!strcmp(method, "cf9")) {
		outb(0xcf9, 0x02);                 /* SYS_RST: a setting, read back */
		GUEST_ASSERT_EQ(inb(0xcf9), 0x02);
		GUEST_SYNC("resetting", 0xcf9, 0x06);
		memset((void *)0xe0000, 0, 16);
		outb(0xcf9, 0x06);                 /* SYS_RST | RST_CPU */
	} else {
		GUEST_FAIL("method= must be fadt or cf9");
	}
	t0 = kvmclock_ns();
	while (kvmclock_ns() - t0 < 1000000000ull)
		cpu_relax();
	GUEST_FAIL("still running a second after the reset write");
}

int main(void)
{
	volatile struct counter *c = (volatile struct counter *)(uintptr_t)COUNTER_ADDR;
	const char *method = cmdline_get("method");

	GUEST_ASSERT(method);
	if (c->magic != COUNTER_MAGIC) {
		c->magic = COUNTER_MAGIC;
		c->boots = 0;
	}
	c->boots++;
	GUEST_SYNC("boot", c->boots);
	/* Every boot finds intact tables (the second one after the scribble). */
	GUEST_ASSERT(acpi_find_rsdp());
	GUEST_ASSERT(acpi_find_table("FACP"));
	GUEST_ASSERT(acpi_find_table("APIC"));
	GUEST_ASSERT(acpi_find_table("DSDT"));
	GUEST_ASSERT_EQ(inb(0xcf9), 0);          /* the reset register is back to 0 */
	if (c->boots >= 2)
		return 0;
	reset(method);
}
