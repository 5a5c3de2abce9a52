/* SPDX-License-Identifier: GPL-2.0-only */
/* A PCI function's configuration space: header, capabilities, BARs, INTx. */
#include "pci/config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

/* Command bits the guest may change: I/O and memory decode, bus master, parity and SERR
 * reporting, INTx disable.  The rest are hardwired to 0 (no VGA snoop, no MWI, ...). */
#define CMD_WMASK (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
		   PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)
/* Status error bits are RW1C: master data parity error, signalled/received aborts,
 * signalled system error, detected parity error.  We never set them. */
#define STATUS_W1C (PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | \
		    PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT | \
		    PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)

static const char *const kind_name[] = {
	[PCI_BAR_NONE] = "none", [PCI_BAR_IO] = "io", [PCI_BAR_MEM32] = "mem32",
	[PCI_BAR_MEM64] = "mem64",
};

/* ---- byte helpers ------------------------------------------------------------------- */

void pci_cfg_set8(struct pci_dev *d, unsigned off, uint8_t v)
{
	if (off < PCI_CFG_SIZE)
		d->cfg[off] = v;
}

void pci_cfg_set16(struct pci_dev *d, unsigned off, uint16_t v)
{
	pci_cfg_set8(d, off, (uint8_t)v);
	pci_cfg_set8(d, off + 1, (uint8_t)(v >> 8));
}

void pci_cfg_set32(struct pci_dev *d, unsigned off, uint32_t v)
{
	pci_cfg_set16(d, off, (uint16_t)v);
	pci_cfg_set16(d, off + 2, (uint16_t)(v >> 16));
}

void pci_cfg_set_wmask(struct pci_dev *d, unsigned off, unsigned len, uint32_t mask)
{
	for (unsigned i = 0; i < len && i < 4 && off + i < PCI_CFG_SIZE; i++)
		d->wmask[off + i] = (uint8_t)(mask >> (8 * i));
}

uint16_t pci_cfg_get16(const struct pci_dev *d, unsigned off)
{
	return (uint16_t)(d->cfg[off] | d->cfg[off + 1] << 8);
}

uint32_t pci_cfg_get32(const struct pci_dev *d, unsigned off)
{
	return (uint32_t)pci_cfg_get16(d, off) | (uint32_t)pci_cfg_get16(d, off + 2) << 16;
}

static void set_w1c16(struct pci_dev *d, unsigned off, uint16_t mask)
{
	d->w1c[off] = (uint8_t)mask;
	d->w1c[off + 1] = (uint8_t)(mask >> 8);
}

/* "00:02.0 (virtio-blk0)" */
#define DEV_FMT "pci 00:%02x.%u (%s)"
#define DEV_ARGS(d) (d)->devfn >> 3, (d)->devfn & 7, (d)->name

/* ---- set-up ------------------------------------------------------------------------- */

void pci_dev_init(struct pci_dev *d, const char *name, uint16_t vendor, uint16_t device,
		  uint8_t revision, uint32_t class_code, uint16_t subsys_vendor, uint16_t subsys)
{
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->rl = (struct ratelimit)RATELIMIT_INIT;
	d->intx_gsi = -1;
	d->cap_free = PCI_CAP_START;
	pthread_mutex_init(&d->intx_lock, NULL);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		d->bar[i].mapped_at = d->bar[i].refused_at = PCI_BAR_UNMAPPED;

	pci_cfg_set16(d, PCI_VENDOR_ID, vendor);
	pci_cfg_set16(d, PCI_DEVICE_ID, device);
	pci_cfg_set_wmask(d, PCI_COMMAND, 2, CMD_WMASK);
	set_w1c16(d, PCI_STATUS, STATUS_W1C);
	pci_cfg_set8(d, PCI_REVISION_ID, revision);
	pci_cfg_set8(d, PCI_CLASS_PROG, (uint8_t)class_code);
	pci_cfg_set16(d, PCI_CLASS_DEVICE, (uint16_t)(class_code >> 8));
	pci_cfg_set_wmask(d, PCI_CACHE_LINE_SIZE, 1, 0xff);
	pci_cfg_set8(d, PCI_HEADER_TYPE, PCI_HEADER_TYPE_NORMAL);
	pci_cfg_set16(d, PCI_SUBSYSTEM_VENDOR_ID, subsys_vendor);
	pci_cfg_set16(d, PCI_SUBSYSTEM_ID, subsys);
	/* Interrupt Line: a scratch register for the OS. */
	pci_cfg_set_wmask(d, PCI_INTERRUPT_LINE, 1, 0xff);
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int pci_dev_add_bar(struct pci_dev *d, unsigned bar, enum pci_bar_kind kind, bool prefetchable,
		    uint64_t size, const struct bus_ops *ops, void *opaque, const char *name)
{
	unsigned off = PCI_BASE_ADDRESS_0 + 4 * bar;
	uint32_t flags = 0;
	uint64_t mask;

	if (bar >= PCI_NUM_BARS || d->bar[bar].kind != PCI_BAR_NONE || !is_pow2(size) || !ops)
		return -EINVAL;
	switch (kind) {
	case PCI_BAR_IO:
		if (size < 4 || size > 256 || prefetchable)
			return -EINVAL;
		flags = PCI_BASE_ADDRESS_SPACE_IO;
		/* x86 I/O space is 64 KiB: bits 31:16 are hardwired to 0. */
		mask = ~(size - 1) & 0xfffc;
		break;
	case PCI_BAR_MEM32:
		if (size < 16 || size > (1ull << 31))
			return -EINVAL;
		flags = PCI_BASE_ADDRESS_MEM_TYPE_32;
		mask = ~(size - 1) & 0xfffffff0;
		break;
	case PCI_BAR_MEM64:
		if (size < 16 || bar == PCI_NUM_BARS - 1 || d->bar[bar + 1].kind != PCI_BAR_NONE ||
		    size > (1ull << 48))
			return -EINVAL;
		flags = PCI_BASE_ADDRESS_MEM_TYPE_64;
		mask = ~(size - 1) & ~0xfull;
		break;
	default:
		return -EINVAL;
	}
	if (prefetchable)
		flags |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	d->bar[bar] = (struct pci_bar){
		.kind = kind, .prefetchable = prefetchable, .size = size, .ops = ops,
		.opaque = opaque, .name = name, .mapped_at = PCI_BAR_UNMAPPED,
		.refused_at = PCI_BAR_UNMAPPED,
	};
	pci_cfg_set32(d, off, flags);
	pci_cfg_set_wmask(d, off, 4, (uint32_t)mask);
	if (kind == PCI_BAR_MEM64)
		pci_cfg_set_wmask(d, off + 4, 4, (uint32_t)(mask >> 32));
	return 0;
}

uint64_t pci_dev_bar_addr(const struct pci_dev *d, unsigned bar)
{
	unsigned off = PCI_BASE_ADDRESS_0 + 4 * bar;
	uint32_t lo = pci_cfg_get32(d, off);

	switch (d->bar[bar].kind) {
	case PCI_BAR_IO:
		return lo & PCI_BASE_ADDRESS_IO_MASK;
	case PCI_BAR_MEM32:
		return lo & PCI_BASE_ADDRESS_MEM_MASK;
	case PCI_BAR_MEM64:
		return (uint64_t)pci_cfg_get32(d, off + 4) << 32 | (lo & PCI_BASE_ADDRESS_MEM_MASK);
	default:
		return 0;
	}
}

void pci_dev_set_bar_addr(struct pci_dev *d, unsigned bar, uint64_t addr)
{
	unsigned off = PCI_BASE_ADDRESS_0 + 4 * bar;
	uint32_t lo_mask = pci_cfg_get32(d, off), wm = 0;

	if (bar >= PCI_NUM_BARS || d->bar[bar].kind == PCI_BAR_NONE)
		return;
	for (unsigned i = 0; i < 4; i++)
		wm |= (uint32_t)d->wmask[off + i] << (8 * i);
	pci_cfg_set32(d, off, (lo_mask & ~wm) | ((uint32_t)addr & wm));
	if (d->bar[bar].kind == PCI_BAR_MEM64) {
		uint32_t hm = 0;
		for (unsigned i = 0; i < 4; i++)
			hm |= (uint32_t)d->wmask[off + 4 + i] << (8 * i);
		pci_cfg_set32(d, off + 4, (uint32_t)(addr >> 32) & hm);
	}
}

int pci_dev_add_cap(struct pci_dev *d, uint8_t id, unsigned len)
{
	unsigned off = d->cap_free;

	if (len < 4 || len % 4 || off + len > PCI_CFG_SIZE)
		return -ENOSPC;
	d->cfg[off] = id;
	d->cfg[off + 1] = 0;
	if (d->cap_last)
		d->cfg[d->cap_last + 1] = (uint8_t)off;
	else
		d->cfg[PCI_CAPABILITY_LIST] = (uint8_t)off;
	d->cap_last = (uint8_t)off;
	d->cap_free = (uint16_t)(off + len);
	pci_cfg_set16(d, PCI_STATUS, pci_cfg_get16(d, PCI_STATUS) | PCI_STATUS_CAP_LIST);
	return (int)off;
}

int pci_dev_add_handler(struct pci_dev *d, const struct pci_cfg_handler *h)
{
	if (d->nr_handlers == PCI_MAX_HANDLERS)
		return -ENOSPC;
	if (h->start < PCI_CAP_START || h->len == 0 || h->start % 2 || h->len % 2 ||
	    h->start + h->len > PCI_CFG_SIZE || !h->read || !h->write)
		return -EINVAL;
	for (unsigned i = 0; i < d->nr_handlers; i++) {
		const struct pci_cfg_handler *o = &d->handler[i];
		if (h->start < o->start + o->len && o->start < h->start + h->len)
			return -EINVAL;
	}
	d->handler[d->nr_handlers++] = *h;
	return 0;
}

void pci_dev_set_intx(struct pci_dev *d, uint8_t pin, int gsi)
{
	pci_cfg_set8(d, PCI_INTERRUPT_PIN, pin);
	d->intx_gsi = pin ? gsi : -1;
}

void pci_dev_seal(struct pci_dev *d)
{
	memcpy(d->reset_cfg, d->cfg, sizeof(d->cfg));
}

/* ---- BAR decode --------------------------------------------------------------------- */

static bool in_windows(const struct pci_window *w, unsigned n, uint64_t start, uint64_t last)
{
	for (unsigned i = 0; i < n; i++)
		if (start >= w[i].start && last <= w[i].end)
			return true;
	return false;
}

int pci_space_check(const struct pci_space *s, enum pci_bar_kind kind, uint64_t addr,
		    uint64_t size)
{
	uint64_t last = addr + size - 1;

	if (!size || last < addr)
		return -EINVAL;
	if (kind == PCI_BAR_IO)
		return in_windows(s->io, s->nr_io, addr, last) ? 0 : -ERANGE;
	if (s->mem) {
		for (unsigned i = 0; i < s->mem->nr_regions; i++) {
			const struct gm_region *r = &s->mem->region[i];
			if (addr < r->gpa + r->size && r->gpa <= last)
				return -EADDRINUSE;
		}
	}
	return in_windows(s->mem_win, s->nr_mem, addr, last) ? 0 : -ERANGE;
}

static const char *refusal(int err)
{
	switch (err) {
	case -EADDRINUSE: return "it overlaps guest RAM";
	case -ERANGE: return "it is outside the host bridge's windows";
	case -EBUSY: return "it overlaps another device";
	case -EINVAL: return "it wraps around the address space";
	default: return strerror(-err);
	}
}

static void log_refusal(struct pci_dev *d, unsigned i, uint64_t addr, int err)
{
	struct pci_bar *b = &d->bar[i];

	if (b->refused_at == addr)
		return; /* said once for this placement */
	b->refused_at = addr;
	log_guest(&d->rl, DEV_FMT ": BAR %u (%s, %" PRIu64 " bytes) at 0x%" PRIx64 " does not "
		  "decode: %s", DEV_ARGS(d), i, kind_name[b->kind], b->size, addr, refusal(err));
}

static void update_bar(struct pci_dev *d, unsigned i, uint16_t cmd)
{
	struct pci_bar *b = &d->bar[i];
	struct bus *bus = b->kind == PCI_BAR_IO ? d->space->pio : d->space->mmio;
	bool enabled = b->kind == PCI_BAR_IO ? cmd & PCI_COMMAND_IO : cmd & PCI_COMMAND_MEMORY;
	uint64_t addr = pci_dev_bar_addr(d, i), want = PCI_BAR_UNMAPPED, was = b->mapped_at;
	int ret = 0;

	if (enabled && (ret = pci_space_check(d->space, b->kind, addr, b->size)) == 0)
		want = addr;
	if (want != b->mapped_at) {
		if (b->mapped_at != PCI_BAR_UNMAPPED) {
			bus_unregister(bus, b->mapped_at, b->opaque);
			b->mapped_at = PCI_BAR_UNMAPPED;
		}
		if (want != PCI_BAR_UNMAPPED) {
			ret = bus_register(bus, want, b->size, b->ops, b->opaque, b->name);
			if (ret == 0)
				b->mapped_at = want;
		}
	}
	if (ret < 0)
		log_refusal(d, i, addr, ret);
	else
		b->refused_at = PCI_BAR_UNMAPPED;
	if (b->mapped_at != was && d->ops && d->ops->bar_moved)
		d->ops->bar_moved(d->opaque, i, b->mapped_at);
}

void pci_dev_update_mappings(struct pci_dev *d)
{
	uint16_t cmd = pci_cfg_get16(d, PCI_COMMAND);

	if (!d->space)
		return;
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		if (d->bar[i].kind != PCI_BAR_NONE)
			update_bar(d, i, cmd);
}

/* ---- INTx --------------------------------------------------------------------------- */

/* intx_lock held. */
static void intx_update(struct pci_dev *d)
{
	bool assert = d->intx_level && !d->intx_disabled && d->intx_gsi >= 0;

	if (assert == d->intx_asserted)
		return;
	d->intx_asserted = assert;
	if (d->space && d->space->irq_line)
		d->space->irq_line(d->space->irq_opaque, (unsigned)d->intx_gsi, assert);
}

/* Command.InterruptDisable changed (or may have): host lock held. */
static void intx_sync_command(struct pci_dev *d)
{
	pthread_mutex_lock(&d->intx_lock);
	d->intx_disabled = pci_cfg_get16(d, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE;
	intx_update(d);
	pthread_mutex_unlock(&d->intx_lock);
}

void pci_set_irq(struct pci_dev *d, bool level)
{
	pthread_mutex_lock(&d->intx_lock);
	d->intx_level = level;
	intx_update(d);
	pthread_mutex_unlock(&d->intx_lock);
}

bool pci_intx_asserted(struct pci_dev *d)
{
	bool a;

	pthread_mutex_lock(&d->intx_lock);
	a = d->intx_asserted;
	pthread_mutex_unlock(&d->intx_lock);
	return a;
}

/* ---- guest accesses ----------------------------------------------------------------- */

static const struct pci_cfg_handler *handler_at(const struct pci_dev *d, unsigned off)
{
	for (unsigned i = 0; i < d->nr_handlers; i++)
		if (off >= d->handler[i].start && off < d->handler[i].start + d->handler[i].len)
			return &d->handler[i];
	return NULL;
}

/* The run of bytes from `off` (at most `left`) with the same owner as `off`. */
static unsigned run_len(const struct pci_dev *d, unsigned off, unsigned left,
			const struct pci_cfg_handler **h)
{
	unsigned n = 1;

	*h = handler_at(d, off);
	while (n < left && handler_at(d, off + n) == *h)
		n++;
	return n;
}

static bool access_ok(struct pci_dev *d, unsigned off, unsigned size, bool write)
{
	if ((size == 1 || size == 2 || size == 4) && off % size == 0 && off + size <= PCI_CFG_EXT_SIZE)
		return true;
	__atomic_add_fetch(&d->bad_accesses, 1, __ATOMIC_RELAXED);
	log_guest(&d->rl, DEV_FMT ": %u-byte config %s at 0x%x ignored (not a naturally aligned "
		  "access of 1, 2 or 4 bytes)", DEV_ARGS(d), size, write ? "write" : "read", off);
	return false;
}

static uint8_t cfg_byte(struct pci_dev *d, unsigned off)
{
	uint8_t v = d->cfg[off];

	/* Status bit 3: the function's INTx output, whatever Interrupt Disable says. */
	if (off == PCI_STATUS && d->intx_gsi >= 0) {
		pthread_mutex_lock(&d->intx_lock);
		v = (uint8_t)((v & ~PCI_STATUS_INTERRUPT) | (d->intx_level ? PCI_STATUS_INTERRUPT : 0));
		pthread_mutex_unlock(&d->intx_lock);
	}
	return v;
}

uint32_t pci_cfg_read(struct pci_dev *d, unsigned off, unsigned size)
{
	uint32_t val = 0;

	if (!access_ok(d, off, size, false))
		return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	if (off >= PCI_CFG_SIZE)
		return 0; /* no extended capabilities: the list header at 0x100 is all zero */
	for (unsigned i = 0; i < size;) {
		const struct pci_cfg_handler *h;
		unsigned n = run_len(d, off + i, size - i, &h);
		uint32_t part = 0;

		if (h) {
			part = h->read(h->opaque, off + i - h->start, n);
		} else {
			for (unsigned j = 0; j < n; j++)
				part |= (uint32_t)cfg_byte(d, off + i + j) << (8 * j);
		}
		if (n < 4)
			part &= (1u << (8 * n)) - 1;
		val |= part << (8 * i);
		i += n;
	}
	return val;
}

void pci_cfg_write(struct pci_dev *d, unsigned off, unsigned size, uint32_t val)
{
	bool cmd_touched = false, bar_touched = false;

	if (!access_ok(d, off, size, true) || off >= PCI_CFG_SIZE)
		return;
	for (unsigned i = 0; i < size;) {
		const struct pci_cfg_handler *h;
		unsigned n = run_len(d, off + i, size - i, &h);
		uint32_t part = val >> (8 * i);

		if (n < 4)
			part &= (1u << (8 * n)) - 1;
		if (h) {
			h->write(h->opaque, off + i - h->start, n, part);
		} else {
			for (unsigned j = 0; j < n; j++) {
				unsigned o = off + i + j;
				uint8_t b = (uint8_t)(part >> (8 * j));
				uint8_t nv = (uint8_t)((d->cfg[o] & ~d->wmask[o]) | (b & d->wmask[o]));

				nv &= (uint8_t)~(b & d->w1c[o]);
				d->cfg[o] = nv;
				cmd_touched |= o == PCI_COMMAND || o == PCI_COMMAND + 1;
				bar_touched |= o >= PCI_BASE_ADDRESS_0 && o < PCI_BASE_ADDRESS_5 + 4;
			}
		}
		i += n;
	}
	if (cmd_touched || bar_touched)
		pci_dev_update_mappings(d);
	if (cmd_touched) {
		intx_sync_command(d);
		if (d->ops && d->ops->command)
			d->ops->command(d->opaque, pci_cfg_get16(d, PCI_COMMAND));
	}
}

/* ---- reset and teardown ------------------------------------------------------------- */

void pci_dev_reset(struct pci_dev *d)
{
	memcpy(d->cfg, d->reset_cfg, sizeof(d->cfg));
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		d->bar[i].refused_at = PCI_BAR_UNMAPPED;
	pci_dev_update_mappings(d);
	pthread_mutex_lock(&d->intx_lock);
	d->intx_level = false;
	pthread_mutex_unlock(&d->intx_lock);
	intx_sync_command(d);
}

void pci_dev_destroy(struct pci_dev *d)
{
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *b = &d->bar[i];
		if (b->kind == PCI_BAR_NONE || b->mapped_at == PCI_BAR_UNMAPPED)
			continue;
		bus_unregister(b->kind == PCI_BAR_IO ? d->space->pio : d->space->mmio, b->mapped_at,
			       b->opaque);
		b->mapped_at = PCI_BAR_UNMAPPED;
	}
	pthread_mutex_lock(&d->intx_lock);
	d->intx_level = false;
	intx_update(d);
	pthread_mutex_unlock(&d->intx_lock);
	pthread_mutex_destroy(&d->intx_lock);
}
