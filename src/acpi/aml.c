/* SPDX-License-Identifier: GPL-2.0-only */
/* The AML builder: encodings from ACPI 6.5 §20.2 (AML grammar) and §6.4 (resources). */
#include "acpi/aml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Opcodes (ACPI 6.5 §20.2). */
enum {
	OP_ZERO = 0x00, OP_ONE = 0x01, OP_NAME = 0x08, OP_BYTE = 0x0a, OP_WORD = 0x0b,
	OP_DWORD = 0x0c, OP_STRING = 0x0d, OP_QWORD = 0x0e, OP_SCOPE = 0x10, OP_BUFFER = 0x11,
	OP_PACKAGE = 0x12, OP_METHOD = 0x14, OP_DUAL_NAME = 0x2e, OP_MULTI_NAME = 0x2f,
	OP_ROOT = 0x5c, OP_PARENT = 0x5e, OP_LOCAL0 = 0x60, OP_ARG0 = 0x68, OP_STORE = 0x70,
	OP_ADD = 0x72, OP_INCREMENT = 0x75, OP_DECREMENT = 0x76, OP_AND = 0x7b, OP_OR = 0x7d,
	OP_NOTIFY = 0x86, OP_CREATE_DWORD_FIELD = 0x8a, OP_LAND = 0x90, OP_LOR = 0x91, OP_LNOT = 0x92, OP_LEQUAL = 0x93,
	OP_LGREATER = 0x94, OP_LLESS = 0x95, OP_IF = 0xa0, OP_ELSE = 0xa1, OP_WHILE = 0xa2,
	OP_RETURN = 0xa4, OP_BREAK = 0xa5, OP_ONES = 0xff,
	OP_EXT = 0x5b, /* followed by: */
	EXT_MUTEX = 0x01, EXT_ACQUIRE = 0x23, EXT_RELEASE = 0x27, EXT_OPREGION = 0x80,
	EXT_FIELD = 0x81, EXT_DEVICE = 0x82,
};

/* Resource descriptor tags (ACPI 6.5 §6.4). */
enum {
	RES_IO = 0x47, RES_END_TAG = 0x79, RES_MEMORY32_FIXED = 0x86, RES_DWORD_ADDR = 0x87,
	RES_WORD_ADDR = 0x88, RES_EXT_IRQ = 0x89, RES_QWORD_ADDR = 0x8a,
};

#define NAMESTRING_MAX (1 + 255 + 2 + 4 * 255)

static void fail(struct aml *a, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(struct aml *a, int err, const char *fmt, ...)
{
	va_list ap;

	if (a->err)
		return;
	a->err = err;
	va_start(ap, fmt);
	vsnprintf(a->errmsg, sizeof(a->errmsg), fmt, ap);
	va_end(ap);
}

void aml_init(struct aml *a, size_t limit)
{
	memset(a, 0, sizeof(*a));
	a->limit = limit;
}

void aml_free(struct aml *a)
{
	free(a->buf);
	a->buf = NULL;
	a->len = a->cap = 0;
}

int aml_error(const struct aml *a)
{
	return a->err;
}

const char *aml_errmsg(const struct aml *a)
{
	return a->err ? a->errmsg : "no error";
}

int aml_finish(struct aml *a)
{
	if (!a->err && a->depth)
		fail(a, -EINVAL, "%u frame(s) left open", a->depth);
	if (!a->err && a->npending)
		fail(a, -EINVAL, "an operator is short of %u operand(s)",
		     a->pending[a->npending - 1]);
	return a->err;
}

static bool reserve(struct aml *a, size_t n)
{
	size_t need;

	if (a->err)
		return false;
	if (__builtin_add_overflow(a->len, n, &need) || (a->limit && need > a->limit)) {
		fail(a, -ENOSPC, "AML would exceed its %zu-byte limit", a->limit);
		return false;
	}
	if (need > a->cap) {
		size_t cap = a->cap ? a->cap : 256;
		uint8_t *p;
		while (cap < need)
			cap *= 2;
		p = realloc(a->buf, cap);
		if (!p) {
			fail(a, -ENOMEM, "out of memory (%zu bytes of AML)", cap);
			return false;
		}
		a->buf = p;
		a->cap = cap;
	}
	return true;
}

static void put(struct aml *a, const void *p, size_t n)
{
	if (!reserve(a, n))
		return;
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void put8(struct aml *a, uint8_t v)
{
	put(a, &v, 1);
}

static void put_le(struct aml *a, uint64_t v, unsigned bytes)
{
	uint8_t b[8];

	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(a, b, bytes);
}

static void insert(struct aml *a, size_t at, const uint8_t *p, size_t n)
{
	if (!reserve(a, n))
		return;
	memmove(a->buf + at + n, a->buf + at, a->len - at);
	memcpy(a->buf + at, p, n);
	a->len += n;
}

static struct aml_frame *top(struct aml *a)
{
	return a->depth ? &a->frame[a->depth - 1] : NULL;
}

static const char *frame_name(enum aml_frame_kind k)
{
	static const char *const names[] = {
		[AML_FRAME_PKG] = "a package", [AML_FRAME_IF] = "an If",
		[AML_FRAME_BUFFER] = "a Buffer", [AML_FRAME_RESOURCES] = "a ResourceTemplate",
		[AML_FRAME_PACKAGE] = "a Package", [AML_FRAME_FIELD] = "a Field",
	};
	return names[k];
}

/*
 * Every term starts here.  If an operator is waiting for operands, the term is its next
 * operand; otherwise it is an element of the innermost frame's list.  A statement (If,
 * Name, Device, ...) cannot be an operand.
 */
static bool begin_term(struct aml *a, bool statement, const char *what)
{
	struct aml_frame *f = top(a);
	unsigned base = f ? f->pending_base : 0;

	if (a->err)
		return false;
	if (a->npending > base) {
		if (statement) {
			fail(a, -EINVAL, "%s cannot be an operand", what);
			return false;
		}
		if (--a->pending[a->npending - 1] == 0)
			a->npending--;
		return true;
	}
	if (f && f->kind != AML_FRAME_PKG && f->kind != AML_FRAME_IF &&
	    f->kind != AML_FRAME_PACKAGE) {
		fail(a, -EINVAL, "%s inside %s", what, frame_name(f->kind));
		return false;
	}
	if (f && f->kind == AML_FRAME_PACKAGE && statement) {
		fail(a, -EINVAL, "%s inside a Package", what);
		return false;
	}
	if (f)
		f->terms++;
	return true;
}

static void expect(struct aml *a, unsigned operands)
{
	if (a->err || !operands)
		return;
	if (a->npending == AML_MAX_PENDING) {
		fail(a, -EINVAL, "operators nested more than %d deep", AML_MAX_PENDING);
		return;
	}
	a->pending[a->npending++] = (uint8_t)operands;
}

static void open_frame(struct aml *a, enum aml_frame_kind kind)
{
	if (a->err)
		return;
	if (a->depth == AML_MAX_DEPTH) {
		fail(a, -EINVAL, "frames nested more than %d deep", AML_MAX_DEPTH);
		return;
	}
	a->frame[a->depth++] = (struct aml_frame){
		.kind = kind, .start = a->len, .pending_base = a->npending,
	};
}

static bool in_frame(struct aml *a, enum aml_frame_kind kind, const char *what)
{
	struct aml_frame *f = top(a);

	if (a->err)
		return false;
	if (!f || f->kind != kind) {
		fail(a, -EINVAL, "%s outside %s", what, frame_name(kind));
		return false;
	}
	return true;
}

/* ---- encodings ------------------------------------------------------------------- */

static unsigned varlen_encode(uint64_t value, unsigned n, uint8_t out[4])
{
	if (n == 1) {
		out[0] = (uint8_t)value;
		return 1;
	}
	out[0] = (uint8_t)((n - 1) << 6 | (value & 0xf));
	for (unsigned i = 1; i < n; i++)
		out[i] = (uint8_t)(value >> (4 + 8 * (i - 1)));
	return n;
}

unsigned aml_pkglen_encode(uint64_t content, uint8_t out[4])
{
	/* The value includes the encoding's own bytes. */
	if (content + 1 <= 0x3f)
		return varlen_encode(content + 1, 1, out);
	if (content + 2 <= 0xfff)
		return varlen_encode(content + 2, 2, out);
	if (content + 3 <= 0xfffff)
		return varlen_encode(content + 3, 3, out);
	if (content + 4 <= 0xfffffff)
		return varlen_encode(content + 4, 4, out);
	return 0;
}

unsigned aml_fieldlen_encode(uint64_t bits, uint8_t out[4])
{
	/*
	 * The same format, but the value is the bare bit count.  The number of bytes is
	 * chosen as for a PkgLength of that content (as iasl does), so 63 bits take two
	 * bytes (0x4F 0x03) and 4095 three: any size that holds the value is valid AML,
	 * and this one is byte-identical with `iasl -oa`.
	 */
	unsigned n = bits + 1 <= 0x3f ? 1 : bits + 2 <= 0xfff ? 2 : bits + 3 <= 0xfffff ? 3 :
		     bits + 4 <= 0xfffffff ? 4 : 0;

	return n ? varlen_encode(bits, n, out) : 0;
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int aml_eisaid_value(const char *id, uint32_t *out)
{
	uint32_t v = 0;

	if (!id || strlen(id) != 7)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		if (!is_upper(id[i]))
			return -EINVAL;
		v |= (uint32_t)(id[i] - 0x40) << (26 - 5 * i);
	}
	for (int i = 3; i < 7; i++) {
		int h = hexval(id[i]);
		if (h < 0)
			return -EINVAL;
		v |= (uint32_t)h << (4 * (6 - i));
	}
	*out = __builtin_bswap32(v); /* stored big-endian, as the EISA ID bytes read */
	return 0;
}

static bool nameseg_char(char c, bool first)
{
	return is_upper(c) || c == '_' || (!first && c >= '0' && c <= '9');
}

/* One NameSeg from `p` (1-4 characters, padded with '_'); returns its length or 0. */
static size_t parse_seg(const char *p, uint8_t seg[4])
{
	size_t n = 0;

	while (n < 4 && nameseg_char(p[n], n == 0))
		n++;
	if (n == 0 || (p[n] && p[n] != '.'))
		return 0;
	for (size_t i = 0; i < 4; i++)
		seg[i] = (uint8_t)(i < n ? p[i] : '_');
	return n;
}

/* Encodes a NameString; returns its length, or 0 (with the error set) if invalid. */
static size_t encode_namestring(struct aml *a, const char *path, uint8_t *out)
{
	const char *p = path;
	uint8_t segs[255][4];
	size_t n = 0, nsegs = 0;

	if (a->err)
		return 0;
	if (!path || !*path)
		goto bad;
	if (*p == '\\') {
		out[n++] = OP_ROOT;
		p++;
	} else {
		while (*p == '^') {
			if (n == 255)
				goto bad;
			out[n++] = OP_PARENT;
			p++;
		}
	}
	while (*p) {
		size_t len;
		if (nsegs == 255 || !(len = parse_seg(p, segs[nsegs])))
			goto bad;
		nsegs++;
		p += len;
		if (*p == '.' && !*++p)
			goto bad; /* trailing dot */
	}
	if (nsegs == 0 && n == 0)
		goto bad;
	if (nsegs == 0) {
		out[n++] = OP_ZERO; /* "\" alone: the root, a NullName after the prefix */
	} else if (nsegs == 2) {
		out[n++] = OP_DUAL_NAME;
	} else if (nsegs > 2) {
		out[n++] = OP_MULTI_NAME;
		out[n++] = (uint8_t)nsegs;
	}
	for (size_t i = 0; i < nsegs; i++, n += 4)
		memcpy(out + n, segs[i], 4);
	return n;
bad:
	fail(a, -EINVAL, "invalid ACPI name '%s'", path ? path : "(null)");
	return 0;
}

static void put_namestring(struct aml *a, const char *path)
{
	uint8_t buf[NAMESTRING_MAX];
	size_t n = encode_namestring(a, path, buf);

	if (n)
		put(a, buf, n);
}

/* ---- frames ------------------------------------------------------------------------ */

void aml_close(struct aml *a)
{
	struct aml_frame *f = top(a);
	uint8_t prefix[4 + 9];
	size_t content, np = 0;
	enum aml_frame_kind kind;

	if (a->err)
		return;
	if (!f) {
		fail(a, -EINVAL, "aml_close() without an open frame");
		return;
	}
	if (a->npending != f->pending_base) {
		fail(a, -EINVAL, "an operator in %s is short of %u operand(s)", frame_name(f->kind),
		     a->pending[a->npending - 1]);
		return;
	}
	if (f->kind == AML_FRAME_PACKAGE && f->terms != f->count) {
		fail(a, -EINVAL, "Package (%u) has %u element(s)", f->count, f->terms);
		return;
	}
	if (f->kind == AML_FRAME_RESOURCES) {
		put8(a, RES_END_TAG);
		put8(a, 0); /* checksum 0: "treat the template as correct" */
	}
	content = a->len - f->start;
	if (f->kind == AML_FRAME_BUFFER || f->kind == AML_FRAME_RESOURCES) {
		/* BufferSize, an integer term, precedes the bytes inside the package. */
		uint8_t size[9];
		size_t ns = 0;
		uint64_t v = content;
		unsigned bytes = v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffff ? 4 : 8;
		size[ns++] = bytes == 1 ? OP_BYTE : bytes == 2 ? OP_WORD : bytes == 4 ? OP_DWORD : OP_QWORD;
		for (unsigned i = 0; i < bytes; i++)
			size[ns++] = (uint8_t)(v >> (8 * i));
		np = aml_pkglen_encode(content + ns, prefix);
		memcpy(prefix + np, size, ns);
		if (np)
			np += ns;
	} else {
		np = aml_pkglen_encode(content, prefix);
	}
	if (!np) {
		fail(a, -EOVERFLOW, "%s of %zu bytes is too large for a PkgLength",
		     frame_name(f->kind), content);
		return;
	}
	kind = f->kind;
	insert(a, f->start, prefix, np);
	if (a->err)
		return;
	a->depth--;
	a->if_end = kind == AML_FRAME_IF ? a->len : 0;
}

/* ---- raw bytes --------------------------------------------------------------------- */

void aml_raw(struct aml *a, const void *p, size_t n)
{
	put(a, p, n);
}

void aml_u8(struct aml *a, uint8_t v)
{
	put8(a, v);
}

void aml_u16(struct aml *a, uint16_t v)
{
	put_le(a, v, 2);
}

void aml_u32(struct aml *a, uint32_t v)
{
	put_le(a, v, 4);
}

void aml_u64(struct aml *a, uint64_t v)
{
	put_le(a, v, 8);
}

/* ---- data objects ------------------------------------------------------------------ */

static void put_int(struct aml *a, uint64_t v)
{
	if (v <= 0xff) {
		put8(a, OP_BYTE);
		put_le(a, v, 1);
	} else if (v <= 0xffff) {
		put8(a, OP_WORD);
		put_le(a, v, 2);
	} else if (v <= 0xffffffff) {
		put8(a, OP_DWORD);
		put_le(a, v, 4);
	} else {
		put8(a, OP_QWORD);
		put_le(a, v, 8);
	}
}

void aml_int(struct aml *a, uint64_t v)
{
	if (begin_term(a, false, "an integer"))
		put_int(a, v);
}

static void const_op(struct aml *a, uint8_t op, const char *what)
{
	if (begin_term(a, false, what))
		put8(a, op);
}

void aml_zero(struct aml *a)
{
	const_op(a, OP_ZERO, "Zero");
}

void aml_one(struct aml *a)
{
	const_op(a, OP_ONE, "One");
}

void aml_ones(struct aml *a)
{
	const_op(a, OP_ONES, "Ones");
}

void aml_string(struct aml *a, const char *s)
{
	if (!begin_term(a, false, "a string"))
		return;
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p > 0x7f) {
			fail(a, -EINVAL, "string \"%s\" is not ASCII", s);
			return;
		}
	}
	put8(a, OP_STRING);
	put(a, s, strlen(s) + 1);
}

void aml_eisaid(struct aml *a, const char *id)
{
	uint32_t v;

	if (a->err)
		return;
	if (aml_eisaid_value(id, &v) < 0) {
		fail(a, -EINVAL, "invalid EISA ID '%s' (expected 3 letters A-Z and 4 hex digits)",
		     id ? id : "(null)");
		return;
	}
	aml_int(a, v);
}

void aml_local(struct aml *a, unsigned n)
{
	if (n > 7) {
		fail(a, -EINVAL, "Local%u does not exist", n);
		return;
	}
	const_op(a, (uint8_t)(OP_LOCAL0 + n), "a Local");
}

void aml_arg(struct aml *a, unsigned n)
{
	if (n > 6) {
		fail(a, -EINVAL, "Arg%u does not exist", n);
		return;
	}
	const_op(a, (uint8_t)(OP_ARG0 + n), "an Arg");
}

void aml_name(struct aml *a, const char *path)
{
	if (begin_term(a, false, "a name"))
		put_namestring(a, path);
}

void aml_null_target(struct aml *a)
{
	const_op(a, OP_ZERO, "a null target");
}

/* ---- named objects ----------------------------------------------------------------- */

void aml_name_decl(struct aml *a, const char *path)
{
	if (!begin_term(a, true, "Name()"))
		return;
	put8(a, OP_NAME);
	put_namestring(a, path);
	expect(a, 1);
}

static void named_frame(struct aml *a, const uint8_t *op, size_t oplen, const char *path,
			const char *what)
{
	if (!begin_term(a, true, what))
		return;
	put(a, op, oplen);
	open_frame(a, AML_FRAME_PKG);
	put_namestring(a, path);
}

void aml_scope(struct aml *a, const char *path)
{
	static const uint8_t op[] = { OP_SCOPE };
	named_frame(a, op, sizeof(op), path, "Scope()");
}

void aml_device(struct aml *a, const char *path)
{
	static const uint8_t op[] = { OP_EXT, EXT_DEVICE };
	named_frame(a, op, sizeof(op), path, "Device()");
}

void aml_method(struct aml *a, const char *path, unsigned nargs, int serialized)
{
	static const uint8_t op[] = { OP_METHOD };

	if (nargs > 7) {
		fail(a, -EINVAL, "Method %s: %u arguments (at most 7)", path, nargs);
		return;
	}
	named_frame(a, op, sizeof(op), path, "Method()");
	put8(a, (uint8_t)(nargs | (serialized ? 1u << 3 : 0)));
}

void aml_mutex(struct aml *a, const char *path, unsigned sync_level)
{
	if (sync_level > 15) {
		fail(a, -EINVAL, "Mutex %s: sync level %u (at most 15)", path, sync_level);
		return;
	}
	if (!begin_term(a, true, "Mutex()"))
		return;
	put8(a, OP_EXT);
	put8(a, EXT_MUTEX);
	put_namestring(a, path);
	put8(a, (uint8_t)sync_level);
}

void aml_opregion(struct aml *a, const char *path, enum aml_region_space space,
		  uint64_t offset, uint64_t len)
{
	if (!begin_term(a, true, "OperationRegion()"))
		return;
	put8(a, OP_EXT);
	put8(a, EXT_OPREGION);
	put_namestring(a, path);
	put8(a, (uint8_t)space);
	put_int(a, offset);
	put_int(a, len);
}

void aml_field(struct aml *a, const char *region, enum aml_field_access access, bool lock,
	       enum aml_field_update update)
{
	if (access > AML_BUFFER_ACC || update > AML_WRITE_AS_ZEROS) {
		fail(a, -EINVAL, "Field (%s): invalid access type or update rule", region);
		return;
	}
	if (!begin_term(a, true, "Field()"))
		return;
	put8(a, OP_EXT);
	put8(a, EXT_FIELD);
	open_frame(a, AML_FRAME_FIELD);
	put_namestring(a, region);
	put8(a, (uint8_t)(access | (lock ? 1u << 4 : 0) | update << 5));
}

static void field_element(struct aml *a, const uint8_t *seg, uint64_t bits, const char *what)
{
	struct aml_frame *f = top(a);
	uint8_t len[4];
	unsigned n;

	if (!in_frame(a, AML_FRAME_FIELD, what))
		return;
	n = aml_fieldlen_encode(bits, len);
	if (!n || bits == 0) {
		fail(a, -EINVAL, "%s of %llu bits", what, (unsigned long long)bits);
		return;
	}
	if (seg)
		put(a, seg, 4);
	else
		put8(a, 0x00); /* ReservedField */
	put(a, len, n);
	f->field_bits += bits;
}

void aml_field_unit(struct aml *a, const char *nameseg, uint64_t bits)
{
	uint8_t seg[4];

	if (a->err)
		return;
	if (!nameseg || parse_seg(nameseg, seg) != strlen(nameseg)) {
		fail(a, -EINVAL, "invalid field name '%s' (one NameSeg)", nameseg ? nameseg : "(null)");
		return;
	}
	field_element(a, seg, bits, "a field unit");
}

void aml_field_reserved(struct aml *a, uint64_t bits)
{
	field_element(a, NULL, bits, "a reserved field");
}

void aml_field_offset(struct aml *a, uint64_t byte)
{
	struct aml_frame *f = top(a);

	if (!in_frame(a, AML_FRAME_FIELD, "Offset()"))
		return;
	if (byte > UINT64_MAX / 8 || byte * 8 < f->field_bits) {
		fail(a, -EINVAL, "Offset (%llu) is behind the current bit position %llu",
		     (unsigned long long)byte, (unsigned long long)f->field_bits);
		return;
	}
	if (byte * 8 > f->field_bits)
		aml_field_reserved(a, byte * 8 - f->field_bits);
}

void aml_buffer(struct aml *a)
{
	if (!begin_term(a, false, "Buffer()"))
		return;
	put8(a, OP_BUFFER);
	open_frame(a, AML_FRAME_BUFFER);
}

void aml_resources(struct aml *a)
{
	if (!begin_term(a, false, "ResourceTemplate()"))
		return;
	put8(a, OP_BUFFER);
	open_frame(a, AML_FRAME_RESOURCES);
}

void aml_package(struct aml *a, unsigned count)
{
	if (count > 255) {
		fail(a, -EINVAL, "Package (%u): more than 255 elements needs a VarPackage", count);
		return;
	}
	if (!begin_term(a, false, "Package()"))
		return;
	put8(a, OP_PACKAGE);
	open_frame(a, AML_FRAME_PACKAGE);
	put8(a, (uint8_t)count);
	if (!a->err)
		top(a)->count = count;
}

/* ---- statements and operators ------------------------------------------------------ */

static void op(struct aml *a, uint8_t opcode, unsigned operands, bool statement, const char *what)
{
	if (!begin_term(a, statement, what))
		return;
	put8(a, opcode);
	expect(a, operands);
}

void aml_store(struct aml *a) { op(a, OP_STORE, 2, false, "Store()"); }
void aml_return(struct aml *a) { op(a, OP_RETURN, 1, true, "Return()"); }
void aml_break(struct aml *a) { op(a, OP_BREAK, 0, true, "Break"); }
void aml_notify(struct aml *a) { op(a, OP_NOTIFY, 2, true, "Notify()"); }
void aml_lequal(struct aml *a) { op(a, OP_LEQUAL, 2, false, "LEqual()"); }
void aml_lless(struct aml *a) { op(a, OP_LLESS, 2, false, "LLess()"); }
void aml_lgreater(struct aml *a) { op(a, OP_LGREATER, 2, false, "LGreater()"); }
void aml_land(struct aml *a) { op(a, OP_LAND, 2, false, "LAnd()"); }
void aml_lor(struct aml *a) { op(a, OP_LOR, 2, false, "LOr()"); }
void aml_lnot(struct aml *a) { op(a, OP_LNOT, 1, false, "LNot()"); }
void aml_and(struct aml *a) { op(a, OP_AND, 3, false, "And()"); }
void aml_or(struct aml *a) { op(a, OP_OR, 3, false, "Or()"); }
void aml_add(struct aml *a) { op(a, OP_ADD, 3, false, "Add()"); }
void aml_increment(struct aml *a) { op(a, OP_INCREMENT, 1, false, "Increment()"); }
void aml_decrement(struct aml *a) { op(a, OP_DECREMENT, 1, false, "Decrement()"); }
void aml_create_dword_field(struct aml *a)
{
	op(a, OP_CREATE_DWORD_FIELD, 3, true, "CreateDWordField()");
}

void aml_acquire(struct aml *a, const char *mutex, uint16_t timeout)
{
	if (!begin_term(a, false, "Acquire()"))
		return;
	put8(a, OP_EXT);
	put8(a, EXT_ACQUIRE);
	put_namestring(a, mutex);
	put_le(a, timeout, 2);
}

void aml_release(struct aml *a, const char *mutex)
{
	if (!begin_term(a, true, "Release()"))
		return;
	put8(a, OP_EXT);
	put8(a, EXT_RELEASE);
	put_namestring(a, mutex);
}

static void predicate_frame(struct aml *a, uint8_t opcode, enum aml_frame_kind kind,
			    const char *what)
{
	if (!begin_term(a, true, what))
		return;
	put8(a, opcode);
	open_frame(a, kind);
	expect(a, 1);
}

void aml_if(struct aml *a)
{
	predicate_frame(a, OP_IF, AML_FRAME_IF, "If()");
}

void aml_while(struct aml *a)
{
	predicate_frame(a, OP_WHILE, AML_FRAME_PKG, "While()");
}

void aml_else(struct aml *a)
{
	if (a->err)
		return;
	if (!a->if_end || a->if_end != a->len) {
		fail(a, -EINVAL, "Else does not follow an If");
		return;
	}
	if (!begin_term(a, true, "Else"))
		return;
	put8(a, OP_ELSE);
	open_frame(a, AML_FRAME_PKG);
	a->if_end = 0;
}

void aml_call(struct aml *a, const char *path, unsigned nargs)
{
	if (nargs > 7) {
		fail(a, -EINVAL, "call of %s with %u arguments (at most 7)", path, nargs);
		return;
	}
	if (!begin_term(a, false, "a method call"))
		return;
	put_namestring(a, path);
	expect(a, nargs);
}

/* ---- resource descriptors ---------------------------------------------------------- */

void aml_io(struct aml *a, bool decode16, uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
	if (!in_frame(a, AML_FRAME_RESOURCES, "IO()"))
		return;
	if (max < min) {
		fail(a, -EINVAL, "IO (0x%x, 0x%x): maximum below minimum", min, max);
		return;
	}
	put8(a, RES_IO);
	put8(a, decode16 ? 1 : 0);
	put_le(a, min, 2);
	put_le(a, max, 2);
	put8(a, align);
	put8(a, len);
}

void aml_interrupt(struct aml *a, bool consumer, bool edge, bool active_low, bool shared,
		   const uint32_t *gsi, unsigned n)
{
	if (!in_frame(a, AML_FRAME_RESOURCES, "Interrupt()"))
		return;
	if (!gsi || n == 0 || n > 255) {
		fail(a, -EINVAL, "Interrupt () with %u interrupts (1 to 255)", n);
		return;
	}
	put8(a, RES_EXT_IRQ);
	put_le(a, 2 + 4 * n, 2);
	put8(a, (uint8_t)((consumer ? 1 : 0) | (edge ? 2 : 0) | (active_low ? 4 : 0) | (shared ? 8 : 0)));
	put8(a, (uint8_t)n);
	for (unsigned i = 0; i < n; i++)
		put_le(a, gsi[i], 4);
}

void aml_memory32_fixed(struct aml *a, bool read_write, uint32_t base, uint32_t len)
{
	if (!in_frame(a, AML_FRAME_RESOURCES, "Memory32Fixed()"))
		return;
	put8(a, RES_MEMORY32_FIXED);
	put_le(a, 9, 2);
	put8(a, read_write ? 1 : 0);
	put_le(a, base, 4);
	put_le(a, len, 4);
}

void aml_addr_space(struct aml *a, unsigned width, const struct aml_addr_space *s)
{
	uint64_t limit;
	uint8_t tag;

	if (!in_frame(a, AML_FRAME_RESOURCES, "an address space descriptor"))
		return;
	switch (width) {
	case 2: tag = RES_WORD_ADDR; limit = 0xffff; break;
	case 4: tag = RES_DWORD_ADDR; limit = 0xffffffff; break;
	case 8: tag = RES_QWORD_ADDR; limit = UINT64_MAX; break;
	default:
		fail(a, -EINVAL, "address space descriptor of width %u (2, 4 or 8)", width);
		return;
	}
	if (s->granularity > limit || s->min > limit || s->max > limit || s->translation > limit ||
	    s->length > limit) {
		fail(a, -EINVAL, "address space descriptor [0x%llx-0x%llx] len 0x%llx does not fit "
		     "in %u bytes", (unsigned long long)s->min, (unsigned long long)s->max,
		     (unsigned long long)s->length, width);
		return;
	}
	if (s->type > AML_ADDR_BUS || (s->type == AML_ADDR_BUS && s->type_flags) ||
	    (s->min_fixed && s->max_fixed &&
	     (s->max < s->min || s->length != s->max - s->min + 1))) {
		fail(a, -EINVAL, "address space descriptor [0x%llx-0x%llx] len 0x%llx: inconsistent "
		     "(a fixed window needs length == max - min + 1)", (unsigned long long)s->min,
		     (unsigned long long)s->max, (unsigned long long)s->length);
		return;
	}
	put8(a, tag);
	put_le(a, 3 + 5 * width, 2);
	put8(a, (uint8_t)s->type);
	put8(a, (uint8_t)((s->consumer ? 1 : 0) | (s->subtractive ? 2 : 0) |
			  (s->min_fixed ? 4 : 0) | (s->max_fixed ? 8 : 0)));
	put8(a, s->type_flags);
	put_le(a, s->granularity, width);
	put_le(a, s->min, width);
	put_le(a, s->max, width);
	put_le(a, s->translation, width);
	put_le(a, s->length, width);
}

static void fixed_window(struct aml *a, unsigned width, enum aml_addr_type type, uint8_t flags,
			 uint64_t min, uint64_t max)
{
	struct aml_addr_space s = {
		.type = type, .min_fixed = true, .max_fixed = true, .type_flags = flags,
		.min = min, .max = max, .length = max - min + 1,
	};
	if (max < min || max - min == UINT64_MAX) {
		fail(a, -EINVAL, "window [0x%llx-0x%llx] is empty or spans the whole space",
		     (unsigned long long)min, (unsigned long long)max);
		return;
	}
	aml_addr_space(a, width, &s);
}

void aml_word_bus_number(struct aml *a, uint16_t min, uint16_t max)
{
	fixed_window(a, 2, AML_ADDR_BUS, 0, min, max);
}

void aml_dword_io(struct aml *a, uint32_t min, uint32_t max)
{
	fixed_window(a, 4, AML_ADDR_IO, AML_ENTIRE_RANGE, min, max);
}

void aml_dword_memory(struct aml *a, enum aml_mem_cache cache, bool read_write, uint32_t min,
		      uint32_t max)
{
	fixed_window(a, 4, AML_ADDR_MEMORY, (uint8_t)((read_write ? 1 : 0) | (cache & 3) << 1), min,
		     max);
}

void aml_qword_memory(struct aml *a, enum aml_mem_cache cache, bool read_write, uint64_t min,
		      uint64_t max)
{
	fixed_window(a, 8, AML_ADDR_MEMORY, (uint8_t)((read_write ? 1 : 0) | (cache & 3) << 1), min,
		     max);
}
