/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * isa-debug-exit, as QEMU has it: a write of N to the port ends the VM with exit status
 * (N << 1) | 1, so test guests can report a verdict through the exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "arch/x86/layout.h"
#include "devices/devices.h"
#include "vm/vm.h"

struct debug_exit {
	struct vm *vm;
};

static uint64_t debug_exit_read(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size)
{
	(void)opaque;
	(void)vcpu;
	(void)off;
	(void)size;
	return 0;
}

static void debug_exit_write(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size,
			     uint64_t val)
{
	struct debug_exit *d = opaque;

	(void)vcpu;
	(void)off;
	(void)size;
	trace_debug_exit_write(&d->vm->trace, (unsigned)val);
	vm_request_shutdown(d->vm, SHUTDOWN_CAUSE_NONE, (int)(((val << 1) | 1) & 0xff));
}

static const struct bus_ops debug_exit_ops = {
	.read = debug_exit_read,
	.write = debug_exit_write,
};

int debug_exit_create(struct vm *vm, struct opts *opts, char *err, size_t errlen)
{
	struct debug_exit *d;
	uint64_t iobase = PORT_DEBUG_EXIT, iosize = 1;
	int ret;

	if ((ret = opts_get_uint(opts, "iobase", &iobase, err, errlen)) < 0 && ret != -ENOENT)
		return ret;
	if ((ret = opts_get_uint(opts, "iosize", &iosize, err, errlen)) < 0 && ret != -ENOENT)
		return ret;
	if (iobase > 0xffff || iosize == 0 || iosize > 4 || iobase + iosize > 0x10000) {
		snprintf(err, errlen, "iobase=0x%llx,iosize=%llu is outside the I/O port space",
			 (unsigned long long)iobase, (unsigned long long)iosize);
		return -EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->vm = vm;
	ret = bus_register(&vm->pio, iobase, iosize, &debug_exit_ops, d, "isa-debug-exit");
	if (ret < 0) {
		snprintf(err, errlen, "port 0x%llx is already in use", (unsigned long long)iobase);
		free(d);
		return ret;
	}
	return vm_add_device(vm, "isa-debug-exit", d, NULL, free);
}
