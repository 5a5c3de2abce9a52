/* SPDX-License-Identifier: GPL-2.0-only */
/* Split virtqueues, device side (VIRTIO 1.2 §2.7). */
#include "virtio/queue.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_ring.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Layout (§2.7): desc[size] {addr le64, len le32, flags le16, next le16};
 * avail {flags, idx, ring[size], used_event} le16; used {flags, idx le16,
 * ring[size] {id le32, len le32}, avail_event le16}. */
#define DESC_SIZE       16
#define AVAIL_FLAGS     0
#define AVAIL_IDX       2
#define AVAIL_RING      4
#define USED_FLAGS      0
#define USED_IDX        2
#define USED_RING       4
#define USED_ELEM_SIZE  8

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static int fail(struct virtq *q, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct virtq *q, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->error, sizeof(q->error), fmt, ap);
	va_end(ap);
	return err;
}

/* Guest memory the driver writes concurrently: every index is one atomic 16-bit load. */
static uint16_t load16(const uint8_t *p, int order)
{
	return le16toh(__atomic_load_n((const uint16_t *)(const void *)p, order));
}

static void store16(uint8_t *p, uint16_t v, int order)
{
	__atomic_store_n((uint16_t *)(void *)p, htole16(v), order);
}

int virtq_init(struct virtq *q, const struct guest_mem *mem, uint16_t size, uint64_t desc,
	       uint64_t avail, uint64_t used, bool event_idx, bool indirect)
{
	memset(q, 0, offsetof(struct virtq, iov));
	q->mem = mem;
	if (!size || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return fail(q, -EINVAL, "queue size %u is not a power of two in 1..%u", size,
			    VIRTQ_MAX_SIZE);
	if (desc % 16 || avail % 2 || used % 4)
		return fail(q, -EINVAL, "misaligned rings (descriptors 0x%llx, driver 0x%llx, "
			    "device 0x%llx)", (unsigned long long)desc, (unsigned long long)avail,
			    (unsigned long long)used);
	q->desc = gm_ptr(mem, desc, virtq_desc_bytes(size));
	q->avail = gm_ptr(mem, avail, virtq_avail_bytes(size));
	q->used = gm_ptr(mem, used, virtq_used_bytes(size));
	if (!q->desc || !q->avail || !q->used)
		return fail(q, -EFAULT, "a ring is outside guest RAM (descriptors 0x%llx, driver "
			    "0x%llx, device 0x%llx, %u entries)", (unsigned long long)desc,
			    (unsigned long long)avail, (unsigned long long)used, size);
	q->size = size;
	q->desc_gpa = desc;
	q->avail_gpa = avail;
	q->used_gpa = used;
	q->event_idx = event_idx;
	q->indirect = indirect;
	/* A fresh queue: the driver starts both rings at index 0 (§2.7.6, §2.7.8). */
	q->last_avail = q->used_idx = 0;
	return 0;
}

static void read_desc(const uint8_t *table, unsigned i, struct desc *d)
{
	uint8_t raw[DESC_SIZE];

	memcpy(raw, table + (size_t)i * DESC_SIZE, sizeof(raw)); /* one copy, then checks */
	memcpy(&d->addr, raw, 8);
	memcpy(&d->len, raw + 8, 4);
	memcpy(&d->flags, raw + 12, 2);
	memcpy(&d->next, raw + 14, 2);
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

bool virtq_avail_pending(struct virtq *q)
{
	return !q->broken && q->size && load16(q->avail + AVAIL_IDX, __ATOMIC_ACQUIRE) != q->last_avail;
}

static int broken(struct virtq *q)
{
	q->broken = true;
	return -EINVAL;
}

int virtq_pop(struct virtq *q, struct virtq_chain *c)
{
	const uint8_t *table = q->desc;
	unsigned table_size, steps = 0, n = 0;
	bool in_indirect = false;
	uint16_t avail_idx, head, i;

	if (q->broken)
		return -EINVAL;
	if (!q->size)
		return 0;
	avail_idx = load16(q->avail + AVAIL_IDX, __ATOMIC_ACQUIRE);
	if (avail_idx == q->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - q->last_avail) > q->size) {
		fail(q, -EINVAL, "driver ring index moved from %u to %u, more than the %u entries",
		     q->last_avail, avail_idx, q->size);
		return broken(q);
	}
	head = load16(q->avail + AVAIL_RING + 2 * (q->last_avail & (q->size - 1)), __ATOMIC_RELAXED);
	if (head >= q->size) {
		fail(q, -EINVAL, "head %u is beyond the %u descriptors", head, q->size);
		return broken(q);
	}
	*c = (struct virtq_chain){ .head = head, .iov = q->iov };
	table_size = q->size;
	for (i = head;;) {
		struct desc d;

		if (++steps > table_size) {
			fail(q, -EINVAL, "chain at head %u loops (more than %u descriptors in %s "
			     "table)", head, table_size, in_indirect ? "an indirect" : "the");
			return broken(q);
		}
		read_desc(table, i, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (!q->indirect || in_indirect || (d.flags & VRING_DESC_F_NEXT)) {
				fail(q, -EINVAL, "chain at head %u: %s", head, !q->indirect ?
				     "indirect descriptor without VIRTIO_F_INDIRECT_DESC" : in_indirect ?
				     "nested indirect table" : "indirect descriptor with NEXT");
				return broken(q);
			}
			if (!d.len || d.len % DESC_SIZE || d.len / DESC_SIZE > VIRTQ_MAX_SIZE) {
				fail(q, -EINVAL, "chain at head %u: indirect table of %u bytes", head,
				     d.len);
				return broken(q);
			}
			table = gm_ptr(q->mem, d.addr, d.len);
			if (!table) {
				fail(q, -EINVAL, "chain at head %u: indirect table at 0x%llx+%u is "
				     "outside RAM", head, (unsigned long long)d.addr, d.len);
				return broken(q);
			}
			table_size = d.len / DESC_SIZE;
			in_indirect = true;
			steps = 0;
			i = 0;
			continue;
		}
		if (d.len) {
			void *p = gm_ptr(q->mem, d.addr, d.len);
			bool writable = d.flags & VRING_DESC_F_WRITE;

			if (!p) {
				fail(q, -EINVAL, "chain at head %u: buffer 0x%llx+%u is outside RAM",
				     head, (unsigned long long)d.addr, d.len);
				return broken(q);
			}
			if (!writable && c->nr_in) {
				fail(q, -EINVAL, "chain at head %u: a device-readable buffer after a "
				     "device-writable one", head);
				return broken(q);
			}
			if (n == VIRTQ_MAX_SIZE) {
				fail(q, -EINVAL, "chain at head %u has more than %u buffers", head,
				     VIRTQ_MAX_SIZE);
				return broken(q);
			}
			q->iov[n++] = (struct iovec){ p, d.len };
			if (writable) {
				c->nr_in++;
				c->in_bytes += d.len;
			} else {
				c->nr_out++;
				c->out_bytes += d.len;
			}
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (d.next >= table_size) {
			fail(q, -EINVAL, "chain at head %u: next %u is beyond the %u descriptors",
			     head, d.next, table_size);
			return broken(q);
		}
		i = d.next;
	}
	q->last_avail++;
	return 1;
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	uint8_t *e = q->used + USED_RING + USED_ELEM_SIZE * (q->used_idx & (q->size - 1));
	uint32_t id = htole32(head), l = htole32(len);

	memcpy(e, &id, 4);
	memcpy(e + 4, &l, 4);
	q->used_idx++;
}

void virtq_flush(struct virtq *q)
{
	/* The elements before the index that exposes them (release). */
	store16(q->used + USED_IDX, q->used_idx, __ATOMIC_RELEASE);
}

/* VIRTIO 1.2 §2.7.10: interrupt when used_event is in [old, new). */
static bool need_event(uint16_t event, uint16_t new, uint16_t old)
{
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

bool virtq_needs_interrupt(struct virtq *q)
{
	uint16_t old = q->signalled_used;
	bool valid = q->signalled_valid;

	/* Our used->idx store before the driver's suppression fields. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx)
		return !(load16(q->avail + AVAIL_FLAGS, __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT);
	q->signalled_used = q->used_idx;
	q->signalled_valid = true;
	return !valid || need_event(load16(q->avail + AVAIL_RING + 2 * q->size, __ATOMIC_RELAXED),
				    q->used_idx, old);
}

void virtq_kicks(struct virtq *q, bool enable)
{
	if (!q->size)
		return;
	if (q->event_idx) {
		/* avail_event: kick us when you make entry last_avail available. */
		if (enable)
			store16(q->used + USED_RING + USED_ELEM_SIZE * q->size, q->last_avail,
				__ATOMIC_RELAXED);
	} else {
		store16(q->used + USED_FLAGS, enable ? 0 : VRING_USED_F_NO_NOTIFY, __ATOMIC_RELAXED);
	}
	if (enable)
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* before re-reading avail->idx */
}

/* ---- chain contents ----------------------------------------------------------------- */

static size_t copy(const struct virtq_chain *c, bool writable, uint64_t off, void *buf,
		   size_t len, bool to_chain)
{
	unsigned first = writable ? c->nr_out : 0, n = writable ? c->nr_in : c->nr_out;
	size_t done = 0;

	for (unsigned i = first; i < first + n && done < len; i++) {
		const struct iovec *v = &c->iov[i];
		size_t take;

		if (off >= v->iov_len) {
			off -= v->iov_len;
			continue;
		}
		take = v->iov_len - off;
		if (take > len - done)
			take = len - done;
		if (to_chain)
			memcpy((uint8_t *)v->iov_base + off, (const uint8_t *)buf + done, take);
		else
			memcpy((uint8_t *)buf + done, (const uint8_t *)v->iov_base + off, take);
		done += take;
		off = 0;
	}
	return done;
}

size_t virtq_chain_read(const struct virtq_chain *c, uint64_t off, void *buf, size_t len)
{
	return copy(c, false, off, buf, len, false);
}

size_t virtq_chain_write(const struct virtq_chain *c, uint64_t off, const void *buf, size_t len)
{
	return copy(c, true, off, (void *)buf, len, true);
}

int virtq_chain_slice(const struct virtq_chain *c, bool writable, uint64_t off, uint64_t len,
		      struct iovec *out, unsigned max)
{
	unsigned first = writable ? c->nr_out : 0, n = writable ? c->nr_in : c->nr_out, k = 0;
	uint64_t total = writable ? c->in_bytes : c->out_bytes;

	if (off > total || len > total - off)
		return -1;
	for (unsigned i = first; i < first + n && len; i++) {
		const struct iovec *v = &c->iov[i];
		size_t take;

		if (off >= v->iov_len) {
			off -= v->iov_len;
			continue;
		}
		if (k == max)
			return -1;
		take = v->iov_len - off;
		if (take > len)
			take = len;
		out[k++] = (struct iovec){ (uint8_t *)v->iov_base + off, take };
		len -= take;
		off = 0;
	}
	return (int)k;
}
