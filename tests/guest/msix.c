/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interrupt fabric from inside a guest, through -device xkvm-msix-testdev (an MSI-X
 * table + PBA in MMIO, an I/O thread that raises vectors by writing their eventfds):
 *   - an eventfd write reaches the guest's IDT handler (irqfd);
 *   - masked: the write sets the PBA bit (the VMM's main loop saw it), nothing arrives;
 *     unmasked: exactly one interrupt, PBA clear;
 *   - function mask does the same for the whole table;
 *   - rewriting an entry takes effect on the next interrupt (vector and, with smp=2,
 *     destination CPU);
 *   - the emulated path (KVM_SIGNAL_MSI) and the eventfd path are interchangeable;
 *   - bad input (wrong access sizes, out of range, reserved delivery mode, a destination
 *     with no CPU, a non-interrupt address) gets the architectural answer and xkvm goes on.
 * Reports: SYNC("msix-done", hits on CPU0 vector 0x40, 0x41, 0x42, hits on CPU1).
 */
#include "guest.h"

#define BASE      0xfe000000ull
#define TABLE     (BASE + 0x0000)
#define PBA       (BASE + 0x0800)
#define CTRL      (BASE + 0x1000)
#define FIRE      (BASE + 0x1004)
#define NOTIFY    (BASE + 0x1008)
#define TRIGGER   (BASE + 0x100c)
#define FIRED     (BASE + 0x1010)
#define ENABLE    0x8000u
#define FMASK     0x4000u
#define V0        0x40

static volatile u32 hits[2][256];

static void handler(struct irq_frame *f)
{
	hits[this_apic_id() & 1][f->vector & 0xff]++;
	lapic_eoi();
}

static void entry(unsigned v, u32 dest, u32 data, bool masked)
{
	mmio_write32(TABLE + v * 16 + 0, 0xfee00000u | dest << 12);
	mmio_write32(TABLE + v * 16 + 4, 0);
	mmio_write32(TABLE + v * 16 + 8, data);
	mmio_write32(TABLE + v * 16 + 12, masked);
}

static void mask(unsigned v, bool m)
{
	mmio_write32(TABLE + v * 16 + 12, m);
}

/* Wait (interrupts on) until *p reaches `want`, at most `ms`. */
static bool wait_for(volatile u32 *p, u32 want, u64 ms)
{
	u64 end = kvmclock_ns() + ms * 1000000ull;

	sti();
	while (*p < want && kvmclock_ns() < end)
		cpu_relax();
	return *p >= want;
}

static bool wait_pba(unsigned v, u64 ms)
{
	u64 end = kvmclock_ns() + ms * 1000000ull;

	while (!(mmio_read32(PBA) & 1u << v) && kvmclock_ns() < end)
		udelay(200);
	return mmio_read32(PBA) & 1u << v;
}

/* Ask the I/O thread for `n` eventfd writes on vector v, and wait until it did them. */
static void fire(unsigned v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		u32 before = mmio_read32(FIRED);
		u64 end = kvmclock_ns() + 1000000000ull;
		mmio_write32(FIRE, 1u << v);
		while (mmio_read32(FIRED) == before && kvmclock_ns() < end)
			udelay(50);
		GUEST_ASSERT(mmio_read32(FIRED) != before);
	}
}

static void ap_main(u32 apic_id)
{
	(void)apic_id;
	for (;;)
		sti_hlt();
}

int main(void)
{
	u32 me = this_apic_id();
	bool smp2 = cmdline_get_u64("smp2", 0);

	kvmclock_init_cpu();
	for (unsigned v = V0; v < V0 + 8; v++)
		irq_set_handler((u8)v, handler);
	lapic_enable();
	sti();

	/* The capability as reset: 4 vectors, disabled, everything masked. */
	GUEST_ASSERT_EQ(mmio_read32(CTRL), 3);
	GUEST_ASSERT_EQ(mmio_read32(TABLE + 12), 1);

	/* 1. irqfd: program, enable, unmask, fire. */
	entry(0, me, V0, false);
	mmio_write32(CTRL, ENABLE);
	fire(0, 1);
	GUEST_ASSERT(wait_for(&hits[0][V0], 1, 1000));

	/* 2. Masked: three writes, one PBA bit, no interrupt; unmask: exactly one. */
	mask(0, true);
	fire(0, 3);
	GUEST_ASSERT(wait_pba(0, 1000));
	udelay(20000);
	GUEST_ASSERT_EQ(hits[0][V0], 1);
	mask(0, false);
	GUEST_ASSERT(wait_for(&hits[0][V0], 2, 1000));
	GUEST_ASSERT_EQ(mmio_read32(PBA) & 1, 0);
	udelay(20000);
	GUEST_ASSERT_EQ(hits[0][V0], 2);
	/* And the irqfd is back. */
	fire(0, 1);
	GUEST_ASSERT(wait_for(&hits[0][V0], 3, 1000));

	/* 3. Retarget: a new vector takes effect on the next interrupt. */
	mmio_write32(TABLE + 8, V0 + 1);
	fire(0, 1);
	GUEST_ASSERT(wait_for(&hits[0][V0 + 1], 1, 1000));
	GUEST_ASSERT_EQ(hits[0][V0], 3);

	/* 4. Function mask. */
	mmio_write32(CTRL, ENABLE | FMASK);
	fire(0, 1);
	GUEST_ASSERT(wait_pba(0, 1000));
	GUEST_ASSERT_EQ(hits[0][V0 + 1], 1);
	mmio_write32(CTRL, ENABLE);
	GUEST_ASSERT(wait_for(&hits[0][V0 + 1], 2, 1000));
	GUEST_ASSERT_EQ(mmio_read32(PBA), 0);

	/* 5. Emulated path on vector 1 (no eventfd), then the eventfd again. */
	entry(1, me, V0 + 2, false);
	mmio_write32(TRIGGER, 1);
	mmio_write32(NOTIFY, 1);
	GUEST_ASSERT(wait_for(&hits[0][V0 + 2], 1, 1000));
	mask(1, true);
	mmio_write32(NOTIFY, 1);
	GUEST_ASSERT_EQ(mmio_read32(PBA), 2);
	mask(1, false);
	GUEST_ASSERT(wait_for(&hits[0][V0 + 2], 2, 1000));
	mmio_write32(TRIGGER, 1 | 1u << 31);
	fire(1, 1);
	GUEST_ASSERT(wait_for(&hits[0][V0 + 2], 3, 1000));

	/* 6. Bad input: the architectural answer, and xkvm carries on. */
	GUEST_ASSERT_EQ(mmio_read8(TABLE), 0xff);
	GUEST_ASSERT_EQ(mmio_read16(TABLE), 0xffff);
	GUEST_ASSERT_EQ(mmio_read32(TABLE + 2), 0xffffffff);
	GUEST_ASSERT_EQ(mmio_read32(TABLE + 4 * 16), 0xffffffff); /* past 4 entries */
	GUEST_ASSERT_EQ(mmio_read32(PBA + 8), 0xffffffff);
	mmio_write8(TABLE + 12, 0);                               /* not an unmask */
	mmio_write32(PBA, 0xffffffff);                            /* read-only */
	GUEST_ASSERT_EQ(mmio_read32(PBA), 0);
	entry(2, me, 0x300 | (V0 + 3), true); /* reserved delivery mode */
	GUEST_ASSERT_EQ(mmio_read32(TABLE + 2 * 16 + 12), 1);
	mmio_write32(TABLE + 2 * 16 + 12, 0xfffffffe);            /* bits 31:1 reserved */
	GUEST_ASSERT_EQ(mmio_read32(TABLE + 2 * 16 + 12), 0);
	fire(2, 1);
	entry(3, 0x77, V0 + 4, false);        /* no such CPU */
	fire(3, 1);
	mmio_write32(TABLE + 3 * 16, 0xfed00000); /* not an interrupt address */
	fire(3, 1);
	udelay(20000);
	GUEST_ASSERT_EQ(hits[0][V0 + 3], 0);
	GUEST_ASSERT_EQ(hits[0][V0 + 4], 0);
	/* Still alive and delivering. */
	fire(0, 1);
	GUEST_ASSERT(wait_for(&hits[0][V0 + 1], 3, 1000));

	/* 7. With a second CPU: retarget vector 0 to it and back. */
	if (smp2) {
		GUEST_ASSERT_EQ(smp_start_ap(1, ap_main, 2000), 0);
		mmio_write32(TABLE + 0, 0xfee00000u | 1u << 12);
		fire(0, 1);
		GUEST_ASSERT(wait_for(&hits[1][V0 + 1], 1, 2000));
		GUEST_ASSERT_EQ(hits[0][V0 + 1], 3);
		mmio_write32(TABLE + 0, 0xfee00000u | me << 12);
		fire(0, 1);
		GUEST_ASSERT(wait_for(&hits[0][V0 + 1], 4, 1000));
		GUEST_ASSERT_EQ(hits[1][V0 + 1], 1);
	}
	GUEST_SYNC("msix-done", hits[0][V0], hits[0][V0 + 1], hits[0][V0 + 2], hits[1][V0 + 1]);
	return 0;
}
