/* SPDX-License-Identifier: GPL-2.0-only */
/* Xen CPUID leaves (see cpuid.h). */
#include "xen/cpuid.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xen/abi.h"

static struct kvm_cpuid_entry2 leaf(uint32_t function, uint32_t index, uint32_t flags,
				    uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	return (struct kvm_cpuid_entry2){
		.function = function, .index = index, .flags = flags,
		.eax = eax, .ebx = ebx, .ecx = ecx, .edx = edx,
	};
}

int xen_cpuid_leaves(const struct xen_cpuid_config *c, uint32_t vcpu_id,
		     struct kvm_cpuid_entry2 out[XEN_CPUID_NR_ENTRIES])
{
	const uint32_t b = c->base, sig = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	const uint32_t hvm = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
			     XEN_HVM_CPUID_UPCALL_VECTOR;

	if ((b != XEN_CPUID_BASE && b != XEN_CPUID_BASE_WITH_KVM) || c->version == 0)
		return -EINVAL;
	out[0] = leaf(b + 0, 0, 0, b + 4, XEN_CPUID_SIGNATURE_EBX, XEN_CPUID_SIGNATURE_ECX,
		      XEN_CPUID_SIGNATURE_EDX);
	out[1] = leaf(b + 1, 0, 0, c->version, 0, 0, 0);
	out[2] = leaf(b + 2, 0, 0, 1, c->hypercall_msr, 0, 0);
	/* Time: TSC mode 0 (default), guest TSC kHz, incarnation 0; no offset/scale
	 * advertised (subleaf 1), host TSC kHz (subleaf 2). */
	out[3] = leaf(b + 3, 0, sig, 0, 0, c->tsc_khz, 0);
	out[4] = leaf(b + 3, 1, sig, 0, 0, 0, 0);
	out[5] = leaf(b + 3, 2, sig, c->tsc_khz, 0, 0, 0);
	out[6] = leaf(b + 4, 0, sig, hvm, vcpu_id, c->domid, 0);
	return 0;
}

int xen_cpuid_apply(const struct xen_cpuid_config *c, uint32_t vcpu_id,
		    struct kvm_cpuid2 **cpuid)
{
	struct kvm_cpuid_entry2 x[XEN_CPUID_NR_ENTRIES];
	struct kvm_cpuid2 *in = *cpuid, *out;
	unsigned n = 0;
	int ret;

	if ((ret = xen_cpuid_leaves(c, vcpu_id, x)))
		return ret;
	out = calloc(1, sizeof(*out) + (in->nent + XEN_CPUID_NR_ENTRIES) * sizeof(x[0]));
	if (!out)
		return -ENOMEM;
	for (unsigned i = 0; i < in->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &in->entries[i];
		bool drop = false;

		if (c->base == XEN_CPUID_BASE && e->function >= XEN_CPUID_BASE &&
		    e->function < XEN_CPUID_BASE + 0x100)
			drop = true; /* KVM's leaves give way to Xen's */
		for (unsigned j = 0; j < XEN_CPUID_NR_ENTRIES; j++)
			if (e->function == x[j].function && e->index == x[j].index)
				drop = true;
		if (!drop)
			out->entries[n++] = *e;
	}
	for (unsigned j = 0; j < XEN_CPUID_NR_ENTRIES; j++)
		out->entries[n++] = x[j];
	out->nent = n;
	free(in);
	*cpuid = out;
	return 0;
}
