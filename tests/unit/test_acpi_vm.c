/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ACPI wired to a real VM (needs /dev/kvm, runs no guest): acpi_init() writes the tables
 * into guest RAM and claims the ports; the power button hook raises the GED and the main
 * loop re-pulses until ESEL is read; the PM registers request shutdown and reset; a VM
 * reset rebuilds the tables from the vCPUs present then; parts rebuild them at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acpi/acpi.h"
#include "arch/x86/layout.h"
#include "vcpu/lifecycle.h"
#include "vcpu/vcpu.h"
#include "vm/vm.h"
#include "testvm.h"

static struct testvm tv;
static struct vm *vm;

static int setup(void **state)
{
	static const char *const args[] = { "-smp", "2,maxcpus=4", "-m", "64", "-serial", "none",
					     NULL };
	static const char *const traces[] = { "acpi_*", NULL };

	(void)state;
	if (testvm_create(&tv, args, traces) < 0)
		return -1;
	vm = tv.vm;
	assert_int_equal(vcpu_plug(vm, 0, NULL), 0);
	assert_int_equal(vcpu_plug(vm, 1, NULL), 0);
	assert_int_equal(acpi_init(vm), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vm_destroy(vm);
	assert_null(vm->acpi); /* the device's destroy detached itself */
	free(vm);
	tv.vm = NULL;
	testvm_destroy(&tv);
	return 0;
}

static unsigned count(const char *needle)
{
	return testvm_traced(&tv, needle);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* The table `sig` as the guest would find it, checksum verified. */
static const uint8_t *guest_table(const char *sig, uint32_t *len)
{
	const uint8_t *rsdp = gm_ptr(&vm->mem, LAYOUT_ACPI_START, 36), *xsdt;
	uint64_t xa;
	uint32_t xlen;

	assert_non_null(rsdp);
	assert_memory_equal(rsdp, "RSD PTR ", 8);
	assert_int_equal(sum(rsdp, 36), 0);
	memcpy(&xa, rsdp + 24, 8);
	xsdt = gm_ptr(&vm->mem, xa, 36);
	memcpy(&xlen, xsdt + 4, 4);
	assert_int_equal(sum(xsdt, xlen), 0);
	for (uint32_t off = 36; off < xlen; off += 8) {
		uint64_t a;
		const uint8_t *t;
		memcpy(&a, xsdt + off, 8);
		t = gm_ptr(&vm->mem, a, 36);
		memcpy(len, t + 4, 4);
		assert_int_equal(sum(t, *len), 0);
		if (!memcmp(t, sig, 4))
			return t;
		if (!strcmp(sig, "DSDT") && !memcmp(t, "FACP", 4)) {
			memcpy(&a, t + 140, 8);
			t = gm_ptr(&vm->mem, a, 36);
			memcpy(len, t + 4, 4);
			assert_int_equal(sum(t, *len), 0);
			return t;
		}
	}
	return NULL;
}

static bool contains(const uint8_t *p, uint32_t len, const char *s)
{
	size_t n = strlen(s);

	for (uint32_t i = 0; i + n <= len; i++)
		if (!memcmp(p + i, s, n))
			return true;
	return false;
}

static uint32_t madt_flags(unsigned slot)
{
	uint32_t len, flags;
	const uint8_t *madt = guest_table("APIC", &len);

	assert_non_null(madt);
	memcpy(&flags, madt + 44 + 8 * slot + 4, 4);
	return flags;
}

static void test_tables_in_guest_ram(void **state)
{
	uint32_t len;
	const uint8_t *dsdt;

	(void)state;
	assert_ptr_equal(vm->acpi->vm, vm);
	assert_true(count("acpi_tables") >= 1);
	assert_int_equal(madt_flags(0), 1);
	assert_int_equal(madt_flags(1), 1);
	assert_int_equal(madt_flags(2), 2);
	assert_int_equal(madt_flags(3), 2);
	dsdt = guest_table("DSDT", &len);
	assert_non_null(dsdt);
	assert_true(contains(dsdt, len, "C003"));
	assert_false(contains(dsdt, len, "C004"));
	assert_false(contains(dsdt, len, "COM1")); /* -serial none: no UART, none described */
}

static void test_pm_ports_request_shutdown_and_reset(void **state)
{
	uint64_t v;

	(void)state;
	/* The reset register: a reset request for the main thread. */
	assert_true(bus_write(&vm->pio, NULL, PORT_ACPI_RESET, 1, ACPI_RESET_VALUE));
	pthread_mutex_lock(&vm->req_lock);
	assert_true(vm->req_reset);
	assert_int_equal(vm->req_cause, SHUTDOWN_CAUSE_GUEST_RESET);
	vm->req_reset = false;
	pthread_mutex_unlock(&vm->req_lock);
	/* S5: a shutdown request with status 0. */
	assert_true(bus_write(&vm->pio, NULL, PORT_ACPI_SLEEP_CTL, 1,
			      ACPI_SLP_TYP_S5 << ACPI_SLP_TYP_SHIFT | ACPI_SLP_EN));
	pthread_mutex_lock(&vm->req_lock);
	assert_true(vm->req_shutdown);
	assert_int_equal(vm->req_cause, SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
	assert_int_equal(vm->req_exit_status, 0);
	vm->req_shutdown = false;
	vm->req_cause = SHUTDOWN_CAUSE_NONE;
	pthread_mutex_unlock(&vm->req_lock);
	assert_true(count("acpi_sleep_control value 0x34") == 1);
	/* The registers are claimed: a read does not fall through to "unclaimed". */
	assert_true(bus_read(&vm->pio, NULL, PORT_ACPI_SLEEP_STS, 1, &v));
	assert_int_equal(v, 0);
	assert_true(bus_read(&vm->pio, NULL, PORT_GED, 4, &v));
	loop_run_jobs(&vm->loop); /* the request job: vCPUs have no threads, nothing runs */
}

/* Runs the main loop for up to `ms`. */
static void spin_loop(unsigned ms)
{
	uint64_t end = clock_ns() + ms * 1000000ull;

	while (clock_ns() < end)
		loop_once(&vm->loop, 10);
}

static void test_powerdown_raises_ged_and_repulses(void **state)
{
	uint64_t v;
	unsigned repulses;

	(void)state;
	assert_non_null(vm->powerdown_fn);
	assert_ptr_equal(vm->powerdown_opaque, vm->acpi);
	assert_int_equal(vm->powerdown_fn(vm->powerdown_opaque), 0);
	assert_int_equal(count("acpi_ged_raise bits 0x2 esel 0x2"), 1);
	/* Nobody reads ESEL: the main loop's timer pulses again (after 100, then 200 ms). */
	spin_loop(450);
	repulses = count("acpi_ged_repulse");
	assert_true(repulses >= 2 && repulses <= 3);
	/* The guest reads ESEL (read-to-clear): the re-pulsing stops. */
	assert_true(bus_read(&vm->pio, NULL, PORT_GED, 4, &v));
	assert_int_equal(v, ACPI_GED_EVT_PWR_DOWN);
	assert_true(bus_read(&vm->pio, NULL, PORT_GED, 4, &v));
	assert_int_equal(v, 0);
	spin_loop(900);
	assert_int_equal(count("acpi_ged_repulse"), repulses);
}

static void reset_acpi_device(void)
{
	for (unsigned i = 0; i < vm->nr_devices; i++)
		if (!strcmp(vm->device[i].name, "acpi")) {
			vm->device[i].reset(vm->device[i].opaque);
			return;
		}
	fail_msg("no acpi device");
}

static void test_reset_rebuilds_from_present_vcpus(void **state)
{
	uint8_t *rsdp = gm_ptr(&vm->mem, LAYOUT_ACPI_START, 36);
	uint64_t v;

	(void)state;
	/* The guest scribbles over the window; slot 1 is hot-removed (parked). */
	memset(rsdp, 0, 36);
	assert_int_equal(vcpu_park(vm, 1), 0);
	vm->powerdown_fn(vm->powerdown_opaque);
	reset_acpi_device();
	assert_int_equal(madt_flags(0), 1);
	assert_int_equal(madt_flags(1), 2); /* no longer present: Online Capable */
	/* A pending event does not survive the reset, and the re-pulse stops. */
	assert_true(bus_read(&vm->pio, NULL, PORT_GED, 4, &v));
	assert_int_equal(v, 0);
	/* Plugged again: Enabled after the next reset. */
	assert_int_equal(vcpu_plug(vm, 1, NULL), 0);
	reset_acpi_device();
	assert_int_equal(madt_flags(1), 1);
}

static int pci_part(struct aml *a, void *opaque)
{
	(void)opaque;
	aml_scope(a, "\\_SB");
	aml_device(a, "PCI0");
	aml_name_decl(a, "_HID");
	aml_eisaid(a, "PNP0A08");
	aml_close(a);
	aml_close(a);
	return 0;
}

static int mcfg_body(struct aml *t, void *opaque)
{
	(void)opaque;
	aml_u64(t, 0);
	aml_u64(t, LAYOUT_ECAM_START);
	aml_u16(t, 0);
	aml_u8(t, 0);
	aml_u8(t, 255);
	aml_u32(t, 0);
	return 0;
}

static int huge_part(struct aml *a, void *opaque)
{
	static const uint8_t zero[4096];

	(void)opaque;
	aml_scope(a, "\\_SB");
	aml_device(a, "HUGE");
	aml_name_decl(a, "BUF_");
	aml_buffer(a);
	for (int i = 0; i < 40; i++) /* 160 KiB: more than the whole window */
		aml_raw(a, zero, sizeof(zero));
	aml_close(a);
	aml_close(a);
	aml_close(a);
	return 0;
}

static void test_parts_rebuild_at_once(void **state)
{
	const struct acpi_dsdt_part pci = { "pci", pci_part, NULL };
	const struct acpi_dsdt_part huge = { "huge", huge_part, NULL };
	const struct acpi_table_part mcfg = { "MCFG", 1, mcfg_body, NULL };
	uint32_t len, len_before;
	const uint8_t *dsdt;

	(void)state;
	guest_table("DSDT", &len_before);
	assert_int_equal(acpi_add_dsdt_part(vm->acpi, &pci), 0);
	dsdt = guest_table("DSDT", &len);
	assert_true(contains(dsdt, len, "PCI0"));
	assert_true(len > len_before);
	assert_int_equal(acpi_add_table_part(vm->acpi, &mcfg), 0);
	assert_non_null(guest_table("MCFG", &len));
	assert_int_equal(len, 60);
	/* A part that makes the tables too big is refused and dropped; the tables stay. */
	assert_int_equal(acpi_add_dsdt_part(vm->acpi, &huge), -ENOSPC);
	assert_int_equal(vm->acpi->nr_dsdt_parts, 1);
	dsdt = guest_table("DSDT", &len);
	assert_true(contains(dsdt, len, "PCI0"));
	assert_false(contains(dsdt, len, "HUGE"));
	/* Parts are kept across resets. */
	reset_acpi_device();
	dsdt = guest_table("DSDT", &len);
	assert_true(contains(dsdt, len, "PCI0"));
	assert_non_null(guest_table("MCFG", &len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_in_guest_ram),
		cmocka_unit_test(test_pm_ports_request_shutdown_and_reset),
		cmocka_unit_test(test_powerdown_raises_ged_and_repulses),
		cmocka_unit_test(test_reset_rebuilds_from_present_vcpus),
		cmocka_unit_test(test_parts_rebuild_at_once),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
