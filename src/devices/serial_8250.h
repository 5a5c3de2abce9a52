/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * COM1: a 16550A at I/O port 0x3f8, ISA IRQ 4, connected to the -serial back-end.
 *
 * Threads: guest register accesses run on vCPU threads, the back-end is driven by the
 * main loop; one mutex per device orders them.  A vCPU never blocks on I/O: what the
 * guest transmits goes into a bounded buffer (SERIAL_OUT_BUF bytes) that the main loop
 * drains with EPOLLOUT.  While that buffer is full, bytes stay in the UART's TX FIFO, so
 * LSR.THRE/TEMT read "busy" and a guest that honours them waits: nothing is lost.  Input
 * is read only as far as the RX FIFO has room; reading stops while it is full.
 *
 * The IRQ: the UART's INTR output drives IOAPIC pin 4 / PIC IRQ 4 through KVM_IRQ_LINE
 * as a level.  ISA IRQs are edge-triggered, so every new interrupt cause that arises
 * while the line is already high is given a fresh edge (low, then high): a guest that
 * handles one cause per interrupt still sees the next.  OUT2 does not gate the line
 * (as in QEMU and kvmtool; a PC board's gate is not modelled).
 */
#ifndef XKVM_DEVICES_SERIAL_8250_H
#define XKVM_DEVICES_SERIAL_8250_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct serial;

#define SERIAL_OUT_BUF 4096
/* How long the last output may take to reach the back-end when the VM ends. */
#define SERIAL_FLUSH_TIMEOUT_MS 2000

/* Creates COM1 from vm->cfg (nothing for -serial none); sets vm->serial. */
int serial_create(struct vm *vm);

/* A second console on COM1's back-end (the Xen PV console, hvc0).  Its output is
 * interleaved with the UART's in the same output buffer; input goes to it instead of the
 * UART while wants_input() says so.  Callbacks run on the main thread. */
struct serial_tap {
	bool (*wants_input)(void *opaque);
	/* How many bytes input() would take now. */
	size_t (*input_room)(void *opaque);
	/* Returns the bytes taken; fewer than offered: call serial_tap_input_ready() once
	 * there is room again. */
	size_t (*input)(void *opaque, const uint8_t *buf, size_t len);
	/* serial_tap_write() took less than offered earlier, and the buffer has drained. */
	void (*output_room)(void *opaque);
};

/* Attach (or, with NULL, detach) the tap.  Main thread. */
void serial_set_tap(struct serial *s, const struct serial_tap *tap, void *opaque);
/* Any thread: queue output; returns the bytes taken (all of them when the back-end
 * discards output). */
size_t serial_tap_write(struct serial *s, const void *buf, size_t len);
/* Any thread: the tap has room for input again. */
void serial_tap_input_ready(struct serial *s);

#endif
