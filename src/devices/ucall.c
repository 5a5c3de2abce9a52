/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ucall port (docs/specs/ucall.md): guest test programs report, assert and finish
 * through it, as in KVM selftests.  Each call becomes one line on stderr:
 *   ucall: vcpu=N CMD text [args...]
 * which the test runner parses; DONE ends the VM with status 0, ASSERT/FAIL with 3.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"
#include "devices/ucall_abi.h"
#include "vcpu/vcpu.h"
#include "vm/vm.h"

struct ucall_dev {
	struct vm *vm;
	struct ratelimit rl;
};

static const char *const ucall_names[] = {
	[UCALL_PRINT] = "PRINT", [UCALL_SYNC] = "SYNC", [UCALL_ASSERT] = "ASSERT",
	[UCALL_DONE] = "DONE", [UCALL_REPORT] = "REPORT", [UCALL_FAIL] = "FAIL",
};

static uint64_t ucall_read(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size)
{
	(void)opaque;
	(void)vcpu;
	return off == 0 && size == 4 ? UCALL_MAGIC : 0;
}

static void ucall_write(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size, uint64_t val)
{
	struct ucall_dev *u = opaque;
	unsigned id = vcpu ? vcpu->id : 0;
	struct ucall uc;
	char line[UCALL_TEXT_MAX + 256];
	int n;

	if (off != 0 || size != 4) {
		log_guest(&u->rl, "ucall: vcpu %u: %u-byte write at offset %llu ignored", id, size,
			  (unsigned long long)off);
		return;
	}
	if (gm_read(&u->vm->mem, val, &uc, sizeof(uc)) < 0) {
		log_guest(&u->rl, "ucall: vcpu %u: struct ucall at 0x%llx is outside RAM", id,
			  (unsigned long long)val);
		return;
	}
	if (uc.cmd == 0 || uc.cmd > UCALL_FAIL) {
		log_guest(&u->rl, "ucall: vcpu %u: unknown command %u", id, uc.cmd);
		return;
	}
	uc.text[UCALL_TEXT_MAX - 1] = '\0';
	if (uc.nargs > UCALL_MAX_ARGS)
		uc.nargs = UCALL_MAX_ARGS;
	trace_ucall(&u->vm->trace, id, ucall_names[uc.cmd]);

	n = snprintf(line, sizeof(line), "ucall: vcpu=%u %s", id, ucall_names[uc.cmd]);
	if (uc.cmd == UCALL_ASSERT)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %s (line %u)", uc.text, uc.line);
	else if (uc.text[0])
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %s", uc.text);
	for (uint32_t i = 0; i < uc.nargs && (size_t)n < sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " 0x%" PRIx64, uc.args[i]);
	fprintf(stderr, "%s\n", line);

	if (uc.cmd == UCALL_DONE)
		vm_request_shutdown(u->vm, SHUTDOWN_CAUSE_GUEST_SHUTDOWN, 0);
	else if (uc.cmd == UCALL_ASSERT || uc.cmd == UCALL_FAIL)
		vm_request_shutdown(u->vm, SHUTDOWN_CAUSE_GUEST_PANIC, UCALL_EXIT_FAILURE);
}

static const struct bus_ops ucall_ops = {
	.read = ucall_read,
	.write = ucall_write,
};

int ucall_create(struct vm *vm, struct opts *opts, char *err, size_t errlen)
{
	struct ucall_dev *u = calloc(1, sizeof(*u));
	int ret;

	(void)opts;
	if (!u)
		return -ENOMEM;
	u->vm = vm;
	u->rl = (struct ratelimit)RATELIMIT_INIT;
	ret = bus_register(&vm->pio, UCALL_PORT, 4, &ucall_ops, u, "xkvm-ucall");
	if (ret < 0) {
		snprintf(err, errlen, "port 0x%x is already in use", UCALL_PORT);
		free(u);
		return ret;
	}
	return vm_add_device(vm, "xkvm-ucall", u, NULL, free);
}
