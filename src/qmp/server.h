/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The QMP server: one listening Unix socket per -qmp option, any number of clients
 * (up to QMP_MAX_CLIENTS), all on the main loop.  Each client has its own negotiation
 * state, a capped input buffer and an output queue written without blocking, so a slow
 * or hostile client never stalls the loop or another client.  Events go to every client
 * in command mode.
 */
#ifndef XKVM_QMP_SERVER_H
#define XKVM_QMP_SERVER_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "qmp/dispatch.h"
#include "util/log.h"
#include "vm/loop.h"

struct vm;

#define QMP_MAX_CLIENTS 128
#define QMP_MAX_REQUEST (1u << 20)   /* bytes in one request; longer: error and drop */
#define QMP_OUT_PAUSE   (256u << 10) /* queued output at which we stop reading requests */
#define QMP_OUT_MAX     (8u << 20)   /* queued output (events) at which we drop a client */

struct qmp_client;

struct qmp_listener {
	struct qmp_server *srv;
	int fd;
	char *path;
	bool wait;             /* wait=on: the machine starts once a client connected */
	unsigned long long accepted;
};

struct qmp_server {
	struct vm *vm;
	struct loop *loop;
	struct qmp_registry reg;
	struct qmp_listener *listeners;
	unsigned nr_listeners;
	struct qmp_client *clients;   /* live */
	struct qmp_client *zombies;   /* closed, freed at the end of the current callback */
	unsigned nr_clients;
	unsigned long long nr_accepted;
	int spare_fd;                 /* given up to accept-and-drop when out of fds */
	bool busy;                    /* inside a client callback: defer freeing clients */
	struct ratelimit rl;          /* for client-triggered messages */

	/* Events emitted off the main thread wait here for `event_job`. */
	pthread_mutex_t event_lock;
	json_t *pending_events;
	struct loop_job event_job;
};

/* Listens on every -qmp socket, registers the built-in commands and becomes the VM's
 * event sink (vm->event_fn, vm->qmp).  Returns 0 or -errno (message printed). */
int qmp_server_create(struct vm *vm, struct qmp_server **out);
/* Flushes queued output (briefly, without blocking on a client), closes every client
 * and listener, unlinks the socket paths. */
void qmp_server_destroy(struct qmp_server *srv);

/* -qmp ...,wait=on: runs the main loop until a client has connected to each such
 * socket, as QEMU does before starting the machine.  -EINTR if the VM was asked to end
 * meanwhile. */
int qmp_server_wait_for_clients(struct qmp_server *srv);

/* Registers another area's commands and events (hot-plug, Xen, ...); call it with
 * vm->qmp (NULL without -qmp: then it does nothing). */
int qmp_server_register(struct qmp_server *srv, const struct qmp_module *m, void *opaque);

/* Sends an event to every client in command mode.  Steals `data` (may be NULL).  Any
 * thread: off the main thread the event is queued and sent by the main loop. */
void qmp_server_emit(struct qmp_server *srv, const char *name, json_t *data);

/* Main thread: sends an event object built by qmp_event_new() (borrowed). */
void qmp_server_broadcast(struct qmp_server *srv, json_t *event);
/* Main thread: sends the events other threads queued (srv->event_job). */
void qmp_server_event_job(void *opaque);

/* Builds {"timestamp": {"seconds", "microseconds"}, "event": name, "data": data}
 * (no "data" member when data is NULL).  Steals `data`. */
json_t *qmp_event_new(const char *name, json_t *data, unsigned long long realtime_us);

#endif
