/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xkvm-qmp: send one QMP command from the shell, or watch events (docs/qmp.md).
 *
 *   xkvm-qmp -s SOCKET COMMAND [key=value | key:=JSON ...] [--json '{...}']
 *   xkvm-qmp -s SOCKET --events [--count N] [--filter NAME]... [--timeout S] [COMMAND ...]
 *   xkvm-qmp -s SOCKET --repeat N [--warmup W] COMMAND ...
 *
 * Exit status: 0 after a "return" reply (or the events asked for), 1 after an "error"
 * reply (or a timeout / early end of the event stream), 2 on a usage or connection
 * problem.  Works with QEMU as well as xkvm.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define EXIT_REPLY_ERROR 1
#define EXIT_USAGE 2
#define MAX_LINE (64u << 20)
#define MAX_FILTERS 32

struct conn {
	int fd;
	char *buf;
	size_t len, cap;
	int timeout_ms;    /* per read; -1: none */
	uint64_t deadline; /* absolute, ns (0: none) */
};

static const char *prog = "xkvm-qmp";

static void die(int status, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int try_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void conn_open(struct conn *c, const char *path, double wait_s)
{
	uint64_t until = now_ns() + (uint64_t)(wait_s * 1e9);

	memset(c, 0, sizeof(*c));
	for (;;) {
		c->fd = try_connect(path);
		if (c->fd >= 0)
			return;
		if ((errno != ENOENT && errno != ECONNREFUSED) || now_ns() >= until)
			die(EXIT_USAGE, "cannot connect to %s: %s", path, strerror(errno));
		usleep(20000);
	}
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	free(c->buf);
	c->fd = -1;
	c->buf = NULL;
}

static void send_json(struct conn *c, json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);
	size_t len, off = 0;

	if (!text)
		die(EXIT_USAGE, "out of memory");
	len = strlen(text);
	text[len] = '\n'; /* replaces the NUL: we send len + 1 bytes */
	while (off < len + 1) {
		ssize_t n = send(c->fd, text + off, len + 1 - off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_USAGE, "sending to the QMP socket: %s", strerror(errno));
		}
		off += (size_t)n;
	}
	free(text);
}

enum recv_result { RECV_EOF, RECV_MSG, RECV_TIMEOUT };

/* The next message (one line) in *out; dies on garbage from the server. */
static enum recv_result recv_json(struct conn *c, json_t **out)
{
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;

		if (nl) {
			size_t n = (size_t)(nl - c->buf) + 1;
			json_error_t err;
			json_t *msg = NULL;
			size_t text = n;

			while (text && (c->buf[text - 1] == '\n' || c->buf[text - 1] == '\r'))
				text--;
			if (text) {
				msg = json_loadb(c->buf, text, 0, &err);
				if (!msg)
					die(EXIT_USAGE, "bad JSON from the server: %s", err.text);
			}
			memmove(c->buf, c->buf + n, c->len - n);
			c->len -= n;
			if (msg) {
				*out = msg;
				return RECV_MSG;
			}
			continue;
		}
		if (c->cap - c->len < 65536) {
			size_t cap = c->cap ? c->cap * 2 : 65536;
			char *p;

			if (cap > MAX_LINE)
				die(EXIT_USAGE, "a message from the server exceeds %u bytes", MAX_LINE);
			p = realloc(c->buf, cap);
			if (!p)
				die(EXIT_USAGE, "out of memory");
			c->buf = p;
			c->cap = cap;
		}
		if (c->deadline) {
			struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
			int64_t left = (int64_t)(c->deadline - now_ns());

			if (left <= 0 || poll(&pfd, 1, (int)(left / 1000000) + 1) == 0)
				return RECV_TIMEOUT;
		}
		{
			ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				die(EXIT_USAGE, "reading from the QMP socket: %s", strerror(errno));
			if (n == 0)
				return RECV_EOF;
			c->len += (size_t)n;
		}
	}
}

/* Waits for the reply with this id, passing other messages (events) to `other`. */
static json_t *wait_reply(struct conn *c, const char *id, void (*other)(json_t *, void *),
			  void *opaque)
{
	for (;;) {
		json_t *m;
		enum recv_result rr = recv_json(c, &m);

		if (rr == RECV_EOF)
			die(EXIT_USAGE, "the server closed the connection before replying");
		if (rr == RECV_TIMEOUT)
			die(EXIT_REPLY_ERROR, "timed out waiting for a reply");
		if (json_is_string(json_object_get(m, "id")) &&
		    !strcmp(json_string_value(json_object_get(m, "id")), id))
			return m;
		if (other)
			other(m, opaque);
		json_decref(m);
	}
}

static void negotiate(struct conn *c)
{
	json_t *g = NULL, *req, *r;

	if (recv_json(c, &g) != RECV_MSG || !json_object_get(g, "QMP"))
		die(EXIT_USAGE, "no QMP greeting from the server");
	json_decref(g);
	req = json_pack("{s:s, s:s}", "execute", "qmp_capabilities", "id", "xkvm-qmp-caps");
	send_json(c, req);
	json_decref(req);
	r = wait_reply(c, "xkvm-qmp-caps", NULL, NULL);
	if (!json_object_get(r, "return"))
		die(EXIT_USAGE, "capabilities negotiation failed: %s",
		    json_string_value(json_object_get(json_object_get(r, "error"), "desc")));
	json_decref(r);
}

/* key=value guesses the type; key:=JSON is taken as is. */
static void parse_arg(json_t *args, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char key[256];
	size_t klen;
	json_t *v;

	if (!eq || eq == kv)
		die(EXIT_USAGE, "'%s': arguments are key=value or key:=JSON", kv);
	klen = (size_t)(eq - kv);
	if (eq[-1] == ':') {
		json_error_t err;

		klen--;
		v = json_loads(eq + 1, JSON_DECODE_ANY, &err);
		if (!v)
			die(EXIT_USAGE, "'%s': not JSON: %s", kv, err.text);
	} else {
		const char *s = eq + 1;
		char *end;
		long long n;

		errno = 0;
		n = strtoll(s, &end, 10);
		if (!strcmp(s, "true") || !strcmp(s, "false"))
			v = json_boolean(!strcmp(s, "true"));
		else if (!strcmp(s, "null"))
			v = json_null();
		else if (*s && !*end && !errno && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
			v = json_integer(n);
		else
			v = json_string(s);
		if (!v)
			die(EXIT_USAGE, "'%s': the value is not valid UTF-8", kv);
	}
	if (klen == 0 || klen >= sizeof(key))
		die(EXIT_USAGE, "'%s': bad key", kv);
	memcpy(key, kv, klen);
	key[klen] = '\0';
	json_object_set_new(args, key, v);
}

static void print_json_flags(json_t *m, bool pretty, size_t flags)
{
	char *s = json_dumps(m, (pretty ? JSON_INDENT(2) : 0) | flags);

	if (s) {
		puts(s);
		free(s);
	}
	fflush(stdout);
}

static void print_json(json_t *m, bool pretty)
{
	print_json_flags(m, pretty, 0);
}

struct event_opts {
	const char *filter[MAX_FILTERS];
	unsigned nr_filter;
	long count;   /* 0: unlimited */
	long seen;
	bool pretty;
};

static bool event_wanted(const struct event_opts *o, json_t *m)
{
	const char *name = json_string_value(json_object_get(m, "event"));

	if (!name)
		return false;
	if (!o->nr_filter)
		return true;
	for (unsigned i = 0; i < o->nr_filter; i++)
		if (!strcmp(o->filter[i], name))
			return true;
	return false;
}

static void print_event(json_t *m, void *opaque)
{
	struct event_opts *o = opaque;

	if (event_wanted(o, m) && (!o->count || o->seen < o->count)) {
		print_json(m, o->pretty);
		o->seen++;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);

	return (double)v[i] / 1000.0;
}

static int repeat(struct conn *c, json_t *req, long n, long warmup)
{
	uint64_t *lat = calloc((size_t)n, sizeof(*lat)), sum = 0;
	int status = 0;
	json_t *stats;

	if (!lat)
		die(EXIT_USAGE, "out of memory");
	for (long i = -warmup; i < n; i++) {
		uint64_t t0 = now_ns();
		json_t *r;

		send_json(c, req);
		r = wait_reply(c, "xkvm-qmp", NULL, NULL);
		if (i >= 0)
			lat[i] = now_ns() - t0;
		if (!json_object_get(r, "return"))
			status = EXIT_REPLY_ERROR;
		json_decref(r);
	}
	for (long i = 0; i < n; i++)
		sum += lat[i];
	qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
	stats = json_pack("{s:s, s:i, s:f, s:f, s:f, s:f, s:f, s:f}",
			  "command", json_string_value(json_object_get(req, "execute")),
			  "n", (int)n, "min_us", (double)lat[0] / 1000.0,
			  "p50_us", pct(lat, (size_t)n, 0.50), "p90_us", pct(lat, (size_t)n, 0.90),
			  "p99_us", pct(lat, (size_t)n, 0.99),
			  "max_us", (double)lat[n - 1] / 1000.0,
			  "mean_us", (double)sum / (double)n / 1000.0);
	/* 9 significant digits: 17.313, not 17.312999999999999. */
	print_json_flags(stats, false, JSON_REAL_PRECISION(9));
	json_decref(stats);
	free(lat);
	return status;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s -s SOCKET COMMAND [key=value | key:=JSON ...] [--json '{...}']\n"
		"       %s -s SOCKET --events [--count N] [--filter EVENT]... [--timeout S] [COMMAND ...]\n"
		"       %s -s SOCKET --repeat N [--warmup W] COMMAND [...]\n"
		"\n"
		"Send one QMP command to xkvm (or QEMU) and print the reply as JSON; exit 1 on an\n"
		"error reply, 2 on a usage or connection problem.\n"
		"\n"
		"  -s, --socket PATH   the -qmp unix socket\n"
		"  -w, --wait SECONDS  wait for the socket to appear (default 0)\n"
		"  -t, --timeout S     give up after S seconds (exit 1)\n"
		"  -p, --pretty        indent the JSON\n"
		"  --json OBJECT       the command's arguments as one JSON object\n"
		"  key=value           an argument: true/false/null, an integer, else a string\n"
		"  key:=JSON           an argument given as JSON\n"
		"  -e, --events        print events (one JSON per line) as they arrive; with a\n"
		"                      COMMAND, send it first and print its reply among them\n"
		"  -n, --count N       with --events: stop after N events\n"
		"  -f, --filter EVENT  with --events: only these events (repeatable)\n"
		"  -r, --repeat N      send COMMAND N times; print latency statistics (µs)\n"
		"  --warmup W          with --repeat: W unmeasured calls first\n",
		prog, prog, prog);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "wait", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "json", required_argument, NULL, 'j' },
		{ "events", no_argument, NULL, 'e' },
		{ "count", required_argument, NULL, 'n' },
		{ "filter", required_argument, NULL, 'f' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct event_opts ev = { .count = 0 };
	const char *sock = NULL, *json_args = NULL;
	double wait_s = 0, timeout_s = 0;
	bool events = false;
	long nrepeat = 0, warmup = 0;
	json_t *args, *req = NULL, *r;
	struct conn c;
	int opt, status = 0;

	while ((opt = getopt_long(argc, argv, "s:w:t:pen:f:r:h", longopts, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 's': sock = optarg; break;
		case 'w': wait_s = strtod(optarg, &end); if (*end || wait_s < 0) die(EXIT_USAGE, "bad --wait"); break;
		case 't': timeout_s = strtod(optarg, &end); if (*end || timeout_s < 0) die(EXIT_USAGE, "bad --timeout"); break;
		case 'p': ev.pretty = true; break;
		case 'j': json_args = optarg; break;
		case 'e': events = true; break;
		case 'n': ev.count = strtol(optarg, &end, 10); if (*end || ev.count <= 0) die(EXIT_USAGE, "bad --count"); break;
		case 'f':
			if (ev.nr_filter == MAX_FILTERS)
				die(EXIT_USAGE, "too many --filter");
			ev.filter[ev.nr_filter++] = optarg;
			break;
		case 'r': nrepeat = strtol(optarg, &end, 10); if (*end || nrepeat <= 0) die(EXIT_USAGE, "bad --repeat"); break;
		case 'W': warmup = strtol(optarg, &end, 10); if (*end || warmup < 0) die(EXIT_USAGE, "bad --warmup"); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (!sock)
		die(EXIT_USAGE, "no socket: use -s PATH (see --help)");
	if (optind == argc && !events)
		die(EXIT_USAGE, "no command given (see --help)");
	if (nrepeat && (events || optind == argc))
		die(EXIT_USAGE, "--repeat needs a COMMAND and no --events");

	if (optind < argc) {
		if (json_args) {
			json_error_t err;

			args = json_loads(json_args, 0, &err);
			if (!json_is_object(args))
				die(EXIT_USAGE, "--json: not a JSON object%s%s", args ? "" : ": ",
				    args ? "" : err.text);
		} else {
			args = json_object();
		}
		for (int i = optind + 1; i < argc; i++)
			parse_arg(args, argv[i]);
		req = json_pack("{s:s, s:o, s:s}", "execute", argv[optind], "arguments", args, "id",
				"xkvm-qmp");
		if (!req)
			die(EXIT_USAGE, "the command name is not valid UTF-8");
	}

	conn_open(&c, sock, wait_s);
	if (timeout_s > 0)
		c.deadline = now_ns() + (uint64_t)(timeout_s * 1e9);
	negotiate(&c);

	if (nrepeat) {
		status = repeat(&c, req, nrepeat, warmup);
		json_decref(req);
		conn_close(&c);
		return status;
	}
	if (req) {
		send_json(&c, req);
		r = wait_reply(&c, "xkvm-qmp", events ? print_event : NULL, &ev);
		json_object_del(r, "id");
		print_json(r, ev.pretty);
		status = json_object_get(r, "return") ? 0 : EXIT_REPLY_ERROR;
		if (status)
			fprintf(stderr, "%s: %s: %s\n", prog, argv[optind], json_string_value(
				json_object_get(json_object_get(r, "error"), "desc")));
		json_decref(r);
		json_decref(req);
		if (!events) {
			conn_close(&c);
			return status;
		}
	}
	while (!ev.count || ev.seen < ev.count) {
		json_t *m;
		enum recv_result rr = recv_json(&c, &m);

		if (rr == RECV_EOF) {
			if (ev.count)
				die(EXIT_REPLY_ERROR, "the connection closed after %ld of %ld events",
				    ev.seen, ev.count);
			break;
		}
		if (rr == RECV_TIMEOUT)
			die(EXIT_REPLY_ERROR, "timed out after %ld events", ev.seen);
		print_event(m, &ev);
		json_decref(m);
	}
	conn_close(&c);
	return status;
}
