/* SPDX-License-Identifier: GPL-2.0-only */
/* PCI configuration and BARs from the guest: ECAM via MCFG, CF8/CFC, capabilities. */
#include "pci.h"

u64 pci_ecam_base;
u8 pci_end_bus;
static u64 next_mmio = PCI_MMIO32_START;

/* An integer term (ZeroOp, OneOp, Byte/Word/DWord/QWordPrefix) at p; false if not one. */
static bool aml_int_at(const u8 *p, const u8 *end, u64 *v)
{
	static const u8 width[] = { [0x0a] = 1, [0x0b] = 2, [0x0c] = 4, [0x0e] = 8 };

	if (p >= end)
		return false;
	if (*p == 0x00 || *p == 0x01) {
		*v = *p;
		return true;
	}
	if (*p >= sizeof(width) || !width[*p] || p + 1 + width[*p] > end)
		return false;
	*v = 0;
	for (unsigned i = 0; i < width[*p]; i++)
		*v |= (u64)p[1 + i] << (8 * i);
	return true;
}

/* No MCFG (QEMU's microvm has none): the root bridge's _CBA, as Linux falls back to it.
 * Recognizes Name (_CBA, n) and Method (_CBA) { Return (n) } in the DSDT's bytes. */
static bool ecam_from_cba(void)
{
	const struct acpi_header *dsdt = acpi_find_table("DSDT");
	const u8 *p, *end;

	if (!dsdt)
		return false;
	p = (const u8 *)dsdt + sizeof(*dsdt);
	end = (const u8 *)dsdt + dsdt->length;
	for (; p + 4 < end; p++) {
		u64 v;

		if (memcmp(p, "_CBA", 4))
			continue;
		if (p > (const u8 *)dsdt && p[-1] == 0x08 && aml_int_at(p + 4, end, &v)) {
			pci_ecam_base = v;        /* Name (_CBA, v) */
		} else if (p + 6 < end && p[4] == 0x00 && p[5] == 0xa4 && aml_int_at(p + 6, end, &v)) {
			pci_ecam_base = v;        /* Method (_CBA, 0) { Return (v) } */
		} else {
			continue;
		}
		pci_end_bus = 0xff;
		return true;
	}
	return false;
}

bool pci_init(void)
{
	const struct acpi_header *mcfg = acpi_find_table("MCFG");
	const u8 *p;

	if (!mcfg)
		return ecam_from_cba();
	if (mcfg->length < 44 + 16)
		return false;
	p = (const u8 *)mcfg + 44; /* header (36) + reserved (8) */
	pci_ecam_base = *(const u64 *)p;
	GUEST_ASSERT_EQ(*(const u16 *)(p + 8), 0); /* segment 0 */
	GUEST_ASSERT_EQ(p[10], 0);                  /* from bus 0 */
	pci_end_bus = p[11];
	return true;
}

static u64 ecam(u8 bus, u8 dev, u8 fn, u16 reg)
{
	return pci_ecam_base + ((u64)bus << 20) + ((u64)dev << 15) + ((u64)fn << 12) + reg;
}

u32 pci_read_bdf(u8 bus, u8 dev, u8 fn, u16 reg, unsigned size)
{
	u64 a = ecam(bus, dev, fn, reg);

	GUEST_ASSERT(pci_ecam_base);
	return size == 1 ? mmio_read8(a) : size == 2 ? mmio_read16(a) : mmio_read32(a);
}

u32 pci_read(u8 dev, u16 reg, unsigned size)
{
	return pci_read_bdf(0, dev, 0, reg, size);
}

void pci_write(u8 dev, u16 reg, unsigned size, u32 val)
{
	u64 a = ecam(0, dev, 0, reg);

	GUEST_ASSERT(pci_ecam_base);
	if (size == 1)
		mmio_write8(a, (u8)val);
	else if (size == 2)
		mmio_write16(a, (u16)val);
	else
		mmio_write32(a, val);
}

static void cf8_select(u8 bus, u8 dev, u8 fn, u8 reg)
{
	outl(0xcf8, 0x80000000u | (u32)bus << 16 | (u32)dev << 11 | (u32)fn << 8 | (reg & 0xfc));
}

u32 pci_cf8_read(u8 bus, u8 dev, u8 fn, u8 reg, unsigned size)
{
	u16 port = (u16)(0xcfc + (reg & 3));

	cf8_select(bus, dev, fn, reg);
	return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

void pci_cf8_write(u8 bus, u8 dev, u8 fn, u8 reg, unsigned size, u32 val)
{
	u16 port = (u16)(0xcfc + (reg & 3));

	cf8_select(bus, dev, fn, reg);
	if (size == 1)
		outb(port, (u8)val);
	else if (size == 2)
		outw(port, (u16)val);
	else
		outl(port, val);
}

int pci_find(u16 vendor, u16 device, u8 from)
{
	for (unsigned d = from; d < 32; d++) {
		u32 id = pci_read((u8)d, PCI_VENDOR_ID, 4);
		if ((id & 0xffff) == vendor && id >> 16 == device)
			return (int)d;
	}
	return -1;
}

u8 pci_find_cap(u8 dev, u8 id, u8 after)
{
	u8 p;
	unsigned n = 0;

	if (!(pci_read(dev, PCI_STATUS, 2) & PCI_STATUS_CAPS))
		return 0;
	p = after ? (u8)pci_read(dev, after + 1, 1) : (u8)pci_read(dev, PCI_CAP_PTR, 1);
	while (p) {
		GUEST_ASSERT(p >= 0x40 && (p & 3) == 0); /* inside the device part, aligned */
		GUEST_ASSERT(++n < 48);                  /* 192 bytes of 4-byte caps at most */
		if (pci_read(dev, p, 1) == id)
			return p;
		p = (u8)pci_read(dev, p + 1, 1);
	}
	return 0;
}

struct pci_bar pci_bar_probe(u8 dev, unsigned bar)
{
	u16 reg = (u16)(PCI_BAR0 + 4 * bar), cmd = (u16)pci_read(dev, PCI_COMMAND, 2);
	struct pci_bar b = { 0 };
	u32 lo = pci_read(dev, reg, 4), hi = 0, mlo, mhi = 0xffffffff;

	pci_write(dev, PCI_COMMAND, 2, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	pci_write(dev, reg, 4, 0xffffffff);
	mlo = pci_read(dev, reg, 4);
	pci_write(dev, reg, 4, lo);
	b.io = lo & 1;
	b.is64 = !b.io && (lo & 6) == 4;
	b.prefetch = !b.io && (lo & 8);
	if (b.is64) {
		hi = pci_read(dev, reg + 4, 4);
		pci_write(dev, reg + 4, 4, 0xffffffff);
		mhi = pci_read(dev, reg + 4, 4);
		pci_write(dev, reg + 4, 4, hi);
	}
	pci_write(dev, PCI_COMMAND, 2, cmd);
	if (b.io) {
		u32 m = mlo & 0xfffffffc;
		if (m & 0xffff)
			b.size = (u64)(~(m | 0xffff0000u)) + 1;
		b.addr = lo & 0xfffffffc;
	} else {
		u64 m = (u64)mhi << 32 | (mlo & 0xfffffff0);
		if (!b.is64)
			m |= 0xffffffff00000000ull;
		if (mlo & 0xfffffff0)
			b.size = ~m + 1;
		b.addr = (u64)hi << 32 | (lo & 0xfffffff0);
	}
	b.present = b.size != 0;
	return b;
}

void pci_bar_set(u8 dev, unsigned bar, const struct pci_bar *b, u64 addr)
{
	u16 reg = (u16)(PCI_BAR0 + 4 * bar);

	pci_write(dev, reg, 4, (u32)addr);
	if (b->is64)
		pci_write(dev, reg + 4, 4, (u32)(addr >> 32));
}

u64 pci_alloc(u64 size)
{
	u64 a = (next_mmio + size - 1) & ~(size - 1);

	GUEST_ASSERT(a + size <= PCI_MMIO32_END);
	next_mmio = a + size;
	return a;
}

unsigned pci_assign_bars(u8 dev, struct pci_bar bars[6])
{
	unsigned n = 0;
	u16 cmd = (u16)pci_read(dev, PCI_COMMAND, 2);

	pci_write(dev, PCI_COMMAND, 2, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (unsigned i = 0; i < 6; i++) {
		bars[i] = pci_bar_probe((u8)dev, i);
		if (!bars[i].present)
			continue;
		n++;
		if (!bars[i].io) {
			bars[i].addr = pci_alloc(bars[i].size);
			pci_bar_set(dev, i, &bars[i], bars[i].addr);
		}
		if (bars[i].is64)
			bars[++i] = (struct pci_bar){ 0 };
	}
	pci_write(dev, PCI_COMMAND, 2, cmd | PCI_CMD_MEM | PCI_CMD_MASTER);
	return n;
}
