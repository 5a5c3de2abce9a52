/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * LAPIC and application-processor bring-up as an OS does it: copy a real-mode
 * trampoline below 1 MiB, then INIT + SIPI through the LAPIC ICR.  The AP goes straight
 * from real mode to long mode (start.S) and calls ap_start() on its own stack.
 */
#include "guest.h"

#define AP_TRAMPOLINE 0x70000ull /* SIPI vector 0x70 */
#define AP_STACK_SIZE 16384
#define AP_STACKS 32

extern char ap_trampoline[], ap_trampoline_end[];
extern u64 ap_boot_stack;

volatile u32 ap_online[MAX_CPUS];
volatile u64 ap_start_ns[MAX_CPUS];
static ap_fn_t ap_fn[MAX_CPUS];
static u8 ap_stacks[AP_STACKS][AP_STACK_SIZE] __attribute__((aligned(16)));
static u8 ap_stack_of[MAX_CPUS]; /* 1 + index into ap_stacks; 0 = none yet */
static unsigned ap_stacks_used;
static bool trampoline_ready;
void ap_start(void);

u32 this_apic_id(void)
{
	u32 a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return b >> 24;
}

void lapic_enable(void)
{
	lapic_write(APIC_TPR, 0);
	lapic_write(APIC_SVR, 0x100 | 0xff);
}

void lapic_send_ipi(u32 apic_id, u32 icr_lo)
{
	for (int i = 0; i < 100000 && (lapic_read(APIC_ICR_LO) & (1u << 12)); i++)
		cpu_relax();
	lapic_write(APIC_ICR_HI, apic_id << 24);
	lapic_write(APIC_ICR_LO, icr_lo);
}

void ap_start(void)
{
	u64 now;
	u32 id;

	io_delay(); /* the AP's first exit: the VMM's trace timestamps its first C code */
	now = kvmclock_ns();
	id = this_apic_id();

	ap_start_ns[id] = now;
	idt_load();
	lapic_enable();
	__atomic_store_n(&ap_online[id], 1, __ATOMIC_SEQ_CST);
	if (ap_fn[id])
		ap_fn[id](id);
	cpu_park_self();
}

void cpu_park_self(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

int smp_start_ap(u32 apic_id, ap_fn_t fn, u64 timeout_ms)
{
	u64 start;
	unsigned slot;

	if (apic_id >= MAX_CPUS)
		return -1;
	if (!trampoline_ready) {
		memcpy((void *)(uintptr_t)AP_TRAMPOLINE, ap_trampoline,
		       (size_t)(ap_trampoline_end - ap_trampoline));
		trampoline_ready = true;
	}
	if (!ap_stack_of[apic_id]) {
		if (ap_stacks_used == AP_STACKS)
			return -1;
		ap_stack_of[apic_id] = (u8)(++ap_stacks_used);
	}
	slot = ap_stack_of[apic_id] - 1u;
	ap_boot_stack = (u64)(uintptr_t)&ap_stacks[slot][AP_STACK_SIZE];
	ap_fn[apic_id] = fn;
	__atomic_store_n(&ap_online[apic_id], 0, __ATOMIC_SEQ_CST);

	lapic_send_ipi(apic_id, 0x4500);                             /* INIT, assert */
	lapic_send_ipi(apic_id, 0x4600 | (u32)(AP_TRAMPOLINE >> 12)); /* SIPI */

	start = kvmclock_ns();
	while (!__atomic_load_n(&ap_online[apic_id], __ATOMIC_SEQ_CST)) {
		if (kvmclock_ns() - start > timeout_ms * 1000000ull)
			return -1;
		cpu_relax();
	}
	return 0;
}

/* ---- running work on another CPU ------------------------------------------------------ */

static void (*volatile ap_task[MAX_CPUS])(u32 cpu);
static volatile u32 ap_task_done[MAX_CPUS];
static volatile bool ap_tasks_stop;

void ap_serve_tasks(u32 id)
{
	while (!ap_tasks_stop) {
		void (*fn)(u32);

		WAIT_UNTIL(ap_task[id] || ap_tasks_stop, 100);
		if ((fn = ap_task[id])) {
			fn(id);
			ap_task[id] = NULL;
			__atomic_add_fetch(&ap_task_done[id], 1, __ATOMIC_SEQ_CST);
		}
	}
}

u32 run_on_start(u32 cpu, void (*fn)(u32))
{
	u32 token = ap_task_done[cpu];

	ap_task[cpu] = fn;
	return token;
}

bool run_on_wait(u32 cpu, u32 token, u64 timeout_ms)
{
	return WAIT_UNTIL(ap_task_done[cpu] != token, timeout_ms);
}

bool run_on(u32 cpu, void (*fn)(u32), u64 timeout_ms)
{
	return run_on_wait(cpu, run_on_start(cpu, fn), timeout_ms);
}

void ap_tasks_end(void)
{
	ap_tasks_stop = true;
}
