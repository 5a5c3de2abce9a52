/* SPDX-License-Identifier: GPL-2.0-only */
#include "vm/memory.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define GIB (1ull << 30)

int gm_init(struct guest_mem *gm, uint64_t ram_size, uint64_t lowmem_end)
{
	void *p;

	memset(gm, 0, sizeof(*gm));
	if (ram_size == 0 || lowmem_end == 0 || lowmem_end > 4 * GIB)
		return -EINVAL;
	if (ram_size > (1ull << 46)) /* beyond any x86 guest physical address width we use */
		return -E2BIG;
	/* No MAP_NORESERVE: an impossible size is refused now, with a clear error, instead
	 * of the guest being killed by the OOM killer later. */
	p = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	madvise(p, ram_size, MADV_DONTDUMP);
	gm->mapping = p;
	gm->mapping_size = ram_size;
	gm->ram_size = ram_size;

	gm->region[0].gpa = 0;
	gm->region[0].hva = p;
	gm->region[0].size = ram_size < lowmem_end ? ram_size : lowmem_end;
	gm->nr_regions = 1;
	if (ram_size > lowmem_end) {
		gm->region[1].gpa = 4 * GIB;
		gm->region[1].hva = (uint8_t *)p + lowmem_end;
		gm->region[1].size = ram_size - lowmem_end;
		gm->nr_regions = 2;
	}
	return 0;
}

void gm_destroy(struct guest_mem *gm)
{
	if (gm->mapping)
		munmap(gm->mapping, gm->mapping_size);
	memset(gm, 0, sizeof(*gm));
}

static const struct gm_region *gm_find(const struct guest_mem *gm, uint64_t gpa)
{
	for (unsigned i = 0; i < gm->nr_regions; i++) {
		const struct gm_region *r = &gm->region[i];
		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	const struct gm_region *r = gm_find(gm, gpa);
	uint64_t off;

	if (!r)
		return NULL;
	if (len == 0)
		len = 1;
	off = gpa - r->gpa;
	/* off < size, so size - off cannot underflow; this form cannot overflow. */
	if (len > r->size - off)
		return NULL;
	return r->hva + off;
}

bool gm_is_ram(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	while (len) {
		const struct gm_region *r = gm_find(gm, gpa);
		uint64_t chunk;

		if (!r)
			return false;
		chunk = r->size - (gpa - r->gpa);
		if (chunk >= len)
			return true;
		len -= chunk;
		gpa += chunk;
	}
	return true;
}

static int gm_copy(const struct guest_mem *gm, uint64_t gpa, void *buf, size_t len, bool write,
		   const int *fill)
{
	uint8_t *b = buf;

	if (!gm_is_ram(gm, gpa, len))
		return -EFAULT;
	while (len) {
		const struct gm_region *r = gm_find(gm, gpa);
		uint64_t off = gpa - r->gpa;
		size_t chunk = r->size - off < len ? (size_t)(r->size - off) : len;

		if (fill)
			memset(r->hva + off, *fill, chunk);
		else if (write)
			memcpy(r->hva + off, b, chunk);
		else
			memcpy(b, r->hva + off, chunk);
		if (b)
			b += chunk;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

int gm_read(const struct guest_mem *gm, uint64_t gpa, void *dst, size_t len)
{
	return gm_copy(gm, gpa, dst, len, false, NULL);
}

int gm_write(const struct guest_mem *gm, uint64_t gpa, const void *src, size_t len)
{
	return gm_copy(gm, gpa, (void *)src, len, true, NULL);
}

int gm_memset(const struct guest_mem *gm, uint64_t gpa, int c, size_t len)
{
	return gm_copy(gm, gpa, NULL, len, true, &c);
}

uint64_t gm_lowmem_top(const struct guest_mem *gm)
{
	return gm->region[0].gpa + gm->region[0].size;
}

int gm_resident_bytes(const struct guest_mem *gm, uint64_t *bytes)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), pages = (gm->mapping_size + page - 1) / page;
	unsigned char *vec;
	uint64_t n = 0;

	*bytes = 0;
	if (!gm->mapping)
		return 0;
	vec = malloc(pages);
	if (!vec)
		return -ENOMEM;
	if (mincore(gm->mapping, gm->mapping_size, vec) < 0) {
		int ret = -errno;
		free(vec);
		return ret;
	}
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	free(vec);
	*bytes = n * page;
	return 0;
}
