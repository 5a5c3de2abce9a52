/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The reference hypercall page, assembled by GNU as from the instructions
 * docs/specs/xen-hypercall-page.md specifies, once as 64-bit code and once as 32-bit
 * code.  test_xen_hcall_page checks xen_hcall_page_fill() against both (so the bytes
 * decode to the same instructions in either mode).
 */
#include "xen/hcall_page.h"

.macro hcall_page name, bits
	.balign 4096
	.globl \name
\name:
	.code\bits
	.set nr, 0
	.rept XEN_HCALL_NR_STUBS
	.if nr == XEN_HCALL_IRET
	ud2
	.else
	mov $nr, %eax
	out %eax, $XEN_HCALL_PORT_DEFAULT
	ret
	.endif
	.fill XEN_HCALL_STUB_SIZE - (. - (\name + nr * XEN_HCALL_STUB_SIZE)), 1, 0xcc
	.set nr, nr + 1
	.endr
.endm

	.section .rodata
	hcall_page xen_hcall_ref64, 64
	hcall_page xen_hcall_ref32, 32
	.code64

	.section .note.GNU-stack,"",@progbits
