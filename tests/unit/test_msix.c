/* SPDX-License-Identifier: GPL-2.0-only */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "irq/msix.h"

/* Records what msix tells the delivery layer, in order. */
enum ev_kind { EV_MASK, EV_UNMASK, EV_RETARGET, EV_DELIVER, EV_SYNC };
struct ev {
	enum ev_kind kind;
	unsigned vector;
	struct msi_msg msg;
};
struct rec {
	struct ev ev[256];
	unsigned n;
	bool fired_while_masked[64]; /* what mask(v, false) returns */
};

static bool rec_mask(void *opaque, unsigned v, bool masked)
{
	struct rec *r = opaque;
	bool fired = !masked && r->fired_while_masked[v];

	r->ev[r->n++] = (struct ev){ masked ? EV_MASK : EV_UNMASK, v, { 0, 0 } };
	r->fired_while_masked[v] = false;
	return fired;
}

static void rec_retarget(void *opaque, unsigned v, const struct msi_msg *msg)
{
	struct rec *r = opaque;
	r->ev[r->n++] = (struct ev){ EV_RETARGET, v, *msg };
}

static void rec_deliver(void *opaque, unsigned v, const struct msi_msg *msg)
{
	struct rec *r = opaque;
	r->ev[r->n++] = (struct ev){ EV_DELIVER, v, *msg };
}

static void rec_sync(void *opaque)
{
	struct rec *r = opaque;
	r->ev[r->n++] = (struct ev){ EV_SYNC, 0, { 0, 0 } };
}

static const struct msix_ops ops = { rec_mask, rec_retarget, rec_deliver, rec_sync };

static unsigned count(const struct rec *r, enum ev_kind k, unsigned v)
{
	unsigned n = 0;
	for (unsigned i = 0; i < r->n; i++)
		n += r->ev[i].kind == k && r->ev[i].vector == v;
	return n;
}

/* 8 vectors, table at BAR 2 offset 0, PBA at BAR 2 offset 0x800. */
static void setup8(struct msix *m, struct rec *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(msix_init(m, "dev", 8, 2, 0, 2, 0x800, &ops, r), 0);
}

static void enable(struct msix *m)
{
	msix_cap_write(m, MSIX_CAP_CONTROL, 2, MSIX_CTRL_ENABLE);
}

static void program(struct msix *m, unsigned v, uint32_t lo, uint32_t data, bool masked)
{
	msix_table_write(m, v * 16 + 0, 4, lo);
	msix_table_write(m, v * 16 + 4, 4, 0);
	msix_table_write(m, v * 16 + 8, 4, data);
	msix_table_write(m, v * 16 + 12, 4, masked);
}

static void test_init_checks(void **state)
{
	struct msix m;

	(void)state;
	assert_int_equal(msix_init(&m, "d", 0, 0, 0, 0, 0x1000, &ops, NULL), -EINVAL);
	assert_int_equal(msix_init(&m, "d", 2049, 0, 0, 1, 0, &ops, NULL), -EINVAL);
	assert_int_equal(msix_init(&m, "d", 4, 0, 4, 0, 0x1000, &ops, NULL), -EINVAL);
	assert_int_equal(msix_init(&m, "d", 4, 0, 0, 0, 0x1004, &ops, NULL), -EINVAL);
	assert_int_equal(msix_init(&m, "d", 4, 6, 0, 0, 0x1000, &ops, NULL), -EINVAL);
	/* Table [0, 0x40) and PBA at 0x38 overlap in the same BAR; fine in another. */
	assert_int_equal(msix_init(&m, "d", 4, 0, 0, 0, 0x38, &ops, NULL), -EINVAL);
	assert_int_equal(msix_init(&m, "d", 4, 0, 0, 1, 0x38, &ops, NULL), 0);
	msix_destroy(&m);
	assert_int_equal(msix_init(&m, "d", 2048, 0, 0, 0, 0x8000, &ops, NULL), 0);
	assert_int_equal(msix_table_size(&m), 0x8000);
	assert_int_equal(msix_pba_size(&m), 256);
	msix_destroy(&m);
}

static void test_capability(void **state)
{
	struct msix m;
	struct rec r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(msix_init(&m, "d", 8, 2, 0x1000, 3, 0x2000, &ops, &r), 0);
	m.cap_next = 0x50;
	assert_int_equal(msix_cap_read(&m, 0, 1), MSIX_CAP_ID);
	assert_int_equal(msix_cap_read(&m, 1, 1), 0x50);
	assert_int_equal(msix_cap_read(&m, 2, 2), 7);
	assert_int_equal(msix_cap_read(&m, 4, 4), 0x1002);
	assert_int_equal(msix_cap_read(&m, 8, 4), 0x2003);
	assert_int_equal(msix_cap_read(&m, 0, 4), 0x00075011);
	/* Only enable and function mask are writable, through any access size. */
	msix_cap_write(&m, 0, 4, 0xffffffff);
	assert_int_equal(msix_cap_read(&m, 0, 4), 0xc0075011);
	assert_true(m.enabled && m.fmask);
	msix_cap_write(&m, 3, 1, 0x80);
	assert_int_equal(msix_control(&m), 0x8007);
	msix_cap_write(&m, 2, 2, 0x0000);
	assert_int_equal(msix_control(&m), 0x0007);
	msix_cap_write(&m, 4, 4, 0); /* read-only */
	assert_int_equal(msix_cap_read(&m, 4, 4), 0x1002);
	/* Beyond the 12 bytes: all-ones, ignored, counted. */
	assert_int_equal(msix_cap_read(&m, 10, 4), 0xffffffff);
	assert_int_equal(msix_cap_read(&m, 12, 1), 0xff);
	msix_cap_write(&m, 11, 2, 0xffff);
	assert_int_equal(m.bad_accesses, 3);
	msix_destroy(&m);
}

static void test_defaults_and_entry_access(void **state)
{
	struct msix m;
	struct rec r;

	(void)state;
	setup8(&m, &r);
	for (unsigned v = 0; v < 8; v++) {
		assert_int_equal(msix_table_read(&m, v * 16 + 12, 4), 1); /* masked */
		assert_int_equal(msix_table_read(&m, v * 16, 8), 0);
		assert_true(msix_masked(&m, v));
	}
	program(&m, 3, 0xfee01000, 0x4041, true);
	assert_int_equal(msix_table_read(&m, 3 * 16, 4), 0xfee01000);
	assert_int_equal(msix_table_read(&m, 3 * 16 + 8, 4), 0x4041);
	assert_int_equal(msix_table_read(&m, 3 * 16 + 8, 8), 0x100004041ull);
	/* QWORD write of address lo+hi: one retarget, with both halves. */
	r.n = 0;
	msix_table_write(&m, 3 * 16, 8, 0x00000000fee02000ull);
	assert_int_equal(count(&r, EV_RETARGET, 3), 1);
	assert_int_equal(r.ev[0].msg.addr, 0xfee02000);
	/* Vector Control: only bit 0 is kept. */
	msix_table_write(&m, 3 * 16 + 12, 4, 0xfffffffe);
	assert_int_equal(msix_table_read(&m, 3 * 16 + 12, 4), 0);
	msix_table_write(&m, 3 * 16 + 12, 4, 0xffffffff);
	assert_int_equal(msix_table_read(&m, 3 * 16 + 12, 4), 1);
	/* Rewriting the same value is no retarget. */
	r.n = 0;
	msix_table_write(&m, 3 * 16 + 8, 4, 0x4041);
	assert_int_equal(r.n, 0);
	msix_destroy(&m);
}

static void test_wrong_sizes_and_ranges(void **state)
{
	struct msix m;
	struct rec r;

	(void)state;
	setup8(&m, &r);
	program(&m, 0, 0xfee01000, 0x4041, true);
	r.n = 0;
	/* Sizes 1 and 2, misaligned DWORD/QWORD, out of range: all-ones, writes dropped. */
	assert_int_equal(msix_table_read(&m, 0, 1), 0xff);
	assert_int_equal(msix_table_read(&m, 0, 2), 0xffff);
	assert_int_equal(msix_table_read(&m, 2, 4), 0xffffffff);
	assert_int_equal(msix_table_read(&m, 4, 8), ~0ull);
	assert_int_equal(msix_table_read(&m, 8 * 16, 4), 0xffffffff);
	assert_int_equal(msix_table_read(&m, 8 * 16 - 4, 8), ~0ull);
	assert_int_equal(msix_table_read(&m, ~0ull - 3, 4), 0xffffffff);
	assert_int_equal(msix_table_read(&m, 0, 3), 0xffffff);
	msix_table_write(&m, 0, 1, 0);
	msix_table_write(&m, 0, 2, 0);
	msix_table_write(&m, 12, 2, 0); /* would unmask if taken */
	msix_table_write(&m, 2, 4, 0);
	msix_table_write(&m, 4, 8, 0);
	msix_table_write(&m, 8 * 16, 4, 0);
	msix_table_write(&m, ~0ull - 7, 8, 0);
	assert_int_equal(msix_table_read(&m, 0, 4), 0xfee01000);
	assert_int_equal(msix_table_read(&m, 12, 4), 1);
	assert_int_equal(r.n, 0); /* nothing reached the delivery layer */
	/* PBA: aligned DWORD/QWORD reads only; writes ignored. */
	assert_int_equal(msix_pba_read(&m, 0, 8), 0);
	assert_int_equal(msix_pba_read(&m, 4, 4), 0);
	assert_int_equal(msix_pba_read(&m, 8, 4), 0xffffffff);
	assert_int_equal(msix_pba_read(&m, 1, 1), 0xff);
	msix_pba_write(&m, 0, 8, ~0ull);
	assert_int_equal(msix_pba_read(&m, 0, 8), 0);
	assert_int_equal(m.bad_accesses, 18);
	msix_destroy(&m);
}

static void test_mask_pba_unmask_once(void **state)
{
	struct msix m;
	struct rec r;

	(void)state;
	setup8(&m, &r);
	enable(&m);
	program(&m, 5, 0xfee01000, 0x4045, false);
	assert_false(msix_masked(&m, 5));
	r.n = 0;
	assert_int_equal(msix_notify(&m, 5), 1);
	assert_int_equal(count(&r, EV_DELIVER, 5), 1);
	assert_int_equal(r.ev[0].msg.data, 0x4045);

	/* Mask, fire three times: one pending bit, no delivery. */
	msix_table_write(&m, 5 * 16 + 12, 4, 1);
	r.n = 0;
	for (int i = 0; i < 3; i++)
		assert_int_equal(msix_notify(&m, 5), 0);
	assert_int_equal(count(&r, EV_DELIVER, 5), 0);
	assert_true(msix_pending(&m, 5));
	assert_int_equal(msix_pba_read(&m, 0, 4), 1u << 5);
	assert_int_equal(msix_pba_read(&m, 0, 8), 1u << 5);

	/* Unmask: delivered exactly once, after the mask change and sync; bit cleared. */
	r.n = 0;
	msix_table_write(&m, 5 * 16 + 12, 4, 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.ev[0].kind, EV_UNMASK);
	assert_int_equal(r.ev[1].kind, EV_SYNC);
	assert_int_equal(r.ev[2].kind, EV_DELIVER);
	assert_false(msix_pending(&m, 5));
	assert_int_equal(msix_pba_read(&m, 0, 4), 0);
	/* Unmasking again changes nothing and delivers nothing. */
	r.n = 0;
	msix_table_write(&m, 5 * 16 + 12, 4, 0);
	assert_int_equal(r.n, 0);
	/* Masked and unmasked with nothing pending: no delivery. */
	msix_table_write(&m, 5 * 16 + 12, 4, 1);
	msix_table_write(&m, 5 * 16 + 12, 4, 0);
	assert_int_equal(count(&r, EV_DELIVER, 5), 0);
	/* A trigger that fired while masked, not yet reported, counts as pending. */
	msix_table_write(&m, 5 * 16 + 12, 4, 1);
	r.fired_while_masked[5] = true;
	r.n = 0;
	msix_table_write(&m, 5 * 16 + 12, 4, 0);
	assert_int_equal(count(&r, EV_DELIVER, 5), 1);
	/* Both reported and pending: still once. */
	msix_table_write(&m, 5 * 16 + 12, 4, 1);
	msix_notify(&m, 5);
	r.fired_while_masked[5] = true;
	r.n = 0;
	msix_table_write(&m, 5 * 16 + 12, 4, 0);
	assert_int_equal(count(&r, EV_DELIVER, 5), 1);
	assert_int_equal(msix_notify(&m, 8), -EINVAL);
	msix_destroy(&m);
}

static void test_function_mask(void **state)
{
	struct msix m;
	struct rec r;

	(void)state;
	setup8(&m, &r);
	enable(&m);
	for (unsigned v = 0; v < 4; v++)
		program(&m, v, 0xfee00000, 0x40 + v, v == 3); /* 3 stays masked */
	r.n = 0;
	msix_cap_write(&m, MSIX_CAP_CONTROL, 2, MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK);
	/* Mask events for the three unmasked vectors, one sync. */
	assert_int_equal(count(&r, EV_MASK, 0) + count(&r, EV_MASK, 1) + count(&r, EV_MASK, 2), 3);
	assert_int_equal(count(&r, EV_MASK, 3), 0);
	assert_int_equal(count(&r, EV_SYNC, 0), 1);
	msix_notify(&m, 0);
	msix_notify(&m, 2);
	msix_notify(&m, 3);
	assert_int_equal(msix_pba_read(&m, 0, 4), 0xd);
	r.n = 0;
	msix_cap_write(&m, 3, 1, MSIX_CTRL_ENABLE >> 8);
	/* 0 and 2 delivered once each, after the one sync; 3 stays pending (own mask). */
	assert_int_equal(count(&r, EV_SYNC, 0), 1);
	assert_int_equal(count(&r, EV_DELIVER, 0), 1);
	assert_int_equal(count(&r, EV_DELIVER, 1), 0);
	assert_int_equal(count(&r, EV_DELIVER, 2), 1);
	assert_int_equal(count(&r, EV_DELIVER, 3), 0);
	assert_int_equal(msix_pba_read(&m, 0, 4), 0x8);
	assert_int_equal(r.ev[r.n - 1].kind, EV_DELIVER);
	/* While MSI-X is disabled every vector counts as masked (QEMU does the same). */
	msix_cap_write(&m, 3, 1, 0);
	assert_true(msix_masked(&m, 1));
	msix_notify(&m, 1);
	assert_true(msix_pending(&m, 1));
	r.n = 0;
	enable(&m);
	assert_int_equal(count(&r, EV_DELIVER, 1), 1);
	msix_destroy(&m);
}

static void test_retarget_next_interrupt(void **state)
{
	struct msix m;
	struct rec r;

	(void)state;
	setup8(&m, &r);
	enable(&m);
	program(&m, 1, 0xfee00000, 0x4050, false);
	r.n = 0;
	msix_table_write(&m, 16, 4, 0xfee03000);
	assert_int_equal(count(&r, EV_RETARGET, 1), 1);
	assert_int_equal(r.ev[0].msg.addr, 0xfee03000);
	assert_int_equal(r.ev[1].kind, EV_SYNC);
	msix_notify(&m, 1);
	assert_int_equal(r.ev[r.n - 1].msg.addr, 0xfee03000);
	/* Masked, retargeted and unmasked by one QWORD write (data + vector control):
	 * the pending interrupt goes to the new message. */
	msix_table_write(&m, 16 + 12, 4, 1);
	msix_notify(&m, 1);
	r.n = 0;
	msix_table_write(&m, 16 + 8, 8, 0x4061);
	assert_int_equal(r.ev[0].kind, EV_RETARGET);
	assert_int_equal(r.ev[1].kind, EV_UNMASK);
	assert_int_equal(r.ev[2].kind, EV_SYNC);
	assert_int_equal(r.ev[3].kind, EV_DELIVER);
	assert_int_equal(r.ev[3].msg.data, 0x4061);
	msix_destroy(&m);
}

static void test_host_mask_and_reset(void **state)
{
	struct msix m;
	struct rec r;

	(void)state;
	setup8(&m, &r);
	enable(&m);
	program(&m, 2, 0xfee00000, 0x4050, false);
	r.n = 0;
	assert_int_equal(msix_set_host_mask(&m, 2, true), 0);
	assert_int_equal(count(&r, EV_MASK, 2), 1);
	msix_notify(&m, 2);
	assert_true(msix_pending(&m, 2));
	assert_int_equal(msix_set_host_mask(&m, 2, false), 0);
	assert_int_equal(count(&r, EV_DELIVER, 2), 1);
	assert_int_equal(msix_set_host_mask(&m, 9, true), -EINVAL);

	msix_set_host_mask(&m, 4, true);
	msix_notify(&m, 2);
	r.n = 0;
	msix_reset(&m);
	assert_int_equal(count(&r, EV_MASK, 2), 1);
	assert_int_equal(count(&r, EV_RETARGET, 2), 1);
	assert_false(m.enabled);
	assert_int_equal(msix_table_read(&m, 2 * 16, 8), 0);
	assert_int_equal(msix_table_read(&m, 2 * 16 + 12, 4), 1);
	assert_int_equal(msix_pba_read(&m, 0, 8), 0);
	assert_false(m.host_mask[0]);
	msix_destroy(&m);
}

static void test_big_table_pba(void **state)
{
	struct msix m;
	struct rec r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(msix_init(&m, "big", 2048, 0, 0, 1, 0, &ops, &r), 0);
	msix_notify(&m, 2047);
	msix_notify(&m, 64);
	/* 2048 bits = 32 QWORDs: vector 2047 is bit 63 of the last one. */
	assert_int_equal(msix_pba_read(&m, 31 * 8, 8), 1ull << 63);
	assert_int_equal(msix_pba_read(&m, 31 * 8 + 4, 4), 1u << 31);
	assert_int_equal(msix_pba_read(&m, 8, 4), 1);
	assert_int_equal(msix_pba_read(&m, 32 * 8, 4), 0xffffffff);
	assert_int_equal(msix_table_read(&m, 2047 * 16 + 12, 4), 1);
	msix_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_checks),
		cmocka_unit_test(test_capability),
		cmocka_unit_test(test_defaults_and_entry_access),
		cmocka_unit_test(test_wrong_sizes_and_ranges),
		cmocka_unit_test(test_mask_pba_unmask_once),
		cmocka_unit_test(test_function_mask),
		cmocka_unit_test(test_retarget_next_interrupt),
		cmocka_unit_test(test_host_mask_and_reset),
		cmocka_unit_test(test_big_table_pba),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
