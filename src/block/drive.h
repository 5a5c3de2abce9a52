/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * -drive file=PATH,format=raw,if=none,id=ID[,readonly=on]: a raw image file (or block
 * device) a device opens by id (QEMU's spellings; docs/devices.md).
 *
 * Every -drive is checked when the machine is built, used or not; a drive is opened by the
 * one device that names it (-device virtio-blk-pci,drive=ID), and a second device naming
 * it is an error, as in QEMU.
 */
#ifndef XKVM_BLOCK_DRIVE_H
#define XKVM_BLOCK_DRIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/config.h"

struct drive {
	char id[64];
	char path[4096];
	int fd;
	bool readonly;
	uint64_t size;        /* bytes */
};

/* The options of one -drive; 0 or -EINVAL with `err`. */
int drive_config_check(struct drive_config *dc, char *err, size_t errlen);
/* Every -drive of the configuration. */
int drive_check_all(struct vm_config *cfg, char *err, size_t errlen);
/* Claim and open the drive with this id.  -ENOENT (no such drive), -EBUSY (claimed),
 * or the error of open()/fstat(). */
int drive_open(struct vm_config *cfg, const char *id, struct drive *d, char *err, size_t errlen);
void drive_close(struct drive *d);

#endif
