/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The QMP dispatcher without sockets or a VM: negotiation, request checks, argument
 * checks (QEMU's wording), id echo, registration, and HMP formatting over fake commands.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "qmp/commands/commands.h"
#include "qmp/dispatch.h"
#include "qmp_every_type.h"

/* ---- a fake module --------------------------------------------------------------- */

static int fail_device(struct qmp_call *c, json_t *args)
{
	return qmp_fail(c, QMP_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found",
			qmp_arg_str(args, "id", "?"));
}

static int fail_silently(struct qmp_call *c, json_t *args)
{
	(void)args;
	c->ret = json_object(); /* must not leak when the handler then fails */
	return -1;
}

static int count_calls(struct qmp_call *c, json_t *args)
{
	(void)args;
	(*(int *)c->opaque)++;
	return 0;
}

static const struct qmp_command fake_cmds[] = {
	QMP_ECHO_EVERY_TYPE,
	{ .name = "device-thing", .fn = fail_device,
	  .args = (const struct qmp_arg[]){ { "id", QMP_TYPE_STR, false, .doc = "" }, { NULL } } },
	{ .name = "broken", .fn = fail_silently },
	{ .name = "count", .fn = count_calls },
};

static const struct qmp_event_def fake_events[] = { { "FAKE", NULL, "a test event" } };

static const struct qmp_module fake = {
	.name = "fake",
	.commands = fake_cmds,
	.nr_commands = QMP_ARRAY_SIZE(fake_cmds),
	.events = fake_events,
	.nr_events = QMP_ARRAY_SIZE(fake_events),
};

struct fixture {
	struct qmp_registry reg;
	struct qmp_session session;
	int counter;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	qmp_registry_init(&f.reg);
	assert_int_equal(qmp_register_module(&f.reg, &qmp_module_control, NULL), 0);
	assert_int_equal(qmp_register_module(&f.reg, &fake, &f.counter), 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	qmp_registry_fini(&f->reg);
	return 0;
}

static json_t *rpc(struct fixture *f, const char *text)
{
	json_t *r = qmp_dispatch_message(&f->reg, &f->session, text, strlen(text));

	assert_non_null(r);
	return r;
}

static void negotiate(struct fixture *f)
{
	json_t *r = rpc(f, "{\"execute\": \"qmp_capabilities\"}");

	assert_non_null(json_object_get(r, "return"));
	json_decref(r);
	assert_true(f->session.negotiated);
}

/* Asserts an error reply with this class and description; returns the reply. */
static void expect_error(struct fixture *f, const char *text, const char *cls, const char *desc)
{
	json_t *r = rpc(f, text), *e = json_object_get(r, "error");

	if (!e)
		fail_msg("%s: expected an error, got %s", text, json_dumps(r, 0));
	assert_string_equal(json_string_value(json_object_get(e, "class")), cls);
	if (desc)
		assert_string_equal(json_string_value(json_object_get(e, "desc")), desc);
	assert_null(json_object_get(r, "return"));
	json_decref(r);
}

static json_t *expect_return(struct fixture *f, const char *text)
{
	json_t *r = rpc(f, text), *ret = json_object_get(r, "return");

	if (!ret)
		fail_msg("%s: expected a return, got %s", text, json_dumps(r, 0));
	json_incref(ret);
	json_decref(r);
	return ret;
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_capabilities_mode(void **state)
{
	struct fixture *f = *state;
	json_t *r;

	expect_error(f, "{\"execute\": \"query-version\"}", "CommandNotFound",
		     "Expecting capabilities negotiation with 'qmp_capabilities'");
	expect_error(f, "{\"execute\": \"no-such-command\"}", "CommandNotFound",
		     "Expecting capabilities negotiation with 'qmp_capabilities'");
	/* Request checks still come first. */
	expect_error(f, "{\"execute\": \"echo\", \"bogus\": 1}", "GenericError",
		     "QMP input member 'bogus' is unexpected");
	/* The id comes back on errors in this mode too. */
	r = rpc(f, "{\"execute\": \"count\", \"id\": 7}");
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 7);
	json_decref(r);
	assert_int_equal(f->counter, 0);
	/* An unknown capability is an enum error; "oob" is not offered. */
	expect_error(f, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"foo\"]}}",
		     "GenericError", "Parameter 'enable[0]' does not accept value 'foo'");
	expect_error(f, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}",
		     "GenericError", "Capability oob not available");
	assert_false(f->session.negotiated);
	negotiate(f);
	expect_error(f, "{\"execute\": \"qmp_capabilities\"}", "CommandNotFound",
		     "Capabilities negotiation is already complete, command ignored");
	assert_true(f->session.negotiated);
}

static void test_request_shape(void **state)
{
	struct fixture *f = *state;

	negotiate(f);
	expect_error(f, "[1, 2]", "GenericError", "QMP input must be a JSON object");
	expect_error(f, "\"query-version\"", "GenericError", "QMP input must be a JSON object");
	expect_error(f, "42", "GenericError", "QMP input must be a JSON object");
	expect_error(f, "{}", "GenericError", "QMP input lacks member 'execute'");
	expect_error(f, "{\"id\": 1}", "GenericError", "QMP input lacks member 'execute'");
	expect_error(f, "{\"execute\": 1}", "GenericError",
		     "QMP input member 'execute' must be a string");
	expect_error(f, "{\"execute\": \"count\", \"arguments\": []}", "GenericError",
		     "QMP input member 'arguments' must be an object");
	expect_error(f, "{\"execute\": \"count\", \"arguments\": null}", "GenericError",
		     "QMP input member 'arguments' must be an object");
	expect_error(f, "{\"execute\": \"count\", \"exec-oob\": \"count\"}", "GenericError",
		     "QMP input member 'exec-oob' is unexpected");
	expect_error(f, "{\"execute\": \"nope\"}", "CommandNotFound",
		     "The command nope has not been found");
	assert_int_equal(f->counter, 0);
}

static void test_parse_errors(void **state)
{
	struct fixture *f = *state;

	negotiate(f);
	expect_error(f, "{bad json}", "GenericError", NULL);
	expect_error(f, "{\"execute\": ", "GenericError", NULL);
	expect_error(f, "}", "GenericError", NULL);
	expect_error(f, "{\"execute\": \"count\", \"execute\": \"count\"}", "GenericError", NULL);
	expect_error(f, "{\"execute\": \"count\xff\"}", "GenericError", NULL); /* not UTF-8 */
	{
		json_t *r = rpc(f, "{bad json}");
		const char *d = json_string_value(
			json_object_get(json_object_get(r, "error"), "desc"));

		assert_non_null(strstr(d, "JSON parse error, "));
		assert_null(json_object_get(r, "id"));
		json_decref(r);
	}
	assert_int_equal(f->counter, 0);
}

static void test_id_echo(void **state)
{
	struct fixture *f = *state;
	static const char *const ids[] = {
		"1", "\"abc\"", "null", "true", "1.5", "[1, {\"x\": [null]}]", "{\"a\": {\"b\": 2}}",
	};

	negotiate(f);
	for (size_t i = 0; i < QMP_ARRAY_SIZE(ids); i++) {
		char req[256];
		json_t *want = json_loads(ids[i], JSON_DECODE_ANY, NULL), *r;

		snprintf(req, sizeof(req), "{\"execute\": \"count\", \"id\": %s}", ids[i]);
		r = rpc(f, req);
		assert_non_null(json_object_get(r, "return"));
		assert_true(json_equal(json_object_get(r, "id"), want));
		json_decref(r);
		/* and on an error */
		snprintf(req, sizeof(req), "{\"id\": %s, \"execute\": \"nope\"}", ids[i]);
		r = rpc(f, req);
		assert_non_null(json_object_get(r, "error"));
		assert_true(json_equal(json_object_get(r, "id"), want));
		json_decref(r);
		json_decref(want);
	}
	assert_int_equal(f->counter, (int)QMP_ARRAY_SIZE(ids));
}

static void test_argument_types(void **state)
{
	struct fixture *f = *state;
	json_t *ret;

	negotiate(f);
	ret = expect_return(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"x\", \"b\": true, "
			       "\"i\": -5, \"u32\": 4294967295, \"u64\": 9007199254740993, "
			       "\"n\": 1.5, \"e\": \"green\", \"o\": {}, \"a\": [1, 2], "
			       "\"ae\": [\"red\"], \"any\": null}}");
	assert_int_equal(json_integer_value(json_object_get(ret, "u64")), 9007199254740993ll);
	assert_string_equal(json_string_value(json_object_get(ret, "e")), "green");
	json_decref(ret);
	ret = expect_return(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"n\": 3}}");
	json_decref(ret);

	expect_error(f, "{\"execute\": \"echo\"}", "GenericError", "Parameter 's' is missing");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {}}", "GenericError",
		     "Parameter 's' is missing");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": 1}}", "GenericError",
		     "Invalid parameter type for 's', expected: string");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": null}}", "GenericError",
		     "Invalid parameter type for 's', expected: string");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"b\": \"yes\"}}",
		     "GenericError", "Invalid parameter type for 'b', expected: boolean");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"i\": 1.5}}",
		     "GenericError", "Invalid parameter type for 'i', expected: integer");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"i\": \"1\"}}",
		     "GenericError", "Invalid parameter type for 'i', expected: integer");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"u32\": 4294967296}}",
		     "GenericError", "Parameter 'u32' expects uint32_t");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"u32\": -1}}",
		     "GenericError", "Parameter 'u32' expects uint32_t");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"u64\": -1}}",
		     "GenericError", "Parameter 'u64' expects uint64");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"n\": true}}",
		     "GenericError", "Invalid parameter type for 'n', expected: number");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"e\": \"blue\"}}",
		     "GenericError", "Parameter 'e' does not accept value 'blue'");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"e\": 1}}",
		     "GenericError", "Invalid parameter type for 'e', expected: string");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"o\": []}}",
		     "GenericError", "Invalid parameter type for 'o', expected: object");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"a\": {}}}",
		     "GenericError", "Invalid parameter type for 'a', expected: array");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"a\": [1, \"x\"]}}",
		     "GenericError", "Invalid parameter type for 'a[1]', expected: integer");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"ae\": [\"red\", \"x\"]}}",
		     "GenericError", "Parameter 'ae[1]' does not accept value 'x'");
	/* Declared members are checked before unexpected ones, as QEMU does. */
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"zzz\": 1}}", "GenericError",
		     "Parameter 's' is missing");
	expect_error(f, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"zzz\": 1}}",
		     "GenericError", "Parameter 'zzz' is unexpected");
	expect_error(f, "{\"execute\": \"count\", \"arguments\": {\"x\": 1}}", "GenericError",
		     "Parameter 'x' is unexpected");
	assert_int_equal(f->counter, 0);
}

static void test_handler_errors(void **state)
{
	struct fixture *f = *state;

	negotiate(f);
	expect_error(f, "{\"execute\": \"device-thing\", \"arguments\": {\"id\": \"d0\"}}",
		     "DeviceNotFound", "Device 'd0' not found");
	expect_error(f, "{\"execute\": \"broken\"}", "GenericError", "broken: internal error");
}

static void test_long_key_is_truncated_as_valid_utf8(void **state)
{
	struct fixture *f = *state;
	char req[2048];
	size_t n = 0;
	json_t *r;
	const char *desc;

	negotiate(f);
	n += (size_t)snprintf(req, sizeof(req), "{\"execute\": \"count\", \"arguments\": {\"");
	for (int i = 0; i < 400; i++) { /* 800 bytes of U+00E9 */
		req[n++] = (char)0xc3;
		req[n++] = (char)0xa9;
	}
	snprintf(req + n, sizeof(req) - n, "\": 1}}");
	r = rpc(f, req);
	desc = json_string_value(json_object_get(json_object_get(r, "error"), "desc"));
	assert_non_null(desc);
	assert_true(strlen(desc) < 512);
	assert_non_null(strstr(desc, "Parameter '"));
	json_decref(r);
}

static void test_query_commands_and_version(void **state)
{
	struct fixture *f = *state;
	json_t *ret, *e;
	size_t i;
	bool seen_caps = false, seen_echo = false;

	negotiate(f);
	ret = expect_return(f, "{\"execute\": \"query-commands\"}");
	assert_int_equal(json_array_size(ret), f->reg.nr_cmds);
	json_array_foreach(ret, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		assert_non_null(name);
		assert_int_equal(json_object_size(e), 1);
		seen_caps |= !strcmp(name, "qmp_capabilities");
		seen_echo |= !strcmp(name, "echo");
	}
	assert_true(seen_caps && seen_echo);
	json_decref(ret);

	ret = expect_return(f, "{\"execute\": \"query-version\"}");
	assert_true(json_is_integer(json_object_get(json_object_get(ret, "qemu"), "major")));
	assert_true(json_is_integer(json_object_get(json_object_get(ret, "qemu"), "minor")));
	assert_true(json_is_integer(json_object_get(json_object_get(ret, "qemu"), "micro")));
	assert_true(json_is_string(json_object_get(ret, "package")));
	json_decref(ret);
}

static void test_registration(void **state)
{
	struct fixture *f = *state;
	static const struct qmp_command dup_cmd[] = { { .name = "echo", .fn = qmp_echo } };
	static const struct qmp_command new_cmds[] = { { .name = "__org.xkvm_new", .fn = count_calls },
						       { .name = "__org.xkvm_new", .fn = count_calls } };
	static const struct qmp_module twice = { "twice", NULL, new_cmds, 2, NULL, 0 };
	struct qmp_module m = { "dup", NULL, dup_cmd, 1, NULL, 0 };
	struct qmp_module ev = { "ev", NULL, NULL, 0, fake_events, 1 };
	size_t before = f->reg.nr_cmds;

	assert_int_equal(qmp_register_module(&f->reg, &m, NULL), -EEXIST);
	assert_int_equal(qmp_register_module(&f->reg, &twice, NULL), -EEXIST);
	assert_int_equal(qmp_register_module(&f->reg, &ev, NULL), -EEXIST);
	assert_int_equal(f->reg.nr_cmds, before);
	assert_non_null(qmp_registry_find_event(&f->reg, "FAKE"));
	assert_null(qmp_registry_find_event(&f->reg, "NOPE"));
	/* A later layer registers its own command; it dispatches with its own opaque. */
	m = (struct qmp_module){ "later", NULL, new_cmds, 1, NULL, 0 };
	assert_int_equal(qmp_register_module(&f->reg, &m, &f->counter), 0);
	negotiate(f);
	json_decref(expect_return(f, "{\"execute\": \"__org.xkvm_new\"}"));
	assert_int_equal(f->counter, 1);
}

/* ---- HMP over fake query commands ------------------------------------------------- */

static const char *fake_status = "running";

static int fake_query_status(struct qmp_call *c, json_t *args)
{
	(void)args;
	c->ret = json_pack("{s:s, s:b, s:b}", "status", fake_status, "singlestep", 0, "running",
			   !strcmp(fake_status, "running"));
	return 0;
}

static int fake_query_cpus(struct qmp_call *c, json_t *args)
{
	(void)args;
	c->ret = json_pack("[{s:i, s:i}, {s:i, s:i}]", "cpu-index", 0, "thread-id", 100,
			   "cpu-index", 1, "thread-id", 101);
	return 0;
}

static int fake_stop(struct qmp_call *c, json_t *args)
{
	(void)args;
	return qmp_fail(c, QMP_ERROR_GENERIC, "cannot stop");
}

static const struct qmp_command hmp_deps[] = {
	{ .name = "query-status", .fn = fake_query_status },
	{ .name = "query-cpus-fast", .fn = fake_query_cpus },
	{ .name = "stop", .fn = fake_stop },
};
static const struct qmp_module hmp_deps_module = { "deps", NULL, hmp_deps, 3, NULL, 0 };

static const char *hmp(struct fixture *f, const char *line, int cpu)
{
	static char out[512];
	json_t *args = json_pack("{s:s}", "command-line", line), *req, *r;
	char *text;

	if (cpu >= 0)
		json_object_set_new(args, "cpu-index", json_integer(cpu));
	req = json_pack("{s:s, s:o}", "execute", "human-monitor-command", "arguments", args);
	text = json_dumps(req, 0);
	r = rpc(f, text);
	if (json_object_get(r, "error"))
		snprintf(out, sizeof(out), "ERROR %s", json_string_value(json_object_get(
			json_object_get(r, "error"), "desc")));
	else
		snprintf(out, sizeof(out), "%s", json_string_value(json_object_get(r, "return")));
	free(text);
	json_decref(req);
	json_decref(r);
	return out;
}

static void test_hmp(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(qmp_register_module(&f->reg, &qmp_module_hmp, NULL), 0);
	assert_int_equal(qmp_register_module(&f->reg, &hmp_deps_module, NULL), 0);
	negotiate(f);
	fake_status = "running";
	assert_string_equal(hmp(f, "info status", -1), "VM status: running\r\n");
	fake_status = "paused";
	assert_string_equal(hmp(f, "  info   status ", -1), "VM status: paused\r\n");
	fake_status = "prelaunch";
	assert_string_equal(hmp(f, "info status", -1), "VM status: paused (prelaunch)\r\n");
	assert_string_equal(hmp(f, "info cpus", -1),
			    "* CPU #0: thread_id=100\r\n  CPU #1: thread_id=101\r\n");
	assert_string_equal(hmp(f, "info cpus", 1),
			    "  CPU #0: thread_id=100\r\n* CPU #1: thread_id=101\r\n");
	assert_string_equal(hmp(f, "info cpus", 7), "ERROR Parameter 'cpu-index' expects a CPU number");
	assert_string_equal(hmp(f, "info nosuch", -1), "unknown command: 'info nosuch'\r\n");
	assert_string_equal(hmp(f, "frob a b", -1), "unknown command: 'frob'\r\n");
	assert_string_equal(hmp(f, "stop", -1), "Error: cannot stop\r\n");
	assert_string_equal(hmp(f, "", -1), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_capabilities_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_id_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argument_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handler_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_key_is_truncated_as_valid_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_commands_and_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hmp, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
