/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI devices as the guest sees them, driven through a real struct bus: the sleep
 * registers and 0xCF9 (pm.c), and the Generic Event Device (ged.c) with its read-to-clear
 * ESEL, its re-pulse schedule and concurrent raisers.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acpi/ged.h"
#include "acpi/pm.h"
#include "arch/x86/layout.h"
#include "trace/trace.h"

/* ---- PM --------------------------------------------------------------------------- */

struct pm_env {
	struct trace trace;
	struct bus bus;
	struct acpi_pm pm;
	int shutdowns, resets;
};

static void on_shutdown(void *opaque)
{
	((struct pm_env *)opaque)->shutdowns++;
}

static void on_reset(void *opaque)
{
	((struct pm_env *)opaque)->resets++;
}

static const struct acpi_pm_ops pm_test_ops = { on_shutdown, on_reset };

static int pm_setup(void **state)
{
	struct pm_env *e = calloc(1, sizeof(*e));

	trace_init(&e->trace, NULL, false);
	bus_init(&e->bus, "pio");
	acpi_pm_init(&e->pm, &pm_test_ops, e, &e->trace);
	assert_int_equal(acpi_pm_register(&e->pm, &e->bus, PORT_ACPI_SLEEP_CTL, PORT_RESET_CF9), 0);
	*state = e;
	return 0;
}

static int pm_teardown(void **state)
{
	struct pm_env *e = *state;

	bus_destroy(&e->bus);
	trace_fini(&e->trace);
	free(e);
	return 0;
}

static uint64_t in(struct bus *b, uint16_t port, unsigned size)
{
	uint64_t v = 0;

	assert_true(bus_read(b, NULL, port, size, &v));
	return v;
}

static void out(struct bus *b, uint16_t port, unsigned size, uint64_t v)
{
	assert_true(bus_write(b, NULL, port, size, v));
}

static void test_sleep_s5_powers_off(void **state)
{
	struct pm_env *e = *state;

	out(&e->bus, PORT_ACPI_SLEEP_STS, 1, ACPI_WAK_STS); /* what Linux writes first */
	assert_int_equal(e->shutdowns, 0);
	out(&e->bus, PORT_ACPI_SLEEP_CTL, 1, ACPI_SLP_TYP_S5 << ACPI_SLP_TYP_SHIFT | ACPI_SLP_EN);
	assert_int_equal(e->shutdowns, 1);
	assert_int_equal(e->resets, 0);
	/* Reserved bits are ignored, not a reason to refuse the request. */
	out(&e->bus, PORT_ACPI_SLEEP_CTL, 1, 0xf7);
	assert_int_equal(e->shutdowns, 2);
}

static void test_sleep_other_states_ignored(void **state)
{
	struct pm_env *e = *state;

	for (unsigned typ = 0; typ < 8; typ++) {
		if (typ == ACPI_SLP_TYP_S5)
			continue;
		out(&e->bus, PORT_ACPI_SLEEP_CTL, 1, typ << ACPI_SLP_TYP_SHIFT | ACPI_SLP_EN);
	}
	/* SLP_TYP without SLP_EN is only a setting; it reads back, SLP_EN reads 0. */
	out(&e->bus, PORT_ACPI_SLEEP_CTL, 1, ACPI_SLP_TYP_S5 << ACPI_SLP_TYP_SHIFT);
	assert_int_equal(in(&e->bus, PORT_ACPI_SLEEP_CTL, 1), ACPI_SLP_TYP_S5 << ACPI_SLP_TYP_SHIFT);
	out(&e->bus, PORT_ACPI_SLEEP_CTL, 1, 0xc3); /* reserved only */
	assert_int_equal(in(&e->bus, PORT_ACPI_SLEEP_CTL, 1), 0);
	assert_int_equal(in(&e->bus, PORT_ACPI_SLEEP_STS, 1), 0); /* WAK_STS never set */
	out(&e->bus, PORT_ACPI_SLEEP_STS, 1, 0xff);
	assert_int_equal(e->shutdowns, 0);
	assert_int_equal(e->resets, 0);
}

static void test_sleep_wrong_sizes_ignored(void **state)
{
	struct pm_env *e = *state;
	const uint64_t s5 = ACPI_SLP_TYP_S5 << ACPI_SLP_TYP_SHIFT | ACPI_SLP_EN;

	out(&e->bus, PORT_ACPI_SLEEP_CTL, 2, s5);
	out(&e->bus, PORT_ACPI_SLEEP_CTL, 4, s5);
	out(&e->bus, PORT_ACPI_SLEEP_STS, 2, s5);
	assert_int_equal(e->shutdowns, 0);
	assert_int_equal(in(&e->bus, PORT_ACPI_SLEEP_CTL, 2), 0xffff);
	assert_int_equal(in(&e->bus, PORT_ACPI_SLEEP_CTL, 4), 0xffffffff);
	assert_int_equal(in(&e->bus, PORT_ACPI_SLEEP_STS, 4), 0xffffffff);
}

static void test_cf9(void **state)
{
	struct pm_env *e = *state;

	assert_int_equal(in(&e->bus, PORT_RESET_CF9, 1), 0);
	/* SYS_RST and FULL_RST are kept and read back; nothing happens. */
	out(&e->bus, PORT_RESET_CF9, 1, CF9_SYS_RST);
	assert_int_equal(in(&e->bus, PORT_RESET_CF9, 1), CF9_SYS_RST);
	out(&e->bus, PORT_RESET_CF9, 1, CF9_FULL_RST | CF9_SYS_RST);
	assert_int_equal(in(&e->bus, PORT_RESET_CF9, 1), CF9_FULL_RST | CF9_SYS_RST);
	/* Reserved bits are dropped. */
	out(&e->bus, PORT_RESET_CF9, 1, 0xf1);
	assert_int_equal(in(&e->bus, PORT_RESET_CF9, 1), 0);
	assert_int_equal(e->resets, 0);
	/* RST_CPU resets: the FADT's RESET_VALUE, and Linux's 0x02 then 0x06. */
	out(&e->bus, PORT_RESET_CF9, 1, ACPI_RESET_VALUE);
	assert_int_equal(e->resets, 1);
	out(&e->bus, PORT_RESET_CF9, 1, 0x0e);
	assert_int_equal(e->resets, 2);
	out(&e->bus, PORT_RESET_CF9, 1, 0xff);
	assert_int_equal(e->resets, 3);
	assert_int_equal(e->shutdowns, 0);
	/* Wrong sizes: ignored, all-ones. */
	out(&e->bus, PORT_RESET_CF9, 2, 0x0606);
	out(&e->bus, PORT_RESET_CF9, 4, 0x06060606);
	assert_int_equal(e->resets, 3);
	assert_int_equal(in(&e->bus, PORT_RESET_CF9, 2), 0xffff);
	/* A VM reset clears the register. */
	out(&e->bus, PORT_RESET_CF9, 1, CF9_SYS_RST);
	acpi_pm_reset(&e->pm);
	assert_int_equal(in(&e->bus, PORT_RESET_CF9, 1), 0);
}

static void test_pm_register_conflict(void **state)
{
	struct pm_env *e = *state;
	struct acpi_pm other;
	struct bus b;

	(void)e;
	bus_init(&b, "pio");
	acpi_pm_init(&other, &pm_test_ops, e, &e->trace);
	/* Something already sits on 0xCF9: registration fails and leaves nothing behind. */
	assert_int_equal(bus_register(&b, PORT_RESET_CF9, 1, &acpi_pm_reset_ops, e, "other"), 0);
	assert_int_equal(acpi_pm_register(&other, &b, PORT_ACPI_SLEEP_CTL, PORT_RESET_CF9), -EBUSY);
	assert_int_equal(b.nr, 1);
	bus_destroy(&b);
}

/* ---- GED -------------------------------------------------------------------------- */

struct ged_env {
	struct trace trace;
	struct bus bus;
	struct acpi_ged ged;
	_Atomic int pulses;
	pthread_mutex_t lock; /* schedule() may be called from several threads */
	int schedules;
	uint64_t last_ns;
	uint64_t delays[32];
};

static void fake_pulse(void *opaque)
{
	atomic_fetch_add(&((struct ged_env *)opaque)->pulses, 1);
}

static void fake_schedule(void *opaque, uint64_t ns)
{
	struct ged_env *e = opaque;

	pthread_mutex_lock(&e->lock);
	if (e->schedules < 32)
		e->delays[e->schedules] = ns;
	e->schedules++;
	e->last_ns = ns;
	pthread_mutex_unlock(&e->lock);
}

static const struct acpi_ged_ops ged_test_ops = { fake_pulse, fake_schedule };

static int ged_setup(void **state)
{
	struct ged_env *e = calloc(1, sizeof(*e));

	trace_init(&e->trace, NULL, false);
	pthread_mutex_init(&e->lock, NULL);
	bus_init(&e->bus, "pio");
	acpi_ged_init(&e->ged, &ged_test_ops, e, &e->trace);
	assert_int_equal(acpi_ged_register(&e->ged, &e->bus, PORT_GED), 0);
	*state = e;
	return 0;
}

static int ged_teardown(void **state)
{
	struct ged_env *e = *state;

	acpi_ged_destroy(&e->ged);
	pthread_mutex_destroy(&e->lock);
	bus_destroy(&e->bus);
	trace_fini(&e->trace);
	free(e);
	return 0;
}

static uint32_t esel(struct ged_env *e)
{
	return (uint32_t)in(&e->bus, PORT_GED, 4);
}

static void test_ged_raise_and_read_to_clear(void **state)
{
	struct ged_env *e = *state;

	assert_int_equal(esel(e), 0);
	assert_int_equal(acpi_ged_raise(&e->ged, ACPI_GED_EVT_PWR_DOWN), 0);
	assert_int_equal(e->pulses, 1);
	assert_int_equal(e->last_ns, ACPI_GED_REPULSE_FIRST_NS);
	assert_int_equal(esel(e), ACPI_GED_EVT_PWR_DOWN);
	assert_int_equal(esel(e), 0); /* read-to-clear */
	/* Two events before the guest looks: both bits, one read. */
	assert_int_equal(acpi_ged_raise(&e->ged, ACPI_GED_EVT_CPU_HOTPLUG), 0);
	assert_int_equal(acpi_ged_raise(&e->ged, ACPI_GED_EVT_PWR_DOWN), 0);
	assert_int_equal(e->pulses, 3);
	assert_int_equal(esel(e), ACPI_GED_EVT_PWR_DOWN | ACPI_GED_EVT_CPU_HOTPLUG);
	assert_int_equal(esel(e), 0);
}

static void test_ged_rejects_unknown_bits(void **state)
{
	struct ged_env *e = *state;

	assert_int_equal(acpi_ged_raise(&e->ged, 0), -EINVAL);
	assert_int_equal(acpi_ged_raise(&e->ged, ACPI_GED_EVT_MEM_HOTPLUG), -EINVAL);
	assert_int_equal(acpi_ged_raise(&e->ged, ACPI_GED_EVT_PWR_DOWN | 0x80000000u), -EINVAL);
	assert_int_equal(e->pulses, 0);
	assert_int_equal(e->schedules, 0);
	assert_int_equal(esel(e), 0);
}

static void test_ged_bad_accesses(void **state)
{
	struct ged_env *e = *state;

	acpi_ged_raise(&e->ged, ACPI_GED_EVT_PWR_DOWN);
	/* Partial reads would lose bits: they are refused and do not clear ESEL. */
	assert_int_equal(in(&e->bus, PORT_GED, 1), 0xff);
	assert_int_equal(in(&e->bus, PORT_GED, 2), 0xffff);
	assert_int_equal(in(&e->bus, PORT_GED + 1, 1), 0xff);
	assert_int_equal(in(&e->bus, PORT_GED + 2, 2), 0xffff);
	/* Writes are ignored. */
	out(&e->bus, PORT_GED, 4, 0xffffffff);
	out(&e->bus, PORT_GED, 1, 0);
	out(&e->bus, PORT_GED + 3, 1, 0x55);
	assert_int_equal(esel(e), ACPI_GED_EVT_PWR_DOWN);
}

static void test_ged_repulse_until_read(void **state)
{
	struct ged_env *e = *state;

	acpi_ged_raise(&e->ged, ACPI_GED_EVT_PWR_DOWN);
	assert_int_equal(e->pulses, 1);
	/* The guest has not read ESEL: pulse again, doubling the delay. */
	acpi_ged_repulse(&e->ged);
	assert_int_equal(e->pulses, 2);
	assert_int_equal(e->last_ns, 2 * ACPI_GED_REPULSE_FIRST_NS);
	acpi_ged_repulse(&e->ged);
	assert_int_equal(e->pulses, 3);
	assert_int_equal(e->last_ns, 4 * ACPI_GED_REPULSE_FIRST_NS);
	/* The guest reads: the next timer expiry does nothing and schedules nothing. */
	assert_int_equal(esel(e), ACPI_GED_EVT_PWR_DOWN);
	int schedules = e->schedules;
	acpi_ged_repulse(&e->ged);
	assert_int_equal(e->pulses, 3);
	assert_int_equal(e->schedules, schedules);
}

static void test_ged_repulse_gives_up(void **state)
{
	struct ged_env *e = *state;
	uint64_t want = ACPI_GED_REPULSE_FIRST_NS;

	acpi_ged_raise(&e->ged, ACPI_GED_EVT_CPU_HOTPLUG);
	assert_int_equal(e->delays[0], ACPI_GED_REPULSE_FIRST_NS);
	for (int i = 1; i <= ACPI_GED_REPULSE_TRIES; i++) {
		acpi_ged_repulse(&e->ged);
		want = want * 2 > ACPI_GED_REPULSE_MAX_NS ? ACPI_GED_REPULSE_MAX_NS : want * 2;
		assert_int_equal(e->pulses, 1 + i);
		assert_int_equal(e->delays[i], want);
	}
	assert_int_equal(e->last_ns, ACPI_GED_REPULSE_MAX_NS);
	/* Ten re-pulses and no read: stop, and stay stopped. */
	for (int i = 0; i < 3; i++)
		acpi_ged_repulse(&e->ged);
	assert_int_equal(e->pulses, 1 + ACPI_GED_REPULSE_TRIES);
	assert_int_equal(e->schedules, 1 + ACPI_GED_REPULSE_TRIES);
	/* The event is still pending for whoever reads... */
	assert_int_equal(esel(e), ACPI_GED_EVT_CPU_HOTPLUG);
	/* ... and a new event starts a new round. */
	acpi_ged_raise(&e->ged, ACPI_GED_EVT_PWR_DOWN);
	acpi_ged_repulse(&e->ged);
	assert_int_equal(e->pulses, 3 + ACPI_GED_REPULSE_TRIES);
	assert_int_equal(e->last_ns, 2 * ACPI_GED_REPULSE_FIRST_NS);
}

/* A raise after the guest's read must be re-pulsed even though a read happened. */
static void test_ged_raise_after_read_repulses(void **state)
{
	struct ged_env *e = *state;

	acpi_ged_raise(&e->ged, ACPI_GED_EVT_PWR_DOWN);
	assert_int_equal(esel(e), ACPI_GED_EVT_PWR_DOWN);
	acpi_ged_raise(&e->ged, ACPI_GED_EVT_CPU_HOTPLUG);
	acpi_ged_repulse(&e->ged);
	assert_int_equal(e->pulses, 3);
	assert_int_equal(esel(e), ACPI_GED_EVT_CPU_HOTPLUG);
}

static void test_ged_reset(void **state)
{
	struct ged_env *e = *state;

	acpi_ged_raise(&e->ged, ACPI_GED_EVT_PWR_DOWN | ACPI_GED_EVT_CPU_HOTPLUG);
	acpi_ged_reset(&e->ged);
	assert_int_equal(e->last_ns, 0); /* re-pulse cancelled */
	assert_int_equal(esel(e), 0);
	acpi_ged_repulse(&e->ged);        /* a timer that fired anyway: nothing */
	assert_int_equal(e->pulses, 1);
}

/* Raisers on several threads while the test thread reads ESEL: no bit is lost, no
 * unknown bit appears, every raise pulses once, and nothing is left pending. */
#define RAISERS 4
#define RAISES_PER_THREAD 20000

struct race {
	struct ged_env *e;
	uint32_t bit;
	int failures; /* cmocka asserts only on the test's own thread */
};

static void *raiser(void *opaque)
{
	struct race *r = opaque;

	for (int i = 0; i < RAISES_PER_THREAD; i++)
		r->failures += acpi_ged_raise(&r->e->ged, r->bit) != 0;
	return NULL;
}

static void test_ged_concurrent_raise(void **state)
{
	struct ged_env *e = *state;
	struct race r[RAISERS];
	pthread_t t[RAISERS];
	uint32_t seen = 0;

	for (int i = 0; i < RAISERS; i++) {
		r[i] = (struct race){ .e = e, .bit = i & 1 ? ACPI_GED_EVT_PWR_DOWN
							    : ACPI_GED_EVT_CPU_HOTPLUG };
		assert_int_equal(pthread_create(&t[i], NULL, raiser, &r[i]), 0);
	}
	/* Read concurrently; every value is a subset of the supported bits. */
	for (int i = 0; i < 20000; i++) {
		uint32_t v = esel(e);
		assert_int_equal(v & ~ACPI_GED_EVT_SUPPORTED, 0);
		seen |= v;
	}
	for (int i = 0; i < RAISERS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(r[i].failures, 0);
	}
	seen |= esel(e);
	assert_int_equal(seen, ACPI_GED_EVT_SUPPORTED);
	assert_int_equal(esel(e), 0);
	assert_int_equal(atomic_load(&e->pulses), RAISERS * RAISES_PER_THREAD);
	assert_int_equal(e->schedules, RAISERS * RAISES_PER_THREAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sleep_s5_powers_off, pm_setup, pm_teardown),
		cmocka_unit_test_setup_teardown(test_sleep_other_states_ignored, pm_setup, pm_teardown),
		cmocka_unit_test_setup_teardown(test_sleep_wrong_sizes_ignored, pm_setup, pm_teardown),
		cmocka_unit_test_setup_teardown(test_cf9, pm_setup, pm_teardown),
		cmocka_unit_test_setup_teardown(test_pm_register_conflict, pm_setup, pm_teardown),
		cmocka_unit_test_setup_teardown(test_ged_raise_and_read_to_clear, ged_setup, ged_teardown),
		cmocka_unit_test_setup_teardown(test_ged_rejects_unknown_bits, ged_setup, ged_teardown),
		cmocka_unit_test_setup_teardown(test_ged_bad_accesses, ged_setup, ged_teardown),
		cmocka_unit_test_setup_teardown(test_ged_repulse_until_read, ged_setup, ged_teardown),
		cmocka_unit_test_setup_teardown(test_ged_repulse_gives_up, ged_setup, ged_teardown),
		cmocka_unit_test_setup_teardown(test_ged_raise_after_read_repulses, ged_setup, ged_teardown),
		cmocka_unit_test_setup_teardown(test_ged_reset, ged_setup, ged_teardown),
		cmocka_unit_test_setup_teardown(test_ged_concurrent_raise, ged_setup, ged_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
