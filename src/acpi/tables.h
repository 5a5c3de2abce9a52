/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI tables of the hardware-reduced machine (docs/specs/acpi.md): RSDP (revision 2),
 * XSDT, FADT 6.5, MADT revision 5, DSDT, plus whatever other layers contribute.
 *
 * Pure logic: acpi_build() turns a description of the machine into one blob, laid out
 * for a guest-physical address (the RSDP first, at LAYOUT_ACPI_START), every table
 * checksummed.  acpi.c copies it into guest RAM at start and on every reset.
 *
 * Other layers extend the tables without touching this file:
 *   - a DSDT part emits AML at the DSDT's root after xkvm's own objects (the PCI root
 *     bridge: `Scope (\_SB) { Device (PCI0) { ... } }`);
 *   - a table part adds a whole table, listed in the XSDT (MCFG): it appends the body,
 *     the builder writes the header and the checksum.
 */
#ifndef XKVM_ACPI_TABLES_H
#define XKVM_ACPI_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acpi/aml.h"

#define ACPI_MAX_CPUS   254 /* xAPIC IDs 0..253 and type-0 MADT entries */
#define ACPI_MAX_PARTS  16
#define ACPI_MAX_TABLES (4 + ACPI_MAX_PARTS) /* XSDT, FACP, APIC, DSDT, parts */

#define ACPI_HEADER_LEN 36
#define ACPI_RSDP_LEN   36
#define ACPI_FADT_LEN   276 /* revision 6.5, up to the hypervisor vendor identity */

/* Identification written into every header. */
#define ACPI_OEM_ID        "XKVM  "
#define ACPI_OEM_REVISION  1
#define ACPI_CREATOR_ID    "XKVM"
#define ACPI_CREATOR_REV   1
#define ACPI_HYPERVISOR_ID "XKVMXKVM" /* FADT hypervisor vendor identity, 8 bytes */

struct acpi_dsdt_part {
	const char *name; /* for messages */
	/* Emits AML at the DSDT's root.  0, or -errno (errors in `dsdt` count too). */
	int (*build)(struct aml *dsdt, void *opaque);
	void *opaque;
};

struct acpi_table_part {
	char signature[4];
	uint8_t revision;
	/* Appends the body (everything after the 36-byte header) with aml_raw/aml_u32...
	 * 0, or -errno. */
	int (*build)(struct aml *body, void *opaque);
	void *opaque;
};

/* What the tables describe. */
struct acpi_machine {
	unsigned max_cpus;                 /* CPU slots, 1..ACPI_MAX_CPUS */
	bool cpu_enabled[ACPI_MAX_CPUS];   /* MADT Enabled (present now); else Online Capable */
	bool com1;                         /* a 16550 at 0x3F8, IRQ 4 */
	const struct acpi_dsdt_part *dsdt_parts;
	unsigned nr_dsdt_parts;
	const struct acpi_table_part *table_parts;
	unsigned nr_table_parts;
};

struct acpi_table_loc {
	char signature[5];
	uint64_t gpa;
	uint32_t len;
};

struct acpi_blob {
	uint64_t gpa;     /* guest address of data[0] (the RSDP) */
	uint8_t *data;    /* `size` bytes: the tables, then zeroes */
	size_t size;      /* the whole window */
	size_t used;      /* bytes up to the end of the last table */
	struct acpi_table_loc table[ACPI_MAX_TABLES];
	unsigned nr_tables;
};

/* Builds every table into a `size`-byte window at `gpa`.  On error returns -errno
 * (-EINVAL bad description, -ENOSPC the tables do not fit, -ENOMEM) with `err` filled;
 * `out` is then empty. */
int acpi_build(const struct acpi_machine *m, uint64_t gpa, size_t size, struct acpi_blob *out,
	       char *err, size_t errlen);
void acpi_blob_free(struct acpi_blob *b);
/* A table of the blob by signature ("RSD PTR " is "RSDP"); NULL if absent. */
const uint8_t *acpi_blob_table(const struct acpi_blob *b, const char *sig, uint32_t *len);

/* Sum of the bytes, mod 256 (0 for a well-formed table). */
uint8_t acpi_checksum(const void *p, size_t len);

#endif
