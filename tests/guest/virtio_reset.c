/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VM reset with a busy virtio-blk-pci, `boots` times (0xCF9, as Linux's reboot=pci).
 * Each boot: the function is back at power-on (Command 0, the BARs where xkvm placed them,
 * MSI-X disabled with every entry masked, device status 0, no queue enabled, no INTx),
 * then the guest moves its BARs, brings it up with MSI-X, does I/O with requests still in
 * flight, and resets.  The host compares xkvm's fds and threads across boots.
 * A boot counter lives in RAM outside the loaded image (RAM survives a reset).
 * Reports SYNC("boot", n) on every boot; the last one returns (DONE).
 */
#include "guest.h"
#include "virtio.h"

#define COUNTER_ADDR 0x9e000ull
#define COUNTER_MAGIC 0x4b4c425445534552ull /* "RESETBLK" */
#define VEC_Q 0x41

struct counter {
	u64 magic;
	u64 boots;
	u32 bar[6];          /* the power-on BARs, recorded by boot 1 */
};

static volatile u32 hits;

static void on_irq(struct irq_frame *f)
{
	(void)f;
	hits++;
	lapic_eoi();
}

int main(void)
{
	volatile struct counter *c = (volatile struct counter *)(uintptr_t)COUNTER_ADDR;
	u64 boots = cmdline_get_u64("boots", 3);
	struct virtio_dev d;
	struct vq vq;
	u8 *buf;
	int slot;

	if (c->magic != COUNTER_MAGIC) {
		c->magic = COUNTER_MAGIC;
		c->boots = 0;
	}
	c->boots++;
	kvmclock_init_cpu();
	lapic_enable();
	irq_set_handler(VEC_Q, on_irq);
	GUEST_ASSERT(pci_init());
	slot = pci_find(VIRTIO_VENDOR, VIRTIO_DEV_BLK, 0);
	GUEST_ASSERT(slot >= 0);

	/* Power-on state, every boot. */
	GUEST_ASSERT_EQ(pci_read((u8)slot, PCI_COMMAND, 2), 0);
	GUEST_ASSERT_EQ(pci_read((u8)slot, PCI_STATUS, 2) & PCI_STATUS_INTX, 0);
	for (unsigned i = 0; i < 6; i++) {
		u32 v = pci_read((u8)slot, (u16)(PCI_BAR0 + 4 * i), 4);
		if (c->boots == 1)
			c->bar[i] = v;
		else
			GUEST_ASSERT_EQ(v, c->bar[i]);
	}
	GUEST_SYNC("boot", c->boots);

	virtio_probe((u8)slot, &d);  /* places the BARs elsewhere, enables decode */
	GUEST_ASSERT_EQ(pci_read((u8)slot, d.msix_cap + 2, 2) & 0xc000, 0);
	for (unsigned e = 0; e < d.msix_size; e++)
		GUEST_ASSERT_EQ(mmio_read32(d.msix_table + 16 * e + 12), 1); /* masked */
	GUEST_ASSERT_EQ(vc_read8(&d, VC_STATUS), 0);
	for (u16 q = 0; q < d.num_queues; q++) {
		vc_write16(&d, VC_QSELECT, q);
		GUEST_ASSERT_EQ(vc_read16(&d, VC_QENABLE), 0);
		GUEST_ASSERT_EQ(vc_read16(&d, VC_QMSIX), NO_VECTOR);
	}

	/* Busy: MSI-X, a completed read (interrupt), and requests left in flight. */
	virtio_start(&d, VF_EVENT_IDX);
	vq_setup(&d, &vq, 0, 0, 1);
	virtio_driver_ok(&d);
	msix_set(&d, 1, 0, VEC_Q, false);
	msix_control(&d, true, false);
	buf = vmem_alloc(64 * 512, 4096);
	GUEST_ASSERT_EQ(blk_sync(&vq, VBLK_T_IN, 0, (u64)(uintptr_t)buf, 4096, 5000), VBLK_S_OK);
	GUEST_ASSERT(WAIT_UNTIL(hits >= 1, 2000));
	for (unsigned i = 0; i < 8; i++)
		blk_queue(&vq, VBLK_T_IN, i * 8, (u64)(uintptr_t)buf + i * 4096, 4096);
	vq_kick(&vq);

	if (c->boots >= boots)
		return 0;
	outb(0xcf9, 0x06); /* reset, with the queue busy */
	{
		u64 t0 = kvmclock_ns();
		while (kvmclock_ns() - t0 < 1000000000ull)
			cpu_relax();
	}
	GUEST_FAIL("still running a second after the reset write");
}
