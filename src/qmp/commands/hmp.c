/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * human-monitor-command: a few of QEMU's HMP commands, each a formatter over the QMP
 * command that does the work (so HMP and QMP cannot disagree).  Output follows QEMU's
 * text and its "\r\n" line ends; an unknown command is not an error, as in QEMU.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmp/commands/commands.h"

struct hmp {
	struct qmp_call *call;
	int64_t cpu_index;  /* the monitor's current CPU */
	char *buf;
	size_t len, cap;
	bool oom;
};

static void out(struct hmp *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(struct hmp *h, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = h->cap - h->len;

		va_start(ap, fmt);
		n = vsnprintf(h->buf ? h->buf + h->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			h->len += (size_t)n;
			return;
		}
		{
			size_t cap = (h->cap ? h->cap : 256) * 2 + (size_t)n;
			char *p = realloc(h->buf, cap);
			if (!p) {
				h->oom = true;
				return;
			}
			h->buf = p;
			h->cap = cap;
		}
	}
}

/* Runs a QMP command; on error prints HMP's "Error: ..." line and returns NULL. */
static json_t *qmp(struct hmp *h, const char *name, json_t *args)
{
	struct qmp_call err;
	json_t *ret;

	if (qmp_call_command(h->call->registry, h->call->session, name, args, &ret, &err) < 0) {
		out(h, "Error: %s\n", err.err_desc);
		return NULL;
	}
	return ret;
}

static void run_plain(struct hmp *h, const char *name)
{
	json_decref(qmp(h, name, NULL));
}

static void info_status(struct hmp *h, const char *arg)
{
	json_t *r = qmp(h, "query-status", NULL);
	const char *status;
	bool running;

	(void)arg;
	if (!r)
		return;
	status = json_string_value(json_object_get(r, "status"));
	running = json_is_true(json_object_get(r, "running"));
	out(h, "VM status: %s", running ? "running" : "paused");
	if (!running && status && strcmp(status, "paused"))
		out(h, " (%s)", status);
	out(h, "\n");
	json_decref(r);
}

static void info_cpus(struct hmp *h, const char *arg)
{
	json_t *r = qmp(h, "query-cpus-fast", NULL), *cpu;
	size_t i;

	(void)arg;
	json_array_foreach(r, i, cpu) {
		json_int_t index = json_integer_value(json_object_get(cpu, "cpu-index"));

		out(h, "%c CPU #%" JSON_INTEGER_FORMAT ": thread_id=%" JSON_INTEGER_FORMAT "\n",
		    index == h->cpu_index ? '*' : ' ', index,
		    json_integer_value(json_object_get(cpu, "thread-id")));
	}
	json_decref(r);
}

static void info_version(struct hmp *h, const char *arg)
{
	json_t *r = qmp(h, "query-version", NULL), *q;

	(void)arg;
	if (!r)
		return;
	q = json_object_get(r, "qemu");
	out(h, "%" JSON_INTEGER_FORMAT ".%" JSON_INTEGER_FORMAT ".%" JSON_INTEGER_FORMAT " (%s)\n",
	    json_integer_value(json_object_get(q, "major")),
	    json_integer_value(json_object_get(q, "minor")),
	    json_integer_value(json_object_get(q, "micro")),
	    json_string_value(json_object_get(r, "package")));
	json_decref(r);
}

static void info_name(struct hmp *h, const char *arg)
{
	json_t *r = qmp(h, "query-name", NULL);
	const char *name = json_string_value(json_object_get(r, "name"));

	(void)arg;
	if (name)
		out(h, "%s\n", name);
	json_decref(r);
}

static void info_trace_events(struct hmp *h, const char *arg)
{
	json_t *args = json_pack("{s:s}", "name", *arg ? arg : "*");
	json_t *r = args ? qmp(h, "trace-event-get-state", args) : NULL, *ev;
	size_t i;

	json_array_foreach(r, i, ev)
		out(h, "%s : state %d\n", json_string_value(json_object_get(ev, "name")),
		    !strcmp(json_string_value(json_object_get(ev, "state")), "enabled"));
	json_decref(r);
	json_decref(args);
}

struct hmp_cmd {
	const char *name, *alias;
	void (*fn)(struct hmp *h, const char *arg);
	const char *qmp;   /* or: the QMP command it runs, with no arguments */
	const char *help;
};

static const struct hmp_cmd info_cmds[] = {
	{ "status", NULL, info_status, NULL, "show the current VM status (running|paused)" },
	{ "cpus", NULL, info_cpus, NULL, "show infos for each CPU" },
	{ "version", NULL, info_version, NULL, "show the version of xkvm" },
	{ "name", NULL, info_name, NULL, "show the current VM name" },
	{ "trace-events", NULL, info_trace_events, NULL, "show available trace-events & their state" },
};

static const struct hmp_cmd cmds[] = {
	{ "stop", "s", NULL, "stop", "stop emulation" },
	{ "cont", "c", NULL, "cont", "resume emulation" },
	{ "system_reset", NULL, NULL, "system_reset", "reset the system" },
	{ "system_powerdown", NULL, NULL, "system_powerdown", "send system power down event" },
	{ "quit", "q", NULL, "quit", "quit the emulator" },
};

static void help(struct hmp *h, const struct hmp_cmd *t, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++)
		out(h, "%s%s%s%s -- %s\n", prefix, t[i].name, t[i].alias ? "|" : "",
		    t[i].alias ? t[i].alias : "", t[i].help);
}

static const struct hmp_cmd *find(const struct hmp_cmd *t, size_t n, const char *word, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if ((strlen(t[i].name) == len && !strncmp(t[i].name, word, len)) ||
		    (t[i].alias && strlen(t[i].alias) == len && !strncmp(t[i].alias, word, len)))
			return &t[i];
	return NULL;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static size_t word_len(const char *s)
{
	return strcspn(s, " \t");
}

static void hmp_run(struct hmp *h, const char *line)
{
	const char *w = skip_space(line), *arg;
	size_t n = word_len(w);
	const struct hmp_cmd *c;

	if (!n)
		return;
	arg = skip_space(w + n);
	if ((n == 4 && !strncmp(w, "info", 4)) || (n == 1 && *w == 'i')) {
		size_t m = word_len(arg);

		if (!m) {
			help(h, info_cmds, QMP_ARRAY_SIZE(info_cmds), "info ");
			return;
		}
		c = find(info_cmds, QMP_ARRAY_SIZE(info_cmds), arg, m);
		if (!c) {
			out(h, "unknown command: 'info %.*s'\n", (int)m, arg);
			return;
		}
		c->fn(h, skip_space(arg + m));
		return;
	}
	if ((n == 4 && !strncmp(w, "help", 4)) || (n == 1 && *w == '?')) {
		help(h, cmds, QMP_ARRAY_SIZE(cmds), "");
		help(h, info_cmds, QMP_ARRAY_SIZE(info_cmds), "info ");
		return;
	}
	c = find(cmds, QMP_ARRAY_SIZE(cmds), w, n);
	if (!c) {
		out(h, "unknown command: '%.*s'\n", (int)n, w);
		return;
	}
	run_plain(h, c->qmp);
}

/* The monitor's line ends are "\r\n", as QEMU's. */
static json_t *crlf(const char *s, size_t len)
{
	size_t lf = 0;
	char *t, *p;
	json_t *j;

	for (size_t i = 0; i < len; i++)
		lf += s[i] == '\n';
	p = t = malloc(len + lf + 1);
	if (!t)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			*p++ = '\r';
		*p++ = s[i];
	}
	*p = '\0';
	j = json_string(t);
	free(t);
	return j;
}

static int human_monitor_command(struct qmp_call *c, json_t *args)
{
	struct hmp h = { .call = c, .cpu_index = -1 };
	json_t *cpus;
	struct qmp_call err;
	size_t i;
	json_t *cpu;

	/* The current CPU: cpu-index, or the first one. */
	if (qmp_call_command(c->registry, c->session, "query-cpus-fast", NULL, &cpus, &err) == 0) {
		json_array_foreach(cpus, i, cpu) {
			json_int_t index = json_integer_value(json_object_get(cpu, "cpu-index"));

			if (qmp_arg_has(args, "cpu-index") ? index == qmp_arg_int(args, "cpu-index", -1)
							   : h.cpu_index < 0)
				h.cpu_index = index;
		}
		json_decref(cpus);
	}
	if (qmp_arg_has(args, "cpu-index") && h.cpu_index < 0)
		return qmp_fail(c, QMP_ERROR_GENERIC, "Parameter 'cpu-index' expects a CPU number");
	hmp_run(&h, qmp_arg_str(args, "command-line", ""));
	if (h.oom) {
		free(h.buf);
		return -1;
	}
	c->ret = crlf(h.buf ? h.buf : "", h.len);
	free(h.buf);
	return c->ret ? 0 : -1;
}

static const struct qmp_command commands[] = {
	{
		.name = "human-monitor-command",
		.fn = human_monitor_command,
		.args = (const struct qmp_arg[]){
			{ "command-line", QMP_TYPE_STR, false, .doc = "the HMP command" },
			{ "cpu-index", QMP_TYPE_INT, true, .doc = "the monitor's current CPU" },
			{ NULL },
		},
		.returns = "str",
		.doc = "Runs an HMP command and returns its output.  xkvm knows `info status`, "
		       "`info cpus`, `info version`, `info name`, `info trace-events [glob]`, "
		       "`stop`, `cont`, `system_reset`, `system_powerdown`, `quit` and `help`; "
		       "anything else answers \"unknown command: '...'\".",
	},
};

const struct qmp_module qmp_module_hmp = {
	.name = "hmp",
	.doc = "The human monitor, through QMP (QEMU's qapi/misc.json).",
	.commands = commands,
	.nr_commands = QMP_ARRAY_SIZE(commands),
};
