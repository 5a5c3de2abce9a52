/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Polled output on COM1, nothing else: the same program runs under xkvm and under QEMU
 * (-M microvm -serial stdio) and the test compares what the two print.  Without the
 * ucall port (QEMU, or xkvm without -device xkvm-ucall) the library ends the run with
 * "DONE" on the serial line and isa-debug-exit, so both exit with status 1.
 */
#include "guest.h"

int main(void)
{
	char line[96];

	serial_init();
	serial_puts("hello from the guest on COM1\n");
	for (int i = 0; i < 16; i++) {
		snprintf(line, sizeof(line), "line %2d: %08x the quick brown fox jumps over it\n", i,
			 0x9e3779b9u * (u32)(i + 1));
		serial_puts(line);
	}
	/* Wait until the transmitter is empty, as a careful driver does before exiting. */
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_TEMT); i++)
		cpu_relax();
	return 0;
}
