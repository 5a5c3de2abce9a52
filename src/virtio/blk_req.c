/* SPDX-License-Identifier: GPL-2.0-only */
/* virtio-blk requests against a raw image (VIRTIO 1.2 §5.2.6). */
#include "virtio/blk_req.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/virtio_blk.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define HDR_SIZE 16 /* struct virtio_blk_outhdr: type le32, ioprio le32, sector le64 */

/* preadv/pwritev until done: a regular file can return short on a signal or at EOF. */
static int rw_full(int fd, struct iovec *iov, int n, off_t off, bool write)
{
	while (n > 0) {
		ssize_t r = write ? pwritev(fd, iov, n, off) : preadv(fd, iov, n, off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO; /* EOF: the image shrank under us */
		off += r;
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

/* IN or OUT of `len` bytes at `sector`. */
static uint8_t transfer(struct blk_backend *b, const struct virtq_chain *c, bool write,
			uint64_t sector, uint64_t len)
{
	int n, ret;

	if (len % BLK_SECTOR) {
		log_guest(&b->rl, "%s: %s of %" PRIu64 " bytes: not a multiple of 512", b->name,
			  write ? "write" : "read", len);
		return VIRTIO_BLK_S_IOERR;
	}
	if (sector > b->sectors || len / BLK_SECTOR > b->sectors - sector) {
		log_guest(&b->rl, "%s: %s of %" PRIu64 " sectors at sector %" PRIu64 " is beyond "
			  "the %" PRIu64 "-sector disk", b->name, write ? "write" : "read",
			  len / BLK_SECTOR, sector, b->sectors);
		return VIRTIO_BLK_S_IOERR;
	}
	if (write && b->readonly) {
		log_guest(&b->rl, "%s: write to a read-only drive", b->name);
		return VIRTIO_BLK_S_IOERR;
	}
	if (!len)
		return VIRTIO_BLK_S_OK;
	n = write ? virtq_chain_slice(c, false, HDR_SIZE, len, b->iov, VIRTQ_MAX_SIZE)
		  : virtq_chain_slice(c, true, 0, len, b->iov, VIRTQ_MAX_SIZE);
	if (n < 0)
		return VIRTIO_BLK_S_IOERR; /* cannot happen: the lengths come from the chain */
	ret = rw_full(b->fd, b->iov, n, (off_t)(sector * BLK_SECTOR), write);
	if (ret < 0) {
		log_guest(&b->rl, "%s: %s at sector %" PRIu64 ": %s", b->name,
			  write ? "pwritev" : "preadv", sector, strerror(-ret));
		return VIRTIO_BLK_S_IOERR;
	}
	if (write)
		b->writes++;
	else
		b->reads++;
	return VIRTIO_BLK_S_OK;
}

int blk_req_execute(struct blk_backend *b, const struct virtq_chain *c, char *why, size_t whylen)
{
	uint8_t hdr[HDR_SIZE], status;
	uint32_t type, used = 1;
	uint64_t sector, data_in;

	if (c->out_bytes < HDR_SIZE || c->in_bytes < 1) {
		snprintf(why, whylen, "request at head %u has %" PRIu64 " readable and %" PRIu64
			 " writable bytes: no room for the header and the status", c->head,
			 c->out_bytes, c->in_bytes);
		return -EINVAL;
	}
	virtq_chain_read(c, 0, hdr, sizeof(hdr));
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	type = le32toh(type);
	sector = le64toh(sector);
	data_in = c->in_bytes - 1; /* the writable bytes before the status */

	switch (type) {
	case VIRTIO_BLK_T_IN:
		status = transfer(b, c, false, sector, data_in);
		if (status == VIRTIO_BLK_S_OK)
			used += (uint32_t)data_in;
		break;
	case VIRTIO_BLK_T_OUT:
		status = transfer(b, c, true, sector, c->out_bytes - HDR_SIZE);
		break;
	case VIRTIO_BLK_T_FLUSH: {
		int r = fdatasync(b->fd) < 0 ? -errno : 0;

		if (b->trace)
			trace_virtio_blk_flush(b->trace, b->name, r);
		if (r < 0)
			log_guest(&b->rl, "%s: fdatasync: %s", b->name, strerror(-r));
		status = r < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
		b->flushes++;
		break;
	}
	case VIRTIO_BLK_T_GET_ID: {
		uint64_t n = data_in < sizeof(b->serial) ? data_in : sizeof(b->serial);

		virtq_chain_write(c, 0, b->serial, n);
		used += (uint32_t)n;
		status = VIRTIO_BLK_S_OK;
		break;
	}
	default:
		log_guest(&b->rl, "%s: request type %u is not supported", b->name, type);
		b->unsupported++;
		status = VIRTIO_BLK_S_UNSUPP;
	}
	if (status == VIRTIO_BLK_S_IOERR)
		b->errors++;
	virtq_chain_write(c, data_in, &status, 1);
	return (int)used;
}
