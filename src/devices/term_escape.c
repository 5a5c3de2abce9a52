/* SPDX-License-Identifier: GPL-2.0-only */
#include "devices/term_escape.h"

const char term_escape_help[] =
	"\r\n"
	"C-a h    print this help\r\n"
	"C-a x    exit xkvm\r\n"
	"C-a b    send break (magic sysrq)\r\n"
	"C-a C-a  sends C-a\r\n";

enum term_action term_escape_byte(struct term_escape *e, uint8_t c, uint8_t *data)
{
	if (!e->got_escape) {
		if (c == TERM_ESCAPE_CHAR) {
			e->got_escape = true;
			return TERM_SWALLOW;
		}
		*data = c;
		return TERM_DATA;
	}
	e->got_escape = false;
	switch (c) {
	case TERM_ESCAPE_CHAR:
		*data = c;
		return TERM_DATA;
	case 'h':
	case '?':
		return TERM_HELP;
	case 'x':
		return TERM_QUIT;
	case 'b':
		return TERM_BREAK;
	default:
		return TERM_SWALLOW;
	}
}
