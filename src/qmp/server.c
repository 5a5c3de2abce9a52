/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QMP sockets and clients on the main loop.
 *
 * A client's life: accept → greeting queued → requests framed (framer.c) out of a capped
 * input buffer → each dispatched (dispatch.c) → reply queued.  Output is written with
 * non-blocking sends; what the socket does not take waits in the client's queue and goes
 * out on EPOLLOUT.  While a client has more than QMP_OUT_PAUSE bytes queued we stop
 * reading its requests (it is not reading our replies); when events alone push it past
 * QMP_OUT_MAX it is dropped.  A request longer than QMP_MAX_REQUEST gets an error and
 * the connection is closed: after that the stream cannot be re-synchronised.
 *
 * Closed clients are unlinked at once and freed at the end of the callback that closed
 * them, so no code up the stack is left holding a freed client.
 */
#include "qmp/server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "qmp/commands/commands.h"
#include "qmp/framer.h"
#include "util/log.h"
#include "vm/vm.h"

#define IN_CHUNK 65536
#define BUF_KEEP 65536 /* buffers above this are freed once empty, so RSS stays flat */

struct qmp_client {
	struct qmp_server *srv;
	struct qmp_client *next;
	int fd;
	unsigned long long id;
	struct qmp_session session;

	char *in;
	size_t in_len, in_cap;
	struct qmp_framer framer;

	char *out;
	size_t out_head, out_len, out_cap;

	uint32_t mask;  /* epoll events registered */
	bool paused;    /* not reading: too much output queued */
	bool closing;   /* EOF or fatal input: close once the output is flushed */
	bool dead;
};

static void client_ready(void *opaque, uint32_t events);

/* ---- output ------------------------------------------------------------------------ */

static size_t out_pending(const struct qmp_client *c)
{
	return c->out_len - c->out_head;
}

static int out_reserve(struct qmp_client *c, size_t n)
{
	size_t cap;
	char *p;

	if (c->out_head && c->out_len + n > c->out_cap) {
		memmove(c->out, c->out + c->out_head, out_pending(c));
		c->out_len -= c->out_head;
		c->out_head = 0;
	}
	if (c->out_len + n <= c->out_cap)
		return 0;
	cap = c->out_cap ? c->out_cap : 4096;
	while (cap < c->out_len + n)
		cap *= 2;
	p = realloc(c->out, cap);
	if (!p)
		return -ENOMEM;
	c->out = p;
	c->out_cap = cap;
	return 0;
}

static int out_append(const char *buf, size_t n, void *opaque)
{
	struct qmp_client *c = opaque;

	if (out_reserve(c, n) < 0)
		return -1;
	memcpy(c->out + c->out_len, buf, n);
	c->out_len += n;
	return 0;
}

static void client_close(struct qmp_client *c, const char *why);

static void client_update_mask(struct qmp_client *c)
{
	uint32_t mask = 0;

	if (c->dead)
		return;
	if (out_pending(c))
		mask |= EPOLLOUT;
	if (!c->paused && !c->closing)
		mask |= EPOLLIN;
	if (mask != c->mask && loop_mod_fd(c->srv->loop, c->fd, mask) == 0)
		c->mask = mask;
}

/* Writes what the socket takes now; never blocks. */
static void client_flush(struct qmp_client *c)
{
	while (!c->dead && out_pending(c)) {
		ssize_t n = send(c->fd, c->out + c->out_head, out_pending(c),
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			client_close(c, errno == EPIPE || errno == ECONNRESET ? "disconnected"
									       : "write error");
			return;
		}
		c->out_head += (size_t)n;
	}
	if (c->dead)
		return;
	if (!out_pending(c)) {
		c->out_head = c->out_len = 0;
		if (c->out_cap > BUF_KEEP) {
			free(c->out);
			c->out = NULL;
			c->out_cap = 0;
		}
		if (c->closing) {
			client_close(c, "closed");
			return;
		}
	}
	client_update_mask(c);
}

/* Queues one message: JSON text and QEMU's "\r\n". */
static void client_send_json(struct qmp_client *c, json_t *msg)
{
	if (c->dead || !msg)
		return;
	if (json_dump_callback(msg, out_append, c, JSON_ENSURE_ASCII | JSON_ENCODE_ANY) < 0 ||
	    out_append("\r\n", 2, c) < 0) {
		client_close(c, "out of memory");
		return;
	}
	client_flush(c);
}

static void client_send_raw(struct qmp_client *c, const char *text, size_t len)
{
	if (c->dead)
		return;
	if (out_pending(c) + len > QMP_OUT_MAX) {
		log_guest(&c->srv->rl, "qmp: client %llu does not read its events (%zu bytes queued): "
			  "dropping it", c->id, out_pending(c));
		client_close(c, "output queue full");
		return;
	}
	if (out_append(text, len, c) < 0) {
		client_close(c, "out of memory");
		return;
	}
	client_flush(c);
}

/* ---- input ------------------------------------------------------------------------- */

static void client_handle(struct qmp_client *c, const char *text, size_t len)
{
	struct qmp_server *srv = c->srv;
	json_t *reply, *err;

	trace_qmp_request(&srv->vm->trace, c->id, (int)(len > 200 ? 200 : len), text);
	reply = qmp_dispatch_message(&srv->reg, &c->session, text, len);
	if (!reply) {
		client_close(c, "out of memory");
		return;
	}
	err = json_object_get(reply, "error");
	trace_qmp_reply(&srv->vm->trace, c->id,
			err ? json_string_value(json_object_get(err, "class")) : "return");
	client_send_json(c, reply);
	json_decref(reply);
}

/* Dispatches every complete message in the input buffer, then compacts it. */
static void client_process(struct qmp_client *c)
{
	size_t off, n;

	while (!c->dead && !c->closing && !c->paused &&
	       qmp_framer_next(&c->framer, c->in, c->in_len, &off, &n)) {
		client_handle(c, c->in + off, n);
		if (!c->dead && out_pending(c) >= QMP_OUT_PAUSE) {
			c->paused = true;
			client_update_mask(c);
		}
	}
	if (c->dead)
		return;
	if (c->framer.start) {
		memmove(c->in, c->in + c->framer.start, c->in_len - c->framer.start);
		c->in_len -= c->framer.start;
		qmp_framer_shift(&c->framer, c->framer.start);
	}
	if (!c->paused && c->in_len > QMP_MAX_REQUEST) {
		char desc[128];
		json_t *reply;

		snprintf(desc, sizeof(desc), "QMP input exceeds %u bytes; closing the connection",
			 QMP_MAX_REQUEST);
		log_guest(&c->srv->rl, "qmp: client %llu: request longer than %u bytes: dropping it",
			  c->id, QMP_MAX_REQUEST);
		reply = json_pack("{s:o}", "error", qmp_error_object(QMP_ERROR_GENERIC, desc));
		c->closing = true;
		c->in_len = 0;
		qmp_framer_init(&c->framer);
		client_send_json(c, reply);
		json_decref(reply);
		if (!c->dead)
			client_flush(c); /* closes once written */
		return;
	}
	if (!c->in_len && c->in_cap > BUF_KEEP) {
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	}
}

static void client_read(struct qmp_client *c)
{
	/* A bounded amount per wakeup: the loop stays fair to other clients and fds. */
	for (int round = 0; round < 8 && !c->dead && !c->closing && !c->paused; round++) {
		ssize_t n;

		if (c->in_cap - c->in_len < IN_CHUNK) {
			/* in_len <= QMP_MAX_REQUEST here (client_process drops longer input), so
			 * the buffer never exceeds QMP_MAX_REQUEST + IN_CHUNK. */
			size_t cap = c->in_cap ? c->in_cap * 2 : IN_CHUNK;
			char *p;

			while (cap - c->in_len < IN_CHUNK)
				cap *= 2;
			if (cap > QMP_MAX_REQUEST + IN_CHUNK)
				cap = QMP_MAX_REQUEST + IN_CHUNK;
			p = realloc(c->in, cap);
			if (!p) {
				client_close(c, "out of memory");
				return;
			}
			c->in = p;
			c->in_cap = cap;
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				client_close(c, "read error");
			return;
		}
		if (n == 0) {
			/* EOF: answer what came, then close (at once if nothing is queued). */
			c->closing = true;
			client_flush(c);
			return;
		}
		c->in_len += (size_t)n;
		client_process(c);
	}
}

/* ---- clients ----------------------------------------------------------------------- */

static void server_reap(struct qmp_server *srv)
{
	if (srv->busy)
		return;
	while (srv->zombies) {
		struct qmp_client *c = srv->zombies;

		srv->zombies = c->next;
		free(c->in);
		free(c->out);
		free(c);
	}
}

static void client_close(struct qmp_client *c, const char *why)
{
	struct qmp_server *srv = c->srv;

	if (c->dead)
		return;
	trace_qmp_client_close(&srv->vm->trace, c->id, why);
	loop_del_fd(srv->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	c->dead = true;
	for (struct qmp_client **pp = &srv->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	c->next = srv->zombies;
	srv->zombies = c;
	srv->nr_clients--;
}

static json_t *greeting(void)
{
	return json_pack("{s:{s:o, s:[]}}", "QMP", "version", qmp_version_info(), "capabilities");
}

static void client_new(struct qmp_server *srv, int fd)
{
	struct qmp_client *c = calloc(1, sizeof(*c));
	json_t *g;

	if (!c) {
		close(fd);
		return;
	}
	c->srv = srv;
	c->fd = fd;
	c->id = ++srv->nr_accepted;
	c->session.opaque = c;
	c->mask = EPOLLIN;
	qmp_framer_init(&c->framer);
	if (loop_add_fd(srv->loop, fd, EPOLLIN, client_ready, c) < 0) {
		log_error("qmp: cannot watch client fd %d", fd);
		close(fd);
		free(c);
		return;
	}
	c->next = srv->clients;
	srv->clients = c;
	srv->nr_clients++;
	trace_qmp_client_connect(&srv->vm->trace, c->id, fd);
	g = greeting();
	client_send_json(c, g);
	json_decref(g);
}

static void client_ready(void *opaque, uint32_t events)
{
	struct qmp_client *c = opaque;
	struct qmp_server *srv = c->srv;

	srv->busy = true;
	if (events & EPOLLOUT)
		client_flush(c);
	if (!c->dead && c->paused && out_pending(c) < QMP_OUT_PAUSE) {
		c->paused = false;
		client_update_mask(c);
		client_process(c); /* requests that arrived while we were not reading */
	}
	if (!c->dead && !c->closing && !c->paused && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		client_read(c);
	else if (!c->dead && (events & EPOLLERR))
		client_close(c, "socket error");
	else if (!c->dead && c->closing && (events & EPOLLHUP))
		client_close(c, "hung up");
	srv->busy = false;
	server_reap(srv);
}

static void listener_ready(void *opaque, uint32_t events)
{
	struct qmp_listener *l = opaque;
	struct qmp_server *srv = l->srv;

	(void)events;
	srv->busy = true;
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				log_guest(&srv->rl, "qmp: cannot accept a client on %s: %s", l->path,
					  strerror(errno));
				/* The connection would stay pending and the level-triggered
				 * listener fire forever: take it with the spare fd, drop it. */
				if (srv->spare_fd >= 0) {
					close(srv->spare_fd);
					fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
					if (fd >= 0)
						close(fd);
					srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
					continue;
				}
			}
			break;
		}
		if (srv->nr_clients >= QMP_MAX_CLIENTS) {
			log_guest(&srv->rl, "qmp: %u clients already: refusing another on %s",
				  srv->nr_clients, l->path);
			close(fd);
			continue;
		}
		l->accepted++;
		client_new(srv, fd);
	}
	srv->busy = false;
	server_reap(srv);
}

/* ---- events ------------------------------------------------------------------------ */

void qmp_server_broadcast(struct qmp_server *srv, json_t *event)
{
	const char *name = json_string_value(json_object_get(event, "event"));
	size_t len = json_dumpb(event, NULL, 0, JSON_ENSURE_ASCII);
	unsigned n = 0;
	char *text;

	if (!len || !(text = malloc(len + 2)))
		return;
	if (name && !qmp_registry_find_event(&srv->reg, name))
		log_warn("qmp: event %s is not declared by any QMP module (docs/qmp.md)", name);
	json_dumpb(event, text, len, JSON_ENSURE_ASCII);
	text[len] = '\r';
	text[len + 1] = '\n';
	for (struct qmp_client *c = srv->clients, *next; c; c = next) {
		next = c->next; /* c may be closed (and unlinked) by the send */
		if (c->session.negotiated && !c->closing) {
			client_send_raw(c, text, len + 2);
			n++;
		}
	}
	trace_qmp_event(&srv->vm->trace, name ? name : "?", n);
	free(text);
	server_reap(srv);
}

/* ---- sockets ----------------------------------------------------------------------- */

static int listen_unix(const char *path, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_error("-qmp unix:%s: the path is longer than %zu bytes", path,
			  sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	/* A stale socket from an earlier run is replaced, as QEMU does; anything else is
	 * left alone. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_error("-qmp unix:%s: exists and is not a socket", path);
			return -EEXIST;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		log_error("-qmp unix:%s: socket: %s", path, strerror(errno));
		return ret;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, SOMAXCONN) < 0) {
		ret = -errno;
		log_error("-qmp unix:%s: %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	*out = fd;
	return 0;
}

static void vm_event_sink(void *opaque, const char *name, json_t *data)
{
	qmp_server_emit(opaque, name, data);
}

int qmp_server_create(struct vm *vm, struct qmp_server **out)
{
	struct vm_config *cfg = vm->cfg;
	struct qmp_server *srv;
	int ret;

	*out = NULL;
	if (!cfg->nr_qmp)
		return 0;
	srv = calloc(1, sizeof(*srv));
	if (!srv || !(srv->listeners = calloc(cfg->nr_qmp, sizeof(*srv->listeners)))) {
		free(srv);
		return -ENOMEM;
	}
	srv->vm = vm;
	srv->loop = &vm->loop;
	srv->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&srv->event_lock, NULL);
	loop_job_init(&srv->event_job, qmp_server_event_job, srv);
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	qmp_registry_init(&srv->reg);
	if ((ret = qmp_register_builtin(&srv->reg, vm)) < 0) {
		log_error("qmp: cannot register the built-in commands: %s", strerror(-ret));
		goto fail;
	}
	for (unsigned i = 0; i < cfg->nr_qmp; i++) {
		struct qmp_listener *l = &srv->listeners[i];

		l->srv = srv;
		l->fd = -1;
		l->wait = cfg->qmp[i].wait;
		if ((ret = listen_unix(cfg->qmp[i].path, &l->fd)) < 0)
			goto fail;
		srv->nr_listeners++;
		l->path = strdup(cfg->qmp[i].path);
		if (!l->path) {
			ret = -ENOMEM;
			goto fail;
		}
		if ((ret = loop_add_fd(srv->loop, l->fd, EPOLLIN, listener_ready, l)) < 0) {
			log_error("qmp: cannot watch %s: %s", l->path, strerror(-ret));
			goto fail;
		}
	}
	vm->qmp = srv;
	vm->event_opaque = srv;
	vm->event_fn = vm_event_sink;
	*out = srv;
	return 0;
fail:
	qmp_server_destroy(srv);
	return ret;
}

int qmp_server_register(struct qmp_server *srv, const struct qmp_module *m, void *opaque)
{
	int ret;

	if (!srv)
		return 0; /* no -qmp: nobody to serve */
	ret = qmp_register_module(&srv->reg, m, opaque);

	if (ret < 0)
		log_error("qmp: cannot register module %s: %s", m->name,
			  ret == -EEXIST ? "a command or event name is already taken" : strerror(-ret));
	return ret;
}

static bool waiting(struct qmp_server *srv)
{
	for (unsigned i = 0; i < srv->nr_listeners; i++)
		if (srv->listeners[i].wait && !srv->listeners[i].accepted)
			return true;
	return false;
}

int qmp_server_wait_for_clients(struct qmp_server *srv)
{
	if (!srv)
		return 0;
	for (unsigned i = 0; i < srv->nr_listeners; i++)
		if (srv->listeners[i].wait)
			log_info("waiting for a QMP connection on unix:%s,server=on",
				 srv->listeners[i].path);
	while (waiting(srv) && !srv->loop->quit) {
		int ret = loop_once(srv->loop, -1);
		if (ret < 0)
			return ret;
	}
	return srv->loop->quit ? -EINTR : 0;
}

/* Give queued output (the last replies, SHUTDOWN) a short chance to leave. */
static void flush_all(struct qmp_server *srv, int budget_ms)
{
	uint64_t deadline = clock_ns() + (uint64_t)budget_ms * 1000000ull;

	for (;;) {
		struct pollfd pfd[QMP_MAX_CLIENTS];
		struct qmp_client *c, *next;
		nfds_t n = 0;
		int64_t left;

		for (c = srv->clients; c; c = next) {
			next = c->next;
			client_flush(c);
			if (!c->dead && out_pending(c) && n < QMP_MAX_CLIENTS)
				pfd[n++] = (struct pollfd){ .fd = c->fd, .events = POLLOUT };
		}
		left = (int64_t)(deadline - clock_ns()) / 1000000;
		if (!n || left <= 0)
			break;
		poll(pfd, n, (int)left);
	}
}

void qmp_server_destroy(struct qmp_server *srv)
{
	if (!srv)
		return;
	if (srv->vm->qmp == srv) {
		srv->vm->event_fn = NULL;
		srv->vm->event_opaque = NULL;
		srv->vm->qmp = NULL;
	}
	qmp_server_event_job(srv); /* events queued by other threads */
	flush_all(srv, 500);
	while (srv->clients)
		client_close(srv->clients, "server shutting down");
	server_reap(srv);
	for (unsigned i = 0; i < srv->nr_listeners; i++) {
		struct qmp_listener *l = &srv->listeners[i];

		if (l->fd >= 0) {
			loop_del_fd(srv->loop, l->fd);
			close(l->fd);
		}
		if (l->path)
			unlink(l->path);
		free(l->path);
	}
	free(srv->listeners);
	if (srv->spare_fd >= 0)
		close(srv->spare_fd);
	json_decref(srv->pending_events);
	pthread_mutex_destroy(&srv->event_lock);
	qmp_registry_fini(&srv->reg);
	free(srv);
}
