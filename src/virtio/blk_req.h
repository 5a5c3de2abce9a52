/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One virtio-blk request (VIRTIO 1.2 §5.2.6) executed against a raw image: pure logic over
 * a descriptor chain (virtio/queue.h) and a file descriptor, so cmocka drives it with a
 * temporary file.
 *
 * The chain is {struct virtio_blk_outhdr (16 bytes), data..., u8 status}, with no
 * assumption about how the driver split it into buffers (§2.6.4): the header is the first
 * 16 device-readable bytes, the status the last device-writable byte, the data what lies
 * between.  IN/OUT go straight between the image and guest memory (preadv/pwritev on the
 * chain's iovecs), FLUSH is fdatasync(), GET_ID writes the serial.  A request that cannot
 * be served gets VIRTIO_BLK_S_IOERR (out of range, not a multiple of 512 bytes, write to a
 * read-only drive, I/O error) or VIRTIO_BLK_S_UNSUPP (unknown type); a chain with no room
 * for the header or the status byte is malformed: the device then needs a reset.
 */
#ifndef XKVM_VIRTIO_BLK_REQ_H
#define XKVM_VIRTIO_BLK_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "trace/trace.h"
#include "util/log.h"
#include "virtio/queue.h"

#define BLK_SECTOR 512

struct blk_backend {
	const char *name;      /* for messages */
	int fd;
	uint64_t sectors;      /* capacity */
	bool readonly;
	char serial[20];       /* VIRTIO_BLK_ID_BYTES, NUL-padded */
	struct trace *trace;   /* may be NULL */
	struct ratelimit rl;
	uint64_t reads, writes, flushes, errors, unsupported;
	struct iovec iov[VIRTQ_MAX_SIZE]; /* scratch for one request */
};

/* Serve one chain.  Returns the bytes written into its writable part (the used length,
 * status included), or -EINVAL for a malformed chain with `why` filled. */
int blk_req_execute(struct blk_backend *b, const struct virtq_chain *c, char *why, size_t whylen);

#endif
