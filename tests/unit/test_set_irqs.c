/* SPDX-License-Identifier: GPL-2.0-only */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "irq/set_irqs.h"

#define NV 4
#define MSIX VFIO_PCI_MSIX_IRQ_INDEX

/* The delivery layer as the engine sees it: records calls, fails on request. */
struct fake {
	int trigger[NV];     /* what the delivery layer holds */
	unsigned calls, commits;
	int fail_trigger_at; /* vector whose next trigger() fails with -ENOSPC, or -1 */
	int fail_commit;     /* commits that fail (-EBUSY) before one succeeds */
	bool masked[NV];
};

static int fake_trigger(void *opaque, unsigned index, unsigned v, int fd)
{
	struct fake *f = opaque;

	assert_int_equal(index, MSIX);
	assert_true(v < NV);
	f->calls++;
	if ((int)v == f->fail_trigger_at && fd >= 0) {
		f->fail_trigger_at = -1;
		return -ENOSPC;
	}
	f->trigger[v] = fd;
	return 0;
}

static int fake_commit(void *opaque, unsigned index)
{
	struct fake *f = opaque;

	(void)index;
	f->commits++;
	if (f->fail_commit > 0) {
		f->fail_commit--;
		return -EBUSY;
	}
	return 0;
}

static int fake_mask(void *opaque, unsigned index, unsigned v, bool masked)
{
	struct fake *f = opaque;

	(void)index;
	f->masked[v] = masked;
	return 0;
}

static const struct set_irqs_ops fops = { fake_trigger, fake_commit, fake_mask };

struct irqset {
	struct vfio_irq_set hdr;
	uint8_t data[64];
};

static struct irqset mk(uint32_t flags, uint32_t start, uint32_t count)
{
	struct irqset s;

	memset(&s, 0, sizeof(s));
	s.hdr.argsz = sizeof(s);
	s.hdr.flags = flags;
	s.hdr.index = MSIX;
	s.hdr.start = start;
	s.hdr.count = count;
	return s;
}

static void put_fds(struct irqset *s, const int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		int32_t fd = fds[i];
		memcpy(s->hdr.data + i * 4, &fd, 4);
	}
}

static int set_fds(struct set_irqs *s, uint32_t start, const int *fds, unsigned n)
{
	struct irqset x = mk(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, start, n);

	put_fds(&x, fds, n);
	return set_irqs(s, &x.hdr);
}

static unsigned open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static uint64_t drain(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

struct fixture {
	struct set_irqs s;
	struct fake f;
	int efd[NV + 2];
};

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));

	for (unsigned v = 0; v < NV; v++)
		x->f.trigger[v] = -1;
	x->f.fail_trigger_at = -1;
	set_irqs_init(&x->s, "test", &fops, &x->f);
	assert_int_equal(set_irqs_add_index(&x->s, MSIX, NV, VFIO_IRQ_INFO_EVENTFD |
					    VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_NORESIZE), 0);
	for (unsigned i = 0; i < NV + 2; i++)
		x->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	set_irqs_destroy(&x->s);
	for (unsigned i = 0; i < NV + 2; i++)
		close(x->efd[i]);
	free(x);
	return 0;
}

static void test_header_validation(void **state)
{
	struct fixture *x = *state;
	const uint32_t ev = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	struct irqset s;
	size_t sz;

	/* argsz below the header. */
	s = mk(ev, 0, 1);
	s.hdr.argsz = 19;
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	/* argsz too small for the data. */
	s = mk(ev, 0, 4);
	s.hdr.argsz = sizeof(s.hdr) + 15;
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	/* Unknown index, unimplemented index. */
	s = mk(ev, 0, 1);
	s.hdr.index = VFIO_PCI_NUM_IRQS;
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	s.hdr.index = VFIO_PCI_INTX_IRQ_INDEX;
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	/* Unknown flag bits; two data types; two actions; no data type; no action. */
	s = mk(ev | 1u << 6, 0, 1);
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	s = mk(ev | VFIO_IRQ_SET_DATA_BOOL, 0, 1);
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	s = mk(ev | VFIO_IRQ_SET_ACTION_MASK, 0, 1);
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	s = mk(VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1);
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	s = mk(VFIO_IRQ_SET_DATA_NONE, 0, 1);
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	/* Ranges: start at the end, start + count beyond the end. */
	s = mk(ev, NV, 0);
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	s = mk(ev, NV - 1, 2);
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	s = mk(ev, 0, NV + 1);
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	/* start + count overflowing 32 bits must not wrap into range. */
	s = mk(ev, 2, UINT32_MAX - 1); /* 2 + 0xfffffffe == 0 in u32 */
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	s = mk(ev, UINT32_MAX, 1);
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	s = mk(ev, 1, UINT32_MAX);
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	s = mk(ev, 3, 0x80000000u);
	assert_int_equal(set_irqs_validate(&s.hdr, NV, &sz), -EINVAL);
	/* Nothing of that reached the delivery layer. */
	assert_int_equal(x->f.calls, 0);
	assert_int_equal(x->f.commits, 0);
	/* The good ones: data sizes. */
	s = mk(ev, 1, 3);
	assert_int_equal(set_irqs_validate(&s.hdr, NV, &sz), 0);
	assert_int_equal(sz, 12);
	s = mk(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 4);
	assert_int_equal(set_irqs_validate(&s.hdr, NV, &sz), 0);
	assert_int_equal(sz, 4);
	s = mk(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0);
	assert_int_equal(set_irqs_validate(&s.hdr, NV, &sz), 0);
	assert_int_equal(sz, 0);
	/* An index with no vectors rejects even start 0. */
	assert_int_equal(set_irqs_validate(&s.hdr, 0, &sz), -EINVAL);
}

static void test_enable_and_start_offset(void **state)
{
	struct fixture *x = *state;
	struct irqset s;

	assert_false(x->s.index[MSIX].enabled);
	/* Firing before any trigger is set: the index is not enabled. */
	s = mk(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1);
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);

	/* Vectors 2 and 3 only (start > 0): 0 and 1 untouched. */
	assert_int_equal(set_fds(&x->s, 2, (int[]){ x->efd[0], x->efd[1] }, 2), 0);
	assert_true(x->s.index[MSIX].enabled);
	assert_int_equal(x->f.commits, 1);
	assert_int_equal(set_irqs_trigger(&x->s, MSIX, 0), -1);
	assert_int_equal(set_irqs_trigger(&x->s, MSIX, 1), -1);
	assert_true(set_irqs_trigger(&x->s, MSIX, 2) >= 0);
	assert_true(set_irqs_trigger(&x->s, MSIX, 3) >= 0);
	/* We hold our own dups, not the caller's fds. */
	assert_int_not_equal(set_irqs_trigger(&x->s, MSIX, 2), x->efd[0]);
	assert_int_equal(x->f.trigger[2], set_irqs_trigger(&x->s, MSIX, 2));

	/* DATA_NONE over [2, 4): both fire.  A loop bounded by `count` instead of
	 * `start + count` would fire nothing here. */
	s = mk(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 2, 2);
	assert_int_equal(set_irqs(&x->s, &s.hdr), 0);
	assert_int_equal(drain(x->efd[0]), 1);
	assert_int_equal(drain(x->efd[1]), 1);
	/* DATA_BOOL over [1, 4) = {1, 0, 1}: vector 1 has no trigger, 2 skipped, 3 fires. */
	s = mk(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER, 1, 3);
	s.hdr.data[0] = 1;
	s.hdr.data[1] = 0;
	s.hdr.data[2] = 1;
	assert_int_equal(set_irqs(&x->s, &s.hdr), 0);
	assert_int_equal(drain(x->efd[0]), 0);
	assert_int_equal(drain(x->efd[1]), 1);
	/* DATA_NONE over [3, 4) with start + count == NV exactly. */
	s = mk(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 3, 1);
	assert_int_equal(set_irqs(&x->s, &s.hdr), 0);
	assert_int_equal(drain(x->efd[1]), 1);
	assert_int_equal(drain(x->efd[0]), 0);
}

static void test_teardown_one_and_disable_all(void **state)
{
	struct fixture *x = *state;
	struct irqset s;
	int ours1, ours2;

	assert_int_equal(set_fds(&x->s, 0, x->efd, NV), 0);
	ours1 = set_irqs_trigger(&x->s, MSIX, 1);
	ours2 = set_irqs_trigger(&x->s, MSIX, 2);
	/* -1 tears vector 1 down and closes our dup; -1 on an unset vector is a no-op. */
	assert_int_equal(set_fds(&x->s, 1, (int[]){ -1 }, 1), 0);
	assert_int_equal(x->f.trigger[1], -1);
	assert_int_equal(set_irqs_trigger(&x->s, MSIX, 1), -1);
	assert_int_equal(fcntl(ours1, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(set_irqs_trigger(&x->s, MSIX, 2), ours2);
	x->f.calls = 0;
	assert_int_equal(set_fds(&x->s, 1, (int[]){ -1 }, 1), 0);
	assert_int_equal(x->f.calls, 0);

	/* count == 0 with DATA_NONE: everything torn down, index disabled. */
	s = mk(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0);
	assert_int_equal(set_irqs(&x->s, &s.hdr), 0);
	assert_false(x->s.index[MSIX].enabled);
	for (unsigned v = 0; v < NV; v++) {
		assert_int_equal(x->f.trigger[v], -1);
		assert_int_equal(set_irqs_trigger(&x->s, MSIX, v), -1);
	}
	assert_int_equal(fcntl(ours2, F_GETFD), -1);
	/* Disabling a disabled index, or firing it, is refused. */
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	s = mk(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1);
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
}

static void test_bad_fds(void **state)
{
	struct fixture *x = *state;
	int p[2], before;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(set_fds(&x->s, 0, (int[]){ x->efd[0], x->efd[1] }, 2), 0);
	before = (int)open_fds();
	x->f.calls = x->f.commits = 0;
	/* A pipe is no eventfd; a closed fd is EBADF.  Nothing changes, nothing leaks. */
	assert_int_equal(set_fds(&x->s, 0, (int[]){ x->efd[2], p[0] }, 2), -EINVAL);
	assert_int_equal(set_fds(&x->s, 1, (int[]){ x->efd[2], 1000 }, 2), -EBADF);
	assert_int_equal(set_fds(&x->s, 0, (int[]){ STDIN_FILENO }, 1), -EINVAL);
	assert_int_equal(x->f.calls, 0);
	assert_int_equal(x->f.commits, 0);
	assert_int_equal((int)open_fds(), before);
	assert_int_equal(fd_is_eventfd(x->efd[0]), 0);
	assert_int_equal(fd_is_eventfd(p[1]), -EINVAL);
	assert_int_equal(fd_is_eventfd(-1), -EBADF);
	close(p[0]);
	close(p[1]);
	/* An index never enabled stays disabled after a failed first call. */
	struct set_irqs s2;
	struct fake f2 = { .fail_trigger_at = -1 };
	set_irqs_init(&s2, "t2", &fops, &f2);
	assert_int_equal(set_irqs_add_index(&s2, MSIX, NV, VFIO_IRQ_INFO_EVENTFD), 0);
	assert_int_equal(set_fds(&s2, 0, (int[]){ 1000 }, 1), -EBADF);
	assert_false(s2.index[MSIX].enabled);
	set_irqs_destroy(&s2);
}

static void test_rollback(void **state)
{
	struct fixture *x = *state;
	int old[NV], before;

	/* Vectors 0..3 on efd 0..3. */
	assert_int_equal(set_fds(&x->s, 0, x->efd, NV), 0);
	for (unsigned v = 0; v < NV; v++)
		old[v] = set_irqs_trigger(&x->s, MSIX, v);
	before = (int)open_fds();

	/* Replace [1, 4) with new eventfds; vector 3 fails: 1 and 2 are put back, 0 never
	 * touched, our new dups closed. */
	x->f.fail_trigger_at = 3;
	x->f.calls = 0;
	assert_int_equal(set_fds(&x->s, 1, (int[]){ x->efd[4], x->efd[5], x->efd[4] }, 3),
			 -ENOSPC);
	for (unsigned v = 0; v < NV; v++) {
		assert_int_equal(set_irqs_trigger(&x->s, MSIX, v), old[v]);
		assert_int_equal(x->f.trigger[v], old[v]);
	}
	assert_int_equal(x->f.calls, 5); /* 1, 2, 3 (fails), 2 and 1 restored */
	assert_int_equal((int)open_fds(), before);

	/* The commit fails: every vector of the call restored, the rest untouched. */
	x->f.fail_commit = 1;
	assert_int_equal(set_fds(&x->s, 0, (int[]){ x->efd[4], x->efd[5] }, 2), -EBUSY);
	for (unsigned v = 0; v < NV; v++) {
		assert_int_equal(set_irqs_trigger(&x->s, MSIX, v), old[v]);
		assert_int_equal(x->f.trigger[v], old[v]);
	}
	assert_int_equal((int)open_fds(), before);

	/* And the triggers still work. */
	struct irqset s = mk(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, NV);
	assert_int_equal(set_irqs(&x->s, &s.hdr), 0);
	for (unsigned v = 0; v < NV; v++)
		assert_int_equal(drain(x->efd[v]), 1);

	/* A failed first call leaves the index disabled, as before it. */
	s = mk(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0);
	assert_int_equal(set_irqs(&x->s, &s.hdr), 0);
	x->f.fail_commit = 2;
	assert_int_equal(set_fds(&x->s, 0, (int[]){ x->efd[0] }, 1), -EBUSY);
	assert_false(x->s.index[MSIX].enabled);
	assert_int_equal(set_irqs_trigger(&x->s, MSIX, 0), -1);
}

static void test_replace_and_no_leak(void **state)
{
	struct fixture *x = *state;
	int before = (int)open_fds();

	/* Thousands of set / replace / teardown cycles keep the fd count flat. */
	for (unsigned i = 0; i < 2000; i++) {
		assert_int_equal(set_fds(&x->s, i % NV, (int[]){ x->efd[i % (NV + 2)] }, 1), 0);
		if (i % 7 == 0)
			assert_int_equal(set_fds(&x->s, 0, (int[]){ -1, -1, -1, -1 }, NV), 0);
	}
	struct irqset s = mk(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0);
	assert_int_equal(set_irqs(&x->s, &s.hdr), 0);
	assert_int_equal((int)open_fds(), before);
}

static void test_mask_unmask(void **state)
{
	struct fixture *x = *state;
	struct irqset s;

	s = mk(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_MASK, 1, 3);
	s.hdr.data[0] = 1;
	s.hdr.data[2] = 1;
	assert_int_equal(set_irqs(&x->s, &s.hdr), 0);
	assert_false(x->f.masked[0]);
	assert_true(x->f.masked[1]);
	assert_false(x->f.masked[2]);
	assert_true(x->f.masked[3]);
	s = mk(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, 3, 1);
	assert_int_equal(set_irqs(&x->s, &s.hdr), 0);
	assert_false(x->f.masked[3]);
	assert_true(x->f.masked[1]);
	s = mk(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, 0, 1);
	put_fds(&s, x->efd, 1);
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	/* Not maskable: -ENOTTY, as VFIO answers for MSI-X. */
	x->s.index[MSIX].info_flags &= ~VFIO_IRQ_INFO_MASKABLE;
	s = mk(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, 0, 1);
	assert_int_equal(set_irqs(&x->s, &s.hdr), -ENOTTY);
}

static void test_info_and_exclusive_indexes(void **state)
{
	struct fixture *x = *state;
	struct vfio_irq_info info = { .argsz = sizeof(info), .index = MSIX };
	struct irqset s;

	assert_int_equal(set_irqs_get_info(&x->s, &info), 0);
	assert_int_equal(info.count, NV);
	assert_true(info.flags & VFIO_IRQ_INFO_EVENTFD);
	info.index = VFIO_PCI_MSI_IRQ_INDEX;
	assert_int_equal(set_irqs_get_info(&x->s, &info), 0);
	assert_int_equal(info.count, 0);
	info.index = VFIO_PCI_NUM_IRQS;
	assert_int_equal(set_irqs_get_info(&x->s, &info), -EINVAL);
	assert_int_equal(set_irqs_add_index(&x->s, MSIX, 2, 0), -EEXIST);
	assert_int_equal(set_irqs_add_index(&x->s, VFIO_PCI_NUM_IRQS, 2, 0), -EINVAL);

	/* MSI-X enabled: MSI cannot be enabled; the error index can. */
	assert_int_equal(set_irqs_add_index(&x->s, VFIO_PCI_MSI_IRQ_INDEX, 1, 0), 0);
	assert_int_equal(set_irqs_add_index(&x->s, VFIO_PCI_ERR_IRQ_INDEX, 1, 0), 0);
	assert_int_equal(set_fds(&x->s, 0, x->efd, 1), 0);
	s = mk(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1);
	s.hdr.index = VFIO_PCI_MSI_IRQ_INDEX;
	put_fds(&s, &x->efd[1], 1);
	assert_int_equal(set_irqs(&x->s, &s.hdr), -EINVAL);
	s.hdr.index = VFIO_PCI_ERR_IRQ_INDEX;
	x->s.ops = NULL; /* no delivery layer behind the error index in this test */
	assert_int_equal(set_irqs(&x->s, &s.hdr), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_header_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enable_and_start_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_teardown_one_and_disable_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_and_no_leak, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mask_unmask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_and_exclusive_indexes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
