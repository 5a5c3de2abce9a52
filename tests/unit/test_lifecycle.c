/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vCPU lifecycle against the real KVM (needs /dev/kvm): create -> park -> unpark reuses
 * the fd (KVM refuses to create the id again), traces every step, and a thousand
 * park/unpark cycles with live threads leak no fd and no thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vcpu/lifecycle.h"
#include "vcpu/vcpu.h"
#include "vm/vm.h"
#include "testvm.h"

static struct testvm tv;
static struct vm *vm;

static unsigned count_dir(const char *path)
{
	DIR *d = opendir(path);
	unsigned n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Our threads: KVM adds its own worker (kvm-nx-lpage-recovery) to the process lazily. */
static unsigned count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	unsigned n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[300], comm[32] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		if ((f = fopen(path, "r"))) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
		}
		n += strncmp(comm, "kvm-", 4) != 0;
	}
	closedir(d);
	return n;
}

static int setup(void **state)
{
	static const char *const args[] = { "-smp", "1,maxcpus=4", "-m", "64", NULL };
	static const char *const traces[] = { "vcpu_create", "vcpu_park", "vcpu_unpark",
					       "vcpu_destroy", NULL };

	(void)state;
	if (testvm_create(&tv, args, traces) < 0)
		return -1;
	vm = tv.vm;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	testvm_destroy(&tv);
	return 0;
}

static bool traced(const char *needle)
{
	return testvm_traced(&tv, needle) > 0;
}

static void test_park_unpark_reuses_the_fd(void **state)
{
	struct vcpu *v, *again;
	int fd;

	(void)state;
	assert_int_equal(vcpu_plug(vm, 0, NULL), 0);
	assert_int_equal(vcpu_plug(vm, 1, &v), 0);
	assert_true(traced("vcpu_create slot 1 id 1 fd"));
	assert_int_equal(vcpu_plug(vm, 1, NULL), -EEXIST); /* plugged already */
	fd = v->fd;
	assert_int_equal(vcpu_park(vm, 1), 0);
	assert_int_equal(v->state, VCPU_PARKED);
	assert_true(traced("vcpu_park id 1"));
	/* The KVM fact the design rests on: the id cannot be created again. */
	assert_true(ioctl(vm->vm_fd, KVM_CREATE_VCPU, 1ul) < 0);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(vcpu_plug(vm, 1, &again), 0);
	assert_ptr_equal(again, v);
	assert_int_equal(again->fd, fd);
	assert_int_equal(again->state, VCPU_RUNNING);
	assert_true(traced("unparked"));
	/* Unparking an id that is not parked is refused and traced. */
	assert_int_equal(vcpu_unpark(vm, 2, &again), -ENOENT);
	assert_true(traced("vcpu_unpark id 2 fd -1 not found parked"));
	/* A parked vCPU comes back waiting for INIT/SIPI. */
	assert_int_equal(vcpu_park(vm, 1), 0);
	assert_int_equal(vcpu_unpark(vm, 1, &again), 0);
	{
		struct kvm_mp_state mp;
		assert_int_equal(ioctl(again->fd, KVM_GET_MP_STATE, &mp), 0);
		assert_int_equal(mp.mp_state, KVM_MP_STATE_UNINITIALIZED);
	}
}

static void test_cycles_with_threads_leak_nothing(void **state)
{
	unsigned fds, tasks;

	(void)state;
	vm->started = true; /* plug starts threads from now on */
	assert_int_equal(vcpu_plug(vm, 2, NULL), 0);
	assert_int_equal(vcpu_park(vm, 2), 0);
	fds = count_dir("/proc/self/fd");
	tasks = count_threads();
	for (unsigned i = 0; i < 1000; i++) {
		unsigned id = 2 + i % 2;
		assert_int_equal(vcpu_plug(vm, id, NULL), 0);
		assert_true(vm->vcpu[id]->has_thread);
		assert_int_equal(vcpu_park(vm, id), 0);
		assert_false(vm->vcpu[id]->has_thread);
	}
	/* Slot 3 was created in the loop: one more fd, then no growth at all. */
	assert_int_equal(count_dir("/proc/self/fd"), fds + 1);
	assert_int_equal(count_threads(), tasks);
	vm->started = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_park_unpark_reuses_the_fd),
		cmocka_unit_test(test_cycles_with_threads_leak_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
