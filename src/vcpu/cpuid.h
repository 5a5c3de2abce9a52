/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-vCPU CPUID from KVM_GET_SUPPORTED_CPUID: the topology describes every slot
 * (maxcpus), not just the boot vCPUs (cpu-hotplug.md §3.2), and features are hidden or
 * exposed by a policy (-cpu host,+feat,-feat, plus the host's defaults).  Pure logic.
 */
#ifndef XKVM_VCPU_CPUID_H
#define XKVM_VCPU_CPUID_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

struct cpuid_feature {
	const char *name; /* QEMU's spelling */
	uint32_t leaf;
	uint32_t subleaf;
	enum cpuid_reg reg;
	unsigned bit;
};

struct cpu_topo {
	unsigned sockets, dies, cores, threads; /* per level; product = max vCPUs */
};

#define CPUID_POLICY_MAX 64
struct cpuid_policy {
	struct {
		const struct cpuid_feature *feat;
		bool enable;
	} item[CPUID_POLICY_MAX];
	unsigned n;
};

const struct cpuid_feature *cpuid_feature_lookup(const char *name);
/* Names of the features a KVM-PVM host cannot run (kvm-pvm.md); hidden by default. */
extern const char *const cpuid_pvm_hidden[];

/* Adds a feature override; a later override of the same feature wins. */
int cpuid_policy_add(struct cpuid_policy *p, const char *name, bool enable);

/* APIC ID of (socket, die, core, thread) with QEMU's/CH's bit-field packing. */
unsigned cpu_topo_apic_id(const struct cpu_topo *t, unsigned index);

/* Builds the CPUID of the vCPU with `apic_id`; caller frees *out. */
int cpuid_build(const struct kvm_cpuid2 *supported, const struct cpu_topo *topo,
		unsigned apic_id, const struct cpuid_policy *policy, struct kvm_cpuid2 **out);

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t leaf, uint32_t subleaf);

#endif
