/* SPDX-License-Identifier: GPL-2.0-only */
#include "devices/devices.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "block/drive.h"
#include "util/log.h"
#include "virtio/blk.h"
#include "vm/vm.h"

static const struct device_driver drivers[] = {
	{ "isa-debug-exit", "iobase=0xf4,iosize=1: write N to exit with status (N << 1) | 1",
	  debug_exit_create },
	{ "xkvm-ucall", "the guest-test reporting port (docs/specs/ucall.md)", ucall_create },
	{ "xkvm-msix-testdev", "addr=GPA,vectors=N: MSI-X table + I/O thread, for guest tests",
	  msix_testdev_create },
	{ "virtio-blk-pci", "drive=ID,num-queues=N,queue-size=N,serial=S,addr=SLOT,ioeventfd=on|off: "
	  "virtio block device (modern virtio-pci)", virtio_blk_pci_create },
};

int devices_create_from_config(struct vm *vm)
{
	struct vm_config *cfg = vm->cfg;
	char derr[512];

	/* Every -drive, used or not, has valid options. */
	if (drive_check_all(cfg, derr, sizeof(derr)) < 0) {
		log_error("%s", derr);
		return -EINVAL;
	}
	for (unsigned i = 0; i < cfg->nr_devices; i++) {
		/* The parsed options are the VM's to consume (lookups mark keys used). */
		struct device_config *d = &cfg->device[i];
		const struct device_driver *drv = NULL;
		char err[256] = "";
		const char *unused;
		int ret;

		for (size_t j = 0; j < sizeof(drivers) / sizeof(drivers[0]); j++)
			if (!strcmp(drivers[j].name, d->driver))
				drv = &drivers[j];
		if (!drv) {
			log_error("-device %s: '%s' is not a valid device model name", d->driver,
				  d->driver);
			return -EINVAL;
		}
		opts_get(&d->opts, "driver");
		opts_get(&d->opts, "id");
		ret = drv->create(vm, &d->opts, err, sizeof(err));
		if (ret < 0) {
			log_error("-device %s: %s", d->driver, err[0] ? err : strerror(-ret));
			return ret;
		}
		unused = opts_unused(&d->opts);
		if (unused) {
			log_error("-device %s: property '%s' not found", d->driver, unused);
			return -EINVAL;
		}
	}
	return 0;
}
