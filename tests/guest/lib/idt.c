/* SPDX-License-Identifier: GPL-2.0-only */
/* The IDT: 256 gates to the stubs in start.S; exceptions fail the test with details. */
#include "guest.h"

struct idt_entry {
	u16 off_lo;
	u16 sel;
	u8 ist;
	u8 type;
	u16 off_mid;
	u32 off_hi;
	u32 zero;
} __attribute__((packed));

extern char isr_stubs[];
static struct idt_entry idt[256] __attribute__((aligned(16)));
static irq_handler_t handlers[256];
void interrupt_dispatch(struct irq_frame *f);

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP",
	"#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		u64 addr = (u64)(uintptr_t)isr_stubs + v * 16;
		idt[v] = (struct idt_entry){
			.off_lo = (u16)addr, .sel = 0x08, .ist = 0, .type = 0x8e,
			.off_mid = (u16)(addr >> 16), .off_hi = (u32)(addr >> 32), .zero = 0,
		};
	}
}

void idt_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) desc = { sizeof(idt) - 1, (u64)(uintptr_t)idt };

	__asm__ volatile("lidt %0" :: "m"(desc));
}

void idt_set_stub(u8 vector, void (*stub)(void))
{
	u64 addr = (u64)(uintptr_t)stub;

	idt[vector] = (struct idt_entry){
		.off_lo = (u16)addr, .sel = 0x08, .ist = 0, .type = 0x8e,
		.off_mid = (u16)(addr >> 16), .off_hi = (u32)(addr >> 32), .zero = 0,
	};
}

void irq_set_handler(u8 vector, irq_handler_t fn)
{
	handlers[vector] = fn;
}

void interrupt_dispatch(struct irq_frame *f)
{
	u64 v = f->vector;

	if (v < 256 && handlers[v]) {
		handlers[v](f);
		return;
	}
	if (v == 0xff) /* LAPIC spurious vector: no EOI */
		return;
	if (v < 32) {
		u64 cr2;
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
		gprintf("exception %s (vector %lu) error 0x%lx at RIP 0x%lx CR2 0x%lx on APIC %u",
			exc_names[v] ? exc_names[v] : "?", v, f->error_code, f->rip, cr2,
			this_apic_id());
		guest_fail(__FILE__, __LINE__, "unexpected exception", 4, v, f->error_code, f->rip, cr2);
	}
	guest_fail(__FILE__, __LINE__, "unexpected interrupt", 2, v, (u64)this_apic_id());
}
