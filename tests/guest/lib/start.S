/*
 * PVH entry (32-bit flat protected mode, paging off, EBX = hvm_start_info) straight into
 * long mode with static identity page tables (8 GiB in 2 MiB pages): the 32-bit part is
 * as short as possible, because KVM-PVM emulates CPL0 code and runs 32-bit code poorly.
 *
 * Also: the AP trampoline (real mode -> long mode in one step, copied below 1 MiB), and the
 * 256 interrupt stubs that feed interrupt_dispatch().
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define MSR_EFER 0xc0000080
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10

	.section .note.Xen, "a"
	.p2align 2
	.long 4				/* namesz: "Xen\0" */
	.long 4				/* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long pvh_start32

	.section .text.entry, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	movl %ebx, pvh_start_info
	lgdt gdt_desc
	movl $pml4, %eax
	movl %eax, %cr3
	movl $0x20, %eax		/* CR4.PAE */
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $0x100, %eax		/* EFER.LME */
	wrmsr
	movl $0x80000011, %eax		/* CR0.PG | ET | PE */
	movl %eax, %cr0
	ljmp $KERNEL_CS, $start64

	.code64
start64:
	movl $KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	leaq boot_stack_top(%rip), %rsp
	xorl %ebp, %ebp
	call guest_start
1:	cli
	hlt
	jmp 1b

/* ---- AP trampoline: copied to AP_TRAMPOLINE (below 1 MiB) by smp.c ---------------- */
	.code16
	.globl ap_trampoline, ap_trampoline_end, ap_trampoline_gdt_desc
ap_trampoline:
	cli
	movw %cs, %ax
	movw %ax, %ds
	lgdtl (ap_trampoline_gdt_desc - ap_trampoline)
	movl $pml4, %eax
	movl %eax, %cr3
	movl $0x20, %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl $0x80000011, %eax
	movl %eax, %cr0
	ljmpl $KERNEL_CS, $ap_start64
	.p2align 3
ap_trampoline_gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
ap_trampoline_end:

	.code64
ap_start64:
	movl $KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	movq ap_boot_stack(%rip), %rsp
	xorl %ebp, %ebp
	call ap_start
1:	cli
	hlt
	jmp 1b

/* ---- interrupt stubs -------------------------------------------------------------- */
	.text
	.p2align 4
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.p2align 4
	/* Vectors 8, 10-14, 17, 21, 29 and 30 push an error code; the rest get a 0. */
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	pushq $vec
	.else
	pushq $0
	pushq $vec
	.endif
	jmp isr_common
	.set vec, vec + 1
	.endr

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	call interrupt_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp			/* vector, error code */
	iretq

/* ---- data --------------------------------------------------------------------------- */
	.section .data.pagetables, "aw"
	.p2align 12
	.globl pml4
pml4:
	.quad pdpt + 0x3
	.fill 511, 8, 0
pdpt:
	.quad pd + 0x3, pd + 0x1003, pd + 0x2003, pd + 0x3003
	.quad pd + 0x4003, pd + 0x5003, pd + 0x6003, pd + 0x7003
	.fill 504, 8, 0
pd:					/* 8 GiB identity map: RAM above 4 GiB too */
	.set i, 0
	.rept 4096
	.quad (i << 21) | 0x83		/* present, writable, 2 MiB */
	.set i, i + 1
	.endr

	.data
	.p2align 3
gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
gdt_end:
	.p2align 3
	.word 0, 0, 0
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt

	.globl pvh_start_info, ap_boot_stack
pvh_start_info:
	.long 0
	.p2align 3
ap_boot_stack:
	.quad 0

	.bss
	.p2align 12
boot_stack:
	.skip 16384
boot_stack_top:
