/* SPDX-License-Identifier: GPL-2.0-only */
/* Guest side of the Xen HVM ABI (see xen.h). */
#include "xen.h"

struct xen_guest xen;
u8 hypercall_page[4096] __attribute__((aligned(4096)));
struct shared_info xen_shared_info __attribute__((aligned(4096)));
struct vcpu_info xen_vcpu_info[MAX_CPUS] __attribute__((aligned(64)));
volatile u32 xen_events[XEN_MAX_PORTS];
volatile u32 xen_event_cpu[XEN_MAX_PORTS];
volatile u64 xen_event_time[XEN_MAX_PORTS];
volatile u32 xen_upcalls[MAX_CPUS];
volatile u32 xen_empty_upcalls[MAX_CPUS];
static xen_port_fn port_hook[XEN_MAX_PORTS];
/* Which CPU takes each port (what it was bound to): a CPU's scan leaves other CPUs'
 * ports pending in a word they share, as Linux's cpu_evtchn_mask does. */
static u16 port_cpu[XEN_MAX_PORTS];

void xen_port_set_cpu(u32 port, u32 cpu)
{
	if (port < XEN_MAX_PORTS)
		port_cpu[port] = (u16)cpu;
}
static struct vcpu_info *vi_of[MAX_CPUS];

void xen_set_port_hook(u32 port, xen_port_fn fn)
{
	if (port < XEN_MAX_PORTS)
		port_hook[port] = fn;
}

u32 xen_cpuid_base(void)
{
	for (u32 base = 0x40000000; base < 0x40010000; base += 0x100) {
		u32 a, b, c, d;

		cpuid(base, 0, &a, &b, &c, &d);
		if (b == XEN_CPUID_SIGNATURE_EBX && c == XEN_CPUID_SIGNATURE_ECX &&
		    d == XEN_CPUID_SIGNATURE_EDX && a >= base + 2)
			return base;
	}
	return 0;
}

struct vcpu_info *xen_this_vcpu_info(void)
{
	return vi_of[this_apic_id()];
}

u64 xen_time_from(const volatile struct vcpu_time_info *t)
{
	u32 version;
	u64 ns;

	do {
		u64 delta;

		version = t->version;
		barrier();
		delta = rdtsc() - t->tsc_timestamp;
		if (t->tsc_shift < 0)
			delta >>= -t->tsc_shift;
		else
			delta <<= t->tsc_shift;
		ns = t->system_time +
		     (u64)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
		barrier();
	} while ((version & 1) || version != t->version);
	return ns;
}

u64 xen_time_ns(void)
{
	return xen_time_from(&xen_this_vcpu_info()->time);
}

/* Linux's __xen_evtchn_do_upcall, one pass (a new edge re-injects).  Returns the events
 * taken. */
u32 xen_scan_events(u32 cpu)
{
	struct vcpu_info *vi = vi_of[cpu];
	u32 taken = 0;
	u64 sel;

	__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned w = (unsigned)__builtin_ctzll(sel);
		u64 bits;

		sel &= sel - 1;
		bits = __atomic_load_n(&xen.shinfo->evtchn_pending[w], __ATOMIC_SEQ_CST) &
		       ~__atomic_load_n(&xen.shinfo->evtchn_mask[w], __ATOMIC_SEQ_CST);
		while (bits) {
			u32 port = w * 64 + (u32)__builtin_ctzll(bits);

			bits &= bits - 1;
			if (port_cpu[port] != cpu)
				continue; /* another CPU's: its own scan takes it */
			xen_clear_pending(port);
			xen_event_cpu[port] = cpu;
			xen_event_time[port] = xen_time_from(&vi->time);
			xen_events[port]++;
			taken++;
			if (port_hook[port])
				port_hook[port](port);
		}
	}
	return taken;
}

static void upcall(struct irq_frame *f)
{
	u32 cpu = this_apic_id();

	(void)f;
	xen_upcalls[cpu]++;
	if (!xen_scan_events(cpu))
		xen_empty_upcalls[cpu]++;
	lapic_eoi(); /* also the IOAPIC's EOI for a level GSI */
}

static void set_upcall_vector(u32 cpu)
{
	struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = cpu, .vector = xen.vector };

	if (xen.route == XEN_ROUTE_PERCPU)
		GUEST_ASSERT_EQ(HYPERCALL2(hvm_op, HVMOP_set_evtchn_upcall_vector, &uv), 0);
}

long xen_register_vcpu_info(u32 cpu)
{
	struct vcpu_register_vcpu_info r = {
		.mfn = (u64)(uintptr_t)&xen_vcpu_info[cpu] >> 12,
		.offset = (u32)((uintptr_t)&xen_vcpu_info[cpu] & 0xfff),
	};
	long ret = HYPERCALL3(vcpu_op, VCPUOP_register_vcpu_info, cpu, &r);

	/* -EBUSY: registered before (a CPU plugged again); the area is the same one. */
	if (!ret || ret == -XEN_EBUSY)
		vi_of[cpu] = &xen_vcpu_info[cpu];
	return ret;
}

static void register_vcpu_info(u32 cpu)
{
	GUEST_ASSERT_EQ(xen_register_vcpu_info(cpu), 0);
}

int xen_init(u8 vector, bool own_vcpu_info)
{
	return xen_init_route(vector, own_vcpu_info, XEN_ROUTE_PERCPU);
}

int xen_init_route(u8 vector, bool own_vcpu_info, enum xen_route route)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_shared_info,
		.idx = 0,
		.gpfn = (u64)(uintptr_t)&xen_shared_info >> 12,
	};
	u32 a, b, c, d, cpu = this_apic_id();

	xen.base = xen_cpuid_base();
	if (!xen.base)
		return -1;
	cpuid(xen.base + 1, 0, &a, &b, &c, &d);
	xen.version = a;
	cpuid(xen.base + 2, 0, &a, &b, &c, &d);
	GUEST_ASSERT_EQ(a, 1); /* one hypercall page */
	xen.msr = b;
	cpuid(xen.base, 0, &a, &b, &c, &d);
	if (a >= xen.base + 4) {
		cpuid(xen.base + 4, 0, &a, &b, &c, &d);
		xen.hvm_flags = a;
	}
	wrmsr(xen.msr, (u64)(uintptr_t)hypercall_page);
	GUEST_ASSERT_EQ(hypercall_page[0], 0xb8); /* mov $0, %eax: the page is there */

	GUEST_ASSERT_EQ(HYPERCALL2(memory_op, XENMEM_add_to_physmap, &xatp), 0);
	xen.shinfo = &xen_shared_info;
	for (u32 i = 0; i < MAX_CPUS && i < XEN_LEGACY_MAX_VCPUS; i++)
		vi_of[i] = &xen_shared_info.vcpu_info[i];
	if (own_vcpu_info)
		register_vcpu_info(cpu);
	xen.vector = vector;
	xen.route = route;
	irq_set_handler(vector, upcall);
	lapic_enable();
	set_upcall_vector(cpu);
	if (route == XEN_ROUTE_CALLBACK) {
		u64 cb = (u64)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56 | vector;

		GUEST_ASSERT_EQ(xen_hvm_set_param(HVM_PARAM_CALLBACK_IRQ, cb), 0);
	} else if (route == XEN_ROUTE_GSI) {
		pic_mask_all();
		ioapic_route(XEN_CALLBACK_GSI, vector, cpu, true, false);
		GUEST_ASSERT_EQ(xen_hvm_set_param(HVM_PARAM_CALLBACK_IRQ, XEN_CALLBACK_GSI), 0);
	}
	/* The guest library's clock is kvmclock; with KVM's leaves hidden, the same pvclock
	 * data comes from Xen's vcpu_time_info. */
	kvmclock_use_area(&vi_of[cpu]->time);
	return 0;
}

void xen_adopt(u8 vector)
{
	u32 cpu = this_apic_id();

	xen.shinfo = &xen_shared_info;
	for (u32 i = 0; i < MAX_CPUS && i < XEN_LEGACY_MAX_VCPUS; i++)
		vi_of[i] = &xen_shared_info.vcpu_info[i];
	vi_of[cpu] = &xen_vcpu_info[cpu];
	xen.vector = vector;
	xen.route = XEN_ROUTE_PERCPU;
	irq_set_handler(vector, upcall);
	lapic_enable();
	kvmclock_use_area(&vi_of[cpu]->time);
}

void xen_init_cpu(bool own_vcpu_info)
{
	u32 cpu = this_apic_id();

	if (own_vcpu_info || cpu >= XEN_LEGACY_MAX_VCPUS)
		register_vcpu_info(cpu);
	set_upcall_vector(cpu);
}

/* ---- event channels ---- */

int evtchn_alloc_unbound(u16 remote)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
	long r = evtchn_op(EVTCHNOP_alloc_unbound, &a);

	return r ? (int)r : (int)a.port;
}

int evtchn_bind_interdomain(u16 remote_dom, u32 remote_port)
{
	struct evtchn_bind_interdomain b = { .remote_dom = remote_dom, .remote_port = remote_port };
	long r = evtchn_op(EVTCHNOP_bind_interdomain, &b);

	return r ? (int)r : (int)b.local_port;
}

int evtchn_bind_virq(u32 virq, u32 vcpu)
{
	struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
	long r = evtchn_op(EVTCHNOP_bind_virq, &b);

	if (r)
		return (int)r;
	xen_port_set_cpu(b.port, vcpu);
	return (int)b.port;
}

int evtchn_bind_ipi(u32 vcpu)
{
	struct evtchn_bind_ipi b = { .vcpu = vcpu };
	long r = evtchn_op(EVTCHNOP_bind_ipi, &b);

	if (r)
		return (int)r;
	xen_port_set_cpu(b.port, vcpu);
	return (int)b.port;
}

long evtchn_send(u32 port)
{
	struct evtchn_send s = { .port = port };

	return evtchn_op(EVTCHNOP_send, &s);
}

long evtchn_close(u32 port)
{
	struct evtchn_close c = { .port = port };
	long r = evtchn_op(EVTCHNOP_close, &c);

	if (!r && port < XEN_MAX_PORTS) {
		xen_events[port] = 0; /* the number's next binding counts from 0 */
		port_cpu[port] = 0;
	}
	return r;
}

long evtchn_unmask(u32 port)
{
	struct evtchn_unmask u = { .port = port };

	return evtchn_op(EVTCHNOP_unmask, &u);
}

long evtchn_bind_vcpu(u32 port, u32 vcpu)
{
	struct evtchn_bind_vcpu b = { .port = port, .vcpu = vcpu };
	long r = evtchn_op(EVTCHNOP_bind_vcpu, &b);

	if (!r)
		xen_port_set_cpu(port, vcpu);
	return r;
}

long evtchn_status(u32 port, struct evtchn_status *st)
{
	memset(st, 0, sizeof(*st));
	st->dom = DOMID_SELF;
	st->port = port;
	return evtchn_op(EVTCHNOP_status, st);
}

/* ---- timers and parameters ---- */

long xen_set_timer(u32 cpu, u64 at, u32 flags)
{
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = at, .flags = flags };

	return HYPERCALL3(vcpu_op, VCPUOP_set_singleshot_timer, cpu, &t);
}

long xen_stop_timer(u32 cpu)
{
	return HYPERCALL3(vcpu_op, VCPUOP_stop_singleshot_timer, cpu, 0);
}

long xen_hvm_get_param(u32 index, u64 *value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
	long r = HYPERCALL2(hvm_op, HVMOP_get_param, &p);

	if (!r)
		*value = p.value;
	return r;
}

long xen_hvm_set_param(u32 index, u64 value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index, .value = value };

	return HYPERCALL2(hvm_op, HVMOP_set_param, &p);
}
