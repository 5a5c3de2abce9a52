/* SPDX-License-Identifier: GPL-2.0-only */
/* Time from kvmclock (the pvclock ABI, Documentation/virt/kvm/x86/msr.rst). */
#include "guest.h"

#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)

struct pvclock_vcpu_time_info {
	u32 version;
	u32 pad0;
	u64 tsc_timestamp;
	u64 system_time;
	u32 tsc_to_system_mul;
	int8_t tsc_shift;
	u8 flags;
	u8 pad[2];
} __attribute__((packed));

/* One area, written by KVM for the BSP; with a stable TSC it serves every CPU. */
static volatile struct pvclock_vcpu_time_info own_pvti __attribute__((aligned(64)));
static volatile struct pvclock_vcpu_time_info *pvti = &own_pvti;
static bool available;

bool kvmclock_available(void)
{
	return available;
}

void kvmclock_use_area(const volatile void *area)
{
	pvti = (volatile struct pvclock_vcpu_time_info *)area;
	available = true;
}

void kvmclock_init_cpu(void)
{
	u32 a, b, c, d, base;

	if (available)
		return;
	/* KVM's leaves are at 0x40000000, or at a later 0x100 step when another
	 * hypervisor interface (Xen's) comes first. */
	for (base = 0x40000000; base < 0x40010000; base += 0x100) {
		cpuid(base, 0, &a, &b, &c, &d);
		if (b == 0x4b4d564b && c == 0x564b4d56 && d == 0x4d) /* "KVMKVMKVM\0\0\0" */
			break;
	}
	if (base == 0x40010000)
		return;
	cpuid(base + 1, 0, &a, &b, &c, &d);
	if (!(a & KVM_FEATURE_CLOCKSOURCE2))
		return;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (u64)(uintptr_t)&own_pvti | 1);
	available = true;
}

u64 kvmclock_ns(void)
{
	u32 version;
	u64 ns;

	if (!available) {
		kvmclock_init_cpu();
		if (!available)
			return rdtsc() / 2; /* a crude fallback: ~2 GHz */
	}
	do {
		u64 delta;
		version = pvti->version;
		barrier();
		delta = rdtsc() - pvti->tsc_timestamp;
		if (pvti->tsc_shift < 0)
			delta >>= -pvti->tsc_shift;
		else
			delta <<= pvti->tsc_shift;
		ns = pvti->system_time +
		     (u64)(((unsigned __int128)delta * pvti->tsc_to_system_mul) >> 32);
		barrier();
	} while ((version & 1) || version != pvti->version);
	return ns;
}

void udelay(u64 us)
{
	u64 end = kvmclock_ns() + us * 1000;

	while (kvmclock_ns() < end)
		cpu_relax();
}

void mdelay(u64 ms)
{
	udelay(ms * 1000);
}

u64 kvmclock_tsc_khz(void)
{
	u64 khz;

	if (!available || !pvti->tsc_to_system_mul)
		return 0;
	/* ns = (tsc << shift) * mul >> 32, so Hz = 10^9 * 2^32 / mul / 2^shift. */
	khz = (u64)((1000000ull << 32) / pvti->tsc_to_system_mul);
	return pvti->tsc_shift < 0 ? khz << -pvti->tsc_shift : khz >> pvti->tsc_shift;
}
