/* SPDX-License-Identifier: GPL-2.0-only */
#include "irq/gsi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int gsi_alloc_init(struct gsi_alloc *g, unsigned first, unsigned limit)
{
	memset(g, 0, sizeof(*g));
	if (first >= limit)
		return -EINVAL;
	g->map = calloc((limit - first + 63) / 64, sizeof(uint64_t));
	if (!g->map)
		return -ENOMEM;
	g->first = first;
	g->limit = limit;
	g->hint = first;
	return 0;
}

void gsi_alloc_destroy(struct gsi_alloc *g)
{
	free(g->map);
	memset(g, 0, sizeof(*g));
}

int gsi_alloc(struct gsi_alloc *g)
{
	unsigned n = g->limit - g->first;

	for (unsigned i = g->hint - g->first; i < n;) {
		uint64_t w = g->map[i / 64] | ((1ull << (i % 64)) - 1); /* ignore bits below i */
		unsigned bit;

		if (w == ~0ull) {
			i = (i / 64 + 1) * 64;
			continue;
		}
		bit = (unsigned)__builtin_ctzll(~w);
		i = i / 64 * 64 + bit;
		if (i >= n)
			break;
		g->map[i / 64] |= 1ull << bit;
		g->used++;
		g->hint = g->first + i + 1;
		return (int)(g->first + i);
	}
	g->hint = g->limit;
	return -ENOSPC;
}

int gsi_is_allocated(const struct gsi_alloc *g, unsigned gsi)
{
	unsigned i;

	if (gsi < g->first || gsi >= g->limit)
		return 0;
	i = gsi - g->first;
	return g->map[i / 64] >> (i % 64) & 1;
}

int gsi_free(struct gsi_alloc *g, unsigned gsi)
{
	unsigned i;

	if (!gsi_is_allocated(g, gsi))
		return -EINVAL;
	i = gsi - g->first;
	g->map[i / 64] &= ~(1ull << (i % 64));
	g->used--;
	if (gsi < g->hint)
		g->hint = gsi;
	return 0;
}
