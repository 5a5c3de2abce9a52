/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Linux 64-bit boot protocol entry of the bzImage guest (tests/guest/bzimage.c): the
 * loader put this image at 1 MiB and jumps to 1 MiB + 0x200 in long mode, with RSI =
 * boot_params, interrupts off, CS = 0x10 and DS/ES/SS = 0x18 of its own GDT.  Record
 * that, zero our BSS (a bzImage carries none), switch to the guest library's GDT layout
 * and page tables, and run the program like any PVH guest program.
 */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10

	.section .head, "ax"
	.globl bz_head
bz_head:
	.fill 0x200, 1, 0

	.section .text.bzentry, "ax"
	.code64
	.globl bz_start64
bz_start64:
	movq %rsi, bz_boot_params(%rip)
	movw %cs, bz_entry_cs(%rip)
	movw %ds, bz_entry_ds(%rip)
	movw %ss, bz_entry_ss(%rip)
	movq %cr3, %rax
	movq %rax, bz_entry_cr3(%rip)
	/* The BSS (our stack is in it); no stack before this: the protocol sets no RSP. */
	leaq __bss_start(%rip), %rdi
	leaq __image_end(%rip), %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	rep stosb
	leaq bz_stack_top(%rip), %rsp
	pushfq
	popq bz_entry_rflags(%rip)
	lgdt bz_gdt_desc(%rip)
	leaq pml4(%rip), %rax
	movq %rax, %cr3
	movl $KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	leaq bz_stack_top(%rip), %rsp
	pushq $KERNEL_CS
	leaq 1f(%rip), %rax
	pushq %rax
	lretq
1:	xorl %ebp, %ebp
	call guest_start
2:	cli
	hlt
	jmp 2b

	.data
	.p2align 3
bz_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
bz_gdt_end:
	.p2align 3
	.word 0, 0, 0
bz_gdt_desc:
	.word bz_gdt_end - bz_gdt - 1
	.quad bz_gdt

	.globl bz_boot_params, bz_entry_cs, bz_entry_ds, bz_entry_ss, bz_entry_cr3, bz_entry_rflags
	.p2align 3
bz_boot_params:	.quad 0
bz_entry_cr3:	.quad 0
bz_entry_rflags: .quad 0
bz_entry_cs:	.word 0
bz_entry_ds:	.word 0
bz_entry_ss:	.word 0

	.bss
	.p2align 12
bz_stack:
	.skip 16384
bz_stack_top:
