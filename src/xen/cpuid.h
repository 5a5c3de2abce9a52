/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen's CPUID leaves (<xen/arch-x86/cpuid.h>): how a guest detects Xen and finds the
 * hypercall-page MSR.  Pure.
 *
 *   base+0  EAX max leaf (base+4), EBX:ECX:EDX "XenVMMXenVMM"
 *   base+1  EAX version: major << 16 | minor
 *   base+2  EAX hypercall pages (1), EBX hypercall-page MSR
 *   base+3  time leaf (subleaves 0..2): TSC mode 0 ("emulate if necessary"), TSC kHz
 *   base+4  HVM leaf, subleaf 0: EAX flags (vCPU id present, domain id present,
 *           per-vCPU upcall vector), EBX vCPU id, ECX domain id
 *
 * `base` is 0x40000000, replacing KVM's leaves, or 0x40000100 when the KVM leaves are
 * kept at 0x40000000 (guests scan 0x40000000..0x4000ff00 in 0x100 steps for the
 * signature).
 */
#ifndef XKVM_XEN_CPUID_H
#define XKVM_XEN_CPUID_H

#include <linux/kvm.h>
#include <stdint.h>

#define XEN_CPUID_BASE 0x40000000u
#define XEN_CPUID_BASE_WITH_KVM 0x40000100u
#define XEN_HYPERCALL_MSR_DEFAULT 0x40000000u
#define XEN_VERSION_DEFAULT 0x00040011u /* 4.17, the headers we build against */

/* Entries written by xen_cpuid_leaves(): base+0..2, base+3 subleaves 0..2, base+4. */
#define XEN_CPUID_NR_ENTRIES 7

struct xen_cpuid_config {
	uint32_t base;
	uint32_t version;
	uint32_t hypercall_msr;
	uint32_t tsc_khz; /* 0 when unknown */
	uint16_t domid;
};

/* Fills `out` for the vCPU whose Xen vCPU id is `vcpu_id`.  0 or -EINVAL (a base that
 * is not 0x40000000 or 0x40000100, or a version of 0). */
int xen_cpuid_leaves(const struct xen_cpuid_config *c, uint32_t vcpu_id,
		     struct kvm_cpuid_entry2 out[XEN_CPUID_NR_ENTRIES]);

/* Installs the leaves into a vCPU's CPUID (as built by cpuid_build()): with base
 * 0x40000000 every KVM entry in 0x40000000..0x400000ff is dropped first; then the Xen
 * entries replace any entry with the same function/index or are appended.  *cpuid is
 * reallocated.  0, -EINVAL or -ENOMEM. */
int xen_cpuid_apply(const struct xen_cpuid_config *c, uint32_t vcpu_id,
		    struct kvm_cpuid2 **cpuid);

#endif
