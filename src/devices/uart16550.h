/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The 16550A UART as a pure state machine: registers, 16-byte RX and TX FIFOs, interrupt
 * identification.  No locks, no KVM, no file descriptors: the COM1 device
 * (devices/serial_8250.c) wraps it, and tests/unit/test_uart16550.c drives it directly.
 *
 * The model's "wire" is its caller.  Bytes the guest writes to THR wait in the TX FIFO
 * until the caller takes them with uart_tx_pop() (that is the shift register moving
 * them out); bytes from the outside world enter with uart_rx_push(), no more than
 * uart_rx_room() at a time.  The caller also tells the model whether the line is still
 * busy sending (uart_set_wire_busy(): LSR.TEMT) and when four character times have
 * passed without RX activity (uart_rx_timeout(): the FIFO timeout interrupt).
 *
 * Interrupt output: uart_irq_sources() is the set of enabled, pending sources; the INTR
 * pin is high while it is not empty.  `raise_count` counts every source becoming
 * pending, so a caller driving an edge-triggered input can give each new cause its own
 * edge even while the pin stays high.
 */
#ifndef XKVM_DEVICES_UART16550_H
#define XKVM_DEVICES_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#define UART_FIFO_SIZE 16

/* Register offsets (DLAB=0 names; with LCR.DLAB=1, 0 is DLL and 1 is DLM). */
#define UART_RBR 0 /* read: receive buffer */
#define UART_THR 0 /* write: transmit holding */
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_RDI  0x01 /* received data available (and the FIFO timeout) */
#define UART_IER_THRI 0x02 /* transmitter holding register empty */
#define UART_IER_RLSI 0x04 /* receiver line status */
#define UART_IER_MSI  0x08 /* modem status */

#define UART_IIR_NO_INT 0x01
#define UART_IIR_ID     0x0e
#define UART_IIR_MSI    0x00 /* priority 4 */
#define UART_IIR_THRI   0x02 /* priority 3 */
#define UART_IIR_RDI    0x04 /* priority 2 */
#define UART_IIR_CTI    0x0c /* priority 2: character timeout */
#define UART_IIR_RLSI   0x06 /* priority 1 */
#define UART_IIR_FIFO   0xc0 /* FIFOs enabled */

#define UART_FCR_FE    0x01
#define UART_FCR_RFR   0x02 /* clear the RX FIFO (self-clearing) */
#define UART_FCR_XFR   0x04 /* clear the TX FIFO (self-clearing) */
#define UART_FCR_DMS   0x08
#define UART_FCR_TRIG  0xc0 /* RX trigger: 1, 4, 8, 14 bytes */

#define UART_LCR_WLEN  0x03
#define UART_LCR_STOP  0x04
#define UART_LCR_PAR   0x08
#define UART_LCR_BREAK 0x40
#define UART_LCR_DLAB  0x80

#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR      0x01
#define UART_LSR_OE      0x02
#define UART_LSR_PE      0x04
#define UART_LSR_FE      0x08
#define UART_LSR_BI      0x10
#define UART_LSR_THRE    0x20
#define UART_LSR_TEMT    0x40
#define UART_LSR_FIFOERR 0x80
#define UART_LSR_ERRORS  (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_MSR_DCTS  0x01
#define UART_MSR_DDSR  0x02
#define UART_MSR_TERI  0x04
#define UART_MSR_DDCD  0x08
#define UART_MSR_DELTA 0x0f
#define UART_MSR_CTS   0x10
#define UART_MSR_DSR   0x20
#define UART_MSR_RI    0x40
#define UART_MSR_DCD   0x80

/* Interrupt sources, one bit each (what uart_irq_sources() returns). */
#define UART_SRC_RLS  0x01
#define UART_SRC_RDA  0x02
#define UART_SRC_CTI  0x04
#define UART_SRC_THRE 0x08
#define UART_SRC_MS   0x10

/* The modem inputs of a port with something attached: CTS, DSR and DCD asserted. */
#define UART_MSR_CONNECTED (UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD)

struct uart_fifo {
	uint8_t data[UART_FIFO_SIZE];
	uint16_t brk;  /* slots holding a byte received with a break */
	uint8_t head;  /* index of the oldest byte */
	uint8_t count;
};

struct uart16550 {
	uint8_t ier, lcr, mcr, scr, fcr;
	uint8_t lsr_errors;     /* latched OE/PE/FE/BI, cleared by reading LSR */
	uint8_t msr_delta;      /* DCTS/DDSR/TERI/DDCD, cleared by reading MSR */
	uint8_t msr_ext;        /* modem inputs from outside (CTS/DSR/RI/DCD bits) */
	uint16_t divisor;
	uint8_t rx_trigger;     /* 1, 4, 8 or 14 */
	uint8_t rbr;            /* the last byte read (what an empty RBR returns) */
	struct uart_fifo rx, tx;
	bool thre_pending;      /* the THRE interrupt, cleared by IIR read or THR write */
	bool timeout_pending;   /* the character timeout interrupt */
	bool wire_busy;         /* the caller still holds transmitted bytes (TEMT clear) */

	unsigned sources;       /* enabled pending sources after the last operation */
	uint64_t raise_count;   /* times a source became pending */
	uint64_t tx_dropped;    /* THR writes into a full TX FIFO */
	uint64_t rx_overruns;   /* bytes lost to a full RX FIFO (loopback) */
};

void uart_init(struct uart16550 *u);
/* Master reset: every register but the divisor and the scratch register to its reset
 * value, both FIFOs cleared, no interrupt pending. */
void uart_reset(struct uart16550 *u);

/* A guest access to register `reg` (0..7), with the side effects the datasheet gives. */
uint8_t uart_read(struct uart16550 *u, unsigned reg);
void uart_write(struct uart16550 *u, unsigned reg, uint8_t val);

/* Bytes the receiver can take now (0 in loopback mode: the RX pin is disconnected). */
unsigned uart_rx_room(const struct uart16550 *u);
/* Receive up to `n` bytes from the wire; returns how many were taken (<= room). */
unsigned uart_rx_push(struct uart16550 *u, const uint8_t *buf, unsigned n);
/* A break on the RX line: a NUL byte with LSR.BI (and the line status interrupt). */
void uart_rx_break(struct uart16550 *u);
/* Four character times without RX activity: raise the timeout interrupt if data waits. */
void uart_rx_timeout(struct uart16550 *u);
unsigned uart_rx_count(const struct uart16550 *u);
bool uart_fifo_enabled(const struct uart16550 *u);

/* The shift register: take up to `max` bytes from the TX FIFO.  When it empties, THRE
 * rises and so does its interrupt. */
unsigned uart_tx_pop(struct uart16550 *u, uint8_t *buf, unsigned max);
unsigned uart_tx_count(const struct uart16550 *u);
void uart_set_wire_busy(struct uart16550 *u, bool busy);

/* Modem inputs (MSR bits 4..7) as the outside world drives them; deltas follow. */
void uart_set_modem_inputs(struct uart16550 *u, uint8_t msr_bits);

unsigned uart_irq_sources(const struct uart16550 *u);
/* The IIR value the guest would read now, without the read's side effects. */
uint8_t uart_iir(const struct uart16550 *u);
/* 4 character times at the programmed rate and frame, in nanoseconds. */
uint64_t uart_timeout_ns(const struct uart16550 *u);

#endif
