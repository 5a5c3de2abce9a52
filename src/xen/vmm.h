/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Xen guest ABI served by xkvm on a KVM without Xen support (docs/xen.md, "Wiring"):
 * the thin VMM side around the pure core (xen/domain.h).
 *
 *   detection    Xen's CPUID leaves, added to each vCPU's CPUID at creation
 *   the MSR      KVM_X86_SET_MSR_FILTER denies the hypercall-page MSR, so the write
 *                exits to user space (KVM_CAP_X86_USER_SPACE_MSR); xkvm fills the page
 *   the trap     the page's stubs `out %eax, $0xe4`: a 1-port PIO device reads the
 *                vCPU's registers, dispatches, writes RAX back
 *   upcalls      KVM_SIGNAL_MSI to the vCPU's APIC ID (vector callbacks), or a KVM irqfd
 *                with a resample fd on an IOAPIC pin (GSI callbacks, level-triggered)
 *   time         Xen system time is the guest's kvmclock (KVM_GET_CLOCK); singleshot
 *                timers are one timerfd per vCPU on the main loop; vcpu_time_info is
 *                computed from kvmclock and the vCPU's TSC offset, as KVM does
 *   block/poll   the vCPU thread sleeps on a futex that event delivery wakes; without a
 *                timeout it returns after 10 ms anyway (interrupts that are not event
 *                channels cannot be seen from here; a spurious return is allowed)
 *   PV console   a ring at LAYOUT_XEN_CONSOLE served on COM1's back-end (serial tap)
 *   lifecycle    vCPU plug/park, VM reset (a soft reset), shutdown requests
 *
 * Threads: hypercalls run on the calling vCPU's thread; timers, the GSI resample fd and
 * the console run on the main thread.  No handler blocks on another vCPU.
 */
#ifndef XKVM_XEN_VMM_H
#define XKVM_XEN_VMM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vcpu;
struct xen_vmm;
struct xen_domain;

/* Main thread, after the serial port and before the boot vCPUs: creates the Xen domain
 * from vm->cfg (xen_version != 0) and sets vm->xen.  0 or -errno, message printed. */
int xen_vmm_create(struct vm *vm);

/* vcpu_create(): Xen's leaves into the vCPU's CPUID.  0 or -errno. */
int xen_vmm_cpuid(struct xen_vmm *x, unsigned slot, struct kvm_cpuid2 **cpuid);

/* vCPU lifecycle (main thread, the vCPU's thread not running). */
void xen_vmm_vcpu_plug(struct xen_vmm *x, struct vcpu *v);
void xen_vmm_vcpu_park(struct xen_vmm *x, unsigned slot);

/* KVM_EXIT_X86_RDMSR / _WRMSR on `v`'s thread: sets run->msr.error. */
void xen_vmm_msr_exit(struct xen_vmm *x, struct vcpu *v);

/* The pure domain (QMP, save/restore). */
struct xen_domain *xen_vmm_domain(struct xen_vmm *x);

/* Save the Xen state (vCPUs paused): *blob is malloc'd.  0 or -errno. */
int xen_vmm_state_save(struct xen_vmm *x, uint8_t **blob, size_t *len);
/* Load a blob into a VM that has not run guest code yet: continues the guest clock from
 * the blob, then restores the ports, areas, vectors and timers.  0 or -errno with `err`
 * set. */
int xen_vmm_state_load(struct xen_vmm *x, const uint8_t *blob, size_t len, char *err,
		       size_t errlen);

#endif
