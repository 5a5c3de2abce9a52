/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target over what a hostile QMP client sends (docs/qmp.md): a byte stream,
 * cut into reads of fuzzed sizes, framed as the server frames it (qmp/framer.c) and each
 * message dispatched (qmp/dispatch.c) against the control commands and a module whose
 * one command takes an argument of every type the tables know.  Besides the sanitizers
 * (and LeakSanitizer: a reply or request leaked shows up) it checks:
 *   - the framer hands out messages in order, inside the buffer, never empty, each
 *     starting where the previous one (plus whitespace) ended;
 *   - every message gets a reply, an object with exactly one of "return" and "error"
 *     besides "id"; an error has a known class and a non-empty desc;
 *   - the id of a request that parses as an object with an "id" comes back equal;
 *   - the capabilities-mode rule: before qmp_capabilities succeeds only commands that
 *     may run there succeed.
 * Run by scripts/fuzz.sh (bounded time) from scripts/test.sh.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "qmp/commands/commands.h"
#include "qmp/dispatch.h"
#include "qmp/framer.h"
#include "tests/unit/qmp_every_type.h"

#define CHECK(c)                          \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

static const struct qmp_command cmds[] = {
	QMP_ECHO_EVERY_TYPE,
	{ .name = "open", .fn = qmp_echo, .flags = QMP_CMD_OPEN_ARGS,
	  .args = (const struct qmp_arg[]){ { "driver", QMP_TYPE_STR, false, .doc = "" },
					    { NULL } } },
};

static const struct qmp_module fuzz_module = {
	.name = "fuzz", .commands = cmds, .nr_commands = QMP_ARRAY_SIZE(cmds),
};

static struct qmp_registry reg;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	qmp_registry_init(&reg);
	if (qmp_register_module(&reg, &qmp_module_control, NULL) ||
	    qmp_register_module(&reg, &fuzz_module, NULL))
		abort();
	return 0;
}

static bool known_class(const char *cls)
{
	for (enum qmp_error_class c = QMP_ERROR_GENERIC; c <= QMP_ERROR_KVM_MISSING_CAP; c++)
		if (!strcmp(cls, qmp_error_class_name(c)))
			return true;
	return false;
}

static void check_reply(struct qmp_session *s, const char *msg, size_t len)
{
	bool was_negotiated = s->negotiated;
	json_t *reply = qmp_dispatch_message(&reg, s, msg, len);
	/* Parsed as the dispatcher parses (duplicate keys refused, as QEMU's parser does). */
	json_t *req = json_loadb(msg, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	json_t *ret, *err, *id;

	CHECK(reply && json_is_object(reply));
	ret = json_object_get(reply, "return");
	err = json_object_get(reply, "error");
	id = json_object_get(reply, "id");
	CHECK(!ret != !err);
	CHECK(json_object_size(reply) == 1 + (id != NULL));
	if (err) {
		const char *cls = json_string_value(json_object_get(err, "class"));
		const char *desc = json_string_value(json_object_get(err, "desc"));
		CHECK(cls && desc && desc[0]);
		CHECK(known_class(cls));
	}
	if (json_is_object(req) && json_object_get(req, "id"))
		CHECK(id && json_equal(id, json_object_get(req, "id")));
	if (ret && !was_negotiated && json_is_object(req)) {
		/* Only qmp_capabilities (and commands marked for it) run before negotiation. */
		const char *name = json_string_value(json_object_get(req, "execute"));
		const struct qmp_registry_entry *e = name ? qmp_registry_find(&reg, name) : NULL;
		CHECK(e && (e->cmd->flags & QMP_CMD_CAP_MODE));
	}
	json_decref(req);
	json_decref(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmp_session session = { 0 };
	struct qmp_framer f;
	size_t have = 0, prev_end = 0, off, n;
	char *buf;

	if (size < 1)
		return 0;
	/* The first byte sets the read size (1..64 bytes per read); the rest is the stream. */
	size_t chunk = data[0] % 64 + 1;
	data++, size--;
	buf = malloc(size + 1);
	qmp_framer_init(&f);
	while (have < size) {
		size_t take = size - have < chunk ? size - have : chunk;
		memcpy(buf + have, data + have, take);
		have += take;
		while (qmp_framer_next(&f, buf, have, &off, &n)) {
			CHECK(n > 0 && off >= prev_end && off + n <= have);
			for (size_t i = prev_end; i < off; i++)
				CHECK(strchr(" \t\r\n", buf[i]) && buf[i]);
			prev_end = off + n;
			check_reply(&session, buf + off, n);
		}
		CHECK(qmp_framer_pending(&f) <= have);
	}
	free(buf);
	return 0;
}
