/* SPDX-License-Identifier: GPL-2.0-only */
/* Split virtqueues, device side: a tiny driver in this file writes the rings in a
 * guest_mem; the device code parses them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/queue.h"

#define RAM   (1u << 20)
#define DESC  0x1000
#define AVAIL 0x2000
#define USED  0x3000
#define BUFS  0x10000
#define IND   0x8000

struct drv {
	struct guest_mem mem;
	struct virtq q;
	uint16_t size, avail_idx;
};

static void *g(struct drv *d, uint64_t gpa)
{
	return gm_ptr(&d->mem, gpa, 1);
}

static void put_desc(struct drv *d, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	uint8_t *p = g(d, table + 16ull * i);
	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

static void make_avail(struct drv *d, uint16_t head)
{
	uint16_t *ring = g(d, AVAIL + 4);
	ring[d->avail_idx % d->size] = head;
	d->avail_idx++;
	*(uint16_t *)g(d, AVAIL + 2) = d->avail_idx;
}

static uint16_t used_idx(struct drv *d)
{
	return *(uint16_t *)g(d, USED + 2);
}

static int setup(void **state)
{
	struct drv *d = calloc(1, sizeof(*d));

	assert_int_equal(gm_init(&d->mem, RAM, RAM), 0);
	d->size = 8;
	assert_int_equal(virtq_init(&d->q, &d->mem, d->size, DESC, AVAIL, USED, false, true), 0);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct drv *d = *state;
	gm_destroy(&d->mem);
	free(d);
	return 0;
}

static void test_init_checks(void **state)
{
	struct drv *d = *state;
	struct virtq q;

	assert_int_equal(virtq_init(&q, &d->mem, 0, DESC, AVAIL, USED, false, false), -EINVAL);
	assert_int_equal(virtq_init(&q, &d->mem, 3, DESC, AVAIL, USED, false, false), -EINVAL);
	assert_int_equal(virtq_init(&q, &d->mem, 2048, DESC, AVAIL, USED, false, false), -EINVAL);
	assert_non_null(strstr(q.error, "power of two"));
	assert_int_equal(virtq_init(&q, &d->mem, 8, DESC + 8, AVAIL, USED, false, false), -EINVAL);
	assert_int_equal(virtq_init(&q, &d->mem, 8, DESC, AVAIL + 1, USED, false, false), -EINVAL);
	assert_int_equal(virtq_init(&q, &d->mem, 8, DESC, AVAIL, USED + 2, false, false), -EINVAL);
	assert_non_null(strstr(q.error, "misaligned"));
	assert_int_equal(virtq_init(&q, &d->mem, 8, RAM - 64, AVAIL, USED, false, false), -EFAULT);
	assert_int_equal(virtq_init(&q, &d->mem, 8, DESC, RAM - 8, USED, false, false), -EFAULT);
	assert_int_equal(virtq_init(&q, &d->mem, 8, DESC, AVAIL, 0xfee00000, false, false), -EFAULT);
	assert_non_null(strstr(q.error, "outside guest RAM"));
	/* Exactly at the end of RAM is fine. */
	assert_int_equal(virtq_init(&q, &d->mem, 1024, RAM - 16 * 1024, AVAIL, USED, false, false), 0);
}

static void test_simple_chain(void **state)
{
	struct drv *d = *state;
	struct virtq_chain c;

	assert_int_equal(virtq_pop(&d->q, &c), 0);
	assert_false(virtq_avail_pending(&d->q));
	put_desc(d, DESC, 0, BUFS, 16, VRING_DESC_F_NEXT, 5);
	put_desc(d, DESC, 5, BUFS + 0x100, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	put_desc(d, DESC, 2, BUFS + 0x400, 1, VRING_DESC_F_WRITE, 0);
	make_avail(d, 0);
	assert_true(virtq_avail_pending(&d->q));
	assert_int_equal(virtq_pop(&d->q, &c), 1);
	assert_int_equal(c.head, 0);
	assert_int_equal(c.nr_out, 1);
	assert_int_equal(c.nr_in, 2);
	assert_int_equal(c.out_bytes, 16);
	assert_int_equal(c.in_bytes, 513);
	assert_ptr_equal(c.iov[0].iov_base, g(d, BUFS));
	assert_ptr_equal(c.iov[1].iov_base, g(d, BUFS + 0x100));
	assert_int_equal(c.iov[2].iov_len, 1);
	assert_int_equal(virtq_pop(&d->q, &c), 0);

	virtq_push(&d->q, 0, 513);
	assert_int_equal(used_idx(d), 0); /* not published yet */
	virtq_flush(&d->q);
	assert_int_equal(used_idx(d), 1);
	assert_int_equal(*(uint32_t *)g(d, USED + 4), 0);
	assert_int_equal(*(uint32_t *)g(d, USED + 8), 513);
}

static void test_chain_copy_and_slice(void **state)
{
	struct drv *d = *state;
	struct virtq_chain c;
	struct iovec v[4];
	uint8_t buf[32];

	/* Readable: 5 + 11 bytes; writable: 8 + 8. */
	memcpy(g(d, BUFS), "hello", 5);
	memcpy(g(d, BUFS + 0x100), " world-xyz!", 11);
	put_desc(d, DESC, 0, BUFS, 5, VRING_DESC_F_NEXT, 1);
	put_desc(d, DESC, 1, BUFS + 0x100, 11, VRING_DESC_F_NEXT, 2);
	put_desc(d, DESC, 2, BUFS + 0x200, 8, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 3);
	put_desc(d, DESC, 3, BUFS + 0x300, 8, VRING_DESC_F_WRITE, 0);
	make_avail(d, 0);
	assert_int_equal(virtq_pop(&d->q, &c), 1);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(virtq_chain_read(&c, 3, buf, 6), 6);
	assert_memory_equal(buf, "lo wor", 6);
	assert_int_equal(virtq_chain_read(&c, 10, buf, 32), 6); /* short at the end */
	assert_int_equal(virtq_chain_write(&c, 6, "ABCDEF", 6), 6);
	assert_memory_equal(g(d, BUFS + 0x206), "AB", 2);
	assert_memory_equal(g(d, BUFS + 0x300), "CDEF", 4);
	assert_int_equal(virtq_chain_slice(&c, false, 3, 10, v, 4), 2);
	assert_ptr_equal(v[0].iov_base, g(d, BUFS + 3));
	assert_int_equal(v[0].iov_len, 2);
	assert_int_equal(v[1].iov_len, 8);
	assert_int_equal(virtq_chain_slice(&c, true, 0, 15, v, 4), 2);
	assert_int_equal(v[1].iov_len, 7);
	assert_int_equal(virtq_chain_slice(&c, true, 0, 17, v, 4), -1);
	assert_int_equal(virtq_chain_slice(&c, true, 0, 16, v, 1), -1);
	assert_int_equal(virtq_chain_slice(&c, true, 16, 0, v, 1), 0);
}

static void test_indirect(void **state)
{
	struct drv *d = *state;
	struct virtq_chain c;

	put_desc(d, IND, 0, BUFS, 16, VRING_DESC_F_NEXT, 1);
	put_desc(d, IND, 1, BUFS + 0x100, 4096, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	put_desc(d, IND, 2, BUFS + 0x2000, 1, VRING_DESC_F_WRITE, 0);
	put_desc(d, DESC, 4, IND, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	make_avail(d, 4);
	assert_int_equal(virtq_pop(&d->q, &c), 1);
	assert_int_equal(c.head, 4);
	assert_int_equal(c.nr_out, 1);
	assert_int_equal(c.nr_in, 2);
	assert_int_equal(c.in_bytes, 4097);

	/* A direct readable descriptor, then the indirect table: still one chain. */
	put_desc(d, DESC, 1, BUFS + 0x3000, 8, VRING_DESC_F_NEXT, 4);
	make_avail(d, 1);
	assert_int_equal(virtq_pop(&d->q, &c), 1);
	assert_int_equal(c.nr_out, 2);
}

static void expect_broken(struct drv *d, const char *why)
{
	struct virtq_chain c;

	assert_int_equal(virtq_pop(&d->q, &c), -EINVAL);
	assert_true(d->q.broken);
	assert_non_null(strstr(d->q.error, why));
	/* Broken stays broken: nothing more is taken. */
	assert_int_equal(virtq_pop(&d->q, &c), -EINVAL);
	assert_false(virtq_avail_pending(&d->q));
}

static void test_loop(void **state)
{
	struct drv *d = *state;

	put_desc(d, DESC, 0, BUFS, 16, VRING_DESC_F_NEXT, 1);
	put_desc(d, DESC, 1, BUFS, 16, VRING_DESC_F_NEXT, 0);
	make_avail(d, 0);
	expect_broken(d, "loops");
}

static void test_self_loop(void **state)
{
	struct drv *d = *state;

	put_desc(d, DESC, 3, BUFS, 0, VRING_DESC_F_NEXT, 3); /* zero-length, even */
	make_avail(d, 3);
	expect_broken(d, "loops");
}

static void test_indirect_loop(void **state)
{
	struct drv *d = *state;

	put_desc(d, IND, 0, BUFS, 16, VRING_DESC_F_NEXT, 1);
	put_desc(d, IND, 1, BUFS, 16, VRING_DESC_F_NEXT, 0);
	put_desc(d, DESC, 0, IND, 2 * 16, VRING_DESC_F_INDIRECT, 0);
	make_avail(d, 0);
	expect_broken(d, "loops");
}

static void test_outside_ram(void **state)
{
	struct drv *d = *state;

	put_desc(d, DESC, 0, RAM - 8, 16, 0, 0);
	make_avail(d, 0);
	expect_broken(d, "outside RAM");
}

static void test_addr_wraps(void **state)
{
	struct drv *d = *state;

	put_desc(d, DESC, 0, UINT64_MAX - 4, 16, VRING_DESC_F_WRITE, 0);
	make_avail(d, 0);
	expect_broken(d, "outside RAM");
}

static void test_next_out_of_range(void **state)
{
	struct drv *d = *state;

	put_desc(d, DESC, 0, BUFS, 16, VRING_DESC_F_NEXT, 8);
	make_avail(d, 0);
	expect_broken(d, "beyond");
}

static void test_head_out_of_range(void **state)
{
	struct drv *d = *state;

	make_avail(d, 9);
	expect_broken(d, "head 9");
}

static void test_avail_jump(void **state)
{
	struct drv *d = *state;

	*(uint16_t *)g(d, AVAIL + 2) = 9; /* 9 new entries in an 8-entry queue */
	expect_broken(d, "more than the 8");
}

static void test_readable_after_writable(void **state)
{
	struct drv *d = *state;

	put_desc(d, DESC, 0, BUFS, 16, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	put_desc(d, DESC, 1, BUFS, 16, 0, 0);
	make_avail(d, 0);
	expect_broken(d, "readable buffer after");
}

static void test_indirect_not_negotiated(void **state)
{
	struct drv *d = *state;

	d->q.indirect = false;
	put_desc(d, DESC, 0, IND, 16, VRING_DESC_F_INDIRECT, 0);
	make_avail(d, 0);
	expect_broken(d, "without VIRTIO_F_INDIRECT_DESC");
}

static void test_indirect_nested(void **state)
{
	struct drv *d = *state;

	put_desc(d, IND, 0, IND, 16, VRING_DESC_F_INDIRECT, 0);
	put_desc(d, DESC, 0, IND, 16, VRING_DESC_F_INDIRECT, 0);
	make_avail(d, 0);
	expect_broken(d, "nested");
}

static void test_indirect_with_next(void **state)
{
	struct drv *d = *state;

	put_desc(d, DESC, 0, IND, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	make_avail(d, 0);
	expect_broken(d, "with NEXT");
}

static void test_indirect_bad_len(void **state)
{
	struct drv *d = *state;

	put_desc(d, DESC, 0, IND, 24, VRING_DESC_F_INDIRECT, 0);
	make_avail(d, 0);
	expect_broken(d, "indirect table of 24 bytes");
}

static void test_indirect_too_big(void **state)
{
	struct drv *d = *state;

	put_desc(d, DESC, 0, IND, 16 * (VIRTQ_MAX_SIZE + 1), VRING_DESC_F_INDIRECT, 0);
	make_avail(d, 0);
	expect_broken(d, "indirect table");
}

static void test_too_many_buffers(void **state)
{
	struct drv *d = *state;
	uint64_t table = 0x40000;

	/* A full indirect table of 1024 entries is fine; the direct one before it makes
	 * 1025 buffers. */
	for (unsigned i = 0; i < VIRTQ_MAX_SIZE; i++)
		put_desc(d, table, i, BUFS, 1, i + 1 < VIRTQ_MAX_SIZE ? VRING_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	put_desc(d, DESC, 0, table, 16 * VIRTQ_MAX_SIZE, VRING_DESC_F_INDIRECT, 0);
	make_avail(d, 0);
	struct virtq_chain c;
	assert_int_equal(virtq_pop(&d->q, &c), 1);
	assert_int_equal(c.nr_out, VIRTQ_MAX_SIZE);
	put_desc(d, DESC, 1, BUFS, 1, VRING_DESC_F_NEXT, 0);
	make_avail(d, 1);
	expect_broken(d, "more than 1024 buffers");
}

static void test_zero_length_skipped(void **state)
{
	struct drv *d = *state;
	struct virtq_chain c;

	put_desc(d, DESC, 0, 0xfee00000, 0, VRING_DESC_F_NEXT, 1); /* no bytes: no check */
	put_desc(d, DESC, 1, BUFS, 4, 0, 0);
	make_avail(d, 0);
	assert_int_equal(virtq_pop(&d->q, &c), 1);
	assert_int_equal(c.nr_out, 1);
}

static void test_index_wraps(void **state)
{
	struct drv *d = *state;
	struct virtq_chain c;

	d->q.last_avail = d->q.used_idx = 65534;
	d->avail_idx = 65534;
	*(uint16_t *)g(d, USED + 2) = 65534;
	put_desc(d, DESC, 0, BUFS, 4, 0, 0);
	for (unsigned i = 0; i < 4; i++) {
		make_avail(d, 0);
		assert_int_equal(virtq_pop(&d->q, &c), 1);
		virtq_push(&d->q, 0, 0);
	}
	virtq_flush(&d->q);
	assert_int_equal(used_idx(d), 2);
	assert_int_equal(d->q.last_avail, 2);
}

static void test_interrupt_suppression(void **state)
{
	struct drv *d = *state;
	struct virtq_chain c;

	/* No EVENT_IDX: VRING_AVAIL_F_NO_INTERRUPT decides. */
	put_desc(d, DESC, 0, BUFS, 4, 0, 0);
	make_avail(d, 0);
	assert_int_equal(virtq_pop(&d->q, &c), 1);
	virtq_push(&d->q, 0, 0);
	virtq_flush(&d->q);
	assert_true(virtq_needs_interrupt(&d->q));
	*(uint16_t *)g(d, AVAIL) = VRING_AVAIL_F_NO_INTERRUPT;
	assert_false(virtq_needs_interrupt(&d->q));

	/* EVENT_IDX: interrupt when used_event is crossed. */
	assert_int_equal(virtq_init(&d->q, &d->mem, 8, DESC, AVAIL, USED, true, false), 0);
	d->avail_idx = 0;
	*(uint16_t *)g(d, AVAIL) = 0;
	uint16_t *used_event = g(d, AVAIL + 4 + 2 * 8);
	*used_event = 2; /* interrupt me when the 3rd element (index 2) is used */
	for (unsigned i = 0; i < 4; i++) {
		make_avail(d, 0);
		assert_int_equal(virtq_pop(&d->q, &c), 1);
		virtq_push(&d->q, 0, 0);
		virtq_flush(&d->q);
		/* First decision always interrupts; then only when idx passes 2 -> 3. */
		assert_int_equal(virtq_needs_interrupt(&d->q), i == 0 || i == 2);
	}
}

static void test_kick_suppression(void **state)
{
	struct drv *d = *state;
	struct virtq_chain c;

	virtq_kicks(&d->q, false);
	assert_int_equal(*(uint16_t *)g(d, USED), VRING_USED_F_NO_NOTIFY);
	virtq_kicks(&d->q, true);
	assert_int_equal(*(uint16_t *)g(d, USED), 0);

	assert_int_equal(virtq_init(&d->q, &d->mem, 8, DESC, AVAIL, USED, true, false), 0);
	put_desc(d, DESC, 0, BUFS, 4, 0, 0);
	make_avail(d, 0);
	make_avail(d, 0);
	assert_int_equal(virtq_pop(&d->q, &c), 1);
	virtq_kicks(&d->q, true);
	assert_int_equal(*(uint16_t *)g(d, USED + 4 + 8 * 8), 1); /* avail_event = last_avail */
	assert_true(virtq_avail_pending(&d->q));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_init_checks),
		T(test_simple_chain),
		T(test_chain_copy_and_slice),
		T(test_indirect),
		T(test_loop),
		T(test_self_loop),
		T(test_indirect_loop),
		T(test_outside_ram),
		T(test_addr_wraps),
		T(test_next_out_of_range),
		T(test_head_out_of_range),
		T(test_avail_jump),
		T(test_readable_after_writable),
		T(test_indirect_not_negotiated),
		T(test_indirect_nested),
		T(test_indirect_with_next),
		T(test_indirect_bad_len),
		T(test_indirect_too_big),
		T(test_too_many_buffers),
		T(test_zero_length_skipped),
		T(test_index_wraps),
		T(test_interrupt_suppression),
		T(test_kick_suppression),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
