/* SPDX-License-Identifier: GPL-2.0-only */
/* Hypercall page generation (see hcall_page.h and docs/specs/xen-hypercall-page.md). */
#include "xen/hcall_page.h"

#include <errno.h>
#include <string.h>

#include "arch/x86/layout.h"

#define OP_MOV_EAX_IMM32 0xb8
#define OP_OUT_IMM8_EAX 0xe7
#define OP_RET 0xc3
#define OP_INT3 0xcc
#define OP_UD2_0 0x0f
#define OP_UD2_1 0x0b

_Static_assert(XEN_HCALL_NR_STUBS * XEN_HCALL_STUB_SIZE == 4096, "one page of stubs");
_Static_assert(XEN_HCALL_PORT_DEFAULT == PORT_XEN_HCALL, "layout.h lists the trap port");

bool xen_hcall_port_ok(unsigned port)
{
	if (port > 0xff)
		return false;
	switch (port) {
	case 0x12: case 0x7e: case 0x80: case 0xe9: case 0xed:
		return false;
	}
	/* DMA (0x00-0x1f, 0x81-0x9f, 0xc0-0xdf), PIC (0x20-0x3f, 0xa0-0xbf), PIT
	 * (0x40-0x5f), KBC and CMOS (0x60-0x7f), FPU (0xf0-0xff). */
	return !(port < 0x80 || (port >= 0x81 && port < 0xe0) || port >= 0xf0);
}

int xen_hcall_page_fill(uint8_t page[4096], unsigned port)
{
	if (!xen_hcall_port_ok(port))
		return -EINVAL;
	memset(page, OP_INT3, 4096);
	for (uint32_t nr = 0; nr < XEN_HCALL_NR_STUBS; nr++) {
		uint8_t *s = page + nr * XEN_HCALL_STUB_SIZE;

		if (nr == XEN_HCALL_IRET) {
			s[0] = OP_UD2_0;
			s[1] = OP_UD2_1;
			continue;
		}
		s[0] = OP_MOV_EAX_IMM32;
		s[1] = nr & 0xff; /* little-endian imm32 */
		s[2] = (nr >> 8) & 0xff;
		s[3] = (nr >> 16) & 0xff;
		s[4] = (nr >> 24) & 0xff;
		s[5] = OP_OUT_IMM8_EAX;
		s[6] = (uint8_t)port;
		s[7] = OP_RET;
	}
	return 0;
}

int xen_hcall_stub_decode(const uint8_t stub[XEN_HCALL_STUB_SIZE], uint32_t *nr,
			  unsigned *port)
{
	if (stub[0] != OP_MOV_EAX_IMM32 || stub[5] != OP_OUT_IMM8_EAX || stub[7] != OP_RET)
		return -EINVAL;
	for (unsigned i = 8; i < XEN_HCALL_STUB_SIZE; i++)
		if (stub[i] != OP_INT3)
			return -EINVAL;
	*nr = (uint32_t)stub[1] | (uint32_t)stub[2] << 8 | (uint32_t)stub[3] << 16 |
	      (uint32_t)stub[4] << 24;
	*port = stub[6];
	return 0;
}

int xen_hcall_msr_write(const struct guest_mem *gm, uint64_t value, unsigned port)
{
	uint8_t *page;

	if (value & 0xfff)
		return -EINVAL;
	page = gm_ptr(gm, value, 4096);
	if (!page)
		return -EFAULT;
	return xen_hcall_page_fill(page, port);
}
