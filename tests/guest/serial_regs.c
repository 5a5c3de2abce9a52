/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The 16550A register file seen from the guest: reset values, scratch register, the
 * divisor latch behind DLAB, IER's writable bits, FIFO enable in IIR, loopback (data
 * and modem lines with their deltas), RX FIFO depth and overrun in both modes, the
 * interrupt identification priorities, the RX trigger level, the character timeout,
 * and finally one RX-data and one THRE interrupt delivered through IOAPIC pin 4.
 * Everything runs in loopback (or without data), so the back-end sees nothing.
 * absent=1: there is no UART (-serial none): its ports read all-ones.
 */
#include "guest.h"

#define VEC_UART 0x41

static volatile u32 irq_count;
static volatile u8 irq_iir[8];

static u8 rd(unsigned reg) { return inb(COM1 + reg); }
static void wr(unsigned reg, u8 v) { outb(COM1 + reg, v); }

static void uart_isr(struct irq_frame *f)
{
	(void)f;
	for (int i = 0; i < 8; i++) {
		u8 iir = rd(UART_IIR);
		if (iir & 1)
			break;
		if (irq_count < ARRAY_SIZE(irq_iir))
			irq_iir[irq_count] = iir;
		irq_count++;
		if ((iir & 0x0e) == 0x04 || (iir & 0x0e) == 0x0c) {
			while (rd(UART_LSR) & LSR_DR)
				rd(UART_RBR);
		} else if ((iir & 0x0e) == 0x02) {
			wr(UART_IER, rd(UART_IER) & ~2); /* THRE seen: stop asking */
		}
	}
	lapic_eoi();
}

static void reset_values(void)
{
	GUEST_ASSERT_EQ(rd(UART_IER), 0x00);
	GUEST_ASSERT_EQ(rd(UART_IIR), 0x01);
	GUEST_ASSERT_EQ(rd(UART_LCR), 0x00);
	GUEST_ASSERT_EQ(rd(UART_MCR), 0x00);
	GUEST_ASSERT_EQ(rd(UART_LSR), LSR_THRE | LSR_TEMT);
	GUEST_ASSERT_EQ(rd(UART_MSR), 0xb0); /* DCD, DSR, CTS; no deltas */
}

static void scratch_and_divisor(void)
{
	wr(UART_SCR, 0xa5);
	GUEST_ASSERT_EQ(rd(UART_SCR), 0xa5);
	wr(UART_SCR, 0x5a);
	GUEST_ASSERT_EQ(rd(UART_SCR), 0x5a);

	wr(UART_LCR, 0x83); /* DLAB, 8N1 */
	wr(UART_RBR, 0x34);
	wr(UART_IER, 0x12);
	GUEST_ASSERT_EQ(rd(UART_RBR), 0x34);
	GUEST_ASSERT_EQ(rd(UART_IER), 0x12);
	GUEST_ASSERT_EQ(rd(UART_LCR), 0x83);
	wr(UART_LCR, 0x03);
	GUEST_ASSERT_EQ(rd(UART_IER), 0x00); /* the real IER again */
	GUEST_ASSERT_EQ(rd(UART_LSR), LSR_THRE | LSR_TEMT);

	wr(UART_IER, 0xff);
	GUEST_ASSERT_EQ(rd(UART_IER), 0x0f); /* bits 7:4 are always 0 */
	wr(UART_IER, 0x00);
	GUEST_ASSERT_EQ(rd(UART_IIR), 0x01);

	wr(UART_IIR, 0x01); /* FCR: FIFOs on */
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xc1);
	wr(UART_IIR, 0x00);
	GUEST_ASSERT_EQ(rd(UART_IIR), 0x01);
}

static void loopback_modem_lines(void)
{
	wr(UART_MCR, 0x10); /* loop, every output low */
	GUEST_ASSERT_EQ(rd(UART_MSR), 0x0b); /* CTS, DSR, DCD fell: DCTS DDSR DDCD */
	GUEST_ASSERT_EQ(rd(UART_MSR), 0x00); /* deltas cleared by the read */
	wr(UART_MCR, 0x1f); /* DTR RTS OUT1 OUT2 */
	GUEST_ASSERT_EQ(rd(UART_MSR), 0xfb); /* RI rising: no TERI */
	GUEST_ASSERT_EQ(rd(UART_MCR), 0x1f);
	wr(UART_MCR, 0x1b); /* OUT1 off: RI falls */
	GUEST_ASSERT_EQ(rd(UART_MSR), 0xb4); /* TERI */
	GUEST_ASSERT_EQ(rd(UART_MSR), 0xb0);
}

static void loopback_data(void)
{
	wr(UART_IIR, 0x07); /* FIFOs on and cleared, trigger 1 */
	wr(UART_RBR, 'A');
	GUEST_ASSERT_EQ(rd(UART_LSR) & (LSR_DR | LSR_OE), LSR_DR);
	GUEST_ASSERT_EQ(rd(UART_RBR), 'A');
	GUEST_ASSERT_EQ(rd(UART_LSR) & LSR_DR, 0);

	/* 16 bytes fit; the 17th is an overrun and is lost (FIFO mode). */
	for (u8 i = 0; i < 17; i++)
		wr(UART_RBR, (u8)(0x30 + i));
	GUEST_ASSERT_EQ(rd(UART_LSR) & (LSR_DR | LSR_OE), LSR_DR | LSR_OE);
	GUEST_ASSERT_EQ(rd(UART_LSR) & LSR_OE, 0); /* cleared by the read */
	for (u8 i = 0; i < 16; i++)
		GUEST_ASSERT_EQ(rd(UART_RBR), 0x30 + i);
	GUEST_ASSERT_EQ(rd(UART_LSR) & LSR_DR, 0);

	/* 16450 mode: a one-byte holding register; the newer byte overwrites. */
	wr(UART_IIR, 0x00);
	wr(UART_RBR, 'x');
	wr(UART_RBR, 'y');
	GUEST_ASSERT_EQ(rd(UART_LSR) & (LSR_DR | LSR_OE), LSR_DR | LSR_OE);
	GUEST_ASSERT_EQ(rd(UART_RBR), 'y');
	GUEST_ASSERT_EQ(rd(UART_LSR) & LSR_DR, 0);
}

static void iir_priorities(void)
{
	wr(UART_IIR, 0x07);
	wr(UART_MCR, 0x1f);
	rd(UART_MSR);
	for (u8 i = 0; i < 17; i++) /* RX FIFO full plus an overrun */
		wr(UART_RBR, i);
	wr(UART_MCR, 0x1d); /* RTS off: DCTS */
	wr(UART_IER, 0x0f); /* THRI rising with THR empty raises THRE */

	GUEST_ASSERT_EQ(rd(UART_IIR), 0xc6); /* 1: line status (overrun) */
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xc6); /* an IIR read does not clear it */
	GUEST_ASSERT(rd(UART_LSR) & LSR_OE);
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xc4); /* 2: received data */
	for (u8 i = 0; i < 16; i++)
		GUEST_ASSERT_EQ(rd(UART_RBR), i);
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xc2); /* 3: THR empty, cleared by this read */
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xc0); /* 4: modem status */
	GUEST_ASSERT_EQ(rd(UART_MSR) & 0x0f, 0x01);
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xc1);

	/* THRE again only when THRI is re-enabled (THR is still empty) ... */
	wr(UART_IER, 0x0d);
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xc1);
	wr(UART_IER, 0x0f);
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xc2);
	/* ... and disabling THRI withdraws it. */
	wr(UART_IER, 0x0d);
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xc1);
	wr(UART_IER, 0x00);
}

static void trigger_and_timeout(void)
{
	u64 t0;

	/* Slow line (divisor 0x1234: 4 characters take ~1.6 s): no timeout meddles. */
	wr(UART_LCR, 0x83);
	wr(UART_RBR, 0x34);
	wr(UART_IER, 0x12);
	wr(UART_LCR, 0x03);
	wr(UART_IIR, 0xc7); /* trigger 14 */
	wr(UART_IER, 0x01);
	for (u8 i = 0; i < 13; i++)
		wr(UART_RBR, i);
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xc1); /* 13 < 14 */
	wr(UART_RBR, 13);
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xc4); /* at the trigger level */
	GUEST_ASSERT_EQ(rd(UART_RBR), 0);
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xc1); /* below it again */

	/* 115200 baud: the timeout is 4 x 10 bits = ~347 us. */
	wr(UART_LCR, 0x83);
	wr(UART_RBR, 0x01);
	wr(UART_IER, 0x00);
	wr(UART_LCR, 0x03);
	t0 = kvmclock_ns();
	while (rd(UART_IIR) != 0xcc && kvmclock_ns() - t0 < 1000000000ull)
		udelay(100);
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xcc); /* character timeout */
	GUEST_REPORT("cti_after_us", (kvmclock_ns() - t0) / 1000);
	GUEST_ASSERT_EQ(rd(UART_RBR), 1); /* the read clears it ... */
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xc1);
	t0 = kvmclock_ns();
	while (rd(UART_IIR) != 0xcc && kvmclock_ns() - t0 < 1000000000ull)
		udelay(100);
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xcc); /* ... and it comes back while data waits */
	wr(UART_IIR, 0xc3); /* clear the RX FIFO */
	GUEST_ASSERT_EQ(rd(UART_IIR), 0xc1);
	GUEST_ASSERT_EQ(rd(UART_LSR) & LSR_DR, 0);
	wr(UART_IER, 0x00);
}

static void wait_irqs(u32 n)
{
	u64 t0 = kvmclock_ns();

	while (irq_count < n && kvmclock_ns() - t0 < 2000000000ull)
		udelay(50);
}

static void interrupts(void)
{
	irq_set_handler(VEC_UART, uart_isr);
	lapic_enable();
	/* No pic_mask_all(): xkvm masks the in-kernel 8259s itself (no PIC on this machine). */
	ioapic_route(COM1_IRQ, VEC_UART, this_apic_id(), false, false);
	wr(UART_IIR, 0x07);
	sti();

	wr(UART_IER, 0x01);
	wr(UART_RBR, 0x99); /* loopback: received at once */
	wait_irqs(1);
	GUEST_ASSERT_EQ(irq_count, 1);
	GUEST_ASSERT_EQ(irq_iir[0], 0xc4);
	GUEST_ASSERT_EQ(rd(UART_LSR) & LSR_DR, 0);

	wr(UART_IER, 0x03); /* THRI rising: a THRE interrupt */
	wait_irqs(2);
	GUEST_ASSERT_EQ(irq_count, 2);
	GUEST_ASSERT_EQ(irq_iir[1], 0xc2);
	wr(UART_IER, 0x00);
	cli();
	ioapic_mask(COM1_IRQ, true);
}

int main(void)
{
	if (cmdline_get_u64("absent", 0)) {
		/* -serial none: no UART; the ports float. */
		GUEST_ASSERT_EQ(rd(UART_LSR), 0xff);
		GUEST_ASSERT_EQ(rd(UART_SCR), 0xff);
		GUEST_SYNC("absent-ok");
		return 0;
	}
	kvmclock_init_cpu();
	reset_values();
	scratch_and_divisor();
	loopback_modem_lines();
	loopback_data();
	iir_priorities();
	trigger_and_timeout();
	interrupts();
	wr(UART_MCR, 0x0b);
	GUEST_ASSERT_EQ(rd(UART_LSR), LSR_THRE | LSR_TEMT);
	GUEST_SYNC("regs-ok", rd(UART_SCR));
	return 0;
}
