/* SPDX-License-Identifier: GPL-2.0-only */
/* Hypercall dispatch and calling conventions (see hypercall.h). */
#include "xen/hypercall.h"

#include <errno.h>
#include <string.h>

#include "xen/hcall_ops.h"

typedef int64_t (*hcall_fn)(struct xen_hcall_ctx *c);

static const struct {
	const char *name;
	hcall_fn fn; /* NULL: known, not served (-ENOSYS) */
} hcalls[] = {
#define H(n, f) [__HYPERVISOR_##n] = { #n, f }
	H(set_trap_table, NULL),
	H(mmu_update, NULL),
	H(set_gdt, NULL),
	H(stack_switch, NULL),
	H(set_callbacks, NULL),
	H(fpu_taskswitch, NULL),
	H(sched_op_compat, NULL),
	H(platform_op, NULL),
	H(set_debugreg, NULL),
	H(get_debugreg, NULL),
	H(update_descriptor, NULL),
	H(memory_op, xen_hcall_memory_op),
	H(multicall, NULL),
	H(update_va_mapping, NULL),
	H(set_timer_op, xen_hcall_set_timer_op),
	H(event_channel_op_compat, NULL),
	H(xen_version, xen_hcall_xen_version),
	H(console_io, xen_hcall_console_io),
	H(physdev_op_compat, NULL),
	H(grant_table_op, NULL),
	H(vm_assist, NULL),
	H(update_va_mapping_otherdomain, NULL),
	H(iret, NULL),
	H(vcpu_op, xen_hcall_vcpu_op),
	H(set_segment_base, NULL),
	H(mmuext_op, NULL),
	H(xsm_op, NULL),
	H(nmi_op, NULL),
	H(sched_op, xen_hcall_sched_op),
	H(callback_op, NULL),
	H(xenoprof_op, NULL),
	H(event_channel_op, xen_hcall_event_channel_op),
	H(physdev_op, NULL),
	H(hvm_op, xen_hcall_hvm_op),
	H(sysctl, NULL),
	H(domctl, NULL),
	H(kexec_op, NULL),
	H(tmem_op, NULL),
	H(argo_op, NULL),
	H(xenpmu_op, NULL),
	H(dm_op, NULL),
	H(hypfs_op, NULL),
#undef H
};

#define NR_HCALLS (sizeof(hcalls) / sizeof(hcalls[0]))

const char *xen_hypercall_name(uint32_t nr)
{
	return nr < NR_HCALLS ? hcalls[nr].name : NULL;
}

int64_t xen_hypercall(struct xen_domain *x, const struct xen_hcall *hc,
		      const struct xen_guest_access *ga)
{
	struct xen_hcall_ctx c = { .x = x, .hc = hc, .ga = ga };

	atomic_fetch_add(&x->stats.hypercalls, 1);
	/* Xen refuses hypercalls from an HVM guest's user mode. */
	if (hc->cpl != 0)
		return -XEN_EPERM;
	if (hc->nr >= NR_HCALLS || !hcalls[hc->nr].fn) {
		atomic_fetch_add(&x->stats.unknown, 1);
		/* Guests probe for the ones Xen has and we do not serve; only numbers Xen
		 * does not know are worth a warning. */
		if (xen_hypercall_name(hc->nr))
			log_debug("xen: vcpu %u: hypercall %u (%s) not served", hc->vcpu, hc->nr,
				  xen_hypercall_name(hc->nr));
		else
			log_guest(&x->rl, "xen: vcpu %u: unknown hypercall %u", hc->vcpu, hc->nr);
		return -XEN_ENOSYS;
	}
	return hcalls[hc->nr].fn(&c);
}

/* ---- helpers for the handlers ---- */

int xen_copy_from_guest(const struct xen_hcall_ctx *c, uint64_t gva, void *buf, size_t len)
{
	if (!c->ga || !c->ga->read || c->ga->read(c->ga->opaque, gva, buf, len))
		return -XEN_EFAULT;
	return 0;
}

int xen_copy_to_guest(const struct xen_hcall_ctx *c, uint64_t gva, const void *buf, size_t len)
{
	if (!c->ga || !c->ga->write || c->ga->write(c->ga->opaque, gva, buf, len))
		return -XEN_EFAULT;
	return 0;
}

int xen_guest_translate(const struct xen_hcall_ctx *c, uint64_t gva, uint64_t *gpa)
{
	if (!c->ga || !c->ga->translate || c->ga->translate(c->ga->opaque, gva, gpa))
		return -XEN_EFAULT;
	return 0;
}

bool xen_is_self(const struct xen_hcall_ctx *c, domid_t dom)
{
	return dom == DOMID_SELF || dom == c->x->cfg.domid;
}

/* ---- calling conventions ---- */

void xen_hcall_from_regs(struct xen_hcall *hc, const struct kvm_regs *r, bool long_mode,
			 unsigned cpl, unsigned vcpu)
{
	memset(hc, 0, sizeof(*hc));
	hc->nr = (uint32_t)r->rax;
	hc->long_mode = long_mode;
	hc->cpl = cpl;
	hc->vcpu = vcpu;
	if (long_mode) {
		hc->arg[0] = r->rdi;
		hc->arg[1] = r->rsi;
		hc->arg[2] = r->rdx;
		hc->arg[3] = r->r10;
		hc->arg[4] = r->r8;
		hc->arg[5] = r->r9;
	} else {
		hc->arg[0] = (uint32_t)r->rbx;
		hc->arg[1] = (uint32_t)r->rcx;
		hc->arg[2] = (uint32_t)r->rdx;
		hc->arg[3] = (uint32_t)r->rsi;
		hc->arg[4] = (uint32_t)r->rdi;
		hc->arg[5] = (uint32_t)r->rbp;
	}
}

void xen_hcall_result_to_regs(struct kvm_regs *r, bool long_mode, int64_t result)
{
	/* A 32-bit caller sees EAX; the upper half of RAX is not architecturally visible
	 * to it, and is left zero as a 32-bit register write would. */
	r->rax = long_mode ? (uint64_t)result : (uint32_t)result;
}

#ifdef KVM_EXIT_XEN
void xen_hcall_from_kvm_exit(struct xen_hcall *hc, const struct kvm_xen_exit *e, unsigned vcpu)
{
	memset(hc, 0, sizeof(*hc));
	hc->nr = (uint32_t)e->u.hcall.input;
	hc->long_mode = e->u.hcall.longmode;
	hc->cpl = e->u.hcall.cpl;
	hc->vcpu = vcpu;
	for (unsigned i = 0; i < 6; i++)
		hc->arg[i] = hc->long_mode ? e->u.hcall.params[i] : (uint32_t)e->u.hcall.params[i];
}

void xen_hcall_result_to_kvm_exit(struct kvm_xen_exit *e, int64_t result)
{
	e->u.hcall.result = (uint64_t)result;
}
#endif
