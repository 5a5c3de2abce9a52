/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-vCPU CPUID: topology describes maxcpus, APIC IDs per vCPU, the feature policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "vcpu/cpuid.h"

static struct kvm_cpuid2 *fake_supported(void)
{
	static const struct kvm_cpuid_entry2 e[] = {
		{ .function = 0, .eax = 0xd },
		{ .function = 1, .eax = 0x800f12, .ebx = 0x00010800, .ecx = (1u << 13) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 21), .edx = 0 },
		{ .function = 7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .ebx = 1u | (1u << 5) | (1u << 10), .ecx = (1u << 22) | (1u << 3), .edx = 1u << 29 },
		{ .function = 0xb, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0xd, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 7, .ebx = 0x340 },
		{ .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b },
		{ .function = 0x40000001, .eax = 0x1 | 0x8 },
		{ .function = 0x80000008, .ecx = 0x0 },
		{ .function = 0x8000001e },
	};
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + sizeof(e));
	c->nent = sizeof(e) / sizeof(e[0]);
	for (unsigned i = 0; i < c->nent; i++)
		c->entries[i] = e[i];
	return c;
}

static void test_topology_describes_maxcpus(void **state)
{
	struct kvm_cpuid2 *sup = fake_supported(), *c;
	struct cpu_topo t = { 1, 1, 6, 1 }; /* 6 slots, whatever boots */
	struct cpuid_policy p = { 0 };
	struct kvm_cpuid_entry2 *e;

	(void)state;
	assert_int_equal(cpuid_build(sup, &t, 5, &p, &c), 0);
	e = cpuid_find(c, 1, 0);
	assert_int_equal(e->ebx >> 24, 5);                 /* initial APIC ID */
	assert_true(e->edx & (1u << 28));                  /* HTT */
	assert_true(e->ecx & (1u << 31));                  /* hypervisor */
	assert_true(e->ecx & (1u << 24));                  /* TSC-deadline */
	e = cpuid_find(c, 0xb, 0);
	assert_int_equal(e->ebx, 1);                       /* threads per core */
	assert_int_equal(e->edx, 5);
	e = cpuid_find(c, 0xb, 1);
	assert_int_equal(e->ebx, 6);                       /* logical CPUs per package */
	assert_int_equal(e->eax, 3);                       /* ceil(log2(6)) */
	assert_int_equal(e->ecx, (2u << 8) | 1);
	e = cpuid_find(c, 0xb, 2);
	assert_int_equal(e->ecx, 2);                       /* terminates */
	assert_int_equal(cpuid_find(c, 0x80000008, 0)->ecx & 0xff, 5); /* NC = 6 - 1 */
	assert_int_equal(cpuid_find(c, 0x8000001e, 0)->eax, 5);
	free(c);
	free(sup);
}

static void test_apic_id_packing(void **state)
{
	struct cpu_topo t = { 2, 1, 3, 2 }; /* 2 sockets x 3 cores x 2 threads */

	(void)state;
	assert_int_equal(cpu_topo_apic_id(&t, 0), 0);
	assert_int_equal(cpu_topo_apic_id(&t, 1), 1);  /* thread 1 */
	assert_int_equal(cpu_topo_apic_id(&t, 2), 2);  /* core 1 */
	assert_int_equal(cpu_topo_apic_id(&t, 5), 5);  /* core 2, thread 1 */
	assert_int_equal(cpu_topo_apic_id(&t, 6), 8);  /* socket 1: 1 << (1 + 2) */
}

static void test_policy_hides_and_reenables(void **state)
{
	struct kvm_cpuid2 *sup = fake_supported(), *c;
	struct cpu_topo t = { 1, 1, 1, 1 };
	struct cpuid_policy p = { 0 };

	(void)state;
	for (unsigned i = 0; cpuid_pvm_hidden[i]; i++)
		assert_int_equal(cpuid_policy_add(&p, cpuid_pvm_hidden[i], false), 0);
	assert_int_equal(cpuid_policy_add(&p, "no-such-feature", false), -ENOENT);
	assert_int_equal(cpuid_build(sup, &t, 0, &p, &c), 0);
	assert_false(cpuid_find(c, 1, 0)->ecx & (1u << 13));  /* cx16 */
	assert_false(cpuid_find(c, 1, 0)->ecx & (1u << 26));  /* xsave */
	assert_false(cpuid_find(c, 1, 0)->ecx & (1u << 28));  /* avx follows xsave */
	assert_false(cpuid_find(c, 7, 0)->ebx & (1u << 5));   /* avx2 follows xsave */
	assert_false(cpuid_find(c, 7, 0)->ebx & 1u);          /* fsgsbase */
	assert_false(cpuid_find(c, 7, 0)->edx & (1u << 29));  /* arch-capabilities */
	assert_int_equal(cpuid_find(c, 0xd, 0)->eax, 0);      /* XSAVE leaf emptied */
	assert_true(cpuid_find(c, 1, 0)->ecx & (1u << 21));   /* x2apic untouched */
	free(c);

	/* -cpu host,+xsave after the host default wins; '_' spelled like '-'. */
	assert_int_equal(cpuid_policy_add(&p, "xsave", true), 0);
	assert_int_equal(cpuid_policy_add(&p, "arch_capabilities", true), 0);
	assert_int_equal(cpuid_build(sup, &t, 0, &p, &c), 0);
	assert_true(cpuid_find(c, 1, 0)->ecx & (1u << 26));
	assert_true(cpuid_find(c, 7, 0)->edx & (1u << 29));
	free(c);
	free(sup);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topology_describes_maxcpus),
		cmocka_unit_test(test_apic_id_packing),
		cmocka_unit_test(test_policy_hides_and_reenables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
