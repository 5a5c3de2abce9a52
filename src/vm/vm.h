/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * struct vm: one virtual machine.  Owns the KVM fds, guest RAM, the PIO/MMIO buses, the
 * main loop, the vCPU table and the devices.  Nothing here is global: two VMs (or two
 * tests) can live in one process.
 *
 * Threads (docs/architecture.md): the main thread runs vm->loop and owns every state
 * change (pause, resume, reset, shutdown, hot-plug completion); vCPU threads only run
 * KVM_RUN and device handlers, and post jobs for anything else.
 */
#ifndef XKVM_VM_VM_H
#define XKVM_VM_VM_H

#include <jansson.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "trace/trace.h"
#include "vcpu/cpuid.h"
#include "vm/bus.h"
#include "vm/config.h"
#include "vm/loop.h"
#include "vm/memory.h"

#define VM_MAX_VCPUS 256
#define VM_MAX_DEVICES 64

struct vcpu;
struct qmp_server;
struct acpi;
struct serial;
struct cpu_hotplug;
struct irq_router;
struct xen_vmm;
struct pci_host;

/* QAPI RunState values we use (qapi/run-state.json). */
enum run_state {
	RUN_STATE_PRELAUNCH,
	RUN_STATE_RUNNING,
	RUN_STATE_PAUSED,
	RUN_STATE_SHUTDOWN,
	RUN_STATE_INTERNAL_ERROR,
	RUN_STATE_GUEST_PANICKED,
};

/* QAPI ShutdownCause (qapi/run-state.json). */
enum shutdown_cause {
	SHUTDOWN_CAUSE_NONE,
	SHUTDOWN_CAUSE_HOST_ERROR,
	SHUTDOWN_CAUSE_HOST_QMP_QUIT,
	SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET,
	SHUTDOWN_CAUSE_HOST_SIGNAL,
	SHUTDOWN_CAUSE_GUEST_SHUTDOWN,
	SHUTDOWN_CAUSE_GUEST_RESET,
	SHUTDOWN_CAUSE_GUEST_PANIC,
};

const char *run_state_name(enum run_state s);
const char *shutdown_cause_name(enum shutdown_cause c);

/* A device the VM owns: reset on VM reset, destroyed at teardown (in reverse order). */
struct vm_device {
	const char *name;
	void *opaque;
	void (*reset)(void *opaque);   /* main thread, vCPUs paused; may be NULL */
	void (*destroy)(void *opaque); /* may be NULL */
};

/* Where the kernel loader left the guest: consumed by the BSP's register setup. */
enum boot_mode { BOOT_PVH32, BOOT_LINUX64 };
struct boot_info {
	enum boot_mode mode;
	uint64_t entry;      /* guest physical */
	uint64_t info_gpa;   /* hvm_start_info (PVH, in EBX) or boot_params (Linux, in RSI) */
};

/* Host/KVM facts discovered at start-up. */
struct kvm_host_caps {
	bool pvm;              /* software KVM-PVM: hide what its emulator lacks */
	int max_vcpus;
	int max_vcpu_id;
	int nr_memslots;
	bool irqfd, ioeventfd, signal_msi, irq_routing, tsc_deadline, immediate_exit;
	bool user_space_msr, msr_filter, x2apic_api;
	int xen_hvm;
	size_t run_mmap_size;
};

struct vm {
	struct vm_config *cfg;
	int kvm_fd;
	int vm_fd;
	struct kvm_host_caps caps;
	struct kvm_cpuid2 *supported_cpuid;
	struct cpuid_policy cpuid_policy;
	struct cpu_topo topo;

	struct guest_mem mem;
	struct bus pio;
	struct bus mmio;
	struct loop loop;
	struct trace trace;
	struct boot_info boot;

	/* vCPU table, indexed by slot (= APIC ID = KVM vcpu id).  An entry exists once
	 * the vCPU was created and stays (parked) until teardown. */
	pthread_mutex_t vcpu_lock;
	pthread_cond_t vcpu_cond;  /* pause/stop acknowledgements, resume */
	struct vcpu *vcpu[VM_MAX_VCPUS];
	unsigned max_vcpus;

	struct vm_device device[VM_MAX_DEVICES];
	unsigned nr_devices;

	/* Run state; changed on the main thread only. */
	enum run_state state;
	bool started; /* vm_run() has started the vCPU threads */
	unsigned reset_count;
	struct kvm_clock_data paused_clock; /* kvmclock saved by vm_stop() */
	bool clock_saved;

	/* Requests from any thread, handled by `request_job` on the main thread. */
	pthread_mutex_t req_lock;
	bool req_shutdown, req_reset;
	enum shutdown_cause req_cause;
	int req_exit_status;
	bool req_fatal;
	struct loop_job request_job;

	int exit_status;

	/* QMP events go here (set by the QMP server); NULL drops them. */
	void (*event_fn)(void *opaque, const char *name, json_t *data);
	void *event_opaque;
	struct qmp_server *qmp;
	/* The power button (QMP system_powerdown): set by the ACPI GED device. */
	int (*powerdown_fn)(void *opaque);
	void *powerdown_opaque;

	/* Devices other layers need to reach; set by their init code. */
	struct acpi *acpi;
	struct serial *serial;
	struct cpu_hotplug *cpu_hotplug;
	/* MSI routes, irqfds and the per-vCPU route index (irq/routing.h). */
	struct irq_router *irq;
	/* The Xen guest ABI (-accel kvm,xen-version=N; xen/vmm.h); NULL when off. */
	struct xen_vmm *xen;
	/* The PCI host bridge (pci/host.h). */
	struct pci_host *pci;
};

/* Creation in steps, so errors name the step: open KVM, allocate RAM, create buses and
 * irqchip.  Returns 0 or -errno with a message already printed. */
int vm_create(struct vm *vm, struct vm_config *cfg);
void vm_destroy(struct vm *vm);

int vm_add_device(struct vm *vm, const char *name, void *opaque, void (*reset)(void *),
		  void (*destroy)(void *));

/* Loads the kernel (and initrd, cmdline, boot tables) into guest RAM; fills vm->boot.
 * Called at start and again on every reset. */
int vm_load_kernel(struct vm *vm);

/* Main thread: start vCPUs and run the loop until the VM ends; returns the exit status. */
int vm_run(struct vm *vm);

/* Any thread: ask the main thread to end or reset the VM. */
void vm_request_shutdown(struct vm *vm, enum shutdown_cause cause, int exit_status);
void vm_request_reset(struct vm *vm, enum shutdown_cause cause);
/* Any thread: a vCPU hit an unrecoverable error (already reported); end with status 1. */
void vm_request_fatal(struct vm *vm);

/* Main thread: QMP stop/cont. */
int vm_stop(struct vm *vm);
int vm_cont(struct vm *vm);

/* Main thread: send a QMP event to every client (no-op without QMP).  Steals `data`. */
void vm_emit_event(struct vm *vm, const char *name, json_t *data);

/* Any thread: drive an IOAPIC input (KVM_IRQ_LINE). */
int vm_irq_line(struct vm *vm, unsigned gsi, int level);
/* Any thread: a rising then falling edge. */
int vm_irq_pulse(struct vm *vm, unsigned gsi);

/* vCPU table helpers (vm->vcpu_lock is taken inside). */
/* Any thread: ask every running vCPU to pause (returns at once). */
void vm_pause_request_all(struct vm *vm);
/* Main thread: request and wait until every running vCPU has paused. */
void vm_pause_all(struct vm *vm);
void vm_resume_all(struct vm *vm);
/* Present vCPUs, for QMP and the ACPI tables. */
unsigned vm_vcpu_count(struct vm *vm);

#endif
