/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QMP events: QEMU's shape ({"timestamp": {"seconds", "microseconds"}, "event", "data"},
 * wall-clock time as in QEMU), sent to every client in command mode.  Events raised on a
 * vCPU or I/O thread are queued and sent by the main loop, so clients see them in order
 * and the server's state is touched by one thread only.
 */
#include <stdlib.h>

#include "qmp/server.h"
#include "util/log.h"

json_t *qmp_event_new(const char *name, json_t *data, unsigned long long realtime_us)
{
	json_t *ev = json_pack("{s:{s:I, s:I}, s:s}", "timestamp",
			       "seconds", (json_int_t)(realtime_us / 1000000ull),
			       "microseconds", (json_int_t)(realtime_us % 1000000ull),
			       "event", name);

	if (ev && data)
		json_object_set_new(ev, "data", data);
	else if (data)
		json_decref(data);
	return ev;
}

void qmp_server_event_job(void *opaque)
{
	struct qmp_server *srv = opaque;
	json_t *list, *ev;
	size_t i;

	pthread_mutex_lock(&srv->event_lock);
	list = srv->pending_events;
	srv->pending_events = NULL;
	pthread_mutex_unlock(&srv->event_lock);
	json_array_foreach(list, i, ev)
		qmp_server_broadcast(srv, ev);
	json_decref(list);
}

void qmp_server_emit(struct qmp_server *srv, const char *name, json_t *data)
{
	json_t *ev = qmp_event_new(name, data, clock_realtime_us());

	if (!ev)
		return;
	if (pthread_equal(pthread_self(), srv->loop->owner)) {
		qmp_server_broadcast(srv, ev);
		json_decref(ev);
		return;
	}
	pthread_mutex_lock(&srv->event_lock);
	if (!srv->pending_events)
		srv->pending_events = json_array();
	if (srv->pending_events)
		json_array_append_new(srv->pending_events, ev);
	else
		json_decref(ev);
	pthread_mutex_unlock(&srv->event_lock);
	loop_post(srv->loop, &srv->event_job);
}
