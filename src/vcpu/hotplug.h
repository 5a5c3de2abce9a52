/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vCPU hot-plug: the glue between the register block the guest drives (acpi/cpu_hotplug.c),
 * the vCPU lifecycle (vcpu/lifecycle.c), the GED doorbell and the QMP events
 * (cpu-hotplug.md §2).
 *
 *   hot-add:    validate -> vcpu_plug() (unpark, else create; thread into KVM_RUN, waiting
 *               for INIT/SIPI) -> present + insert event -> GED.  Returns at once.
 *   hot-remove: validate -> remove event -> GED.  Returns at once.  The guest offlines the
 *               CPU and writes the eject bit: the register block marks the slot absent
 *               before the I/O exit returns; the main thread then stops, joins and parks
 *               the vCPU and emits DEVICE_DELETED.
 *
 * What the guest reports (_OST) and its ejects are queued from the vCPU thread of the
 * exit and replayed on the main thread in the order the guest wrote them, so QMP sees
 * ACPI_DEVICE_OST(3, 0x84), DEVICE_DELETED, ACPI_DEVICE_OST(3, 0) as QEMU sends them.
 */
#ifndef XKVM_VCPU_HOTPLUG_H
#define XKVM_VCPU_HOTPLUG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "acpi/cpu_hotplug.h"
#include "vm/loop.h"

struct vm;

#define CPU_HOTPLUG_ID_MAX 128
#define CPU_HOTPLUG_QUEUE 1024

enum cpu_hotplug_evkind { CPU_HP_OST, CPU_HP_EJECT };

struct cpu_hotplug_ev {
	enum cpu_hotplug_evkind kind;
	unsigned slot;
	uint32_t ost_event, ost_status;
};

struct cpu_hotplug {
	struct vm *vm;
	struct cpuhp regs;
	/* QMP ids of hot-added CPUs ("" for boot CPUs and empty slots); main thread. */
	char id[CPUHP_MAX_SLOTS][CPU_HOTPLUG_ID_MAX];
	/* Guest reports and ejects, in the guest's order; drained by `job`. */
	pthread_mutex_t q_lock;
	struct cpu_hotplug_ev q[CPU_HOTPLUG_QUEUE];
	unsigned q_head, q_len;
	uint64_t q_dropped;
	struct loop_job job;
	struct ratelimit rl;
};

/* Main thread, after the boot vCPUs exist and ACPI is up: registers the block at
 * PORT_CPU_HOTPLUG, marks the boot CPUs present, sets vm->cpu_hotplug. */
int cpu_hotplug_init(struct vm *vm);

/* QMP device_add / device_del for CPUs (main thread).  0, or -errno with `err` in QEMU's
 * words; -ENODEV means "no such device" (DeviceNotFound). */
int cpu_hotplug_add(struct cpu_hotplug *hp, unsigned slot, const char *id, char *err,
		    size_t errlen);
int cpu_hotplug_del(struct cpu_hotplug *hp, unsigned slot, char *err, size_t errlen);

/* The slot of a present CPU named by `name`: a device_add id, or the QOM path of any
 * present CPU.  -1 if none. */
int cpu_hotplug_find(struct cpu_hotplug *hp, const char *name);
/* The QOM path QMP shows for `slot` ("/machine/peripheral/<id>" for hot-added CPUs,
 * "/machine/unattached/device[N]" for the others). */
void cpu_hotplug_qom_path(struct cpu_hotplug *hp, unsigned slot, char *buf, size_t len);
/* True when a CPU anywhere already uses `id`. */
bool cpu_hotplug_id_in_use(struct cpu_hotplug *hp, const char *id);

#endif
