/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DSDT's own content: COM1, the power button, the CPU hot-plug objects
 * (docs/specs/acpi.md, cpu-hotplug.md §1.5), the Generic Event Device and \_S5.
 * Each function emits one piece at the DSDT's root; acpi_dsdt_build() emits them all.
 */
#ifndef XKVM_ACPI_DSDT_H
#define XKVM_ACPI_DSDT_H

#include <stdbool.h>

#include "acpi/aml.h"

struct acpi_dsdt_config {
	unsigned max_cpus; /* CPU slots: C000 .. C(max_cpus-1) */
	bool com1;         /* describe the 16550 at 0x3F8, IRQ 4 */
};

void acpi_dsdt_com1(struct aml *a);
void acpi_dsdt_power_button(struct aml *a);
void acpi_dsdt_cpu_hotplug(struct aml *a, unsigned max_cpus);
void acpi_dsdt_ged(struct aml *a);
void acpi_dsdt_sleep_states(struct aml *a);

/* All of the above, in the order the golden fixtures list them. */
void acpi_dsdt_build(struct aml *a, const struct acpi_dsdt_config *cfg);

#endif
