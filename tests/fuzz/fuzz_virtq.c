/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the split-virtqueue parser (virtio/queue.c) and the virtio-blk request
 * executor (virtio/blk_req.c) over guest memory the fuzzer writes.
 *
 * Input: 8 bytes of parameters (queue size exponent, feature bits, ring offsets), then the
 * contents of a 64 KiB guest RAM.  The device side pops chains until the queue is empty or
 * broken, executes each as a virtio-blk request against a 64 KiB memfd image, and returns
 * it.  Checked on every chain: each buffer lies inside guest RAM, readable ones first, at
 * most VIRTQ_MAX_SIZE of them, the byte counts add up; a broken queue stays broken.  Rings
 * may overlap (our used-ring writes can then feed the driver's ring forever), so, like the
 * I/O thread, the loop takes a bounded number of chains per round.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "virtio/blk_req.h"
#include "virtio/queue.h"

#define RAM (64u << 10)

static struct guest_mem mem;
static struct blk_backend *be;
static int img = -1;
static struct virtq *q;

static void init_once(void)
{
	if (q)
		return;
	if (gm_init(&mem, RAM, RAM) < 0)
		abort();
	img = memfd_create("fuzz-img", 0);
	if (img < 0 || ftruncate(img, RAM) < 0)
		abort();
	be = calloc(1, sizeof(*be));
	q = calloc(1, sizeof(*q));
	if (!be || !q)
		abort();
	be->name = "fuzz";
	be->fd = img;
	be->sectors = RAM / 512;
	be->rl = (struct ratelimit)RATELIMIT_INIT;
	log_set_level(LOG_ERROR); /* guest-triggered warnings are expected here */
}

static bool in_ram(const void *p, size_t len)
{
	const uint8_t *b = mem.region[0].hva;
	return (const uint8_t *)p >= b && (const uint8_t *)p + len <= b + mem.region[0].size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtq_chain c;
	uint16_t qsize;
	unsigned rounds = 0;
	char why[160];
	int r;

	init_once();
	if (size < 8)
		return 0;
	qsize = (uint16_t)(1u << (data[0] % 11)); /* 1..1024 */
	be->readonly = data[1] & 4;
	memset(mem.region[0].hva, 0, RAM);
	memcpy(mem.region[0].hva, data + 8, size - 8 < RAM ? size - 8 : RAM);
	r = virtq_init(q, &mem, qsize, (uint64_t)(data[2] & 0x0f) << 12, (uint64_t)(data[3] & 0x0f) << 12,
		       (uint64_t)(data[4] & 0x0f) << 12, data[1] & 1, data[1] & 2);
	if (r < 0)
		return 0;
	for (;;) {
		uint16_t before = q->last_avail;

		r = virtq_pop(q, &c);
		if (r <= 0) {
			if (r < 0) {
				assert(q->broken && q->error[0]);
				assert(virtq_pop(q, &c) == -EINVAL);
			}
			break;
		}
		assert((uint16_t)(q->last_avail - before) == 1);
		assert(c.head < qsize);
		assert(c.nr_out + c.nr_in <= VIRTQ_MAX_SIZE);
		{
			uint64_t out = 0, in = 0;
			for (unsigned i = 0; i < c.nr_out + c.nr_in; i++) {
				assert(c.iov[i].iov_len && in_ram(c.iov[i].iov_base, c.iov[i].iov_len));
				*(i < c.nr_out ? &out : &in) += c.iov[i].iov_len;
			}
			assert(out == c.out_bytes && in == c.in_bytes);
		}
		r = blk_req_execute(be, &c, why, sizeof(why));
		assert(r == -EINVAL || (r >= 1 && (uint64_t)r <= c.in_bytes));
		virtq_push(q, c.head, r < 0 ? 0 : (uint32_t)r);
		virtq_flush(q);
		(void)virtq_needs_interrupt(q);
		virtq_kicks(q, true);
		if (++rounds == 4u * qsize)
			break;
	}
	return 0;
}
