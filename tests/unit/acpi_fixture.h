/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Golden ACPI fixtures for the unit tests: tests/unit/fixtures/acpi/NAME.asl, compiled at
 * build time by `iasl -oa` into ACPI_FIXTURE_DIR/acpi-fixture-NAME.aml (tests/unit/meson.build).
 */
#ifndef XKVM_TEST_ACPI_FIXTURE_H
#define XKVM_TEST_ACPI_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef ACPI_FIXTURE_DIR
#error "ACPI_FIXTURE_DIR must name the directory with the compiled fixtures"
#endif

struct acpi_fixture {
	uint8_t *data;
	size_t len;
};

static inline int acpi_fixture_load(const char *name, struct acpi_fixture *fx)
{
	char path[4096];
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/acpi-fixture-%s.aml", ACPI_FIXTURE_DIR, name);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return -1;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	fx->data = malloc(n > 0 ? (size_t)n : 1);
	fx->len = n > 0 ? (size_t)n : 0;
	if (!fx->data || fread(fx->data, 1, fx->len, f) != fx->len) {
		fclose(f);
		free(fx->data);
		return -1;
	}
	fclose(f);
	return 0;
}

static inline void acpi_fixture_free(struct acpi_fixture *fx)
{
	free(fx->data);
	fx->data = NULL;
}

/* Compares `got` with the fixture from byte `from` on (36: the body after the header,
 * whose OEM and compiler fields iasl fills its own way; 0: all of it).  On a mismatch,
 * prints the first differing offset and fails the test. */
static inline void acpi_fixture_compare_from(const struct acpi_fixture *fx, size_t from,
					     const uint8_t *got, size_t got_len, const char *name)
{
	size_t want_len = fx->len > from ? fx->len - from : 0;
	const uint8_t *want = fx->data + from;
	size_t n = want_len < got_len ? want_len : got_len;

	for (size_t i = 0; i < n; i++) {
		if (want[i] != got[i]) {
			fprintf(stderr, "%s: first difference at offset %zu (table offset %zu): "
				"iasl 0x%02x, builder 0x%02x\n", name, i, i + from, want[i], got[i]);
			fail_msg("%s differs from its golden fixture", name);
		}
	}
	if (want_len != got_len)
		fail_msg("%s: iasl produced %zu bytes after offset %zu, the builder %zu", name,
			 want_len, from, got_len);
}

/* `body`: what follows the 36-byte header. */
static inline void acpi_fixture_compare(const struct acpi_fixture *fx, const uint8_t *body,
					size_t len, const char *name)
{
	acpi_fixture_compare_from(fx, 36, body, len, name);
}

#endif
