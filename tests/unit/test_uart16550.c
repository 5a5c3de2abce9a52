/* SPDX-License-Identifier: GPL-2.0-only */
/* The 16550A model (devices/uart16550.c) without KVM: FIFOs, IIR priorities, THRE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/uart16550.h"

static void fifo_on(struct uart16550 *u, uint8_t trig_bits)
{
	uart_write(u, UART_FCR, (uint8_t)(UART_FCR_FE | UART_FCR_RFR | UART_FCR_XFR | trig_bits));
}

static void test_reset_values(void **state)
{
	struct uart16550 u;

	(void)state;
	uart_init(&u);
	assert_int_equal(uart_read(&u, UART_IER), 0);
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_NO_INT);
	assert_int_equal(uart_read(&u, UART_LCR), 0);
	assert_int_equal(uart_read(&u, UART_MCR), 0);
	assert_int_equal(uart_read(&u, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(uart_read(&u, UART_MSR), UART_MSR_CONNECTED);
	assert_int_equal(u.sources, 0);

	/* Reset keeps the divisor and the scratch register, clears the rest. */
	uart_write(&u, UART_SCR, 0x42);
	uart_write(&u, UART_LCR, UART_LCR_DLAB);
	uart_write(&u, UART_DLL, 0x01);
	uart_write(&u, UART_DLM, 0x02);
	uart_write(&u, UART_LCR, 0x03);
	uart_write(&u, UART_IER, 0x0f);
	fifo_on(&u, 0);
	uart_rx_push(&u, (const uint8_t *)"ab", 2);
	uart_reset(&u);
	assert_int_equal(u.divisor, 0x0201);
	assert_int_equal(uart_read(&u, UART_SCR), 0x42);
	assert_int_equal(uart_read(&u, UART_IER), 0);
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_NO_INT);
	assert_int_equal(uart_rx_count(&u), 0);
	assert_false(uart_fifo_enabled(&u));
}

static void test_fifo_order_and_room(void **state)
{
	struct uart16550 u;
	uint8_t in[20];

	(void)state;
	uart_init(&u);
	for (int i = 0; i < 20; i++)
		in[i] = (uint8_t)(0x40 + i);
	/* 16450 mode: one byte at a time. */
	assert_int_equal(uart_rx_room(&u), 1);
	assert_int_equal(uart_rx_push(&u, in, 20), 1);
	assert_int_equal(uart_rx_room(&u), 0);
	assert_int_equal(uart_read(&u, UART_RBR), 0x40);

	fifo_on(&u, 0);
	assert_int_equal(uart_rx_room(&u), 16);
	assert_int_equal(uart_rx_push(&u, in, 10), 10);
	assert_int_equal(uart_rx_push(&u, in + 10, 10), 6); /* never more than the room */
	assert_int_equal(uart_rx_room(&u), 0);
	for (int i = 0; i < 16; i++)
		assert_int_equal(uart_read(&u, UART_RBR), 0x40 + i);
	assert_int_equal(uart_read(&u, UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(uart_read(&u, UART_LSR) & UART_LSR_OE, 0); /* room was respected */
	/* An empty RBR returns the last byte again and changes nothing. */
	assert_int_equal(uart_read(&u, UART_RBR), 0x4f);

	/* Wrap-around: the ring keeps order across its end. */
	for (int round = 0; round < 3; round++) {
		assert_int_equal(uart_rx_push(&u, in, 11), 11);
		for (int i = 0; i < 11; i++)
			assert_int_equal(uart_read(&u, UART_RBR), 0x40 + i);
	}
	/* Loopback disconnects the receiver from the wire. */
	uart_write(&u, UART_MCR, UART_MCR_LOOP);
	assert_int_equal(uart_rx_room(&u), 0);
	assert_int_equal(uart_rx_push(&u, in, 1), 0);
}

static void test_iir_priorities(void **state)
{
	struct uart16550 u;

	(void)state;
	uart_init(&u);
	fifo_on(&u, 0);
	uart_write(&u, UART_MCR, UART_MCR_LOOP | 0x0f);
	uart_read(&u, UART_MSR);
	for (int i = 0; i < 17; i++)
		uart_write(&u, UART_THR, (uint8_t)i); /* 16 received, one overrun */
	uart_write(&u, UART_MCR, UART_MCR_LOOP | 0x0d); /* RTS off: DCTS */
	uart_write(&u, UART_IER, 0x0f);
	assert_int_equal(u.sources, UART_SRC_RLS | UART_SRC_RDA | UART_SRC_THRE | UART_SRC_MS);
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_RLSI);
	assert_true(uart_read(&u, UART_LSR) & UART_LSR_OE);
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_RDI);
	for (int i = 0; i < 16; i++)
		uart_read(&u, UART_RBR);
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_THRI);
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_MSI);
	assert_int_equal(uart_read(&u, UART_MSR) & UART_MSR_DELTA, UART_MSR_DCTS);
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_NO_INT);
	assert_int_equal(u.sources, 0);

	/* Data at the trigger level outranks the timeout (so the answer does not depend on
	 * how late the guest looks); below the trigger level the timeout is reported.  Both
	 * are RDI-enabled only. */
	uart_write(&u, UART_MCR, 0);
	uart_write(&u, UART_IER, UART_IER_RDI);
	uart_rx_push(&u, (const uint8_t *)"x", 1);
	assert_int_equal(uart_iir(&u), UART_IIR_FIFO | UART_IIR_RDI);
	uart_rx_timeout(&u);
	assert_int_equal(uart_iir(&u), UART_IIR_FIFO | UART_IIR_RDI);
	uart_read(&u, UART_RBR);
	uart_write(&u, UART_FCR, 0x41); /* FIFO on, trigger level 4 */
	uart_rx_push(&u, (const uint8_t *)"yz", 2);
	assert_int_equal(uart_iir(&u), UART_IIR_FIFO | UART_IIR_NO_INT);
	uart_rx_timeout(&u);
	assert_int_equal(uart_iir(&u), UART_IIR_FIFO | UART_IIR_CTI);
	uart_write(&u, UART_IER, 0);
	assert_int_equal(uart_iir(&u), UART_IIR_FIFO | UART_IIR_NO_INT);
}

static void test_thre_semantics(void **state)
{
	struct uart16550 u;
	uint8_t out[32];
	uint64_t raises;

	(void)state;
	uart_init(&u);
	fifo_on(&u, 0);
	/* Enabling THRI while THR is empty raises THRE. */
	uart_write(&u, UART_IER, UART_IER_THRI);
	assert_int_equal(u.sources, UART_SRC_THRE);
	/* Reading IIR with THRE as the source clears it. */
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_THRI);
	assert_int_equal(u.sources, 0);
	assert_int_equal(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_NO_INT);

	/* Raised again when the TX FIFO empties (the shift register took it all). */
	raises = u.raise_count;
	uart_write(&u, UART_THR, 'a');
	uart_write(&u, UART_THR, 'b');
	assert_int_equal(uart_read(&u, UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), 0);
	assert_int_equal(uart_tx_pop(&u, out, 1), 1);
	assert_int_equal(u.sources, 0); /* not empty yet */
	assert_int_equal(uart_tx_pop(&u, out + 1, 8), 1);
	assert_memory_equal(out, "ab", 2);
	assert_int_equal(u.sources, UART_SRC_THRE);
	assert_int_equal(u.raise_count, raises + 1);

	/* Writing THR clears a pending THRE (no IIR read needed). */
	uart_write(&u, UART_THR, 'c');
	assert_int_equal(u.sources, 0);
	uart_tx_pop(&u, out, 8);
	assert_int_equal(u.sources, UART_SRC_THRE);
	assert_int_equal(u.raise_count, raises + 2); /* a new cause: a new edge */

	/* TEMT waits for the wire as well. */
	uart_set_wire_busy(&u, true);
	assert_int_equal(uart_read(&u, UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), UART_LSR_THRE);
	uart_set_wire_busy(&u, false);
	assert_true(uart_read(&u, UART_LSR) & UART_LSR_TEMT);

	/* A full TX FIFO drops what the guest writes past it. */
	for (int i = 0; i < 20; i++)
		uart_write(&u, UART_THR, (uint8_t)i);
	assert_int_equal(uart_tx_count(&u), 16);
	assert_int_equal(u.tx_dropped, 4);
	assert_int_equal(uart_tx_pop(&u, out, 32), 16);
	for (int i = 0; i < 16; i++)
		assert_int_equal(out[i], i);

	/* Disabling THRI withdraws the pending THRE. */
	assert_int_equal(u.sources, UART_SRC_THRE);
	uart_write(&u, UART_IER, 0);
	assert_int_equal(u.sources, 0);
	assert_false(u.thre_pending);
}

static void test_fcr(void **state)
{
	struct uart16550 u;
	uint8_t b[16] = { 0 };

	(void)state;
	uart_init(&u);
	uart_write(&u, UART_IER, UART_IER_RDI);
	fifo_on(&u, 0xc0); /* trigger 14 */
	assert_int_equal(u.rx_trigger, 14);
	uart_rx_push(&u, b, 13);
	assert_int_equal(u.sources, 0);
	uart_rx_push(&u, b, 1);
	assert_int_equal(u.sources, UART_SRC_RDA);
	/* Bit 1 clears the RX FIFO (and the interrupt), bit 2 the TX FIFO. */
	uart_write(&u, UART_FCR, UART_FCR_FE | UART_FCR_RFR | 0xc0);
	assert_int_equal(uart_rx_count(&u), 0);
	assert_int_equal(u.sources, 0);
	uart_write(&u, UART_THR, 1);
	uart_write(&u, UART_FCR, UART_FCR_FE | UART_FCR_XFR | 0xc0);
	assert_int_equal(uart_tx_count(&u), 0);
	assert_true(u.thre_pending);
	/* Trigger levels 1, 4, 8. */
	uart_write(&u, UART_FCR, UART_FCR_FE | 0x00);
	assert_int_equal(u.rx_trigger, 1);
	uart_write(&u, UART_FCR, UART_FCR_FE | 0x40);
	assert_int_equal(u.rx_trigger, 4);
	uart_write(&u, UART_FCR, UART_FCR_FE | 0x80);
	assert_int_equal(u.rx_trigger, 8);
	/* Turning the FIFOs off clears them; IIR bits 7:6 follow. */
	uart_rx_push(&u, b, 3);
	assert_int_equal(uart_iir(&u) & UART_IIR_FIFO, UART_IIR_FIFO);
	uart_write(&u, UART_FCR, 0);
	assert_int_equal(uart_rx_count(&u), 0);
	assert_int_equal(uart_iir(&u) & UART_IIR_FIFO, 0);
	/* With bit 0 clear, nothing else is programmed. */
	uart_write(&u, UART_FCR, 0xc0);
	assert_int_equal(u.rx_trigger, 8);
	assert_false(uart_fifo_enabled(&u));
}

static void test_timeout(void **state)
{
	struct uart16550 u;

	(void)state;
	uart_init(&u);
	uart_write(&u, UART_IER, UART_IER_RDI);
	/* No character timeout in 16450 mode or with an empty FIFO. */
	uart_rx_timeout(&u);
	assert_false(u.timeout_pending);
	fifo_on(&u, 0xc0);
	uart_rx_timeout(&u);
	assert_false(u.timeout_pending);
	uart_rx_push(&u, (const uint8_t *)"abc", 3);
	assert_int_equal(u.sources, 0);
	uart_rx_timeout(&u);
	assert_int_equal(u.sources, UART_SRC_CTI);
	/* Receiving does not clear it; reading RBR does. */
	uart_rx_push(&u, (const uint8_t *)"d", 1);
	assert_int_equal(u.sources, UART_SRC_CTI);
	assert_int_equal(uart_read(&u, UART_RBR), 'a');
	assert_int_equal(u.sources, 0);

	/* 4 characters of 10 bits at 115200 baud: 347 us; at 9600 (reset): 4.17 ms. */
	uart_write(&u, UART_LCR, UART_LCR_DLAB | 0x03);
	uart_write(&u, UART_DLL, 1);
	uart_write(&u, UART_DLM, 0);
	uart_write(&u, UART_LCR, 0x03);
	assert_int_equal(uart_timeout_ns(&u), 347222);
	uart_write(&u, UART_LCR, 0x03 | UART_LCR_PAR | UART_LCR_STOP); /* 12 bits */
	assert_int_equal(uart_timeout_ns(&u), 416666);
}

static void test_loopback_and_modem(void **state)
{
	struct uart16550 u;

	(void)state;
	uart_init(&u);
	uart_write(&u, UART_IER, UART_IER_MSI);
	/* The outside world drops DCD: DDCD and a modem status interrupt. */
	uart_set_modem_inputs(&u, UART_MSR_CTS | UART_MSR_DSR);
	assert_int_equal(u.sources, UART_SRC_MS);
	assert_int_equal(uart_read(&u, UART_MSR), UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DDCD);
	assert_int_equal(u.sources, 0);
	/* RI: only its trailing edge sets TERI. */
	uart_set_modem_inputs(&u, UART_MSR_RI);
	assert_int_equal(uart_read(&u, UART_MSR) & UART_MSR_TERI, 0);
	uart_set_modem_inputs(&u, 0);
	assert_true(uart_read(&u, UART_MSR) & UART_MSR_TERI);

	/* Loopback: outputs feed the inputs; TX feeds RX. */
	uart_write(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT2);
	assert_int_equal(uart_read(&u, UART_MSR) & 0xf0, UART_MSR_CTS | UART_MSR_DCD);
	uart_write(&u, UART_THR, 'z');
	assert_int_equal(uart_tx_count(&u), 0);
	assert_int_equal(uart_read(&u, UART_RBR), 'z');
	/* 16450 mode overrun: the newer byte wins, OE is latched until LSR is read. */
	uart_write(&u, UART_THR, '1');
	uart_write(&u, UART_THR, '2');
	assert_int_equal(uart_read(&u, UART_LSR) & (UART_LSR_DR | UART_LSR_OE),
			 UART_LSR_DR | UART_LSR_OE);
	assert_int_equal(uart_read(&u, UART_LSR) & UART_LSR_OE, 0);
	assert_int_equal(uart_read(&u, UART_RBR), '2');
	assert_int_equal(u.rx_overruns, 1);
}

static void test_break(void **state)
{
	struct uart16550 u;

	(void)state;
	uart_init(&u);
	fifo_on(&u, 0);
	uart_write(&u, UART_IER, UART_IER_RLSI);
	uart_rx_break(&u);
	assert_int_equal(u.sources, UART_SRC_RLS);
	assert_int_equal(uart_read(&u, UART_LSR) & (UART_LSR_BI | UART_LSR_DR | UART_LSR_FIFOERR),
			 UART_LSR_BI | UART_LSR_DR | UART_LSR_FIFOERR);
	assert_int_equal(u.sources, 0);
	/* Bit 7 stays while the break byte is in the FIFO. */
	assert_true(uart_read(&u, UART_LSR) & UART_LSR_FIFOERR);
	assert_int_equal(uart_read(&u, UART_RBR), 0);
	assert_int_equal(uart_read(&u, UART_LSR) & UART_LSR_FIFOERR, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_values),
		cmocka_unit_test(test_fifo_order_and_room),
		cmocka_unit_test(test_iir_priorities),
		cmocka_unit_test(test_thre_semantics),
		cmocka_unit_test(test_fcr),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_loopback_and_modem),
		cmocka_unit_test(test_break),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
