/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Is this file an initrd?  Linux takes a cpio archive ("newc"), compressed or not, several
 * of them concatenated (with NUL padding between), or a filesystem image for /dev/ram0.
 * We recognize those by their magic numbers and refuse anything else, so that passing
 * the wrong file as -initrd is an error now instead of a kernel panic later.  Where the
 * end of the data can be checked without decompressing it, we check it, so a truncated
 * file is caught too: an uncompressed cpio must reach its TRAILER!!! entry, an xz stream
 * must end with its footer, zstd frames must be complete.  (gzip, bzip2, lzma, lzo and
 * lz4 cannot be checked without decompressing: Linux reports those itself.)
 *
 * Formats: cpio(5) "newc"; xz-file-format-1.x §2.1.2.4 (stream footer); RFC 8878 §3.1.1
 * (zstd frames and blocks).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/boot.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

#define CPIO_NEWC_HDR 110

static bool starts(const uint8_t *d, size_t n, const void *magic, size_t m)
{
	return n >= m && !memcmp(d, magic, m);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int hex8(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* Walks one newc archive to its trailer; *len = bytes it takes. */
static int cpio_walk(const uint8_t *d, size_t n, size_t *len, char *err, size_t errlen)
{
	size_t pos = 0;

	for (;;) {
		uint32_t namesize, filesize;
		size_t name_end, data_end;

		if (n - pos < CPIO_NEWC_HDR)
			return ERR("truncated cpio archive: it ends at byte %zu, inside an entry header "
				   "(no TRAILER!!! entry)", n);
		if (memcmp(d + pos, "07070", 5) || (d[pos + 5] != '1' && d[pos + 5] != '2'))
			return ERR("corrupt cpio archive: no 'newc' header at byte %zu", pos);
		if (hex8(d + pos + 94, &namesize) < 0 || hex8(d + pos + 54, &filesize) < 0 ||
		    namesize == 0)
			return ERR("corrupt cpio archive: bad header at byte %zu", pos);
		/* Name, padded so header + name is a multiple of 4; data padded to 4. */
		name_end = pos + CPIO_NEWC_HDR + namesize;
		if (namesize > n || name_end > n)
			return ERR("truncated cpio archive: it ends inside the name of the entry at byte %zu", pos);
		if (namesize == sizeof("TRAILER!!!") && filesize == 0 &&
		    !memcmp(d + pos + CPIO_NEWC_HDR, "TRAILER!!!", sizeof("TRAILER!!!"))) {
			/* The end: its padding may be missing at the end of the file. */
			*len = (name_end + 3) & ~(size_t)3;
			if (*len > n)
				*len = n;
			return 0;
		}
		name_end = (name_end + 3) & ~(size_t)3;
		data_end = name_end + filesize;
		if (filesize > n || name_end > n || data_end > n)
			return ERR("truncated cpio archive: the entry at byte %zu needs %u data bytes, "
				   "the file ends first", pos, filesize);
		pos = (data_end + 3) & ~(size_t)3;
		if (pos > n)
			pos = n;
	}
}

/* Walks zstd frames (and skippable frames) to the end of the data. */
static int zstd_walk(const uint8_t *d, size_t n, char *err, size_t errlen)
{
	size_t pos = 0;

	while (pos < n) {
		uint32_t magic;
		uint8_t fhd;
		size_t hdr;
		bool last = false;

		if (n - pos < 4)
			return ERR("truncated zstd data at byte %zu", pos);
		magic = le32(d + pos);
		if ((magic & 0xfffffff0u) == 0x184d2a50u) { /* skippable frame */
			if (n - pos < 8 || le32(d + pos + 4) > n - pos - 8)
				return ERR("truncated zstd skippable frame at byte %zu", pos);
			pos += 8 + le32(d + pos + 4);
			continue;
		}
		if (magic != 0xfd2fb528u) {
			/* NUL padding may follow the last frame. */
			while (pos < n && !d[pos])
				pos++;
			if (pos == n)
				return 0;
			return ERR("corrupt zstd data: no frame at byte %zu", pos);
		}
		if (n - pos < 5)
			return ERR("truncated zstd frame header at byte %zu", pos);
		fhd = d[pos + 4];
		{
			static const unsigned did_size[] = { 0, 1, 2, 4 };
			static const unsigned fcs_size[] = { 0, 2, 4, 8 };
			bool single = fhd & 0x20;
			unsigned fcs = fcs_size[fhd >> 6];
			if (!fcs && single)
				fcs = 1;
			hdr = 5 + (single ? 0 : 1) + did_size[fhd & 3] + fcs;
		}
		if (n - pos < hdr)
			return ERR("truncated zstd frame header at byte %zu", pos);
		pos += hdr;
		while (!last) {
			uint32_t bh, type, size;

			if (n - pos < 3)
				return ERR("truncated zstd data: it ends inside a block header (%zu bytes)", n);
			bh = (uint32_t)d[pos] | (uint32_t)d[pos + 1] << 8 | (uint32_t)d[pos + 2] << 16;
			last = bh & 1;
			type = (bh >> 1) & 3;
			size = bh >> 3;
			if (type == 3)
				return ERR("corrupt zstd data: reserved block type at byte %zu", pos);
			if (type == 1) /* RLE: one byte repeated size times */
				size = 1;
			pos += 3;
			if (n - pos < size)
				return ERR("truncated zstd data: a %u-byte block at byte %zu runs past the end "
					   "of the file (%zu bytes)", size, pos, n);
			pos += size;
		}
		if (fhd & 4) { /* content checksum */
			if (n - pos < 4)
				return ERR("truncated zstd data: the frame checksum is missing");
			pos += 4;
		}
	}
	return 0;
}

int initrd_check(const uint8_t *d, size_t n, char *err, size_t errlen)
{
	size_t pos = 0;

	if (!n)
		return ERR("file is empty");
	/* Filesystem images for root=/dev/ram0 (no end to check). */
	if ((n > 0x439 && d[0x438] == 0x53 && d[0x439] == 0xef) ||  /* ext2/3/4 */
	    starts(d, n, "hsqs", 4) || starts(d, n, "-rom1fs-", 8) ||
	    starts(d, n, "\x45\x3d\xcd\x28", 4))                   /* cramfs */
		return 0;

	/* Concatenated cpio archives (e.g. early microcode first), NUL padding between. */
	while (pos < n && (starts(d + pos, n - pos, "070701", 6) || starts(d + pos, n - pos, "070702", 6))) {
		size_t len;
		int ret = cpio_walk(d + pos, n - pos, &len, err, errlen);
		if (ret < 0)
			return ret;
		pos += len;
		while (pos < n && !d[pos])
			pos++;
	}
	if (pos == n)
		return 0;

	d += pos;
	n -= pos;
	if (starts(d, n, "070707", 6))                   /* cpio "odc" */
		return 0;
	if (starts(d, n, "\x1f\x8b\x08", 3) || starts(d, n, "\x1f\x9e", 2) || /* gzip */
	    starts(d, n, "BZh", 3) ||                                      /* bzip2 */
	    starts(d, n, "\x5d\x00\x00", 3) ||                             /* lzma */
	    starts(d, n, "\x89LZO", 4) ||                                  /* lzo */
	    starts(d, n, "\x02\x21\x4c\x18", 4))                           /* lz4 legacy */
		return 0;
	if (starts(d, n, "\xfd" "7zXZ\x00", 6)) {
		while (n > 6 && !d[n - 1]) /* stream padding */
			n--;
		if (n < 32 || d[n - 2] != 'Y' || d[n - 1] != 'Z')
			return ERR("truncated xz data: the stream footer ('YZ') is missing");
		return 0;
	}
	if (starts(d, n, "\x28\xb5\x2f\xfd", 4))
		return zstd_walk(d, n, err, errlen);

	if (starts(d, n, "\x7f" "ELF", 4))
		return ERR("this is an ELF file, not an initrd (expected a cpio archive, possibly "
			   "compressed, or a filesystem image)");
	if (n > 0x206 && !memcmp(d + 0x202, "HdrS", 4))
		return ERR("this is a Linux kernel, not an initrd (expected a cpio archive, possibly "
			   "compressed, or a filesystem image)");
	return ERR("not an initrd: expected a cpio archive (newc), compressed with gzip, xz, zstd, "
		   "bzip2, lzma, lzo or lz4, or a filesystem image (first bytes %02x %02x %02x %02x)",
		   d[0], n > 1 ? d[1] : 0, n > 2 ? d[2] : 0, n > 3 ? d[3] : 0);
}
