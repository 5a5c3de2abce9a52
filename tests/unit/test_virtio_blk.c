/* SPDX-License-Identifier: GPL-2.0-only */
/* virtio-blk requests (virtio/blk_req.c) against a temporary image file: chains are built
 * by hand, split in every way a driver may split them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/virtio_blk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "virtio/blk_req.h"

#define SECTORS 64

struct fx {
	char path[64];
	struct blk_backend *b;
	struct iovec iov[8];
	struct virtq_chain c;
	uint8_t hdr[16], data[4096], status[4], id[32];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int fd;

	snprintf(f->path, sizeof(f->path), "/tmp/xkvm-blk-test-XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, SECTORS * 512 + 100), 0); /* a ragged tail: not a sector */
	f->b = calloc(1, sizeof(*f->b));
	f->b->name = "test";
	f->b->fd = fd;
	f->b->sectors = SECTORS;
	f->b->rl = (struct ratelimit)RATELIMIT_INIT;
	memcpy(f->b->serial, "serial-0123456789abc", 20);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	close(f->b->fd);
	unlink(f->path);
	free(f->b);
	free(f);
	return 0;
}

static void hdr(struct fx *f, uint32_t type, uint64_t sector)
{
	memset(f->hdr, 0, sizeof(f->hdr));
	memcpy(f->hdr, &type, 4);
	memcpy(f->hdr + 8, &sector, 8);
	memset(f->status, 0xee, sizeof(f->status));
}

/* Chain: out buffers then in buffers, given as (pointer, length) pairs. */
static void chain(struct fx *f, unsigned nout, unsigned nin, ...)
{
	va_list ap;

	memset(&f->c, 0, sizeof(f->c));
	f->c.iov = f->iov;
	va_start(ap, nin);
	for (unsigned i = 0; i < nout + nin; i++) {
		void *p = va_arg(ap, void *);
		size_t len = va_arg(ap, size_t);
		f->iov[i] = (struct iovec){ p, len };
		if (i < nout)
			f->c.out_bytes += len;
		else
			f->c.in_bytes += len;
	}
	va_end(ap);
	f->c.nr_out = nout;
	f->c.nr_in = nin;
}

static int exec(struct fx *f)
{
	char why[160] = "";
	return blk_req_execute(f->b, &f->c, why, sizeof(why));
}

static void test_write_then_read(void **state)
{
	struct fx *f = *state;
	uint8_t back[1024];

	for (unsigned i = 0; i < sizeof(f->data); i++)
		f->data[i] = (uint8_t)(i * 7 + 3);
	hdr(f, VIRTIO_BLK_T_OUT, 5);
	chain(f, 2, 1, f->hdr, (size_t)16, f->data, (size_t)1024, f->status, (size_t)1);
	assert_int_equal(exec(f), 1);
	assert_int_equal(f->status[0], VIRTIO_BLK_S_OK);
	assert_int_equal(pread(f->b->fd, back, 1024, 5 * 512), 1024);
	assert_memory_equal(back, f->data, 1024);

	/* Read it back with the status byte in the same buffer as the data, and the header
	 * split over two buffers. */
	hdr(f, VIRTIO_BLK_T_IN, 5);
	memset(back, 0, sizeof(back));
	{
		static uint8_t tail[513];
		chain(f, 2, 2, f->hdr, (size_t)5, f->hdr + 5, (size_t)11, back, (size_t)512,
		      tail, (size_t)513);
		assert_int_equal(exec(f), 1025);
		assert_int_equal(tail[512], VIRTIO_BLK_S_OK);
		assert_memory_equal(back, f->data, 512);
		assert_memory_equal(tail, f->data + 512, 512);
	}
	assert_int_equal(f->b->reads, 1);
	assert_int_equal(f->b->writes, 1);
}

static void test_header_and_data_in_one_buffer(void **state)
{
	struct fx *f = *state;
	uint8_t buf[16 + 512];

	hdr(f, VIRTIO_BLK_T_OUT, 0);
	memcpy(buf, f->hdr, 16);
	memset(buf + 16, 0x5a, 512);
	chain(f, 1, 1, buf, sizeof(buf), f->status, (size_t)1);
	assert_int_equal(exec(f), 1);
	assert_int_equal(f->status[0], VIRTIO_BLK_S_OK);
	assert_int_equal(pread(f->b->fd, buf, 512, 0), 512);
	assert_int_equal(buf[0], 0x5a);
	assert_int_equal(buf[511], 0x5a);
}

static void test_ranges(void **state)
{
	struct fx *f = *state;

	/* The last sector: fine.  One past: IOERR.  Straddling the end: IOERR. */
	hdr(f, VIRTIO_BLK_T_IN, SECTORS - 1);
	chain(f, 1, 2, f->hdr, (size_t)16, f->data, (size_t)512, f->status, (size_t)1);
	assert_int_equal(exec(f), 513);
	assert_int_equal(f->status[0], VIRTIO_BLK_S_OK);
	hdr(f, VIRTIO_BLK_T_IN, SECTORS);
	assert_int_equal(exec(f), 1);
	assert_int_equal(f->status[0], VIRTIO_BLK_S_IOERR);
	hdr(f, VIRTIO_BLK_T_OUT, SECTORS - 1);
	chain(f, 2, 1, f->hdr, (size_t)16, f->data, (size_t)1024, f->status, (size_t)1);
	assert_int_equal(exec(f), 1);
	assert_int_equal(f->status[0], VIRTIO_BLK_S_IOERR);
	hdr(f, VIRTIO_BLK_T_IN, UINT64_MAX - 1); /* overflow-proof */
	chain(f, 1, 2, f->hdr, (size_t)16, f->data, (size_t)512, f->status, (size_t)1);
	assert_int_equal(exec(f), 1);
	assert_int_equal(f->status[0], VIRTIO_BLK_S_IOERR);
	/* Not a multiple of 512. */
	hdr(f, VIRTIO_BLK_T_IN, 0);
	chain(f, 1, 2, f->hdr, (size_t)16, f->data, (size_t)100, f->status, (size_t)1);
	assert_int_equal(exec(f), 1);
	assert_int_equal(f->status[0], VIRTIO_BLK_S_IOERR);
	/* Zero-length read: OK. */
	chain(f, 1, 1, f->hdr, (size_t)16, f->status, (size_t)1);
	assert_int_equal(exec(f), 1);
	assert_int_equal(f->status[0], VIRTIO_BLK_S_OK);
	assert_int_equal(f->b->errors, 4);
}

static void test_readonly(void **state)
{
	struct fx *f = *state;

	f->b->readonly = true;
	hdr(f, VIRTIO_BLK_T_OUT, 0);
	chain(f, 2, 1, f->hdr, (size_t)16, f->data, (size_t)512, f->status, (size_t)1);
	assert_int_equal(exec(f), 1);
	assert_int_equal(f->status[0], VIRTIO_BLK_S_IOERR);
}

static void test_flush_get_id_unsupported(void **state)
{
	struct fx *f = *state;
	int pipefd[2];

	hdr(f, VIRTIO_BLK_T_FLUSH, 0);
	chain(f, 1, 1, f->hdr, (size_t)16, f->status, (size_t)1);
	assert_int_equal(exec(f), 1);
	assert_int_equal(f->status[0], VIRTIO_BLK_S_OK);
	assert_int_equal(f->b->flushes, 1);
	/* fdatasync() failing (a pipe: EINVAL) is an I/O error, so the flush did run. */
	assert_int_equal(pipe(pipefd), 0);
	{
		int fd = f->b->fd;
		f->b->fd = pipefd[0];
		assert_int_equal(exec(f), 1);
		assert_int_equal(f->status[0], VIRTIO_BLK_S_IOERR);
		f->b->fd = fd;
	}
	close(pipefd[0]);
	close(pipefd[1]);

	hdr(f, VIRTIO_BLK_T_GET_ID, 0);
	memset(f->id, 0, sizeof(f->id));
	chain(f, 1, 2, f->hdr, (size_t)16, f->id, (size_t)20, f->status, (size_t)1);
	assert_int_equal(exec(f), 21);
	assert_memory_equal(f->id, "serial-0123456789abc", 20);
	/* A short buffer gets what fits. */
	memset(f->id, 0, sizeof(f->id));
	chain(f, 1, 2, f->hdr, (size_t)16, f->id, (size_t)6, f->status, (size_t)1);
	assert_int_equal(exec(f), 7);
	assert_memory_equal(f->id, "serial", 6);
	assert_int_equal(f->id[6], 0);

	hdr(f, 77, 0);
	chain(f, 1, 1, f->hdr, (size_t)16, f->status, (size_t)1);
	assert_int_equal(exec(f), 1);
	assert_int_equal(f->status[0], VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(f->b->unsupported, 1);
}

static void test_malformed(void **state)
{
	struct fx *f = *state;
	char why[160];

	hdr(f, VIRTIO_BLK_T_IN, 0);
	chain(f, 1, 1, f->hdr, (size_t)8, f->status, (size_t)1);      /* short header */
	assert_int_equal(blk_req_execute(f->b, &f->c, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "no room for the header"));
	chain(f, 1, 0, f->hdr, (size_t)16);                           /* no status byte */
	assert_int_equal(blk_req_execute(f->b, &f->c, why, sizeof(why)), -EINVAL);
	assert_int_equal(f->status[0], 0xee);                          /* nothing written */
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_write_then_read),
		T(test_header_and_data_in_one_buffer),
		T(test_ranges),
		T(test_readonly),
		T(test_flush_get_id_unsupported),
		T(test_malformed),
	};
	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
