/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI Generic Event Device (ACPI0013, docs/specs/acpi.md): a 32-bit event selector
 * ESEL at PORT_GED that is read-to-clear, and an edge on GSI 9.  The guest's _EVT
 * reads ESEL and handles every bit set in it.
 *
 * An event is sticky until the guest reads ESEL; the edge is only a doorbell.  KVM's
 * IOAPIC drops an edge on a masked pin (cpu-hotplug.md §2.3), so after a raise the GED
 * pulses again with backoff until the guest reads ESEL, for at most
 * ACPI_GED_REPULSE_TRIES re-pulses.
 *
 * The device is pure logic: the edge and the timer are callbacks, so unit tests drive
 * it without KVM.  acpi.c wires them to vm_irq_pulse() and a main-loop timer.
 */
#ifndef XKVM_ACPI_GED_H
#define XKVM_ACPI_GED_H

#include <pthread.h>
#include <stdint.h>

#include "util/log.h"
#include "vm/bus.h"

struct trace;

/* ESEL bits (QEMU's numbering, hw/acpi/generic_event_device.c). */
#define ACPI_GED_EVT_MEM_HOTPLUG 0x01u /* reserved: not implemented */
#define ACPI_GED_EVT_PWR_DOWN    0x02u /* Notify (\_SB.PWRB, 0x80) */
#define ACPI_GED_EVT_NVDIMM      0x04u /* reserved: not implemented */
#define ACPI_GED_EVT_CPU_HOTPLUG 0x08u /* \_SB.CPUS.CSCN () */
#define ACPI_GED_EVT_PCI_HOTPLUG 0x10u /* reserved: not implemented */
#define ACPI_GED_EVT_SUPPORTED   (ACPI_GED_EVT_PWR_DOWN | ACPI_GED_EVT_CPU_HOTPLUG)

#define ACPI_GED_ESEL_LEN 4

/* Re-pulse schedule: 100 ms, doubling, capped at 5 s; 10 re-pulses span ≈26 s. */
#define ACPI_GED_REPULSE_FIRST_NS 100000000ull
#define ACPI_GED_REPULSE_MAX_NS   5000000000ull
#define ACPI_GED_REPULSE_TRIES    10

struct acpi_ged_ops {
	/* A rising then falling edge on the GED's GSI.  Any thread. */
	void (*pulse)(void *opaque);
	/* Call acpi_ged_repulse() on the main thread in `ns` (replacing any earlier
	 * request); 0 cancels.  Any thread. */
	void (*schedule)(void *opaque, uint64_t ns);
};

struct acpi_ged {
	pthread_mutex_t lock;  /* a leaf lock: nothing is called with it held */
	uint32_t sel;          /* ESEL: events raised and not yet read */
	uint64_t raised;       /* raises so far */
	uint64_t seen;         /* `raised` when the guest last read ESEL */
	unsigned tries;        /* re-pulses since the latest raise */
	uint64_t backoff_ns;   /* delay before the next re-pulse */
	const struct acpi_ged_ops *ops;
	void *opaque;
	struct trace *trace;
	struct ratelimit rl;
};

void acpi_ged_init(struct acpi_ged *g, const struct acpi_ged_ops *ops, void *opaque,
		   struct trace *trace);
void acpi_ged_destroy(struct acpi_ged *g);
/* Claims ESEL at `port` (ACPI_GED_ESEL_LEN ports). */
int acpi_ged_register(struct acpi_ged *g, struct bus *pio, uint16_t port);

/* Any thread: set `bits` in ESEL and pulse the GSI.  -EINVAL for no bit or a bit the
 * DSDT's _EVT does not handle (ACPI_GED_EVT_SUPPORTED). */
int acpi_ged_raise(struct acpi_ged *g, uint32_t bits);
/* Main thread, when the schedule callback's delay expired: pulse again if the guest
 * has not read ESEL since the latest raise. */
void acpi_ged_repulse(struct acpi_ged *g);
/* VM reset: no pending events, no re-pulse. */
void acpi_ged_reset(struct acpi_ged *g);

/* The bus handlers, exported for tests. */
extern const struct bus_ops acpi_ged_ops;

#endif
