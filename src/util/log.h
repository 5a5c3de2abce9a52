/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Diagnostics on stderr.  Messages carry their own context ("vcpu %u: KVM_RUN: %s");
 * these helpers only add the program name and a newline.  Guest-triggered messages go
 * through a struct ratelimit owned by the device that logs them, so a hostile guest
 * cannot flood the host's log.
 */
#ifndef XKVM_UTIL_LOG_H
#define XKVM_UTIL_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* At most `burst` messages per `interval_ns`; the rest are counted and summarised. */
struct ratelimit {
	uint64_t interval_ns;
	unsigned burst;
	enum log_level level; /* of the messages it guards (and of its summary line) */
	uint64_t window_start;
	unsigned printed;
	unsigned suppressed;
};

#define RATELIMIT_INIT { .interval_ns = 1000000000ull, .burst = 10, .level = LOG_WARN }
#define RATELIMIT_INIT_LEVEL(l) { .interval_ns = 1000000000ull, .burst = 10, .level = (l) }

/* True when the caller may log now.  Thread-safe enough for diagnostics: a race can
 * only let one extra line through. */
bool ratelimit_ok(struct ratelimit *rl);

#define log_guest(rl, ...)                               \
	do {                                             \
		if (ratelimit_ok(rl))                    \
			log_msg((rl)->level, __VA_ARGS__); \
	} while (0)

uint64_t clock_ns(void);          /* CLOCK_MONOTONIC in ns */
uint64_t clock_realtime_us(void); /* CLOCK_REALTIME in µs */

#endif
