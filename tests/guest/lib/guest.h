/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The freestanding guest library: what a test program running as the OS needs.
 * Programs are 64-bit, run at CPL0 with identity paging of the low 4 GiB, and report to
 * the host through the ucall port (devices/ucall_abi.h), like KVM selftests' guests.
 *
 *   int main(void)            runs on the BSP; return 0 = GUEST_DONE, else failure
 *   GUEST_ASSERT(cond)        fail with file, line and expression
 *   GUEST_ASSERT_EQ(a, b)     fail with both values
 *   GUEST_SYNC(label, ...)    tell the host where we are (up to 6 values)
 *   GUEST_REPORT(key, value)  a measurement, for benchmarks
 *   gprintf(fmt, ...)         a line to the host's log
 *
 * Under QEMU (no ucall port) the same programs print on COM1 and end through
 * isa-debug-exit (port 0xf4): status 1 for DONE, 3 for a failure.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/ucall_abi.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NORETURN __attribute__((noreturn))
#define MAX_CPUS 256

/* ---- port I/O, MSRs, CPUID, misc instructions ------------------------------------ */
static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u16 inw(u16 port) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (u64)hi << 32 | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}
static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }
static inline u64 read_cr0(void) { u64 v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline u64 read_cr3(void) { u64 v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline u64 read_cr4(void) { u64 v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline u64 read_rflags(void) { u64 v; __asm__ volatile("pushfq; popq %0" : "=r"(v)); return v; }

static inline u32 mmio_read32(u64 addr) { return *(volatile u32 *)(uintptr_t)addr; }
static inline void mmio_write32(u64 addr, u32 v) { *(volatile u32 *)(uintptr_t)addr = v; }
static inline u16 mmio_read16(u64 addr) { return *(volatile u16 *)(uintptr_t)addr; }
static inline void mmio_write16(u64 addr, u16 v) { *(volatile u16 *)(uintptr_t)addr = v; }
static inline u8 mmio_read8(u64 addr) { return *(volatile u8 *)(uintptr_t)addr; }
static inline void mmio_write8(u64 addr, u8 v) { *(volatile u8 *)(uintptr_t)addr = v; }
static inline u64 mmio_read64(u64 addr) { return *(volatile u64 *)(uintptr_t)addr; }
static inline void mmio_write64(u64 addr, u64 v) { *(volatile u64 *)(uintptr_t)addr = v; }

/* ---- libc-like ----------------------------------------------------------------------- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- reporting ---------------------------------------------------------------------- */
extern bool under_xkvm; /* the ucall port answered */
void gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ucall(u32 cmd, const char *text, u32 line, unsigned nargs, ...);
NORETURN void guest_done(void);
NORETURN void guest_fail(const char *file, u32 line, const char *expr, unsigned nargs, ...);

#define GUEST_NARGS(...) GUEST_NARGS_(0, ##__VA_ARGS__, 6, 5, 4, 3, 2, 1, 0)
#define GUEST_NARGS_(_0, _1, _2, _3, _4, _5, _6, N, ...) N
#define GUEST_SYNC(label, ...) ucall(UCALL_SYNC, label, __LINE__, GUEST_NARGS(__VA_ARGS__), ##__VA_ARGS__)
#define GUEST_REPORT(key, value) ucall(UCALL_REPORT, key, __LINE__, 1, (u64)(value))
#define GUEST_DONE() guest_done()
#define GUEST_ASSERT(cond)                                               \
	do {                                                             \
		if (!(cond))                                             \
			guest_fail(__FILE__, __LINE__, #cond, 0);        \
	} while (0)
#define GUEST_ASSERT_EQ(a, b)                                                        \
	do {                                                                         \
		u64 a_ = (u64)(a), b_ = (u64)(b);                                    \
		if (a_ != b_)                                                        \
			guest_fail(__FILE__, __LINE__, #a " == " #b, 2, a_, b_);     \
	} while (0)
#define GUEST_ASSERT_NE(a, b)                                                        \
	do {                                                                         \
		u64 a_ = (u64)(a), b_ = (u64)(b);                                    \
		if (a_ == b_)                                                        \
			guest_fail(__FILE__, __LINE__, #a " != " #b, 2, a_, b_);     \
	} while (0)
#define GUEST_FAIL(msg) guest_fail(__FILE__, __LINE__, msg, 0)

/* ---- the boot handoff --------------------------------------------------------------- */
extern u32 pvh_start_info; /* physical address of struct hvm_start_info (EBX at entry) */
const char *guest_cmdline(void);
/* "key=value" from the command line, or NULL. */
const char *cmdline_get(const char *key);
u64 cmdline_get_u64(const char *key, u64 dflt);

/* ---- serial (COM1, polled) ---------------------------------------------------------- */
#define COM1 0x3f8
#define COM1_IRQ 4
#define UART_RBR 0 /* THR on write; DLL with LCR.DLAB */
#define UART_IER 1 /* DLM with LCR.DLAB */
#define UART_IIR 2 /* FCR on write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
void serial_init(void);
void serial_putc(char c);
void serial_puts(const char *s);

/* ---- interrupts --------------------------------------------------------------------- */
struct irq_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};
typedef void (*irq_handler_t)(struct irq_frame *f);
void idt_init(void);     /* BSP: build the IDT; every CPU: load it (idt_load) */
void idt_load(void);
void irq_set_handler(u8 vector, irq_handler_t fn);
/* Point the gate at a stub of one's own (it must save what it uses and iretq): for
 * measurements where the common entry path's cost would blur the result. */
void idt_set_stub(u8 vector, void (*stub)(void));
/* An exception handler that lets a test expect a fault (returns to f->rip + skip). */
extern volatile u64 expected_exception_vector;

/* ---- LAPIC (xAPIC, MMIO at 0xfee00000) ---------------------------------------------- */
#define LAPIC_BASE 0xfee00000ull
#define APIC_ID 0x20
#define APIC_VER 0x30
#define APIC_TPR 0x80
#define APIC_EOI 0xb0
#define APIC_LDR 0xd0
#define APIC_DFR 0xe0
#define APIC_SVR 0xf0
#define APIC_ISR 0x100
#define APIC_IRR 0x200
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3e0
static inline u32 lapic_read(u32 reg) { return mmio_read32(LAPIC_BASE + reg); }
static inline void lapic_write(u32 reg, u32 v) { mmio_write32(LAPIC_BASE + reg, v); }
static inline void lapic_eoi(void) { lapic_write(APIC_EOI, 0); }
static inline u32 lapic_id(void) { return lapic_read(APIC_ID) >> 24; }
void lapic_enable(void);
/* The LAPIC timer, periodic, every `count` bus cycles (KVM: 1 ns each) on `vector`. */
static inline void lapic_timer_periodic(u8 vector, u32 count)
{
	lapic_write(APIC_TIMER_DIV, 0xb); /* divide by 1 */
	lapic_write(APIC_LVT_TIMER, (1u << 17) | vector);
	lapic_write(APIC_TIMER_INIT, count);
}
static inline void lapic_timer_stop(void)
{
	lapic_write(APIC_LVT_TIMER, 1u << 16);
	lapic_write(APIC_TIMER_INIT, 0);
}
void lapic_send_ipi(u32 apic_id, u32 icr_lo);
static inline void lapic_self_ipi(u8 vector) { lapic_write(APIC_ICR_LO, 0x44000 | vector); }

/* ---- IOAPIC (0xfec00000) ------------------------------------------------------------ */
u32 ioapic_read(u32 reg);
void ioapic_write(u32 reg, u32 v);
/* Fixed delivery, physical destination; edge/high unless told otherwise; unmasked. */
void ioapic_route(u32 gsi, u8 vector, u32 dest_apic_id, bool level, bool active_low);
void ioapic_mask(u32 gsi, bool masked);
/* Mask every 8259 input (OCW1), as an OS using the IOAPIC does: KVM_IRQ_LINE drives the
 * PICs too, and an unprogrammed PIC would deliver ISA IRQ n as vector n through LINT0. */
static inline void pic_mask_all(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}
u32 ioapic_pins(void);

/* ---- SMP ---------------------------------------------------------------------------- */
/* APIC ID of the running CPU, from CPUID (works before the LAPIC is touched). */
u32 this_apic_id(void);
typedef void (*ap_fn_t)(u32 apic_id);
/* INIT/SIPI the CPU with `apic_id`; it runs fn(apic_id) on its own stack with the IDT
 * loaded and the LAPIC enabled.  Returns 0 once it reports in, -1 on a timeout. */
int smp_start_ap(u32 apic_id, ap_fn_t fn, u64 timeout_ms);
extern volatile u32 ap_online[MAX_CPUS];
extern volatile u64 ap_start_ns[MAX_CPUS]; /* kvmclock when each AP reached C code */
/* AP side: run the functions run_on() hands this CPU until ap_tasks_end(). */
void ap_serve_tasks(u32 id);
/* BSP side: run fn(cpu) on AP `cpu` (serving tasks); false if it did not finish in time. */
bool run_on(u32 cpu, void (*fn)(u32), u64 timeout_ms);
/* The same in two halves, for work the BSP must interact with while it runs. */
u32 run_on_start(u32 cpu, void (*fn)(u32));
bool run_on_wait(u32 cpu, u32 token, u64 timeout_ms);
void ap_tasks_end(void);
/* What Linux's play_dead does: interrupts off, halt forever. */
NORETURN void cpu_park_self(void);

/* ---- ACPI CPU hot-plug, the OS side (lib/cpuhp.c, docs/specs/acpi-cpu-hotplug.md) --- */
#define CPUHP_PRESENT 0x1
#define CPUHP_INSERT 0x2
#define CPUHP_REMOVE 0x4
#define CPUHP_EJECT 0x8
#define CPUHP_CMD_NEXT 0
#define CPUHP_CMD_OST_EVENT 1
#define CPUHP_CMD_OST_STATUS 2
#define CPUHP_CMD_APIC_ID 3
#define GED_PWR_BUTTON 0x2
#define GED_CPU_HOTPLUG 0x8
/* Route the GED (GSI 9) to `ged_vector` on this CPU; `park_vec` wakes APs to park. */
void cpuhp_init(u8 ged_vector, u8 park_vec);
bool cpuhp_modern_interface(void);
u8 cpuhp_flags(u32 slot);       /* selects `slot` */
u32 cpuhp_wait_ged(void);       /* idle until the GED fires; returns ESEL's bits */
/* CSCN's step: the next slot with an event (acknowledged); 0 when none is left. */
int cpuhp_next_event(u32 maxcpus, u32 *slot, u8 *flags);
void cpuhp_ost(u32 slot, u32 event, u32 status);
/* AP side: idle until the BSP asks it to go, then halt for good (play_dead). */
NORETURN void cpuhp_ap_idle(u32 id);
/* BSP side: ask AP `slot` to park and wait for it. */
bool cpuhp_park_ap(u32 slot, u64 timeout_ms);
/* Write the eject bit for `slot`; true when _STA then reads absent. */
bool cpuhp_eject(u32 slot);

/* ---- CPL3 (lib/user.c) ------------------------------------------------------------- */
/* Run fn(arg) at CPL3, interrupts off, on a stack of its own; returns fn's value.  No port
 * I/O (so no ucalls) and nothing privileged in fn: KVM-PVM runs CPL3 natively, CPL0
 * emulated, so measuring loops go there. */
u64 run_user(u64 (*fn)(u64), u64 arg);

/* ---- time ---------------------------------------------------------------------------- */
/* Nanoseconds since the VM started, from kvmclock (per CPU: call on each CPU first). */
void kvmclock_init_cpu(void);
u64 kvmclock_ns(void);
bool kvmclock_available(void);
/* Take the time from another pvclock area (Xen's vcpu_time_info) from now on. */
void kvmclock_use_area(const volatile void *area);
/* The TSC frequency kvmclock converts with (0 without kvmclock). */
u64 kvmclock_tsc_khz(void);
void udelay(u64 us);     /* kvmclock based; falls back to a port-I/O loop */
void mdelay(u64 ms);
/* An exit to the VMM (an unclaimed port read): on KVM-PVM a pending interrupt reaches a
 * CPL0 guest that busy-loops with IF=1 only at its next exit or host tick (~1 ms). */
static inline void io_delay(void) { (void)inb(0x80); }
/* Wait with interrupts enabled until `cond` holds or `ms` pass; IF is clear again after.
 * Evaluates to the final value of cond.  Never a bare hlt: a lost wakeup cannot hang. */
#define WAIT_UNTIL(cond, ms)                                                       \
	({                                                                         \
		u64 wu_start_ = kvmclock_ns();                                     \
		bool wu_ok_;                                                       \
		sti();                                                             \
		while (!(wu_ok_ = (cond)) &&                                       \
		       kvmclock_ns() - wu_start_ < (u64)(ms) * 1000000ull)         \
			io_delay();                                                \
		cli();                                                             \
		wu_ok_ || (cond);                                                  \
	})

/* ---- ACPI ---------------------------------------------------------------------------- */
struct acpi_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __attribute__((packed));
u8 acpi_checksum(const void *p, size_t len);
/* RSDP from hvm_start_info (or the 0xE0000 scan), checksums verified; NULL if none. */
const void *acpi_find_rsdp(void);
/* The table with `sig` listed in the XSDT (DSDT through the FADT); checksum verified. */
const struct acpi_header *acpi_find_table(const char *sig);
/* Generic Address Structure (ACPI 6.5 §5.2.3.2) and the FADT fields that use it. */
struct acpi_gas {
	u8 space_id; /* 0 memory, 1 I/O */
	u8 bit_width;
	u8 bit_offset;
	u8 access_size;
	u64 address;
} __attribute__((packed));
#define ACPI_GAS_SYSTEM_IO 1
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_MINOR_REVISION 131
#define FADT_X_DSDT 140
#define FADT_SLEEP_CONTROL_REG 244
#define FADT_SLEEP_STATUS_REG 256
/* SLP_TYPa of \_S5 (Name (_S5, Package () { a, b, ... }) in the DSDT), or -1. */
int acpi_s5_sleep_type(void);

/* ---- entry points the program provides ------------------------------------------------ */
int main(void);

#endif
