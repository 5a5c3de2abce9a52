/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CPU hot-plug register block: QEMU's "modern ACPI CPU hotplug" interface
 * (docs/specs/acpi-cpu-hotplug.md), 12 bytes at I/O 0x0CD8, driven by the CPU AML in the
 * DSDT (CSCN/CSTA/CEJ0/COST).  Pure logic: the owner supplies callbacks for the GED
 * doorbell, an eject and an _OST report, so the state machine is unit-tested without KVM.
 *
 * Per slot the state is sticky until the guest acknowledges it: an insert or remove
 * event stays set (and the doorbell is re-rung by the GED) until CSCN clears it;
 * `unplug_requested` records that the host asked for the removal, separately from the
 * one-shot event bit, as cpu-hotplug.md §1.6 recommends.
 */
#ifndef XKVM_ACPI_CPU_HOTPLUG_H
#define XKVM_ACPI_CPU_HOTPLUG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/log.h"

#define CPUHP_REG_LEN 12
#define CPUHP_MAX_SLOTS 256

/* Register offsets. */
#define CPUHP_REG_SELECTOR 0x0 /* W: CPU selector; R: command data 2 */
#define CPUHP_REG_FLAGS 0x4    /* R: status flags; W: control flags */
#define CPUHP_REG_COMMAND 0x5  /* W: command */
#define CPUHP_REG_DATA 0x8     /* R/W: command data */

/* Status (read) and control (write) bits at offset 4. */
#define CPUHP_FLAG_ENABLED 0x01 /* R */
#define CPUHP_FLAG_INSERT 0x02  /* R: insert event; W: clear it */
#define CPUHP_FLAG_REMOVE 0x04  /* R: remove event; W: clear it */
#define CPUHP_FLAG_EJECT 0x08   /* W: eject the selected CPU */
#define CPUHP_FLAG_FW_EJECT 0x10 /* W: hand the eject to firmware: reserved here */

enum cpuhp_cmd {
	CPUHP_CMD_NEXT_EVENT = 0, /* data reads the selector of a CPU with an event */
	CPUHP_CMD_OST_EVENT = 1,  /* data writes the _OST event */
	CPUHP_CMD_OST_STATUS = 2, /* data writes the _OST status: reported */
	CPUHP_CMD_ARCH_ID = 3,    /* data / data 2 read the APIC ID */
	CPUHP_CMD_MAX,
};

/* _OST source and status codes (ACPI 6.5 §6.3.5). */
#define ACPI_OST_EV_INSERT 1
#define ACPI_OST_EV_EJECT_REQUEST 3
#define ACPI_OST_EV_OSPM_EJECT 0x103
#define ACPI_OST_SC_SUCCESS 0
#define ACPI_OST_SC_FAILURE 1
#define ACPI_OST_SC_NOT_SUPPORTED 0x80
#define ACPI_OST_SC_BUSY 0x82
#define ACPI_OST_SC_EJECT_IN_PROGRESS 0x84

struct cpuhp_ops {
	/* The guest must look at the slots again: ring the GED doorbell. */
	void (*notify)(void *opaque);
	/* The guest ejected `slot` (already marked absent): stop and park it.  Called on
	 * the vCPU thread of the exit, without the cpuhp lock: post a job. */
	void (*eject)(void *opaque, unsigned slot);
	/* The guest reported _OST(event, status) for `slot`. */
	void (*ost)(void *opaque, unsigned slot, uint32_t event, uint32_t status);
};

struct cpuhp_slot {
	bool present;          /* a vCPU is plugged: "enabled" */
	bool inserting;        /* insert event not yet acknowledged by the guest */
	bool removing;         /* remove event not yet acknowledged */
	bool unplug_requested; /* the host asked for removal (sticky until eject/failure) */
	bool ejecting;         /* ejected by the guest; the vCPU is being stopped */
	uint32_t apic_id;
	uint32_t ost_event;
	uint32_t ost_status;
};

struct cpuhp {
	pthread_mutex_t lock;
	unsigned nr_slots;
	uint32_t selector;
	uint8_t command;
	struct cpuhp_slot slot[CPUHP_MAX_SLOTS];
	const struct cpuhp_ops *ops;
	void *opaque;
	struct ratelimit rl;
};

void cpuhp_init(struct cpuhp *c, unsigned nr_slots, const uint32_t *apic_ids,
		const struct cpuhp_ops *ops, void *opaque);
void cpuhp_destroy(struct cpuhp *c);

/* Guest accesses (offset within the block, 1..4 bytes, little-endian). */
uint64_t cpuhp_read(struct cpuhp *c, uint64_t off, unsigned size);
void cpuhp_write(struct cpuhp *c, uint64_t off, unsigned size, uint64_t val);

/* Host side.  A boot CPU is present without an insert event. */
void cpuhp_set_present(struct cpuhp *c, unsigned slot, bool present);
/* A hot-added CPU: present + insert event + doorbell.  -EINVAL bad slot, -EEXIST present,
 * -EBUSY events pending or still ejecting. */
int cpuhp_plug(struct cpuhp *c, unsigned slot);
/* device_del: remove event + doorbell.  -EINVAL bad slot, -EPERM slot 0, -ENODEV absent,
 * -EBUSY an insert not yet acknowledged or an eject in progress, -EALREADY requested. */
int cpuhp_request_unplug(struct cpuhp *c, unsigned slot);
/* The vCPU of an ejected slot is parked: the slot may be plugged again. */
void cpuhp_eject_done(struct cpuhp *c, unsigned slot);
/* True while any slot has an unacknowledged event (the GED keeps re-ringing). */
bool cpuhp_events_pending(struct cpuhp *c);
/* VM reset: the new boot sees present CPUs as enabled; pending events are dropped. */
void cpuhp_reset(struct cpuhp *c);
/* A consistent copy of one slot, for queries. */
struct cpuhp_slot cpuhp_slot_state(struct cpuhp *c, unsigned slot);

#endif
