/* SPDX-License-Identifier: GPL-2.0-only */
/* Singleshot timer bookkeeping on a fake clock: set, replace, stop, fire, Linux wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "xen/timer.h"

#define VCPUS 4

struct clock {
	uint64_t now;
	uint64_t armed[VCPUS]; /* what the host timer was last set to (0: disarmed) */
	unsigned arms[VCPUS];
	unsigned fired[VCPUS];
};

static uint64_t now(void *opaque)
{
	return ((struct clock *)opaque)->now;
}

static void arm(void *opaque, unsigned vcpu, uint64_t deadline)
{
	struct clock *c = opaque;
	c->armed[vcpu] = deadline;
	c->arms[vcpu]++;
}

static void fire(void *opaque, unsigned vcpu)
{
	((struct clock *)opaque)->fired[vcpu]++;
}

static const struct xen_timer_ops ops = { now, arm, fire };

static int setup(void **state)
{
	struct clock *c = calloc(1, sizeof(*c));
	struct xen_timers *t = calloc(1, sizeof(*t));
	void **s = calloc(2, sizeof(void *));

	c->now = 1000000000;
	if (xen_timers_init(t, VCPUS, &ops, c))
		return -1;
	s[0] = c;
	s[1] = t;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	void **s = *state;
	xen_timers_destroy(s[1]);
	free(s[0]);
	free(s[1]);
	free(s);
	return 0;
}

#define CLOCK(state) ((struct clock *)((void **)*(state))[0])
#define TIMERS(state) ((struct xen_timers *)((void **)*(state))[1])

static void test_future_deadline_fires_once(void **state)
{
	struct clock *c = CLOCK(state);
	struct xen_timers *t = TIMERS(state);

	assert_int_equal(xen_timer_set(t, 1, c->now + 5000), 0);
	assert_int_equal(c->armed[1], c->now + 5000);
	assert_int_equal(xen_timer_deadline(t, 1), c->now + 5000);
	assert_int_equal(c->fired[1], 0);
	/* the host timer woke early: nothing fires, it is re-armed */
	c->now += 4000;
	xen_timer_expired(t, 1);
	assert_int_equal(c->fired[1], 0);
	assert_int_equal(c->armed[1], c->now + 1000);
	/* at the deadline */
	c->now += 1000;
	xen_timer_expired(t, 1);
	assert_int_equal(c->fired[1], 1);
	assert_int_equal(c->armed[1], 0);
	assert_int_equal(xen_timer_deadline(t, 1), 0);
	/* singleshot: a second expiry does nothing */
	c->now += 1000000;
	xen_timer_expired(t, 1);
	assert_int_equal(c->fired[1], 1);
	assert_int_equal(c->fired[0] + c->fired[2] + c->fired[3], 0);
}

static void test_past_deadline_fires_at_once(void **state)
{
	struct clock *c = CLOCK(state);
	struct xen_timers *t = TIMERS(state);

	assert_int_equal(xen_timer_set(t, 2, c->now - 1), 0);
	assert_int_equal(c->fired[2], 1);
	assert_int_equal(xen_timer_deadline(t, 2), 0);
	assert_int_equal(c->arms[2], 0); /* never armed */
	assert_int_equal(xen_timer_set(t, 2, c->now), 0); /* "now" is not in the future */
	assert_int_equal(c->fired[2], 2);
	assert_int_equal(xen_timer_set(t, 2, 0), 0); /* 0 is long past too */
	assert_int_equal(c->fired[2], 3);
	/* a past deadline replaces an armed one, which is then cancelled */
	assert_int_equal(xen_timer_set(t, 2, c->now + 100), 0);
	assert_int_equal(xen_timer_set(t, 2, c->now - 100), 0);
	assert_int_equal(c->fired[2], 4);
	assert_int_equal(c->armed[2], 0);
	c->now += 200;
	xen_timer_expired(t, 2);
	assert_int_equal(c->fired[2], 4);
}

static void test_replace_and_stop(void **state)
{
	struct clock *c = CLOCK(state);
	struct xen_timers *t = TIMERS(state);

	assert_int_equal(xen_timer_set(t, 0, c->now + 100), 0);
	assert_int_equal(xen_timer_set(t, 0, c->now + 300), 0); /* replaces */
	c->now += 150;
	xen_timer_expired(t, 0);
	assert_int_equal(c->fired[0], 0);
	assert_int_equal(xen_timer_stop(t, 0), 0);
	assert_int_equal(c->armed[0], 0);
	c->now += 1000;
	xen_timer_expired(t, 0);
	assert_int_equal(c->fired[0], 0);
	assert_int_equal(xen_timer_stop(t, 0), 0); /* stopping a stopped timer is fine */

	assert_int_equal(xen_timer_set(t, VCPUS, 1), -EINVAL);
	assert_int_equal(xen_timer_stop(t, VCPUS), -EINVAL);
	assert_int_equal(xen_timer_set_op(t, VCPUS, 1), -EINVAL);
	assert_int_equal(xen_timer_deadline(t, VCPUS), 0);
	xen_timer_expired(t, VCPUS); /* ignored */

	xen_timer_set(t, 1, c->now + 10);
	xen_timer_set(t, 3, c->now + 10);
	xen_timers_stop_all(t);
	assert_int_equal(xen_timer_deadline(t, 1) | xen_timer_deadline(t, 3), 0);
}

static void test_set_timer_op(void **state)
{
	struct clock *c = CLOCK(state);
	struct xen_timers *t = TIMERS(state);

	assert_int_equal(xen_timer_set_op(t, 3, c->now + 777), 0);
	assert_int_equal(xen_timer_deadline(t, 3), c->now + 777);
	assert_int_equal(xen_timer_set_op(t, 3, 0), 0); /* 0 stops */
	assert_int_equal(xen_timer_deadline(t, 3), 0);
	assert_int_equal(c->fired[3], 0);
	/* wrapped negative: Linux's jiffies wrap, 100 ms from now */
	assert_int_equal(xen_timer_set_op(t, 3, (uint64_t)-5), 0);
	assert_int_equal(xen_timer_deadline(t, 3), c->now + XEN_TIMER_WRAP_DELAY_NS);
	/* more than 2^50 ns ahead: the same */
	assert_int_equal(xen_timer_set_op(t, 3, c->now + (1ull << 50) + 1), 0);
	assert_int_equal(xen_timer_deadline(t, 3), c->now + XEN_TIMER_WRAP_DELAY_NS);
	/* just under 2^50 ns is taken as is */
	assert_int_equal(xen_timer_set_op(t, 3, c->now + (1ull << 50) - 1), 0);
	assert_int_equal(xen_timer_deadline(t, 3), c->now + (1ull << 50) - 1);
	/* in the past: fires now */
	assert_int_equal(xen_timer_set_op(t, 3, c->now - 1), 0);
	assert_int_equal(c->fired[3], 1);
	assert_int_equal(t->fired, 1);
}

static void test_init_checks(void **state)
{
	struct xen_timers t;
	struct xen_timer_ops no_fire = { now, arm, NULL };

	(void)state;
	assert_int_equal(xen_timers_init(&t, 0, &ops, NULL), -EINVAL);
	assert_int_equal(xen_timers_init(&t, 1, &no_fire, NULL), -EINVAL);
	assert_int_equal(xen_timers_init(&t, 1, NULL, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_future_deadline_fires_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_past_deadline_fires_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_and_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_timer_op, setup, teardown),
		cmocka_unit_test(test_init_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
