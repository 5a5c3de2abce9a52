/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The smallest PVH guest: it does nothing but end the VM, so timing it measures the VMM.
 * Entered in 32-bit flat protected mode (PVH, EBX = hvm_start_info) it writes 0 to
 * isa-debug-exit at port 0xf4: both xkvm and QEMU then exit with status (0 << 1) | 1 = 1.
 * With a command line starting with "w" ("wait") it prints 'R' on COM1 and halts instead,
 * so a benchmark can measure the VMM's memory once the guest has run.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define START_INFO_CMDLINE 24 /* struct hvm_start_info: cmdline_paddr */

	.section .note.Xen, "a", @note
	.p2align 2
	.long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long pvh_start

	.text
	.code32
	.globl pvh_start
pvh_start:
	movl START_INFO_CMDLINE(%ebx), %esi
	testl %esi, %esi
	jz 1f
	cmpb $'w', (%esi)
	jne 1f
	movw $0x3f8, %dx
	movb $'R', %al
	outb %al, %dx
2:	cli
	hlt
	jmp 2b
1:	movw $0xf4, %dx
	xorl %eax, %eax
	outb %al, %dx
	jmp 2b
