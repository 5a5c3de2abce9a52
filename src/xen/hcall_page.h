/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Xen hypercall page xkvm writes into the guest when it writes the hypercall-page
 * MSR (docs/specs/xen-hypercall-page.md).  128 stubs of 32 bytes; stub N is
 *
 *     b8 NN NN NN NN     mov  $N, %eax
 *     e7 PP              out  %eax, $PP        ; traps to xkvm; the data is N
 *     c3                 ret
 *     cc ... cc          int3 padding
 *
 * except stub 23 (__HYPERVISOR_iret, which HVM guests must not use): ud2, then int3s.
 * The encodings are the same in 32-bit and 64-bit code, so one page serves both calling
 * conventions; xkvm picks the argument registers by the mode latched at the MSR write.
 * VMCALL would be Xen's choice but cannot reach user space on every KVM.
 *
 * This header is also included from assembly (the unit test's reference page).
 */
#ifndef XKVM_XEN_HCALL_PAGE_H
#define XKVM_XEN_HCALL_PAGE_H

#define XEN_HCALL_STUB_SIZE 32
#define XEN_HCALL_NR_STUBS 128
#define XEN_HCALL_IRET 23          /* __HYPERVISOR_iret */
#define XEN_HCALL_PORT_DEFAULT 0xe4 /* one byte: OUT imm8 clobbers no register */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

#include "vm/memory.h"

/* Ports a stub may use: 0..0xff, and none of the ports that guests or other xkvm
 * devices already use for something (0x12, 0x7e: KVM's OUT quirk, 0x80: POST/delay,
 * 0xe9: debugcon, 0xed: alternative delay port, the PIC/PIT/KBC/CMOS/DMA ranges). */
bool xen_hcall_port_ok(unsigned port);

/* Writes the 4096-byte page.  0 or -EINVAL (port not allowed). */
int xen_hcall_page_fill(uint8_t page[4096], unsigned port);

/* Decodes one stub: 0 with the hypercall number and port, or -EINVAL when the bytes are
 * not a stub of ours (the iret stub included). */
int xen_hcall_stub_decode(const uint8_t stub[XEN_HCALL_STUB_SIZE], uint32_t *nr,
			  unsigned *port);

/* A guest wrote `value` to the hypercall-page MSR: fill the page at the guest-physical
 * address in bits 63:12.  Bits 11:0 select the page and only page 0 exists.  Returns 0,
 * or -EINVAL (page index != 0, or a bad port) / -EFAULT (not RAM): the caller answers
 * those with #GP, as Xen does. */
int xen_hcall_msr_write(const struct guest_mem *gm, uint64_t value, unsigned port);
#endif

#endif
