/* SPDX-License-Identifier: GPL-2.0-only */
#include "trace/trace.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

_Static_assert(offsetof(struct trace, flags) == 0, "generated wrappers read flags at offset 0");

void trace_init(struct trace *t, FILE *out, bool own_out)
{
	memset(t, 0, sizeof(*t));
	t->out = out ? out : stderr;
	t->own_out = out && own_out;
	pthread_mutex_init(&t->lock, NULL);
}

void trace_fini(struct trace *t)
{
	if (t->own_out)
		fclose(t->out);
	else
		fflush(t->out);
	pthread_mutex_destroy(&t->lock);
}

bool trace_event_enabled(const struct trace *t, enum trace_event_id id)
{
	return __atomic_load_n(&t->flags.enabled[id], __ATOMIC_RELAXED);
}

void trace_set(struct trace *t, enum trace_event_id id, bool enable)
{
	__atomic_store_n(&t->flags.enabled[id], enable, __ATOMIC_RELAXED);
}

unsigned trace_enable_pattern(struct trace *t, const char *pattern, bool enable)
{
	unsigned n = 0;

	if (pattern[0] == '-') {
		pattern++;
		enable = !enable;
	}
	for (unsigned i = 0; i < TRACE_EVENT_COUNT; i++) {
		if (fnmatch(pattern, trace_event_descs[i].name, 0) == 0) {
			trace_set(t, i, enable);
			n++;
		}
	}
	return n;
}

int trace_lookup(const char *name)
{
	for (unsigned i = 0; i < TRACE_EVENT_COUNT; i++)
		if (!strcmp(trace_event_descs[i].name, name))
			return (int)i;
	return -1;
}

void trace_emit(struct trace *t, enum trace_event_id id, const char *fmt, ...)
{
	char buf[512];
	struct timeval tv;
	va_list ap;
	int n;

	gettimeofday(&tv, NULL);
	n = snprintf(buf, sizeof(buf), "%ld@%ld.%06ld:%s ", (long)syscall(SYS_gettid),
		     (long)tv.tv_sec, (long)tv.tv_usec, trace_event_descs[id].name);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(buf))
		vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&t->lock);
	fprintf(t->out, "%s\n", buf);
	fflush(t->out);
	pthread_mutex_unlock(&t->lock);
}
