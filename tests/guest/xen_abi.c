/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Xen HVM ABI from inside a guest, as a Xen HVM kernel finds it (docs/xen.md):
 * detection by CPUID (on every CPU), the hypercall-page MSR (#GP cases included), the
 * stubs, xen_version, unknown hypercalls and sub-operations, bad pointers, memory_op
 * (shared_info), hvm_op parameters and the upcall vector, vcpu_op areas and is_up.
 * Every error is checked by its Xen errno value.
 *
 * Command line: cpus=N maxcpus=M base=0x40000000|0x40000100 version=0xMMMMmmmm domid=D
 */
#include "xen.h"

#define VEC_UPCALL 0x50

static volatile u32 gp_count;

static bool has_nul(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i])
			return true;
	return false;
}
static volatile u32 ap_ok[MAX_CPUS];

static void on_gp(struct irq_frame *f)
{
	gp_count++;
	f->rip += 2; /* wrmsr / rdmsr */
}

static void wrmsr_expect_gp(u32 msr, u64 v)
{
	u32 before = gp_count;

	wrmsr(msr, v);
	GUEST_ASSERT_EQ(gp_count, before + 1);
}

/* Leaf base+4 on each CPU names that CPU. */
static void check_hvm_leaf(u32 cpu, u32 domid)
{
	u32 a, b, c, d;

	cpuid(xen_cpuid_base() + 4, 0, &a, &b, &c, &d);
	GUEST_ASSERT(a & XEN_HVM_CPUID_VCPU_ID_PRESENT);
	GUEST_ASSERT(a & XEN_HVM_CPUID_DOMID_PRESENT);
	GUEST_ASSERT(a & XEN_HVM_CPUID_UPCALL_VECTOR);
	GUEST_ASSERT_EQ(b, cpu);
	GUEST_ASSERT_EQ(c, domid);
}

static void ap_main(u32 id)
{
	check_hvm_leaf(id, (u32)cmdline_get_u64("domid", 1));
	xen_init_cpu(true);
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_is_up, id, 0), 1);
	ap_ok[id] = 1;
}

static void check_detection(u32 want_base, u32 want_version)
{
	u32 a, b, c, d;

	GUEST_ASSERT_EQ(xen_cpuid_base(), want_base);
	cpuid(want_base, 0, &a, &b, &c, &d);
	GUEST_ASSERT_EQ(a, want_base + 4);
	cpuid(want_base + 1, 0, &a, &b, &c, &d);
	GUEST_ASSERT_EQ(a, want_version);
	cpuid(want_base + 2, 0, &a, &b, &c, &d);
	GUEST_ASSERT_EQ(a, 1);
	GUEST_ASSERT_EQ(b, 0x40000000); /* the hypercall-page MSR */
	cpuid(want_base + 3, 0, &a, &b, &c, &d);
	GUEST_ASSERT(c > 100000); /* guest TSC kHz */
	cpuid(0x40000000, 0, &a, &b, &c, &d);
	if (want_base == 0x40000100)
		GUEST_ASSERT_EQ(b, 0x4b4d564b); /* KVM's leaves kept at 0x40000000 */
	else
		GUEST_ASSERT_NE(b, 0x4b4d564b);
}

/* The MSR before the page exists: #GP for a page index or memory that is not RAM. */
static void check_msr(void)
{
	irq_set_handler(13, on_gp);
	wrmsr_expect_gp(0x40000000, (u64)(uintptr_t)hypercall_page | 1);     /* index 1 */
	wrmsr_expect_gp(0x40000000, (u64)(uintptr_t)hypercall_page | 0xfff); /* index 4095 */
	wrmsr_expect_gp(0x40000000, 0xfec00000);                            /* IOAPIC, not RAM */
	wrmsr_expect_gp(0x40000000, 0x7ff000000000ull);                     /* far past RAM */
	GUEST_ASSERT_EQ(hypercall_page[0], 0);
	GUEST_ASSERT_EQ(rdmsr(0x40000000), 0);
	irq_set_handler(13, NULL);
}

/* The stubs: mov $N, %eax; out %eax, $0xe4; ret; int3 padding; ud2 for iret. */
static void check_page(void)
{
	for (u32 n = 0; n < 128; n++) {
		const u8 *s = hypercall_page + n * 32;

		if (n == __HYPERVISOR_iret) {
			GUEST_ASSERT(s[0] == 0x0f && s[1] == 0x0b);
			continue;
		}
		GUEST_ASSERT_EQ(s[0], 0xb8);
		GUEST_ASSERT_EQ(*(const u32 *)(s + 1), n);
		GUEST_ASSERT(s[5] == 0xe7 && s[6] == 0xe4 && s[7] == 0xc3);
		for (u32 i = 8; i < 32; i++)
			GUEST_ASSERT_EQ(s[i], 0xcc);
	}
}

static void check_xen_version(u32 want_version)
{
	char buf[1024];
	struct xen_feature_info fi = { .submap_idx = 0 };

	GUEST_ASSERT_EQ(HYPERCALL2(xen_version, XENVER_version, 0), want_version);
	memset(buf, 0x55, sizeof(buf));
	GUEST_ASSERT_EQ(HYPERCALL2(xen_version, XENVER_extraversion, buf), 0);
	GUEST_ASSERT(buf[0] == '.' && has_nul(buf, 16));
	GUEST_ASSERT_EQ(HYPERCALL2(xen_version, XENVER_capabilities, buf), 0);
	GUEST_ASSERT(!strncmp(buf, "hvm-3.0-x86_64", 14));
	GUEST_ASSERT_EQ(HYPERCALL2(xen_version, XENVER_get_features, &fi), 0);
	GUEST_ASSERT(fi.submap & (1u << XENFEAT_hvm_callback_vector));
	GUEST_ASSERT(fi.submap & (1u << XENFEAT_hvm_safe_pvclock));
	GUEST_ASSERT(fi.submap & (1u << XENFEAT_auto_translated_physmap));
	GUEST_ASSERT(!(fi.submap & (1u << XENFEAT_hvm_pirqs)));
	fi.submap_idx = 1;
	GUEST_ASSERT_EQ(HYPERCALL2(xen_version, XENVER_get_features, &fi), 0);
	GUEST_ASSERT_EQ(fi.submap, 0);
	GUEST_ASSERT_EQ(HYPERCALL2(xen_version, XENVER_pagesize, 0), 4096);
	GUEST_ASSERT_EQ(HYPERCALL2(xen_version, XENVER_commandline, buf), -XEN_EPERM);
	GUEST_ASSERT_EQ(HYPERCALL2(xen_version, XENVER_platform_parameters, buf), -XEN_ENOSYS);
	GUEST_ASSERT_EQ(HYPERCALL2(xen_version, 0x7fffffff, buf), -XEN_ENOSYS);
	/* 256 MiB is mapped by our page tables but is not RAM (the VM has 128 MiB);
	 * a non-canonical address is not mapped at all. */
	GUEST_ASSERT_EQ(HYPERCALL2(xen_version, XENVER_extraversion, 0x10000000), -XEN_EFAULT);
	GUEST_ASSERT_EQ(HYPERCALL2(xen_version, XENVER_get_features, 0x8000000000000000ull),
			-XEN_EFAULT);
	GUEST_ASSERT_EQ(HYPERCALL2(xen_version, XENVER_get_features, 0x7ffffff000ull),
			-XEN_EFAULT); /* beyond the 8 GiB identity map */
}

static void check_unknown(void)
{
	GUEST_ASSERT_EQ(HYPERCALL1(mmu_update, 0), -XEN_ENOSYS);
	GUEST_ASSERT_EQ(HYPERCALL1(grant_table_op, 0), -XEN_ENOSYS);
	GUEST_ASSERT_EQ(HYPERCALL1(physdev_op, 0), -XEN_ENOSYS);
	GUEST_ASSERT_EQ(xen_hypercall(127, 1, 2, 3, 4, 5), -XEN_ENOSYS);
	GUEST_ASSERT_EQ(xen_hypercall(60, 0, 0, 0, 0, 0), -XEN_ENOSYS);
	/* Subops of served hypercalls */
	GUEST_ASSERT_EQ(HYPERCALL2(memory_op, XENMEM_memory_map, 0), -XEN_ENOSYS);
	GUEST_ASSERT_EQ(HYPERCALL2(hvm_op, HVMOP_pagetable_dying, 0), -XEN_ENOSYS);
	GUEST_ASSERT_EQ(HYPERCALL2(event_channel_op, EVTCHNOP_init_control, 0), -XEN_ENOSYS);
	GUEST_ASSERT_EQ(HYPERCALL2(event_channel_op, 999, 0), -XEN_ENOSYS);
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_up, 0, 0), -XEN_ENOSYS);
	GUEST_ASSERT_EQ(HYPERCALL2(sched_op, SCHEDOP_remote_shutdown, 0), -XEN_ENOSYS);
	GUEST_ASSERT_EQ(HYPERCALL3(console_io, 77, 0, 0), -XEN_ENOSYS);
	/* The argument registers survive a hypercall, and flags do too. */
	{
		register u64 r10 __asm__("r10") = 0x1010;
		register u64 r8 __asm__("r8") = 0x0808;
		register u64 r9 __asm__("r9") = 0x0909;
		u64 rdi = 0x7fffffff, rsi = 0x5151, rdx = 0xd0d0, ret;

		__asm__ volatile("call *%[stub]"
				 : "=a"(ret), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8),
				   "+r"(r9)
				 : [stub] "r"(hypercall_page + __HYPERVISOR_xen_version * 32)
				 : "memory", "rcx", "r11");
		GUEST_ASSERT_EQ(ret, (u64)-XEN_ENOSYS);
		GUEST_ASSERT(rdi == 0x7fffffff && rsi == 0x5151 && rdx == 0xd0d0);
		GUEST_ASSERT(r10 == 0x1010 && r8 == 0x0808 && r9 == 0x0909);
	}
}

static void check_memory_op(u32 domid)
{
	struct xen_add_to_physmap a = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					.gpfn = (u64)(uintptr_t)&xen_shared_info >> 12 };

	a.idx = 1;
	GUEST_ASSERT_EQ(HYPERCALL2(memory_op, XENMEM_add_to_physmap, &a), -XEN_EINVAL);
	a.idx = 0;
	a.domid = (domid_t)(domid + 1);
	GUEST_ASSERT_EQ(HYPERCALL2(memory_op, XENMEM_add_to_physmap, &a), -XEN_ESRCH);
	a.domid = DOMID_SELF;
	a.space = XENMAPSPACE_grant_table;
	GUEST_ASSERT_EQ(HYPERCALL2(memory_op, XENMEM_add_to_physmap, &a), -XEN_ENOSYS);
	a.space = XENMAPSPACE_gmfn;
	GUEST_ASSERT_EQ(HYPERCALL2(memory_op, XENMEM_add_to_physmap, &a), -XEN_EOPNOTSUPP);
	a.space = XENMAPSPACE_gmfn_foreign;
	GUEST_ASSERT_EQ(HYPERCALL2(memory_op, XENMEM_add_to_physmap, &a), -XEN_EPERM);
	a.space = 99;
	GUEST_ASSERT_EQ(HYPERCALL2(memory_op, XENMEM_add_to_physmap, &a), -XEN_EINVAL);
	a.space = XENMAPSPACE_shared_info;
	a.gpfn = 0xfec00; /* the IOAPIC: not RAM */
	GUEST_ASSERT_EQ(HYPERCALL2(memory_op, XENMEM_add_to_physmap, &a), -XEN_EINVAL);
	GUEST_ASSERT_EQ(HYPERCALL2(memory_op, XENMEM_add_to_physmap, 0x10000000), -XEN_EFAULT);
}

static void check_shared_info(void)
{
	/* The wall clock at system time 0: after 2020, before 2100. */
	u32 v = xen_shared_info.wc_version;

	GUEST_ASSERT(!(v & 1));
	GUEST_ASSERT(xen_shared_info.wc_sec > 1577836800u && xen_shared_info.wc_sec < 4102444800u);
	GUEST_ASSERT(xen_shared_info.wc_nsec < 1000000000u);
	/* vCPU 0's slot carries its clock. */
	GUEST_ASSERT(xen_shared_info.vcpu_info[0].time.tsc_to_system_mul != 0);
	GUEST_ASSERT(!(xen_shared_info.vcpu_info[0].time.version & 1));
}

static void check_params(u32 domid)
{
	u64 v = 123;
	struct evtchn_status st;

	/* xenstore is not there: an unset parameter, read as 0 */
	GUEST_ASSERT_EQ(xen_hvm_get_param(HVM_PARAM_STORE_PFN, &v), 0);
	GUEST_ASSERT_EQ(v, 0);
	GUEST_ASSERT_EQ(xen_hvm_get_param(HVM_PARAM_STORE_EVTCHN, &v), 0);
	GUEST_ASSERT_EQ(v, 0);
	/* the PV console is */
	GUEST_ASSERT_EQ(xen_hvm_get_param(HVM_PARAM_CONSOLE_PFN, &v), 0);
	GUEST_ASSERT_EQ(v, 0xff);
	GUEST_ASSERT_EQ(xen_hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &v), 0);
	GUEST_ASSERT(v > 0 && v < 4096);
	GUEST_ASSERT_EQ(evtchn_status((u32)v, &st), 0);
	GUEST_ASSERT_EQ(st.status, EVTCHNSTAT_interdomain);
	GUEST_ASSERT_EQ(st.u.interdomain.dom, 0);
	/* permissions and ranges */
	GUEST_ASSERT_EQ(xen_hvm_set_param(HVM_PARAM_STORE_PFN, 5), -XEN_EPERM);
	GUEST_ASSERT_EQ(xen_hvm_set_param(HVM_PARAM_CONSOLE_PFN, 5), -XEN_EPERM);
	GUEST_ASSERT_EQ(xen_hvm_set_param(HVM_PARAM_ALTP2M, 1), -XEN_EEXIST);
	GUEST_ASSERT_EQ(xen_hvm_get_param(HVM_PARAM_IOREQ_PFN, &v), -XEN_EPERM);
	GUEST_ASSERT_EQ(xen_hvm_get_param(HVM_NR_PARAMS, &v), -XEN_EINVAL);
	GUEST_ASSERT_EQ(xen_hvm_set_param(0xffffffff, 0), -XEN_EINVAL);
	{
		struct xen_hvm_param p = { .domid = (domid_t)(domid + 1),
					   .index = HVM_PARAM_CALLBACK_IRQ };
		GUEST_ASSERT_EQ(HYPERCALL2(hvm_op, HVMOP_get_param, &p), -XEN_ESRCH);
		p.domid = (domid_t)domid; /* our own id is as good as DOMID_SELF */
		GUEST_ASSERT_EQ(HYPERCALL2(hvm_op, HVMOP_get_param, &p), 0);
	}
	GUEST_ASSERT_EQ(HYPERCALL2(hvm_op, HVMOP_get_param, 0x10000000), -XEN_EFAULT);
	/* a writable one round-trips */
	GUEST_ASSERT_EQ(xen_hvm_set_param(HVM_PARAM_STORE_EVTCHN, 77), 0);
	GUEST_ASSERT_EQ(xen_hvm_get_param(HVM_PARAM_STORE_EVTCHN, &v), 0);
	GUEST_ASSERT_EQ(v, 77);
	GUEST_ASSERT_EQ(xen_hvm_set_param(HVM_PARAM_STORE_EVTCHN, 0), 0);
	/* the upcall vector */
	{
		struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 0, .vector = 0x0f };
		GUEST_ASSERT_EQ(HYPERCALL2(hvm_op, HVMOP_set_evtchn_upcall_vector, &uv),
				-XEN_EINVAL);
		uv.vector = VEC_UPCALL;
		uv.vcpu = 250; /* no such vCPU */
		GUEST_ASSERT_EQ(HYPERCALL2(hvm_op, HVMOP_set_evtchn_upcall_vector, &uv),
				-XEN_ENOENT);
	}
}

static void check_vcpu_op(u32 cpus, u32 maxcpus)
{
	static struct vcpu_info spare[2] __attribute__((aligned(4096)));
	static struct vcpu_time_info time_area __attribute__((aligned(64)));
	struct vcpu_register_vcpu_info r = { .mfn = (u64)(uintptr_t)&spare[0] >> 12 };
	struct vcpu_register_time_memory_area ta;
	u64 now;

	/* vCPU 0 registered its own in xen_init: once only */
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_register_vcpu_info, 0, &r), -XEN_EBUSY);
	if (cpus < maxcpus) {
		/* a slot that exists but is not plugged */
		GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_is_up, maxcpus - 1, 0), 0);
		GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_register_vcpu_info, maxcpus - 1, &r),
				-XEN_ENOENT);
	}
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_is_up, maxcpus, 0), -XEN_ENOENT);
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_is_up, 0, 0), 1);
	/* the time area: filled at once, and agrees with vcpu_info's */
	ta.addr.v = &time_area;
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0, &ta), 0);
	GUEST_ASSERT(time_area.tsc_to_system_mul != 0 && !(time_area.version & 1));
	now = xen_time_ns();
	GUEST_ASSERT(xen_time_from(&time_area) - now < 1000000); /* within 1 ms */
	ta.addr.v = (void *)0x10000000;
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0, &ta),
			-XEN_EFAULT);
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0,
				   0x10000000), -XEN_EFAULT);
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_stop_periodic_timer, 0, 0), 0);
}

/* vcpu_info registration errors, on an AP that has not registered yet. */
static void check_vcpu_info_errors(u32 cpu)
{
	static struct vcpu_info page[64] __attribute__((aligned(4096)));
	struct vcpu_register_vcpu_info r = { .mfn = (u64)(uintptr_t)page >> 12 };

	r.offset = 4096 - 32; /* crosses the page */
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_register_vcpu_info, cpu, &r), -XEN_ENXIO);
	r.offset = 4; /* not 8-byte aligned */
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_register_vcpu_info, cpu, &r), -XEN_ENXIO);
	r.offset = 4096; /* outside the frame */
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_register_vcpu_info, cpu, &r), -XEN_EINVAL);
	r.mfn = 0xfec00; /* not RAM */
	r.offset = 0;
	GUEST_ASSERT_EQ(HYPERCALL3(vcpu_op, VCPUOP_register_vcpu_info, cpu, &r), -XEN_EINVAL);
}

int main(void)
{
	u32 cpus = (u32)cmdline_get_u64("cpus", 1);
	u32 maxcpus = (u32)cmdline_get_u64("maxcpus", cpus);
	u32 want_base = (u32)cmdline_get_u64("base", 0x40000000);
	u32 want_version = (u32)cmdline_get_u64("version", 0x4000a);
	u32 domid = (u32)cmdline_get_u64("domid", 1);

	check_detection(want_base, want_version);
	check_hvm_leaf(0, domid);
	check_msr();
	GUEST_ASSERT_EQ(xen_init(VEC_UPCALL, true), 0);
	GUEST_ASSERT_EQ(xen.base, want_base);
	check_page();
	check_shared_info();
	check_xen_version(want_version);
	check_unknown();
	check_memory_op(domid);
	check_params(domid);
	check_vcpu_op(cpus, maxcpus);
	if (cpus > 1)
		check_vcpu_info_errors(1);
	for (u32 id = 1; id < cpus; id++) {
		GUEST_ASSERT_EQ(smp_start_ap(id, ap_main, 5000), 0);
		GUEST_ASSERT(WAIT_UNTIL(ap_ok[id], 5000));
	}
	/* Re-installing the page (a guest that changes mode does) works any time. */
	wrmsr(xen.msr, (u64)(uintptr_t)hypercall_page);
	GUEST_ASSERT_EQ(HYPERCALL2(xen_version, XENVER_version, 0), want_version);
	GUEST_SYNC("xen-abi-ok", cpus, xen.base, xen.version);
	return 0;
}
