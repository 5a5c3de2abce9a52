/* SPDX-License-Identifier: GPL-2.0-only */
/* Hypercall arguments in guest-virtual memory (see guest_access.h). */
#include "xen/guest_access.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#define CR0_PG (1ull << 31)
#define CR4_LA57 (1ull << 12)

/* A 64-bit address must be canonical (bits 63..47, or 63..56 with LA57, all equal);
 * the page walk alone would silently ignore the upper bits. */
static bool addressable(const struct xen_gva_space *s, uint64_t gva)
{
	unsigned bits;

	if (!s->long_mode)
		return gva <= UINT32_MAX;
	if (!(s->paging.cr0 & CR0_PG))
		return true;
	bits = s->paging.cr4 & CR4_LA57 ? 57 : 48;
	return (uint64_t)((int64_t)(gva << (64 - bits)) >> (64 - bits)) == gva;
}

static int gva_translate(void *opaque, uint64_t gva, uint64_t *gpa)
{
	struct xen_gva_space *s = opaque;

	if (!addressable(s, gva))
		return -EFAULT;
	return x86_gva_to_gpa(s->gm, &s->paging, gva, gpa) ? -EFAULT : 0;
}

/* Walks [gva, gva + len) page by page, copying to or from `buf`. */
static int gva_copy(struct xen_gva_space *s, uint64_t gva, void *buf, size_t len, bool write)
{
	uint8_t *b = buf;

	if (len && gva + len - 1 < gva)
		return -EFAULT;
	while (len) {
		size_t chunk = 4096 - (gva & 0xfff);
		uint64_t gpa;

		if (chunk > len)
			chunk = len;
		if (gva_translate(s, gva, &gpa))
			return -EFAULT;
		if (write ? gm_write(s->gm, gpa, b, chunk) : gm_read(s->gm, gpa, b, chunk))
			return -EFAULT;
		gva += chunk;
		b += chunk;
		len -= chunk;
	}
	return 0;
}

static int gva_read(void *opaque, uint64_t gva, void *buf, size_t len)
{
	return gva_copy(opaque, gva, buf, len, false);
}

static int gva_write(void *opaque, uint64_t gva, const void *buf, size_t len)
{
	return gva_copy(opaque, gva, (void *)buf, len, true);
}

void xen_guest_access_init(struct xen_guest_access *ga, struct xen_gva_space *space)
{
	ga->read = gva_read;
	ga->write = gva_write;
	ga->translate = gva_translate;
	ga->opaque = space;
}
