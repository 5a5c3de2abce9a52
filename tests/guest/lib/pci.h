/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI from the guest side, as an OS does it: ECAM found through the MCFG table, the legacy
 * 0xCF8/0xCFC mechanism, capability walks, BAR sizing with the all-ones protocol and BAR
 * placement in the host bridge's 32-bit window.  Bus 0 only.  Works under xkvm and under
 * QEMU (-M microvm,pcie=on or q35), which put ECAM and the window at the same places.
 */
#ifndef GUEST_PCI_H
#define GUEST_PCI_H

#include "guest.h"

#define PCI_MMIO32_START 0xc0000000ull /* the host bridge's 32-bit window (_CRS) */
#define PCI_MMIO32_END   0xe0000000ull

#define PCI_VENDOR_ID     0x00
#define PCI_DEVICE_ID     0x02
#define PCI_COMMAND       0x04
#define PCI_STATUS        0x06
#define PCI_REVISION      0x08
#define PCI_CLASS_PROG    0x09
#define PCI_HEADER_TYPE   0x0e
#define PCI_BAR0          0x10
#define PCI_SUBSYS_VENDOR 0x2c
#define PCI_SUBSYS_ID     0x2e
#define PCI_ROM           0x30
#define PCI_CAP_PTR       0x34
#define PCI_INT_LINE      0x3c
#define PCI_INT_PIN       0x3d
#define PCI_CMD_IO        0x1
#define PCI_CMD_MEM       0x2
#define PCI_CMD_MASTER    0x4
#define PCI_CMD_INTX_OFF  0x400
#define PCI_STATUS_INTX   0x8
#define PCI_STATUS_CAPS   0x10
#define PCI_CAP_MSIX      0x11
#define PCI_CAP_VNDR      0x09

/* ECAM from the MCFG (checksum verified); false when there is none. */
bool pci_init(void);
extern u64 pci_ecam_base;
extern u8 pci_end_bus;

/* Config accesses to bus 0, device `dev`, function 0, through ECAM or CF8/CFC. */
u32 pci_read(u8 dev, u16 reg, unsigned size);
void pci_write(u8 dev, u16 reg, unsigned size, u32 val);
u32 pci_read_bdf(u8 bus, u8 dev, u8 fn, u16 reg, unsigned size);
u32 pci_cf8_read(u8 bus, u8 dev, u8 fn, u8 reg, unsigned size);
void pci_cf8_write(u8 bus, u8 dev, u8 fn, u8 reg, unsigned size, u32 val);

/* The first device on bus 0 with this vendor/device id at or after slot `from`; -1. */
int pci_find(u16 vendor, u16 device, u8 from);
/* Capability `id` after offset `after` (0: from the start); 0 if none.  The walk asserts
 * the list is sane (pointers dword-aligned, inside the header, no loop). */
u8 pci_find_cap(u8 dev, u8 id, u8 after);

struct pci_bar {
	bool present, io, is64, prefetch;
	u64 size;
	u64 addr;
};
/* Size BAR `bar` with the all-ones protocol (decode off while doing so), restoring it. */
struct pci_bar pci_bar_probe(u8 dev, unsigned bar);
void pci_bar_set(u8 dev, unsigned bar, const struct pci_bar *b, u64 addr);
/* Next naturally aligned address in the 32-bit window for `size` bytes. */
u64 pci_alloc(u64 size);
/* Size and place every BAR of `dev` in the window (bars[] filled), enable memory decode
 * and bus mastering.  Returns how many BARs it found. */
unsigned pci_assign_bars(u8 dev, struct pci_bar bars[6]);

#endif
