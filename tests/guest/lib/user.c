/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running a function at CPL3.  KVM-PVM emulates CPL0 code (about 1.3 M instructions a
 * second) but runs CPL3 code natively, so a measuring loop belongs at CPL3 when the
 * guest's own speed must not be what is measured (../shared/design/kvm-pvm.md).
 *
 * user_init() installs a GDT with user segments and a TSS (its RSP0 stack takes the
 * exceptions raised at CPL3) and sets the U bit in the identity page tables.  run_user()
 * saves the kernel context, IRETs to CPL3 with interrupts off, calls fn(arg) there, and
 * comes back through a deliberate #UD at `user_exit`, whose handler rewrites the
 * exception frame to resume the kernel context with fn's return value.  User code must not
 * use port I/O (no ucalls, no GUEST_ASSERT that fires) or privileged instructions.
 */
#include "guest.h"

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_DS   0x18
#define USER_CS   0x20
#define TSS_SEL   0x28

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

extern u64 pml4[512];
static u64 gdt[7] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
static u8 exc_stack[16384] __attribute__((aligned(16)));
static u8 user_stack[65536] __attribute__((aligned(16)));
static bool ready;
u64 user_saved_rsp;
void user_enter(u64 (*fn)(u64), u64 arg, u64 user_rsp);
void user_resume(void);
extern char user_exit[];

/* user_enter(fn, arg, rsp): save callee-saved registers and the kernel stack, then IRET
 * to CPL3 at user_trampoline.  user_resume is where the #UD handler sends us back. */
__asm__(".text\n"
	".globl user_enter, user_resume, user_exit\n"
	"user_enter:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	mov %rsp, user_saved_rsp(%rip)\n"
	"	pushq $0x1b\n"            /* SS: user data | 3 */
	"	pushq %rdx\n"             /* RSP */
	"	pushq $0x2\n"             /* RFLAGS: IF=0 */
	"	pushq $0x23\n"            /* CS: user code | 3 */
	"	lea user_trampoline(%rip), %rax\n"
	"	push %rax\n"
	"	iretq\n"
	"user_trampoline:\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	call *%rax\n"
	"user_exit:\n"
	"	ud2\n"
	"user_resume:\n"
	"	mov $0x10, %ecx\n"
	"	mov %ecx, %ds\n"
	"	mov %ecx, %es\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n");

static void on_ud(struct irq_frame *f)
{
	if (f->rip != (u64)(uintptr_t)user_exit || (f->cs & 3) != 3)
		guest_fail(__FILE__, __LINE__, "#UD", 2, f->rip, f->cs);
	/* Back to the kernel: rax keeps fn's return value. */
	f->rip = (u64)(uintptr_t)user_resume;
	f->cs = KERNEL_CS;
	f->ss = KERNEL_DS;
	f->rsp = user_saved_rsp;
	f->rflags = 0x2;
}

void user_init(void)
{
	u64 t = (u64)(uintptr_t)&tss, *pdpt, *pd;
	u64 cr3;

	if (ready)
		return;
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull; /* 0x08 kernel code, 64-bit */
	gdt[2] = 0x00cf92000000ffffull; /* 0x10 kernel data */
	gdt[3] = 0x00cff2000000ffffull; /* 0x18 user data, DPL 3 */
	gdt[4] = 0x00affa000000ffffull; /* 0x20 user code, 64-bit, DPL 3 */
	/* 0x28: the 64-bit TSS descriptor (16 bytes), type 9 (available). */
	gdt[5] = (sizeof(tss) - 1) | (t & 0xffffff) << 16 | 0x89ull << 40 | ((t >> 24) & 0xff) << 56;
	gdt[6] = t >> 32;
	memset(&tss, 0, sizeof(tss));
	tss.rsp[0] = (u64)(uintptr_t)&exc_stack[sizeof(exc_stack)];
	tss.iomap_base = sizeof(tss); /* no I/O permission bitmap: no port I/O at CPL3 */
	{
		struct {
			u16 limit;
			u64 base;
		} __attribute__((packed)) d = { sizeof(gdt) - 1, (u64)(uintptr_t)gdt };
		__asm__ volatile("lgdt %0" :: "m"(d));
	}
	__asm__ volatile("ltr %w0" :: "r"((u16)TSS_SEL));
	/* User access to the whole identity map (U at every level). */
	pml4[0] |= 4;
	pdpt = (u64 *)(uintptr_t)(pml4[0] & ~0xfffull);
	for (unsigned i = 0; i < 8; i++) {
		pdpt[i] |= 4;
		pd = (u64 *)(uintptr_t)(pdpt[i] & ~0xfffull);
		for (unsigned j = 0; j < 512; j++)
			pd[j] |= 4;
	}
	cr3 = read_cr3();
	__asm__ volatile("mov %0, %%cr3" :: "r"(cr3) : "memory");
	irq_set_handler(6, on_ud);
	ready = true;
}

u64 run_user(u64 (*fn)(u64), u64 arg)
{
	u64 ret, sp = (u64)(uintptr_t)&user_stack[sizeof(user_stack)];

	user_init();
	cli();
	__asm__ volatile("call user_enter"
			 : "=a"(ret), "+D"(fn), "+S"(arg), "+d"(sp)
			 :
			 : "rcx", "r8", "r9", "r10", "r11", "memory", "cc");
	return ret;
}
