/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A freestanding virtio-blk driver over modern virtio-pci, checking the device as it goes:
 * PCI enumeration (ECAM from the MCFG), BAR placement by the guest, capabilities, feature
 * negotiation, device configuration, one MSI-X vector per queue each aimed at a different
 * vCPU (IDT handlers on every vCPU), then on every queue: write sectors with a pattern,
 * read them back and compare, and check that the completion interrupt arrived exactly once
 * on the vCPU its vector targets and nowhere else.  Also FLUSH, GET_ID, reads of sectors
 * the host filled, an indirect descriptor table, and IOERR for a read beyond the disk.
 *
 * Parameters: cpus=N queues=Q sectors=S (capacity) seed=X (pattern of our writes)
 *   hostseed=Y (pattern the host wrote at HOST_SECTOR..+HOST_COUNT) serial=STR
 *   evidx=0|1 indirect=0|1 wait=0|1 (stop at "ready" until the host sends a byte on COM1)
 * Writes: queue q writes sectors q * 64 .. q * 64 + 31, tests/guest/test_virtio.py checks.
 * Reports: SYNC("ready", queues, cpus), SYNC("blk-done", interrupts, requests, queues).
 */
#include "guest.h"
#include "virtio.h"

#define VEC0        0x40 /* config vector; queue q uses VEC0 + 1 + q */
#define SECTORS_PER 32
#define HOST_SECTOR 4096
#define HOST_COUNT  16

static volatile u32 hits[MAX_CPUS][256];

static void handler(struct irq_frame *f)
{
	__atomic_add_fetch(&hits[this_apic_id()][f->vector & 0xff], 1, __ATOMIC_SEQ_CST);
	lapic_eoi();
}

static void ap_main(u32 id)
{
	(void)id;
	kvmclock_init_cpu();
	for (;;)
		sti_hlt();
}

static u32 total_hits(u8 vec)
{
	u32 n = 0;
	for (unsigned c = 0; c < MAX_CPUS; c++)
		n += hits[c][vec];
	return n;
}

/* Wait for the completion interrupt of queue q on `cpu`, then its used element. */
static int complete(struct vq *q, unsigned cpu, u32 want_hits, int head)
{
	u8 vec = (u8)(VEC0 + 1 + q->index);
	u32 len;
	int got;

	GUEST_ASSERT(WAIT_UNTIL(hits[cpu][vec] >= want_hits, 5000));
	got = vq_get_used(q, &len);
	GUEST_ASSERT_EQ(got, head);
	return q->status[head];
}

int main(void)
{
	unsigned cpus = (unsigned)cmdline_get_u64("cpus", 1), nq = (unsigned)cmdline_get_u64("queues", 1);
	u32 seed = (u32)cmdline_get_u64("seed", 1), hostseed = (u32)cmdline_get_u64("hostseed", 2);
	u64 sectors = cmdline_get_u64("sectors", 0), f, want;
	char serial[24] = "";
	struct virtio_dev d;
	static struct vq vq[16];
	static u32 expect[MAX_CPUS][256];
	u32 requests = 0;
	u8 *wbuf, *rbuf, *id;
	int slot;

	if (cmdline_get("serial")) /* a static buffer, reused by the next lookup */
		memcpy(serial, cmdline_get("serial"), strlen(cmdline_get("serial")) < 20 ?
		       strlen(cmdline_get("serial")) : 20);
	kvmclock_init_cpu();
	lapic_enable();
	GUEST_ASSERT(nq >= 1 && nq <= 16 && cpus >= 1 && cpus <= 16);
	for (unsigned v = VEC0; v <= VEC0 + nq; v++)
		irq_set_handler((u8)v, handler);

	GUEST_ASSERT(pci_init());
	slot = pci_find(VIRTIO_VENDOR, VIRTIO_DEV_BLK, 0);
	GUEST_ASSERT(slot >= 0);
	virtio_probe((u8)slot, &d);
	GUEST_ASSERT_EQ(d.num_queues, nq);
	GUEST_ASSERT_EQ(d.msix_size, nq + 1);

	want = VBLK_F_FLUSH | VBLK_F_BLK_SIZE | VBLK_F_SEG_MAX | VBLK_F_MQ |
	       (cmdline_get_u64("evidx", 1) ? VF_EVENT_IDX : 0) |
	       (cmdline_get_u64("indirect", 1) ? VF_INDIRECT : 0);
	f = virtio_start(&d, want);
	GUEST_ASSERT(f & VBLK_F_FLUSH);
	GUEST_ASSERT(f & VBLK_F_BLK_SIZE);
	GUEST_ASSERT(f & VBLK_F_SEG_MAX);
	GUEST_ASSERT_EQ(!!(f & VBLK_F_MQ), nq > 1);
	GUEST_ASSERT_EQ(f & (VF_EVENT_IDX | VF_INDIRECT), want & (VF_EVENT_IDX | VF_INDIRECT));
	/* Device configuration (struct virtio_blk_config). */
	GUEST_ASSERT_EQ((u64)mmio_read32(d.devcfg) | (u64)mmio_read32(d.devcfg + 4) << 32, sectors);
	GUEST_ASSERT_EQ(mmio_read32(d.devcfg + 20), 512);
	if (nq > 1)
		GUEST_ASSERT_EQ(mmio_read16(d.devcfg + 34), nq);

	for (unsigned c = 1; c < cpus; c++)
		GUEST_ASSERT_EQ(smp_start_ap(c, ap_main, 2000), 0);

	/* MSI-X: entry 0 (configuration) to CPU 0; entry 1 + q to CPU q mod cpus. */
	msix_set(&d, 0, 0, VEC0, false);
	for (unsigned q = 0; q < nq; q++)
		msix_set(&d, 1 + q, q % cpus, (u8)(VEC0 + 1 + q), false);
	msix_control(&d, true, false);
	vc_write16(&d, VC_MSIX, 0);
	GUEST_ASSERT_EQ(vc_read16(&d, VC_MSIX), 0);
	for (unsigned q = 0; q < nq; q++)
		vq_setup(&d, &vq[q], (u16)q, 0, (u16)(1 + q));
	virtio_driver_ok(&d);
	GUEST_SYNC("ready", nq, cpus);
	host_wait();

	wbuf = vmem_alloc(SECTORS_PER * 512, 4096);
	rbuf = vmem_alloc(SECTORS_PER * 512, 4096);
	id = vmem_alloc(64, 64);
	for (unsigned q = 0; q < nq; q++) {
		unsigned cpu = q % cpus;
		u8 vec = (u8)(VEC0 + 1 + q);
		u64 sector = (u64)q * 64;
		int head;

		/* Write, then read back. */
		blk_fill(wbuf, sector, SECTORS_PER, seed);
		head = blk_queue(&vq[q], VBLK_T_OUT, sector, (u64)(uintptr_t)wbuf, SECTORS_PER * 512);
		vq_kick(&vq[q]);
		GUEST_ASSERT_EQ(complete(&vq[q], cpu, ++expect[cpu][vec], head), VBLK_S_OK);
		memset(rbuf, 0, SECTORS_PER * 512);
		head = blk_queue(&vq[q], VBLK_T_IN, sector, (u64)(uintptr_t)rbuf, SECTORS_PER * 512);
		vq_kick(&vq[q]);
		GUEST_ASSERT_EQ(complete(&vq[q], cpu, ++expect[cpu][vec], head), VBLK_S_OK);
		GUEST_ASSERT_EQ(blk_check(rbuf, sector, SECTORS_PER, seed), -1);
		requests += 2;

		/* What the host wrote before we started, split over 4 requests in flight. */
		for (unsigned k = 0; k < 4; k++)
			blk_queue(&vq[q], VBLK_T_IN, HOST_SECTOR + k * (HOST_COUNT / 4),
				  (u64)(uintptr_t)rbuf + k * (HOST_COUNT / 4) * 512,
				  HOST_COUNT / 4 * 512);
		vq_kick(&vq[q]);
		GUEST_ASSERT(WAIT_UNTIL(vq_used_idx(&vq[q]) == (u16)(vq[q].last_used + 4), 5000));
		for (unsigned k = 0; k < 4; k++) {
			int h = vq_get_used(&vq[q], NULL);
			GUEST_ASSERT(h >= 0);
			GUEST_ASSERT_EQ(vq[q].status[h], VBLK_S_OK);
		}
		GUEST_ASSERT_EQ(blk_check(rbuf, HOST_SECTOR, HOST_COUNT, hostseed), -1);
		requests += 4;
		/* At least one interrupt for the batch, on the right CPU only. */
		GUEST_ASSERT(WAIT_UNTIL(hits[cpu][vec] > expect[cpu][vec], 5000));
		expect[cpu][vec] = hits[cpu][vec];
	}

	/* Indirect descriptors: one descriptor pointing at a {header, data, status} table. */
	if (d.features & VF_INDIRECT) {
		struct vring_desc_g *table = vmem_alloc(3 * 16, 16);
		u8 *hdr = vmem_alloc(16, 16), *st = vmem_alloc(1, 1);
		struct vbuf b[3] = {
			{ (u64)(uintptr_t)hdr, 16, false },
			{ (u64)(uintptr_t)rbuf, 512, true },
			{ (u64)(uintptr_t)st, 1, true },
		};
		int head;

		*(u32 *)hdr = VBLK_T_IN;
		*(u64 *)(hdr + 8) = 0;
		*st = VBLK_S_NONE;
		head = vq_add_indirect(&vq[0], b, 3, table);
		vq_kick(&vq[0]);
		GUEST_ASSERT(WAIT_UNTIL(vq_used_idx(&vq[0]) != vq[0].last_used, 5000));
		GUEST_ASSERT_EQ(vq_get_used(&vq[0], NULL), head);
		GUEST_ASSERT_EQ(*st, VBLK_S_OK);
		GUEST_ASSERT_EQ(blk_check(rbuf, 0, 1, seed), -1);
		requests++;
	}

	/* FLUSH, GET_ID, and a read past the end (IOERR, not a crash). */
	GUEST_ASSERT_EQ(blk_sync(&vq[0], VBLK_T_FLUSH, 0, 0, 0, 5000), VBLK_S_OK);
	memset(id, 0, 64);
	GUEST_ASSERT_EQ(blk_sync(&vq[0], VBLK_T_GET_ID, 0, (u64)(uintptr_t)id, 20, 5000), VBLK_S_OK);
	GUEST_ASSERT(!strncmp((const char *)id, serial, 20));
	GUEST_ASSERT_EQ(blk_sync(&vq[0], VBLK_T_IN, sectors, (u64)(uintptr_t)rbuf, 512, 5000),
			VBLK_S_IOERR);
	GUEST_ASSERT_EQ(blk_sync(&vq[0], VBLK_T_IN, sectors - 1, (u64)(uintptr_t)rbuf, 1024, 5000),
			VBLK_S_IOERR);
	GUEST_ASSERT_EQ(blk_sync(&vq[0], 77, 0, (u64)(uintptr_t)rbuf, 512, 5000), VBLK_S_UNSUPP);
	requests += 5;
	udelay(20000);

	/* Every queue interrupt went to its vCPU, and no other vCPU saw that vector. */
	for (unsigned q = 0; q < nq; q++) {
		u8 vec = (u8)(VEC0 + 1 + q);
		unsigned cpu = q % cpus;

		GUEST_ASSERT(hits[cpu][vec] >= expect[cpu][vec]);
		GUEST_ASSERT_EQ(total_hits(vec), hits[cpu][vec]);
	}
	GUEST_ASSERT_EQ(total_hits(VEC0), 0); /* no configuration change */
	GUEST_ASSERT_EQ(vc_read8(&d, VC_STATUS) & VS_NEEDS_RESET, 0);
	{
		u32 irqs = 0;
		for (unsigned q = 0; q < nq; q++)
			irqs += total_hits((u8)(VEC0 + 1 + q));
		GUEST_SYNC("blk-done", irqs, requests, nq);
	}
	return 0;
}
