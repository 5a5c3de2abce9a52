/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QMP commands as data, and the pure dispatcher that runs them.
 *
 * Every command is one `struct qmp_command`: its name, its arguments (name, type,
 * optional), its handler and flags.  Modules (`struct qmp_module`) group commands and
 * the events they emit; wiring code registers a module with an opaque pointer (usually
 * `struct vm *`) that its handlers receive.  From the same tables come argument checking
 * (QEMU's wording), query-commands, and docs/qmp.md (src/qmp/doc.c).  No command parses
 * its own arguments: a handler runs only with arguments already checked against its
 * table, and reads them with qmp_arg_*().
 *
 * Commands of our own are named with QAPI's downstream-extension prefix "__org.xkvm_".
 *
 * qmp_dispatch_message() is pure: request text in, reply object out, given a registry
 * and a session.  The server (server.c) does sockets and framing around it.
 */
#ifndef XKVM_QMP_DISPATCH_H
#define XKVM_QMP_DISPATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QMP_XKVM_PREFIX "__org.xkvm_"

/* QAPI's QapiErrorClass (qapi/error.json). */
enum qmp_error_class {
	QMP_ERROR_GENERIC,
	QMP_ERROR_COMMAND_NOT_FOUND,
	QMP_ERROR_DEVICE_NOT_ACTIVE,
	QMP_ERROR_DEVICE_NOT_FOUND,
	QMP_ERROR_KVM_MISSING_CAP,
};

const char *qmp_error_class_name(enum qmp_error_class c);

/* Argument types, with the word QEMU's input visitor uses when a value has the wrong
 * JSON type ("Invalid parameter type for 'x', expected: <word>"). */
enum qmp_type {
	QMP_TYPE_STR,    /* string */
	QMP_TYPE_BOOL,   /* boolean */
	QMP_TYPE_INT,    /* integer, int64 */
	QMP_TYPE_UINT32, /* integer, 0..UINT32_MAX ("Parameter 'x' expects uint32_t") */
	QMP_TYPE_UINT64, /* integer, 0..INT64_MAX (jansson's range) */
	QMP_TYPE_NUMBER, /* number: integer or real */
	QMP_TYPE_ENUM,   /* string, one of `values` */
	QMP_TYPE_OBJECT, /* object, checked by the handler */
	QMP_TYPE_ARRAY,  /* array of `elem` (and `values` for an enum element) */
	QMP_TYPE_ANY,    /* any JSON value */
};

struct qmp_arg {
	const char *name;
	enum qmp_type type;
	bool optional;
	enum qmp_type elem;          /* QMP_TYPE_ARRAY: the element type */
	const char *const *values;   /* QMP_TYPE_ENUM (or an array of enums): NULL-terminated */
	const char *doc;
};

struct qmp_call;
struct qmp_registry;
struct qmp_session;

/* Returns 0 (setting call->ret, or leaving it NULL for {}) or a negative value after
 * qmp_fail(). */
typedef int (*qmp_handler)(struct qmp_call *call, json_t *args);

#define QMP_CMD_CAP_MODE (1u << 0) /* may run before qmp_capabilities */
/* Members beyond the table reach the handler, which checks them itself (QEMU's
 * device_add, whose properties belong to the device: 'gen': false). */
#define QMP_CMD_OPEN_ARGS (1u << 1)

struct qmp_command {
	const char *name;
	qmp_handler fn;
	const struct qmp_arg *args; /* terminated by an entry with name NULL; NULL: none */
	unsigned flags;
	const char *returns;        /* the return value's shape, for the docs */
	const char *doc;
};

struct qmp_event_def {
	const char *name;
	const char *data;           /* the data member's shape, for the docs; NULL: none */
	const char *doc;
};

/* The commands and events of one area (run state, trace, vCPU hot-plug, ...). */
struct qmp_module {
	const char *name;
	const char *doc;
	const struct qmp_command *commands;
	size_t nr_commands;
	const struct qmp_event_def *events;
	size_t nr_events;
};

#define QMP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct qmp_registry_entry {
	const struct qmp_command *cmd;
	void *opaque;
};

struct qmp_registry {
	struct qmp_registry_entry *cmds;
	size_t nr_cmds, cap_cmds;
	const struct qmp_event_def **events;
	size_t nr_events, cap_events;
};

void qmp_registry_init(struct qmp_registry *r);
void qmp_registry_fini(struct qmp_registry *r);
/* Adds a module's commands (handlers get `opaque`) and events.  -EEXIST if a command or
 * event of that name is already registered (nothing is added then), -ENOMEM. */
int qmp_register_module(struct qmp_registry *r, const struct qmp_module *m, void *opaque);
const struct qmp_registry_entry *qmp_registry_find(const struct qmp_registry *r,
						   const char *name);
const struct qmp_event_def *qmp_registry_find_event(const struct qmp_registry *r,
						    const char *name);

/* One client's protocol state. */
struct qmp_session {
	bool negotiated; /* qmp_capabilities done: command mode */
	void *opaque;    /* the server's client */
};

struct qmp_call {
	const struct qmp_command *cmd;
	void *opaque;                        /* given at registration */
	struct qmp_session *session;
	const struct qmp_registry *registry;
	json_t *ret;                         /* the handler's result; NULL means {} */
	bool failed;
	enum qmp_error_class err_class;
	char err_desc[512];
};

/* Sets the call's error; returns -1 so handlers can `return qmp_fail(...)`. */
int qmp_fail(struct qmp_call *call, enum qmp_error_class cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Readers for arguments already checked against the command's table. */
bool qmp_arg_has(json_t *args, const char *name);
const char *qmp_arg_str(json_t *args, const char *name, const char *dflt);
bool qmp_arg_bool(json_t *args, const char *name, bool dflt);
int64_t qmp_arg_int(json_t *args, const char *name, int64_t dflt);

/* Parse one framed request and run it: returns the reply object ({"return"} or
 * {"error"}, with "id" when the request had one).  Never NULL except on allocation
 * failure. */
json_t *qmp_dispatch_message(const struct qmp_registry *r, struct qmp_session *s,
			     const char *text, size_t len);
/* The same for an already parsed request (borrowed). */
json_t *qmp_dispatch(const struct qmp_registry *r, struct qmp_session *s, json_t *request);

/* Run a registered command from inside xkvm (HMP is built on this): checks `args`
 * (borrowed; NULL for none) like a client request.  Returns 0 with *ret (new reference,
 * {} when the command returned nothing) or -1 with the error in `err`. */
int qmp_call_command(const struct qmp_registry *r, struct qmp_session *s, const char *name,
		     json_t *args, json_t **ret, struct qmp_call *err);

json_t *qmp_error_object(enum qmp_error_class cls, const char *desc);

#endif
