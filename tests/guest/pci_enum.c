/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI enumeration as an OS does it, checking every header and capability it reads:
 *   - ECAM from the MCFG; the same configuration space through 0xCF8/0xCFC, dword for
 *     dword, on every function found;
 *   - 00:00.0 is a host bridge; an absent slot, function or bus reads all-ones;
 *   - every device: vendor/device/class/revision/header type, the capability list (sane
 *     pointers, known IDs, MSI-X table/PBA inside their BARs), read-only fields ignore
 *     writes, Command only keeps implemented bits;
 *   - BARs: the all-ones protocol gives power-of-two sizes, flags stay, the guest places
 *     them (moving the decoded range), a BAR placed over RAM or outside the window does
 *     not decode (RAM stays RAM), decode off means nothing answers;
 *   - extended configuration space (0x100..) is zero; bad access sizes are refused.
 * Parameters: devices=N (virtio-blk devices expected), queues=N (their num-queues).
 * Reports: SYNC("pci-enum", functions found, BARs sized, capabilities walked).
 */
#include "guest.h"
#include "pci.h"
#include "virtio.h"

static unsigned nbars, ncaps;

static void check_same_through_cf8(u8 dev)
{
	for (u16 r = 0; r < 0x100; r += 4)
		GUEST_ASSERT_EQ(pci_cf8_read(0, dev, 0, (u8)r, 4), pci_read(dev, r, 4));
	/* Bytes and words through CONFIG_DATA's byte lanes. */
	GUEST_ASSERT_EQ(pci_cf8_read(0, dev, 0, 2, 2), pci_read(dev, 2, 2));
	GUEST_ASSERT_EQ(pci_cf8_read(0, dev, 0, 0x0b, 1), pci_read(dev, 0x0b, 1));
}

static void check_caps(u8 dev)
{
	u8 seen[256] = { 0 };
	u8 p = (u8)pci_read(dev, PCI_CAP_PTR, 1);

	GUEST_ASSERT(pci_read(dev, PCI_STATUS, 2) & PCI_STATUS_CAPS);
	while (p) {
		u8 id = (u8)pci_read(dev, p, 1);

		GUEST_ASSERT(p >= 0x40 && (p & 3) == 0);
		GUEST_ASSERT(!seen[p]);
		seen[p] = 1;
		GUEST_ASSERT(id == PCI_CAP_VNDR || id == PCI_CAP_MSIX);
		/* ID and next pointer are read-only. */
		pci_write(dev, p, 2, 0xffff);
		GUEST_ASSERT_EQ(pci_read(dev, p, 1), id);
		ncaps++;
		p = (u8)pci_read(dev, p + 1, 1);
	}
}

/* Place BAR `i` at `addr`, enable memory decode and read through it. */
static u32 read_via_bar(u8 dev, unsigned i, const struct pci_bar *b, u64 addr, u64 off)
{
	pci_write(dev, PCI_COMMAND, 2, 0);
	pci_bar_set(dev, i, b, addr);
	pci_write(dev, PCI_COMMAND, 2, PCI_CMD_MEM);
	return mmio_read32(addr + off);
}

static void check_virtio(u8 dev)
{
	struct pci_bar bars[6];
	static volatile u32 ram_probe[1024] __attribute__((aligned(4096)));
	u8 msix;
	u32 t;

	GUEST_ASSERT_EQ(pci_read(dev, PCI_DEVICE_ID, 2), VIRTIO_DEV_BLK);
	GUEST_ASSERT_EQ(pci_read(dev, PCI_REVISION, 1), 1);
	GUEST_ASSERT_EQ(pci_read(dev, PCI_REVISION, 4) >> 8, 0x010000); /* mass storage, SCSI */
	GUEST_ASSERT_EQ(pci_read(dev, PCI_SUBSYS_VENDOR, 2), VIRTIO_VENDOR);
	GUEST_ASSERT(pci_read(dev, PCI_SUBSYS_ID, 2) >= 0x40);
	GUEST_ASSERT_EQ(pci_read(dev, PCI_INT_PIN, 1), 1); /* INTA# */
	check_caps(dev);

	/* Read-only fields ignore writes; Command keeps what is implemented. */
	pci_write(dev, PCI_VENDOR_ID, 4, 0);
	GUEST_ASSERT_EQ(pci_read(dev, PCI_VENDOR_ID, 2), VIRTIO_VENDOR);
	pci_write(dev, PCI_COMMAND, 2, 0xffff);
	GUEST_ASSERT_EQ(pci_read(dev, PCI_COMMAND, 2), 0x0547);
	pci_write(dev, PCI_COMMAND, 2, 0);
	pci_write(dev, PCI_ROM, 4, 0xffffffff);
	GUEST_ASSERT_EQ(pci_read(dev, PCI_ROM, 4), 0);
	pci_write(dev, PCI_INT_LINE, 1, 0x33);
	GUEST_ASSERT_EQ(pci_read(dev, PCI_INT_LINE, 1), 0x33);

	/* BARs: BAR 1 (32-bit, MSI-X) and BAR 4 (64-bit, the virtio regions). */
	for (unsigned i = 0; i < 6; i++) {
		bars[i] = pci_bar_probe(dev, i);
		if (!bars[i].present)
			continue;
		nbars++;
		GUEST_ASSERT((bars[i].size & (bars[i].size - 1)) == 0);
		GUEST_ASSERT(!bars[i].io);
		if (bars[i].is64)
			bars[++i] = (struct pci_bar){ 0 }; /* the upper half is not a BAR */
	}
	GUEST_ASSERT(bars[1].present && !bars[1].is64 && bars[1].size == 0x1000);
	GUEST_ASSERT(bars[4].present && bars[4].is64 && bars[4].size == 0x4000);
	GUEST_ASSERT(!bars[0].present && !bars[2].present && !bars[3].present);
	/* xkvm placed them as firmware would: inside the window, aligned. */
	for (unsigned i = 1; i < 6; i += 3) {
		GUEST_ASSERT(bars[i].addr >= PCI_MMIO32_START && bars[i].addr < PCI_MMIO32_END);
		GUEST_ASSERT_EQ(bars[i].addr % bars[i].size, 0);
	}

	/* MSI-X: table and PBA in BAR 1, entries masked at reset. */
	msix = pci_find_cap(dev, PCI_CAP_MSIX, 0);
	GUEST_ASSERT(msix);
	t = pci_read(dev, msix + 4, 4);
	GUEST_ASSERT_EQ(t & 7, 1);
	GUEST_ASSERT_EQ(pci_read(dev, msix + 8, 4) & 7, 1);
	GUEST_ASSERT_EQ(pci_read(dev, msix + 2, 2) & 0xc000, 0); /* disabled, unmasked fn */

	/* Move BAR 1 twice: the table answers where the BAR is, and only there. */
	GUEST_ASSERT_EQ(read_via_bar(dev, 1, &bars[1], 0xd0000000, 12), 1); /* entry 0 masked */
	GUEST_ASSERT_EQ(read_via_bar(dev, 1, &bars[1], 0xd0010000, 12), 1);
	GUEST_ASSERT_EQ(mmio_read32(0xd0000000 + 12), 0xffffffff);          /* nothing there now */
	/* The 64-bit BAR (our page tables map the low 4 GiB only: placed low), read the
	 * common configuration's num_queues through it. */
	read_via_bar(dev, 4, &bars[4], 0xd0100000, 0);
	GUEST_ASSERT_EQ(mmio_read16(0xd0100000 + 18), cmdline_get_u64("queues", 1));
	/* Over RAM: refused, the RAM is still RAM. */
	ram_probe[3] = 0x12345678;
	read_via_bar(dev, 1, &bars[1], (u64)(uintptr_t)ram_probe, 0);
	GUEST_ASSERT_EQ(ram_probe[3], 0x12345678);
	GUEST_ASSERT_EQ(pci_bar_probe(dev, 1).addr, (u64)(uintptr_t)ram_probe); /* kept as written */
	/* Outside the window (over the ECAM): refused, ECAM still answers. */
	read_via_bar(dev, 1, &bars[1], pci_ecam_base + 0x100000, 0);
	GUEST_ASSERT_EQ(pci_read(0, PCI_VENDOR_ID, 2), 0x1b36);
	/* Back in the window: it decodes again. */
	GUEST_ASSERT_EQ(read_via_bar(dev, 1, &bars[1], 0xd0020000, 12), 1);
	/* Decode off: gone. */
	pci_write(dev, PCI_COMMAND, 2, 0);
	GUEST_ASSERT_EQ(mmio_read32(0xd0020000 + 12), 0xffffffff);
}

int main(void)
{
	unsigned functions = 0, virtio = 0, want = (unsigned)cmdline_get_u64("devices", 0);

	kvmclock_init_cpu();
	GUEST_ASSERT(pci_init());
	GUEST_ASSERT_EQ(pci_ecam_base, 0xe0000000ull);
	GUEST_ASSERT_EQ(pci_end_bus, 0xff);

	/* 00:00.0: the host bridge. */
	GUEST_ASSERT_EQ(pci_read(0, PCI_VENDOR_ID, 4), 0x00081b36);
	GUEST_ASSERT_EQ(pci_read(0, PCI_REVISION, 4) >> 8, 0x060000);
	GUEST_ASSERT_EQ(pci_read(0, PCI_INT_PIN, 1), 0);

	for (u8 d = 0; d < 32; d++) {
		u32 id = pci_read(d, PCI_VENDOR_ID, 4);

		/* Functions 1..7 of every slot and a device on bus 1: nothing. */
		GUEST_ASSERT_EQ(pci_read_bdf(0, d, 1, 0, 4), 0xffffffff);
		GUEST_ASSERT_EQ(pci_read_bdf(0, d, 7, 0, 4), 0xffffffff);
		GUEST_ASSERT_EQ(pci_read_bdf(1, d, 0, 0, 4), 0xffffffff);
		if (id == 0xffffffff) {
			GUEST_ASSERT_EQ(pci_cf8_read(0, d, 0, 0, 4), 0xffffffff);
			continue;
		}
		functions++;
		GUEST_ASSERT_EQ(pci_read(d, PCI_HEADER_TYPE, 1), 0); /* type 0, single function */
		/* Extended configuration space: no capabilities, zero. */
		GUEST_ASSERT_EQ(pci_read(d, 0x100, 4), 0);
		GUEST_ASSERT_EQ(pci_read(d, 0xffc, 4), 0);
		check_same_through_cf8(d);
		if ((id & 0xffff) == VIRTIO_VENDOR) {
			virtio++;
			check_virtio(d);
			check_same_through_cf8(d);
		}
	}
	GUEST_ASSERT_EQ(virtio, want);
	/* Misaligned and oversized accesses: all-ones, and xkvm goes on. */
	GUEST_ASSERT_EQ(mmio_read16(pci_ecam_base + 1), 0xffff);
	GUEST_ASSERT_EQ(mmio_read32(pci_ecam_base + 2), 0xffffffff);
	GUEST_ASSERT_EQ(mmio_read64(pci_ecam_base), ~0ull);
	/* A byte at 0xCF8 is not CONFIG_ADDRESS. */
	outl(0xcf8, 0x80000000);
	outb(0xcf8, 0);
	GUEST_ASSERT_EQ(inl(0xcf8), 0x80000000);
	outl(0xcf8, 0);
	GUEST_ASSERT_EQ(inl(0xcfc), 0xffffffff); /* disabled */
	GUEST_SYNC("pci-enum", functions, nbars, ncaps);
	return 0;
}
