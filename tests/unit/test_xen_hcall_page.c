/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypercall page: byte-for-byte what GNU as assembles from the specified stub
 * (xen_hcall_page_ref.S, 64- and 32-bit), each stub decoded by hand, the port rules, and
 * the MSR write into guest RAM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "xen/hcall_page.h"

extern const uint8_t xen_hcall_ref64[4096], xen_hcall_ref32[4096];

static void test_matches_assembler(void **state)
{
	static uint8_t page[4096];

	(void)state;
	assert_int_equal(xen_hcall_page_fill(page, XEN_HCALL_PORT_DEFAULT), 0);
	assert_memory_equal(page, xen_hcall_ref64, 4096);
	/* the same bytes are the same instructions in 32-bit code */
	assert_memory_equal(page, xen_hcall_ref32, 4096);
}

/* An independent decoder for the three instructions a stub may hold. */
static void test_decode_every_stub(void **state)
{
	static uint8_t page[4096];

	(void)state;
	assert_int_equal(xen_hcall_page_fill(page, 0xe2), 0);
	for (uint32_t nr = 0; nr < XEN_HCALL_NR_STUBS; nr++) {
		const uint8_t *s = page + nr * XEN_HCALL_STUB_SIZE;
		unsigned i = 0, port = 0;
		uint32_t imm, dnr;

		if (nr == XEN_HCALL_IRET) {
			assert_int_equal(s[0], 0x0f); /* ud2: a guest using iret faults */
			assert_int_equal(s[1], 0x0b);
			i = 2;
			assert_int_equal(xen_hcall_stub_decode(s, &dnr, &port), -EINVAL);
		} else {
			assert_int_equal(s[i++], 0xb8); /* MOV EAX, imm32 */
			memcpy(&imm, s + i, 4);
			i += 4;
			assert_int_equal(imm, nr);
			assert_int_equal(s[i++], 0xe7); /* OUT imm8, EAX */
			assert_int_equal(s[i++], 0xe2);
			assert_int_equal(s[i++], 0xc3); /* RET */
			assert_int_equal(xen_hcall_stub_decode(s, &dnr, &port), 0);
			assert_int_equal(dnr, nr);
			assert_int_equal(port, 0xe2);
		}
		for (; i < XEN_HCALL_STUB_SIZE; i++)
			assert_int_equal(s[i], 0xcc); /* INT3 padding */
	}
}

static void test_ports(void **state)
{
	static uint8_t page[4096];
	const unsigned refused[] = { 0x12, 0x20, 0x40, 0x60, 0x64, 0x70, 0x7e, 0x80, 0x92,
				     0xa0, 0xc0, 0xe9, 0xed, 0xf0, 0xf4, 0x100, 0x3f8 };

	(void)state;
	assert_true(xen_hcall_port_ok(XEN_HCALL_PORT_DEFAULT));
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_false(xen_hcall_port_ok(refused[i]));
		assert_int_equal(xen_hcall_page_fill(page, refused[i]), -EINVAL);
	}
	for (unsigned p = 0xe0; p < 0xf0; p++)
		assert_int_equal(xen_hcall_port_ok(p), p != 0xe9 && p != 0xed);
}

static void test_msr_write(void **state)
{
	struct guest_mem gm;
	uint32_t nr;
	unsigned port;
	uint8_t *page;

	(void)state;
	assert_int_equal(gm_init(&gm, 16 << 20, 0xc0000000ull), 0);
	assert_int_equal(xen_hcall_msr_write(&gm, 0x5000 | 1, XEN_HCALL_PORT_DEFAULT), -EINVAL);
	assert_int_equal(xen_hcall_msr_write(&gm, 0x5000 | 0x800, XEN_HCALL_PORT_DEFAULT), -EINVAL);
	assert_int_equal(xen_hcall_msr_write(&gm, 64ull << 20, XEN_HCALL_PORT_DEFAULT), -EFAULT);
	assert_int_equal(xen_hcall_msr_write(&gm, 0xfffffffffffff000ull, XEN_HCALL_PORT_DEFAULT),
			 -EFAULT);
	assert_int_equal(xen_hcall_msr_write(&gm, 0x5000, 0x80), -EINVAL);
	assert_int_equal(xen_hcall_msr_write(&gm, 0x5000, XEN_HCALL_PORT_DEFAULT), 0);
	page = gm_ptr(&gm, 0x5000, 4096);
	assert_memory_equal(page, xen_hcall_ref64, 4096);
	assert_int_equal(xen_hcall_stub_decode(page + 32 * 32, &nr, &port), 0);
	assert_int_equal(nr, 32); /* __HYPERVISOR_event_channel_op */
	gm_destroy(&gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_assembler),
		cmocka_unit_test(test_decode_every_stub),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_msr_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
