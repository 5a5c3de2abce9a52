/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupt latency, guest-side TSC, with the vCPU halted (sti; hlt) while it waits:
 *   irqfd     xkvm-msix-testdev's I/O thread stamps the TSC and writes the vector's
 *             eventfd, a KVM irqfd (FIRE_AT path 0); latency = handler TSC - stamp
 *   emulated  the same thread stamps and calls KVM_SIGNAL_MSI (FIRE_AT path 1)
 *   ipi       the floor: a self-IPI (TSC before the ICR write -> handler)
 *   timer     a second reference: the LAPIC TSC-deadline timer (deadline -> handler)
 * The stamp is the host TSC converted to this vCPU's TSC by the device (STAMP register).
 * Parameters: n=SAMPLES delay_us=D.  Reports (REPORT) for each path: min, median and p90
 * in ns, and the TSC frequency in kHz.
 */
#include "guest.h"

#define BASE     0xfe000000ull
#define TABLE    (BASE + 0x0000)
#define CTRL     (BASE + 0x1000)
#define FIRE_AT  (BASE + 0x1014)
#define STAMP    (BASE + 0x1018)
#define VEC      0x40
#define VEC_IPI  0x41
#define VEC_TMR  0x42
#define VEC_TICK 0x43
#define MSR_TSC_DEADLINE 0x6e0
#define MAX_N    2000

volatile u64 t_handler;
volatile u32 got;
static volatile u32 ticks;
static u64 lat[MAX_N];
void fast_stub(void);

/* The measured vectors' entry: the TSC is read by the third instruction (the library's
 * common entry saves every register and dispatches first, which the emulated CPL0 of
 * KVM-PVM makes cost tens of microseconds). */
__asm__(".text\n"
	".globl fast_stub\n"
	"fast_stub:\n"
	"	push %rax\n"
	"	push %rdx\n"
	"	rdtsc\n"
	"	mov %eax, t_handler(%rip)\n"
	"	mov %edx, t_handler+4(%rip)\n"
	"	movl $1, got(%rip)\n"
	"	mov $0xfee000b0, %eax\n"
	"	movl $0, (%rax)\n"
	"	pop %rdx\n"
	"	pop %rax\n"
	"	iretq\n");

static void on_tick(struct irq_frame *f)
{
	(void)f;
	ticks++;
	lapic_eoi();
}

/* Halt until the handler ran; the periodic tick bounds the wait (1 s). */
static void wait_halted(void)
{
	u32 t0 = ticks;

	cli();
	while (!got) {
		GUEST_ASSERT(ticks - t0 < 100);
		sti_hlt();
		cli();
	}
}

static void sort(u64 *a, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && a[j - 1] > a[j]; j--) {
			u64 t = a[j];
			a[j] = a[j - 1];
			a[j - 1] = t;
		}
}

static u64 ns(u64 cycles, u64 khz)
{
	return cycles * 1000000ull / khz;
}

static void report(const char *name, unsigned n, u64 khz)
{
	char key[48];

	sort(lat, n);
	snprintf(key, sizeof(key), "%s_min_ns", name);
	GUEST_REPORT(key, ns(lat[0], khz));
	snprintf(key, sizeof(key), "%s_median_ns", name);
	GUEST_REPORT(key, ns(lat[n / 2], khz));
	snprintf(key, sizeof(key), "%s_p90_ns", name);
	GUEST_REPORT(key, ns(lat[n * 9 / 10], khz));
}

static u64 tsc_khz(void)
{
	u64 khz = kvmclock_tsc_khz(), k0, c0;

	if (khz)
		return khz;
	k0 = kvmclock_ns();
	c0 = rdtsc();
	mdelay(200);
	return (rdtsc() - c0) * 1000000ull / (kvmclock_ns() - k0);
}

static void device_path(unsigned path, unsigned n, unsigned delay_us)
{
	for (unsigned i = 0; i < n; i++) {
		u64 stamp;

		got = 0;
		mmio_write32(FIRE_AT, 0 | path << 8 | delay_us << 16); /* vector 0 */
		wait_halted();
		stamp = mmio_read64(STAMP);
		GUEST_ASSERT(t_handler > stamp);
		lat[i] = t_handler - stamp;
	}
}

int main(void)
{
	unsigned n = (unsigned)cmdline_get_u64("n", 200), delay = (unsigned)cmdline_get_u64("delay_us", 300);
	u32 a, b, c, d;
	u64 khz;

	GUEST_ASSERT(n >= 10 && n <= MAX_N);
	kvmclock_init_cpu();
	lapic_enable();
	idt_set_stub(VEC, fast_stub);
	idt_set_stub(VEC_IPI, fast_stub);
	idt_set_stub(VEC_TMR, fast_stub);
	irq_set_handler(VEC_TICK, on_tick);
	khz = tsc_khz();
	GUEST_REPORT("tsc_khz", khz);

	/* Vector 0 of the test device to this CPU, MSI-X on. */
	mmio_write32(TABLE + 0, 0xfee00000u | this_apic_id() << 12);
	mmio_write32(TABLE + 4, 0);
	mmio_write32(TABLE + 8, VEC);
	mmio_write32(TABLE + 12, 0);
	mmio_write32(CTRL, 0x8000);
	lapic_timer_periodic(VEC_TICK, 10000000); /* 10 ms: bounds every wait */

	device_path(0, 10, delay); /* warm-up */
	device_path(0, n, delay);
	report("irqfd", n, khz);
	device_path(1, n, delay);
	report("emulated", n, khz);

	/* Floor: a self-IPI, taken as soon as interrupts are on. */
	for (unsigned i = 0; i < n; i++) {
		u64 t0;

		got = 0;
		cli();
		t0 = rdtsc();
		lapic_self_ipi(VEC_IPI);
		wait_halted();
		lat[i] = t_handler - t0;
	}
	report("ipi", n, khz);

	/* Reference: the TSC-deadline timer firing while the vCPU is halted. */
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & (1u << 24)) {
		lapic_timer_stop();
		lapic_write(APIC_LVT_TIMER, 2u << 17 | VEC_TMR);
		for (unsigned i = 0; i < n; i++) {
			u64 deadline;

			got = 0;
			cli();
			deadline = rdtsc() + khz * delay / 1000;
			wrmsr(MSR_TSC_DEADLINE, deadline);
			while (!got) { /* the deadline itself bounds this wait */
				sti_hlt();
				cli();
			}
			lat[i] = t_handler - deadline;
		}
		report("timer", n, khz);
	}
	return 0;
}
