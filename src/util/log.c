/* SPDX-License-Identifier: GPL-2.0-only */
#include "util/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

/* The verbosity is the one piece of process-wide state here: it is a property of
 * the process's stderr, which is itself process-wide. */
static _Atomic int log_threshold = LOG_INFO;

void log_set_level(enum log_level level)
{
	atomic_store(&log_threshold, (int)level);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	char buf[1024];
	va_list ap;

	if ((int)level > atomic_load(&log_threshold))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One fprintf so concurrent threads do not interleave within a line. */
	fprintf(stderr, "xkvm: %s%s\n", prefix[level], buf);
}

uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t clock_realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000ull + (uint64_t)ts.tv_nsec / 1000;
}

bool ratelimit_ok(struct ratelimit *rl)
{
	uint64_t now = clock_ns();

	if (now - rl->window_start > rl->interval_ns) {
		if (rl->suppressed)
			log_msg(rl->level, "%u similar messages suppressed", rl->suppressed);
		rl->window_start = now;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		return true;
	}
	rl->suppressed++;
	return false;
}
