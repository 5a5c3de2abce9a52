/* SPDX-License-Identifier: GPL-2.0-only */
/* PCI config space and the host bridge, over real buses and guest RAM, without KVM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/aml.h"
#include "arch/x86/layout.h"
#include "pci/host.h"

/* A device whose BARs answer with their BAR number and offset. */
struct tdev {
	struct pci_dev pci;
	unsigned moved[PCI_NUM_BARS];
	uint64_t moved_to[PCI_NUM_BARS];
	uint64_t last_write_off, last_write_val;
	uint16_t last_cmd;
	unsigned cmd_calls;
	uint8_t cap_reg[8];
	unsigned cap_reads, cap_writes;
};

static uint64_t bar_read(void *opaque, struct vcpu *v, uint64_t off, unsigned size)
{
	(void)opaque;
	(void)v;
	(void)size;
	return 0xba000000u | off;
}

static void bar_write(void *opaque, struct vcpu *v, uint64_t off, unsigned size, uint64_t val)
{
	struct tdev *t = opaque;
	(void)v;
	(void)size;
	t->last_write_off = off;
	t->last_write_val = val;
}

static const struct bus_ops tbar_ops = { bar_read, bar_write };

static void t_bar_moved(void *opaque, unsigned bar, uint64_t addr)
{
	struct tdev *t = opaque;
	t->moved[bar]++;
	t->moved_to[bar] = addr;
}

static void t_command(void *opaque, uint16_t cmd)
{
	struct tdev *t = opaque;
	t->last_cmd = cmd;
	t->cmd_calls++;
}

static const struct pci_dev_ops tdev_ops = { t_bar_moved, t_command };

static uint32_t cap_read(void *opaque, unsigned off, unsigned size)
{
	struct tdev *t = opaque;
	uint32_t v = 0;

	t->cap_reads++;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)t->cap_reg[off + i] << (8 * i);
	return v;
}

static void cap_write(void *opaque, unsigned off, unsigned size, uint32_t val)
{
	struct tdev *t = opaque;

	t->cap_writes++;
	for (unsigned i = 0; i < size; i++)
		t->cap_reg[off + i] = (uint8_t)(val >> (8 * i));
}

struct lines {
	int level[24];
	unsigned calls;
};

static int line(void *opaque, unsigned gsi, int level)
{
	struct lines *l = opaque;
	l->level[gsi] = level;
	l->calls++;
	return 0;
}

struct world {
	struct bus pio, mmio;
	struct guest_mem mem;
	struct pci_host host;
	struct lines lines;
};

static struct world *world_new(uint64_t ram)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	bus_init(&w->pio, "pio");
	bus_init(&w->mmio, "mmio");
	assert_int_equal(gm_init(&w->mem, ram, LAYOUT_LOWMEM_END), 0);
	assert_int_equal(pci_host_init(&w->host, &w->pio, &w->mmio, &w->mem, line, &w->lines), 0);
	return w;
}

static void world_free(struct world *w)
{
	pci_host_destroy(&w->host);
	assert_int_equal(w->mmio.nr, 0); /* everything unregistered */
	assert_int_equal(w->pio.nr, 0);
	gm_destroy(&w->mem);
	bus_destroy(&w->pio);
	bus_destroy(&w->mmio);
	free(w);
}

/* A device: BAR0 mem32 4 KiB, BAR2 mem64 16 KiB prefetchable, BAR4 I/O 32 bytes. */
static void tdev_init(struct tdev *t)
{
	memset(t, 0, sizeof(*t));
	pci_dev_init(&t->pci, "tdev", 0x1af4, 0x1042, 1, 0x010000, 0x1af4, 0x1100);
	t->pci.ops = &tdev_ops;
	t->pci.opaque = t;
	assert_int_equal(pci_dev_add_bar(&t->pci, 0, PCI_BAR_MEM32, false, 0x1000, &tbar_ops, t, "t0"), 0);
	assert_int_equal(pci_dev_add_bar(&t->pci, 2, PCI_BAR_MEM64, true, 0x4000, &tbar_ops, t, "t2"), 0);
	assert_int_equal(pci_dev_add_bar(&t->pci, 4, PCI_BAR_IO, false, 32, &tbar_ops, t, "t4"), 0);
}

static uint32_t ecam_rd(struct world *w, unsigned devfn, unsigned reg, unsigned size)
{
	uint64_t v;
	bus_read(&w->mmio, NULL, LAYOUT_ECAM_START + ((uint64_t)devfn << 12) + reg, size, &v);
	return (uint32_t)v;
}

static void ecam_wr(struct world *w, unsigned devfn, unsigned reg, unsigned size, uint32_t v)
{
	bus_write(&w->mmio, NULL, LAYOUT_ECAM_START + ((uint64_t)devfn << 12) + reg, size, v);
}

static uint64_t mmio_rd(struct world *w, uint64_t addr)
{
	uint64_t v;
	bus_read(&w->mmio, NULL, addr, 4, &v);
	return v;
}

static void test_bad_arguments(void **state)
{
	struct pci_dev d;

	(void)state;
	pci_dev_init(&d, "d", 1, 2, 0, 0, 0, 0);
	assert_int_equal(pci_dev_add_bar(&d, 6, PCI_BAR_MEM32, false, 4096, &tbar_ops, NULL, "x"), -EINVAL);
	assert_int_equal(pci_dev_add_bar(&d, 0, PCI_BAR_MEM32, false, 4095, &tbar_ops, NULL, "x"), -EINVAL);
	assert_int_equal(pci_dev_add_bar(&d, 0, PCI_BAR_MEM32, false, 8, &tbar_ops, NULL, "x"), -EINVAL);
	assert_int_equal(pci_dev_add_bar(&d, 0, PCI_BAR_IO, false, 512, &tbar_ops, NULL, "x"), -EINVAL);
	assert_int_equal(pci_dev_add_bar(&d, 0, PCI_BAR_IO, true, 16, &tbar_ops, NULL, "x"), -EINVAL);
	assert_int_equal(pci_dev_add_bar(&d, 5, PCI_BAR_MEM64, false, 4096, &tbar_ops, NULL, "x"), -EINVAL);
	assert_int_equal(pci_dev_add_bar(&d, 1, PCI_BAR_MEM32, false, 4096, &tbar_ops, NULL, "x"), 0);
	assert_int_equal(pci_dev_add_bar(&d, 0, PCI_BAR_MEM64, false, 4096, &tbar_ops, NULL, "x"), -EINVAL);
	assert_int_equal(pci_dev_add_bar(&d, 1, PCI_BAR_MEM32, false, 4096, &tbar_ops, NULL, "x"), -EINVAL);
	/* Handlers: not in the header, not overlapping, even. */
	struct pci_cfg_handler h = { 0x3c, 4, cap_read, cap_write, NULL };
	assert_int_equal(pci_dev_add_handler(&d, &h), -EINVAL);
	h.start = 0x41;
	assert_int_equal(pci_dev_add_handler(&d, &h), -EINVAL);
	h.start = 0x40;
	assert_int_equal(pci_dev_add_handler(&d, &h), 0);
	h.start = 0x42;
	assert_int_equal(pci_dev_add_handler(&d, &h), -EINVAL);
	h.start = 0xfe;
	assert_int_equal(pci_dev_add_handler(&d, &h), -EINVAL);
	pci_dev_destroy(&d);
}

static void test_header(void **state)
{
	struct world *w = world_new(64 << 20);
	struct tdev t;
	int slot;

	(void)state;
	tdev_init(&t);
	slot = pci_host_plug(&w->host, &t.pci, -1, true);
	assert_int_equal(slot, 1);
	unsigned df = (unsigned)slot << 3;

	/* The host bridge at 00:00.0. */
	assert_int_equal(ecam_rd(w, 0, PCI_VENDOR_ID, 4), PCI_HOST_DEVICE << 16 | PCI_HOST_VENDOR);
	assert_int_equal(ecam_rd(w, 0, PCI_CLASS_REVISION, 4) >> 8, 0x060000);
	assert_int_equal(ecam_rd(w, 0, PCI_INTERRUPT_PIN, 1), 0);
	assert_int_equal(ecam_rd(w, 0, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);

	assert_int_equal(ecam_rd(w, df, PCI_VENDOR_ID, 2), 0x1af4);
	assert_int_equal(ecam_rd(w, df, PCI_DEVICE_ID, 2), 0x1042);
	assert_int_equal(ecam_rd(w, df, PCI_REVISION_ID, 1), 1);
	assert_int_equal(ecam_rd(w, df, PCI_CLASS_REVISION, 4), 0x01000001);
	assert_int_equal(ecam_rd(w, df, PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(ecam_rd(w, df, PCI_SUBSYSTEM_VENDOR_ID, 4), 0x11001af4);
	assert_int_equal(ecam_rd(w, df, PCI_INTERRUPT_PIN, 1), 1);
	assert_int_equal(ecam_rd(w, df, PCI_ROM_ADDRESS, 4), 0);

	/* Read-only registers ignore writes. */
	ecam_wr(w, df, PCI_VENDOR_ID, 4, 0x12345678);
	ecam_wr(w, df, PCI_CLASS_REVISION, 4, 0xffffffff);
	ecam_wr(w, df, PCI_INTERRUPT_PIN, 1, 3);
	ecam_wr(w, df, PCI_ROM_ADDRESS, 4, 0xffffffff);
	assert_int_equal(ecam_rd(w, df, PCI_VENDOR_ID, 4), 0x10421af4);
	assert_int_equal(ecam_rd(w, df, PCI_CLASS_REVISION, 4), 0x01000001);
	assert_int_equal(ecam_rd(w, df, PCI_INTERRUPT_PIN, 1), 1);
	assert_int_equal(ecam_rd(w, df, PCI_ROM_ADDRESS, 4), 0); /* no expansion ROM */
	/* Interrupt Line and Cache Line Size are the OS's scratch. */
	ecam_wr(w, df, PCI_INTERRUPT_LINE, 1, 0x5a);
	ecam_wr(w, df, PCI_CACHE_LINE_SIZE, 1, 0x10);
	assert_int_equal(ecam_rd(w, df, PCI_INTERRUPT_LINE, 1), 0x5a);
	assert_int_equal(ecam_rd(w, df, PCI_CACHE_LINE_SIZE, 1), 0x10);

	/* Command: only the implemented bits stick. */
	ecam_wr(w, df, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(ecam_rd(w, df, PCI_COMMAND, 2), 0x0547);
	assert_int_equal(t.last_cmd, 0x0547);
	ecam_wr(w, df, PCI_COMMAND, 2, 0);

	/* Status: error bits are RW1C; others read-only. */
	t.pci.cfg[PCI_STATUS + 1] |= PCI_STATUS_DETECTED_PARITY >> 8 | PCI_STATUS_SIG_SYSTEM_ERROR >> 8;
	ecam_wr(w, df, PCI_STATUS, 2, PCI_STATUS_SIG_SYSTEM_ERROR);
	assert_int_equal(ecam_rd(w, df, PCI_STATUS, 2) & 0xf900, PCI_STATUS_DETECTED_PARITY);
	ecam_wr(w, df, PCI_STATUS, 2, 0xffff);
	assert_int_equal(ecam_rd(w, df, PCI_STATUS, 2) & 0xf900, 0);

	/* Extended config space: zero, no capabilities there. */
	assert_int_equal(ecam_rd(w, df, 0x100, 4), 0);
	ecam_wr(w, df, 0x100, 4, 0xffffffff);
	assert_int_equal(ecam_rd(w, df, 0x100, 4), 0);
	assert_int_equal(ecam_rd(w, df, 0xffc, 4), 0);

	/* Bad accesses: misaligned, 8 bytes. */
	assert_int_equal(ecam_rd(w, df, 1, 2), 0xffff);
	assert_int_equal(ecam_rd(w, df, 2, 4), 0xffffffff);
	uint64_t v;
	bus_read(&w->mmio, NULL, LAYOUT_ECAM_START + ((uint64_t)df << 12), 8, &v);
	assert_true(v == ~0ull);
	assert_true(t.pci.bad_accesses >= 2);

	/* Nothing there: all-ones, writes dropped. */
	assert_int_equal(ecam_rd(w, 2 << 3, 0, 4), 0xffffffff);
	assert_int_equal(ecam_rd(w, df | 1, 0, 4), 0xffffffff);     /* function 1 */
	bus_read(&w->mmio, NULL, LAYOUT_ECAM_START + (1 << 20), 4, &v); /* bus 1 */
	assert_int_equal(v, 0xffffffff);
	ecam_wr(w, 2 << 3, PCI_COMMAND, 2, 7);

	assert_int_equal(pci_host_plug(&w->host, &t.pci, 1, true), -EBUSY);
	assert_int_equal(pci_host_plug(&w->host, &t.pci, 0, true), -EINVAL);
	pci_host_unplug(&w->host, &t.pci);
	pci_dev_destroy(&t.pci);
	world_free(w);
}

static void test_cf8_cfc(void **state)
{
	struct world *w = world_new(64 << 20);
	struct tdev t;
	uint64_t v;

	(void)state;
	tdev_init(&t);
	assert_int_equal(pci_host_plug(&w->host, &t.pci, 3, true), 3);

	/* Disabled: all-ones. */
	bus_read(&w->pio, NULL, 0xcfc, 4, &v);
	assert_int_equal(v, 0xffffffff);
	bus_write(&w->pio, NULL, 0xcf8, 4, 0x80000000u | 3 << 11);
	bus_read(&w->pio, NULL, 0xcf8, 4, &v);
	assert_int_equal(v, 0x80000000u | 3 << 11);
	bus_read(&w->pio, NULL, 0xcfc, 4, &v);
	assert_int_equal(v, 0x10421af4);
	bus_read(&w->pio, NULL, 0xcfe, 2, &v);
	assert_int_equal(v, 0x1042);
	bus_read(&w->pio, NULL, 0xcfd, 1, &v);
	assert_int_equal(v, 0x1a);
	/* Register 0x3c through CONFIG_ADDRESS, a byte at 0xCFD is 0x3d (the pin). */
	bus_write(&w->pio, NULL, 0xcf8, 4, 0x80000000u | 3 << 11 | 0x3c);
	bus_read(&w->pio, NULL, 0xcfd, 1, &v);
	assert_int_equal(v, 1);
	bus_write(&w->pio, NULL, 0xcfc, 1, 0x0b);
	assert_int_equal(ecam_rd(w, 3 << 3, PCI_INTERRUPT_LINE, 1), 0x0b);
	/* Reserved bits of CONFIG_ADDRESS read 0; a byte or word at 0xCF8 is not it. */
	bus_write(&w->pio, NULL, 0xcf8, 4, 0xffffffff);
	bus_read(&w->pio, NULL, 0xcf8, 4, &v);
	assert_int_equal(v, 0x80fffffc);
	bus_write(&w->pio, NULL, 0xcf8, 1, 0);
	bus_write(&w->pio, NULL, 0xcf8, 2, 0);
	bus_read(&w->pio, NULL, 0xcf8, 4, &v);
	assert_int_equal(v, 0x80fffffc);
	bus_read(&w->pio, NULL, 0xcf8, 1, &v);
	assert_int_equal(v, 0xff);
	/* Bus 255: nothing. */
	bus_read(&w->pio, NULL, 0xcfc, 4, &v);
	assert_int_equal(v, 0xffffffff);
	/* A misaligned word at 0xCFF reaches the device as a misaligned access. */
	bus_write(&w->pio, NULL, 0xcf8, 4, 0x80000000u | 3 << 11);
	bus_read(&w->pio, NULL, 0xcfc + 3, 1, &v);
	assert_int_equal(v, 0x10);

	pci_host_unplug(&w->host, &t.pci);
	pci_dev_destroy(&t.pci);
	world_free(w);
}

static void test_bar_sizing_and_decode(void **state)
{
	struct world *w = world_new(64 << 20);
	struct tdev t;
	unsigned df;
	uint64_t v;

	(void)state;
	tdev_init(&t);
	df = (unsigned)pci_host_plug(&w->host, &t.pci, -1, true) << 3;

	/* Firmware-like placement: naturally aligned, in the 32-bit window, decode off. */
	uint64_t b0 = pci_dev_bar_addr(&t.pci, 0), b2 = pci_dev_bar_addr(&t.pci, 2);
	uint64_t b4 = pci_dev_bar_addr(&t.pci, 4);
	assert_true(b0 >= LAYOUT_PCI_MMIO_START && b0 % 0x1000 == 0);
	assert_true(b2 >= LAYOUT_PCI_MMIO_START && b2 % 0x4000 == 0 && b2 + 0x4000 <= LAYOUT_PCI_MMIO_END);
	assert_true(b4 >= 0xc000 && b4 % 32 == 0);
	assert_int_equal(ecam_rd(w, df, PCI_BASE_ADDRESS_0, 4), b0);
	assert_int_equal(ecam_rd(w, df, PCI_BASE_ADDRESS_2, 4),
			 (uint32_t)b2 | PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	assert_int_equal(ecam_rd(w, df, PCI_BASE_ADDRESS_3, 4), 0);
	assert_int_equal(ecam_rd(w, df, PCI_BASE_ADDRESS_4, 4), b4 | 1);
	assert_int_equal(ecam_rd(w, df, PCI_BASE_ADDRESS_1, 4), 0); /* unimplemented */
	assert_int_equal(ecam_rd(w, df, PCI_BASE_ADDRESS_5, 4), 0);
	assert_false(bus_read(&w->mmio, NULL, b0, 4, &v)); /* decode off */

	/* Sizing: all-ones reads back the size mask with the flags. */
	for (unsigned r = PCI_BASE_ADDRESS_0; r <= PCI_BASE_ADDRESS_5; r += 4)
		ecam_wr(w, df, r, 4, 0xffffffff);
	assert_int_equal(ecam_rd(w, df, PCI_BASE_ADDRESS_0, 4), 0xfffff000);
	assert_int_equal(ecam_rd(w, df, PCI_BASE_ADDRESS_1, 4), 0);
	assert_int_equal(ecam_rd(w, df, PCI_BASE_ADDRESS_2, 4), 0xffffc00c);
	assert_int_equal(ecam_rd(w, df, PCI_BASE_ADDRESS_3, 4), 0xffffffff);
	assert_int_equal(ecam_rd(w, df, PCI_BASE_ADDRESS_4, 4), 0x0000ffe1);
	assert_int_equal(ecam_rd(w, df, PCI_BASE_ADDRESS_5, 4), 0);
	/* Byte-wise sizing works the same. */
	ecam_wr(w, df, PCI_BASE_ADDRESS_0, 1, 0);
	assert_int_equal(ecam_rd(w, df, PCI_BASE_ADDRESS_0, 4), 0xfffff000);
	ecam_wr(w, df, PCI_BASE_ADDRESS_0 + 1, 1, 0x00);
	assert_int_equal(ecam_rd(w, df, PCI_BASE_ADDRESS_0, 4), 0xffff0000);

	/* Place and enable: the BARs decode where the guest put them. */
	ecam_wr(w, df, PCI_BASE_ADDRESS_0, 4, 0xd0000000);
	ecam_wr(w, df, PCI_BASE_ADDRESS_2, 4, 0xd0100000);
	ecam_wr(w, df, PCI_BASE_ADDRESS_3, 4, 0);
	ecam_wr(w, df, PCI_BASE_ADDRESS_4, 4, 0xe000);
	assert_int_equal(t.moved[0], 0);
	ecam_wr(w, df, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	assert_int_equal(t.moved[0], 1);
	assert_int_equal(t.moved_to[0], 0xd0000000);
	assert_int_equal(t.moved_to[2], 0xd0100000);
	assert_int_equal(t.moved_to[4], 0xe000);
	assert_int_equal(mmio_rd(w, 0xd0000010), 0xba000010);
	assert_int_equal(mmio_rd(w, 0xd0103ffc), 0xba003ffc);
	assert_false(bus_read(&w->mmio, NULL, 0xd0104000, 4, &v));
	assert_true(bus_read(&w->pio, NULL, 0xe01f, 1, &v));
	assert_int_equal(v, 0x1f);
	bus_write(&w->mmio, NULL, 0xd0000008, 4, 0x1234);
	assert_int_equal(t.last_write_off, 8);

	/* Move a 64-bit BAR above 4 GiB (the 64-bit window): high half then low half. */
	ecam_wr(w, df, PCI_BASE_ADDRESS_3, 4, 0x10);
	assert_int_equal(t.moved_to[2], PCI_BAR_UNMAPPED); /* 0x10_d0100000: outside the windows */
	ecam_wr(w, df, PCI_BASE_ADDRESS_3, 4, 0x1);
	assert_int_equal(t.moved_to[2], 0x1d0100000ull);
	ecam_wr(w, df, PCI_BASE_ADDRESS_2, 4, 0x00000000);
	assert_int_equal(t.moved_to[2], 0x100000000ull);
	assert_int_equal(mmio_rd(w, 0x100000004ull), 0xba000004);
	assert_false(bus_read(&w->mmio, NULL, 0xd0100000, 4, &v));

	/* Over RAM: refused, the register keeps the value, nothing decodes there. */
	ecam_wr(w, df, PCI_BASE_ADDRESS_0, 4, 0x00100000);
	assert_int_equal(ecam_rd(w, df, PCI_BASE_ADDRESS_0, 4), 0x00100000);
	assert_int_equal(t.moved_to[0], PCI_BAR_UNMAPPED);
	assert_false(bus_read(&w->mmio, NULL, 0xd0000000, 4, &v));
	assert_int_equal(pci_space_check(&w->host.space, PCI_BAR_MEM32, 0x100000, 0x1000), -EADDRINUSE);
	assert_int_equal(pci_space_check(&w->host.space, PCI_BAR_MEM32, 0xe0000000, 0x1000), -ERANGE);
	assert_int_equal(pci_space_check(&w->host.space, PCI_BAR_MEM32, 0xfee00000, 0x1000), -ERANGE);
	assert_int_equal(pci_space_check(&w->host.space, PCI_BAR_MEM64, ~0ull - 0xfff, 0x2000), -EINVAL);
	assert_int_equal(pci_space_check(&w->host.space, PCI_BAR_IO, 0xcf8, 8), -ERANGE);
	assert_int_equal(pci_space_check(&w->host.space, PCI_BAR_IO, 0xd00, 8), 0);
	/* Over the ECAM window and the LAPIC: refused too. */
	ecam_wr(w, df, PCI_BASE_ADDRESS_0, 4, 0xe0001000);
	assert_int_equal(t.moved_to[0], PCI_BAR_UNMAPPED);
	assert_int_equal(ecam_rd(w, 0, 0, 2), PCI_HOST_VENDOR); /* ECAM still there */
	/* Back in the window: decodes again. */
	ecam_wr(w, df, PCI_BASE_ADDRESS_0, 4, 0xc8000000);
	assert_int_equal(t.moved_to[0], 0xc8000000);
	assert_int_equal(mmio_rd(w, 0xc8000000), 0xba000000);

	/* Decode off: everything gone. */
	ecam_wr(w, df, PCI_COMMAND, 2, 0);
	assert_int_equal(t.moved_to[0], PCI_BAR_UNMAPPED);
	assert_int_equal(t.moved_to[2], PCI_BAR_UNMAPPED);
	assert_int_equal(t.moved_to[4], PCI_BAR_UNMAPPED);
	assert_false(bus_read(&w->mmio, NULL, 0xc8000000, 4, &v));
	assert_false(bus_read(&w->pio, NULL, 0xe000, 1, &v));

	/* Reset: back to the firmware placement, decode off. */
	ecam_wr(w, df, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	pci_host_reset(&w->host);
	assert_int_equal(pci_dev_bar_addr(&t.pci, 0), b0);
	assert_int_equal(pci_dev_bar_addr(&t.pci, 2), b2);
	assert_int_equal(ecam_rd(w, df, PCI_COMMAND, 2), 0);
	assert_int_equal(t.moved_to[0], PCI_BAR_UNMAPPED);

	pci_host_unplug(&w->host, &t.pci);
	pci_dev_destroy(&t.pci);
	world_free(w);
}

static void test_bar_overlap_then_freed(void **state)
{
	struct world *w = world_new(64 << 20);
	struct tdev a, b;
	unsigned da, db;

	(void)state;
	tdev_init(&a);
	tdev_init(&b);
	da = (unsigned)pci_host_plug(&w->host, &a.pci, -1, true) << 3;
	db = (unsigned)pci_host_plug(&w->host, &b.pci, -1, true) << 3;
	assert_int_not_equal(pci_dev_bar_addr(&a.pci, 0), pci_dev_bar_addr(&b.pci, 0));
	ecam_wr(w, da, PCI_BASE_ADDRESS_0, 4, 0xd0000000);
	ecam_wr(w, da, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	/* b's BAR 0 over a's: refused while a is there. */
	ecam_wr(w, db, PCI_BASE_ADDRESS_0, 4, 0xd0000000);
	ecam_wr(w, db, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(b.pci.bar[0].mapped_at, PCI_BAR_UNMAPPED);
	assert_int_equal(b.pci.bar[2].mapped_at, pci_dev_bar_addr(&b.pci, 2));
	/* a moves away: b decodes at once. */
	ecam_wr(w, da, PCI_BASE_ADDRESS_0, 4, 0xd1000000);
	assert_int_equal(a.pci.bar[0].mapped_at, 0xd1000000);
	assert_int_equal(b.pci.bar[0].mapped_at, 0xd0000000);
	assert_int_equal(b.moved_to[0], 0xd0000000);
	pci_host_unplug(&w->host, &a.pci);
	pci_host_unplug(&w->host, &b.pci);
	pci_dev_destroy(&a.pci);
	pci_dev_destroy(&b.pci);
	world_free(w);
}

static void test_capabilities(void **state)
{
	struct world *w = world_new(64 << 20);
	struct tdev t;
	unsigned df;
	int c1, c2;

	(void)state;
	tdev_init(&t);
	assert_int_equal(ecam_rd(w, 0, PCI_CAPABILITY_LIST, 1), 0);
	c1 = pci_dev_add_cap(&t.pci, PCI_CAP_ID_VNDR, 16);
	c2 = pci_dev_add_cap(&t.pci, PCI_CAP_ID_MSIX, 12);
	assert_int_equal(c1, 0x40);
	assert_int_equal(c2, 0x50);
	assert_int_equal(pci_dev_add_cap(&t.pci, 9, 6), -ENOSPC);
	pci_cfg_set8(&t.pci, c1 + 2, 16);
	pci_cfg_set32(&t.pci, c1 + 4, 0xdeadbeef);
	pci_cfg_set32(&t.pci, c1 + 8, 0);
	pci_cfg_set_wmask(&t.pci, c1 + 8, 4, 0x00ff00ff);
	struct pci_cfg_handler h = { (uint16_t)(c2 + 2), 10, cap_read, cap_write, &t };
	assert_int_equal(pci_dev_add_handler(&t.pci, &h), 0);
	t.cap_reg[0] = 0x34;
	t.cap_reg[1] = 0x12;
	df = (unsigned)pci_host_plug(&w->host, &t.pci, -1, true) << 3;

	assert_true(ecam_rd(w, df, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	assert_int_equal(ecam_rd(w, df, PCI_CAPABILITY_LIST, 1), 0x40);
	assert_int_equal(ecam_rd(w, df, c1, 2), 0x5009);
	assert_int_equal(ecam_rd(w, df, c2, 2), 0x0011);
	assert_int_equal(ecam_rd(w, df, c1 + 4, 4), 0xdeadbeef);
	ecam_wr(w, df, c1 + 4, 4, 0);
	assert_int_equal(ecam_rd(w, df, c1 + 4, 4), 0xdeadbeef);
	ecam_wr(w, df, c1 + 8, 4, 0xffffffff);
	assert_int_equal(ecam_rd(w, df, c1 + 8, 4), 0x00ff00ff);
	/* A dword at the capability: ID and next from config space, the rest from the
	 * handler, which sees a 2-byte access at its offset 0. */
	assert_int_equal(ecam_rd(w, df, c2, 4), 0x12340011);
	assert_int_equal(t.cap_reads, 1);
	ecam_wr(w, df, c2, 4, 0xabcd0000 | 0x77ff);
	assert_int_equal(t.cap_writes, 1);
	assert_int_equal(t.cap_reg[0], 0xcd);
	assert_int_equal(ecam_rd(w, df, c2, 2), 0x0011); /* ID and next are read-only */
	assert_int_equal(ecam_rd(w, df, c2 + 3, 1), 0xab);
	assert_int_equal(ecam_rd(w, df, c2 + 4, 4), 0);

	pci_host_unplug(&w->host, &t.pci);
	pci_dev_destroy(&t.pci);
	world_free(w);
}

static void test_intx(void **state)
{
	struct world *w = world_new(64 << 20);
	struct tdev a, b;
	unsigned da, gsi;

	(void)state;
	tdev_init(&a);
	tdev_init(&b);
	/* Slots 1 and 5 share INTA's GSI (swizzle mod 4). */
	da = (unsigned)pci_host_plug(&w->host, &a.pci, 1, true) << 3;
	assert_int_equal(pci_host_plug(&w->host, &b.pci, 5, true), 5);
	gsi = pci_host_intx_gsi(1, 1);
	assert_int_equal(gsi, pci_host_intx_gsi(5, 1));
	assert_int_equal(pci_host_intx_gsi(1, 1), 17);
	assert_int_equal(pci_host_intx_gsi(2, 1), 18);
	assert_int_equal(pci_host_intx_gsi(3, 2), 16);

	pci_set_irq(&a.pci, true);
	assert_int_equal(w->lines.level[gsi], 1);
	assert_true(ecam_rd(w, da, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	pci_set_irq(&b.pci, true);
	pci_set_irq(&a.pci, false);
	assert_int_equal(w->lines.level[gsi], 1); /* b still holds it */
	assert_false(ecam_rd(w, da, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	pci_set_irq(&b.pci, false);
	assert_int_equal(w->lines.level[gsi], 0);

	/* Interrupt Disable masks the output, not the status bit. */
	pci_set_irq(&a.pci, true);
	unsigned calls = w->lines.calls;
	ecam_wr(w, da, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(w->lines.level[gsi], 0);
	assert_true(ecam_rd(w, da, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	assert_false(pci_intx_asserted(&a.pci));
	pci_set_irq(&a.pci, true);
	assert_int_equal(w->lines.calls, calls + 1);
	ecam_wr(w, da, PCI_COMMAND, 2, 0);
	assert_int_equal(w->lines.level[gsi], 1);
	/* Reset deasserts. */
	pci_host_reset(&w->host);
	assert_int_equal(w->lines.level[gsi], 0);
	assert_false(ecam_rd(w, da, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);

	/* No pin: never asserts. */
	struct tdev c;
	tdev_init(&c);
	assert_int_equal(pci_host_plug(&w->host, &c.pci, 9, false), 9);
	assert_int_equal(ecam_rd(w, 9 << 3, PCI_INTERRUPT_PIN, 1), 0);
	calls = w->lines.calls;
	pci_set_irq(&c.pci, true);
	assert_int_equal(w->lines.calls, calls);

	pci_host_unplug(&w->host, &a.pci);
	pci_host_unplug(&w->host, &b.pci);
	pci_host_unplug(&w->host, &c.pci);
	pci_dev_destroy(&a.pci);
	pci_dev_destroy(&b.pci);
	pci_dev_destroy(&c.pci);
	world_free(w);
}

static void test_slots_and_window_full(void **state)
{
	struct world *w = world_new(64 << 20);
	static struct tdev t[PCI_SLOTS];
	int i;

	(void)state;
	for (i = 1; i < PCI_SLOTS; i++) {
		tdev_init(&t[i]);
		assert_int_equal(pci_host_plug(&w->host, &t[i].pci, -1, true), i);
	}
	tdev_init(&t[0]);
	assert_int_equal(pci_host_plug(&w->host, &t[0].pci, -1, true), -ENOSPC);
	pci_dev_destroy(&t[0].pci);
	/* Every device's BARs are distinct. */
	for (i = 2; i < PCI_SLOTS; i++)
		assert_true(pci_dev_bar_addr(&t[i].pci, 0) > pci_dev_bar_addr(&t[i - 1].pci, 2));
	for (i = 1; i < PCI_SLOTS; i++) {
		pci_host_unplug(&w->host, &t[i].pci);
		pci_dev_destroy(&t[i].pci);
	}
	/* A BAR bigger than the window. */
	struct pci_dev big;
	pci_dev_init(&big, "big", 1, 2, 0, 0, 0, 0);
	assert_int_equal(pci_dev_add_bar(&big, 0, PCI_BAR_MEM64, false, 1ull << 30, &tbar_ops, NULL, "big"), 0);
	assert_int_equal(pci_host_plug(&w->host, &big, -1, false), -ENOSPC);
	pci_dev_destroy(&big);
	world_free(w);
}

static void test_acpi_parts(void **state)
{
	struct pci_host_layout l;
	struct guest_mem mem;
	struct aml a;

	(void)state;
	assert_int_equal(gm_init(&mem, 5ull << 30, LAYOUT_LOWMEM_END), 0); /* 2 GiB above 4G */
	pci_host_layout_for(&l, &mem);
	assert_int_equal(l.mmio64_start, 6ull << 30); /* 3 GiB low, 2 GiB from 4 GiB */
	assert_int_equal(l.mmio64_end, (6ull << 30) + PCI_64BIT_WINDOW_SIZE - 1);
	assert_int_equal(l.mmio32_start, 0xc0000000);
	assert_int_equal(l.mmio32_end, 0xdfffffff);
	gm_destroy(&mem);

	aml_init(&a, 0);
	assert_int_equal(pci_host_build_mcfg(&a, &l), 0);
	assert_int_equal(a.len, 8 + 16);
	assert_int_equal(a.buf[8 + 3], 0xe0); /* base 0xe0000000 */
	assert_int_equal(a.buf[8 + 11], 0xff); /* end bus */
	aml_free(&a);

	aml_init(&a, 0);
	assert_int_equal(pci_host_build_dsdt(&a, &l), 0);
	assert_int_equal(aml_finish(&a), 0);
	assert_non_null(memmem(a.buf, a.len, "PCI0", 4));
	assert_non_null(memmem(a.buf, a.len, "_OSC", 4));
	assert_non_null(memmem(a.buf, a.len, "_PRT", 4));
	assert_non_null(memmem(a.buf, a.len, "RES0", 4));
	aml_free(&a);

	l.ecam_size = 512ull << 20;
	aml_init(&a, 0);
	assert_int_equal(pci_host_build_dsdt(&a, &l), -EINVAL);
	aml_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_cf8_cfc),
		cmocka_unit_test(test_bar_sizing_and_decode),
		cmocka_unit_test(test_bar_overlap_then_freed),
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test(test_intx),
		cmocka_unit_test(test_slots_and_window_full),
		cmocka_unit_test(test_acpi_parts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
