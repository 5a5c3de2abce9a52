/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A hostile virtio-blk driver.  Each broken ring gets the architectural answer: the
 * device sets DEVICE_NEEDS_RESET, raises the configuration interrupt (ISR bit 1 and the
 * configuration vector), stops serving the queue, and works again after a reset:
 *   a descriptor loop, a buffer outside RAM, avail->idx moved by more than the queue size,
 *   a head beyond the table, nested and misnamed indirect tables, a request too short for
 *   its header, a readable buffer after a writable one, rings outside RAM at queue enable.
 * Bad input that breaks nothing gets its answer and is logged: wrong access sizes and
 * read-only fields in the common configuration, an MSI-X vector beyond the table (reads
 * back NO_VECTOR), features never offered (FEATURES_OK refused), a notification for a
 * queue that does not exist, MSI-X entries with reserved bits (delivered, bits cleared) or
 * a destination no vCPU has (not delivered), MSI-X table accesses of the wrong size or
 * out of range.  xkvm must still be serving at the end.
 * Reports SYNC("bad-done", cases).
 */
#include "guest.h"
#include "virtio.h"

#define VEC_CFG 0x40
#define VEC_Q   0x41

static volatile u32 hits[MAX_CPUS][256];
static struct virtio_dev d;
static struct vq vq;
static u8 *buf;
static unsigned cases;

static void handler(struct irq_frame *f)
{
	__atomic_add_fetch(&hits[this_apic_id()][f->vector & 0xff], 1, __ATOMIC_SEQ_CST);
	lapic_eoi();
}

static void restart(void)
{
	virtio_start(&d, VF_INDIRECT | VF_EVENT_IDX);
	vc_write16(&d, VC_MSIX, 0);
	vq_setup(&d, &vq, 0, 16, 1);
	virtio_driver_ok(&d);
}

/* A good request completes (interrupt on VEC_Q). */
static void works(void)
{
	u32 before = hits[0][VEC_Q];

	GUEST_ASSERT_EQ(blk_sync(&vq, VBLK_T_IN, 0, (u64)(uintptr_t)buf, 512, 5000), VBLK_S_OK);
	GUEST_ASSERT(WAIT_UNTIL(hits[0][VEC_Q] > before, 2000));
}

/* Make `head` available (whatever the descriptors say) and kick. */
static void offer(u16 head)
{
	vq.avail[2 + vq.avail_idx % vq.size] = head;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq.avail_idx++;
	vq.avail[1] = vq.avail_idx;
	vq_kick(&vq);
}

/* The device must now be broken: NEEDS_RESET, a configuration interrupt, no service. */
static void expect_needs_reset(const char *what)
{
	u32 cfg = hits[0][VEC_CFG];
	u16 used = vq_used_idx(&vq);

	GUEST_ASSERT(WAIT_UNTIL(vc_read8(&d, VC_STATUS) & VS_NEEDS_RESET, 2000));
	GUEST_ASSERT(WAIT_UNTIL(hits[0][VEC_CFG] > cfg, 2000));
	GUEST_ASSERT(mmio_read8(d.isr) & 2); /* configuration change */
	/* Stopped: a good request is not served. */
	blk_queue(&vq, VBLK_T_IN, 0, (u64)(uintptr_t)buf, 512);
	vq_kick(&vq);
	udelay(20000);
	GUEST_ASSERT_EQ(vq_used_idx(&vq), used);
	/* Status writes do not clear it; a reset does. */
	vc_write8(&d, VC_STATUS, VS_ACK | VS_DRIVER | VS_FEATURES_OK | VS_DRIVER_OK);
	GUEST_ASSERT(vc_read8(&d, VC_STATUS) & VS_NEEDS_RESET);
	restart();
	GUEST_ASSERT_EQ(vc_read8(&d, VC_STATUS) & VS_NEEDS_RESET, 0);
	works();
	cases++;
	gprintf("bad ring handled: %s", what);
}

static void set_desc(unsigned i, u64 addr, u32 len, u16 flags, u16 next)
{
	vq.desc[i] = (struct vring_desc_g){ addr, len, flags, next };
}

int main(void)
{
	u8 *hdr;
	u32 cfgbase;

	kvmclock_init_cpu();
	lapic_enable();
	irq_set_handler(VEC_CFG, handler);
	irq_set_handler(VEC_Q, handler);
	irq_set_handler(0x42, handler);
	blk_bringup(&d, &vq, 1, VF_INDIRECT | VF_EVENT_IDX, true);
	buf = vmem_alloc(4096, 4096);
	hdr = vmem_alloc(64, 64);
	msix_set(&d, 0, 0, VEC_CFG, false);
	msix_set(&d, 1, 0, VEC_Q, false);
	msix_control(&d, true, false);
	/* The queue above was set up before MSI-X was on; start over cleanly. */
	restart();
	works();

	*(u32 *)hdr = VBLK_T_IN;
	*(u64 *)(hdr + 8) = 0;

	/* 1. A loop. */
	set_desc(0, (u64)(uintptr_t)hdr, 16, VRING_DESC_NEXT, 1);
	set_desc(1, (u64)(uintptr_t)buf, 512, VRING_DESC_NEXT, 0);
	offer(0);
	expect_needs_reset("descriptor loop");

	/* 2. A buffer outside RAM (the guest has 128 MiB). */
	set_desc(0, (u64)(uintptr_t)hdr, 16, VRING_DESC_NEXT, 1);
	set_desc(1, 0xf0000000ull, 512, VRING_DESC_WRITE, 0);
	offer(0);
	expect_needs_reset("buffer outside RAM");

	/* 3. avail->idx moved by more than the queue size. */
	vq.avail_idx = (u16)(vq.avail_idx + vq.size + 1);
	vq.avail[1] = vq.avail_idx;
	vq_kick(&vq);
	expect_needs_reset("avail index jump");

	/* 4. A head beyond the table. */
	offer((u16)(vq.size + 3));
	expect_needs_reset("head out of range");

	/* 5. An indirect table inside an indirect table. */
	{
		struct vring_desc_g *t = vmem_alloc(64, 16);
		t[0] = (struct vring_desc_g){ (u64)(uintptr_t)t, 32, VRING_DESC_INDIRECT, 0 };
		set_desc(0, (u64)(uintptr_t)t, 16, VRING_DESC_INDIRECT, 0);
		offer(0);
		expect_needs_reset("nested indirect table");
		/* An indirect table whose length is not a multiple of 16. */
		set_desc(0, (u64)(uintptr_t)t, 24, VRING_DESC_INDIRECT, 0);
		offer(0);
		expect_needs_reset("indirect table length");
	}

	/* 6. A request with no room for its header (8 readable bytes). */
	set_desc(0, (u64)(uintptr_t)hdr, 8, VRING_DESC_NEXT, 1);
	set_desc(1, (u64)(uintptr_t)buf, 1, VRING_DESC_WRITE, 0);
	offer(0);
	expect_needs_reset("short request header");

	/* 7. A readable buffer after a writable one. */
	set_desc(0, (u64)(uintptr_t)buf, 512, VRING_DESC_NEXT | VRING_DESC_WRITE, 1);
	set_desc(1, (u64)(uintptr_t)hdr, 16, 0, 0);
	offer(0);
	expect_needs_reset("readable after writable");

	/* 8. Rings outside RAM at queue enable. */
	virtio_start(&d, VF_INDIRECT | VF_EVENT_IDX);
	vc_write16(&d, VC_QSELECT, 0);
	vc_write32(&d, VC_QDESC, 0xf0000000u);
	vc_write32(&d, VC_QDESC + 4, 0);
	vc_write16(&d, VC_QENABLE, 1);
	GUEST_ASSERT(vc_read8(&d, VC_STATUS) & VS_NEEDS_RESET);
	GUEST_ASSERT_EQ(vc_read16(&d, VC_QENABLE), 0);
	restart();
	works();
	cases++;

	/* ---- input that breaks nothing ---------------------------------------------- */
	/* Common configuration: wrong sizes read all-ones, read-only fields stay. */
	GUEST_ASSERT_EQ(vc_read32(&d, VC_NUMQ), 0xffffffff);
	GUEST_ASSERT_EQ(vc_read8(&d, VC_QSIZE), 0xff);
	vc_write16(&d, VC_NUMQ, 9);
	GUEST_ASSERT_EQ(vc_read16(&d, VC_NUMQ), 1);
	/* A queue that does not exist: size 0, writes ignored. */
	vc_write16(&d, VC_QSELECT, 5);
	GUEST_ASSERT_EQ(vc_read16(&d, VC_QSIZE), 0);
	vc_write16(&d, VC_QENABLE, 1);
	GUEST_ASSERT_EQ(vc_read16(&d, VC_QENABLE), 0);
	vc_write16(&d, VC_QSELECT, 0);
	/* An enabled queue's fields do not change. */
	vc_write16(&d, VC_QSIZE, 4);
	GUEST_ASSERT_EQ(vc_read16(&d, VC_QSIZE), vq.size);
	/* MSI-X vectors beyond the table read back NO_VECTOR. */
	vc_write16(&d, VC_MSIX, 99);
	GUEST_ASSERT_EQ(vc_read16(&d, VC_MSIX), NO_VECTOR);
	vc_write16(&d, VC_MSIX, 0);
	/* Notifications for a queue that does not exist; a write to the ISR; device config. */
	mmio_write16(d.notify + 7 * d.notify_mult, 7);
	mmio_write8(d.isr, 0xff);
	mmio_write32(d.devcfg, 0xffffffff);
	GUEST_ASSERT(mmio_read32(d.devcfg) != 0xffffffff);
	works();
	cases++;

	/* Features never offered: FEATURES_OK does not stick. */
	virtio_reset(&d);
	vc_write8(&d, VC_STATUS, VS_ACK | VS_DRIVER);
	vc_write32(&d, VC_GFSELECT, 1);
	vc_write32(&d, VC_GF, 1 | 1u << 30);       /* VERSION_1 and bit 62 */
	vc_write32(&d, VC_GFSELECT, 0);
	vc_write32(&d, VC_GF, 0);
	vc_write8(&d, VC_STATUS, VS_ACK | VS_DRIVER | VS_FEATURES_OK);
	GUEST_ASSERT_EQ(vc_read8(&d, VC_STATUS) & VS_FEATURES_OK, 0);
	/* Nor without VERSION_1. */
	virtio_reset(&d);
	vc_write8(&d, VC_STATUS, VS_ACK | VS_DRIVER);
	vc_write8(&d, VC_STATUS, VS_ACK | VS_DRIVER | VS_FEATURES_OK);
	GUEST_ASSERT_EQ(vc_read8(&d, VC_STATUS) & VS_FEATURES_OK, 0);
	restart();
	works();
	cases++;

	/* MSI-X table: wrong sizes and out of range read all-ones, writes dropped. */
	GUEST_ASSERT_EQ(mmio_read8(d.msix_table), 0xff);
	GUEST_ASSERT_EQ(mmio_read16(d.msix_table + 12), 0xffff);
	GUEST_ASSERT_EQ(mmio_read32(d.msix_table + 16 * d.msix_size), 0xffffffff);
	GUEST_ASSERT_EQ(mmio_read32(d.msix_table + 2), 0xffffffff);
	mmio_write8(d.msix_table + 16 + 12, 1);            /* not a mask */
	mmio_write32(d.msix_pba, 0xffffffff);              /* read-only */
	GUEST_ASSERT_EQ(mmio_read32(d.msix_pba), 0);
	works();
	/* Reserved data bits: delivered, with the bits cleared. */
	mmio_write32(d.msix_table + 16 + 8, 0xabcd0000u | VEC_Q);
	works();
	mmio_write32(d.msix_table + 16 + 8, VEC_Q);
	/* A destination no vCPU has: the request completes, no interrupt anywhere. */
	cfgbase = hits[0][VEC_Q];
	mmio_write32(d.msix_table + 16, 0xfee00000u | 0x77u << 12);
	GUEST_ASSERT_EQ(blk_sync(&vq, VBLK_T_IN, 0, (u64)(uintptr_t)buf, 512, 5000), VBLK_S_OK);
	WAIT_UNTIL(false, 30);
	GUEST_ASSERT_EQ(hits[0][VEC_Q], cfgbase);
	mmio_write32(d.msix_table + 16, 0xfee00000u);
	works();
	cases++;

	GUEST_SYNC("bad-done", cases);
	return 0;
}
