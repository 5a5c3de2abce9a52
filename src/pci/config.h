/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One PCI function's configuration space as the guest sees it (PCI Local Bus 3.0 §6,
 * type-0 header): the header registers, the capability list, the Base Address Registers
 * with the all-ones sizing protocol, and legacy INTx.  docs/specs/pci.md has the rules.
 *
 * The bytes live in `cfg`; what the guest may change is given per byte by `wmask`
 * (read/write bits) and `w1c` (write-1-to-clear bits), so a write is always
 *     cfg = (cfg & ~wmask) | (val & wmask);  cfg &= ~(val & w1c)
 * and the BAR sizing protocol falls out of the BARs' masks: the address bits below the
 * BAR's size are read-only zero, so writing all-ones reads back ~(size - 1) | flags.
 * Ranges with behaviour (the MSI-X capability's control word, virtio's PCI-config
 * access window) are handed to a `struct pci_cfg_handler` instead.
 *
 * After every write that touches the Command register or a BAR, each BAR's decode is
 * brought in line: a BAR decodes (is registered on the PIO or MMIO bus with the device's
 * own bus_ops) exactly when its space is enabled in Command and its whole range lies in
 * one of the host bridge's windows and is free.  A BAR the guest placed over RAM, outside
 * the windows or over another device gets no decode (a rate-limited line says why); the
 * register keeps the value, as on hardware, and the BAR is mapped as soon as the
 * placement becomes valid.  The device hears about every move through `bar_moved`
 * (virtio re-registers its ioeventfds there).
 *
 * Pure logic over vm/bus.h and vm/memory.h (no KVM): the owner (pci/host.c) serializes
 * every call with its lock; pci_set_irq() alone may be called from any thread.
 */
#ifndef XKVM_PCI_CONFIG_H
#define XKVM_PCI_CONFIG_H

#include <linux/pci_regs.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/log.h"
#include "vm/bus.h"
#include "vm/memory.h"

#define PCI_CFG_SIZE        256   /* what CF8/CFC reaches and what we implement */
#define PCI_CFG_EXT_SIZE    4096  /* what ECAM addresses: 0x100.. read 0 (no ext caps) */
#define PCI_NUM_BARS        6
#define PCI_CAP_START       0x40
#define PCI_MAX_HANDLERS    8
#define PCI_BAR_UNMAPPED    UINT64_MAX

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_dev;

/* The windows a BAR may decode in (the host bridge's _CRS). */
struct pci_window {
	uint64_t start, end; /* inclusive */
};

#define PCI_MAX_WINDOWS 4
struct pci_space {
	struct bus *pio, *mmio;
	const struct guest_mem *mem;          /* BARs over RAM are refused by name */
	struct pci_window io[PCI_MAX_WINDOWS];
	unsigned nr_io;
	struct pci_window mem_win[PCI_MAX_WINDOWS];
	unsigned nr_mem;
	/* INTx: drive the GSI the pin is routed to (KVM_IRQ_LINE); may be NULL. */
	int (*irq_line)(void *opaque, unsigned gsi, int level);
	void *irq_opaque;
};

struct pci_bar {
	enum pci_bar_kind kind;       /* MEM64 takes this BAR and the next */
	bool prefetchable;
	uint64_t size;                /* power of two: IO >= 4, memory >= 16 */
	const struct bus_ops *ops;    /* accesses inside the BAR, offsets relative to it */
	void *opaque;
	const char *name;             /* for the bus and messages */
	uint64_t mapped_at;           /* PCI_BAR_UNMAPPED: not decoding */
	uint64_t refused_at;          /* last placement refused (logged once per address) */
};

/* Config-space ranges with behaviour.  `off` is relative to the handler's start; the
 * access is 1, 2 or 4 bytes and never crosses the handler's range. */
struct pci_cfg_handler {
	uint16_t start, len;
	uint32_t (*read)(void *opaque, unsigned off, unsigned size);
	void (*write)(void *opaque, unsigned off, unsigned size, uint32_t val);
	void *opaque;
};

struct pci_dev_ops {
	/* BAR `bar` now decodes at `addr`, or stopped decoding (PCI_BAR_UNMAPPED). */
	void (*bar_moved)(void *opaque, unsigned bar, uint64_t addr);
	/* Command register written (after the BARs followed it); may be NULL. */
	void (*command)(void *opaque, uint16_t cmd);
};

struct pci_dev {
	const char *name;
	uint8_t devfn;                /* set by the host at plug time */
	const struct pci_space *space;
	const struct pci_dev_ops *ops;
	void *opaque;

	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];
	uint8_t w1c[PCI_CFG_SIZE];
	uint8_t reset_cfg[PCI_CFG_SIZE]; /* power-on image, taken by pci_dev_seal() */

	struct pci_bar bar[PCI_NUM_BARS];
	struct pci_cfg_handler handler[PCI_MAX_HANDLERS];
	unsigned nr_handlers;
	uint8_t cap_last;             /* offset of the last capability (0: none) */
	uint16_t cap_free;            /* where the next capability goes */

	/* INTx: `intx_gsi` < 0 means no pin.  `intx_level` is the device's output;
	 * what reaches the GSI is that AND NOT Command.InterruptDisable. */
	pthread_mutex_t intx_lock;
	int intx_gsi;
	bool intx_level, intx_disabled, intx_asserted;

	struct ratelimit rl;
	uint64_t bad_accesses;        /* misaligned or wrong-size config accesses */
};

/* A function with IDs and class (class_code = base << 16 | sub << 8 | prog-if).
 * Command 0, status with the capability bit once a capability is added. */
void pci_dev_init(struct pci_dev *d, const char *name, uint16_t vendor, uint16_t device,
		  uint8_t revision, uint32_t class_code, uint16_t subsys_vendor, uint16_t subsys);
void pci_dev_destroy(struct pci_dev *d);

/* BARs: `size` a power of two (IO 4..256, memory >= 16; MEM64 uses `bar` + 1 too).
 * -EINVAL on a bad size, a taken BAR or a MEM64 in BAR 5. */
int pci_dev_add_bar(struct pci_dev *d, unsigned bar, enum pci_bar_kind kind, bool prefetchable,
		    uint64_t size, const struct bus_ops *ops, void *opaque, const char *name);
/* The BAR's address register as the guest (or firmware) would program it. */
void pci_dev_set_bar_addr(struct pci_dev *d, unsigned bar, uint64_t addr);
uint64_t pci_dev_bar_addr(const struct pci_dev *d, unsigned bar);

/* Capabilities: `len` bytes (multiple of 4) appended to the list, dword aligned; returns
 * the offset (the ID and next pointer are written; the caller fills the rest with
 * pci_cfg_set*() and sets writable bits with pci_cfg_set_wmask()), -ENOSPC. */
int pci_dev_add_cap(struct pci_dev *d, uint8_t id, unsigned len);
/* A range with behaviour; -EINVAL if it overlaps the header's first 0x40 bytes, another
 * handler, or is not 2-byte aligned; -ENOSPC. */
int pci_dev_add_handler(struct pci_dev *d, const struct pci_cfg_handler *h);
/* INTx pin (1 = INTA#) routed to `gsi` (the host decides). */
void pci_dev_set_intx(struct pci_dev *d, uint8_t pin, int gsi);

/* Little-endian helpers on cfg/wmask (device set-up only). */
void pci_cfg_set8(struct pci_dev *d, unsigned off, uint8_t v);
void pci_cfg_set16(struct pci_dev *d, unsigned off, uint16_t v);
void pci_cfg_set32(struct pci_dev *d, unsigned off, uint32_t v);
void pci_cfg_set_wmask(struct pci_dev *d, unsigned off, unsigned len, uint32_t mask);
uint16_t pci_cfg_get16(const struct pci_dev *d, unsigned off);
uint32_t pci_cfg_get32(const struct pci_dev *d, unsigned off);

/* Everything set up: remember the power-on image (pci_dev_reset() returns to it). */
void pci_dev_seal(struct pci_dev *d);
/* Function reset: power-on config space, BARs back to their sealed addresses, decode
 * off, INTx deasserted.  The device resets its own state. */
void pci_dev_reset(struct pci_dev *d);

/* Guest accesses: `off` < PCI_CFG_EXT_SIZE, `size` 1/2/4, naturally aligned (anything
 * else: all-ones / dropped, logged).  Offsets 0x100.. read 0 and ignore writes. */
uint32_t pci_cfg_read(struct pci_dev *d, unsigned off, unsigned size);
void pci_cfg_write(struct pci_dev *d, unsigned off, unsigned size, uint32_t val);

/* Bring every BAR's decode in line with Command and the BAR registers (also retries
 * placements refused because the range was taken).  Called after writes; the host calls
 * it for every function after any BAR moved, since a freed range may unblock another. */
void pci_dev_update_mappings(struct pci_dev *d);
/* 0 when the range [addr, addr + size) of that kind may decode, else -errno:
 * -ERANGE outside the windows, -EADDRINUSE over RAM, -EINVAL wraps. */
int pci_space_check(const struct pci_space *s, enum pci_bar_kind kind, uint64_t addr,
		    uint64_t size);

/* INTx from the device, any thread: the level of its interrupt output. */
void pci_set_irq(struct pci_dev *d, bool level);
bool pci_intx_asserted(struct pci_dev *d);

#endif
