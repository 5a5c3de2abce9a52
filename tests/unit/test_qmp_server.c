/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The QMP server on a real socket and main loop, without KVM: greeting, framing across
 * reads, events to negotiated clients only, events raised on another thread, the flush
 * at teardown, the socket file's life cycle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "qmp/server.h"
#include "vm/vm.h"

struct fixture {
	struct vm vm;
	struct vm_config cfg;
	char path[108];
	struct qmp_server *srv;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	snprintf(f.path, sizeof(f.path), "/tmp/xkvm-unit-qmp-%d.sock", (int)getpid());
	f.cfg.qmp[0] = (struct qmp_config){ .path = f.path, .server = true, .wait = false };
	f.cfg.nr_qmp = 1;
	f.cfg.name = "unit";
	f.vm.cfg = &f.cfg;
	pthread_mutex_init(&f.vm.vcpu_lock, NULL);
	trace_init(&f.vm.trace, NULL, false);
	assert_int_equal(loop_init(&f.vm.loop), 0);
	assert_int_equal(qmp_server_create(&f.vm, &f.srv), 0);
	assert_non_null(f.srv);
	assert_ptr_equal(f.vm.qmp, f.srv);
	assert_int_equal(access(f.path, F_OK), 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	qmp_server_destroy(f->srv);
	assert_int_equal(access(f->path, F_OK), -1); /* the socket file is gone */
	assert_null(f->vm.event_fn);
	loop_destroy(&f->vm.loop);
	trace_fini(&f->vm.trace);
	pthread_mutex_destroy(&f->vm.vcpu_lock);
	return 0;
}

static int client_connect(struct fixture *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, f->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Runs the main loop until `fd` has a whole line; returns it parsed (NULL at EOF). */
static json_t *recv_msg(struct fixture *f, int fd)
{
	static char buf[65536];
	size_t len = 0;

	for (int i = 0; i < 2000; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char *nl;

		loop_once(&f->vm.loop, 1);
		if (poll(&p, 1, 0) == 1) {
			ssize_t n = recv(fd, buf + len, 1, 0); /* byte by byte: never past a line */
			if (n == 0)
				return NULL;
			assert_true(n == 1);
			len++;
			if ((nl = memchr(buf, '\n', len))) {
				json_t *m;

				assert_true(nl > buf && nl[-1] == '\r'); /* QEMU's "\r\n" */
				m = json_loadb(buf, (size_t)(nl - buf - 1), 0, NULL);
				assert_non_null(m);
				return m;
			}
			i--; /* data is flowing: no timeout yet */
		}
	}
	fail_msg("no message from the server");
	return NULL;
}

static bool nothing_pending(struct fixture *f, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (int i = 0; i < 20; i++)
		loop_once(&f->vm.loop, 1);
	return poll(&p, 1, 0) == 0;
}

static void send_str(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

static void negotiate(struct fixture *f, int fd)
{
	json_t *m = recv_msg(f, fd);

	assert_non_null(json_object_get(m, "QMP"));
	json_decref(m);
	send_str(fd, "{\"execute\": \"qmp_capabilities\"}");
	m = recv_msg(f, fd);
	assert_non_null(json_object_get(m, "return"));
	json_decref(m);
}

static void test_session_and_framing(void **state)
{
	struct fixture *f = *state;
	int fd = client_connect(f);
	json_t *m;

	negotiate(f, fd);
	/* A request split across writes, and two in one write. */
	send_str(fd, "{\"execute\": \"query-na");
	assert_true(nothing_pending(f, fd));
	send_str(fd, "me\", \"id\": 1}{\"execute\": \"query-version\", \"id\": 2}");
	m = recv_msg(f, fd);
	assert_string_equal(json_string_value(json_object_get(json_object_get(m, "return"), "name")),
			    "unit");
	assert_int_equal(json_integer_value(json_object_get(m, "id")), 1);
	json_decref(m);
	m = recv_msg(f, fd);
	assert_int_equal(json_integer_value(json_object_get(m, "id")), 2);
	json_decref(m);
	close(fd);
}

static void test_events_go_to_negotiated_clients(void **state)
{
	struct fixture *f = *state;
	int a = client_connect(f), b = client_connect(f), quiet = client_connect(f);
	json_t *m;

	negotiate(f, a);
	negotiate(f, b);
	json_decref(recv_msg(f, quiet)); /* its greeting; it never negotiates */
	vm_emit_event(&f->vm, "RESET", json_pack("{s:b, s:s}", "guest", 0, "reason",
						 "host-qmp-system-reset"));
	for (int i = 0; i < 2; i++) {
		m = recv_msg(f, i ? b : a);
		assert_string_equal(json_string_value(json_object_get(m, "event")), "RESET");
		assert_string_equal(json_string_value(json_object_get(json_object_get(m, "data"),
								      "reason")), "host-qmp-system-reset");
		assert_true(json_is_integer(json_object_get(json_object_get(m, "timestamp"), "seconds")));
		assert_true(json_is_integer(json_object_get(json_object_get(m, "timestamp"),
							    "microseconds")));
		json_decref(m);
	}
	assert_true(nothing_pending(f, quiet));
	close(a);
	close(b);
	close(quiet);
}

static void *emit_thread(void *arg)
{
	struct fixture *f = arg;

	vm_emit_event(&f->vm, "STOP", NULL);
	vm_emit_event(&f->vm, "RESUME", NULL);
	return NULL;
}

static void test_event_from_another_thread(void **state)
{
	struct fixture *f = *state;
	int fd = client_connect(f);
	pthread_t t;
	json_t *m;

	negotiate(f, fd);
	assert_int_equal(pthread_create(&t, NULL, emit_thread, f), 0);
	pthread_join(t, NULL);
	/* Queued for the main loop, in order, with no "data" member. */
	m = recv_msg(f, fd);
	assert_string_equal(json_string_value(json_object_get(m, "event")), "STOP");
	assert_null(json_object_get(m, "data"));
	json_decref(m);
	m = recv_msg(f, fd);
	assert_string_equal(json_string_value(json_object_get(m, "event")), "RESUME");
	json_decref(m);
	close(fd);
}

static void test_teardown_flushes_and_closes(void **state)
{
	struct fixture *f = *state;
	int fd = client_connect(f);
	char buf[4096];
	ssize_t n;
	size_t len = 0;

	negotiate(f, fd);
	/* Emitted and destroyed without another loop iteration: destroy must send it. */
	vm_emit_event(&f->vm, "SHUTDOWN", json_pack("{s:b, s:s}", "guest", 0, "reason",
						    "host-qmp-quit"));
	qmp_server_destroy(f->srv);
	f->srv = NULL;
	while ((n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	assert_non_null(strstr(buf, "\"event\": \"SHUTDOWN\""));
	assert_int_equal(n, 0); /* then EOF */
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_session_and_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_go_to_negotiated_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_from_another_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_teardown_flushes_and_closes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
