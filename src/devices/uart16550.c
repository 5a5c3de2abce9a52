/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The 16550A register file (see uart16550.h).  Facts from the National/TI PC16550D
 * datasheet:
 *  - IIR priorities: line status (OE/PE/FE/BI, cleared by reading LSR) > received data
 *    at the trigger level, else the character timeout (cleared by reading RBR) > THR empty
 *    (cleared by reading IIR when it is the source, or by writing THR) > modem status
 *    (cleared by reading MSR).  IIR bits 7:6 are set while the FIFOs are enabled.
 *  - FCR bit 0 enables the FIFOs; changing it clears both.  Bits 1 and 2 clear the RX
 *    and TX FIFO and are self-clearing; the other bits are only programmed while bit 0
 *    is 1.  Bits 7:6 set the RX trigger level: 1, 4, 8 or 14 bytes.
 *  - An RX overrun in FIFO mode loses the new byte (the FIFO is kept); in 16450 mode the
 *    new byte replaces the unread one.  Either way LSR.OE is set.
 *  - The character timeout fires when the RX FIFO holds data and for four character
 *    times nothing was received and nothing read.
 *  - THRE (LSR bit 5) is "the TX FIFO (or THR) is empty"; TEMT (bit 6) adds "and the
 *    shift register is idle".  Enabling the THRE interrupt while THR is empty raises it
 *    (what Linux's 8250 THRE test and Windows rely on; QEMU and Bochs do the same).
 *  - Loopback (MCR bit 4): TX feeds RX internally and the external RX pin is ignored;
 *    the modem inputs read RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD, with deltas.
 *  - Master reset clears IER, IIR (to 0x01), FCR, LCR, MCR, LSR (to 0x60) and the MSR
 *    deltas; it leaves the divisor latch and the scratch register alone.
 */
#include "devices/uart16550.h"

#include <string.h>

/* ---- the FIFOs ------------------------------------------------------------------------ */

static void fifo_clear(struct uart_fifo *f)
{
	f->head = f->count = 0;
	f->brk = 0;
}

static void fifo_push(struct uart_fifo *f, uint8_t b, bool brk)
{
	unsigned slot = (f->head + f->count) % UART_FIFO_SIZE;

	f->data[slot] = b;
	if (brk)
		f->brk |= (uint16_t)(1u << slot);
	else
		f->brk &= (uint16_t)~(1u << slot);
	f->count++;
}

static uint8_t fifo_pop(struct uart_fifo *f)
{
	uint8_t b = f->data[f->head];

	f->brk &= (uint16_t)~(1u << f->head);
	f->head = (uint8_t)((f->head + 1) % UART_FIFO_SIZE);
	f->count--;
	return b;
}

bool uart_fifo_enabled(const struct uart16550 *u)
{
	return u->fcr & UART_FCR_FE;
}

/* 16450 mode is a FIFO of one: RBR and THR. */
static unsigned fifo_cap(const struct uart16550 *u)
{
	return uart_fifo_enabled(u) ? UART_FIFO_SIZE : 1;
}

/* ---- interrupts ----------------------------------------------------------------------- */

unsigned uart_irq_sources(const struct uart16550 *u)
{
	unsigned s = 0;

	if ((u->ier & UART_IER_RLSI) && (u->lsr_errors & UART_LSR_ERRORS))
		s |= UART_SRC_RLS;
	if ((u->ier & UART_IER_RDI) && u->timeout_pending)
		s |= UART_SRC_CTI;
	if ((u->ier & UART_IER_RDI) && u->rx.count &&
	    (!uart_fifo_enabled(u) || u->rx.count >= u->rx_trigger))
		s |= UART_SRC_RDA;
	if ((u->ier & UART_IER_THRI) && u->thre_pending)
		s |= UART_SRC_THRE;
	if ((u->ier & UART_IER_MSI) && u->msr_delta)
		s |= UART_SRC_MS;
	return s;
}

uint8_t uart_iir(const struct uart16550 *u)
{
	unsigned s = uart_irq_sources(u);
	uint8_t id;

	/* RDA and the character timeout share a priority level.  When the FIFO is at its
	 * trigger level, report RDA (as QEMU does): what the guest reads then does not depend
	 * on how late its handler ran, and either way it drains RBR until LSR.DR clears. */
	if (s & UART_SRC_RLS)
		id = UART_IIR_RLSI;
	else if (s & UART_SRC_RDA)
		id = UART_IIR_RDI;
	else if (s & UART_SRC_CTI)
		id = UART_IIR_CTI;
	else if (s & UART_SRC_THRE)
		id = UART_IIR_THRI;
	else if (s & UART_SRC_MS)
		id = UART_IIR_MSI;
	else
		id = UART_IIR_NO_INT;
	return (uint8_t)(id | (uart_fifo_enabled(u) ? UART_IIR_FIFO : 0));
}

/* After every state change: remember the sources, count the ones that just arose. */
static void update(struct uart16550 *u)
{
	unsigned s = uart_irq_sources(u);

	if (s & ~u->sources)
		u->raise_count++;
	u->sources = s;
}

/* ---- modem lines ---------------------------------------------------------------------- */

static uint8_t modem_inputs(const struct uart16550 *u)
{
	uint8_t m = u->mcr, in = 0;

	if (!(m & UART_MCR_LOOP))
		return u->msr_ext & 0xf0;
	if (m & UART_MCR_RTS)
		in |= UART_MSR_CTS;
	if (m & UART_MCR_DTR)
		in |= UART_MSR_DSR;
	if (m & UART_MCR_OUT1)
		in |= UART_MSR_RI;
	if (m & UART_MCR_OUT2)
		in |= UART_MSR_DCD;
	return in;
}

static void modem_changed(struct uart16550 *u, uint8_t before, uint8_t after)
{
	uint8_t diff = before ^ after;

	if (diff & UART_MSR_CTS)
		u->msr_delta |= UART_MSR_DCTS;
	if (diff & UART_MSR_DSR)
		u->msr_delta |= UART_MSR_DDSR;
	if (diff & UART_MSR_DCD)
		u->msr_delta |= UART_MSR_DDCD;
	if ((before & UART_MSR_RI) && !(after & UART_MSR_RI)) /* trailing edge only */
		u->msr_delta |= UART_MSR_TERI;
}

void uart_set_modem_inputs(struct uart16550 *u, uint8_t msr_bits)
{
	uint8_t before = modem_inputs(u);

	u->msr_ext = msr_bits & 0xf0;
	modem_changed(u, before, modem_inputs(u));
	update(u);
}

/* ---- life cycle ----------------------------------------------------------------------- */

void uart_init(struct uart16550 *u)
{
	memset(u, 0, sizeof(*u));
	u->divisor = 12; /* 9600 baud until the guest programs it */
	u->msr_ext = UART_MSR_CONNECTED;
	uart_reset(u);
}

void uart_reset(struct uart16550 *u)
{
	u->ier = u->lcr = u->mcr = u->fcr = 0;
	u->rx_trigger = 1;
	u->lsr_errors = 0;
	u->msr_delta = 0;
	u->rbr = 0;
	fifo_clear(&u->rx);
	fifo_clear(&u->tx);
	u->thre_pending = false;
	u->timeout_pending = false;
	update(u);
}

/* ---- receiver ------------------------------------------------------------------------- */

static void rx_receive(struct uart16550 *u, uint8_t b, bool brk)
{
	if (u->rx.count < fifo_cap(u)) {
		fifo_push(&u->rx, b, brk);
		return;
	}
	u->lsr_errors |= UART_LSR_OE;
	u->rx_overruns++;
	if (!uart_fifo_enabled(u)) {
		/* 16450 mode: the new character overwrites the unread one. */
		fifo_clear(&u->rx);
		fifo_push(&u->rx, b, brk);
	}
}

unsigned uart_rx_room(const struct uart16550 *u)
{
	if (u->mcr & UART_MCR_LOOP)
		return 0;
	return fifo_cap(u) - u->rx.count;
}

unsigned uart_rx_count(const struct uart16550 *u)
{
	return u->rx.count;
}

unsigned uart_rx_push(struct uart16550 *u, const uint8_t *buf, unsigned n)
{
	unsigned room = uart_rx_room(u);

	if (n > room)
		n = room;
	for (unsigned i = 0; i < n; i++)
		rx_receive(u, buf[i], false);
	update(u);
	return n;
}

void uart_rx_break(struct uart16550 *u)
{
	if (u->mcr & UART_MCR_LOOP)
		return;
	rx_receive(u, 0, true);
	u->lsr_errors |= UART_LSR_BI;
	update(u);
}

void uart_rx_timeout(struct uart16550 *u)
{
	if (uart_fifo_enabled(u) && u->rx.count)
		u->timeout_pending = true;
	update(u);
}

static uint8_t rbr_read(struct uart16550 *u)
{
	if (u->rx.count)
		u->rbr = fifo_pop(&u->rx);
	u->timeout_pending = false;
	return u->rbr;
}

uint64_t uart_timeout_ns(const struct uart16550 *u)
{
	unsigned bits = 1 + 5 + (u->lcr & UART_LCR_WLEN) + ((u->lcr & UART_LCR_PAR) ? 1 : 0) +
			((u->lcr & UART_LCR_STOP) ? 2 : 1);
	uint64_t div = u->divisor ? u->divisor : 1;

	/* 1.8432 MHz / 16 = 115200 baud at divisor 1. */
	return 4ull * bits * div * 1000000000ull / 115200;
}

/* ---- transmitter ---------------------------------------------------------------------- */

static void thr_write(struct uart16550 *u, uint8_t b)
{
	if (u->mcr & UART_MCR_LOOP) {
		/* Through THR and the shift register into the receiver at once: THRE drops
		 * and rises again, which is a new THRE interrupt. */
		u->thre_pending = false;
		update(u);
		rx_receive(u, b, false);
		u->thre_pending = true;
		return;
	}
	if (u->tx.count >= fifo_cap(u)) {
		u->tx_dropped++; /* the guest ignored THRE */
		return;
	}
	fifo_push(&u->tx, b, false);
	u->thre_pending = false;
}

unsigned uart_tx_pop(struct uart16550 *u, uint8_t *buf, unsigned max)
{
	unsigned n = 0;

	while (n < max && u->tx.count)
		buf[n++] = fifo_pop(&u->tx);
	if (n && !u->tx.count)
		u->thre_pending = true;
	update(u);
	return n;
}

unsigned uart_tx_count(const struct uart16550 *u)
{
	return u->tx.count;
}

void uart_set_wire_busy(struct uart16550 *u, bool busy)
{
	u->wire_busy = busy;
}

/* ---- register access ------------------------------------------------------------------ */

static uint8_t lsr_value(const struct uart16550 *u)
{
	uint8_t lsr = u->lsr_errors;

	if (u->rx.count)
		lsr |= UART_LSR_DR;
	if (!u->tx.count) {
		lsr |= UART_LSR_THRE;
		if (!u->wire_busy || (u->mcr & UART_MCR_LOOP))
			lsr |= UART_LSR_TEMT;
	}
	if (uart_fifo_enabled(u) && u->rx.brk)
		lsr |= UART_LSR_FIFOERR;
	return lsr;
}

static void ier_write(struct uart16550 *u, uint8_t val)
{
	uint8_t changed = (u->ier ^ val) & 0x0f;

	u->ier = val & 0x0f;
	if (changed & UART_IER_THRI)
		u->thre_pending = (u->ier & UART_IER_THRI) && !u->tx.count;
}

static void fcr_write(struct uart16550 *u, uint8_t val)
{
	static const uint8_t trigger[4] = { 1, 4, 8, 14 };
	bool was_on = uart_fifo_enabled(u);
	bool tx_had_data = u->tx.count;

	if (!(val & UART_FCR_FE)) {
		if (was_on) {
			fifo_clear(&u->rx);
			fifo_clear(&u->tx);
			u->timeout_pending = false;
		}
		u->fcr = 0;
	} else {
		if (!was_on || (val & UART_FCR_RFR)) {
			fifo_clear(&u->rx);
			u->timeout_pending = false;
		}
		if (!was_on || (val & UART_FCR_XFR))
			fifo_clear(&u->tx);
		u->fcr = val & (UART_FCR_FE | UART_FCR_DMS | UART_FCR_TRIG);
		u->rx_trigger = trigger[val >> 6];
	}
	if (tx_had_data && !u->tx.count)
		u->thre_pending = true; /* THR became empty */
}

static void mcr_write(struct uart16550 *u, uint8_t val)
{
	uint8_t before = modem_inputs(u);

	u->mcr = val & 0x1f;
	modem_changed(u, before, modem_inputs(u));
}

uint8_t uart_read(struct uart16550 *u, unsigned reg)
{
	uint8_t v;

	switch (reg & 7) {
	case UART_RBR:
		if (u->lcr & UART_LCR_DLAB)
			return (uint8_t)u->divisor;
		v = rbr_read(u);
		break;
	case UART_IER:
		if (u->lcr & UART_LCR_DLAB)
			return (uint8_t)(u->divisor >> 8);
		return u->ier;
	case UART_IIR:
		v = uart_iir(u);
		if ((v & UART_IIR_ID) == UART_IIR_THRI && !(v & UART_IIR_NO_INT))
			u->thre_pending = false;
		break;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = lsr_value(u);
		u->lsr_errors = 0;
		break;
	case UART_MSR:
		v = (uint8_t)(modem_inputs(u) | u->msr_delta);
		u->msr_delta = 0;
		break;
	default: /* UART_SCR */
		return u->scr;
	}
	update(u);
	return v;
}

void uart_write(struct uart16550 *u, unsigned reg, uint8_t val)
{
	switch (reg & 7) {
	case UART_THR:
		if (u->lcr & UART_LCR_DLAB)
			u->divisor = (uint16_t)((u->divisor & 0xff00) | val);
		else
			thr_write(u, val);
		break;
	case UART_IER:
		if (u->lcr & UART_LCR_DLAB)
			u->divisor = (uint16_t)((u->divisor & 0x00ff) | (val << 8));
		else
			ier_write(u, val);
		break;
	case UART_FCR:
		fcr_write(u, val);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		mcr_write(u, val);
		break;
	case UART_LSR:
	case UART_MSR:
		break; /* read-only (factory test writes are not modelled) */
	default: /* UART_SCR */
		u->scr = val;
		break;
	}
	update(u);
}
