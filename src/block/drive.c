/* SPDX-License-Identifier: GPL-2.0-only */
/* -drive: raw image back-ends, opened by the device that names them. */
#include "block/drive.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

int drive_config_check(struct drive_config *dc, char *err, size_t errlen)
{
	struct opts *o = &dc->opts;
	const char *file = opts_get(o, "file"), *id = opts_get(o, "id");
	const char *format = opts_get(o, "format"), *iface = opts_get(o, "if"), *unused;
	bool ro;
	int ret;

	if (!file || !*file) {
		snprintf(err, errlen, "-drive: file=PATH is required");
		return -EINVAL;
	}
	if (format && strcmp(format, "raw")) {
		snprintf(err, errlen, "-drive file=%s: format '%s' is not supported (raw only)", file,
			 format);
		return -EINVAL;
	}
	if (!iface || strcmp(iface, "none")) {
		snprintf(err, errlen, "-drive file=%s: if=%s is not supported: use if=none,id=ID "
			 "with -device virtio-blk-pci,drive=ID", file, iface ? iface : "ide (the "
			 "default)");
		return -EINVAL;
	}
	if (!id || !*id || strlen(id) >= sizeof(((struct drive *)0)->id)) {
		snprintf(err, errlen, "-drive file=%s: if=none needs an id=ID (up to %zu characters)",
			 file, sizeof(((struct drive *)0)->id) - 1);
		return -EINVAL;
	}
	if ((ret = opts_get_bool(o, "readonly", &ro, err, errlen)) < 0 && ret != -ENOENT)
		return ret;
	if ((unused = opts_unused(o))) {
		snprintf(err, errlen, "-drive id=%s: invalid parameter '%s'", id, unused);
		return -EINVAL;
	}
	return 0;
}

int drive_check_all(struct vm_config *cfg, char *err, size_t errlen)
{
	for (unsigned i = 0; i < cfg->nr_drives; i++) {
		int ret = drive_config_check(&cfg->drive[i], err, errlen);
		if (ret < 0)
			return ret;
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(opts_get(&cfg->drive[i].opts, "id"),
				    opts_get(&cfg->drive[j].opts, "id"))) {
				snprintf(err, errlen, "-drive: duplicate id '%s'",
					 opts_get(&cfg->drive[i].opts, "id"));
				return -EINVAL;
			}
	}
	return 0;
}

int drive_open(struct vm_config *cfg, const char *id, struct drive *d, char *err, size_t errlen)
{
	struct drive_config *dc = NULL;
	struct stat st;
	bool ro = false;
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	for (unsigned i = 0; i < cfg->nr_drives; i++) {
		const char *did = opts_get(&cfg->drive[i].opts, "id");
		if (did && !strcmp(did, id))
			dc = &cfg->drive[i];
	}
	if (!dc) {
		snprintf(err, errlen, "drive '%s' not found (no -drive ...,id=%s)", id, id);
		return -ENOENT;
	}
	if ((ret = drive_config_check(dc, err, errlen)) < 0)
		return ret;
	if (dc->claimed) {
		snprintf(err, errlen, "drive '%s' is already in use by another device", id);
		return -EBUSY;
	}
	opts_get_bool(&dc->opts, "readonly", &ro, err, errlen);
	snprintf(d->id, sizeof(d->id), "%s", id);
	snprintf(d->path, sizeof(d->path), "%s", opts_get(&dc->opts, "file"));
	d->readonly = ro;
	d->fd = open(d->path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (d->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "drive '%s': cannot open %s: %s", id, d->path, strerror(errno));
		return ret;
	}
	if (fstat(d->fd, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "drive '%s': %s: %s", id, d->path, strerror(errno));
		drive_close(d);
		return ret;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(d->fd, BLKGETSIZE64, &d->size) < 0) {
			ret = -errno;
			snprintf(err, errlen, "drive '%s': %s: BLKGETSIZE64: %s", id, d->path,
				 strerror(errno));
			drive_close(d);
			return ret;
		}
	} else if (S_ISREG(st.st_mode)) {
		d->size = (uint64_t)st.st_size;
	} else {
		snprintf(err, errlen, "drive '%s': %s is not a regular file or a block device", id,
			 d->path);
		drive_close(d);
		return -EINVAL;
	}
	dc->claimed = true;
	return 0;
}

void drive_close(struct drive *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}
