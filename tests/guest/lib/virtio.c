/* SPDX-License-Identifier: GPL-2.0-only */
/* A modern virtio-pci driver for guest programs. */
#include "virtio.h"

static u64 vmem_next = VMEM_START;

void *vmem_alloc(u64 size, u64 align)
{
	u64 a = (vmem_next + align - 1) & ~(align - 1);

	GUEST_ASSERT(a + size <= VMEM_END);
	vmem_next = a + size;
	memset((void *)(uintptr_t)a, 0, size);
	return (void *)(uintptr_t)a;
}

/* ---- common configuration ---------------------------------------------------------- */

u8 vc_read8(struct virtio_dev *d, unsigned off) { return mmio_read8(d->common + off); }
u16 vc_read16(struct virtio_dev *d, unsigned off) { return mmio_read16(d->common + off); }
u32 vc_read32(struct virtio_dev *d, unsigned off) { return mmio_read32(d->common + off); }
void vc_write8(struct virtio_dev *d, unsigned off, u8 v) { mmio_write8(d->common + off, v); }
void vc_write16(struct virtio_dev *d, unsigned off, u16 v) { mmio_write16(d->common + off, v); }
void vc_write32(struct virtio_dev *d, unsigned off, u32 v) { mmio_write32(d->common + off, v); }

/* ---- probe ------------------------------------------------------------------------- */

static u64 cap_addr(struct virtio_dev *d, u8 cap, u32 min_len)
{
	u8 bar = (u8)pci_read(d->slot, cap + 4, 1);
	u32 off = pci_read(d->slot, cap + 8, 4), len = pci_read(d->slot, cap + 12, 4);

	GUEST_ASSERT(bar < 6 && d->bar[bar].present && !d->bar[bar].io);
	GUEST_ASSERT(len >= min_len);
	GUEST_ASSERT((u64)off + len <= d->bar[bar].size);
	return d->bar[bar].addr + off;
}

void virtio_probe(u8 slot, struct virtio_dev *d)
{
	unsigned nbars;
	u8 c = 0;

	memset(d, 0, sizeof(*d));
	d->slot = slot;
	/* The header of a modern (non-transitional) virtio function. */
	GUEST_ASSERT_EQ(pci_read(slot, PCI_VENDOR_ID, 2), VIRTIO_VENDOR);
	GUEST_ASSERT(pci_read(slot, PCI_DEVICE_ID, 2) >= 0x1040);
	GUEST_ASSERT(pci_read(slot, PCI_REVISION, 1) >= 1);
	GUEST_ASSERT(pci_read(slot, PCI_SUBSYS_ID, 2) >= 0x40);
	GUEST_ASSERT_EQ(pci_read(slot, PCI_HEADER_TYPE, 1) & 0x7f, 0);
	nbars = pci_assign_bars(slot, d->bar);
	GUEST_ASSERT(nbars >= 1);

	while ((c = pci_find_cap(slot, PCI_CAP_VNDR, c))) {
		u8 len = (u8)pci_read(slot, c + 2, 1), type = (u8)pci_read(slot, c + 3, 1);

		GUEST_ASSERT(len >= 16);
		switch (type) {
		case 1: /* common */
			if (!d->common)
				d->common = cap_addr(d, c, 56);
			break;
		case 2: /* notify */
			GUEST_ASSERT(len >= 20);
			if (!d->notify) {
				d->notify = cap_addr(d, c, 2);
				d->notify_mult = pci_read(slot, c + 16, 4);
			}
			break;
		case 3: /* ISR */
			if (!d->isr)
				d->isr = cap_addr(d, c, 1);
			break;
		case 4: /* device */
			if (!d->devcfg)
				d->devcfg = cap_addr(d, c, 1);
			break;
		case 5: /* PCI configuration access */
			GUEST_ASSERT(len >= 20);
			if (!d->pci_cfg_cap)
				d->pci_cfg_cap = c;
			break;
		}
	}
	GUEST_ASSERT(d->common && d->notify && d->isr && d->devcfg);
	GUEST_ASSERT(d->pci_cfg_cap); /* §4.1.4: MUST present one */

	d->msix_cap = pci_find_cap(slot, PCI_CAP_MSIX, 0);
	if (d->msix_cap) {
		u16 ctl = (u16)pci_read(slot, d->msix_cap + 2, 2);
		u32 t = pci_read(slot, d->msix_cap + 4, 4), p = pci_read(slot, d->msix_cap + 8, 4);

		d->msix_size = (u16)((ctl & 0x7ff) + 1);
		GUEST_ASSERT(d->bar[t & 7].present && d->bar[p & 7].present);
		GUEST_ASSERT((t & ~7u) + 16u * d->msix_size <= d->bar[t & 7].size);
		GUEST_ASSERT((p & ~7u) + 8u * ((d->msix_size + 63) / 64) <= d->bar[p & 7].size);
		d->msix_table = d->bar[t & 7].addr + (t & ~7u);
		d->msix_pba = d->bar[p & 7].addr + (p & ~7u);
	}
	d->num_queues = vc_read16(d, VC_NUMQ);
}

void virtio_reset(struct virtio_dev *d)
{
	vc_write8(d, VC_STATUS, 0);
	for (int i = 0; i < 1000 && vc_read8(d, VC_STATUS); i++)
		udelay(100);
	GUEST_ASSERT_EQ(vc_read8(d, VC_STATUS), 0);
}

u64 virtio_start(struct virtio_dev *d, u64 want)
{
	u64 offered;

	virtio_reset(d);
	vc_write8(d, VC_STATUS, VS_ACK);
	vc_write8(d, VC_STATUS, VS_ACK | VS_DRIVER);
	vc_write32(d, VC_DFSELECT, 0);
	offered = vc_read32(d, VC_DF);
	vc_write32(d, VC_DFSELECT, 1);
	offered |= (u64)vc_read32(d, VC_DF) << 32;
	GUEST_ASSERT(offered & VF_VERSION_1);
	d->features = (want | VF_VERSION_1) & offered;
	vc_write32(d, VC_GFSELECT, 0);
	vc_write32(d, VC_GF, (u32)d->features);
	vc_write32(d, VC_GFSELECT, 1);
	vc_write32(d, VC_GF, (u32)(d->features >> 32));
	vc_write8(d, VC_STATUS, VS_ACK | VS_DRIVER | VS_FEATURES_OK);
	GUEST_ASSERT_EQ(vc_read8(d, VC_STATUS), VS_ACK | VS_DRIVER | VS_FEATURES_OK);
	return d->features;
}

void virtio_driver_ok(struct virtio_dev *d)
{
	vc_write8(d, VC_STATUS, VS_ACK | VS_DRIVER | VS_FEATURES_OK | VS_DRIVER_OK);
	GUEST_ASSERT_EQ(vc_read8(d, VC_STATUS), VS_ACK | VS_DRIVER | VS_FEATURES_OK | VS_DRIVER_OK);
}

void vq_setup(struct virtio_dev *d, struct vq *q, u16 index, u16 size, u16 vector)
{
	u16 max;

	memset(q, 0, sizeof(*q));
	q->dev = d;
	q->index = index;
	vc_write16(d, VC_QSELECT, index);
	max = vc_read16(d, VC_QSIZE);
	GUEST_ASSERT(max > 0);
	q->size = size && size < max ? size : max;
	GUEST_ASSERT((q->size & (q->size - 1)) == 0);
	q->desc = vmem_alloc(16ull * q->size, 4096);
	q->avail = vmem_alloc(6 + 2ull * q->size, 4096);
	q->used = vmem_alloc(6 + 8ull * q->size, 4096);
	q->hdrs = vmem_alloc(16ull * q->size, 64);
	q->status = vmem_alloc(q->size, 64);
	for (u16 i = 0; i < q->size; i++)
		q->desc[i].next = (u16)(i + 1);
	q->free_head = 0;
	q->nfree = q->size;
	vc_write16(d, VC_QSIZE, q->size);
	vc_write16(d, VC_QMSIX, vector);
	GUEST_ASSERT_EQ(vc_read16(d, VC_QMSIX), vector); /* the device took the vector */
	q->vector = vector;
	vc_write32(d, VC_QDESC, (u32)(uintptr_t)q->desc);
	vc_write32(d, VC_QDESC + 4, 0);
	vc_write32(d, VC_QAVAIL, (u32)(uintptr_t)q->avail);
	vc_write32(d, VC_QAVAIL + 4, 0);
	vc_write32(d, VC_QUSED, (u32)(uintptr_t)q->used);
	vc_write32(d, VC_QUSED + 4, 0);
	q->notify_addr = d->notify + (u64)vc_read16(d, VC_QNOFF) * d->notify_mult;
	vc_write16(d, VC_QENABLE, 1);
	GUEST_ASSERT_EQ(vc_read16(d, VC_QENABLE), 1);
}

/* ---- MSI-X ------------------------------------------------------------------------- */

void msix_set(struct virtio_dev *d, unsigned entry, u32 apic_id, u8 vector, bool masked)
{
	u64 e = d->msix_table + 16ull * entry;

	GUEST_ASSERT(entry < d->msix_size);
	mmio_write32(e + 12, 1);
	mmio_write32(e + 0, 0xfee00000u | apic_id << 12);
	mmio_write32(e + 4, 0);
	mmio_write32(e + 8, vector);
	mmio_write32(e + 12, masked);
}

void msix_mask(struct virtio_dev *d, unsigned entry, bool masked)
{
	mmio_write32(d->msix_table + 16ull * entry + 12, masked);
}

bool msix_pending(struct virtio_dev *d, unsigned entry)
{
	return mmio_read64(d->msix_pba + 8ull * (entry / 64)) >> (entry % 64) & 1;
}

void msix_control(struct virtio_dev *d, bool enable, bool fmask)
{
	u16 ctl = (u16)pci_read(d->slot, d->msix_cap + 2, 2) & ~0xc000u;

	pci_write(d->slot, d->msix_cap + 2, 2, ctl | (enable ? 0x8000u : 0) | (fmask ? 0x4000u : 0));
}

/* ---- rings ------------------------------------------------------------------------- */

static int alloc_chain(struct vq *q, unsigned n)
{
	int head;

	if (n == 0 || n > q->nfree)
		return -1;
	head = q->free_head;
	for (unsigned i = 0; i < n; i++)
		q->free_head = q->desc[q->free_head].next;
	q->nfree = (u16)(q->nfree - n);
	return head;
}

static void publish(struct vq *q, u16 head)
{
	q->avail[2 + q->avail_idx % q->size] = head;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	q->avail_idx++;
	__atomic_store_n(&q->avail[1], q->avail_idx, __ATOMIC_SEQ_CST);
}

int vq_add(struct vq *q, const struct vbuf *b, unsigned n)
{
	int head = alloc_chain(q, n);
	u16 i;

	if (head < 0)
		return -1;
	i = (u16)head;
	for (unsigned k = 0; k < n; k++) {
		struct vring_desc_g *dsc = &q->desc[i];

		dsc->addr = b[k].addr;
		dsc->len = b[k].len;
		dsc->flags = (u16)((b[k].write ? VRING_DESC_WRITE : 0) | (k + 1 < n ? VRING_DESC_NEXT : 0));
		if (k + 1 < n)
			i = dsc->next;
	}
	publish(q, (u16)head);
	return head;
}

int vq_add_indirect(struct vq *q, const struct vbuf *b, unsigned n, struct vring_desc_g *table)
{
	int head = alloc_chain(q, 1);

	if (head < 0)
		return -1;
	for (unsigned k = 0; k < n; k++)
		table[k] = (struct vring_desc_g){ b[k].addr, b[k].len,
			(u16)((b[k].write ? VRING_DESC_WRITE : 0) | (k + 1 < n ? VRING_DESC_NEXT : 0)),
			(u16)(k + 1) };
	q->desc[head].addr = (u64)(uintptr_t)table;
	q->desc[head].len = 16 * n;
	q->desc[head].flags = VRING_DESC_INDIRECT;
	publish(q, (u16)head);
	return head;
}

void vq_kick(struct vq *q)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	mmio_write16(q->notify_addr, q->index);
}

u16 vq_used_idx(struct vq *q)
{
	return __atomic_load_n((volatile u16 *)(q->used + 2), __ATOMIC_SEQ_CST);
}

int vq_get_used(struct vq *q, u32 *len)
{
	volatile u8 *e;
	u32 id, n = 1;
	u16 i;

	if (vq_used_idx(q) == q->last_used)
		return -1;
	e = q->used + 4 + 8 * (q->last_used % q->size);
	id = *(volatile u32 *)e;
	if (len)
		*len = *(volatile u32 *)(e + 4);
	q->last_used++;
	/* VIRTIO_F_EVENT_IDX: interrupt me for the next one (used_event). */
	if (q->dev->features & VF_EVENT_IDX)
		__atomic_store_n(&q->avail[2 + q->size], q->last_used, __ATOMIC_SEQ_CST);
	GUEST_ASSERT(id < q->size);
	/* Give the chain back. */
	for (i = (u16)id; q->desc[i].flags & VRING_DESC_NEXT; i = q->desc[i].next)
		n++;
	q->desc[i].next = q->free_head;
	q->free_head = (u16)id;
	q->nfree = (u16)(q->nfree + n);
	q->completed++;
	return (int)id;
}

/* ---- virtio-blk -------------------------------------------------------------------- */

int blk_queue(struct vq *q, u32 type, u64 sector, u64 data, u32 len)
{
	struct vbuf b[3];
	unsigned n = 0;
	int head;
	u8 *hdr;
	volatile u8 *st;

	/* The slot is the head we will get: peek it. */
	if (q->nfree < (len ? 3 : 2))
		return -1;
	hdr = q->hdrs + 16ull * q->free_head;
	st = q->status + q->free_head;
	*(u32 *)hdr = type;
	*(u32 *)(hdr + 4) = 0;
	*(u64 *)(hdr + 8) = sector;
	*st = VBLK_S_NONE;
	b[n++] = (struct vbuf){ (u64)(uintptr_t)hdr, 16, false };
	if (len)
		b[n++] = (struct vbuf){ data, len, type != VBLK_T_OUT };
	b[n++] = (struct vbuf){ (u64)(uintptr_t)st, 1, true };
	head = vq_add(q, b, n);
	GUEST_ASSERT(head >= 0);
	return head;
}

int blk_sync(struct vq *q, u32 type, u64 sector, u64 data, u32 len, u64 ms)
{
	int head = blk_queue(q, type, sector, data, len), got = -1;
	u64 start = kvmclock_ns();

	vq_kick(q);
	while (got < 0 && kvmclock_ns() - start < ms * 1000000ull) {
		got = vq_get_used(q, NULL);
		if (got < 0)
			io_delay();
	}
	if (got < 0)
		return -1;
	GUEST_ASSERT_EQ(got, head);
	return q->status[head];
}

void blk_fill(u8 *buf, u64 sector, u32 sectors, u32 seed)
{
	u32 *w = (u32 *)buf;

	for (u32 s = 0; s < sectors; s++)
		for (u32 i = 0; i < 128; i++)
			w[s * 128 + i] = blk_pattern(sector + s, i, seed);
}

long blk_check(const u8 *buf, u64 sector, u32 sectors, u32 seed)
{
	const u32 *w = (const u32 *)buf;

	for (u32 s = 0; s < sectors; s++)
		for (u32 i = 0; i < 128; i++)
			if (w[s * 128 + i] != blk_pattern(sector + s, i, seed))
				return (long)(s * 512 + i * 4);
	return -1;
}

int blk_bringup(struct virtio_dev *d, struct vq *vq, unsigned nq, u64 want, bool msix)
{
	int slot;

	GUEST_ASSERT(pci_init());
	slot = pci_find(VIRTIO_VENDOR, VIRTIO_DEV_BLK, 0);
	GUEST_ASSERT(slot >= 0);
	virtio_probe((u8)slot, d);
	GUEST_ASSERT(nq <= d->num_queues);
	virtio_start(d, want);
	if (msix)
		vc_write16(d, VC_MSIX, 0);
	for (unsigned q = 0; q < nq; q++)
		vq_setup(d, &vq[q], (u16)q, 0, msix ? (u16)(1 + q) : NO_VECTOR);
	virtio_driver_ok(d);
	return slot;
}

void host_wait(void)
{
	u64 start = kvmclock_ns();

	if (!cmdline_get_u64("wait", 0))
		return;
	/* The host answers with a byte on COM1 once it has looked (over QMP). */
	while (!(inb(COM1 + UART_LSR) & LSR_DR)) {
		GUEST_ASSERT(kvmclock_ns() - start < 60000000000ull);
		udelay(1000);
	}
	(void)inb(COM1 + UART_RBR);
}
