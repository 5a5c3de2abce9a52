/* SPDX-License-Identifier: GPL-2.0-only */
#include "vcpu/lifecycle.h"

#include <errno.h>
#include <string.h>

#include "irq/routing.h"
#include "vcpu/vcpu.h"
#include "vm/vm.h"
#include "xen/vmm.h"

int vcpu_unpark(struct vm *vm, unsigned id, struct vcpu **out)
{
	struct vcpu *v;
	int ret;

	if (id >= vm->max_vcpus)
		return -EINVAL;
	pthread_mutex_lock(&vm->vcpu_lock);
	v = vm->vcpu[id];
	if (!v || v->state != VCPU_PARKED) {
		pthread_mutex_unlock(&vm->vcpu_lock);
		trace_vcpu_unpark(&vm->trace, id, -1, "not found parked");
		return -ENOENT;
	}
	pthread_mutex_unlock(&vm->vcpu_lock);
	/* No thread runs it: safe to reset without the lock.  No KVM_SET_CPUID2: KVM
	 * refuses it after the first KVM_RUN, and the slot's APIC ID never changes. */
	ret = vcpu_reset(v, false);
	if (ret < 0) {
		log_error("vcpu %u: resetting the unparked vCPU: %s", id, strerror(-ret));
		return ret;
	}
	trace_vcpu_unpark(&vm->trace, id, v->fd, "unparked");
	*out = v;
	return 0;
}

int vcpu_plug(struct vm *vm, unsigned id, struct vcpu **out)
{
	struct vcpu *v = NULL;
	int ret;

	if (id >= vm->max_vcpus)
		return -EINVAL;
	if (vm->vcpu[id] && vm->vcpu[id]->state != VCPU_PARKED)
		return -EEXIST;
	ret = vcpu_unpark(vm, id, &v);
	if (ret == -ENOENT) {
		ret = vcpu_create(vm, id, &v);
		if (ret < 0)
			return ret;
		pthread_mutex_lock(&vm->vcpu_lock);
		vm->vcpu[id] = v;
		pthread_mutex_unlock(&vm->vcpu_lock);
	} else if (ret < 0) {
		return ret;
	}
	pthread_mutex_lock(&vm->vcpu_lock);
	v->state = VCPU_RUNNING;
	atomic_store(&v->req, 0);
	pthread_mutex_unlock(&vm->vcpu_lock);
	/* Its LAPIC is as KVM creates / vcpu_reset() leaves it: into the route index. */
	if (vm->irq)
		irq_router_vcpu_plug(vm->irq, id, NULL);
	/* A valid event-channel target again (no bindings), with its timer. */
	if (vm->xen)
		xen_vmm_vcpu_plug(vm->xen, v);
	if (vm->started) {
		/* A hot-plugged vCPU joins a running VM; if the VM is stopped, it waits. */
		if (vm->state != RUN_STATE_RUNNING)
			atomic_fetch_or(&v->req, VCPU_REQ_PAUSE);
		ret = vcpu_start_thread(v);
		if (ret < 0) {
			pthread_mutex_lock(&vm->vcpu_lock);
			v->state = VCPU_PARKED;
			pthread_mutex_unlock(&vm->vcpu_lock);
			return ret;
		}
	}
	if (out)
		*out = v;
	return 0;
}

int vcpu_park(struct vm *vm, unsigned id)
{
	struct vcpu *v;

	if (id >= vm->max_vcpus || !(v = vm->vcpu[id]))
		return -ENOENT;
	if (v->state == VCPU_PARKED)
		return 0;
	vcpu_stop_thread(v);
	/* Routes still aimed at it are reported (log + QMP event), then it leaves the index. */
	if (vm->irq)
		irq_router_vcpu_remove(vm->irq, v);
	/* Its per-vCPU event channels close, the rest move to vCPU 0, its timer stops. */
	if (vm->xen)
		xen_vmm_vcpu_park(vm->xen, id);
	pthread_mutex_lock(&vm->vcpu_lock);
	v->state = VCPU_PARKED;
	v->paused = false;
	pthread_mutex_unlock(&vm->vcpu_lock);
	trace_vcpu_park(&vm->trace, id, v->fd);
	return 0;
}
