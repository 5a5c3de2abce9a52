/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest's memory map, shared by the bzImage (e820) and PVH (memmap) entries. */
#ifndef XKVM_ARCH_X86_E820_H
#define XKVM_ARCH_X86_E820_H

#include <stdint.h>

#include "vm/memory.h"

#define E820_RAM 1
#define E820_RESERVED 2

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

#define E820_MAX 16

/* Returns the number of entries written. */
unsigned e820_build(const struct guest_mem *gm, struct e820_entry *e, unsigned max);

#endif
