/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk completion interrupts under the guest's control (test=NAME, or all):
 *   mask      mask the queue's MSI-X entry, complete a request: the PBA bit is set and
 *             no interrupt arrives; unmask: exactly one interrupt, PBA clear
 *   fmask     the same with the function mask
 *   retarget  move the queue's vector to another vCPU while requests are in flight; the
 *             next interrupts land on the new vCPU only; and back
 *   vector    change the vector number of an entry: the next interrupt uses it
 *   intx      MSI-X off: INTA# through the IOAPIC (GSI from the _PRT's swizzle, level,
 *             active low as an OS programs it), ISR read-to-clear, PCI Status bit 3,
 *             Command's Interrupt Disable holds it back, then lets it through
 * With wait=1 the program stops after each step (SYNC "step") until the host sends a byte
 * on COM1, so the host can compare the per-vCPU route index with what was programmed.
 * Parameters: cpus=N (>= 2 for retarget).  Reports SYNC("irq-done", steps).
 */
#include "guest.h"
#include "virtio.h"

#define VEC_CFG 0x40
#define VEC_Q   0x41
#define VEC_ALT 0x45
#define VEC_INTX 0x50
#define BUF_SECTORS 8

static volatile u32 hits[MAX_CPUS][256];
static volatile u32 isr_seen, intx_spurious;
static struct virtio_dev d;
static struct vq vq;
static u8 *buf;
static unsigned steps;

static void handler(struct irq_frame *f)
{
	__atomic_add_fetch(&hits[this_apic_id()][f->vector & 0xff], 1, __ATOMIC_SEQ_CST);
	lapic_eoi();
}

/*
 * Counts only interrupts the device had raised (ISR != 0), as a driver on a shared line
 * does.  On KVM-PVM a level-triggered vector is EOI'd by KVM when it is injected (traced:
 * kvm_eoi without a guest EOI write), so a line still high at that moment is delivered
 * once more; that second delivery finds ISR 0 and is counted apart.
 */
static void intx_handler(struct irq_frame *f)
{
	u8 isr = mmio_read8(d.isr); /* read-to-clear: deasserts the line before the EOI */

	isr_seen |= isr;
	if (isr)
		__atomic_add_fetch(&hits[this_apic_id()][f->vector & 0xff], 1, __ATOMIC_SEQ_CST);
	else
		intx_spurious++;
	lapic_eoi();
}

static void ap_main(u32 id)
{
	(void)id;
	for (;;)
		sti_hlt();
}

static void step(const char *what, u64 a, u64 b)
{
	steps++;
	GUEST_SYNC(what, a, b);
	host_wait();
}

/* Submit one read, wait (polling, interrupts off) until the device completed it. */
static void complete_polled(void)
{
	int head = blk_queue(&vq, VBLK_T_IN, 8, (u64)(uintptr_t)buf, 512), got = -1;
	u64 start = kvmclock_ns();

	vq_kick(&vq);
	while (vq_used_idx(&vq) == vq.last_used) {
		GUEST_ASSERT(kvmclock_ns() - start < 5000000000ull);
		io_delay();
	}
	got = vq_get_used(&vq, NULL);
	GUEST_ASSERT_EQ(got, head);
	GUEST_ASSERT_EQ(vq.status[head], VBLK_S_OK);
}

static bool wait_pba(bool want)
{
	u64 start = kvmclock_ns();

	while (msix_pending(&d, 1) != want) {
		if (kvmclock_ns() - start > 2000000000ull)
			return false;
		udelay(200);
	}
	return true;
}

/* Nothing more arrives for a while (interrupts enabled, so a pending one would). */
static void quiet(volatile u32 *cnt, u32 want)
{
	WAIT_UNTIL(*cnt != want, 30);
	GUEST_ASSERT_EQ(*cnt, want);
}

static void test_mask(void)
{
	u32 base = hits[0][VEC_Q];

	msix_mask(&d, 1, true);
	complete_polled();
	GUEST_ASSERT(wait_pba(true));            /* pending, via xkvm's main loop */
	quiet(&hits[0][VEC_Q], base);      /* and not delivered */
	step("masked-pending", 1, 1);
	msix_mask(&d, 1, false);
	GUEST_ASSERT(WAIT_UNTIL(hits[0][VEC_Q] == base + 1, 2000));
	GUEST_ASSERT(!msix_pending(&d, 1));
	quiet(&hits[0][VEC_Q], base + 1);  /* exactly one */
	/* The irqfd is back: the next completion arrives directly. */
	complete_polled();
	GUEST_ASSERT(WAIT_UNTIL(hits[0][VEC_Q] == base + 2, 2000));
	step("unmasked", 1, 0);
}

static void test_fmask(void)
{
	u32 base = hits[0][VEC_Q];

	msix_control(&d, true, true);
	complete_polled();
	GUEST_ASSERT(wait_pba(true));
	quiet(&hits[0][VEC_Q], base);
	step("function-masked", 1, 1);
	msix_control(&d, true, false);
	GUEST_ASSERT(WAIT_UNTIL(hits[0][VEC_Q] == base + 1, 2000));
	GUEST_ASSERT(!msix_pending(&d, 1));
	quiet(&hits[0][VEC_Q], base + 1);
	step("function-unmasked", 1, 0);
}

static void test_retarget(unsigned cpus)
{
	u32 c0 = hits[0][VEC_Q], c1;
	unsigned n = 0;

	GUEST_ASSERT(cpus >= 2);
	/* Requests in flight while the entry's destination changes (one dword write). */
	for (unsigned i = 0; i < 6; i++)
		if (blk_queue(&vq, VBLK_T_IN, i, (u64)(uintptr_t)buf + 512 * (i % BUF_SECTORS), 512) >= 0)
			n++;
	vq_kick(&vq);
	mmio_write32(d.msix_table + 16, 0xfee00000u | 1u << 12);
	GUEST_ASSERT(WAIT_UNTIL(vq_used_idx(&vq) == (u16)(vq.last_used + n), 5000));
	while (vq_get_used(&vq, NULL) >= 0)
		;
	/* Whatever landed where while it moved, something landed. */
	GUEST_ASSERT(WAIT_UNTIL(hits[0][VEC_Q] + hits[1][VEC_Q] > c0, 2000));
	WAIT_UNTIL(false, 20);
	c0 = hits[0][VEC_Q];
	c1 = hits[1][VEC_Q];
	step("retargeted", 1, 1);
	/* From now on: CPU 1 only. */
	complete_polled();
	GUEST_ASSERT(WAIT_UNTIL(hits[1][VEC_Q] == c1 + 1, 2000));
	quiet(&hits[0][VEC_Q], c0);
	/* And back to CPU 0. */
	mmio_write32(d.msix_table + 16, 0xfee00000u);
	complete_polled();
	GUEST_ASSERT(WAIT_UNTIL(hits[0][VEC_Q] == c0 + 1, 2000));
	quiet(&hits[1][VEC_Q], c1 + 1);
	step("retargeted-back", 1, 0);
}

static void test_vector(void)
{
	u32 base = hits[0][VEC_ALT];

	mmio_write32(d.msix_table + 16 + 8, VEC_ALT);
	complete_polled();
	GUEST_ASSERT(WAIT_UNTIL(hits[0][VEC_ALT] == base + 1, 2000));
	mmio_write32(d.msix_table + 16 + 8, VEC_Q);
	step("vector", 1, VEC_ALT);
}

static void test_intx(u8 slot)
{
	u32 gsi = 16 + ((slot + 0) % 4); /* the _PRT: INTA# of slot s -> GSI 16 + (s mod 4) */
	u32 base = hits[0][VEC_INTX];
	u16 cmd = (u16)pci_read(slot, PCI_COMMAND, 2);

	msix_control(&d, false, false);
	GUEST_ASSERT_EQ(pci_read(slot, PCI_INT_PIN, 1), 1);
	pic_mask_all();
	ioapic_route(gsi, VEC_INTX, 0, true, true);
	/* With MSI-X off the queue's vector is irrelevant: INTx, ISR bit 0. */
	complete_polled();
	GUEST_ASSERT(WAIT_UNTIL(hits[0][VEC_INTX] == base + 1, 2000));
	GUEST_ASSERT(isr_seen & 1);
	GUEST_ASSERT_EQ(pci_read(slot, PCI_STATUS, 2) & PCI_STATUS_INTX, 0); /* read cleared it */
	quiet(&hits[0][VEC_INTX], base + 1);
	/* Interrupt Disable: the function's status shows it, the line stays low. */
	pci_write(slot, PCI_COMMAND, 2, cmd | PCI_CMD_INTX_OFF);
	complete_polled();
	udelay(5000);
	GUEST_ASSERT(pci_read(slot, PCI_STATUS, 2) & PCI_STATUS_INTX);
	quiet(&hits[0][VEC_INTX], base + 1);
	step("intx-disabled", gsi, 1);
	pci_write(slot, PCI_COMMAND, 2, cmd);
	GUEST_ASSERT(WAIT_UNTIL(hits[0][VEC_INTX] == base + 2, 2000));
	GUEST_ASSERT_EQ(pci_read(slot, PCI_STATUS, 2) & PCI_STATUS_INTX, 0);
	ioapic_mask(gsi, true);
	/* Back to MSI-X. */
	msix_control(&d, true, false);
	complete_polled();
	GUEST_ASSERT(WAIT_UNTIL(hits[0][VEC_Q] > 0, 2000));
	GUEST_ASSERT(intx_spurious <= 2); /* see intx_handler() */
	step("intx", gsi, intx_spurious);
}

static bool want(const char *name)
{
	const char *t = cmdline_get("test");
	return !t || !strcmp(t, "all") || !strcmp(t, name);
}

int main(void)
{
	unsigned cpus = (unsigned)cmdline_get_u64("cpus", 1);
	int slot;

	kvmclock_init_cpu();
	lapic_enable();
	irq_set_handler(VEC_CFG, handler);
	irq_set_handler(VEC_Q, handler);
	irq_set_handler(VEC_ALT, handler);
	irq_set_handler(VEC_INTX, intx_handler);
	slot = blk_bringup(&d, &vq, 1, VF_EVENT_IDX | VF_INDIRECT, true);
	buf = vmem_alloc(BUF_SECTORS * 512, 4096);
	for (unsigned c = 1; c < cpus; c++)
		GUEST_ASSERT_EQ(smp_start_ap(c, ap_main, 2000), 0);
	msix_set(&d, 0, 0, VEC_CFG, false);
	msix_set(&d, 1, 0, VEC_Q, false);
	msix_control(&d, true, false);
	step("programmed", 2, 0);

	if (want("mask"))
		test_mask();
	if (want("fmask"))
		test_fmask();
	if (want("vector"))
		test_vector();
	if (want("retarget") && cpus >= 2)
		test_retarget(cpus);
	if (want("intx"))
		test_intx((u8)slot);
	GUEST_ASSERT_EQ(hits[0][VEC_CFG] + hits[1][VEC_CFG], 0);
	GUEST_SYNC("irq-done", steps);
	return 0;
}
