/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Register state: the BSP at the kernel entry (PVH: 32-bit flat protected mode, EBX =
 * hvm_start_info; Linux: long mode, identity paging, RSI = boot_params), the per-vCPU
 * MSRs and LAPIC LINT setup, and architectural reset.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arch/x86/layout.h"
#include "vcpu/vcpu.h"
#include "vm/vm.h"

#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102

#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_MODE_EXTINT 0x700
#define APIC_MODE_NMI 0x400

static struct kvm_segment seg(uint16_t sel, uint8_t type, bool l, bool db)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type, .present = 1,
		.dpl = 0, .db = db, .s = 1, .l = l, .g = 1,
	};
}

int vcpu_setup_boot_regs(struct vcpu *v)
{
	const struct boot_info *b = &v->vm->boot;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };

	v->run->kvm_dirty_regs = 0; /* an exit handler's pending write is void now */
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.gdt.base = LAYOUT_GDT;
	sregs.gdt.limit = 6 * 8 - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.tr = (struct kvm_segment){ .base = 0, .limit = 0xffff, .selector = 0x28, .type = 11,
					 .present = 1, .s = 0 };
	sregs.ldt = (struct kvm_segment){ .selector = 0, .type = 2, .present = 1, .limit = 0xffff };
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = seg(0x18, 3, false, true);
	regs.rflags = 2;
	regs.rip = b->entry;

	if (b->mode == BOOT_PVH32) {
		sregs.cs = seg(0x20, 11, false, true);
		sregs.cr0 = 0x11; /* PE | ET */
		sregs.cr3 = 0;
		sregs.cr4 = 0;
		sregs.efer = 0;
		regs.rbx = b->info_gpa;
	} else {
		sregs.cs = seg(0x10, 11, true, false);
		sregs.cr0 = 0x80050033; /* PG | AM | WP | NE | ET | MP | PE */
		sregs.cr3 = LAYOUT_PML4;
		sregs.cr4 = 0x20;       /* PAE */
		sregs.efer = 0x500;     /* LMA | LME */
		regs.rsi = b->info_gpa;
	}
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}

static int vcpu_set_msrs(struct vcpu *v)
{
	static const struct { uint32_t idx; uint64_t val; } init[] = {
		{ MSR_IA32_MISC_ENABLE, 1 },  /* fast strings */
		{ MSR_MTRR_DEF_TYPE, 0x806 }, /* MTRRs enabled, default write-back */
		{ MSR_IA32_SYSENTER_CS, 0 },
		{ MSR_STAR, 0 }, { MSR_LSTAR, 0 }, { MSR_CSTAR, 0 }, { MSR_SYSCALL_MASK, 0 },
		{ MSR_KERNEL_GS_BASE, 0 },
	};
	const unsigned n = sizeof(init) / sizeof(init[0]);
	struct kvm_msrs *m = calloc(1, sizeof(*m) + n * sizeof(m->entries[0]));
	int ret;

	if (!m)
		return -ENOMEM;
	m->nmsrs = n;
	for (unsigned i = 0; i < n; i++) {
		m->entries[i].index = init[i].idx;
		m->entries[i].data = init[i].val;
	}
	ret = ioctl(v->fd, KVM_SET_MSRS, m);
	free(m);
	if (ret < 0)
		return -errno;
	return ret == (int)n ? 0 : -EINVAL;
}

/* LINT0 = ExtINT, LINT1 = NMI, as firmware leaves them.  The GET+SET round trip also makes
 * KVM rebuild its APIC map, which a vCPU created while the VM runs needs before it can
 * take INIT/SIPI on KVM-PVM (cpu-hotplug.md §3.5). */
static int vcpu_set_lint(struct vcpu *v)
{
	struct kvm_lapic_state lapic;
	uint32_t *lint0 = (uint32_t *)&lapic.regs[APIC_LVT_LINT0];
	uint32_t *lint1 = (uint32_t *)&lapic.regs[APIC_LVT_LINT1];

	if (ioctl(v->fd, KVM_GET_LAPIC, &lapic) < 0)
		return -errno;
	*lint0 = (*lint0 & ~0x700u) | APIC_MODE_EXTINT;
	*lint1 = (*lint1 & ~0x700u) | APIC_MODE_NMI;
	if (ioctl(v->fd, KVM_SET_LAPIC, &lapic) < 0)
		return -errno;
	return 0;
}

int vcpu_configure(struct vcpu *v)
{
	int ret;

	if (ioctl(v->fd, KVM_SET_CPUID2, v->cpuid) < 0)
		return -errno;
	if ((ret = vcpu_set_msrs(v)) < 0)
		return ret;
	if ((ret = vcpu_set_lint(v)) < 0)
		return ret;
	if (ioctl(v->fd, KVM_GET_LAPIC, v->pristine_lapic) < 0)
		return -errno;
	return 0;
}

int vcpu_reset(struct vcpu *v, bool bsp)
{
	struct kvm_mp_state mp = { .mp_state = bsp ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED };
	struct kvm_vcpu_events ev;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rflags = 2, .rip = 0xfff0, .rdx = 0x600 };
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

	/* A register write an exit handler left in kvm_run (KVM_SYNC_X86_REGS, applied at
	 * the next KVM_RUN) must not land on top of the reset state. */
	v->run->kvm_dirty_regs = 0;
	int ret;

	/* Nothing pending: no stale exception, NMI or SIPI survives the reset. */
	memset(&ev, 0, sizeof(ev));
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |
		   KVM_VCPUEVENT_VALID_SHADOW;
	if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
		return -errno;

	/* The reset state of the architecture (SDM 9.1.1): real mode at F000:FFF0. */
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	memset(&sregs.cs, 0, sizeof(sregs.cs));
	sregs.cs = (struct kvm_segment){ .base = 0xffff0000, .limit = 0xffff, .selector = 0xf000,
					 .type = 11, .present = 1, .s = 1 };
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss =
		(struct kvm_segment){ .limit = 0xffff, .type = 3, .present = 1, .s = 1 };
	sregs.tr = (struct kvm_segment){ .limit = 0xffff, .type = 11, .present = 1 };
	sregs.ldt = (struct kvm_segment){ .limit = 0xffff, .type = 2, .present = 1 };
	sregs.gdt.base = sregs.idt.base = 0;
	sregs.gdt.limit = sregs.idt.limit = 0xffff;
	sregs.cr0 = 0x60000010;
	sregs.cr2 = sregs.cr3 = sregs.cr4 = 0;
	sregs.efer = 0;
	sregs.apic_base = LAYOUT_LAPIC | (1 << 11) | (bsp ? 1 << 8 : 0);
	memset(sregs.interrupt_bitmap, 0, sizeof(sregs.interrupt_bitmap));
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(v->fd, KVM_SET_REGS, &regs) < 0 ||
	    ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		return -errno;
	if ((ret = vcpu_set_msrs(v)) < 0)
		return ret;
	/* The LAPIC as it was at creation (IRR/ISR empty, LINTs set), so a parked vCPU's stale
	 * IPI cannot make KVM_RUN spin (cpu-hotplug.md §3.5).  Also rebuilds KVM's APIC map. */
	if (ioctl(v->fd, KVM_SET_LAPIC, v->pristine_lapic) < 0)
		return -errno;
	if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
		return -errno;
	return 0;
}
