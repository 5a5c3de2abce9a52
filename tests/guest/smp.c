/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * APs brought up as an OS does: INIT + SIPI through the BSP's LAPIC, a real-mode
 * trampoline, long mode, then each AP checks its own identity, takes a fixed IPI from the
 * BSP and answers with one back.  A slot that has no vCPU (cpus < maxcpus) must not
 * answer: the bring-up times out and nothing hangs.
 *
 * Command line: cpus=N maxcpus=M
 */
#include "guest.h"

#define VEC_PING 0x40
#define VEC_PONG 0x41

static volatile u32 pinged[MAX_CPUS];
static volatile u32 ponged[MAX_CPUS];
static volatile u32 checked_in;

static void on_ping(struct irq_frame *f)
{
	u32 id = this_apic_id();

	(void)f;
	pinged[id]++;
	lapic_eoi();
	lapic_send_ipi(0, VEC_PONG); /* fixed, physical, to the BSP */
}

static void on_pong(struct irq_frame *f)
{
	(void)f;
	lapic_eoi();
}

static void ap_main(u32 id)
{
	u32 a, b, c, d;

	/* Our identity three ways: CPUID's initial APIC ID, the x2APIC leaf, the LAPIC. */
	cpuid(1, 0, &a, &b, &c, &d);
	GUEST_ASSERT_EQ(b >> 24, id);
	GUEST_ASSERT_EQ(lapic_id(), id);
	cpuid(0xb, 0, &a, &b, &c, &d);
	GUEST_ASSERT_EQ(d, id);
	GUEST_ASSERT(rdmsr(0xc0000080) & (1 << 10)); /* long mode */
	GUEST_ASSERT(!(rdmsr(0x1b) & (1 << 8)));     /* not the BSP */
	__atomic_add_fetch(&checked_in, 1, __ATOMIC_SEQ_CST);
	GUEST_SYNC("ap-online", id);

	/* Wait for the BSP's IPI with interrupts on; bounded. */
	GUEST_ASSERT(WAIT_UNTIL(pinged[id], 5000));
	GUEST_ASSERT_EQ(pinged[id], 1);
	GUEST_SYNC("ap-ping", id);
	ponged[id] = 1; /* last: the BSP may finish (and end the VM) as soon as it sees this */
}

int main(void)
{
	u32 cpus = (u32)cmdline_get_u64("cpus", 1);
	u32 maxcpus = (u32)cmdline_get_u64("maxcpus", cpus);
	u64 t0;

	GUEST_ASSERT(cpus >= 1 && cpus <= maxcpus && maxcpus <= 64);
	kvmclock_init_cpu();
	lapic_enable();
	GUEST_ASSERT_EQ(lapic_id(), 0);
	GUEST_ASSERT(rdmsr(0x1b) & (1 << 8)); /* IA32_APIC_BASE.BSP */
	irq_set_handler(VEC_PING, on_ping);
	irq_set_handler(VEC_PONG, on_pong);

	for (u32 id = 1; id < cpus; id++) {
		t0 = kvmclock_ns();
		GUEST_ASSERT_EQ(smp_start_ap(id, ap_main, 2000), 0);
		GUEST_REPORT("ap-bringup-us", (kvmclock_ns() - t0) / 1000);
	}
	/* smp_start_ap() returns when the AP is in long mode; its checks run after. */
	GUEST_ASSERT(WAIT_UNTIL(checked_in == cpus - 1, 5000));

	/* Ping every AP and wait until each has answered. */
	for (u32 id = 1; id < cpus; id++) {
		lapic_send_ipi(id, VEC_PING);
		GUEST_ASSERT(WAIT_UNTIL(ponged[id], 5000));
	}

	/* Slots without a vCPU: INIT/SIPI go nowhere, the bring-up times out. */
	if (maxcpus > cpus)
		GUEST_ASSERT_EQ(smp_start_ap(cpus, ap_main, 200), -1);
	GUEST_SYNC("smp-ok", cpus);
	return 0;
}
