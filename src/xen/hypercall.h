/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Xen hypercall dispatcher: a hypercall number and six arguments in, a return value
 * out, whatever trapped the call.  Two traps feed it:
 *   - xkvm's hypercall page (docs/specs/xen-hypercall-page.md): the vCPU exits on the
 *     stub's OUT; the VMM reads the registers (xen_hcall_from_regs), dispatches, and
 *     writes RAX back (xen_hcall_result_to_regs);
 *   - KVM_EXIT_XEN on a host whose KVM intercepts Xen hypercalls itself
 *     (xen_hcall_from_kvm_exit / xen_hcall_result_to_kvm_exit).
 *
 * Calling conventions (Xen's): number in EAX; arguments in RDI RSI RDX R10 R8 R9 for a
 * 64-bit caller, EBX ECX EDX ESI EDI EBP for a 32-bit one; result in RAX (a 64-bit long)
 * or EAX.  Pointer arguments are guest-virtual addresses, reached through
 * `struct xen_guest_access` (xen/guest_access.h walks the guest's page tables).
 *
 * Results: 0/positive on success, -XEN_Exxx on failure.  Unknown hypercalls and subops
 * get -ENOSYS, unreadable or unwritable argument memory -EFAULT, calls from CPL > 0
 * -EPERM (as Xen does for HVM guests).
 */
#ifndef XKVM_XEN_HYPERCALL_H
#define XKVM_XEN_HYPERCALL_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xen_domain;

struct xen_hcall {
	uint32_t nr;
	uint64_t arg[6];  /* in ABI order; zero-extended 32-bit values for a 32-bit caller */
	unsigned vcpu;    /* the caller's Xen vCPU id */
	unsigned cpl;
	bool long_mode;
};

struct xen_guest_access {
	/* 0, or -EFAULT when any byte is unmapped or outside RAM. */
	int (*read)(void *opaque, uint64_t gva, void *buf, size_t len);
	int (*write)(void *opaque, uint64_t gva, const void *buf, size_t len);
	/* Guest-virtual to guest-physical; 0 or -EFAULT. */
	int (*translate)(void *opaque, uint64_t gva, uint64_t *gpa);
	void *opaque;
};

int64_t xen_hypercall(struct xen_domain *x, const struct xen_hcall *hc,
		      const struct xen_guest_access *ga);

/* The name of hypercall `nr` ("event_channel_op"), or NULL. */
const char *xen_hypercall_name(uint32_t nr);

/* Register conventions. */
void xen_hcall_from_regs(struct xen_hcall *hc, const struct kvm_regs *r, bool long_mode,
			 unsigned cpl, unsigned vcpu);
void xen_hcall_result_to_regs(struct kvm_regs *r, bool long_mode, int64_t result);
#ifdef KVM_EXIT_XEN
void xen_hcall_from_kvm_exit(struct xen_hcall *hc, const struct kvm_xen_exit *e,
			     unsigned vcpu);
void xen_hcall_result_to_kvm_exit(struct kvm_xen_exit *e, int64_t result);
#endif

#endif
