/* SPDX-License-Identifier: GPL-2.0-only */
#include "vcpu/hotplug.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"
#include "arch/x86/layout.h"
#include "vcpu/lifecycle.h"
#include "vcpu/vcpu.h"
#include "vm/vm.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__))

/* ---- the register block on the PIO bus ------------------------------------------------ */

static uint64_t regs_read(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size)
{
	struct cpu_hotplug *hp = opaque;

	(void)vcpu;
	return cpuhp_read(&hp->regs, off, size);
}

static void regs_write(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size, uint64_t val)
{
	struct cpu_hotplug *hp = opaque;

	(void)vcpu;
	cpuhp_write(&hp->regs, off, size, val);
}

static const struct bus_ops regs_ops = { .read = regs_read, .write = regs_write };

/* ---- callbacks from the register block (any thread) ------------------------------------ */

static void hp_notify(void *opaque)
{
	struct cpu_hotplug *hp = opaque;

	if (hp->vm->acpi)
		acpi_ged_raise(&hp->vm->acpi->ged, ACPI_GED_EVT_CPU_HOTPLUG);
}

static void hp_enqueue(struct cpu_hotplug *hp, struct cpu_hotplug_ev ev)
{
	bool queued = true;

	pthread_mutex_lock(&hp->q_lock);
	/* Ejects always fit: at most one per slot is outstanding.  _OST reports beyond
	 * three quarters of the queue are a guest flooding us: drop and count them. */
	if (ev.kind == CPU_HP_OST && hp->q_len >= CPU_HOTPLUG_QUEUE * 3 / 4) {
		hp->q_dropped++;
		queued = false;
	} else {
		hp->q[(hp->q_head + hp->q_len) % CPU_HOTPLUG_QUEUE] = ev;
		hp->q_len++;
	}
	pthread_mutex_unlock(&hp->q_lock);
	if (queued)
		loop_post(&hp->vm->loop, &hp->job);
	else
		log_guest(&hp->rl, "cpu-hotplug: _OST reports arrive faster than they are handled; "
			  "dropping them");
}

static void hp_eject(void *opaque, unsigned slot)
{
	hp_enqueue(opaque, (struct cpu_hotplug_ev){ .kind = CPU_HP_EJECT, .slot = slot });
}

static void hp_ost(void *opaque, unsigned slot, uint32_t event, uint32_t status)
{
	hp_enqueue(opaque, (struct cpu_hotplug_ev){ .kind = CPU_HP_OST, .slot = slot,
						    .ost_event = event, .ost_status = status });
}

static const struct cpuhp_ops hp_ops = { .notify = hp_notify, .eject = hp_eject, .ost = hp_ost };

/* ---- the main thread's side ------------------------------------------------------------- */

void cpu_hotplug_qom_path(struct cpu_hotplug *hp, unsigned slot, char *buf, size_t len)
{
	if (slot < CPUHP_MAX_SLOTS && hp->id[slot][0])
		snprintf(buf, len, "/machine/peripheral/%s", hp->id[slot]);
	else
		snprintf(buf, len, "/machine/unattached/device[%u]", slot);
}

static void emit_ost(struct cpu_hotplug *hp, const struct cpu_hotplug_ev *ev)
{
	char slot[16];
	json_t *info;

	snprintf(slot, sizeof(slot), "%u", ev->slot);
	info = json_pack("{s:s, s:s, s:I, s:I}", "slot", slot, "slot-type", "CPU", "source",
			 (json_int_t)ev->ost_event, "status", (json_int_t)ev->ost_status);
	if (!info)
		return;
	if (hp->id[ev->slot][0])
		json_object_set_new(info, "device", json_string(hp->id[ev->slot]));
	trace_cpu_hotplug_ost(&hp->vm->trace, ev->slot, ev->ost_event, ev->ost_status);
	vm_emit_event(hp->vm, "ACPI_DEVICE_OST", json_pack("{s:o}", "info", info));
}

static void finish_eject(struct cpu_hotplug *hp, unsigned slot)
{
	char path[CPU_HOTPLUG_ID_MAX + 32];
	json_t *data;
	int ret = vcpu_park(hp->vm, slot);

	if (ret < 0)
		log_error("cpu-hotplug: parking vCPU %u after its eject: %s", slot, strerror(-ret));
	cpuhp_eject_done(&hp->regs, slot);
	trace_cpu_hotplug_eject(&hp->vm->trace, slot);
	cpu_hotplug_qom_path(hp, slot, path, sizeof(path));
	data = json_pack("{s:s}", "path", path);
	if (data && hp->id[slot][0])
		json_object_set_new(data, "device", json_string(hp->id[slot]));
	hp->id[slot][0] = '\0';
	vm_emit_event(hp->vm, "DEVICE_DELETED", data);
}

static void hp_job(void *opaque)
{
	struct cpu_hotplug *hp = opaque;

	for (;;) {
		struct cpu_hotplug_ev ev;

		pthread_mutex_lock(&hp->q_lock);
		if (!hp->q_len) {
			pthread_mutex_unlock(&hp->q_lock);
			return;
		}
		ev = hp->q[hp->q_head];
		hp->q_head = (hp->q_head + 1) % CPU_HOTPLUG_QUEUE;
		hp->q_len--;
		pthread_mutex_unlock(&hp->q_lock);
		if (ev.kind == CPU_HP_EJECT)
			finish_eject(hp, ev.slot);
		else
			emit_ost(hp, &ev);
	}
}

int cpu_hotplug_find(struct cpu_hotplug *hp, const char *name)
{
	struct vm *vm = hp->vm;

	for (unsigned i = 0; i < vm->max_vcpus; i++) {
		char path[CPU_HOTPLUG_ID_MAX + 32];

		if (!cpuhp_slot_state(&hp->regs, i).present)
			continue;
		if (hp->id[i][0] && !strcmp(hp->id[i], name))
			return (int)i;
		cpu_hotplug_qom_path(hp, i, path, sizeof(path));
		if (!strcmp(path, name))
			return (int)i;
	}
	return -1;
}

bool cpu_hotplug_id_in_use(struct cpu_hotplug *hp, const char *id)
{
	for (unsigned i = 0; i < hp->vm->max_vcpus; i++)
		if (hp->id[i][0] && !strcmp(hp->id[i], id))
			return true;
	return false;
}

int cpu_hotplug_add(struct cpu_hotplug *hp, unsigned slot, const char *id, char *err,
		    size_t errlen)
{
	struct vm *vm = hp->vm;
	struct cpuhp_slot s;
	int ret;

	if (slot >= vm->max_vcpus) {
		ERR("Invalid CPU index %u, valid index range 0:%u", slot, vm->max_vcpus - 1);
		return -EINVAL;
	}
	if (id && strlen(id) >= CPU_HOTPLUG_ID_MAX) {
		ERR("Device ID '%s' is too long", id);
		return -EINVAL;
	}
	if (id && cpu_hotplug_id_in_use(hp, id)) {
		ERR("Duplicate device ID '%s'", id);
		return -EEXIST;
	}
	s = cpuhp_slot_state(&hp->regs, slot);
	if (s.present) {
		ERR("CPU[%u] with APIC ID %u exists", slot, s.apic_id);
		return -EEXIST;
	}
	if (s.ejecting || s.inserting || s.removing) {
		ERR("CPU[%u] with APIC ID %u is busy: an eject is still in progress; retry after "
		    "DEVICE_DELETED", slot, s.apic_id);
		return -EBUSY;
	}
	/* The vCPU first, waiting in KVM_RUN for INIT/SIPI; then tell the guest. */
	ret = vcpu_plug(vm, slot, NULL);
	if (ret < 0) {
		ERR("CPU[%u]: cannot start its vCPU: %s", slot, strerror(-ret));
		return ret;
	}
	snprintf(hp->id[slot], sizeof(hp->id[slot]), "%s", id ? id : "");
	ret = cpuhp_plug(&hp->regs, slot);
	if (ret < 0) { /* cannot happen after the checks above; undo cleanly anyway */
		hp->id[slot][0] = '\0';
		vcpu_park(vm, slot);
		ERR("CPU[%u]: %s", slot, strerror(-ret));
		return ret;
	}
	trace_cpu_hotplug_add(&vm->trace, slot, hp->id[slot]);
	return 0;
}

int cpu_hotplug_del(struct cpu_hotplug *hp, unsigned slot, char *err, size_t errlen)
{
	char path[CPU_HOTPLUG_ID_MAX + 32];
	const char *name;
	int ret;

	cpu_hotplug_qom_path(hp, slot, path, sizeof(path));
	name = hp->id[slot][0] ? hp->id[slot] : path;
	ret = cpuhp_request_unplug(&hp->regs, slot);
	switch (ret) {
	case 0:
		trace_cpu_hotplug_del(&hp->vm->trace, slot);
		return 0;
	case -EPERM:
		ERR("Boot CPU is unpluggable");
		break;
	case -EALREADY:
		ERR("Device %s is already in the process of unplug", name);
		break;
	case -EBUSY:
		ERR("Device %s is busy: its hot-add is not yet acknowledged by the guest, or it is "
		    "being ejected", name);
		break;
	case -ENODEV:
	case -EINVAL:
		ERR("Device '%s' not found", name);
		ret = -ENODEV;
		break;
	default:
		ERR("Device %s: %s", name, strerror(-ret));
		break;
	}
	return ret;
}

static void hp_reset(void *opaque)
{
	struct cpu_hotplug *hp = opaque;

	cpuhp_reset(&hp->regs);
}

static void hp_destroy(void *opaque)
{
	struct cpu_hotplug *hp = opaque;

	hp->vm->cpu_hotplug = NULL;
	cpuhp_destroy(&hp->regs);
	pthread_mutex_destroy(&hp->q_lock);
	free(hp);
}

int cpu_hotplug_init(struct vm *vm)
{
	struct cpu_hotplug *hp = calloc(1, sizeof(*hp));
	int ret;

	if (!hp)
		return -ENOMEM;
	hp->vm = vm;
	hp->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&hp->q_lock, NULL);
	loop_job_init(&hp->job, hp_job, hp);
	cpuhp_init(&hp->regs, vm->max_vcpus, NULL, &hp_ops, hp);
	for (unsigned i = 0; i < vm->max_vcpus; i++)
		if (vm->vcpu[i] && vm->vcpu[i]->state == VCPU_RUNNING)
			cpuhp_set_present(&hp->regs, i, true);
	ret = bus_register(&vm->pio, PORT_CPU_HOTPLUG, CPUHP_REG_LEN, &regs_ops, hp, "cpu-hotplug");
	if (ret < 0) {
		log_error("cpu-hotplug: I/O ports 0x%x-0x%x are taken", PORT_CPU_HOTPLUG,
			  PORT_CPU_HOTPLUG + CPUHP_REG_LEN - 1);
		hp_destroy(hp);
		return ret;
	}
	ret = vm_add_device(vm, "cpu-hotplug", hp, hp_reset, hp_destroy);
	if (ret < 0) {
		bus_unregister(&vm->pio, PORT_CPU_HOTPLUG, hp);
		hp_destroy(hp);
		return ret;
	}
	vm->cpu_hotplug = hp;
	return 0;
}
