/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small AML builder (ACPI 6.5 §20): one growable byte buffer and a stack of open
 * packages.  AML is prefix bytecode, and the builder is written the same way: an
 * operator is emitted first and its operands are the terms emitted after it.
 *
 *     aml_method(a, "CSTA", 1, AML_SERIALIZED);      Method (CSTA, 1, Serialized) {
 *         aml_store(a);                                   \_SB.PRES.CSEL = Arg0
 *             aml_arg(a, 0);
 *             aml_name(a, "\\_SB.PRES.CSEL");
 *         aml_return(a);                                  Return (Local0)
 *             aml_local(a, 0);
 *     aml_close(a);                                   }
 *
 * Openers (Scope, Device, Method, If, Else, While, Buffer, Package, Field, resource
 * templates) push a frame; aml_close() pops it and inserts the PkgLength (and the size
 * of a Buffer) in front of the content, so lengths never have to be known in advance.
 *
 * Errors are sticky: the first one (bad name, an operator short of operands, a term
 * where only raw bytes may go, a Package whose element count does not match, a frame
 * left open, an allocation failure, the size limit) is recorded, every later call is a
 * no-op, and aml_finish() reports it.  Nothing malformed is ever handed out.
 *
 * Integers are emitted in the smallest prefix form (what `iasl -oa` emits for a
 * literal); Zero/One/Ones are separate opcodes (aml_zero() etc.), as in ASL.
 */
#ifndef XKVM_ACPI_AML_H
#define XKVM_ACPI_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AML_MAX_DEPTH   32 /* nested open frames */
#define AML_MAX_PENDING 64 /* nested operators still waiting for operands */

enum aml_frame_kind {
	AML_FRAME_PKG,       /* Scope, Device, Method, If, Else, While: a TermList */
	AML_FRAME_IF,        /* like PKG; an Else may follow its close */
	AML_FRAME_BUFFER,    /* raw bytes; the BufferSize is inserted on close */
	AML_FRAME_RESOURCES, /* a Buffer of resource descriptors; EndTag added on close */
	AML_FRAME_PACKAGE,   /* `count` data objects */
	AML_FRAME_FIELD,     /* field elements only */
};

struct aml_frame {
	enum aml_frame_kind kind;
	size_t start;           /* where the content (after the opcode) begins */
	unsigned pending_base;  /* operand stack depth when the frame was opened */
	unsigned terms;         /* terms emitted directly in this frame */
	unsigned count;         /* Package: declared NumElements */
	uint64_t field_bits;    /* Field: bit position of the next element */
};

struct aml {
	uint8_t *buf;
	size_t len, cap;
	size_t limit;           /* maximum length; 0 = none */
	int err;                /* first error, or 0 */
	char errmsg[160];
	struct aml_frame frame[AML_MAX_DEPTH];
	unsigned depth;
	uint8_t pending[AML_MAX_PENDING]; /* operands each open operator still needs */
	unsigned npending;
	size_t if_end;          /* offset just after the last closed If (for Else) */
};

void aml_init(struct aml *a, size_t limit);
void aml_free(struct aml *a);
/* 0 when every frame is closed and nothing went wrong; otherwise the first error
 * (-EINVAL malformed, -ENOMEM, -ENOSPC over the limit, -EOVERFLOW a package too big
 * for a PkgLength), described by aml_errmsg(). */
int aml_finish(struct aml *a);
const char *aml_errmsg(const struct aml *a);
int aml_error(const struct aml *a); /* the sticky error so far */

/* Pops the innermost frame and fixes up its lengths. */
void aml_close(struct aml *a);

/* ---- raw bytes (table bodies, Buffer contents, resource descriptors) ---------------- */
void aml_raw(struct aml *a, const void *p, size_t n);
void aml_u8(struct aml *a, uint8_t v);
void aml_u16(struct aml *a, uint16_t v); /* little-endian */
void aml_u32(struct aml *a, uint32_t v);
void aml_u64(struct aml *a, uint64_t v);

/* ---- encodings, for tests and for table code --------------------------------------- */
/* PkgLength of a package whose content (after the PkgLength) is `content` bytes: the
 * encoded value counts the encoding itself.  Returns the number of bytes written to
 * out[4], or 0 if the package is too large (2^28). */
unsigned aml_pkglen_encode(uint64_t content, uint8_t out[4]);
/* A field element's length: the same format for a raw bit count, NOT counting itself
 * (its size in bytes is chosen as for a PkgLength, as iasl does: 63 bits take 2 bytes). */
unsigned aml_fieldlen_encode(uint64_t bits, uint8_t out[4]);
/* The EISA ID "PNP0A03" as the 32-bit value ASL's EisaId() produces; -EINVAL if the
 * string is not three upper-case letters and four hex digits. */
int aml_eisaid_value(const char *id, uint32_t *out);

/* ---- data objects and references (terms) ------------------------------------------- */
void aml_int(struct aml *a, uint64_t v);  /* BytePrefix/WordPrefix/DWordPrefix/QWordPrefix */
void aml_zero(struct aml *a);
void aml_one(struct aml *a);
void aml_ones(struct aml *a);
void aml_string(struct aml *a, const char *s);
void aml_eisaid(struct aml *a, const char *id);
void aml_local(struct aml *a, unsigned n); /* Local0..Local7 */
void aml_arg(struct aml *a, unsigned n);   /* Arg0..Arg6 */
/* A NameString: "ABCD", "AB" (padded with '_'), "\\_SB.PRES.CSEL", "^PRES.CSEL".
 * Used as a reference to an object (not a method call: see aml_call). */
void aml_name(struct aml *a, const char *path);
/* The NullName as a Target ("no store"), e.g. the last operand of And(). */
void aml_null_target(struct aml *a);

/* ---- named objects ---------------------------------------------------------------- */
enum { AML_NOT_SERIALIZED = 0, AML_SERIALIZED = 1 };
enum aml_region_space { AML_SYSTEM_MEMORY = 0, AML_SYSTEM_IO = 1, AML_PCI_CONFIG = 2 };
enum aml_field_access { AML_ANY_ACC = 0, AML_BYTE_ACC = 1, AML_WORD_ACC = 2, AML_DWORD_ACC = 3,
			AML_QWORD_ACC = 4, AML_BUFFER_ACC = 5 };
enum aml_field_update { AML_PRESERVE = 0, AML_WRITE_AS_ONES = 1, AML_WRITE_AS_ZEROS = 2 };

/* Name (path, <next term>) */
void aml_name_decl(struct aml *a, const char *path);
/* Openers: close with aml_close(). */
void aml_scope(struct aml *a, const char *path);
void aml_device(struct aml *a, const char *path);
void aml_method(struct aml *a, const char *path, unsigned nargs, int serialized);
void aml_mutex(struct aml *a, const char *path, unsigned sync_level);
void aml_opregion(struct aml *a, const char *path, enum aml_region_space space,
		  uint64_t offset, uint64_t len);
void aml_field(struct aml *a, const char *region, enum aml_field_access access, bool lock,
	       enum aml_field_update update);
void aml_field_unit(struct aml *a, const char *nameseg, uint64_t bits);
void aml_field_reserved(struct aml *a, uint64_t bits);  /* ", bits" */
void aml_field_offset(struct aml *a, uint64_t byte);    /* "Offset (byte)" */
/* Buffer () { raw bytes }: the BufferSize is the content's length. */
void aml_buffer(struct aml *a);
/* Package (count) { count data objects }. */
void aml_package(struct aml *a, unsigned count);
/* ResourceTemplate () { descriptors }: an EndTag is appended on close. */
void aml_resources(struct aml *a);

/* ---- statements and operators: the operands are the terms that follow ------------- */
void aml_store(struct aml *a);        /* Store (source, target) */
void aml_acquire(struct aml *a, const char *mutex, uint16_t timeout); /* complete */
void aml_release(struct aml *a, const char *mutex);                   /* complete */
void aml_if(struct aml *a);           /* If (predicate) { ... }: opener */
void aml_else(struct aml *a);         /* right after an If's close: opener */
void aml_while(struct aml *a);        /* While (predicate) { ... }: opener */
void aml_return(struct aml *a);       /* Return (value) */
void aml_break(struct aml *a);
void aml_notify(struct aml *a);       /* Notify (object, value) */
void aml_lequal(struct aml *a);       /* (a == b) */
void aml_lless(struct aml *a);        /* (a < b) */
void aml_lgreater(struct aml *a);     /* (a > b) */
void aml_land(struct aml *a);         /* (a && b) */
void aml_lor(struct aml *a);          /* (a || b) */
void aml_lnot(struct aml *a);         /* !a */
void aml_and(struct aml *a);          /* And (a, b, target) */
void aml_or(struct aml *a);           /* Or (a, b, target) */
void aml_add(struct aml *a);          /* Add (a, b, target) */
void aml_increment(struct aml *a);    /* Increment (name) */
void aml_decrement(struct aml *a);
/* CreateDWordField (source buffer, byte index, name): a statement whose three operands
 * follow; the last is the new field's name, given with aml_name(). */
void aml_create_dword_field(struct aml *a);
/* A method call: the path, then `nargs` argument terms. */
void aml_call(struct aml *a, const char *path, unsigned nargs);

/* ---- resource descriptors (inside aml_resources) ---------------------------------- */
/* IO (Decode16 or Decode10, min, max, align, len) */
void aml_io(struct aml *a, bool decode16, uint16_t min, uint16_t max, uint8_t align, uint8_t len);
/* Interrupt (consumer?, Edge/Level, ActiveHigh/Low, Exclusive/Shared) { gsi... } */
void aml_interrupt(struct aml *a, bool consumer, bool edge, bool active_low, bool shared,
		   const uint32_t *gsi, unsigned n);
/* Memory32Fixed (ReadWrite/ReadOnly, base, len) */
void aml_memory32_fixed(struct aml *a, bool read_write, uint32_t base, uint32_t len);

/* Word/DWord/QWord address space descriptors (ACPI 6.5 §6.4.3.5). */
enum aml_addr_type { AML_ADDR_MEMORY = 0, AML_ADDR_IO = 1, AML_ADDR_BUS = 2 };
enum aml_mem_cache { AML_NON_CACHEABLE = 0, AML_CACHEABLE = 1, AML_WRITE_COMBINING = 2,
		     AML_PREFETCHABLE = 3 };
enum aml_io_range { AML_ISA_ONLY = 2, AML_NON_ISA_ONLY = 1, AML_ENTIRE_RANGE = 3 };
struct aml_addr_space {
	enum aml_addr_type type;
	bool consumer;     /* ResourceConsumer (else ResourceProducer) */
	bool subtractive;  /* SubDecode (else PosDecode) */
	bool min_fixed, max_fixed;
	uint8_t type_flags; /* memory: RW bit 0, cache bits 1-2; IO: range bits 0-1 */
	uint64_t granularity, min, max, translation, length;
};
/* width 2 (Word), 4 (DWord) or 8 (QWord); every value must fit, and a fixed-size
 * window (MinFixed, MaxFixed) must have length == max - min + 1. */
void aml_addr_space(struct aml *a, unsigned width, const struct aml_addr_space *s);
/* The usual PCI host bridge windows: producer, PosDecode, MinFixed, MaxFixed,
 * granularity 0, translation 0, length max - min + 1. */
void aml_word_bus_number(struct aml *a, uint16_t min, uint16_t max);
void aml_dword_io(struct aml *a, uint32_t min, uint32_t max);  /* EntireRange */
void aml_dword_memory(struct aml *a, enum aml_mem_cache cache, bool read_write, uint32_t min,
		      uint32_t max);
void aml_qword_memory(struct aml *a, enum aml_mem_cache cache, bool read_write, uint64_t min,
		      uint64_t max);

#endif
