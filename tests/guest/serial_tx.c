/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Transmit `len` bytes of a deterministic stream on COM1; the host checks every byte.
 *   mode=irq    (default) driven by THRE interrupts through IOAPIC pin 4: the handler
 *               loads up to 16 bytes (the TX FIFO) per interrupt; main() halts meanwhile
 *   mode=poll   as fast as the guest can: poll LSR.THRE, then load 16 bytes; counts the
 *               polls that found the transmitter busy (the host's back-pressure)
 *   poweroff=N  after the last byte (or after stall_ms of a busy transmitter in poll
 *               mode), write N to isa-debug-exit instead of finishing normally
 *   seed=S      the stream: xorshift32 from S, one byte (bits 31:24) per step
 * Reports SYNC tx-done (sent, thre_irqs, empty_irqs, busy_polls).
 */
#include "guest.h"

#define VEC_UART 0x41
#define VEC_TICK 0x42

static u32 rng;
static u64 total;
static volatile u64 sent, thre_irqs, empty_irqs, ticks;

static u8 next_byte(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return (u8)(rng >> 24);
}

static void load_fifo(void)
{
	for (int i = 0; i < 16 && sent < total; i++) {
		outb(COM1, next_byte());
		sent++;
	}
}

static void uart_isr(struct irq_frame *f)
{
	bool any = false;

	(void)f;
	for (;;) {
		u8 iir = inb(COM1 + UART_IIR);
		if (iir & 1)
			break;
		any = true;
		switch (iir & 0x0e) {
		case 0x02:
			thre_irqs++;
			load_fifo();
			if (sent == total)
				outb(COM1 + UART_IER, 0);
			break;
		case 0x06:
			inb(COM1 + UART_LSR);
			break;
		case 0x04:
		case 0x0c:
			while (inb(COM1 + UART_LSR) & LSR_DR)
				inb(COM1 + UART_RBR);
			break;
		default:
			inb(COM1 + UART_MSR);
			break;
		}
	}
	if (!any)
		empty_irqs++;
	lapic_eoi();
}

static void tick_isr(struct irq_frame *f)
{
	(void)f;
	ticks++;
	lapic_eoi();
}

static void uart_setup(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x83);
	outb(COM1 + UART_RBR, 1); /* 115200 baud */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x03);
	outb(COM1 + UART_IIR, 0xc7);
	outb(COM1 + UART_MCR, 0x0b);
}

static void send_irq(void)
{
	u64 last = 0, t_last = kvmclock_ns();

	irq_set_handler(VEC_UART, uart_isr);
	irq_set_handler(VEC_TICK, tick_isr);
	lapic_enable();
	lapic_timer_periodic(VEC_TICK, 10000000); /* 10 ms: a watchdog for hlt */
	pic_mask_all();
	ioapic_route(COM1_IRQ, VEC_UART, this_apic_id(), false, false);
	outb(COM1 + UART_IER, 0x02); /* THRI rising with THR empty: the first interrupt */
	cli();
	while (sent < total) {
		sti_hlt();
		cli();
		if (sent != last) {
			last = sent;
			t_last = kvmclock_ns();
		} else if (kvmclock_ns() - t_last > 5000000000ull) {
			GUEST_FAIL("no THRE interrupt for 5 s");
		}
	}
	sti();
	lapic_timer_stop();
	ioapic_mask(COM1_IRQ, true);
}

static u64 send_poll(u64 stall_ms)
{
	u64 busy = 0, stall_start = 0;

	while (sent < total) {
		if (!(inb(COM1 + UART_LSR) & LSR_THRE)) {
			u64 now;
			busy++;
			if (!stall_ms)
				continue;
			now = kvmclock_ns();
			if (!stall_start)
				stall_start = now;
			else if (now - stall_start > stall_ms * 1000000ull)
				break;
			continue;
		}
		stall_start = 0;
		load_fifo();
	}
	return busy;
}

int main(void)
{
	const char *mode = cmdline_get("mode");
	bool poll = mode && !strcmp(mode, "poll");
	u64 busy = 0, t0;

	kvmclock_init_cpu();
	total = cmdline_get_u64("len", 4096);
	rng = (u32)cmdline_get_u64("seed", 1);
	GUEST_ASSERT(rng != 0);
	uart_setup();
	if (poll)
		busy = send_poll(cmdline_get_u64("stall_ms", 0));
	else
		send_irq();
	if (cmdline_get("poweroff")) {
		/* Power off with output still on its way: xkvm must flush it and exit. */
		outb(0xf4, (u8)cmdline_get_u64("poweroff", 0));
		for (;;)
			hlt();
	}
	/* TEMT: everything left the transmitter (xkvm: the back-end took it). */
	t0 = kvmclock_ns();
	while (!(inb(COM1 + UART_LSR) & LSR_TEMT) && kvmclock_ns() - t0 < 5000000000ull)
		udelay(100);
	GUEST_ASSERT(inb(COM1 + UART_LSR) & LSR_TEMT);
	GUEST_SYNC("tx-done", sent, thre_irqs, empty_irqs, busy);
	return 0;
}
