/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vCPU lifecycle: create -> park -> unpark.  KVM cannot destroy a vCPU (KVM_CREATE_VCPU
 * of an id that existed fails with EEXIST even after close), so an unplugged vCPU's fd
 * and kvm_run mapping are parked in the VM's vCPU table, indexed by id, and reused when
 * that id is plugged again.  Boot vCPUs and hot-added ones take the same path.
 * All functions run on the main thread.
 */
#ifndef XKVM_VCPU_LIFECYCLE_H
#define XKVM_VCPU_LIFECYCLE_H

struct vm;
struct vcpu;

/* Unpark slot `id` if it is parked, else create it; mark it running and, once the VM
 * runs, start its thread straight into KVM_RUN (an AP waits there for INIT/SIPI). */
int vcpu_plug(struct vm *vm, unsigned id, struct vcpu **out);

/* Stop the slot's thread (kick + join) and keep its fd and kvm_run mapping. */
int vcpu_park(struct vm *vm, unsigned id);

/* Take a parked vCPU back: reset to wait-for-SIPI with nothing pending, LAPIC re-set,
 * CPUID untouched.  -ENOENT when `id` is not parked. */
int vcpu_unpark(struct vm *vm, unsigned id, struct vcpu **out);

#endif
