/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The QMP dispatcher: request object checks and argument checks with QEMU's wording
 * (qapi/qmp-dispatch.c, qapi/qobject-input-visitor.c), the capabilities-negotiation
 * mode, and reply building.  Pure: no sockets, no VM.
 */
#include "qmp/dispatch.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *qmp_error_class_name(enum qmp_error_class c)
{
	static const char *const names[] = {
		[QMP_ERROR_GENERIC] = "GenericError",
		[QMP_ERROR_COMMAND_NOT_FOUND] = "CommandNotFound",
		[QMP_ERROR_DEVICE_NOT_ACTIVE] = "DeviceNotActive",
		[QMP_ERROR_DEVICE_NOT_FOUND] = "DeviceNotFound",
		[QMP_ERROR_KVM_MISSING_CAP] = "KVMMissingCap",
	};
	return (unsigned)c < QMP_ARRAY_SIZE(names) ? names[c] : "GenericError";
}

/* ---- registry --------------------------------------------------------------------- */

void qmp_registry_init(struct qmp_registry *r)
{
	memset(r, 0, sizeof(*r));
}

void qmp_registry_fini(struct qmp_registry *r)
{
	free(r->cmds);
	free(r->events);
	memset(r, 0, sizeof(*r));
}

const struct qmp_registry_entry *qmp_registry_find(const struct qmp_registry *r,
						   const char *name)
{
	for (size_t i = 0; i < r->nr_cmds; i++)
		if (!strcmp(r->cmds[i].cmd->name, name))
			return &r->cmds[i];
	return NULL;
}

const struct qmp_event_def *qmp_registry_find_event(const struct qmp_registry *r,
						    const char *name)
{
	for (size_t i = 0; i < r->nr_events; i++)
		if (!strcmp(r->events[i]->name, name))
			return r->events[i];
	return NULL;
}

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*v, n * elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = n;
	return 0;
}

int qmp_register_module(struct qmp_registry *r, const struct qmp_module *m, void *opaque)
{
	for (size_t i = 0; i < m->nr_commands; i++) {
		if (qmp_registry_find(r, m->commands[i].name))
			return -EEXIST;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(m->commands[i].name, m->commands[j].name))
				return -EEXIST;
	}
	for (size_t i = 0; i < m->nr_events; i++)
		if (qmp_registry_find_event(r, m->events[i].name))
			return -EEXIST;
	if (grow((void **)&r->cmds, &r->cap_cmds, r->nr_cmds + m->nr_commands, sizeof(*r->cmds)) ||
	    grow((void **)&r->events, &r->cap_events, r->nr_events + m->nr_events,
		 sizeof(*r->events)))
		return -ENOMEM;
	for (size_t i = 0; i < m->nr_commands; i++)
		r->cmds[r->nr_cmds++] = (struct qmp_registry_entry){ &m->commands[i], opaque };
	for (size_t i = 0; i < m->nr_events; i++)
		r->events[r->nr_events++] = &m->events[i];
	return 0;
}

/* ---- errors ----------------------------------------------------------------------- */

/* Cut a trailing, incomplete UTF-8 sequence left by truncation. */
static void utf8_trim(char *s)
{
	size_t n = strlen(s), i = n, cont = 0;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80 && cont < 4) {
		i--;
		cont++;
	}
	if (i == 0)
		return;
	{
		unsigned char lead = (unsigned char)s[i - 1];
		size_t want = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
		if (lead >= 0x80 && want != cont)
			s[i - 1] = '\0';
	}
}

static void vfail(struct qmp_call *c, enum qmp_error_class cls, const char *fmt, va_list ap)
{
	int n = vsnprintf(c->err_desc, sizeof(c->err_desc), fmt, ap);

	if (n >= (int)sizeof(c->err_desc))
		utf8_trim(c->err_desc);
	c->failed = true;
	c->err_class = cls;
}

int qmp_fail(struct qmp_call *c, enum qmp_error_class cls, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(c, cls, fmt, ap);
	va_end(ap);
	return -1;
}

json_t *qmp_error_object(enum qmp_error_class cls, const char *desc)
{
	json_t *d = json_string(desc);

	if (!d)
		d = json_string("(error description is not valid UTF-8)");
	return json_pack("{s:s, s:o}", "class", qmp_error_class_name(cls), "desc", d);
}

static json_t *reply_error(enum qmp_error_class cls, const char *desc, json_t *id)
{
	json_t *r = json_pack("{s:o}", "error", qmp_error_object(cls, desc));

	if (r && id)
		json_object_set(r, "id", id);
	return r;
}

static json_t *reply_return(json_t *ret, json_t *id)
{
	json_t *r = json_pack("{s:o}", "return", ret ? ret : json_object());

	if (r && id)
		json_object_set(r, "id", id);
	return r;
}

/* ---- argument checking ------------------------------------------------------------ */

static const char *type_word(enum qmp_type t)
{
	switch (t) {
	case QMP_TYPE_STR:
	case QMP_TYPE_ENUM:
		return "string";
	case QMP_TYPE_BOOL:
		return "boolean";
	case QMP_TYPE_INT:
	case QMP_TYPE_UINT32:
	case QMP_TYPE_UINT64:
		return "integer";
	case QMP_TYPE_NUMBER:
		return "number";
	case QMP_TYPE_OBJECT:
		return "object";
	case QMP_TYPE_ARRAY:
		return "array";
	case QMP_TYPE_ANY:
		break;
	}
	return "value";
}

static int check_value(struct qmp_call *c, const char *name, enum qmp_type type,
		       enum qmp_type elem, const char *const *values, json_t *v)
{
	bool ok;

	switch (type) {
	case QMP_TYPE_STR:
		ok = json_is_string(v);
		break;
	case QMP_TYPE_ENUM:
		ok = json_is_string(v);
		break;
	case QMP_TYPE_BOOL:
		ok = json_is_boolean(v);
		break;
	case QMP_TYPE_INT:
	case QMP_TYPE_UINT32:
	case QMP_TYPE_UINT64:
		ok = json_is_integer(v);
		break;
	case QMP_TYPE_NUMBER:
		ok = json_is_number(v);
		break;
	case QMP_TYPE_OBJECT:
		ok = json_is_object(v);
		break;
	case QMP_TYPE_ARRAY:
		ok = json_is_array(v);
		break;
	case QMP_TYPE_ANY:
	default:
		ok = true;
		break;
	}
	if (!ok)
		return qmp_fail(c, QMP_ERROR_GENERIC, "Invalid parameter type for '%s', expected: %s",
				name, type_word(type));

	if (type == QMP_TYPE_UINT32 &&
	    (json_integer_value(v) < 0 || json_integer_value(v) > (json_int_t)UINT32_MAX))
		return qmp_fail(c, QMP_ERROR_GENERIC, "Parameter '%s' expects uint32_t", name);
	if (type == QMP_TYPE_UINT64 && json_integer_value(v) < 0)
		return qmp_fail(c, QMP_ERROR_GENERIC, "Parameter '%s' expects uint64", name);
	if (type == QMP_TYPE_ENUM && values) {
		const char *s = json_string_value(v);
		for (size_t i = 0; values[i]; i++)
			if (!strcmp(values[i], s))
				return 0;
		return qmp_fail(c, QMP_ERROR_GENERIC, "Parameter '%s' does not accept value '%s'",
				name, s);
	}
	if (type == QMP_TYPE_ARRAY) {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e) {
			char sub[128];

			snprintf(sub, sizeof(sub), "%s[%zu]", name, i);
			if (check_value(c, sub, elem, QMP_TYPE_ANY, values, e) < 0)
				return -1;
		}
	}
	return 0;
}

/* QEMU's order: declared members first (missing, then type), then unexpected ones. */
static int check_args(struct qmp_call *c, const struct qmp_command *cmd, json_t *args)
{
	const char *key;
	json_t *v;

	for (const struct qmp_arg *a = cmd->args; a && a->name; a++) {
		v = json_object_get(args, a->name);
		if (!v) {
			if (a->optional)
				continue;
			return qmp_fail(c, QMP_ERROR_GENERIC, "Parameter '%s' is missing", a->name);
		}
		if (check_value(c, a->name, a->type, a->elem, a->values, v) < 0)
			return -1;
	}
	if (cmd->flags & QMP_CMD_OPEN_ARGS)
		return 0;
	json_object_foreach(args, key, v) {
		bool known = false;

		for (const struct qmp_arg *a = cmd->args; a && a->name && !known; a++)
			known = !strcmp(a->name, key);
		if (!known)
			return qmp_fail(c, QMP_ERROR_GENERIC, "Parameter '%s' is unexpected", key);
	}
	return 0;
}

bool qmp_arg_has(json_t *args, const char *name)
{
	return args && json_object_get(args, name) != NULL;
}

const char *qmp_arg_str(json_t *args, const char *name, const char *dflt)
{
	json_t *v = args ? json_object_get(args, name) : NULL;

	return json_is_string(v) ? json_string_value(v) : dflt;
}

bool qmp_arg_bool(json_t *args, const char *name, bool dflt)
{
	json_t *v = args ? json_object_get(args, name) : NULL;

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

int64_t qmp_arg_int(json_t *args, const char *name, int64_t dflt)
{
	json_t *v = args ? json_object_get(args, name) : NULL;

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

/* ---- dispatch --------------------------------------------------------------------- */

static void call_init(struct qmp_call *c, const struct qmp_registry *r, struct qmp_session *s)
{
	memset(c, 0, sizeof(*c));
	c->registry = r;
	c->session = s;
}

/* Checks and runs `e`'s command; 0 with c->ret (possibly NULL) or -1 with c's error. */
static int run_command(struct qmp_call *c, const struct qmp_registry_entry *e, json_t *args)
{
	json_t *empty = NULL;
	int ret;

	c->cmd = e->cmd;
	c->opaque = e->opaque;
	if (!args)
		args = empty = json_object();
	if (!args)
		return qmp_fail(c, QMP_ERROR_GENERIC, "out of memory");
	ret = check_args(c, e->cmd, args);
	if (ret == 0) {
		ret = e->cmd->fn(c, args);
		if (ret < 0 && !c->failed)
			qmp_fail(c, QMP_ERROR_GENERIC, "%s: internal error", e->cmd->name);
		if (ret < 0 && c->ret) {
			json_decref(c->ret);
			c->ret = NULL;
		}
	}
	json_decref(empty);
	return ret < 0 ? -1 : 0;
}

json_t *qmp_dispatch(const struct qmp_registry *r, struct qmp_session *s, json_t *req)
{
	const struct qmp_registry_entry *e;
	struct qmp_call c;
	const char *key, *command = NULL;
	json_t *v, *id, *args = NULL;

	if (!json_is_object(req))
		return reply_error(QMP_ERROR_GENERIC, "QMP input must be a JSON object", NULL);
	id = json_object_get(req, "id"); /* any JSON value, echoed as it came */

	call_init(&c, r, s);
	json_object_foreach(req, key, v) {
		if (!strcmp(key, "id"))
			continue;
		if (!strcmp(key, "execute")) {
			if (!json_is_string(v)) {
				qmp_fail(&c, QMP_ERROR_GENERIC,
					 "QMP input member 'execute' must be a string");
				goto error;
			}
			command = json_string_value(v);
		} else if (!strcmp(key, "arguments")) {
			if (!json_is_object(v)) {
				qmp_fail(&c, QMP_ERROR_GENERIC,
					 "QMP input member 'arguments' must be an object");
				goto error;
			}
			args = v;
		} else {
			/* "exec-oob" too: we do not offer the oob capability. */
			qmp_fail(&c, QMP_ERROR_GENERIC, "QMP input member '%s' is unexpected", key);
			goto error;
		}
	}
	if (!command) {
		qmp_fail(&c, QMP_ERROR_GENERIC, "QMP input lacks member 'execute'");
		goto error;
	}

	e = qmp_registry_find(r, command);
	if (!s->negotiated && (!e || !(e->cmd->flags & QMP_CMD_CAP_MODE))) {
		qmp_fail(&c, QMP_ERROR_COMMAND_NOT_FOUND,
			 "Expecting capabilities negotiation with 'qmp_capabilities'");
		goto error;
	}
	if (!e) {
		qmp_fail(&c, QMP_ERROR_COMMAND_NOT_FOUND, "The command %s has not been found",
			 command);
		goto error;
	}
	if (run_command(&c, e, args) < 0)
		goto error;
	return reply_return(c.ret, id);
error:
	return reply_error(c.err_class, c.err_desc, id);
}

json_t *qmp_dispatch_message(const struct qmp_registry *r, struct qmp_session *s,
			     const char *text, size_t len)
{
	json_error_t jerr;
	json_t *req, *reply;

	req = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		char desc[256];

		snprintf(desc, sizeof(desc), "JSON parse error, %s", jerr.text);
		utf8_trim(desc);
		return reply_error(QMP_ERROR_GENERIC, desc, NULL);
	}
	reply = qmp_dispatch(r, s, req);
	json_decref(req);
	return reply;
}

int qmp_call_command(const struct qmp_registry *r, struct qmp_session *s, const char *name,
		     json_t *args, json_t **ret, struct qmp_call *err)
{
	const struct qmp_registry_entry *e = qmp_registry_find(r, name);

	call_init(err, r, s);
	*ret = NULL;
	if (!e)
		return qmp_fail(err, QMP_ERROR_COMMAND_NOT_FOUND,
				"The command %s has not been found", name);
	if (run_command(err, e, args) < 0)
		return -1;
	*ret = err->ret ? err->ret : json_object();
	err->ret = NULL;
	return 0;
}
