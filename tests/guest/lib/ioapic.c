/* SPDX-License-Identifier: GPL-2.0-only */
/* The IOAPIC at 0xfec00000: route a GSI to a vector on one CPU, mask, unmask. */
#include "guest.h"

#define IOAPIC_BASE 0xfec00000ull
#define IOREGSEL 0x00
#define IOWIN 0x10

u32 ioapic_read(u32 reg)
{
	mmio_write32(IOAPIC_BASE + IOREGSEL, reg);
	return mmio_read32(IOAPIC_BASE + IOWIN);
}

void ioapic_write(u32 reg, u32 v)
{
	mmio_write32(IOAPIC_BASE + IOREGSEL, reg);
	mmio_write32(IOAPIC_BASE + IOWIN, v);
}

void ioapic_route(u32 gsi, u8 vector, u32 dest_apic_id, bool level, bool active_low)
{
	u32 lo = vector | (level ? 1u << 15 : 0) | (active_low ? 1u << 13 : 0);

	ioapic_write(0x10 + 2 * gsi + 1, dest_apic_id << 24);
	ioapic_write(0x10 + 2 * gsi, lo);
}

void ioapic_mask(u32 gsi, bool masked)
{
	u32 lo = ioapic_read(0x10 + 2 * gsi);

	ioapic_write(0x10 + 2 * gsi, masked ? lo | 1u << 16 : lo & ~(1u << 16));
}

u32 ioapic_pins(void)
{
	return ((ioapic_read(1) >> 16) & 0xff) + 1;
}
