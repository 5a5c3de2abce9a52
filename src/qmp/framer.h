/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QMP framing: where one top-level JSON value ends in a byte stream.
 *
 * QMP is not line-based: QEMU's JSON streamer hands a message to the dispatcher as soon
 * as its top-level value is complete, and clients such as QEMU's own Python library send
 * no newline.  This scanner does the same without parsing: it follows string quoting
 * and bracket depth only, so jansson parses each message exactly once, and a message
 * that arrives byte by byte costs O(length) in total.
 *
 * A message is an object or array (ends when its brackets balance), a string at the top
 * level, or a bare scalar (ends at whitespace or a structural character).  A stray
 * closing bracket at the top level is a one-byte message (jansson reports the error).
 */
#ifndef XKVM_QMP_FRAMER_H
#define XKVM_QMP_FRAMER_H

#include <stdbool.h>
#include <stddef.h>

struct qmp_framer {
	size_t start;    /* first byte of the message being scanned */
	size_t pos;      /* next byte to scan */
	unsigned long depth;
	bool started, in_string, escape, in_scalar;
};

void qmp_framer_init(struct qmp_framer *f);

/* Scans buf[f->pos .. len).  Returns true with the message at buf[*off, *off + *n) when
 * one is complete (scanning resumes after it on the next call); false when more input is
 * needed.  Bytes before f->start are no longer needed. */
bool qmp_framer_next(struct qmp_framer *f, const char *buf, size_t len, size_t *off,
		     size_t *n);

/* The caller dropped the first `n` (<= f->start) bytes of its buffer. */
void qmp_framer_shift(struct qmp_framer *f, size_t n);

/* Bytes of the incomplete message scanned so far (what a size cap applies to). */
static inline size_t qmp_framer_pending(const struct qmp_framer *f)
{
	return f->started ? f->pos - f->start : 0;
}

#endif
