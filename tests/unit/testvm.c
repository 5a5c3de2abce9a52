/* SPDX-License-Identifier: GPL-2.0-only */
#include "testvm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "vcpu/vcpu.h"
#include "vm/vm.h"

int testvm_create(struct testvm *t, const char *const *args, const char *const *traces)
{
	char *argv[32] = { "xkvm", "-kernel", "unused" };
	char err[256];
	int argc = 3;
	FILE *out;

	memset(t, 0, sizeof(*t));
	if (access("/dev/kvm", R_OK | W_OK)) {
		fprintf(stderr, "NOT RUN: /dev/kvm is not usable on this host\n");
		return -1;
	}
	for (; args && *args && argc < 31; args++)
		argv[argc++] = (char *)*args;
	if (cmdline_parse(argc, argv, &t->cfg, err, sizeof(err)) != CMDLINE_RUN) {
		fprintf(stderr, "testvm: %s\n", err);
		return -1;
	}
	t->vm = calloc(1, sizeof(*t->vm));
	if (!t->vm || vm_create(t->vm, &t->cfg) < 0 || vcpu_signals_init() < 0)
		return -1;
	out = open_memstream(&t->trace_buf, &t->trace_len);
	if (!out)
		return -1;
	trace_fini(&t->vm->trace);
	trace_init(&t->vm->trace, out, true);
	for (; traces && *traces; traces++)
		trace_enable_pattern(&t->vm->trace, *traces, true);
	return 0;
}

void testvm_destroy(struct testvm *t)
{
	if (t->vm) {
		vm_destroy(t->vm);
		free(t->vm);
	}
	cmdline_free(&t->cfg);
	free(t->trace_buf);
	memset(t, 0, sizeof(*t));
}

unsigned testvm_traced(struct testvm *t, const char *needle)
{
	unsigned n = 0;

	fflush(t->vm->trace.out);
	for (const char *p = t->trace_buf; p && (p = strstr(p, needle)); p++)
		n++;
	return n;
}
