/* SPDX-License-Identifier: GPL-2.0-only */
#include "util/opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int parse_uint(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t default_unit, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t unit = default_unit;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	if (*end) {
		switch (*end) {
		case 'b': case 'B': unit = 1; break;
		case 'k': case 'K': unit = 1ull << 10; break;
		case 'm': case 'M': unit = 1ull << 20; break;
		case 'g': case 'G': unit = 1ull << 30; break;
		case 't': case 'T': unit = 1ull << 40; break;
		default: return -EINVAL;
		}
		if (end[1] && !(end[1] == 'i' && (end[2] == 'B' || end[2] == 'b') && !end[3]) &&
		    !((end[1] == 'B' || end[1] == 'b') && !end[2]))
			return -EINVAL;
	}
	if (unit && v > UINT64_MAX / unit)
		return -ERANGE;
	*out = v * unit;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "y" };
	static const char *const no[] = { "off", "no", "false", "n" };

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Copies one element of `s` (up to an unescaped ',') into a fresh string; ",," -> ','. */
static char *opts_take(const char **s, char stop_eq, bool *saw_eq)
{
	const char *p = *s;
	size_t len = 0, cap = strlen(p) + 1;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	*saw_eq = false;
	while (*p) {
		if (*p == ',') {
			if (p[1] == ',') {
				out[len++] = ',';
				p += 2;
				continue;
			}
			break;
		}
		if (stop_eq && *p == '=') {
			*saw_eq = true;
			break;
		}
		out[len++] = *p++;
	}
	out[len] = '\0';
	*s = p;
	return out;
}

int opts_parse(struct opts *o, const char *str, const char *implied_key, char *err, size_t errlen)
{
	const char *p = str;
	bool first = true;

	memset(o, 0, sizeof(*o));
	while (*p) {
		bool saw_eq;
		char *key, *val;

		key = opts_take(&p, '=', &saw_eq);
		if (!key)
			return -ENOMEM;
		if (saw_eq) {
			p++; /* '=' */
			val = opts_take(&p, 0, &saw_eq);
		} else if (first && implied_key) {
			val = key;
			key = strdup(implied_key);
		} else {
			/* QEMU treats a bare "flag" as flag=on for boolean options. */
			val = strdup("on");
		}
		if (!key || !val) {
			free(key);
			free(val);
			opts_free(o);
			return -ENOMEM;
		}
		if (!*key) {
			snprintf(err, errlen, "empty parameter name in '%s'", str);
			free(key);
			free(val);
			opts_free(o);
			return -EINVAL;
		}
		if (o->n == OPTS_MAX) {
			snprintf(err, errlen, "too many parameters in '%s'", str);
			free(key);
			free(val);
			opts_free(o);
			return -EINVAL;
		}
		o->kv[o->n++] = (struct opt_kv){ key, val, false };
		if (*p == ',')
			p++;
		first = false;
	}
	return 0;
}

void opts_free(struct opts *o)
{
	for (unsigned i = 0; i < o->n; i++) {
		free(o->kv[i].key);
		free(o->kv[i].val);
	}
	o->n = 0;
}

const char *opts_get(struct opts *o, const char *key)
{
	const char *val = NULL;

	for (unsigned i = 0; i < o->n; i++) {
		if (!strcmp(o->kv[i].key, key)) {
			o->kv[i].used = true;
			val = o->kv[i].val;
		}
	}
	return val;
}

int opts_get_size(struct opts *o, const char *key, uint64_t default_unit, uint64_t *out,
		  char *err, size_t errlen)
{
	const char *v = opts_get(o, key);

	if (!v)
		return -ENOENT;
	if (parse_size(v, default_unit, out) < 0) {
		snprintf(err, errlen, "parameter '%s' expects a size, got '%s'", key, v);
		return -EINVAL;
	}
	return 0;
}

int opts_get_uint(struct opts *o, const char *key, uint64_t *out, char *err, size_t errlen)
{
	const char *v = opts_get(o, key);

	if (!v)
		return -ENOENT;
	if (parse_uint(v, out) < 0) {
		snprintf(err, errlen, "parameter '%s' expects a non-negative number, got '%s'", key, v);
		return -EINVAL;
	}
	return 0;
}

int opts_get_bool(struct opts *o, const char *key, bool *out, char *err, size_t errlen)
{
	const char *v = opts_get(o, key);

	if (!v)
		return -ENOENT;
	if (parse_bool(v, out) < 0) {
		snprintf(err, errlen, "parameter '%s' expects 'on' or 'off', got '%s'", key, v);
		return -EINVAL;
	}
	return 0;
}

const char *opts_unused(const struct opts *o)
{
	for (unsigned i = 0; i < o->n; i++)
		if (!o->kv[i].used)
			return o->kv[i].key;
	return NULL;
}
