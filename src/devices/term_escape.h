/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QEMU's console escapes on a terminal (as in -nographic and mon:stdio): Ctrl-a
 * followed by a key is a command to the VMM, not input for the guest.
 *   C-a h, C-a ?   print the help
 *   C-a x          quit
 *   C-a b          send a break to the guest's UART
 *   C-a C-a        send one C-a to the guest
 * Any other key after C-a is swallowed, as QEMU does.  Pure logic: the stdio back-end
 * feeds typed bytes through term_escape_byte() one at a time.
 */
#ifndef XKVM_DEVICES_TERM_ESCAPE_H
#define XKVM_DEVICES_TERM_ESCAPE_H

#include <stdbool.h>
#include <stdint.h>

#define TERM_ESCAPE_CHAR 0x01 /* Ctrl-a */

enum term_action {
	TERM_SWALLOW, /* part of an escape: nothing to do */
	TERM_DATA,    /* pass *data to the guest */
	TERM_HELP,
	TERM_QUIT,
	TERM_BREAK,
};

struct term_escape {
	bool got_escape;
};

enum term_action term_escape_byte(struct term_escape *e, uint8_t c, uint8_t *data);

/* The help text, lines ending in "\r\n" (the terminal is in raw mode). */
extern const char term_escape_help[];

#endif
