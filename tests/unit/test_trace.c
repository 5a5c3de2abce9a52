/* SPDX-License-Identifier: GPL-2.0-only */
/* Trace events: glob enabling, the log line format, -trace parsing (events=FILE). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "cmdline.h"
#include "trace/trace.h"

static unsigned count_prefix(const char *prefix)
{
	unsigned n = 0;

	for (unsigned i = 0; i < TRACE_EVENT_COUNT; i++)
		n += !strncmp(trace_event_descs[i].name, prefix, strlen(prefix));
	return n;
}

static void test_glob(void **state)
{
	struct trace t;
	unsigned nqmp = count_prefix("qmp_");

	(void)state;
	trace_init(&t, NULL, false);
	assert_true(nqmp >= 5);
	for (unsigned i = 0; i < TRACE_EVENT_COUNT; i++)
		assert_false(trace_event_enabled(&t, i));
	assert_int_equal(trace_enable_pattern(&t, "qmp_*", true), nqmp);
	assert_true(trace_event_enabled(&t, TRACE_QMP_REQUEST));
	assert_false(trace_event_enabled(&t, TRACE_VM_RESET));
	/* A leading '-' turns matches off. */
	assert_int_equal(trace_enable_pattern(&t, "-qmp_req*", true), 1);
	assert_false(trace_event_enabled(&t, TRACE_QMP_REQUEST));
	assert_true(trace_event_enabled(&t, TRACE_QMP_REPLY));
	/* ?, [..] and exact names. */
	assert_int_equal(trace_enable_pattern(&t, "vm_rese?", true), 1);
	assert_true(trace_event_enabled(&t, TRACE_VM_RESET));
	assert_int_equal(trace_enable_pattern(&t, "vcpu_[cd]*", true), count_prefix("vcpu_c") +
			 count_prefix("vcpu_d"));
	assert_int_equal(trace_enable_pattern(&t, "no_such_event", true), 0);
	assert_int_equal(trace_enable_pattern(&t, "*", false), TRACE_EVENT_COUNT);
	for (unsigned i = 0; i < TRACE_EVENT_COUNT; i++)
		assert_false(trace_event_enabled(&t, i));
	assert_int_equal(trace_lookup("qmp_event"), TRACE_QMP_EVENT);
	assert_int_equal(trace_lookup("qmp_ev"), -1);
	trace_fini(&t);
}

static void test_line_format(void **state)
{
	FILE *f = tmpfile();
	struct trace t;
	char line[512], name[64], rest[256];
	long tid, sec, usec;
	struct timeval before;

	(void)state;
	assert_non_null(f);
	trace_init(&t, f, false);
	gettimeofday(&before, NULL);
	trace_qmp_event(&t, "STOP", 3);          /* disabled: nothing written */
	trace_set(&t, TRACE_QMP_EVENT, true);
	trace_qmp_event(&t, "STOP", 3);
	trace_set(&t, TRACE_QMP_REQUEST, true);
	trace_qmp_request(&t, 7, 5, "{\"execute\"...");  /* %.*s takes the first 5 bytes */
	rewind(f);

	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(sscanf(line, "%ld@%ld.%ld:%63s %255[^\n]", &tid, &sec, &usec, name, rest), 5);
	assert_int_equal(tid, (long)syscall(SYS_gettid));
	assert_true(sec >= before.tv_sec && sec <= before.tv_sec + 5);
	assert_true(usec >= 0 && usec < 1000000);
	assert_string_equal(name, "qmp_event");
	assert_string_equal(rest, "STOP to 3 clients");
	assert_non_null(strchr(line, '.'));
	assert_int_equal(strspn(strchr(line, '.') + 1, "0123456789"), 6); /* zero-padded µs */

	assert_non_null(fgets(line, sizeof(line), f));
	assert_non_null(strstr(line, ":qmp_request client 7 {\"exe\n"));
	assert_null(fgets(line, sizeof(line), f));
	trace_fini(&t);
	fclose(f);
}

static void test_cmdline(void **state)
{
	char path[] = "/tmp/xkvm-test-trace-XXXXXX", err[256];
	int fd = mkstemp(path);
	const char *events = "# comment\n\n  qmp_*  \nvcpu_pause # trailing comment\n\t-qmp_reply\n";
	struct vm_config cfg;
	char events_arg[64];
	char *argv[] = { "xkvm", "-kernel", "k", "-trace", "vm_*", "-trace", events_arg,
			 "-trace", "enable=ucall", "-trace", "file=/tmp/trace.log", "-D", "/tmp/d.log" };

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, events, strlen(events)), (ssize_t)strlen(events));
	close(fd);
	snprintf(events_arg, sizeof(events_arg), "events=%s", path);
	assert_int_equal(cmdline_parse(13, argv, &cfg, err, sizeof(err)), CMDLINE_RUN);
	assert_int_equal(cfg.nr_trace, 5);
	assert_string_equal(cfg.trace[0], "vm_*");
	assert_string_equal(cfg.trace[1], "qmp_*");
	assert_string_equal(cfg.trace[2], "vcpu_pause");
	assert_string_equal(cfg.trace[3], "-qmp_reply");
	assert_string_equal(cfg.trace[4], "ucall");
	assert_string_equal(cfg.trace_file, "/tmp/trace.log");
	assert_string_equal(cfg.logfile, "/tmp/d.log");
	cmdline_free(&cfg);
	unlink(path);

	/* A missing events file is an error naming it. */
	snprintf(events_arg, sizeof(events_arg), "events=/nonexistent/ev");
	assert_int_equal(cmdline_parse(7, argv, &cfg, err, sizeof(err)), CMDLINE_ERROR);
	assert_non_null(strstr(err, "/nonexistent/ev"));
	cmdline_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_line_format),
		cmocka_unit_test(test_cmdline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
