/* SPDX-License-Identifier: GPL-2.0-only */
/* ACPI wired to a VM: devices, the power button hook, tables at start and on reset. */
#include "acpi/acpi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/layout.h"
#include "vcpu/vcpu.h"
#include "vm/vm.h"

_Static_assert(PORT_ACPI_SLEEP_STS == PORT_ACPI_SLEEP_CTL + 1,
	       "pm.c claims the sleep control and status registers as one 2-port range");

static void pm_shutdown(void *opaque)
{
	struct acpi *acpi = opaque;

	vm_request_shutdown(acpi->vm, SHUTDOWN_CAUSE_GUEST_SHUTDOWN, 0);
}

static void pm_reset(void *opaque)
{
	struct acpi *acpi = opaque;

	vm_request_reset(acpi->vm, SHUTDOWN_CAUSE_GUEST_RESET);
}

static const struct acpi_pm_ops pm_ops = {
	.shutdown = pm_shutdown,
	.reset = pm_reset,
};

static void ged_pulse(void *opaque)
{
	struct acpi *acpi = opaque;
	int ret = vm_irq_pulse(acpi->vm, GSI_GED);

	if (ret < 0)
		log_guest(&acpi->ged.rl, "acpi: GED: pulsing GSI %d: %s", GSI_GED, strerror(-ret));
}

static void ged_schedule(void *opaque, uint64_t ns)
{
	struct acpi *acpi = opaque;

	/* Any thread: the main thread owns the timer. */
	atomic_store(&acpi->ged_next_ns, ns);
	loop_post(&acpi->vm->loop, &acpi->ged_arm_job);
}

static const struct acpi_ged_ops ged_ops = {
	.pulse = ged_pulse,
	.schedule = ged_schedule,
};

static void ged_arm(void *opaque)
{
	struct acpi *acpi = opaque;
	int ret = loop_timer_arm(&acpi->ged_timer, atomic_load(&acpi->ged_next_ns), false);

	if (ret < 0)
		log_error("acpi: GED: arming the re-pulse timer: %s", strerror(-ret));
}

static void ged_timer_fired(void *opaque)
{
	struct acpi *acpi = opaque;

	acpi_ged_repulse(&acpi->ged);
}

/* vm->powerdown_fn: QMP system_powerdown presses the power button. */
static int acpi_powerdown(void *opaque)
{
	struct acpi *acpi = opaque;

	return acpi_ged_raise(&acpi->ged, ACPI_GED_EVT_PWR_DOWN);
}

/* The machine as it is now: slots from the vCPU table, COM1 from the configuration. */
static void describe(struct acpi *acpi, struct acpi_machine *m)
{
	struct vm *vm = acpi->vm;

	memset(m, 0, sizeof(*m));
	m->max_cpus = vm->max_vcpus;
	pthread_mutex_lock(&vm->vcpu_lock);
	for (unsigned i = 0; i < vm->max_vcpus && i < ACPI_MAX_CPUS; i++) {
		const struct vcpu *v = vm->vcpu[i];
		/* Before the vCPUs exist, the boot CPUs are the ones that will. */
		m->cpu_enabled[i] = v ? v->state == VCPU_RUNNING : i < vm->cfg->cpus;
	}
	pthread_mutex_unlock(&vm->vcpu_lock);
	/* -serial none: no UART, so none is described (as QEMU). */
	m->com1 = vm->cfg->serial != SERIAL_BACKEND_NONE;
	m->dsdt_parts = acpi->dsdt_part;
	m->nr_dsdt_parts = acpi->nr_dsdt_parts;
	m->table_parts = acpi->table_part;
	m->nr_table_parts = acpi->nr_table_parts;
}

int acpi_install_tables(struct acpi *acpi)
{
	struct vm *vm = acpi->vm;
	struct acpi_machine m;
	struct acpi_blob blob;
	unsigned enabled = 0;
	char err[256];
	int ret;

	describe(acpi, &m);
	ret = acpi_build(&m, LAYOUT_ACPI_START, LAYOUT_ACPI_TABLES_END - LAYOUT_ACPI_START, &blob,
			 err, sizeof(err));
	if (ret < 0) {
		log_error("acpi: %s", err);
		return ret;
	}
	/* The whole window, so whatever the guest scribbled there is gone too. */
	ret = gm_write(&vm->mem, blob.gpa, blob.data, blob.size);
	if (ret < 0)
		log_error("acpi: writing the tables at 0x%llx: %s", (unsigned long long)blob.gpa,
			  strerror(-ret));
	for (unsigned i = 0; i < m.max_cpus; i++)
		enabled += m.cpu_enabled[i];
	trace_acpi_tables(&vm->trace, (unsigned)blob.used, enabled, m.max_cpus);
	acpi->tables_used = blob.used;
	acpi_blob_free(&blob);
	return ret;
}

int acpi_add_dsdt_part(struct acpi *acpi, const struct acpi_dsdt_part *part)
{
	int ret;

	if (acpi->nr_dsdt_parts == ACPI_MAX_PARTS) {
		log_error("acpi: DSDT part '%s': at most %d parts", part->name, ACPI_MAX_PARTS);
		return -ENOSPC;
	}
	acpi->dsdt_part[acpi->nr_dsdt_parts++] = *part;
	ret = acpi_install_tables(acpi);
	if (ret < 0)
		acpi->nr_dsdt_parts--; /* a part that breaks the tables is not kept */
	return ret;
}

int acpi_add_table_part(struct acpi *acpi, const struct acpi_table_part *part)
{
	int ret;

	if (acpi->nr_table_parts == ACPI_MAX_PARTS) {
		log_error("acpi: table %.4s: at most %d tables can be added", part->signature,
			  ACPI_MAX_PARTS);
		return -ENOSPC;
	}
	acpi->table_part[acpi->nr_table_parts++] = *part;
	ret = acpi_install_tables(acpi);
	if (ret < 0)
		acpi->nr_table_parts--;
	return ret;
}

/* VM reset (main thread, vCPUs paused): registers to power-on state, tables rebuilt
 * from the vCPUs present now. */
static void acpi_reset(void *opaque)
{
	struct acpi *acpi = opaque;

	acpi_pm_reset(&acpi->pm);
	acpi_ged_reset(&acpi->ged);
	acpi_install_tables(acpi); /* errors are printed; the old tables stay */
}

static void acpi_free(struct acpi *acpi)
{
	struct vm *vm = acpi->vm;

	if (vm->powerdown_opaque == acpi) {
		vm->powerdown_fn = NULL;
		vm->powerdown_opaque = NULL;
	}
	if (vm->acpi == acpi)
		vm->acpi = NULL;
	bus_unregister(&vm->pio, PORT_GED, &acpi->ged);
	bus_unregister(&vm->pio, PORT_ACPI_SLEEP_CTL, &acpi->pm);
	bus_unregister(&vm->pio, PORT_ACPI_RESET, &acpi->pm);
	loop_timer_destroy(&acpi->ged_timer);
	acpi_ged_destroy(&acpi->ged);
	free(acpi);
}

static void acpi_destroy(void *opaque)
{
	acpi_free(opaque);
}

int acpi_init(struct vm *vm)
{
	struct acpi *acpi = calloc(1, sizeof(*acpi));
	int ret;

	if (!acpi) {
		log_error("acpi: out of memory");
		return -ENOMEM;
	}
	acpi->vm = vm;
	acpi->ged_timer.fd = -1;
	acpi_pm_init(&acpi->pm, &pm_ops, acpi, &vm->trace);
	acpi_ged_init(&acpi->ged, &ged_ops, acpi, &vm->trace);
	loop_job_init(&acpi->ged_arm_job, ged_arm, acpi);
	if ((ret = loop_timer_init(&vm->loop, &acpi->ged_timer, ged_timer_fired, acpi)) < 0) {
		log_error("acpi: GED re-pulse timer: %s", strerror(-ret));
		goto fail;
	}
	if ((ret = acpi_pm_register(&acpi->pm, &vm->pio, PORT_ACPI_SLEEP_CTL, PORT_ACPI_RESET)) < 0)
		goto fail;
	if ((ret = acpi_ged_register(&acpi->ged, &vm->pio, PORT_GED)) < 0)
		goto fail;
	if ((ret = acpi_install_tables(acpi)) < 0)
		goto fail;
	if ((ret = vm_add_device(vm, "acpi", acpi, acpi_reset, acpi_destroy)) < 0) {
		log_error("acpi: too many devices");
		goto fail;
	}
	vm->acpi = acpi;
	vm->powerdown_fn = acpi_powerdown;
	vm->powerdown_opaque = acpi;
	return 0;
fail:
	acpi_free(acpi);
	return ret;
}
