/* SPDX-License-Identifier: GPL-2.0-only */
/* The CPU hot-plug register block, driven as the DSDT's CSCN/CSTA/CEJ0/COST drive it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "acpi/cpu_hotplug.h"

struct recorder {
	unsigned notifies, ejects, osts;
	unsigned last_eject, last_ost_slot;
	uint32_t last_ev, last_st;
};

static void rec_notify(void *o) { ((struct recorder *)o)->notifies++; }
static void rec_eject(void *o, unsigned slot)
{
	struct recorder *r = o;
	r->ejects++;
	r->last_eject = slot;
}
static void rec_ost(void *o, unsigned slot, uint32_t ev, uint32_t st)
{
	struct recorder *r = o;
	r->osts++;
	r->last_ost_slot = slot;
	r->last_ev = ev;
	r->last_st = st;
}
static const struct cpuhp_ops ops = { rec_notify, rec_eject, rec_ost };

static struct cpuhp hp;
static struct recorder rec;

static int setup(void **state)
{
	(void)state;
	rec = (struct recorder){ 0 };
	cpuhp_init(&hp, 4, NULL, &ops, &rec);
	cpuhp_set_present(&hp, 0, true);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cpuhp_destroy(&hp);
	return 0;
}

static uint8_t flags_of(unsigned slot)
{
	cpuhp_write(&hp, CPUHP_REG_SELECTOR, 4, slot);
	return (uint8_t)cpuhp_read(&hp, CPUHP_REG_FLAGS, 1);
}

/* What CSCN does with command 0: returns the slot with an event, or -1. */
static int next_event(void)
{
	cpuhp_write(&hp, CPUHP_REG_COMMAND, 1, CPUHP_CMD_NEXT_EVENT);
	if (!(cpuhp_read(&hp, CPUHP_REG_FLAGS, 1) & (CPUHP_FLAG_INSERT | CPUHP_FLAG_REMOVE)))
		return -1;
	return (int)cpuhp_read(&hp, CPUHP_REG_DATA, 4);
}

static void test_boot_cpu_and_detection(void **state)
{
	(void)state;
	assert_int_equal(flags_of(0), CPUHP_FLAG_ENABLED);
	assert_int_equal(flags_of(1), 0);
	/* The modern-interface probe: selector 0, command 0, data 2 reads 0. */
	cpuhp_write(&hp, CPUHP_REG_SELECTOR, 4, 0);
	cpuhp_write(&hp, CPUHP_REG_COMMAND, 1, 0);
	assert_int_equal(cpuhp_read(&hp, CPUHP_REG_SELECTOR, 4), 0);
	/* Command 3: the APIC ID of the selected CPU. */
	cpuhp_write(&hp, CPUHP_REG_SELECTOR, 4, 3);
	cpuhp_write(&hp, CPUHP_REG_COMMAND, 1, CPUHP_CMD_ARCH_ID);
	assert_int_equal(cpuhp_read(&hp, CPUHP_REG_DATA, 4), 3);
	assert_int_equal(next_event(), -1);
}

static void test_selector_out_of_range(void **state)
{
	(void)state;
	assert_int_equal(cpuhp_plug(&hp, 2), 0);
	cpuhp_write(&hp, CPUHP_REG_SELECTOR, 4, 4);
	assert_int_equal(cpuhp_read(&hp, CPUHP_REG_FLAGS, 1), 0);
	assert_int_equal(cpuhp_read(&hp, CPUHP_REG_DATA, 4), 0);
	cpuhp_write(&hp, CPUHP_REG_COMMAND, 1, CPUHP_CMD_NEXT_EVENT); /* ignored */
	cpuhp_write(&hp, CPUHP_REG_FLAGS, 1, CPUHP_FLAG_INSERT);     /* ignored */
	cpuhp_write(&hp, CPUHP_REG_SELECTOR, 4, 0xffffffff);
	assert_int_equal(cpuhp_read(&hp, CPUHP_REG_FLAGS, 1), 0);
	assert_int_equal(flags_of(2), CPUHP_FLAG_ENABLED | CPUHP_FLAG_INSERT);
}

static void test_hot_add_flow(void **state)
{
	(void)state;
	assert_int_equal(cpuhp_plug(&hp, 2), 0);
	assert_int_equal(rec.notifies, 1);
	assert_int_equal(cpuhp_plug(&hp, 2), -EEXIST);
	assert_int_equal(cpuhp_plug(&hp, 0), -EEXIST);
	assert_int_equal(cpuhp_plug(&hp, 9), -EINVAL);
	assert_true(cpuhp_events_pending(&hp));
	/* CSCN: finds slot 2 from selector 0, notifies, acknowledges. */
	cpuhp_write(&hp, CPUHP_REG_SELECTOR, 4, 0);
	assert_int_equal(next_event(), 2);
	cpuhp_write(&hp, CPUHP_REG_FLAGS, 1, CPUHP_FLAG_INSERT);
	assert_int_equal(flags_of(2), CPUHP_FLAG_ENABLED);
	assert_false(cpuhp_events_pending(&hp));
	assert_int_equal(next_event(), -1);
	/* _OST(1, 0) through COST. */
	cpuhp_write(&hp, CPUHP_REG_COMMAND, 1, CPUHP_CMD_OST_EVENT);
	cpuhp_write(&hp, CPUHP_REG_DATA, 4, ACPI_OST_EV_INSERT);
	cpuhp_write(&hp, CPUHP_REG_COMMAND, 1, CPUHP_CMD_OST_STATUS);
	cpuhp_write(&hp, CPUHP_REG_DATA, 4, ACPI_OST_SC_SUCCESS);
	assert_int_equal(rec.osts, 1);
	assert_int_equal(rec.last_ost_slot, 2);
	assert_int_equal(rec.last_ev, 1);
	assert_int_equal(rec.last_st, 0);
}

static void test_next_event_wraps(void **state)
{
	(void)state;
	cpuhp_plug(&hp, 1);
	cpuhp_plug(&hp, 3);
	cpuhp_write(&hp, CPUHP_REG_SELECTOR, 4, 2);
	assert_int_equal(next_event(), 3);
	cpuhp_write(&hp, CPUHP_REG_FLAGS, 1, CPUHP_FLAG_INSERT);
	assert_int_equal(next_event(), 1); /* wrapped around */
	cpuhp_write(&hp, CPUHP_REG_FLAGS, 1, CPUHP_FLAG_INSERT);
	assert_int_equal(next_event(), -1);
}

static void test_hot_remove_flow_and_refusals(void **state)
{
	(void)state;
	assert_int_equal(cpuhp_request_unplug(&hp, 0), -EPERM);
	assert_int_equal(cpuhp_request_unplug(&hp, 1), -ENODEV);
	assert_int_equal(cpuhp_request_unplug(&hp, 7), -EINVAL);
	cpuhp_plug(&hp, 1);
	assert_int_equal(cpuhp_request_unplug(&hp, 1), -EBUSY); /* insert not acknowledged */
	cpuhp_write(&hp, CPUHP_REG_SELECTOR, 4, 1);
	cpuhp_write(&hp, CPUHP_REG_FLAGS, 1, CPUHP_FLAG_INSERT);
	assert_int_equal(cpuhp_request_unplug(&hp, 1), 0);
	assert_int_equal(cpuhp_request_unplug(&hp, 1), -EALREADY);
	assert_int_equal(flags_of(1), CPUHP_FLAG_ENABLED | CPUHP_FLAG_REMOVE);
	/* CSCN acknowledges the remove event; the request stays (Linux ejects later). */
	cpuhp_write(&hp, CPUHP_REG_FLAGS, 1, CPUHP_FLAG_REMOVE);
	assert_true(cpuhp_slot_state(&hp, 1).unplug_requested);
	/* _EJ0 -> CEJ0: absent at once, the owner is told, the slot is busy until parked. */
	cpuhp_write(&hp, CPUHP_REG_FLAGS, 1, CPUHP_FLAG_EJECT);
	assert_int_equal(rec.ejects, 1);
	assert_int_equal(rec.last_eject, 1);
	assert_int_equal(flags_of(1), 0);
	assert_int_equal(cpuhp_plug(&hp, 1), -EBUSY);
	assert_int_equal(cpuhp_request_unplug(&hp, 1), -EBUSY);
	cpuhp_eject_done(&hp, 1);
	assert_int_equal(cpuhp_request_unplug(&hp, 1), -ENODEV);
	assert_int_equal(cpuhp_plug(&hp, 1), 0);
}

static void test_ejects_the_guest_may_not_do(void **state)
{
	(void)state;
	/* The boot CPU and absent slots: ignored. */
	cpuhp_write(&hp, CPUHP_REG_SELECTOR, 4, 0);
	cpuhp_write(&hp, CPUHP_REG_FLAGS, 1, CPUHP_FLAG_EJECT);
	cpuhp_write(&hp, CPUHP_REG_SELECTOR, 4, 3);
	cpuhp_write(&hp, CPUHP_REG_FLAGS, 1, CPUHP_FLAG_EJECT);
	assert_int_equal(rec.ejects, 0);
	assert_int_equal(flags_of(0), CPUHP_FLAG_ENABLED);
	/* A present CPU nobody asked to remove: honoured, as QEMU does. */
	cpuhp_plug(&hp, 2);
	cpuhp_write(&hp, CPUHP_REG_SELECTOR, 4, 2);
	cpuhp_write(&hp, CPUHP_REG_FLAGS, 1, CPUHP_FLAG_INSERT);
	cpuhp_write(&hp, CPUHP_REG_FLAGS, 1, CPUHP_FLAG_EJECT);
	assert_int_equal(rec.ejects, 1);
	/* Only one action per write: insert-clear wins over eject. */
	cpuhp_plug(&hp, 3);
	cpuhp_write(&hp, CPUHP_REG_SELECTOR, 4, 3);
	cpuhp_write(&hp, CPUHP_REG_FLAGS, 1, CPUHP_FLAG_INSERT | CPUHP_FLAG_EJECT);
	assert_int_equal(rec.ejects, 1);
	assert_int_equal(flags_of(3), CPUHP_FLAG_ENABLED);
	/* Reserved bits alone do nothing. */
	cpuhp_write(&hp, CPUHP_REG_FLAGS, 1, 0xf1);
	assert_int_equal(flags_of(3), CPUHP_FLAG_ENABLED);
}

static void test_ost_failure_ends_the_request(void **state)
{
	(void)state;
	cpuhp_set_present(&hp, 1, true);
	assert_int_equal(cpuhp_request_unplug(&hp, 1), 0);
	cpuhp_write(&hp, CPUHP_REG_SELECTOR, 4, 1);
	cpuhp_write(&hp, CPUHP_REG_FLAGS, 1, CPUHP_FLAG_REMOVE);
	/* _OST(3, 0x84) keeps it; _OST(3, 0x82 busy) ends it. */
	cpuhp_write(&hp, CPUHP_REG_COMMAND, 1, CPUHP_CMD_OST_EVENT);
	cpuhp_write(&hp, CPUHP_REG_DATA, 4, ACPI_OST_EV_EJECT_REQUEST);
	cpuhp_write(&hp, CPUHP_REG_COMMAND, 1, CPUHP_CMD_OST_STATUS);
	cpuhp_write(&hp, CPUHP_REG_DATA, 4, ACPI_OST_SC_EJECT_IN_PROGRESS);
	assert_true(cpuhp_slot_state(&hp, 1).unplug_requested);
	cpuhp_write(&hp, CPUHP_REG_DATA, 4, ACPI_OST_SC_BUSY);
	assert_false(cpuhp_slot_state(&hp, 1).unplug_requested);
	assert_int_equal(rec.osts, 2);
	assert_int_equal(rec.last_st, ACPI_OST_SC_BUSY);
	/* The host may ask again. */
	assert_int_equal(cpuhp_request_unplug(&hp, 1), 0);
}

static void test_sizes_reserved_and_commands(void **state)
{
	(void)state;
	cpuhp_set_present(&hp, 1, true);
	/* A 1-byte selector write takes the low byte. */
	cpuhp_write(&hp, CPUHP_REG_SELECTOR, 1, 0x101);
	assert_int_equal(cpuhp_read(&hp, CPUHP_REG_FLAGS, 1), CPUHP_FLAG_ENABLED);
	/* Reserved offsets read 0 and ignore writes. */
	assert_int_equal(cpuhp_read(&hp, 5, 1), 0);
	assert_int_equal(cpuhp_read(&hp, 6, 2), 0);
	assert_int_equal(cpuhp_read(&hp, 11, 1), 0);
	cpuhp_write(&hp, 10, 2, 0xffff);
	/* An unknown command is ignored: the previous one stays. */
	cpuhp_write(&hp, CPUHP_REG_COMMAND, 1, CPUHP_CMD_ARCH_ID);
	cpuhp_write(&hp, CPUHP_REG_COMMAND, 1, 0x77);
	assert_int_equal(cpuhp_read(&hp, CPUHP_REG_DATA, 4), 1);
}

static void test_reset_drops_events(void **state)
{
	(void)state;
	cpuhp_plug(&hp, 1);
	cpuhp_set_present(&hp, 2, true);
	cpuhp_request_unplug(&hp, 2);
	cpuhp_reset(&hp);
	assert_false(cpuhp_events_pending(&hp));
	assert_int_equal(flags_of(1), CPUHP_FLAG_ENABLED);
	assert_false(cpuhp_slot_state(&hp, 2).unplug_requested);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_boot_cpu_and_detection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selector_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hot_add_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_event_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hot_remove_flow_and_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ejects_the_guest_may_not_do, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ost_failure_ends_the_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sizes_reserved_and_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_drops_events, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
