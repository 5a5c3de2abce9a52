/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A hostile guest: writes garbage to thousands of I/O ports and MMIO addresses nobody
 * claims (and reads them back), with every access size.  xkvm must keep running: the
 * reads of nothing return all-ones and the program reaches DONE.  Ports that would end
 * the VM on purpose (isa-debug-exit, reset, sleep control, ucall) are left alone.
 */
#include "guest.h"

static u64 rng = 0x9e3779b97f4a7c15ull;

static u64 next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static bool port_is_special(u16 p)
{
	return (p >= 0xf4 && p <= 0xf7) ||            /* isa-debug-exit */
	       (p >= 0xcf8 && p <= 0xcff) ||          /* reset, PCI config */
	       (p >= 0x0cd8 && p <= 0x0cef) ||        /* hot-plug, GED, sleep registers */
	       (p >= 0x3f8 && p <= 0x3ff) ||          /* COM1: its own tests */
	       (p >= UCALL_PORT && p < UCALL_PORT + 4);
}

int main(void)
{
	unsigned n = (unsigned)cmdline_get_u64("n", 2000);
	unsigned ff_reads = 0;

	for (unsigned i = 0; i < n; i++) {
		u64 r = next();
		u16 port = (u16)r;

		if (port_is_special(port))
			continue;
		switch ((r >> 16) % 6) {
		case 0: outb(port, (u8)(r >> 24)); break;
		case 1: outw(port & ~1, (u16)(r >> 24)); break;
		case 2: outl(port & ~3, (u32)(r >> 24)); break;
		case 3: ff_reads += inb(port) == 0xff; break;
		case 4: inw(port & ~1); break;
		default: inl(port & ~3); break;
		}
	}
	/* Unclaimed MMIO in the hole (below the ECAM window and above it). */
	for (unsigned i = 0; i < n / 4; i++) {
		u64 r = next();
		u64 addr = (r & 1) ? 0xd0000000ull + ((r >> 8) & 0x0ffffff8) :
				     0xf0000000ull + ((r >> 8) & 0x0ebffff8);
		if (addr >= 0xfec00000ull) /* IOAPIC, LAPIC, ...: real devices */
			continue;
		switch ((r >> 40) % 4) {
		case 0: mmio_write32(addr, (u32)r); break;
		case 1: mmio_write8(addr, (u8)r); break;
		case 2: GUEST_ASSERT_EQ(mmio_read32(addr), 0xffffffff); break;
		default: mmio_write64(addr, r); break;
		}
	}
	GUEST_SYNC("garbage-ok", n, ff_reads);
	return 0;
}
