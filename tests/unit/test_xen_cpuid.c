/* SPDX-License-Identifier: GPL-2.0-only */
/* Xen CPUID leaves: signature, version, hypercall MSR, HVM leaf; both bases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xen/abi.h"
#include "xen/cpuid.h"

static const struct kvm_cpuid_entry2 *find(const struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	for (unsigned i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return &c->entries[i];
	return NULL;
}

static unsigned count_fn(const struct kvm_cpuid2 *c, uint32_t fn)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->nent; i++)
		n += c->entries[i].function == fn;
	return n;
}

static void test_leaves(void **state)
{
	struct xen_cpuid_config c = { XEN_CPUID_BASE, 0x0004000e, 0x40000000, 2000000, 7 };
	struct kvm_cpuid_entry2 e[XEN_CPUID_NR_ENTRIES];
	char sig[13] = { 0 };

	(void)state;
	assert_int_equal(xen_cpuid_leaves(&c, 5, e), 0);
	assert_int_equal(e[0].function, 0x40000000);
	assert_int_equal(e[0].eax, 0x40000004); /* leaves up to base+4 */
	memcpy(sig, &e[0].ebx, 4);
	memcpy(sig + 4, &e[0].ecx, 4);
	memcpy(sig + 8, &e[0].edx, 4);
	assert_string_equal(sig, "XenVMMXenVMM");
	assert_int_equal(e[1].function, 0x40000001);
	assert_int_equal(e[1].eax, 0x0004000e); /* 4.14 */
	assert_int_equal(e[2].function, 0x40000002);
	assert_int_equal(e[2].eax, 1);          /* one hypercall page */
	assert_int_equal(e[2].ebx, 0x40000000); /* its MSR */
	assert_int_equal(e[3].function, 0x40000003);
	assert_int_equal(e[3].index, 0);
	assert_int_equal(e[3].ebx, 0);          /* TSC mode: default */
	assert_int_equal(e[3].ecx, 2000000);    /* kHz */
	assert_int_equal(e[5].index, 2);
	assert_int_equal(e[5].eax, 2000000);
	assert_true(e[3].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	assert_int_equal(e[6].function, 0x40000004);
	assert_true(e[6].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	assert_int_equal(e[6].eax, XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
				   XEN_HVM_CPUID_UPCALL_VECTOR);
	assert_int_equal(e[6].ebx, 5); /* vCPU id */
	assert_int_equal(e[6].ecx, 7); /* domain id */

	c.base = XEN_CPUID_BASE_WITH_KVM;
	assert_int_equal(xen_cpuid_leaves(&c, 0, e), 0);
	assert_int_equal(e[0].function, 0x40000100);
	assert_int_equal(e[0].eax, 0x40000104);
	assert_int_equal(e[6].function, 0x40000104);

	c.base = 0x40000200;
	assert_int_equal(xen_cpuid_leaves(&c, 0, e), -EINVAL);
	c.base = XEN_CPUID_BASE;
	c.version = 0;
	assert_int_equal(xen_cpuid_leaves(&c, 0, e), -EINVAL);
}

static struct kvm_cpuid2 *kvm_like(void)
{
	static const struct kvm_cpuid_entry2 e[] = {
		{ .function = 0, .eax = 0xd },
		{ .function = 1, .ecx = 1u << 31 },
		{ .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b },
		{ .function = 0x40000001, .eax = 0x1 | 0x8 },
		{ .function = 0x80000000, .eax = 0x80000008 },
	};
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + sizeof(e));
	c->nent = sizeof(e) / sizeof(e[0]);
	memcpy(c->entries, e, sizeof(e));
	return c;
}

static void test_apply_replaces_kvm_leaves(void **state)
{
	struct xen_cpuid_config c = { XEN_CPUID_BASE, XEN_VERSION_DEFAULT, 0x40000000, 0, 1 };
	struct kvm_cpuid2 *cpuid = kvm_like();

	(void)state;
	assert_int_equal(xen_cpuid_apply(&c, 3, &cpuid), 0);
	assert_int_equal(cpuid->nent, 3 + XEN_CPUID_NR_ENTRIES); /* 2 KVM leaves dropped */
	assert_int_equal(find(cpuid, 0x40000000, 0)->ebx, XEN_CPUID_SIGNATURE_EBX);
	assert_int_equal(find(cpuid, 0x40000001, 0)->eax, XEN_VERSION_DEFAULT);
	assert_int_equal(find(cpuid, 0x40000004, 0)->ebx, 3);
	assert_non_null(find(cpuid, 1, 0));
	assert_non_null(find(cpuid, 0x80000000, 0));
	assert_int_equal(count_fn(cpuid, 0x40000000), 1);
	/* applying twice does not duplicate */
	assert_int_equal(xen_cpuid_apply(&c, 3, &cpuid), 0);
	assert_int_equal(cpuid->nent, 3 + XEN_CPUID_NR_ENTRIES);
	free(cpuid);
}

static void test_apply_keeps_kvm_leaves(void **state)
{
	struct xen_cpuid_config c = { XEN_CPUID_BASE_WITH_KVM, XEN_VERSION_DEFAULT, 0x40000000,
				      0, 1 };
	struct kvm_cpuid2 *cpuid = kvm_like();

	(void)state;
	assert_int_equal(xen_cpuid_apply(&c, 0, &cpuid), 0);
	assert_int_equal(cpuid->nent, 5 + XEN_CPUID_NR_ENTRIES);
	assert_int_equal(find(cpuid, 0x40000000, 0)->ebx, 0x4b4d564b); /* KVM's stays */
	assert_int_equal(find(cpuid, 0x40000100, 0)->ecx, XEN_CPUID_SIGNATURE_ECX);
	assert_int_equal(find(cpuid, 0x40000102, 0)->ebx, 0x40000000);
	free(cpuid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaves),
		cmocka_unit_test(test_apply_replaces_kvm_leaves),
		cmocka_unit_test(test_apply_keeps_kvm_leaves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
