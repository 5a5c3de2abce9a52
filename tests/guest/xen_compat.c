/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The 32-bit calling convention from inside a guest: hypercalls made from compatibility
 * mode (a 32-bit code segment in long mode), arguments in EBX ECX EDX ESI EDI, the result
 * in EAX; the compat structures (xen_add_to_physmap, vcpu_set_singleshot_timer,
 * sched_poll), set_timer_op's 64-bit timeout in two registers; and the 2-level layout a
 * 32-bit guest gets (latched when the MSR is written from 32-bit code): 32-bit pending
 * words, the selector at vcpu_info+4, 1024 ports.
 *
 * (KVM-PVM cannot run a 32-bit guest past its entry, but it runs compatibility-mode code
 * under a 64-bit kernel, which is what this needs.)
 */
#include "xen.h"

#define VEC_UPCALL 0x50
#define SEL_CODE32 0x18

/* Our own GDT: the library's three entries and a 32-bit code segment. */
static u64 gdt[4] __attribute__((aligned(16))) = {
	0, 0x00af9a000000ffffull, 0x00cf92000000ffffull, 0x00cf9a000000ffffull,
};

struct compat_args {
	u32 stub, ebx, ecx, edx, esi, edi;
};

/* Calls `a->stub` from compatibility mode; returns EAX (zero-extended). */
u64 compat_call(const struct compat_args *a);
/* WRMSR from compatibility mode. */
void compat_wrmsr(u32 msr, u32 lo, u32 hi);
__asm__(
	".text\n"
	".globl compat_call\n"
	"compat_call:\n"
	"	push %rbx\n	push %rbp\n	push %r12\n	push %r13\n	push %r14\n	push %r15\n"
	"	mov %rsp, compat_rsp(%rip)\n"
	"	mov 0(%rdi), %eax\n"
	"	mov 4(%rdi), %ebx\n"
	"	mov 8(%rdi), %ecx\n"
	"	mov 12(%rdi), %edx\n"
	"	mov 16(%rdi), %esi\n"
	"	mov 20(%rdi), %edi\n"
	"	pushq $" "0x18" "\n"
	"	lea 1f(%rip), %rbp\n"
	"	pushq %rbp\n"
	"	lretq\n"
	".code32\n"
	"1:	call *%eax\n"
	"	pushl $0x08\n"
	"	pushl $2f\n"
	"	lretl\n"
	".code64\n"
	"2:	mov compat_rsp(%rip), %rsp\n"
	"	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n	pop %rbp\n	pop %rbx\n"
	"	movl %eax, %eax\n"
	"	ret\n"
	".globl compat_wrmsr\n"
	"compat_wrmsr:\n"
	"	push %rbx\n	push %rbp\n"
	"	mov %rsp, compat_rsp(%rip)\n"
	"	mov %edi, %ecx\n"
	"	mov %esi, %eax\n"
	"	pushq $0x18\n"
	"	lea 3f(%rip), %rbp\n"
	"	pushq %rbp\n"
	"	lretq\n"
	".code32\n"
	"3:	wrmsr\n"
	"	pushl $0x08\n"
	"	pushl $4f\n"
	"	lretl\n"
	".code64\n"
	"4:	mov compat_rsp(%rip), %rsp\n"
	"	pop %rbp\n	pop %rbx\n"
	"	ret\n"
	".data\n"
	"compat_rsp: .quad 0\n"
	".text\n");

static u64 call32(u32 nr, u32 ebx, u32 ecx, u32 edx, u32 esi, u32 edi)
{
	struct compat_args a = { (u32)(uintptr_t)(hypercall_page + nr * 32), ebx, ecx, edx, esi,
				 edi };

	return compat_call(&a);
}

#define ERR32(e) ((u64)(u32)-(e)) /* a negative errno as a 32-bit caller sees EAX */

/* Layout of a 32-bit guest's shared_info and vcpu_info (Xen's foreign headers). */
static bool pending32(u32 port)
{
	const struct shared_info_x86_32 *s = (const void *)&xen_shared_info;

	return __atomic_load_n(&s->evtchn_pending[port / 32], __ATOMIC_SEQ_CST) >> (port % 32) & 1;
}

int main(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) d = { sizeof(gdt) - 1, (u64)(uintptr_t)gdt };
	static struct xen_feature_info fi;
	static struct evtchn_bind_ipi bi;
	static struct evtchn_send es;
	static struct xen_add_to_physmap_compat xatp;
	static struct { u64 timeout; u32 flags; } __attribute__((packed)) sst;
	static struct sched_poll_compat sp;
	static u32 poll_ports[2];
	u32 version = (u32)cmdline_get_u64("version", 0x4000a), port, timer;
	u64 at;

	__asm__ volatile("lgdt %0" :: "m"(d));
	GUEST_ASSERT_EQ(xen_init(VEC_UPCALL, true), 0);
	timer = (u32)evtchn_bind_virq(VIRQ_TIMER, 0);

	/* the convention: number from the stub, arguments in EBX ECX ..., result in EAX */
	GUEST_ASSERT_EQ(call32(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0), version);
	GUEST_ASSERT_EQ(call32(__HYPERVISOR_xen_version, XENVER_get_features,
			       (u32)(uintptr_t)&fi, 0, 0, 0), 0);
	GUEST_ASSERT(fi.submap & (1u << XENFEAT_hvm_callback_vector));
	GUEST_ASSERT_EQ(call32(__HYPERVISOR_mmu_update, 0, 0, 0, 0, 0), ERR32(XEN_ENOSYS));
	/* a pointer past 4 GiB cannot be named by a 32-bit caller: 0xfffff000 is not RAM */
	GUEST_ASSERT_EQ(call32(__HYPERVISOR_xen_version, XENVER_get_features, 0xfffff000, 0, 0,
			       0), ERR32(XEN_EFAULT));
	/* event channels: the structures have one shape for both */
	bi.vcpu = 0;
	GUEST_ASSERT_EQ(call32(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi,
			       (u32)(uintptr_t)&bi, 0, 0, 0), 0);
	port = bi.port;
	es.port = port;
	GUEST_ASSERT_EQ(call32(__HYPERVISOR_event_channel_op, EVTCHNOP_send,
			       (u32)(uintptr_t)&es, 0, 0, 0), 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[port] == 1, 2000));
	/* compat structures */
	xatp = (struct xen_add_to_physmap_compat){
		.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
		.gpfn = (u32)((uintptr_t)&xen_shared_info >> 12),
	};
	GUEST_ASSERT_EQ(call32(__HYPERVISOR_memory_op, XENMEM_add_to_physmap,
			       (u32)(uintptr_t)&xatp, 0, 0, 0), 0);
	xatp.idx = 1;
	GUEST_ASSERT_EQ(call32(__HYPERVISOR_memory_op, XENMEM_add_to_physmap,
			       (u32)(uintptr_t)&xatp, 0, 0, 0), ERR32(XEN_EINVAL));
	at = xen_time_ns() + 3000000;
	sst.timeout = at;
	GUEST_ASSERT_EQ(call32(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0,
			       (u32)(uintptr_t)&sst, 0, 0), 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[timer] == 1, 2000));
	GUEST_ASSERT(xen_event_time[timer] >= at);
	/* set_timer_op: the 64-bit deadline in EBX (low) and ECX (high) */
	at = xen_time_ns() + 3000000;
	GUEST_ASSERT_EQ(call32(__HYPERVISOR_set_timer_op, (u32)at, (u32)(at >> 32), 0, 0, 0), 0);
	GUEST_ASSERT(WAIT_UNTIL(xen_events[timer] == 2, 2000));
	GUEST_ASSERT(xen_event_time[timer] >= at);
	/* sched_poll, compat shape: a pending port returns at once; 129 ports is -EINVAL */
	xen_mask(port);
	es.port = port;
	GUEST_ASSERT_EQ(call32(__HYPERVISOR_event_channel_op, EVTCHNOP_send,
			       (u32)(uintptr_t)&es, 0, 0, 0), 0);
	poll_ports[0] = port;
	at = xen_time_ns() + 5000000000ull;
	sp = (struct sched_poll_compat){ .ports = (u32)(uintptr_t)poll_ports, .nr_ports = 1,
					 .timeout_lo = (u32)at, .timeout_hi = (u32)(at >> 32) };
	at = xen_time_ns();
	GUEST_ASSERT_EQ(call32(__HYPERVISOR_sched_op, SCHEDOP_poll, (u32)(uintptr_t)&sp, 0, 0, 0),
			0);
	GUEST_ASSERT(xen_time_ns() - at < 1000000000ull);
	sp.nr_ports = 129;
	GUEST_ASSERT_EQ(call32(__HYPERVISOR_sched_op, SCHEDOP_poll, (u32)(uintptr_t)&sp, 0, 0, 0),
			ERR32(XEN_EINVAL));
	xen_clear_pending(port);
	xen_clear_mask_local(port);

	/* The MSR written from 32-bit code latches the 32-bit layout: 32-bit pending words,
	 * the selector at vcpu_info+4, 1024 ports. */
	cli();
	compat_wrmsr(xen.msr, (u32)(uintptr_t)hypercall_page, 0);
	{
		struct vcpu_info_x86_32 *vi = (void *)xen_this_vcpu_info();
		struct evtchn_status st;
		u32 p2;

		memset(xen_shared_info.evtchn_pending, 0, sizeof(xen_shared_info.evtchn_pending));
		vi->evtchn_upcall_pending = 0;
		vi->evtchn_pending_sel = 0;
		bi.vcpu = 0;
		GUEST_ASSERT_EQ(call32(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi,
				       (u32)(uintptr_t)&bi, 0, 0, 0), 0);
		p2 = bi.port;
		es.port = p2;
		GUEST_ASSERT_EQ(call32(__HYPERVISOR_event_channel_op, EVTCHNOP_send,
				       (u32)(uintptr_t)&es, 0, 0, 0), 0);
		GUEST_ASSERT(pending32(p2));
		GUEST_ASSERT_EQ(vi->evtchn_pending_sel, 1u << (p2 / 32));
		GUEST_ASSERT_EQ(vi->evtchn_upcall_pending, 1);
		/* 1024 ports: status of port 1024 is out of range */
		GUEST_ASSERT_EQ(evtchn_status(1024, &st), -XEN_EINVAL);
		GUEST_ASSERT_EQ(evtchn_status(1023, &st), 0);
		/* back to the 64-bit layout for the library's handler */
		vi->evtchn_upcall_pending = 0;
		vi->evtchn_pending_sel = 0;
		xen_clear_pending(p2);
		wrmsr(xen.msr, (u64)(uintptr_t)hypercall_page);
		GUEST_ASSERT_EQ(evtchn_status(1024, &st), 0);
		GUEST_ASSERT_EQ(evtchn_send(p2), 0);
		GUEST_ASSERT(WAIT_UNTIL(xen_events[p2] == 1, 2000));
	}
	GUEST_SYNC("xen-compat-ok", version);
	return 0;
}
