/* SPDX-License-Identifier: GPL-2.0-only */
/* Hypercall arguments in guest-virtual memory (see guest_access.h). */
#include "xen/guest_access.h"

#include <errno.h>
#include <stdint.h>

static int gva_translate(void *opaque, uint64_t gva, uint64_t *gpa)
{
	struct xen_gva_space *s = opaque;

	if (!s->long_mode && gva > UINT32_MAX)
		return -EFAULT;
	return x86_gva_to_gpa(s->gm, &s->paging, gva, gpa) ? -EFAULT : 0;
}

/* Walks [gva, gva + len) page by page, copying to or from `buf`. */
static int gva_copy(struct xen_gva_space *s, uint64_t gva, void *buf, size_t len, bool write)
{
	uint8_t *b = buf;

	if (len && (gva + len - 1 < gva || (!s->long_mode && gva + len - 1 > UINT32_MAX)))
		return -EFAULT;
	while (len) {
		size_t chunk = 4096 - (gva & 0xfff);
		uint64_t gpa;

		if (chunk > len)
			chunk = len;
		if (x86_gva_to_gpa(s->gm, &s->paging, gva, &gpa))
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
