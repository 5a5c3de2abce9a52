/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The AML builder: encodings at their boundaries, names, integers, EISA IDs, each
 * resource descriptor, every error it must report, and a golden test against
 * fixtures/acpi/aml-edges.asl compiled by `iasl -oa`.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acpi/aml.h"
#include "acpi_fixture.h"

/* Builds into a fresh builder, checks aml_finish() == 0 and the exact bytes. */
#define EXPECT_BYTES(a, ...)                                                        \
	do {                                                                        \
		static const uint8_t want_[] = { __VA_ARGS__ };                    \
		assert_int_equal(aml_finish(a), 0);                                 \
		assert_int_equal((a)->len, sizeof(want_));                          \
		assert_memory_equal((a)->buf, want_, sizeof(want_));               \
	} while (0)

static void test_pkglen_boundaries(void **state)
{
	uint8_t b[4];

	(void)state;
	/* 1 byte up to a total of 63. */
	assert_int_equal(aml_pkglen_encode(0, b), 1);
	assert_int_equal(b[0], 1);
	assert_int_equal(aml_pkglen_encode(62, b), 1);
	assert_int_equal(b[0], 63);
	/* Content 63: 1 byte would make 64, so 2 bytes, total 65. */
	assert_int_equal(aml_pkglen_encode(63, b), 2);
	assert_int_equal(b[0], 0x41);
	assert_int_equal(b[1], 0x04);
	/* 2 bytes up to a total of 4095. */
	assert_int_equal(aml_pkglen_encode(4093, b), 2);
	assert_int_equal(b[0], 0x4f);
	assert_int_equal(b[1], 0xff);
	/* Content 4094: 3 bytes, total 4097 = 0x1001. */
	assert_int_equal(aml_pkglen_encode(4094, b), 3);
	assert_int_equal(b[0], 0x81);
	assert_int_equal(b[1], 0x00);
	assert_int_equal(b[2], 0x01);
	/* 3 bytes up to 2^20 - 1, then 4 bytes. */
	assert_int_equal(aml_pkglen_encode(0xffffc, b), 3);
	assert_int_equal(b[0], 0x8f);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(b[2], 0xff);
	assert_int_equal(aml_pkglen_encode(0xffffd, b), 4);
	assert_int_equal(b[0], 0xc1);
	assert_int_equal(b[1], 0x00);
	assert_int_equal(b[2], 0x00);
	assert_int_equal(b[3], 0x01);
	/* 4 bytes up to 2^28 - 1; beyond is not encodable. */
	assert_int_equal(aml_pkglen_encode(0xffffffb, b), 4);
	assert_int_equal(b[0], 0xcf);
	assert_int_equal(b[3], 0xff);
	assert_int_equal(aml_pkglen_encode(0xffffffc, b), 0);
}

static void test_fieldlen_does_not_count_itself(void **state)
{
	uint8_t b[4];

	(void)state;
	/* The value is the bare bit count; the size follows the PkgLength thresholds
	 * (what iasl emits: checked by the aml-edges golden test). */
	assert_int_equal(aml_fieldlen_encode(1, b), 1);
	assert_int_equal(b[0], 1);
	assert_int_equal(aml_fieldlen_encode(62, b), 1);
	assert_int_equal(b[0], 62);
	assert_int_equal(aml_fieldlen_encode(63, b), 2);
	assert_int_equal(b[0], 0x4f);
	assert_int_equal(b[1], 0x03);
	assert_int_equal(aml_fieldlen_encode(64, b), 2);
	assert_int_equal(b[0], 0x40);
	assert_int_equal(b[1], 0x04);
	assert_int_equal(aml_fieldlen_encode(4093, b), 2);
	assert_int_equal(b[0], 0x4d);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(aml_fieldlen_encode(4095, b), 3);
	assert_int_equal(b[0], 0x8f);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(b[2], 0x00);
	assert_int_equal(aml_fieldlen_encode(4096, b), 3);
	assert_int_equal(b[0], 0x80);
	assert_int_equal(b[1], 0x00);
	assert_int_equal(b[2], 0x01);
	assert_int_equal(aml_fieldlen_encode(0xffffffb, b), 4);
	assert_int_equal(b[3], 0xff);
	assert_int_equal(aml_fieldlen_encode(0xffffffc, b), 0);
}

static void test_field_elements(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a, 0);
	aml_field(&a, "PRST", AML_BYTE_ACC, false, AML_WRITE_AS_ZEROS);
	aml_field_offset(&a, 4);     /* 32 reserved bits */
	aml_field_unit(&a, "CPEN", 1);
	aml_field_reserved(&a, 7);
	aml_field_unit(&a, "BIG", 64); /* padded to BIG_, 2-byte length */
	aml_close(&a);
	EXPECT_BYTES(&a, 0x5b, 0x81, 0x15, 'P', 'R', 'S', 'T', 0x41,
		     0x00, 0x20, 'C', 'P', 'E', 'N', 0x01, 0x00, 0x07,
		     'B', 'I', 'G', '_', 0x40, 0x04);
	aml_free(&a);

	/* Offset() at the current position emits nothing; behind it is an error. */
	aml_init(&a, 0);
	aml_field(&a, "R", AML_DWORD_ACC, true, AML_PRESERVE);
	aml_field_unit(&a, "X", 32);
	aml_field_offset(&a, 4);
	aml_close(&a);
	EXPECT_BYTES(&a, 0x5b, 0x81, 0x0b, 'R', '_', '_', '_', 0x13, 'X', '_', '_', '_', 0x20);
	aml_free(&a);

	aml_init(&a, 0);
	aml_field(&a, "R", AML_DWORD_ACC, false, AML_PRESERVE);
	aml_field_unit(&a, "X", 64);
	aml_field_offset(&a, 4);
	assert_int_equal(aml_finish(&a), -EINVAL);
	assert_non_null(strstr(aml_errmsg(&a), "Offset"));
	aml_free(&a);
}

static void test_names(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a, 0);
	aml_name(&a, "ABCD");
	aml_name(&a, "AB");
	aml_name(&a, "\\_SB.PCI0");
	aml_name(&a, "^^A.B1.C_2");
	aml_name(&a, "\\");
	aml_name(&a, "\\_S5");
	EXPECT_BYTES(&a, 'A', 'B', 'C', 'D',
		     'A', 'B', '_', '_',
		     0x5c, 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0',
		     0x5e, 0x5e, 0x2f, 0x03, 'A', '_', '_', '_', 'B', '1', '_', '_', 'C', '_', '2', '_',
		     0x5c, 0x00,
		     0x5c, '_', 'S', '5', '_');
	aml_free(&a);

	static const char *const bad[] = { "", "abcd", "ABCDE", "A.", ".A", "1ABC", "A..B",
					   "\\^A", "A-B", "A B", "^\\A", "\\\\" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		aml_init(&a, 0);
		aml_name(&a, bad[i]);
		assert_int_equal(aml_finish(&a), -EINVAL);
		assert_non_null(strstr(aml_errmsg(&a), "invalid ACPI name"));
		assert_int_equal(a.len, 0);
		aml_free(&a);
	}
	/* A field unit is one NameSeg, never a path. */
	aml_init(&a, 0);
	aml_field(&a, "R", AML_ANY_ACC, false, AML_PRESERVE);
	aml_field_unit(&a, "A.B", 8);
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
}

static void test_integers_and_constants(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a, 0);
	aml_int(&a, 0);
	aml_int(&a, 0xff);
	aml_int(&a, 0x100);
	aml_int(&a, 0xffff);
	aml_int(&a, 0x10000);
	aml_int(&a, 0xffffffff);
	aml_int(&a, 0x100000000ull);
	aml_zero(&a);
	aml_one(&a);
	aml_ones(&a);
	aml_string(&a, "Hi");
	aml_local(&a, 0);
	aml_local(&a, 7);
	aml_arg(&a, 0);
	aml_arg(&a, 6);
	EXPECT_BYTES(&a, 0x0a, 0x00, 0x0a, 0xff, 0x0b, 0x00, 0x01, 0x0b, 0xff, 0xff,
		     0x0c, 0x00, 0x00, 0x01, 0x00, 0x0c, 0xff, 0xff, 0xff, 0xff,
		     0x0e, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		     0x00, 0x01, 0xff, 0x0d, 'H', 'i', 0x00, 0x60, 0x67, 0x68, 0x6e);
	aml_free(&a);

	aml_init(&a, 0);
	aml_local(&a, 8);
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
	aml_init(&a, 0);
	aml_arg(&a, 7);
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
	aml_init(&a, 0);
	aml_string(&a, "caf\xc3\xa9");
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
}

static void test_eisaid(void **state)
{
	uint32_t v;
	struct aml a;

	(void)state;
	assert_int_equal(aml_eisaid_value("PNP0C0C", &v), 0);
	assert_int_equal(v, 0x0c0cd041);
	assert_int_equal(aml_eisaid_value("PNP0A08", &v), 0);
	assert_int_equal(v, 0x080ad041);
	assert_int_equal(aml_eisaid_value("PNP0501", &v), 0);
	assert_int_equal(v, 0x0105d041);
	assert_int_equal(aml_eisaid_value("ABC0000", &v), 0);
	assert_int_equal(v, 0x4304); /* fits a word: iasl emits 0B 04 43 */
	assert_int_equal(aml_eisaid_value("pnp0c0c", &v), -EINVAL);
	assert_int_equal(aml_eisaid_value("PNP0C0", &v), -EINVAL);
	assert_int_equal(aml_eisaid_value("PNP0C0G", &v), -EINVAL);
	assert_int_equal(aml_eisaid_value("PNP0C0C0", &v), -EINVAL);
	assert_int_equal(aml_eisaid_value(NULL, &v), -EINVAL);

	aml_init(&a, 0);
	aml_eisaid(&a, "PNP0C0C");
	aml_eisaid(&a, "ABC0000");
	EXPECT_BYTES(&a, 0x0c, 0x41, 0xd0, 0x0c, 0x0c, 0x0b, 0x04, 0x43);
	aml_free(&a);
	aml_init(&a, 0);
	aml_eisaid(&a, "PNP-C0C");
	assert_int_equal(aml_finish(&a), -EINVAL);
	assert_non_null(strstr(aml_errmsg(&a), "EISA"));
	aml_free(&a);
}

/* Descriptor bytes as iasl -oa compiles them (checked against iasl 20200925). */
static void test_descriptors(void **state)
{
	static const uint32_t gsi9 = 9;
	struct aml a;

	(void)state;
	aml_init(&a, 0);
	aml_resources(&a);
	aml_io(&a, true, 0x3f8, 0x3f8, 1, 8);
	aml_close(&a);
	EXPECT_BYTES(&a, 0x11, 0x0d, 0x0a, 0x0a,
		     0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, 0x79, 0x00);
	aml_free(&a);

	aml_init(&a, 0);
	aml_resources(&a);
	aml_interrupt(&a, true, true, false, false, &gsi9, 1);
	aml_memory32_fixed(&a, true, 0xfec00000, 0x1000);
	aml_close(&a);
	EXPECT_BYTES(&a, 0x11, 0x1a, 0x0a, 0x17,
		     0x89, 0x06, 0x00, 0x03, 0x01, 0x09, 0x00, 0x00, 0x00,
		     0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0xc0, 0xfe, 0x00, 0x10, 0x00, 0x00,
		     0x79, 0x00);
	aml_free(&a);

	aml_init(&a, 0);
	aml_resources(&a);
	aml_word_bus_number(&a, 0, 0xff);
	aml_dword_io(&a, 0, 0xcf7);
	aml_close(&a);
	EXPECT_BYTES(&a, 0x11, 0x2f, 0x0a, 0x2c,
		     0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00,
		     0x00, 0x00, 0x00, 0x01,
		     0x87, 0x17, 0x00, 0x01, 0x0c, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0xf7, 0x0c, 0, 0,
		     0, 0, 0, 0, 0xf8, 0x0c, 0, 0,
		     0x79, 0x00);
	aml_free(&a);

	aml_init(&a, 0);
	aml_resources(&a);
	aml_dword_memory(&a, AML_NON_CACHEABLE, true, 0xc0000000, 0xdfffffff);
	aml_qword_memory(&a, AML_PREFETCHABLE, true, 0x100000000ull, 0x1ffffffffull);
	aml_close(&a);
	EXPECT_BYTES(&a, 0x11, 0x4e, 0x04, 0x0a, 0x4a, /* 76 bytes: a 2-byte PkgLength */
		     0x87, 0x17, 0x00, 0x00, 0x0c, 0x01, 0, 0, 0, 0, 0, 0, 0, 0xc0,
		     0xff, 0xff, 0xff, 0xdf, 0, 0, 0, 0, 0, 0, 0, 0x20,
		     0x8a, 0x2b, 0x00, 0x00, 0x0c, 0x07, 0, 0, 0, 0, 0, 0, 0, 0,
		     0, 0, 0, 0, 0x01, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0,
		     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0,
		     0x79, 0x00);
	aml_free(&a);
}

static void test_descriptor_errors(void **state)
{
	static const uint32_t gsi = 5;
	struct aml a;

	(void)state;
	/* Outside a ResourceTemplate. */
	aml_init(&a, 0);
	aml_io(&a, true, 0, 0, 1, 1);
	assert_int_equal(aml_finish(&a), -EINVAL);
	assert_non_null(strstr(aml_errmsg(&a), "outside a ResourceTemplate"));
	aml_free(&a);
	/* A fixed window whose length disagrees. */
	aml_init(&a, 0);
	aml_resources(&a);
	aml_addr_space(&a, 4, &(struct aml_addr_space){ .type = AML_ADDR_MEMORY, .min_fixed = true,
		       .max_fixed = true, .min = 0x1000, .max = 0x1fff, .length = 0x2000 });
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
	/* A value too large for the width. */
	aml_init(&a, 0);
	aml_resources(&a);
	aml_addr_space(&a, 2, &(struct aml_addr_space){ .type = AML_ADDR_IO, .min = 0,
		       .max = 0x1ffff });
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
	aml_init(&a, 0);
	aml_resources(&a);
	aml_addr_space(&a, 3, &(struct aml_addr_space){ .type = AML_ADDR_IO });
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
	/* A word bus range of 65536 buses does not fit its length field. */
	aml_init(&a, 0);
	aml_resources(&a);
	aml_word_bus_number(&a, 0, 0xffff);
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
	aml_init(&a, 0);
	aml_resources(&a);
	aml_interrupt(&a, true, true, false, false, &gsi, 0);
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
	aml_init(&a, 0);
	aml_resources(&a);
	aml_io(&a, true, 0x100, 0xff, 1, 1);
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
}

static void test_structure_errors(void **state)
{
	struct aml a;
	size_t len;

	(void)state;
	/* A frame left open. */
	aml_init(&a, 0);
	aml_scope(&a, "\\_SB");
	assert_int_equal(aml_finish(&a), -EINVAL);
	assert_non_null(strstr(aml_errmsg(&a), "left open"));
	aml_free(&a);
	/* aml_close() with nothing open. */
	aml_init(&a, 0);
	aml_close(&a);
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
	/* An operator short of operands when its frame closes... */
	aml_init(&a, 0);
	aml_method(&a, "M", 0, AML_NOT_SERIALIZED);
	aml_store(&a);
	aml_int(&a, 1);
	aml_close(&a);
	assert_int_equal(aml_finish(&a), -EINVAL);
	assert_non_null(strstr(aml_errmsg(&a), "short of 1 operand"));
	aml_free(&a);
	/* ... or at the end. */
	aml_init(&a, 0);
	aml_name_decl(&a, "X");
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
	/* A statement where an operand is expected. */
	aml_init(&a, 0);
	aml_method(&a, "M", 0, AML_NOT_SERIALIZED);
	aml_store(&a);
	aml_if(&a);
	assert_int_equal(aml_finish(&a), -EINVAL);
	assert_non_null(strstr(aml_errmsg(&a), "cannot be an operand"));
	aml_free(&a);
	/* A term inside a Buffer. */
	aml_init(&a, 0);
	aml_buffer(&a);
	aml_int(&a, 1);
	assert_int_equal(aml_finish(&a), -EINVAL);
	assert_non_null(strstr(aml_errmsg(&a), "inside a Buffer"));
	aml_free(&a);
	/* A Package whose element count does not match. */
	aml_init(&a, 0);
	aml_package(&a, 2);
	aml_int(&a, 1);
	aml_close(&a);
	assert_int_equal(aml_finish(&a), -EINVAL);
	assert_non_null(strstr(aml_errmsg(&a), "Package (2) has 1"));
	aml_free(&a);
	aml_init(&a, 0);
	aml_package(&a, 256);
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
	/* A statement inside a Package. */
	aml_init(&a, 0);
	aml_package(&a, 1);
	aml_device(&a, "D");
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
	/* Else not right after an If. */
	aml_init(&a, 0);
	aml_method(&a, "M", 0, AML_NOT_SERIALIZED);
	aml_else(&a);
	assert_int_equal(aml_finish(&a), -EINVAL);
	assert_non_null(strstr(aml_errmsg(&a), "Else"));
	aml_free(&a);
	aml_init(&a, 0);
	aml_method(&a, "M", 0, AML_NOT_SERIALIZED);
	aml_if(&a);
	aml_one(&a);
	aml_close(&a);
	aml_break(&a);
	aml_else(&a);
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
	/* Field elements outside a Field; too many arguments. */
	aml_init(&a, 0);
	aml_field_unit(&a, "X", 1);
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
	aml_init(&a, 0);
	aml_method(&a, "M", 8, AML_NOT_SERIALIZED);
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_free(&a);
	/* Nesting deeper than the builder supports. */
	aml_init(&a, 0);
	for (int i = 0; i <= AML_MAX_DEPTH; i++)
		aml_scope(&a, "S");
	assert_int_equal(aml_finish(&a), -EINVAL);
	assert_non_null(strstr(aml_errmsg(&a), "nested"));
	aml_free(&a);

	/* Errors are sticky: nothing more is emitted after the first. */
	aml_init(&a, 0);
	aml_int(&a, 1);
	aml_name(&a, "bad");
	len = a.len;
	aml_int(&a, 2);
	aml_scope(&a, "\\_SB");
	aml_close(&a);
	assert_int_equal(a.len, len);
	assert_int_equal(aml_error(&a), -EINVAL);
	assert_non_null(strstr(aml_errmsg(&a), "'bad'"));
	aml_free(&a);
}

static void test_limit(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a, 8);
	aml_u32(&a, 1);
	aml_u32(&a, 2);
	assert_int_equal(aml_error(&a), 0);
	aml_u8(&a, 3);
	assert_int_equal(aml_finish(&a), -ENOSPC);
	assert_int_equal(a.len, 8);
	aml_free(&a);
	/* Inserting a PkgLength can cross the limit too. */
	aml_init(&a, 8);
	aml_scope(&a, "ABCD");
	aml_int(&a, 0x12);
	aml_close(&a); /* 10 3 'ABCD' 0a 12 would be 8 bytes: fits */
	assert_int_equal(aml_finish(&a), 0);
	aml_free(&a);
	aml_init(&a, 8);
	aml_scope(&a, "ABCD");
	aml_int(&a, 0x1234);
	aml_close(&a);
	assert_int_equal(aml_finish(&a), -ENOSPC);
	aml_free(&a);
}

static void test_if_else_while_call(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a, 0);
	aml_method(&a, "M", 1, AML_SERIALIZED);
	aml_if(&a);
	aml_lequal(&a);
	aml_arg(&a, 0);
	aml_int(&a, 2);
	aml_return(&a);
	aml_one(&a);
	aml_close(&a);
	aml_else(&a);
	aml_while(&a);
	aml_lless(&a);
	aml_local(&a, 0);
	aml_int(&a, 4);
	aml_increment(&a);
	aml_local(&a, 0);
	aml_close(&a);
	aml_close(&a);
	aml_call(&a, "\\_SB.X", 1); /* \_SB.X (And (Local0, 8)) */
	aml_and(&a);
	aml_local(&a, 0);
	aml_int(&a, 8);
	aml_null_target(&a);
	aml_close(&a);
	/* Method: name 4 + flags 1 + If 8 + Else 10 + call 10 + And 5 = 38 (PkgLength 39). */
	EXPECT_BYTES(&a, 0x14, 0x27, 'M', '_', '_', '_', 0x09,
		     0xa0, 0x07, 0x93, 0x68, 0x0a, 0x02, 0xa4, 0x01,
		     0xa1, 0x09, 0xa2, 0x07, 0x95, 0x60, 0x0a, 0x04, 0x75, 0x60,
		     0x5c, 0x2e, '_', 'S', 'B', '_', 'X', '_', '_', '_',
		     0x7b, 0x60, 0x0a, 0x08, 0x00);
	aml_free(&a);
}

/* The whole of fixtures/acpi/aml-edges.asl, built with the builder. */
static void long_string_method(struct aml *a, const char *name, size_t len)
{
	char *s = malloc(len + 1);

	assert_non_null(s);
	memset(s, 'a', len);
	s[len] = '\0';
	aml_method(a, name, 0, AML_NOT_SERIALIZED);
	aml_return(a);
	aml_string(a, s);
	aml_close(a);
	free(s);
}

static void build_edges(struct aml *a)
{
	static const uint32_t irq3[] = { 5, 7, 0x12345678 }, irq16 = 16;

	long_string_method(a, "P063", 54);
	long_string_method(a, "P064", 55);
	long_string_method(a, "P4K5", 4085);
	long_string_method(a, "P4K6", 4086);

	aml_opregion(a, "FREG", AML_SYSTEM_MEMORY, 0xfed00000, 0x1000);
	aml_field(a, "FREG", AML_ANY_ACC, true, AML_WRITE_AS_ONES);
	aml_field_unit(a, "F063", 63);
	aml_field_unit(a, "F064", 64);
	aml_field_reserved(a, 1);
	aml_field_offset(a, 0x20);
	aml_field_unit(a, "F4K5", 4095);
	aml_field_unit(a, "F4K6", 4096);
	aml_close(a);
	aml_opregion(a, "FPCI", AML_PCI_CONFIG, 0, 0x100);
	aml_field(a, "FPCI", AML_QWORD_ACC, false, AML_PRESERVE);
	aml_field_offset(a, 0x10);
	aml_field_unit(a, "BAR0", 64);
	aml_close(a);

	aml_mutex(a, "MTX1", 15);
	aml_name_decl(a, "ID1_");
	aml_eisaid(a, "ABC0000");
	aml_name_decl(a, "ID2_");
	aml_eisaid(a, "PNP0A08");
	aml_name_decl(a, "INT1");
	aml_int(a, 0x12);
	aml_name_decl(a, "INT2");
	aml_int(a, 0x1234);
	aml_name_decl(a, "INT4");
	aml_int(a, 0x12345678);
	aml_name_decl(a, "INT8");
	aml_int(a, 0x123456789abcdef0ull);
	aml_name_decl(a, "CON0");
	aml_zero(a);
	aml_name_decl(a, "CON1");
	aml_one(a);
	aml_name_decl(a, "CONF");
	aml_ones(a);
	aml_name_decl(a, "STR1");
	aml_string(a, "");
	aml_name_decl(a, "BUF0");
	aml_buffer(a);
	aml_close(a);

	aml_name_decl(a, "RES1");
	aml_resources(a);
	aml_io(a, false, 0x60, 0x64, 4, 1);
	aml_interrupt(a, true, false, true, true, irq3, 3);
	aml_interrupt(a, false, true, false, false, &irq16, 1);
	aml_memory32_fixed(a, false, 0xfec00000, 0x1000);
	aml_memory32_fixed(a, true, 0xfee00000, 0x100000);
	aml_word_bus_number(a, 0, 0xff);
	aml_dword_io(a, 0, 0xcf7);
	aml_dword_io(a, 0xd00, 0xffff);
	aml_dword_memory(a, AML_NON_CACHEABLE, true, 0xc0000000, 0xdfffffff);
	aml_dword_memory(a, AML_CACHEABLE, false, 0xa0000, 0xbffff);
	aml_qword_memory(a, AML_PREFETCHABLE, true, 0x100000000ull, 0x1ffffffffull);
	aml_addr_space(a, 4, &(struct aml_addr_space){
		.type = AML_ADDR_MEMORY, .consumer = true, .subtractive = true,
		.type_flags = 1 | AML_WRITE_COMBINING << 1, .granularity = 0xfff,
		.min = 0x10000000, .max = 0x1fffffff, .length = 0x1000 });
	aml_addr_space(a, 2, &(struct aml_addr_space){
		.type = AML_ADDR_IO, .min_fixed = true, .max_fixed = true,
		.type_flags = AML_ISA_ONLY, .min = 0x1000, .max = 0x1fff, .length = 0x1000 });
	aml_close(a);

	aml_scope(a, "\\_SB");
	aml_device(a, "PCI0");
	aml_name_decl(a, "_HID");
	aml_eisaid(a, "PNP0A08");
	aml_device(a, "S000");
	aml_name_decl(a, "_ADR");
	aml_int(a, 0);
	aml_close(a);
	aml_close(a);
	aml_close(a);

	aml_scope(a, "\\");
	aml_name_decl(a, "ROOT");
	aml_int(a, 0);
	aml_close(a);

	aml_device(a, "REFS");
	aml_name_decl(a, "_HID");
	aml_string(a, "XKVM0001");
	aml_name_decl(a, "PKG1");
	aml_package(a, 6);
	aml_zero(a);
	aml_one(a);
	aml_ones(a);
	aml_string(a, "str");
	aml_name(a, "^P063");
	aml_name(a, "\\_SB.PCI0.S000");
	aml_close(a);
	aml_name_decl(a, "PKG2");
	aml_package(a, 2);
	aml_name(a, "\\_SB.PCI0");
	aml_package(a, 1);
	aml_int(a, 5);
	aml_close(a);
	aml_close(a);
	aml_name_decl(a, "PKG0");
	aml_package(a, 0);
	aml_close(a);
	aml_close(a);

	aml_method(a, "MTH1", 2, AML_SERIALIZED);
	aml_if(a);
	aml_acquire(a, "MTX1", 0x100);
	aml_return(a);
	aml_zero(a);
	aml_close(a);
	aml_store(a);
	aml_arg(a, 1);
	aml_local(a, 1);
	aml_if(a);
	aml_land(a);
	aml_arg(a, 0);
	aml_lor(a);
	aml_arg(a, 1);
	aml_lnot(a);
	aml_local(a, 1);
	aml_release(a, "MTX1");
	aml_return(a);
	aml_one(a);
	aml_close(a);
	aml_else(a);
	aml_or(a);
	aml_arg(a, 0);
	aml_int(a, 0x1234);
	aml_local(a, 2);
	aml_add(a);
	aml_local(a, 2);
	aml_int(a, 0x12345678);
	aml_local(a, 3);
	aml_close(a);
	aml_while(a);
	aml_one(a);
	aml_decrement(a);
	aml_local(a, 3);
	aml_if(a);
	aml_lgreater(a);
	aml_local(a, 3);
	aml_int(a, 0);
	aml_break(a);
	aml_close(a);
	aml_close(a);
	aml_notify(a);
	aml_name(a, "\\_SB.PCI0.S000");
	aml_int(a, 1);
	aml_release(a, "MTX1");
	aml_return(a);
	aml_ones(a);
	aml_close(a);

	aml_method(a, "MTH2", 0, AML_NOT_SERIALIZED);
	aml_return(a);
	aml_call(a, "MTH1", 2);
	aml_zero(a);
	aml_int(a, 0xffffffffffull);
	aml_close(a);

	aml_method(a, "MTH3", 7, AML_NOT_SERIALIZED);
	aml_store(a);
	aml_arg(a, 6);
	aml_local(a, 7);
	aml_call(a, "MTH2", 0);
	aml_return(a);
	aml_local(a, 7);
	aml_close(a);
}

static void test_golden_edges(void **state)
{
	struct acpi_fixture fx = { 0 };
	struct aml a;

	(void)state;
	if (acpi_fixture_load("aml-edges", &fx) < 0)
		fail_msg("fixture aml-edges.aml missing (is iasl installed?)");
	aml_init(&a, 0);
	build_edges(&a);
	assert_int_equal(aml_finish(&a), 0);
	acpi_fixture_compare(&fx, a.buf, a.len, "aml-edges");
	acpi_fixture_free(&fx);
	aml_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkglen_boundaries),
		cmocka_unit_test(test_fieldlen_does_not_count_itself),
		cmocka_unit_test(test_field_elements),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_integers_and_constants),
		cmocka_unit_test(test_eisaid),
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_descriptor_errors),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_if_else_while_call),
		cmocka_unit_test(test_golden_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
