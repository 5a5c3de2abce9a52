/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QEMU's option-string syntax: "value,key=value,key=value", where a leading bare value
 * belongs to an implied key (e.g. "-smp 4" means cpus=4) and ",," is a literal comma.
 * Pure logic; unit-tested.
 */
#ifndef XKVM_UTIL_OPTS_H
#define XKVM_UTIL_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPTS_MAX 32

struct opt_kv {
	char *key;
	char *val;
	bool used;
};

struct opts {
	struct opt_kv kv[OPTS_MAX];
	unsigned n;
};

/* Parses `str`.  A first element without '=' gets `implied_key` (an error if NULL).
 * On error fills `err` and returns -EINVAL. */
int opts_parse(struct opts *o, const char *str, const char *implied_key, char *err, size_t errlen);
void opts_free(struct opts *o);

/* Lookups mark the key as used; the last occurrence wins, as in QEMU. */
const char *opts_get(struct opts *o, const char *key);
/* Sizes accept K/M/G/T suffixes (binary); `default_unit` applies to bare numbers. */
int opts_get_size(struct opts *o, const char *key, uint64_t default_unit, uint64_t *out,
		  char *err, size_t errlen);
int opts_get_uint(struct opts *o, const char *key, uint64_t *out, char *err, size_t errlen);
int opts_get_bool(struct opts *o, const char *key, bool *out, char *err, size_t errlen);
/* First key no lookup has used, or NULL. */
const char *opts_unused(const struct opts *o);

/* Parsers usable on their own. */
int parse_uint(const char *s, uint64_t *out);              /* decimal or 0x-hex */
int parse_size(const char *s, uint64_t default_unit, uint64_t *out);
int parse_bool(const char *s, bool *out);                  /* on/off/yes/no/true/false */

#endif
