/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Named trace events (declared in src/trace/trace-events), written as
 *   <tid>@<seconds>.<microseconds>:<name> <formatted args>
 * to the log file (-D) or stderr.  Enabled per event by glob patterns.
 */
#ifndef XKVM_TRACE_TRACE_H
#define XKVM_TRACE_TRACE_H

#include <pthread.h>
#include <stdio.h>

#include "trace-events.h"

struct trace {
	/* Must stay first: the generated inline wrappers read it through struct trace_flags. */
	struct trace_flags flags;
	FILE *out;
	bool own_out;
	pthread_mutex_t lock;
};

/* `out` NULL means stderr. */
void trace_init(struct trace *t, FILE *out, bool own_out);
void trace_fini(struct trace *t);

/* Enable (or disable) every event whose name matches the glob `pattern`; a leading '-'
 * disables.  Returns the number of events matched. */
unsigned trace_enable_pattern(struct trace *t, const char *pattern, bool enable);
void trace_set(struct trace *t, enum trace_event_id id, bool enable);
int trace_lookup(const char *name); /* id or -1 */

#endif
