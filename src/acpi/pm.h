/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Power management of the hardware-reduced machine (docs/specs/acpi.md):
 *   - the FADT's SLEEP_CONTROL_REG (PORT_ACPI_SLEEP_CTL) and SLEEP_STATUS_REG
 *     (PORT_ACPI_SLEEP_STS), ACPI 6.5 §4.8.3.7: SLP_EN with SLP_TYP = 5 (\_S5) powers off;
 *   - the reset control register at 0xCF9, which is also the FADT's RESET_REG (value 6):
 *     a write with RST_CPU (bit 2) set resets the machine, as QEMU's ICH9 does.
 * Every register is one byte; other access sizes are ignored (reads return all-ones) and
 * logged, and so are writes to reserved bits.
 *
 * Pure logic: the actions are callbacks, so unit tests drive it without KVM.
 */
#ifndef XKVM_ACPI_PM_H
#define XKVM_ACPI_PM_H

#include <stdatomic.h>
#include <stdint.h>

#include "util/log.h"
#include "vm/bus.h"

struct trace;

/* Sleep control register. */
#define ACPI_SLP_TYP_SHIFT 2
#define ACPI_SLP_TYP_MASK  0x1cu
#define ACPI_SLP_EN        0x20u
#define ACPI_SLP_CTL_RESERVED 0xc3u
/* Sleep status register. */
#define ACPI_WAK_STS       0x80u
#define ACPI_SLP_STS_RESERVED 0x7fu
/* The SLP_TYP value of S5, as \_S5 in the DSDT gives it; the only sleep state we have. */
#define ACPI_SLP_TYP_S5    5u

/* Reset control register (Intel ICH9 RST_CNT) at 0xCF9. */
#define CF9_SYS_RST  0x02u /* kept: full/system reset type */
#define CF9_RST_CPU  0x04u /* 0 -> 1 resets */
#define CF9_FULL_RST 0x08u /* kept */
#define CF9_RESERVED 0xf1u
#define ACPI_RESET_VALUE (CF9_SYS_RST | CF9_RST_CPU) /* FADT RESET_VALUE */

struct acpi_pm_ops {
	void (*shutdown)(void *opaque); /* S5: the guest powered off */
	void (*reset)(void *opaque);    /* the guest reset the machine */
};

struct acpi_pm {
	const struct acpi_pm_ops *ops;
	void *opaque;
	struct trace *trace;
	struct ratelimit rl;
	_Atomic uint8_t slp_typ; /* SLP_TYP bits last written (readable back) */
	_Atomic uint8_t cf9;     /* SYS_RST and FULL_RST last written */
	struct bus *pio;
	uint16_t sleep_port, reset_port;
};

void acpi_pm_init(struct acpi_pm *pm, const struct acpi_pm_ops *ops, void *opaque,
		  struct trace *trace);
/* Claims the sleep control and status ports (sleep_port, sleep_port + 1) and the reset
 * port.  On failure nothing stays registered. */
int acpi_pm_register(struct acpi_pm *pm, struct bus *pio, uint16_t sleep_port,
		     uint16_t reset_port);
void acpi_pm_reset(struct acpi_pm *pm);

extern const struct bus_ops acpi_pm_sleep_ops, acpi_pm_reset_ops;

#endif
