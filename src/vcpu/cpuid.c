/* SPDX-License-Identifier: GPL-2.0-only */
#include "vcpu/cpuid.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct cpuid_feature features[] = {
	{ "pclmulqdq",       1, 0, CPUID_ECX, 1 },
	{ "cx16",            1, 0, CPUID_ECX, 13 },
	{ "sse4.2",          1, 0, CPUID_ECX, 20 },
	{ "pcid",            1, 0, CPUID_ECX, 17 },
	{ "x2apic",          1, 0, CPUID_ECX, 21 },
	{ "movbe",           1, 0, CPUID_ECX, 22 },
	{ "popcnt",          1, 0, CPUID_ECX, 23 },
	{ "tsc-deadline",    1, 0, CPUID_ECX, 24 },
	{ "aes",             1, 0, CPUID_ECX, 25 },
	{ "xsave",           1, 0, CPUID_ECX, 26 },
	{ "osxsave",         1, 0, CPUID_ECX, 27 },
	{ "avx",             1, 0, CPUID_ECX, 28 },
	{ "f16c",            1, 0, CPUID_ECX, 29 },
	{ "rdrand",          1, 0, CPUID_ECX, 30 },
	{ "hypervisor",      1, 0, CPUID_ECX, 31 },
	{ "fma",             1, 0, CPUID_ECX, 12 },
	{ "pdcm",            1, 0, CPUID_ECX, 15 },
	{ "mce",             1, 0, CPUID_EDX, 7 },
	{ "mca",             1, 0, CPUID_EDX, 14 },
	{ "fsgsbase",        7, 0, CPUID_EBX, 0 },
	{ "tsc-adjust",      7, 0, CPUID_EBX, 1 },
	{ "bmi1",            7, 0, CPUID_EBX, 3 },
	{ "avx2",            7, 0, CPUID_EBX, 5 },
	{ "smep",            7, 0, CPUID_EBX, 7 },
	{ "bmi2",            7, 0, CPUID_EBX, 8 },
	{ "erms",            7, 0, CPUID_EBX, 9 },
	{ "invpcid",         7, 0, CPUID_EBX, 10 },
	{ "rdseed",          7, 0, CPUID_EBX, 18 },
	{ "adx",             7, 0, CPUID_EBX, 19 },
	{ "smap",            7, 0, CPUID_EBX, 20 },
	{ "clflushopt",      7, 0, CPUID_EBX, 23 },
	{ "clwb",            7, 0, CPUID_EBX, 24 },
	{ "sha-ni",          7, 0, CPUID_EBX, 29 },
	{ "umip",            7, 0, CPUID_ECX, 2 },
	{ "pku",             7, 0, CPUID_ECX, 3 },
	{ "ospke",           7, 0, CPUID_ECX, 4 },
	{ "vaes",            7, 0, CPUID_ECX, 9 },
	{ "vpclmulqdq",      7, 0, CPUID_ECX, 10 },
	{ "la57",            7, 0, CPUID_ECX, 16 },
	{ "rdpid",           7, 0, CPUID_ECX, 22 },
	{ "fsrm",            7, 0, CPUID_EDX, 4 },
	{ "md-clear",        7, 0, CPUID_EDX, 10 },
	{ "spec-ctrl",       7, 0, CPUID_EDX, 26 },
	{ "arch-capabilities", 7, 0, CPUID_EDX, 29 },
	{ "ssbd",            7, 0, CPUID_EDX, 31 },
	{ "xsaveopt",        0xd, 1, CPUID_EAX, 0 },
	{ "xsavec",          0xd, 1, CPUID_EAX, 1 },
	{ "xgetbv1",         0xd, 1, CPUID_EAX, 2 },
	{ "xsaves",          0xd, 1, CPUID_EAX, 3 },
	{ "lahf-lm",         0x80000001, 0, CPUID_ECX, 0 },
	{ "abm",             0x80000001, 0, CPUID_ECX, 5 },
	{ "sse4a",           0x80000001, 0, CPUID_ECX, 6 },
	{ "topoext",         0x80000001, 0, CPUID_ECX, 22 },
	{ "nx",              0x80000001, 0, CPUID_EDX, 20 },
	{ "pdpe1gb",         0x80000001, 0, CPUID_EDX, 26 },
	{ "rdtscp",          0x80000001, 0, CPUID_EDX, 27 },
	{ "invtsc",          0x80000007, 0, CPUID_EDX, 8 },
	{ "kvmclock",        0x40000001, 0, CPUID_EAX, 0 },
	{ "kvm-nopiodelay",  0x40000001, 0, CPUID_EAX, 1 },
	{ "kvm-mmu",         0x40000001, 0, CPUID_EAX, 2 },
	{ "kvmclock2",       0x40000001, 0, CPUID_EAX, 3 },
	{ "kvm-asyncpf",     0x40000001, 0, CPUID_EAX, 4 },
	{ "kvm-steal-time",  0x40000001, 0, CPUID_EAX, 5 },
	{ "kvm-pv-eoi",      0x40000001, 0, CPUID_EAX, 6 },
	{ "kvm-pv-unhalt",   0x40000001, 0, CPUID_EAX, 7 },
	{ "kvm-pv-tlb-flush", 0x40000001, 0, CPUID_EAX, 9 },
	{ "kvm-asyncpf-vmexit", 0x40000001, 0, CPUID_EAX, 10 },
	{ "kvm-pv-ipi",      0x40000001, 0, CPUID_EAX, 11 },
	{ "kvm-poll-control", 0x40000001, 0, CPUID_EAX, 12 },
	{ "kvm-pv-sched-yield", 0x40000001, 0, CPUID_EAX, 13 },
	{ "kvm-asyncpf-int", 0x40000001, 0, CPUID_EAX, 14 },
	{ "kvm-msi-ext-dest-id", 0x40000001, 0, CPUID_EAX, 15 },
	{ "kvmclock-stable-bit", 0x40000001, 0, CPUID_EAX, 24 },
	{ NULL, 0, 0, 0, 0 },
};

/*
 * KVM-PVM emulates guest CPL0 code, and its emulator lacks these instructions (measured
 * one by one with a guest program; docs/linux-boot.md): cmpxchg16b, popcnt, crc32
 * (SSE4.2), movbe (#UD), AES-NI, pclmulqdq, xgetbv/xrstor (XSAVE), rdtscp, BMI1 (andn,
 * bextr, blsi), BMI2 (shlx, rorx, pdep, mulx, ...), adcx (ADX), clac/stac (SMAP), clwb,
 * SHA-NI, rdpid (#UD).  IA32_ARCH_CAPABILITIES is not usable there; FSGSBASE, INVPCID,
 * PCID and PKU are hidden pre-emptively (kvm-pvm.md).  Caveat, measured on our hosts:
 * KVM-PVM takes from the VMM's CPUID only the bits KVM_GET_SUPPORTED_CPUID reports
 * (leaf 1 and 0x80000001); the other bits of those leaves, and all of leaf 7, are the
 * host CPU's.  So of this list only cx16 is actually hidden there; the rest is right
 * for a KVM that honours KVM_SET_CPUID2, and the fatal-error report names whatever
 * instruction a guest still runs into.
 */
const char *const cpuid_pvm_hidden[] = {
	"cx16", "popcnt", "sse4.2", "movbe", "aes", "pclmulqdq", "xsave", "osxsave", "rdtscp",
	"bmi1", "bmi2", "adx", "smap", "clwb", "sha-ni", "rdpid", "arch-capabilities",
	"fsgsbase", "invpcid", "pcid", "pku", "ospke", NULL,
};

/* QEMU accepts '_', '-' and (in "sse4.2") '.' interchangeably. */
static bool same_feature_name(const char *a, const char *b)
{
	for (;; a++, b++) {
		char x = *a == '_' || *a == '.' ? '-' : *a;
		char y = *b == '_' || *b == '.' ? '-' : *b;
		if (x != y)
			return false;
		if (!x)
			return true;
	}
}

const struct cpuid_feature *cpuid_feature_lookup(const char *name)
{
	for (const struct cpuid_feature *f = features; f->name; f++)
		if (same_feature_name(f->name, name))
			return f;
	return NULL;
}

int cpuid_policy_add(struct cpuid_policy *p, const char *name, bool enable)
{
	const struct cpuid_feature *f = cpuid_feature_lookup(name);

	if (!f)
		return -ENOENT;
	for (unsigned i = 0; i < p->n; i++) {
		if (p->item[i].feat == f) {
			p->item[i].enable = enable;
			return 0;
		}
	}
	if (p->n == CPUID_POLICY_MAX)
		return -ENOSPC;
	p->item[p->n].feat = f;
	p->item[p->n].enable = enable;
	p->n++;
	return 0;
}

static unsigned bits_for(unsigned count)
{
	unsigned b = 0;

	while ((1u << b) < count)
		b++;
	return b;
}

unsigned cpu_topo_apic_id(const struct cpu_topo *t, unsigned index)
{
	unsigned tbits = bits_for(t->threads), cbits = bits_for(t->cores), dbits = bits_for(t->dies);
	unsigned thread = index % t->threads;
	unsigned core = (index / t->threads) % t->cores;
	unsigned die = (index / (t->threads * t->cores)) % t->dies;
	unsigned socket = index / (t->threads * t->cores * t->dies);

	return thread | core << tbits | die << (tbits + cbits) | socket << (tbits + cbits + dbits);
}

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t leaf, uint32_t subleaf)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function != leaf)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == subleaf)
			return e;
	}
	return NULL;
}

static uint32_t *cpuid_reg_ptr(struct kvm_cpuid_entry2 *e, enum cpuid_reg r)
{
	switch (r) {
	case CPUID_EAX: return &e->eax;
	case CPUID_EBX: return &e->ebx;
	case CPUID_ECX: return &e->ecx;
	default:        return &e->edx;
	}
}

/* Drops every entry of `leaf` and appends `n` subleaves; returns the first. */
static struct kvm_cpuid_entry2 *cpuid_replace_leaf(struct kvm_cpuid2 *c, uint32_t cap,
						   uint32_t leaf, unsigned n)
{
	uint32_t w = 0;

	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function != leaf)
			c->entries[w++] = c->entries[i];
	c->nent = w;
	if (c->nent + n > cap)
		return NULL;
	memset(&c->entries[c->nent], 0, n * sizeof(c->entries[0]));
	for (unsigned i = 0; i < n; i++) {
		c->entries[c->nent + i].function = leaf;
		c->entries[c->nent + i].index = i;
		c->entries[c->nent + i].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	}
	c->nent += n;
	return &c->entries[c->nent - n];
}

static void cpuid_topology(struct kvm_cpuid2 *c, uint32_t cap, const struct cpu_topo *t,
			   unsigned apic_id)
{
	unsigned tbits = bits_for(t->threads), cbits = bits_for(t->cores), dbits = bits_for(t->dies);
	unsigned per_pkg = t->threads * t->cores * t->dies;
	struct kvm_cpuid_entry2 *e;
	uint32_t max_basic = 0;

	if ((e = cpuid_find(c, 0, 0)))
		max_basic = e->eax;

	if ((e = cpuid_find(c, 1, 0))) {
		unsigned logical = 1u << (tbits + cbits + dbits);
		e->ebx = (e->ebx & 0x0000ffff) | (logical > 255 ? 255 : logical) << 16 | apic_id << 24;
		if (per_pkg > 1)
			e->edx |= 1u << 28; /* HTT: the package has more than one logical CPU */
		else
			e->edx &= ~(1u << 28);
	}

	/* Leaf 0xB (and 0x1F when the host lists it): x2APIC topology, EDX = x2APIC ID. */
	for (uint32_t leaf = 0xb; leaf <= 0x1f; leaf += 0x14) {
		bool die_level = leaf == 0x1f;
		unsigned levels = die_level ? 3 : 2;

		if (leaf > max_basic || (leaf == 0x1f && !cpuid_find(c, 0x1f, 0)))
			continue;
		e = cpuid_replace_leaf(c, cap, leaf, levels + 1);
		if (!e)
			continue;
		e[0].eax = tbits;
		e[0].ebx = t->threads;
		e[0].ecx = 1u << 8 | 0;
		e[1].eax = tbits + cbits;
		e[1].ebx = t->threads * t->cores;
		e[1].ecx = 2u << 8 | 1;
		if (die_level) {
			e[2].eax = tbits + cbits + dbits;
			e[2].ebx = per_pkg;
			e[2].ecx = 5u << 8 | 2;
		} else {
			e[1].eax = tbits + cbits + dbits;
			e[1].ebx = per_pkg;
		}
		e[levels].ecx = levels; /* invalid level: ends the list */
		for (unsigned i = 0; i <= levels; i++)
			e[i].edx = apic_id;
	}

	/* Leaf 4 (Intel deterministic cache): cores per package - 1 in EAX[31:26]. */
	for (uint32_t i = 0; i < c->nent; i++) {
		e = &c->entries[i];
		if (e->function == 4) {
			unsigned cores = per_pkg / t->threads;
			e->eax = (e->eax & 0x03ffffff) | ((cores ? cores - 1 : 0) & 0x3f) << 26;
		}
	}

	/* AMD: 0x80000008 ECX (NC, ApicIdSize) and 0x8000001E (extended APIC ID). */
	if ((e = cpuid_find(c, 0x80000008, 0))) {
		unsigned size = tbits + cbits + dbits;
		e->ecx = (e->ecx & ~0xf0ffu) | (per_pkg - 1) | (size & 0xf) << 12;
	}
	if ((e = cpuid_find(c, 0x8000001e, 0))) {
		unsigned core_id = (apic_id >> tbits) & ((1u << (cbits + dbits)) - 1);
		e->eax = apic_id;
		e->ebx = (t->threads - 1) << 8 | (core_id & 0xff);
		e->ecx = 0;
		e->edx = 0;
	}
}

int cpuid_build(const struct kvm_cpuid2 *supported, const struct cpu_topo *topo,
		unsigned apic_id, const struct cpuid_policy *policy, struct kvm_cpuid2 **out)
{
	uint32_t cap = supported->nent + 8;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + cap * sizeof(c->entries[0]));
	struct kvm_cpuid_entry2 *e;

	if (!c)
		return -ENOMEM;
	c->nent = supported->nent;
	memcpy(c->entries, supported->entries, supported->nent * sizeof(c->entries[0]));

	/* Always: hypervisor bit, TSC-deadline (hardware-reduced Linux has no PIT). */
	if ((e = cpuid_find(c, 1, 0)))
		e->ecx |= 1u << 31 | 1u << 24;

	cpuid_topology(c, cap, topo, apic_id);

	for (unsigned i = 0; i < policy->n; i++) {
		const struct cpuid_feature *f = policy->item[i].feat;
		uint32_t *r;

		e = cpuid_find(c, f->leaf, f->subleaf);
		if (!e)
			continue; /* leaf not offered by KVM: nothing to hide, nothing to enable */
		r = cpuid_reg_ptr(e, f->reg);
		if (policy->item[i].enable)
			*r |= 1u << f->bit;
		else
			*r &= ~(1u << f->bit);
	}

	/* Without XSAVE the XSAVE state leaf and the AVX family it carries are meaningless. */
	if ((e = cpuid_find(c, 1, 0)) && !(e->ecx & (1u << 26))) {
		struct kvm_cpuid_entry2 *d;
		e->ecx &= ~(1u << 27 | 1u << 28 | 1u << 29 | 1u << 12); /* OSXSAVE AVX F16C FMA */
		if ((d = cpuid_find(c, 7, 0)))
			d->ebx &= ~(1u << 5 | 1u << 16 | 1u << 17 | 1u << 21 | 1u << 26 | 1u << 27 |
				    1u << 28 | 1u << 30 | 1u << 31); /* AVX2, AVX-512 */
		for (uint32_t i = 0; i < c->nent; i++)
			if (c->entries[i].function == 0xd)
				c->entries[i].eax = c->entries[i].ebx = c->entries[i].ecx =
					c->entries[i].edx = 0;
	}
	*out = c;
	return 0;
}
