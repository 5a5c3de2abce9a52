/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Receive a stream the host writes to xkvm's stdin (or the pty), by interrupts: RX data
 * available at the trigger level and the character timeout, through IOAPIC pin 4.
 *   len=N       bytes to expect (up to 64 KiB kept; all counted and checksummed)
 *   trigger=T   RX FIFO trigger level: 1, 4, 8 or 14 (default 14)
 *   echo=1      send every received byte back (polled), in order
 *   cti=1       then a second phase: 5 bytes, below the trigger level, which only the
 *               character timeout can announce
 * SYNC rx-ready (len) -> host writes; SYNC rx-done (count, fnv1a32, rda_irqs, cti_irqs,
 * overruns); with cti=1: SYNC cti-ready -> host writes 5 bytes; SYNC cti-done (count,
 * rda_irqs, cti_irqs, fnv1a32).
 */
#include "guest.h"

#define VEC_UART 0x41
#define VEC_TICK 0x42

static u8 buf[65536];
static volatile u64 rcvd, rda_irqs, cti_irqs, overruns, ticks;

static void drain(void)
{
	while (inb(COM1 + UART_LSR) & LSR_DR) {
		u8 b = inb(COM1 + UART_RBR);
		if (rcvd < sizeof(buf))
			buf[rcvd] = b;
		rcvd++;
	}
}

static void uart_isr(struct irq_frame *f)
{
	(void)f;
	for (;;) {
		u8 iir = inb(COM1 + UART_IIR);
		if (iir & 1)
			break;
		switch (iir & 0x0e) {
		case 0x04:
			rda_irqs++;
			drain();
			break;
		case 0x0c:
			cti_irqs++;
			drain();
			break;
		case 0x06:
			if (inb(COM1 + UART_LSR) & LSR_OE)
				overruns++;
			break;
		case 0x02:
			outb(COM1 + UART_IER, inb(COM1 + UART_IER) & ~2);
			break;
		default:
			inb(COM1 + UART_MSR);
			break;
		}
	}
	lapic_eoi();
}

static void tick_isr(struct irq_frame *f)
{
	(void)f;
	ticks++;
	lapic_eoi();
}

static u32 fnv1a(const u8 *p, u64 n)
{
	u32 h = 2166136261u;

	for (u64 i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static u64 echoed;

/* Wait (halted) until `want` bytes arrived; echo them back if asked. */
static void wait_for(u64 want, bool echo)
{
	u64 last = rcvd, t_last = kvmclock_ns();

	cli();
	while (rcvd < want || (echo && echoed < rcvd && echoed < sizeof(buf))) {
		while (echo && echoed < rcvd && echoed < sizeof(buf)) {
			sti();
			serial_putc((char)buf[echoed++]);
			cli();
		}
		if (rcvd >= want)
			continue;
		sti_hlt();
		cli();
		if (rcvd != last) {
			last = rcvd;
			t_last = kvmclock_ns();
		} else if (kvmclock_ns() - t_last > 10000000000ull) {
			sti();
			GUEST_SYNC("rx-stuck", rcvd, want, rda_irqs, cti_irqs, inb(COM1 + UART_LSR));
			GUEST_FAIL("no RX interrupt for 10 s");
		}
	}
	sti();
}

int main(void)
{
	static const u8 fcr_trig[15] = { [1] = 0x00, [4] = 0x40, [8] = 0x80, [14] = 0xc0 };
	u64 len = cmdline_get_u64("len", 1024);
	u64 trig = cmdline_get_u64("trigger", 14);
	bool echo = cmdline_get_u64("echo", 0);
	u64 rda0, cti0;

	kvmclock_init_cpu();
	GUEST_ASSERT(trig == 1 || trig == 4 || trig == 8 || trig == 14);
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x83);
	outb(COM1 + UART_RBR, 1); /* 115200 baud: the timeout is ~347 us */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x03);
	outb(COM1 + UART_IIR, (u8)(0x07 | fcr_trig[trig]));
	outb(COM1 + UART_MCR, 0x0b);

	irq_set_handler(VEC_UART, uart_isr);
	irq_set_handler(VEC_TICK, tick_isr);
	lapic_enable();
	lapic_timer_periodic(VEC_TICK, 10000000);
	pic_mask_all();
	ioapic_route(COM1_IRQ, VEC_UART, this_apic_id(), false, false);
	outb(COM1 + UART_IER, 0x05); /* RX data + line status */
	sti();

	GUEST_SYNC("rx-ready", len);
	wait_for(len, echo);
	GUEST_SYNC("rx-done", rcvd, fnv1a(buf, len < sizeof(buf) ? len : sizeof(buf)), rda_irqs,
		   cti_irqs, overruns);
	GUEST_ASSERT_EQ(rcvd, len);
	GUEST_ASSERT_EQ(overruns, 0);

	if (cmdline_get_u64("cti", 0)) {
		GUEST_ASSERT(trig > 5);
		rda0 = rda_irqs;
		cti0 = cti_irqs;
		GUEST_SYNC("cti-ready");
		wait_for(len + 5, false);
		GUEST_SYNC("cti-done", rcvd - len, rda_irqs - rda0, cti_irqs - cti0,
			   fnv1a(buf + len, 5));
	}
	lapic_timer_stop();
	return 0;
}
