/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest RAM and the one bounds-checked way to reach it.
 *
 * RAM is one anonymous mapping split around the 32-bit MMIO hole: guest physical
 * [0, min(size, LOWMEM_END)) and, for the rest, [4 GiB, 4 GiB + rest).  Every access by a
 * guest-supplied address goes through gm_ptr()/gm_read()/gm_write(), which refuse any
 * range that is not entirely inside one RAM region (overflow included).
 */
#ifndef XKVM_VM_MEMORY_H
#define XKVM_VM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GM_MAX_REGIONS 2

struct gm_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
};

struct guest_mem {
	struct gm_region region[GM_MAX_REGIONS];
	unsigned nr_regions;
	uint64_t ram_size;  /* total bytes of RAM */
	void *mapping;      /* the whole anonymous mapping */
	size_t mapping_size;
};

/* Allocate `ram_size` bytes of guest RAM with the hole at [lowmem_end, 4 GiB).
 * Returns 0 or -errno (-ENOMEM when the host cannot provide it). */
int gm_init(struct guest_mem *gm, uint64_t ram_size, uint64_t lowmem_end);
void gm_destroy(struct guest_mem *gm);

/* Host pointer for [gpa, gpa + len), or NULL when any byte is outside RAM or the
 * range crosses a region boundary.  len == 0 is treated as 1. */
void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Copies that may span regions; -EFAULT when any byte is outside RAM. */
int gm_read(const struct guest_mem *gm, uint64_t gpa, void *dst, size_t len);
int gm_write(const struct guest_mem *gm, uint64_t gpa, const void *src, size_t len);
int gm_memset(const struct guest_mem *gm, uint64_t gpa, int c, size_t len);

/* True when [gpa, gpa + len) is entirely RAM. */
bool gm_is_ram(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Bytes of guest RAM resident in the host (pages the guest or xkvm touched), from
 * mincore() on the RAM mapping.  0 or -errno. */
int gm_resident_bytes(const struct guest_mem *gm, uint64_t *bytes);

/* Highest RAM address + 1 below 4 GiB. */
uint64_t gm_lowmem_top(const struct guest_mem *gm);

#endif
