/* SPDX-License-Identifier: GPL-2.0-only */
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int file_map(const char *path, struct mapped_file *f)
{
	struct stat st;
	void *p;
	int fd, err;

	f->data = NULL;
	f->size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if (st.st_size == 0) {
		close(fd);
		return 0; /* empty: callers report it in their own words */
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err)
		return err;
	f->data = p;
	f->size = (size_t)st.st_size;
	return 0;
}

void file_unmap(struct mapped_file *f)
{
	if (f->data)
		munmap((void *)f->data, f->size);
	f->data = NULL;
	f->size = 0;
}
