/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device side of a split virtqueue (VIRTIO 1.2 §2.7): the descriptor table, the
 * driver ("available") ring and the device ("used") ring in guest RAM.  Pure logic over
 * struct guest_mem: cmocka and libFuzzer drive it without a VM.
 *
 *   virtq_init()        checks the three areas (size a power of two <= VIRTQ_MAX_SIZE,
 *                       alignment, entirely in RAM) and keeps host pointers to them.
 *   virtq_pop()         the next descriptor chain as host iovecs: device-readable buffers
 *                       first, then device-writable ones.
 *   virtq_push()        a used element; virtq_flush() publishes the batch (one store of
 *                       used->idx), virtq_needs_interrupt() says whether the driver wants
 *                       an interrupt for it (VIRTIO_F_EVENT_IDX or VRING_AVAIL_F_NO_INTERRUPT).
 *   virtq_kicks()       ask for (or suppress) the driver's notifications while working.
 *
 * Everything in guest memory is hostile and may change under us: each descriptor is copied
 * once, then checked.  A chain is refused when a buffer is outside RAM, the chain loops or
 * is longer than its table, an indirect table is bad (not negotiated, nested, with NEXT,
 * misaligned length, outside RAM), a readable buffer follows a writable one, it holds more
 * than VIRTQ_MAX_SIZE buffers, the head or a next index is out of range, or the driver moved
 * avail->idx by more than the queue size.  A refused chain breaks the queue (`broken`,
 * with `error` saying why): the transport then sets DEVICE_NEEDS_RESET (§2.1.2).
 *
 * Not thread-safe: the owner serializes calls on one queue.  The guest runs concurrently:
 * indexes are read with acquire and published with release ordering; the fences the
 * notification protocols need are inside.
 */
#ifndef XKVM_VIRTIO_QUEUE_H
#define XKVM_VIRTIO_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vm/memory.h"

#define VIRTQ_MAX_SIZE 1024 /* entries of a queue, and buffers in one chain */

struct virtq_chain {
	uint16_t head;       /* descriptor index to hand back in the used ring */
	unsigned nr_out;     /* device-readable buffers: iov[0 .. nr_out) */
	unsigned nr_in;      /* device-writable buffers: iov[nr_out .. nr_out + nr_in) */
	uint64_t out_bytes, in_bytes;
	struct iovec *iov;   /* valid until the next virtq_pop() */
};

struct virtq {
	const struct guest_mem *mem;
	uint16_t size;
	bool event_idx;      /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;       /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint8_t *desc, *avail, *used; /* host views of the three areas */

	uint16_t last_avail;     /* next available entry to take */
	uint16_t used_idx;       /* our used->idx, published by virtq_flush() */
	uint16_t signalled_used; /* used_idx when we last decided about an interrupt */
	bool signalled_valid;

	bool broken;
	char error[160];
	struct iovec iov[VIRTQ_MAX_SIZE];
};

/* Sizes of the three areas for `size` entries (used_event / avail_event included). */
static inline uint64_t virtq_desc_bytes(unsigned size) { return 16ull * size; }
static inline uint64_t virtq_avail_bytes(unsigned size) { return 6 + 2ull * size; }
static inline uint64_t virtq_used_bytes(unsigned size) { return 6 + 8ull * size; }

/* 0, -EINVAL (size, alignment) or -EFAULT (not RAM); `q->error` says which. */
int virtq_init(struct virtq *q, const struct guest_mem *mem, uint16_t size, uint64_t desc,
	       uint64_t avail, uint64_t used, bool event_idx, bool indirect);

/* 1: a chain in `c`; 0: nothing available; -EINVAL: the queue is broken (see error). */
int virtq_pop(struct virtq *q, struct virtq_chain *c);
/* True when the driver has made buffers available that we have not taken. */
bool virtq_avail_pending(struct virtq *q);

/* Return chain `head` having written `len` bytes into its writable buffers. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t len);
/* Publish the pushed elements (used->idx, release). */
void virtq_flush(struct virtq *q);
/* After a flush: does the driver want an interrupt for what was published since the
 * last time this returned? */
bool virtq_needs_interrupt(struct virtq *q);

/* Driver notifications off (while we are about to look at the ring anyway) or on again
 * (with a full fence: check virtq_avail_pending() after turning them on). */
void virtq_kicks(struct virtq *q, bool enable);

/* Copy between the chain's readable (out) or writable (in) bytes and a buffer, from byte
 * `off` of that part.  Returns the bytes copied (short at the end of the part). */
size_t virtq_chain_read(const struct virtq_chain *c, uint64_t off, void *buf, size_t len);
size_t virtq_chain_write(const struct virtq_chain *c, uint64_t off, const void *buf, size_t len);
/* The iovecs covering [off, off + len) of the readable or writable part, into out[max].
 * Returns how many, or -1 if the range is not inside the part or needs more than `max`. */
int virtq_chain_slice(const struct virtq_chain *c, bool writable, uint64_t off, uint64_t len,
		      struct iovec *out, unsigned max);

#endif
