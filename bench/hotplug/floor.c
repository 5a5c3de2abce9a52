/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The floor under a vCPU hot-add, measured with xkvm's own code on this host's KVM:
 *   create:  vcpu_create() (KVM_CREATE_VCPU, kvm_run mmap, CPUID, MSRs, LAPIC) + a thread
 *            + its first KVM_RUN returning with an exit;
 *   unpark:  vcpu_unpark() (reset to wait-for-SIPI, LAPIC re-set, no CPUID) + a thread +
 *            its first KVM_RUN returning with an exit.
 * To come back from KVM_RUN the vCPU is made runnable at a real-mode `out` (two ioctls,
 * counted in both): in a real hot-add the guest's INIT/SIPI does that instead.
 *
 *   build/bench/hotplug-floor [-n ROUNDS]   prints one JSON object (nanoseconds)
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cmdline.h"
#include "vcpu/lifecycle.h"
#include "vcpu/vcpu.h"
#include "vm/vm.h"

#define CODE_GPA 0x1000

struct run_arg {
	struct vcpu *v;
	uint64_t t_exit;
	uint32_t reason;
	int err;
};

static void *first_run(void *p)
{
	struct run_arg *a = p;

	a->err = ioctl(a->v->fd, KVM_RUN, 0) < 0 ? errno : 0;
	a->t_exit = clock_ns();
	a->reason = a->v->run->exit_reason;
	return NULL;
}

static int make_runnable(struct vcpu *v)
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = CODE_GPA, .rflags = 2 };
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	s.cs.base = 0;
	s.cs.selector = 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0 || ioctl(v->fd, KVM_SET_REGS, &r) < 0 ||
	    ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
		return -errno;
	return 0;
}

/* Thread + first KVM_RUN; returns the exit time, or 0 on failure. */
static uint64_t run_once(struct vcpu *v)
{
	struct run_arg a = { .v = v };
	pthread_t t;

	if (make_runnable(v) < 0 || pthread_create(&t, NULL, first_run, &a))
		return 0;
	pthread_join(t, NULL);
	if (a.err || a.reason != KVM_EXIT_IO) {
		fprintf(stderr, "floor: vcpu %u: KVM_RUN: %s, exit %u\n", v->id, strerror(a.err),
			a.reason);
		return 0;
	}
	return a.t_exit;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void stats(const char *name, uint64_t *v, unsigned n, int last)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("  \"%s\": {\"min\": %llu, \"p50\": %llu, \"p99\": %llu, \"max\": %llu}%s\n", name,
	       (unsigned long long)v[0], (unsigned long long)v[n / 2],
	       (unsigned long long)v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1],
	       (unsigned long long)v[n - 1], last ? "" : ",");
}

int main(int argc, char **argv)
{
	char *vargv[] = { "xkvm", "-kernel", "none", "-smp", "1,maxcpus=254", "-m", "64", NULL };
	static const uint8_t code[] = { 0xe6, 0x80, 0xf4 }; /* out %al, $0x80; hlt */
	unsigned n = 200;
	struct vm_config cfg;
	struct vm *vm;
	uint64_t *create, *unpark;
	char err[256];

	if (argc == 3 && !strcmp(argv[1], "-n"))
		n = (unsigned)atoi(argv[2]);
	if (n < 1 || n > 253) {
		fprintf(stderr, "usage: %s [-n ROUNDS (1..253: each round creates a fresh id)]\n", argv[0]);
		return 1;
	}
	if (cmdline_parse(7, vargv, &cfg, err, sizeof(err)) != CMDLINE_RUN)
		return 1;
	vm = calloc(1, sizeof(*vm));
	create = calloc(n, sizeof(*create));
	unpark = calloc(n, sizeof(*unpark));
	if (!vm || !create || !unpark || vm_create(vm, &cfg) < 0 ||
	    gm_write(&vm->mem, CODE_GPA, code, sizeof(code)) < 0)
		return 1;
	for (unsigned i = 0; i < n; i++) {
		unsigned id = 1 + i;
		struct vcpu *v;
		uint64_t t0 = clock_ns(), t1;

		if (vcpu_create(vm, id, &v) < 0 || !(t1 = run_once(v)))
			return 1;
		create[i] = t1 - t0;
		vm->vcpu[id] = v;
		v->state = VCPU_PARKED;

		t0 = clock_ns();
		if (vcpu_unpark(vm, id, &v) < 0 || !(t1 = run_once(v)))
			return 1;
		unpark[i] = t1 - t0;
		v->state = VCPU_PARKED;
	}
	printf("{\n  \"rounds\": %u,\n", n);
	stats("create_ns", create, n, 0);
	stats("unpark_ns", unpark, n, 1);
	printf("}\n");
	vm_destroy(vm);
	cmdline_free(&cfg);
	free(vm);
	free(create);
	free(unpark);
	return 0;
}
