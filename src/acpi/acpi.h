/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ACPI for the x86 machine: the PM registers, the Generic Event Device and the tables,
 * wired to one VM (docs/specs/acpi.md).
 *
 *   acpi_init(vm)        creates the devices, sets vm->acpi and vm->powerdown_fn, builds
 *                        the tables from the VM's configuration and vCPU table and writes
 *                        them at LAYOUT_ACPI_START.  Every VM reset rebuilds them.
 *   acpi_add_dsdt_part() another layer adds DSDT content or a table (PCI: the root
 *   acpi_add_table_part() bridge, MCFG); the tables are rebuilt and rewritten at once.
 *   acpi_ged_raise(&vm->acpi->ged, ACPI_GED_EVT_CPU_HOTPLUG)
 *                        from any thread: the guest runs \_SB.CPUS.CSCN.
 */
#ifndef XKVM_ACPI_ACPI_H
#define XKVM_ACPI_ACPI_H

#include <stdatomic.h>

#include "acpi/ged.h"
#include "acpi/pm.h"
#include "acpi/tables.h"
#include "vm/loop.h"

struct vm;

struct acpi {
	struct vm *vm;
	struct acpi_pm pm;
	struct acpi_ged ged;
	struct loop_timer ged_timer;  /* the GED's re-pulse */
	struct loop_job ged_arm_job;  /* arms ged_timer on the main thread */
	_Atomic uint64_t ged_next_ns;
	struct acpi_dsdt_part dsdt_part[ACPI_MAX_PARTS];
	unsigned nr_dsdt_parts;
	struct acpi_table_part table_part[ACPI_MAX_PARTS];
	unsigned nr_table_parts;
	size_t tables_used;           /* bytes of the last build, for messages and tests */
};

/* Main thread, before the kernel is loaded.  0 or -errno (message printed). */
int acpi_init(struct vm *vm);
/* Main thread: rebuild the tables from the VM's current state and write them. */
int acpi_install_tables(struct acpi *acpi);
/* Main thread.  The part is kept for every later rebuild; if the tables cannot be built
 * with it (its own error, or they no longer fit), it is dropped and the error returned. */
int acpi_add_dsdt_part(struct acpi *acpi, const struct acpi_dsdt_part *part);
int acpi_add_table_part(struct acpi *acpi, const struct acpi_table_part *part);

#endif
