/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small modern virtio-pci driver (VIRTIO 1.2 §4.1) and split virtqueues, driver side,
 * for guest programs: probe (BARs placed by the guest, every virtio capability checked),
 * reset and feature negotiation, queue set-up, MSI-X table programming, and a virtio-blk
 * request helper.  Memory for rings and buffers comes from a bump allocator in guest RAM
 * at VMEM_START (identity mapped).
 */
#ifndef GUEST_VIRTIO_H
#define GUEST_VIRTIO_H

#include "guest.h"
#include "pci.h"

#define VMEM_START 0x2000000ull /* 32 MiB: above the program, its stacks and tables */
#define VMEM_END   0x6000000ull /* 96 MiB: programs run with -m 128M or more */

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_DEV_BLK 0x1042

/* common configuration (struct virtio_pci_common_cfg) */
#define VC_DFSELECT 0
#define VC_DF       4
#define VC_GFSELECT 8
#define VC_GF       12
#define VC_MSIX     16
#define VC_NUMQ     18
#define VC_STATUS   20
#define VC_CFGGEN   21
#define VC_QSELECT  22
#define VC_QSIZE    24
#define VC_QMSIX    26
#define VC_QENABLE  28
#define VC_QNOFF    30
#define VC_QDESC    32
#define VC_QAVAIL   40
#define VC_QUSED    48

#define VS_ACK         1
#define VS_DRIVER      2
#define VS_DRIVER_OK   4
#define VS_FEATURES_OK 8
#define VS_NEEDS_RESET 0x40
#define VS_FAILED      0x80

#define VF_VERSION_1   (1ull << 32)
#define VF_INDIRECT    (1ull << 28)
#define VF_EVENT_IDX   (1ull << 29)
#define VBLK_F_SEG_MAX  (1ull << 2)
#define VBLK_F_RO       (1ull << 5)
#define VBLK_F_BLK_SIZE (1ull << 6)
#define VBLK_F_FLUSH    (1ull << 9)
#define VBLK_F_MQ       (1ull << 12)

#define VBLK_T_IN     0
#define VBLK_T_OUT    1
#define VBLK_T_FLUSH  4
#define VBLK_T_GET_ID 8
#define VBLK_S_OK     0
#define VBLK_S_IOERR  1
#define VBLK_S_UNSUPP 2
#define VBLK_S_NONE   0xff /* what we put before submitting */

#define VRING_DESC_NEXT     1
#define VRING_DESC_WRITE    2
#define VRING_DESC_INDIRECT 4
#define NO_VECTOR 0xffff

void *vmem_alloc(u64 size, u64 align);

struct virtio_dev {
	u8 slot;
	struct pci_bar bar[6];
	u64 common, isr, devcfg, notify;
	u32 notify_mult;
	u8 pci_cfg_cap;
	u8 msix_cap;
	u16 msix_size;
	u64 msix_table, msix_pba;
	u16 num_queues;
	u64 features;
};

struct vring_desc_g {
	u64 addr;
	u32 len;
	u16 flags, next;
};

struct vq {
	struct virtio_dev *dev;
	u16 index, size;
	struct vring_desc_g *desc;
	volatile u16 *avail;      /* flags, idx, ring[size], used_event */
	volatile u8 *used;        /* flags, idx, {id, len}[size], avail_event */
	u16 avail_idx, last_used;
	u16 free_head, nfree;
	u64 notify_addr;
	u16 vector;
	/* virtio-blk request slots, by head descriptor */
	u8 *hdrs;                 /* 16 bytes per descriptor */
	volatile u8 *status;      /* 1 byte per descriptor */
	u64 completed;
};

/* Find, place BARs, walk and check every capability.  Asserts on anything malformed. */
void virtio_probe(u8 slot, struct virtio_dev *d);
u8 vc_read8(struct virtio_dev *d, unsigned off);
u16 vc_read16(struct virtio_dev *d, unsigned off);
u32 vc_read32(struct virtio_dev *d, unsigned off);
void vc_write8(struct virtio_dev *d, unsigned off, u8 v);
void vc_write16(struct virtio_dev *d, unsigned off, u16 v);
void vc_write32(struct virtio_dev *d, unsigned off, u32 v);
/* Reset, ACKNOWLEDGE | DRIVER, negotiate (`want` & offered, VERSION_1 required),
 * FEATURES_OK; returns the negotiated features. */
u64 virtio_start(struct virtio_dev *d, u64 want);
void virtio_reset(struct virtio_dev *d);
void virtio_driver_ok(struct virtio_dev *d);
/* Queue `index` with `size` entries (0: the device's maximum), MSI-X vector `vector`. */
void vq_setup(struct virtio_dev *d, struct vq *q, u16 index, u16 size, u16 vector);

/* MSI-X table entries (fixed delivery, physical destination `apic_id`). */
void msix_set(struct virtio_dev *d, unsigned entry, u32 apic_id, u8 vector, bool masked);
void msix_mask(struct virtio_dev *d, unsigned entry, bool masked);
bool msix_pending(struct virtio_dev *d, unsigned entry);
void msix_control(struct virtio_dev *d, bool enable, bool fmask);

/* Descriptors: a chain of n buffers (writable ones flagged), made available. */
struct vbuf {
	u64 addr;
	u32 len;
	bool write;
};
int vq_add(struct vq *q, const struct vbuf *b, unsigned n);
/* Same, as one indirect descriptor pointing at a table in `table`. */
int vq_add_indirect(struct vq *q, const struct vbuf *b, unsigned n, struct vring_desc_g *table);
void vq_kick(struct vq *q);
/* A used element, if any: returns the head (and len), or -1. */
int vq_get_used(struct vq *q, u32 *len);
u16 vq_used_idx(struct vq *q);

/* virtio-blk: queue a request (not kicked); returns its head.  `data` may be 0 for FLUSH. */
int blk_queue(struct vq *q, u32 type, u64 sector, u64 data, u32 len);
/* Submit, kick and wait (polling the used ring, at most `ms`); returns the status byte or
 * -1 on timeout. */
int blk_sync(struct vq *q, u32 type, u64 sector, u64 data, u32 len, u64 ms);

/* The first virtio-blk: probe, negotiate `want`, queues 0..nq-1 on MSI-X vectors 1 + q
 * (configuration on 0) or NO_VECTOR without `msix`, DRIVER_OK.  Returns the slot.  The
 * MSI-X table and its enable are the caller's. */
int blk_bringup(struct virtio_dev *d, struct vq *vq, unsigned nq, u64 want, bool msix);

/* With wait=1 on the command line: block until the host sends a byte on COM1 (after a
 * GUEST_SYNC, so the host can inspect the VM, e.g. over QMP). */
void host_wait(void);

/* The test pattern: 32-bit word `w` of sector `s` (tests/guest/test_virtio.py has its twin). */
static inline u32 blk_pattern(u64 s, u32 w, u32 seed)
{
	u32 x = (u32)(s * 2654435761u) ^ (w * 40503u) ^ seed;
	x ^= x >> 13;
	x *= 0x5bd1e995u;
	x ^= x >> 15;
	return x;
}
void blk_fill(u8 *buf, u64 sector, u32 sectors, u32 seed);
/* First mismatching byte offset, or -1. */
long blk_check(const u8 *buf, u64 sector, u32 sectors, u32 seed);

#endif
