/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fatal-error path: a vCPU executes something KVM cannot run, and xkvm must stop the
 * VM with a report naming the vCPU, RIP and the instruction bytes, and exit non-zero;
 * never hang.  Before the bad instruction the guest tells the host where it is
 * (SYNC "fault-at" vcpu, address, first 8 bytes), so the host can check the report.
 *
 *   what=cx16  "lock cmpxchg16b": KVM-PVM's emulator lacks it (run with -cpu host,+cx16);
 *              on VMX/SVM it works and the program checks its result and passes.
 *   what=mmio  jump to an address in the MMIO hole, where there is no RAM: no KVM can
 *              fetch an instruction there.
 *   cpu=N      the vCPU that does it (default 0); the BSP then waits, capped at 10 s.
 */
#include "guest.h"

#define MMIO_HOLE_CODE 0xd0000000ull /* inside xkvm's 32-bit PCI window: nothing there */

static volatile u32 go;

static u64 first_bytes(const void *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static __attribute__((noinline)) void do_cx16(u32 cpu)
{
	extern char fatal_cx16_insn[];
	static u64 __attribute__((aligned(16))) mem[2] = { 1, 2 };
	u64 lo = 1, hi = 2;
	u32 a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	GUEST_ASSERT(c & (1u << 13)); /* the test passes -cpu host,+cx16 */
	GUEST_SYNC("fault-at", cpu, (u64)(uintptr_t)fatal_cx16_insn, first_bytes(fatal_cx16_insn));
	__asm__ volatile(".globl fatal_cx16_insn\n"
			 "fatal_cx16_insn: lock cmpxchg16b %0"
			 : "+m"(mem[0]), "+a"(lo), "+d"(hi)
			 : "b"(3ull), "c"(4ull)
			 : "memory", "cc");
	/* A CPU that has it: the exchange happened. */
	GUEST_ASSERT_EQ(mem[0], 3);
	GUEST_ASSERT_EQ(mem[1], 4);
	GUEST_SYNC("cx16-ran", cpu);
}

static __attribute__((noinline)) void do_mmio(u32 cpu)
{
	void (*fn)(void) = (void (*)(void))(uintptr_t)MMIO_HOLE_CODE;

	GUEST_SYNC("fault-at", cpu, MMIO_HOLE_CODE, 0);
	fn();
	GUEST_FAIL("executed code in the MMIO hole and came back");
}

static void run(u32 cpu)
{
	const char *what = cmdline_get("what");

	if (what && !strcmp(what, "cx16"))
		do_cx16(cpu);
	else if (what && !strcmp(what, "mmio"))
		do_mmio(cpu);
	else
		GUEST_FAIL("what= must be cx16 or mmio");
}

static void ap_main(u32 apic_id)
{
	while (!go)
		cpu_relax();
	run(apic_id);
	go = 2;
	for (;;)
		__asm__ volatile("cli; hlt");
}

int main(void)
{
	u32 cpu = (u32)cmdline_get_u64("cpu", 0);

	if (cpu == 0) {
		run(0);
		return 0;
	}
	kvmclock_init_cpu();
	GUEST_ASSERT(smp_start_ap(cpu, ap_main, 5000) == 0);
	go = 1;
	/* On a host that runs the instruction, the AP finishes; otherwise xkvm stops us. */
	for (u64 t0 = kvmclock_ns(); go != 2; cpu_relax())
		GUEST_ASSERT(kvmclock_ns() - t0 < 10ull * 1000 * 1000 * 1000);
	return 0;
}
