/* SPDX-License-Identifier: GPL-2.0-only */
/* The PCI host bridge: ECAM, CONFIG_ADDRESS/CONFIG_DATA, slots, INTx wiring, ACPI. */
#include "pci/host.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"
#include "acpi/aml.h"
#include "arch/x86/layout.h"
#include "vm/vm.h"

#define PORT_CONFIG_ADDRESS 0xcf8
#define PORT_CONFIG_DATA    0xcfc
#define CA_ENABLE           0x80000000u
/* CONFIG_ADDRESS: enable, bus, device, function, register (dword); 30:24 and 1:0 are
 * reserved and read 0. */
#define CA_MASK             0x80fffffcu

#define ECAM_BUS(off)   ((unsigned)((off) >> 20) & 0xff)
#define ECAM_DEVFN(off) ((unsigned)((off) >> 12) & 0xff)
#define ECAM_REG(off)   ((unsigned)(off) & 0xfff)

#define IO_ASSIGN_START 0xc000 /* firmware-like assignment of I/O BARs */
#define IO_WINDOW_LO_END 0x0cf7
#define IO_WINDOW_HI_START 0x0d00

/* The _OSC UUID for PCI host bridges (PCI Firmware 3.3 §4.5.1), 33DB4D5B-1FF7-401C-
 * 9657-7441C03DD766, in ToUUID() byte order. */
static const uint8_t osc_uuid[16] = {
	0x5b, 0x4d, 0xdb, 0x33, 0xf7, 0x1f, 0x1c, 0x40,
	0x96, 0x57, 0x74, 0x41, 0xc0, 0x3d, 0xd7, 0x66,
};

static uint32_t ones(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* ---- configuration accesses ------------------------------------------------------- */

/* h->lock held. */
static struct pci_dev *find(struct pci_host *h, unsigned bus, unsigned devfn)
{
	if (bus != 0 || (devfn & 7) != 0)
		return NULL; /* one bus, single-function devices */
	return h->slot[devfn >> 3];
}

uint32_t pci_host_cfg_read(struct pci_host *h, unsigned bus, unsigned devfn, unsigned reg,
			   unsigned size)
{
	struct pci_dev *d;
	uint32_t v;

	pthread_mutex_lock(&h->lock);
	d = find(h, bus, devfn);
	/* No function there: the read completes with all-ones (Unsupported Request). */
	v = d ? pci_cfg_read(d, reg, size) : ones(size);
	pthread_mutex_unlock(&h->lock);
	return v;
}

/* h->lock held: a BAR that moved may have freed a range another function wanted. */
static void remap_all(struct pci_host *h)
{
	for (unsigned s = 0; s < PCI_SLOTS; s++)
		if (h->slot[s])
			pci_dev_update_mappings(h->slot[s]);
}

void pci_host_cfg_write(struct pci_host *h, unsigned bus, unsigned devfn, unsigned reg,
			unsigned size, uint32_t val)
{
	struct pci_dev *d;

	pthread_mutex_lock(&h->lock);
	d = find(h, bus, devfn);
	if (d) {
		pci_cfg_write(d, reg, size, val);
		if (reg < PCI_BASE_ADDRESS_5 + 4 && reg + size > PCI_COMMAND)
			remap_all(h);
	}
	pthread_mutex_unlock(&h->lock);
}

/* ECAM: bus[27:20] device[19:15] function[14:12] register[11:0]. */
static uint64_t ecam_read(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size)
{
	struct pci_host *h = opaque;

	(void)vcpu;
	if (size > 4) {
		__atomic_add_fetch(&h->bad_accesses, 1, __ATOMIC_RELAXED);
		log_guest(&h->rl, "pci: %u-byte ECAM read at 0x%llx: ECAM takes accesses of at "
			  "most 4 bytes", size, (unsigned long long)off);
		return ~0ull;
	}
	return pci_host_cfg_read(h, ECAM_BUS(off), ECAM_DEVFN(off), ECAM_REG(off), size);
}

static void ecam_write(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size,
		       uint64_t val)
{
	struct pci_host *h = opaque;

	(void)vcpu;
	if (size > 4) {
		__atomic_add_fetch(&h->bad_accesses, 1, __ATOMIC_RELAXED);
		log_guest(&h->rl, "pci: %u-byte ECAM write at 0x%llx ignored", size,
			  (unsigned long long)off);
		return;
	}
	pci_host_cfg_write(h, ECAM_BUS(off), ECAM_DEVFN(off), ECAM_REG(off), size, (uint32_t)val);
}

static const struct bus_ops ecam_ops = { ecam_read, ecam_write };

/* CONFIG_ADDRESS is a dword register: smaller accesses to 0xCF8 are ordinary I/O that
 * nothing decodes (Configuration Mechanism #1). */
static uint64_t ca_read(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size)
{
	struct pci_host *h = opaque;
	uint32_t v;

	(void)vcpu;
	if (off != 0 || size != 4)
		return ones(size);
	pthread_mutex_lock(&h->lock);
	v = h->config_address;
	pthread_mutex_unlock(&h->lock);
	return v;
}

static void ca_write(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size, uint64_t val)
{
	struct pci_host *h = opaque;

	(void)vcpu;
	if (off != 0 || size != 4)
		return;
	pthread_mutex_lock(&h->lock);
	h->config_address = (uint32_t)val & CA_MASK;
	pthread_mutex_unlock(&h->lock);
}

static const struct bus_ops ca_ops = { ca_read, ca_write };

static bool cd_decode(struct pci_host *h, uint64_t off, unsigned *bus, unsigned *devfn,
		      unsigned *reg)
{
	uint32_t ca;

	pthread_mutex_lock(&h->lock);
	ca = h->config_address;
	pthread_mutex_unlock(&h->lock);
	if (!(ca & CA_ENABLE))
		return false;
	*bus = (ca >> 16) & 0xff;
	*devfn = (ca >> 8) & 0xff;
	*reg = (ca & 0xfc) + (unsigned)off;
	return true;
}

static uint64_t cd_read(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size)
{
	struct pci_host *h = opaque;
	unsigned bus, devfn, reg;

	(void)vcpu;
	if (!cd_decode(h, off, &bus, &devfn, &reg))
		return ones(size);
	return pci_host_cfg_read(h, bus, devfn, reg, size);
}

static void cd_write(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size, uint64_t val)
{
	struct pci_host *h = opaque;
	unsigned bus, devfn, reg;

	(void)vcpu;
	if (cd_decode(h, off, &bus, &devfn, &reg))
		pci_host_cfg_write(h, bus, devfn, reg, size, (uint32_t)val);
}

static const struct bus_ops cd_ops = { cd_read, cd_write };

/* ---- INTx --------------------------------------------------------------------------- */

unsigned pci_host_intx_gsi(unsigned slot, unsigned pin)
{
	return PCI_INTX_GSI_BASE + (slot + pin - 1) % PCI_INTX_GSIS;
}

/* A wired-OR per GSI: KVM sees one user-space source per line. */
static int intx_line(void *opaque, unsigned gsi, int level)
{
	struct pci_host *h = opaque;
	unsigned i = gsi - PCI_INTX_GSI_BASE;
	int ret = 0;
	bool edge;

	if (i >= PCI_INTX_GSIS)
		return -EINVAL;
	pthread_mutex_lock(&h->intx_lock);
	if (level)
		edge = h->intx_count[i]++ == 0;
	else
		edge = h->intx_count[i] && --h->intx_count[i] == 0;
	if (edge && h->trace)
		trace_pci_intx(h->trace, gsi, level);
	if (edge && h->irq_line)
		ret = h->irq_line(h->irq_opaque, gsi, level);
	pthread_mutex_unlock(&h->intx_lock);
	return ret;
}

/* ---- set-up ------------------------------------------------------------------------- */

void pci_host_layout_for(struct pci_host_layout *l, const struct guest_mem *mem)
{
	uint64_t top = LAYOUT_4G;

	for (unsigned i = 0; mem && i < mem->nr_regions; i++)
		if (mem->region[i].gpa + mem->region[i].size > top)
			top = mem->region[i].gpa + mem->region[i].size;
	*l = (struct pci_host_layout){
		.ecam_base = LAYOUT_ECAM_START,
		.ecam_size = LAYOUT_ECAM_SIZE,
		.mmio32_start = (uint32_t)LAYOUT_PCI_MMIO_START,
		.mmio32_end = (uint32_t)(LAYOUT_PCI_MMIO_END - 1),
		/* Above RAM, 1 GiB aligned. */
		.mmio64_start = (top + (1ull << 30) - 1) & ~((1ull << 30) - 1),
	};
	l->mmio64_end = l->mmio64_start + PCI_64BIT_WINDOW_SIZE - 1;
}

int pci_host_init(struct pci_host *h, struct bus *pio, struct bus *mmio,
		  const struct guest_mem *mem, int (*irq_line)(void *, unsigned, int),
		  void *irq_opaque)
{
	struct pci_space *s = &h->space;
	int ret;

	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->intx_lock, NULL);
	h->rl = (struct ratelimit)RATELIMIT_INIT;
	h->irq_line = irq_line;
	h->irq_opaque = irq_opaque;
	pci_host_layout_for(&h->layout, mem);

	s->pio = pio;
	s->mmio = mmio;
	s->mem = mem;
	s->io[s->nr_io++] = (struct pci_window){ 0, IO_WINDOW_LO_END };
	s->io[s->nr_io++] = (struct pci_window){ IO_WINDOW_HI_START, 0xffff };
	s->mem_win[s->nr_mem++] = (struct pci_window){ h->layout.mmio32_start, h->layout.mmio32_end };
	s->mem_win[s->nr_mem++] = (struct pci_window){ h->layout.mmio64_start, h->layout.mmio64_end };
	s->irq_line = intx_line;
	s->irq_opaque = h;
	h->next_mmio32 = h->layout.mmio32_start;
	h->next_io = IO_ASSIGN_START;

	/* 00:00.0, the host bridge: no BARs, no interrupt. */
	pci_dev_init(&h->bridge, "host-bridge", PCI_HOST_VENDOR, PCI_HOST_DEVICE, 0, 0x060000,
		     0x1af4, 0x1100);
	h->bridge.space = s;
	pci_dev_seal(&h->bridge);
	h->slot[0] = &h->bridge;

	if ((ret = bus_register(mmio, h->layout.ecam_base, h->layout.ecam_size, &ecam_ops, h,
				"pci-ecam")) < 0) {
		log_error("pci: ECAM at 0x%llx: %s", (unsigned long long)h->layout.ecam_base,
			  strerror(-ret));
		goto fail;
	}
	/* 0xCF9 is the reset register (acpi/pm.c): CONFIG_ADDRESS is claimed as one byte, the
	 * bus dispatches by start address so dword accesses still arrive here. */
	if ((ret = bus_register(pio, PORT_CONFIG_ADDRESS, 1, &ca_ops, h, "pci-config-address")) < 0) {
		bus_unregister(mmio, h->layout.ecam_base, h);
		log_error("pci: port 0x%x: %s", PORT_CONFIG_ADDRESS, strerror(-ret));
		goto fail;
	}
	if ((ret = bus_register(pio, PORT_CONFIG_DATA, 4, &cd_ops, h, "pci-config-data")) < 0) {
		bus_unregister(mmio, h->layout.ecam_base, h);
		bus_unregister(pio, PORT_CONFIG_ADDRESS, h);
		log_error("pci: port 0x%x: %s", PORT_CONFIG_DATA, strerror(-ret));
		goto fail;
	}
	h->registered = true;
	return 0;
fail:
	pci_dev_destroy(&h->bridge);
	pthread_mutex_destroy(&h->intx_lock);
	pthread_mutex_destroy(&h->lock);
	return ret;
}

void pci_host_destroy(struct pci_host *h)
{
	for (unsigned s = 1; s < PCI_SLOTS; s++)
		if (h->slot[s])
			pci_host_unplug(h, h->slot[s]);
	if (h->registered) {
		bus_unregister(h->space.mmio, h->layout.ecam_base, h);
		bus_unregister(h->space.pio, PORT_CONFIG_ADDRESS, h);
		bus_unregister(h->space.pio, PORT_CONFIG_DATA, h);
		h->registered = false;
	}
	pci_dev_destroy(&h->bridge);
	pthread_mutex_destroy(&h->intx_lock);
	pthread_mutex_destroy(&h->lock);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Firmware's job on a real machine: give every BAR an address in the windows. */
static int assign_bars(struct pci_host *h, struct pci_dev *d)
{
	uint64_t mmio = h->next_mmio32;
	uint32_t io = h->next_io;

	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = &d->bar[i];
		uint64_t at;

		switch (b->kind) {
		case PCI_BAR_IO:
			at = align_up(io, b->size);
			if (at + b->size - 1 > 0xffff)
				return -ENOSPC;
			io = (uint32_t)(at + b->size);
			break;
		case PCI_BAR_MEM32:
		case PCI_BAR_MEM64:
			at = align_up(mmio, b->size);
			if (at + b->size - 1 > h->layout.mmio32_end)
				return -ENOSPC;
			mmio = at + b->size;
			break;
		default:
			continue;
		}
		pci_dev_set_bar_addr(d, i, at);
	}
	h->next_mmio32 = mmio;
	h->next_io = io;
	return 0;
}

int pci_host_plug(struct pci_host *h, struct pci_dev *d, int slot, bool intx)
{
	int ret;

	pthread_mutex_lock(&h->lock);
	if (slot < 0) {
		for (slot = 1; slot < PCI_SLOTS && h->slot[slot]; slot++)
			;
		if (slot == PCI_SLOTS) {
			ret = -ENOSPC;
			goto out;
		}
	} else if (slot == 0 || slot >= PCI_SLOTS) {
		ret = -EINVAL;
		goto out;
	} else if (h->slot[slot]) {
		ret = -EBUSY;
		goto out;
	}
	if ((ret = assign_bars(h, d)) < 0)
		goto out;
	d->devfn = (uint8_t)(slot << 3);
	d->space = &h->space;
	if (intx)
		pci_dev_set_intx(d, 1, (int)pci_host_intx_gsi((unsigned)slot, 1));
	pci_dev_seal(d);
	h->slot[slot] = d;
	ret = slot;
out:
	pthread_mutex_unlock(&h->lock);
	return ret;
}

void pci_host_unplug(struct pci_host *h, struct pci_dev *d)
{
	pthread_mutex_lock(&h->lock);
	for (unsigned s = 1; s < PCI_SLOTS; s++)
		if (h->slot[s] == d)
			h->slot[s] = NULL;
	pthread_mutex_unlock(&h->lock);
}

void pci_host_reset(struct pci_host *h)
{
	pthread_mutex_lock(&h->lock);
	h->config_address = 0;
	for (unsigned s = 0; s < PCI_SLOTS; s++)
		if (h->slot[s])
			pci_dev_reset(h->slot[s]);
	pthread_mutex_unlock(&h->lock);
}

/* ---- ACPI --------------------------------------------------------------------------- */

int pci_host_build_mcfg(struct aml *body, const struct pci_host_layout *l)
{
	unsigned buses = (unsigned)(l->ecam_size >> 20);

	if (buses < 1 || buses > 256)
		return -EINVAL;
	aml_u64(body, 0);                  /* reserved */
	aml_u64(body, l->ecam_base);       /* configuration space base address allocation */
	aml_u16(body, 0);                  /* PCI segment group */
	aml_u8(body, 0);                   /* start bus */
	aml_u8(body, (uint8_t)(buses - 1)); /* end bus */
	aml_u32(body, 0);                  /* reserved */
	return aml_error(body);
}

/* Name (x, integer) */
static void name_int(struct aml *a, const char *name, uint64_t v)
{
	aml_name_decl(a, name);
	aml_int(a, v);
}

/* Or (name, bit, name) */
static void or_into(struct aml *a, const char *name, uint64_t bit)
{
	aml_or(a);
	aml_name(a, name);
	aml_int(a, bit);
	aml_name(a, name);
}

static void create_dword_field(struct aml *a, unsigned arg, unsigned index, const char *name)
{
	aml_create_dword_field(a);
	aml_arg(a, arg);
	aml_int(a, index);
	aml_name(a, name);
}

/*
 * _OSC (PCI Firmware 3.3 §4.5): Arg0 UUID, Arg1 revision, Arg2 count, Arg3 the buffer of
 * DWORDs {status, support, control}.  There is no firmware behind xkvm keeping any
 * PCIe feature for itself, so every control bit the OS asks for among those defined is
 * granted; unknown bits are masked (status bit 4), an unknown revision (bit 3) or UUID
 * (bit 2) is reported.
 */
static void build_osc(struct aml *a)
{
	aml_method(a, "_OSC", 4, AML_SERIALIZED);
	create_dword_field(a, 3, 0, "CDW1");
	aml_if(a);
	aml_lequal(a);
	aml_arg(a, 0);
	aml_buffer(a);
	aml_raw(a, osc_uuid, sizeof(osc_uuid));
	aml_close(a);
	{
		create_dword_field(a, 3, 4, "CDW2");
		create_dword_field(a, 3, 8, "CDW3");
		aml_store(a);
		aml_name(a, "CDW3");
		aml_local(a, 0);
		aml_and(a);
		aml_local(a, 0);
		aml_int(a, PCI_OSC_CONTROL_MASK);
		aml_local(a, 0);
		aml_if(a); /* revision 1 only */
		aml_lnot(a);
		aml_lequal(a);
		aml_arg(a, 1);
		aml_one(a);
		or_into(a, "CDW1", 0x08);
		aml_close(a);
		aml_if(a); /* capabilities masked */
		aml_lnot(a);
		aml_lequal(a);
		aml_name(a, "CDW3");
		aml_local(a, 0);
		or_into(a, "CDW1", 0x10);
		aml_close(a);
		aml_store(a);
		aml_local(a, 0);
		aml_name(a, "CDW3");
	}
	aml_close(a);
	aml_else(a);
	or_into(a, "CDW1", 0x04); /* unrecognized UUID */
	aml_close(a);
	aml_return(a);
	aml_arg(a, 3);
	aml_close(a);
}

/* _PRT: INTA..INTD of every slot to its GSI (the Source field Zero: a GSI). */
static void build_prt(struct aml *a)
{
	aml_name_decl(a, "_PRT");
	aml_package(a, PCI_SLOTS * 4);
	for (unsigned slot = 0; slot < PCI_SLOTS; slot++)
		for (unsigned pin = 0; pin < 4; pin++) {
			aml_package(a, 4);
			aml_int(a, (uint64_t)slot << 16 | 0xffff);
			aml_int(a, pin);
			aml_zero(a);
			aml_int(a, pci_host_intx_gsi(slot, pin + 1));
			aml_close(a);
		}
	aml_close(a);
}

int pci_host_build_dsdt(struct aml *a, const struct pci_host_layout *l)
{
	unsigned buses = (unsigned)(l->ecam_size >> 20);

	if (buses < 1 || buses > 256 || l->ecam_base + l->ecam_size > LAYOUT_4G)
		return -EINVAL;
	aml_scope(a, "\\_SB");
	aml_device(a, "PCI0");
	aml_name_decl(a, "_HID");
	aml_eisaid(a, "PNP0A08");
	aml_name_decl(a, "_CID");
	aml_eisaid(a, "PNP0A03");
	name_int(a, "_SEG", 0);
	name_int(a, "_BBN", 0);
	name_int(a, "_UID", 0);
	name_int(a, "_CBA", l->ecam_base);

	aml_name_decl(a, "_CRS");
	aml_resources(a);
	aml_word_bus_number(a, 0, (uint16_t)(buses - 1));
	aml_io(a, true, PORT_CONFIG_ADDRESS, PORT_CONFIG_ADDRESS, 1, 8);
	aml_dword_io(a, 0, IO_WINDOW_LO_END);
	aml_dword_io(a, IO_WINDOW_HI_START, 0xffff);
	aml_dword_memory(a, AML_NON_CACHEABLE, true, l->mmio32_start, l->mmio32_end);
	if (l->mmio64_start)
		aml_qword_memory(a, AML_NON_CACHEABLE, true, l->mmio64_start, l->mmio64_end);
	aml_close(a);

	build_osc(a);
	build_prt(a);

	/* The ECAM window, as a motherboard resource (PCI Firmware 3.3 §4.1.2). */
	aml_device(a, "RES0");
	aml_name_decl(a, "_HID");
	aml_eisaid(a, "PNP0C02");
	aml_name_decl(a, "_CRS");
	aml_resources(a);
	aml_memory32_fixed(a, true, (uint32_t)l->ecam_base, (uint32_t)l->ecam_size);
	aml_close(a);
	aml_close(a); /* RES0 */

	aml_close(a); /* PCI0 */
	aml_close(a); /* \_SB */
	return aml_error(a);
}

/* ---- the VM ------------------------------------------------------------------------- */

static int vm_intx(void *opaque, unsigned gsi, int level)
{
	return vm_irq_line(opaque, gsi, level);
}

static void host_reset(void *opaque)
{
	pci_host_reset(opaque);
}

static void host_destroy(void *opaque)
{
	struct pci_host *h = opaque;

	pci_host_destroy(h);
	free(h);
}

int pci_host_create(struct vm *vm)
{
	struct pci_host *h = calloc(1, sizeof(*h));
	int ret;

	if (!h)
		return -ENOMEM;
	if ((ret = pci_host_init(h, &vm->pio, &vm->mmio, &vm->mem, vm_intx, vm)) < 0) {
		free(h);
		return ret;
	}
	h->trace = &vm->trace;
	if ((ret = vm_add_device(vm, "pci-host", h, host_reset, host_destroy)) < 0) {
		pci_host_destroy(h);
		free(h);
		return ret;
	}
	vm->pci = h;
	return 0;
}

static int dsdt_part(struct aml *dsdt, void *opaque)
{
	struct pci_host *h = opaque;
	return pci_host_build_dsdt(dsdt, &h->layout);
}

static int mcfg_part(struct aml *body, void *opaque)
{
	struct pci_host *h = opaque;
	return pci_host_build_mcfg(body, &h->layout);
}

int pci_host_install_acpi(struct pci_host *h, struct acpi *acpi)
{
	const struct acpi_table_part mcfg = { "MCFG", 1, mcfg_part, h };
	const struct acpi_dsdt_part dsdt = { "pci-host", dsdt_part, h };
	int ret;

	if ((ret = acpi_add_table_part(acpi, &mcfg)) < 0)
		return ret;
	return acpi_add_dsdt_part(acpi, &dsdt);
}
