/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PCI host bridge of xkvm's x86 machine: segment 0, bus 0, 32 device slots
 * (function 0 only), reached through ECAM (MMIO, LAYOUT_ECAM_START, 256 buses x 1 MiB)
 * and the legacy configuration mechanism #1 (CONFIG_ADDRESS 0xCF8, CONFIG_DATA
 * 0xCFC..0xCFF).  Described to the guest by an MCFG table and a PNP0A08 root bridge in
 * the DSDT (docs/specs/pci.md has every value):
 *
 *   \_SB.PCI0   _HID PNP0A08, _CID PNP0A03, _SEG 0, _BBN 0, _UID 0, _CBA (the ECAM base),
 *               _CRS: bus 0-255, I/O 0xCF8/8, I/O windows 0-0xCF7 and 0xD00-0xFFFF, the
 *               32-bit MMIO window and a 64-bit one above RAM; _OSC; _PRT (INTx)
 *   \_SB.PCI0.RES0   PNP0C02 reserving the ECAM window (Linux wants MCFG's area there)
 *
 * Slot 0 is the host bridge itself ([1b36:0008], class 0x060000).  Devices are plugged
 * at creation (not hot-plug): their BARs get addresses in the 32-bit window, as firmware
 * would assign them (decode off until the guest enables it), and INTA..INTD of slot s
 * are wired to GSI 16 + ((s + pin) mod 4), level-triggered, which _PRT tells the guest.
 *
 * Locking: `lock` serializes every configuration access (any vCPU thread) and plugging.
 * A device's own handlers (BAR accesses) never take it.  INTx lines are counted per GSI
 * under `intx_lock`, so devices sharing a GSI make a wired-OR.
 */
#ifndef XKVM_PCI_HOST_H
#define XKVM_PCI_HOST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "pci/config.h"
#include "trace/trace.h"

struct vm;
struct aml;
struct acpi;

#define PCI_SLOTS            32
#define PCI_INTX_GSI_BASE    16   /* INTA..INTD of slot 0 */
#define PCI_INTX_GSIS        4
#define PCI_HOST_VENDOR      0x1b36 /* Red Hat, Inc. (QEMU's generic devices) */
#define PCI_HOST_DEVICE      0x0008 /* PCIe host bridge */
#define PCI_64BIT_WINDOW_SIZE (32ull << 30)
#define PCI_OSC_CONTROL_MASK 0xbfu /* _OSC control bits granted: 0-5 and 7 (see pci.md) */

/* What the DSDT and MCFG describe (pure; filled from the VM by pci_host_init()). */
struct pci_host_layout {
	uint64_t ecam_base, ecam_size;
	uint32_t mmio32_start, mmio32_end;      /* inclusive */
	uint64_t mmio64_start, mmio64_end;      /* inclusive; start 0: none */
};

struct pci_host {
	pthread_mutex_t lock;
	struct pci_space space;
	struct pci_host_layout layout;
	uint32_t config_address;     /* 0xCF8 */
	struct pci_dev *slot[PCI_SLOTS];
	struct pci_dev bridge;       /* 00:00.0 */
	uint64_t next_mmio32;        /* firmware-like BAR assignment */
	uint32_t next_io;

	pthread_mutex_t intx_lock;
	unsigned intx_count[PCI_INTX_GSIS];
	int (*irq_line)(void *opaque, unsigned gsi, int level);
	void *irq_opaque;

	struct trace *trace;         /* may be NULL */
	bool registered;             /* ECAM and the two ports are on the buses */
	struct ratelimit rl;
	uint64_t bad_accesses;
};

/* Pure set-up over buses and RAM (unit tests use it directly): registers ECAM and
 * 0xCF8/0xCFC.  `irq_line` drives a GSI (NULL: INTx goes nowhere). */
int pci_host_init(struct pci_host *h, struct bus *pio, struct bus *mmio,
		  const struct guest_mem *mem, int (*irq_line)(void *, unsigned, int),
		  void *irq_opaque);
void pci_host_destroy(struct pci_host *h);
/* The whole VM: creates the host (vm->pci), a vm_device for reset and teardown. */
int pci_host_create(struct vm *vm);
/* Adds MCFG and the DSDT part; main thread, after acpi_init(). */
int pci_host_install_acpi(struct pci_host *h, struct acpi *acpi);

/* Plug a function (main thread, before the VM runs): slot -1 takes the first free one.
 * Assigns its BARs in the windows, wires INTA (if `intx`), seals its power-on config.
 * Returns the slot, -EBUSY (slot taken), -ENOSPC (no slot / window full). */
int pci_host_plug(struct pci_host *h, struct pci_dev *d, int slot, bool intx);
void pci_host_unplug(struct pci_host *h, struct pci_dev *d);
/* The GSI INTx pin `pin` (1..4) of `slot` is wired to. */
unsigned pci_host_intx_gsi(unsigned slot, unsigned pin);

/* Configuration accesses by bus/devfn/register (what ECAM and CF8/CFC decode to). */
uint32_t pci_host_cfg_read(struct pci_host *h, unsigned bus, unsigned devfn, unsigned reg,
			   unsigned size);
void pci_host_cfg_write(struct pci_host *h, unsigned bus, unsigned devfn, unsigned reg,
			unsigned size, uint32_t val);
/* VM reset: every function back to its power-on state (devices reset themselves). */
void pci_host_reset(struct pci_host *h);

/* ACPI content, pure: the DSDT's \_SB.PCI0 and the MCFG body. */
int pci_host_build_dsdt(struct aml *a, const struct pci_host_layout *l);
int pci_host_build_mcfg(struct aml *body, const struct pci_host_layout *l);
/* The layout for a VM with this RAM. */
void pci_host_layout_for(struct pci_host_layout *l, const struct guest_mem *mem);

#endif
