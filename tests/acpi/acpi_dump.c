/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * acpi-dump: build xkvm's ACPI tables for a machine description and write each table to
 * DIR/<signature>.dat (lower case: rsdp.dat, xsdt.dat, facp.dat, apic.dat, dsdt.dat), for
 * `iasl -d` and `acpiexec` (tests/acpi/test_acpi_tools.py).
 *
 *   acpi-dump [-c CPUS] [-m MAXCPUS] [-s] [-p] DIR
 *     -s: no COM1 (as with -serial none)
 *     -p: with the PCI host bridge's MCFG and \_SB.PCI0, as xkvm adds them (RAM < 4 GiB)
 */
#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acpi/tables.h"
#include "arch/x86/layout.h"
#include "pci/host.h"

static int write_file(const char *dir, const char *sig, const void *p, size_t len)
{
	char path[4096], name[5] = { 0 };
	FILE *f;

	for (int i = 0; i < 4; i++)
		name[i] = (char)tolower((unsigned char)sig[i]);
	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "acpi-dump: %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("%s %zu\n", path, len);
	return 0;
}

static int pci_dsdt(struct aml *a, void *opaque)
{
	return pci_host_build_dsdt(a, opaque);
}

static int pci_mcfg(struct aml *a, void *opaque)
{
	return pci_host_build_mcfg(a, opaque);
}

int main(int argc, char **argv)
{
	struct pci_host_layout pci;
	struct acpi_dsdt_part dsdt_part = { "pci-host", pci_dsdt, &pci };
	struct acpi_table_part mcfg_part = { "MCFG", 1, pci_mcfg, &pci };
	struct acpi_machine m = { .com1 = true };
	unsigned cpus = 1, maxcpus = 0;
	struct acpi_blob b;
	char err[256];
	int opt, status = 0;

	pci_host_layout_for(&pci, NULL);
	while ((opt = getopt(argc, argv, "c:m:sp")) != -1) {
		switch (opt) {
		case 'p':
			m.dsdt_parts = &dsdt_part;
			m.nr_dsdt_parts = 1;
			m.table_parts = &mcfg_part;
			m.nr_table_parts = 1;
			break;
		case 'c': cpus = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'm': maxcpus = (unsigned)strtoul(optarg, NULL, 0); break;
		case 's': m.com1 = false; break;
		default:
			fprintf(stderr, "usage: %s [-c CPUS] [-m MAXCPUS] [-s] [-p] DIR\n", argv[0]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: %s [-c CPUS] [-m MAXCPUS] [-s] [-p] DIR\n", argv[0]);
		return 2;
	}
	if (!maxcpus)
		maxcpus = cpus;
	m.max_cpus = maxcpus;
	for (unsigned i = 0; i < cpus && i < ACPI_MAX_CPUS; i++)
		m.cpu_enabled[i] = true;
	if (acpi_build(&m, LAYOUT_ACPI_START, LAYOUT_ACPI_END - LAYOUT_ACPI_START, &b, err,
		       sizeof(err)) < 0) {
		fprintf(stderr, "acpi-dump: %s\n", err);
		return 1;
	}
	for (unsigned i = 0; i < b.nr_tables; i++)
		status |= write_file(argv[optind], b.table[i].signature,
				     b.data + (b.table[i].gpa - b.gpa), b.table[i].len);
	acpi_blob_free(&b);
	return status;
}
