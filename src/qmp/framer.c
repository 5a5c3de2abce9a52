/* SPDX-License-Identifier: GPL-2.0-only */
#include "qmp/framer.h"

#include <string.h>

void qmp_framer_init(struct qmp_framer *f)
{
	memset(f, 0, sizeof(*f));
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_structural(char c)
{
	return c == '{' || c == '}' || c == '[' || c == ']' || c == '"' || c == ',' || c == ':';
}

static void reset_after(struct qmp_framer *f, size_t next)
{
	f->start = f->pos = next;
	f->depth = 0;
	f->started = f->in_string = f->escape = f->in_scalar = false;
}

bool qmp_framer_next(struct qmp_framer *f, const char *buf, size_t len, size_t *off,
		     size_t *n)
{
	while (f->pos < len) {
		char c = buf[f->pos];

		if (f->in_string) {
			if (f->escape)
				f->escape = false;
			else if (c == '\\')
				f->escape = true;
			else if (c == '"') {
				f->in_string = false;
				if (f->depth == 0)
					goto complete_including;
			}
			f->pos++;
			continue;
		}
		if (f->in_scalar) {
			/* A bare top-level token ends before whitespace or structure. */
			if (is_space(c) || is_structural(c)) {
				*off = f->start;
				*n = f->pos - f->start;
				reset_after(f, f->pos);
				return true;
			}
			f->pos++;
			continue;
		}
		if (!f->started) {
			if (is_space(c)) {
				f->start = ++f->pos;
				continue;
			}
			f->started = true;
			f->start = f->pos;
		}
		switch (c) {
		case '"':
			f->in_string = true;
			break;
		case '{':
		case '[':
			f->depth++;
			break;
		case '}':
		case ']':
			if (f->depth > 0)
				f->depth--;
			if (f->depth == 0)
				goto complete_including;
			break;
		case ',':
		case ':':
			if (f->depth == 0) /* a stray separator: its own (bad) message */
				goto complete_including;
			break;
		default:
			if (f->depth == 0)
				f->in_scalar = true;
			break;
		}
		f->pos++;
		continue;

complete_including:
		*off = f->start;
		*n = f->pos + 1 - f->start;
		reset_after(f, f->pos + 1);
		return true;
	}
	return false;
}

void qmp_framer_shift(struct qmp_framer *f, size_t n)
{
	f->start -= n;
	f->pos -= n;
}
