/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest side of the Xen HVM ABI, as a Xen HVM kernel does it (Linux's arch/x86/xen/
 * enlighten_hvm.c, XTF): find Xen's CPUID leaves, install the hypercall page through the
 * MSR, place shared_info, register a vcpu_info per CPU, take event-channel upcalls on a
 * vector.  The ABI structures and constants come from Xen's public headers (the same
 * src/xen/abi.h xkvm uses).
 *
 *   xen_init(vector)    detect, hypercall page, shared_info, the BSP's vcpu_info, the
 *                       upcall vector on the BSP; time from vcpu_time_info from then on
 *   xen_init_cpu()      on each AP: its vcpu_info and upcall vector
 *   xen_hypercallN()    stub N of the page with the 64-bit convention
 *   evtchn_*()          EVTCHNOP_* wrappers returning the port (>= 0) or -errno
 *
 * The upcall handler does what Linux's does (clear upcall_pending, exchange
 * pending_sel, take pending & ~mask word by word, clear each pending bit) and counts
 * events per port in xen_events[port]; a per-port hook may be installed.
 */
#ifndef GUEST_XEN_H
#define GUEST_XEN_H

#include "guest.h"
#include "xen/abi.h"

#define XEN_MAX_PORTS 4096

/* How upcalls reach the guest. */
enum xen_route {
	XEN_ROUTE_PERCPU,   /* HVMOP_set_evtchn_upcall_vector on every CPU (Linux's choice) */
	XEN_ROUTE_CALLBACK, /* HVM_PARAM_CALLBACK_IRQ, type vector: one vector, every CPU */
	XEN_ROUTE_GSI,      /* HVM_PARAM_CALLBACK_IRQ, type GSI: an IOAPIC pin, level, CPU 0 */
};
#define XEN_CALLBACK_GSI 10 /* the pin XEN_ROUTE_GSI uses */

struct xen_guest {
	u32 base;            /* CPUID base: 0x40000000 or 0x40000100 */
	u32 version;         /* base+1 EAX */
	u32 msr;             /* base+2 EBX */
	u32 hvm_flags;       /* base+4 EAX */
	u8 vector;           /* the upcall vector */
	enum xen_route route;
	struct shared_info *shinfo;
};

extern struct xen_guest xen;
extern u8 hypercall_page[4096];
extern struct shared_info xen_shared_info;
extern struct vcpu_info xen_vcpu_info[MAX_CPUS];
/* Events taken per port (back to 0 when evtchn_close() closes it), and the upcalls
 * taken per CPU. */
extern volatile u32 xen_events[XEN_MAX_PORTS];
extern volatile u32 xen_upcalls[MAX_CPUS];
/* Upcalls that found nothing to take (a level interrupt delivered twice, for one). */
extern volatile u32 xen_empty_upcalls[MAX_CPUS];
/* The CPU (APIC ID) that last took each port. */
extern volatile u32 xen_event_cpu[XEN_MAX_PORTS];
/* The Xen system time (ns) at which each port was last taken. */
extern volatile u64 xen_event_time[XEN_MAX_PORTS];
/* The CPU that takes `port` (the wrappers below keep it; a port left to its default
 * vCPU is CPU 0's). */
void xen_port_set_cpu(u32 port, u32 cpu);
typedef void (*xen_port_fn)(u32 port);
void xen_set_port_hook(u32 port, xen_port_fn fn);

/* Find Xen's leaves (0 when none) without touching anything else. */
u32 xen_cpuid_base(void);
/* The full setup on the BSP; returns 0 or a negative errno (the test fails itself on
 * anything unexpected).  `own_vcpu_info`: register xen_vcpu_info[0] instead of using the
 * shared_info slot. */
int xen_init(u8 vector, bool own_vcpu_info);
/* The same with another upcall route. */
int xen_init_route(u8 vector, bool own_vcpu_info, enum xen_route route);
/* The upcall handler's scan, callable directly (as with interrupts off). */
u32 xen_scan_events(u32 cpu);
/* A restored guest (its Xen state loaded into xkvm): the BSP takes its shared_info, its
 * own vcpu_info and the upcall vector as xen_init(vector, true) had set them, without a
 * hypercall.  The hypercall page must be written again first (guest RAM is new). */
void xen_adopt(u8 vector);
/* VCPUOP_register_vcpu_info of xen_vcpu_info[cpu]; the upcall handler uses it from then
 * on (also after -EBUSY: it was registered before).  Returns the hypercall's result. */
long xen_register_vcpu_info(u32 cpu);
/* On an AP, after xen_init on the BSP. */
void xen_init_cpu(bool own_vcpu_info);

static inline long xen_hypercall(u32 nr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	register u64 r10 __asm__("r10") = a4;
	register u64 r8 __asm__("r8") = a5;
	long ret;

	__asm__ volatile("call *%[stub]"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 : [stub] "r"(hypercall_page + nr * 32)
			 : "memory", "rcx", "r9", "r11");
	return ret;
}
#define HYPERCALL1(nr, a) xen_hypercall(__HYPERVISOR_##nr, (u64)(a), 0, 0, 0, 0)
#define HYPERCALL2(nr, a, b) xen_hypercall(__HYPERVISOR_##nr, (u64)(a), (u64)(b), 0, 0, 0)
#define HYPERCALL3(nr, a, b, c) \
	xen_hypercall(__HYPERVISOR_##nr, (u64)(a), (u64)(b), (u64)(c), 0, 0)

static inline long evtchn_op(u32 cmd, void *arg) { return HYPERCALL2(event_channel_op, cmd, arg); }
int evtchn_alloc_unbound(u16 remote);
int evtchn_bind_interdomain(u16 remote_dom, u32 remote_port);
int evtchn_bind_virq(u32 virq, u32 vcpu);
int evtchn_bind_ipi(u32 vcpu);
long evtchn_send(u32 port);
long evtchn_close(u32 port);
long evtchn_unmask(u32 port);
long evtchn_bind_vcpu(u32 port, u32 vcpu);
long evtchn_status(u32 port, struct evtchn_status *st);

/* The guest's side of the bitmaps. */
static inline bool xen_port_pending(u32 port)
{
	return __atomic_load_n(&xen.shinfo->evtchn_pending[port / 64], __ATOMIC_SEQ_CST) >>
	       (port % 64) & 1;
}
static inline void xen_mask(u32 port)
{
	__atomic_fetch_or(&xen.shinfo->evtchn_mask[port / 64], 1ull << (port % 64),
			  __ATOMIC_SEQ_CST);
}
static inline void xen_clear_mask_local(u32 port)
{
	__atomic_fetch_and(&xen.shinfo->evtchn_mask[port / 64], ~(1ull << (port % 64)),
			   __ATOMIC_SEQ_CST);
}
static inline void xen_clear_pending(u32 port)
{
	__atomic_fetch_and(&xen.shinfo->evtchn_pending[port / 64], ~(1ull << (port % 64)),
			   __ATOMIC_SEQ_CST);
}
/* This CPU's vcpu_info (registered or the shared_info slot). */
struct vcpu_info *xen_this_vcpu_info(void);

/* Xen system time from this CPU's vcpu_time_info. */
u64 xen_time_ns(void);
/* Xen system time from an explicit time info. */
u64 xen_time_from(const volatile struct vcpu_time_info *t);

/* A singleshot timer on this CPU (VCPUOP_set_singleshot_timer) at absolute time `at`. */
long xen_set_timer(u32 cpu, u64 at, u32 flags);
long xen_stop_timer(u32 cpu);

/* HVMOP_get_param / set_param on ourselves; return the value or -errno in *ret. */
long xen_hvm_get_param(u32 index, u64 *value);
long xen_hvm_set_param(u32 index, u64 value);

#endif
