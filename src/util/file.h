/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef XKVM_UTIL_FILE_H
#define XKVM_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>

/* A read-only private mapping of a whole regular file. */
struct mapped_file {
	const uint8_t *data;
	size_t size;
};

/* 0 or -errno (-EISDIR / -EINVAL for something that is not a regular file). */
int file_map(const char *path, struct mapped_file *f);
void file_unmap(struct mapped_file *f);

#endif
