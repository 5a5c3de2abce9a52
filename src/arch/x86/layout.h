/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest physical memory map of xkvm's x86 machine.
 *
 *   0x0000_0000  RAM (low 640 KiB; the first pages hold xkvm's boot data, below)
 *   0x0009_fc00  reserved (EBDA-sized, nothing in it)
 *   0x000e_0000  ACPI tables (RSDP first), reserved in e820 up to 1 MiB
 *   0x000f_f000  the Xen PV console ring (with -accel kvm,xen-version=N), reserved
 *   0x0010_0000  RAM: kernels load here
 *   LOWMEM_END   32-bit MMIO hole: PCI MMIO window, ECAM, IOAPIC, LAPIC
 *   4 GiB        RAM above LOWMEM_END, if any
 */
#ifndef XKVM_ARCH_X86_LAYOUT_H
#define XKVM_ARCH_X86_LAYOUT_H

#define LAYOUT_GDT            0x0500ull  /* boot GDT (4 entries) */
#define LAYOUT_BOOT_PARAMS    0x7000ull  /* Linux zero page / PVH hvm_start_info */
#define LAYOUT_PVH_MODLIST    0x7800ull  /* hvm_modlist_entry[] */
#define LAYOUT_PVH_MEMMAP     0x8000ull  /* hvm_memmap_table_entry[] (PVH) */
#define LAYOUT_PML4           0x9000ull  /* identity page tables for the 64-bit entry */
#define LAYOUT_PDPT           0xa000ull
#define LAYOUT_PD             0xb000ull  /* 4 pages: 4 GiB in 2 MiB pages */
#define LAYOUT_CMDLINE        0x20000ull
#define LAYOUT_CMDLINE_MAX    0x10000ull /* 64 KiB */
#define LAYOUT_EBDA_START     0x9fc00ull
#define LAYOUT_LOWRAM_END     0xa0000ull
#define LAYOUT_ACPI_START     0xe0000ull /* RSDP here; tables follow */
#define LAYOUT_ACPI_TABLES_END 0xfe000ull /* the tables stay below; reserved up to 1 MiB */
#define LAYOUT_XEN_CONSOLE    0xff000ull /* Xen PV console ring (HVM_PARAM_CONSOLE_PFN) */
#define LAYOUT_ACPI_END       0x100000ull
#define LAYOUT_KERNEL_START   0x100000ull

#define LAYOUT_LOWMEM_END     0xc0000000ull /* RAM below 4 GiB ends here at most */
#define LAYOUT_PCI_MMIO_START 0xc0000000ull /* 32-bit PCI BAR window */
#define LAYOUT_PCI_MMIO_END   0xe0000000ull
#define LAYOUT_ECAM_START     0xe0000000ull /* 256 buses x 1 MiB */
#define LAYOUT_ECAM_SIZE      0x10000000ull
#define LAYOUT_IOAPIC         0xfec00000ull
#define LAYOUT_LAPIC          0xfee00000ull

#define LAYOUT_4G             0x100000000ull

/* I/O ports */
#define PORT_COM1             0x3f8
#define IRQ_COM1              4
#define PORT_RESET_CF9        0xcf9
#define PORT_CPU_HOTPLUG      0x0cd8 /* 12 bytes; docs/specs/acpi-cpu-hotplug.md */
#define PORT_GED              0x0ce4 /* 4 bytes: ESEL */
#define PORT_ACPI_SLEEP_CTL   0x0ce8 /* FADT SLEEP_CONTROL_REG */
#define PORT_ACPI_SLEEP_STS   0x0ce9 /* FADT SLEEP_STATUS_REG */
#define PORT_ACPI_RESET       PORT_RESET_CF9 /* FADT RESET_REG: write 6 */
#define PORT_UCALL            0x1000 /* docs/specs/ucall.md */
#define PORT_DEBUG_EXIT       0xf4   /* default isa-debug-exit iobase */
#define PORT_XEN_HCALL        0xe4   /* Xen hypercall stubs; docs/specs/xen-hypercall-page.md */
#define GSI_GED               9

#endif
