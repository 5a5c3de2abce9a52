/* SPDX-License-Identifier: GPL-2.0-only */
#include "irq/msix.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool bit_test(const uint64_t *map, unsigned n)
{
	return map[n / 64] >> (n % 64) & 1;
}

static void bit_set(uint64_t *map, unsigned n, bool v)
{
	if (v)
		map[n / 64] |= 1ull << (n % 64);
	else
		map[n / 64] &= ~(1ull << (n % 64));
}

static unsigned words(unsigned nr)
{
	return (nr + 63) / 64;
}

int msix_init(struct msix *m, const char *name, unsigned nr, uint8_t table_bir,
	      uint32_t table_off, uint8_t pba_bir, uint32_t pba_off,
	      const struct msix_ops *ops, void *opaque)
{
	memset(m, 0, sizeof(*m));
	if (nr < 1 || nr > MSIX_MAX_VECTORS || table_bir > 5 || pba_bir > 5 || (table_off & 7) ||
	    (pba_off & 7))
		return -EINVAL;
	if (table_bir == pba_bir) {
		uint64_t t0 = table_off, t1 = t0 + nr * MSIX_ENTRY_SIZE;
		uint64_t p0 = pba_off, p1 = p0 + words(nr) * 8;
		if (t0 < p1 && p0 < t1)
			return -EINVAL;
	}
	m->name = name ? name : "msix";
	m->nr = nr;
	m->table_bir = table_bir;
	m->pba_bir = pba_bir;
	m->table_off = table_off;
	m->pba_off = pba_off;
	m->ops = ops;
	m->opaque = opaque;
	m->rl = (struct ratelimit)RATELIMIT_INIT;
	m->table = calloc(nr, sizeof(*m->table));
	m->pba = calloc(words(nr), sizeof(uint64_t));
	m->host_mask = calloc(words(nr), sizeof(uint64_t));
	m->scratch = calloc(words(nr), sizeof(uint64_t));
	if (!m->table || !m->pba || !m->host_mask || !m->scratch) {
		msix_destroy(m);
		return -ENOMEM;
	}
	for (unsigned v = 0; v < nr; v++)
		m->table[v].ctrl = MSIX_VCTRL_MASK;
	return 0;
}

void msix_destroy(struct msix *m)
{
	free(m->table);
	free(m->pba);
	free(m->host_mask);
	free(m->scratch);
	m->table = NULL;
	m->pba = m->host_mask = m->scratch = NULL;
	m->nr = 0;
}

static bool function_masked(bool enabled, bool fmask)
{
	return !enabled || fmask;
}

bool msix_masked(const struct msix *m, unsigned v)
{
	return function_masked(m->enabled, m->fmask) || (m->table[v].ctrl & MSIX_VCTRL_MASK) ||
	       bit_test(m->host_mask, v);
}

bool msix_pending(const struct msix *m, unsigned v)
{
	return v < m->nr && bit_test(m->pba, v);
}

struct msi_msg msix_message(const struct msix *m, unsigned v)
{
	const struct msix_entry *e = &m->table[v];

	return (struct msi_msg){ .addr = (uint64_t)e->addr_hi << 32 | e->addr_lo, .data = e->data };
}

/* The effective mask of `v` went from `was` to its current value: tell the delivery
 * layer, and on unmask queue the pending delivery for after sync(). */
static bool mask_transition(struct msix *m, unsigned v, bool was)
{
	bool now = msix_masked(m, v);
	bool fired = false;

	if (now == was)
		return false;
	if (m->ops && m->ops->mask)
		fired = m->ops->mask(m->opaque, v, now);
	if (!now && (fired || bit_test(m->pba, v))) {
		bit_set(m->pba, v, false);
		bit_set(m->scratch, v, true);
	}
	return true;
}

/* sync(), then deliver what mask_transition() queued, each exactly once. */
static void finish(struct msix *m, bool changed)
{
	if (!changed)
		return;
	if (m->ops && m->ops->sync)
		m->ops->sync(m->opaque);
	for (unsigned w = 0; w < words(m->nr); w++) {
		while (m->scratch[w]) {
			unsigned v = w * 64 + (unsigned)__builtin_ctzll(m->scratch[w]);
			struct msi_msg msg = msix_message(m, v);

			m->scratch[w] &= m->scratch[w] - 1;
			if (m->ops && m->ops->deliver)
				m->ops->deliver(m->opaque, v, &msg);
		}
	}
}

static void set_function_state(struct msix *m, bool enabled, bool fmask)
{
	bool was_fn = function_masked(m->enabled, m->fmask);
	bool changed = false;

	m->enabled = enabled;
	m->fmask = fmask;
	if (was_fn == function_masked(enabled, fmask))
		return;
	for (unsigned v = 0; v < m->nr; v++) {
		/* Vectors masked on their own are unaffected by the function state. */
		if ((m->table[v].ctrl & MSIX_VCTRL_MASK) || bit_test(m->host_mask, v))
			continue;
		changed |= mask_transition(m, v, was_fn);
	}
	finish(m, changed);
}

void msix_reset(struct msix *m)
{
	bool changed = false;

	/* Mask everything first (so the delivery layer detaches), then clear the rest. */
	set_function_state(m, false, false);
	memset(m->host_mask, 0, words(m->nr) * sizeof(uint64_t));
	memset(m->pba, 0, words(m->nr) * sizeof(uint64_t));
	for (unsigned v = 0; v < m->nr; v++) {
		struct msix_entry *e = &m->table[v];
		bool retarget = e->addr_lo || e->addr_hi || e->data;

		*e = (struct msix_entry){ .ctrl = MSIX_VCTRL_MASK };
		if (retarget && m->ops && m->ops->retarget) {
			struct msi_msg msg = { 0, 0 };
			m->ops->retarget(m->opaque, v, &msg);
			changed = true;
		}
	}
	finish(m, changed);
}

uint16_t msix_control(const struct msix *m)
{
	return (uint16_t)((m->nr - 1) | (m->fmask ? MSIX_CTRL_FMASK : 0) |
			  (m->enabled ? MSIX_CTRL_ENABLE : 0));
}

static void cap_image(const struct msix *m, uint8_t img[MSIX_CAP_SIZE])
{
	uint16_t ctrl = msix_control(m);
	uint32_t table = m->table_off | m->table_bir, pba = m->pba_off | m->pba_bir;

	img[0] = MSIX_CAP_ID;
	img[1] = m->cap_next;
	memcpy(img + MSIX_CAP_CONTROL, &ctrl, 2);
	memcpy(img + MSIX_CAP_TABLE, &table, 4);
	memcpy(img + MSIX_CAP_PBA, &pba, 4);
}

static bool cap_access_ok(struct msix *m, unsigned off, unsigned size, bool write)
{
	if ((size == 1 || size == 2 || size == 4) && off < MSIX_CAP_SIZE &&
	    size <= MSIX_CAP_SIZE - off)
		return true;
	m->bad_accesses++;
	log_guest(&m->rl, "%s: MSI-X capability %s of size %u at offset %u ignored", m->name,
		  write ? "write" : "read", size, off);
	return false;
}

uint32_t msix_cap_read(struct msix *m, unsigned off, unsigned size)
{
	uint8_t img[MSIX_CAP_SIZE];
	uint32_t v = 0;

	if (!cap_access_ok(m, off, size, false))
		return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
	cap_image(m, img);
	memcpy(&v, img + off, size);
	return v;
}

void msix_cap_write(struct msix *m, unsigned off, unsigned size, uint32_t val)
{
	/* Message Control's high byte is at offset 3: bit 6 = function mask, 7 = enable. */
	uint8_t hi;

	if (!cap_access_ok(m, off, size, true))
		return;
	if (off > 3 || off + size <= 3)
		return; /* read-only bytes */
	hi = (uint8_t)(val >> ((3 - off) * 8));
	set_function_state(m, hi & (MSIX_CTRL_ENABLE >> 8), hi & (MSIX_CTRL_FMASK >> 8));
}

static bool bar_access_ok(struct msix *m, const char *what, uint64_t off, unsigned size,
			  uint64_t len, bool write)
{
	if ((size == 4 || size == 8) && !(off & (size - 1)) && off < len && size <= len - off)
		return true;
	m->bad_accesses++;
	log_guest(&m->rl, "%s: MSI-X %s %s of size %u at offset 0x%llx ignored", m->name, what,
		  write ? "write" : "read", size, (unsigned long long)off);
	return false;
}

static uint64_t all_ones(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static uint32_t entry_dword(const struct msix_entry *e, unsigned field)
{
	switch (field) {
	case MSIX_ENTRY_ADDR_LO: return e->addr_lo;
	case MSIX_ENTRY_ADDR_HI: return e->addr_hi;
	case MSIX_ENTRY_DATA: return e->data;
	default: return e->ctrl & MSIX_VCTRL_MASK;
	}
}

uint64_t msix_table_read(struct msix *m, uint64_t off, unsigned size)
{
	const struct msix_entry *e;
	unsigned field;
	uint64_t v;

	if (!bar_access_ok(m, "table", off, size, msix_table_size(m), false))
		return all_ones(size);
	e = &m->table[off / MSIX_ENTRY_SIZE];
	field = off % MSIX_ENTRY_SIZE;
	v = entry_dword(e, field);
	if (size == 8)
		v |= (uint64_t)entry_dword(e, field + 4) << 32;
	return v;
}

void msix_table_write(struct msix *m, uint64_t off, unsigned size, uint64_t val)
{
	unsigned v, field;
	struct msix_entry *e, old;
	bool was, changed = false;

	if (!bar_access_ok(m, "table", off, size, msix_table_size(m), true))
		return;
	v = (unsigned)(off / MSIX_ENTRY_SIZE);
	e = &m->table[v];
	old = *e;
	was = msix_masked(m, v);
	field = off % MSIX_ENTRY_SIZE;
	for (unsigned i = 0; i < size / 4; i++, field += 4, val >>= 32) {
		uint32_t d = (uint32_t)val;
		switch (field) {
		case MSIX_ENTRY_ADDR_LO: e->addr_lo = d; break;
		case MSIX_ENTRY_ADDR_HI: e->addr_hi = d; break;
		case MSIX_ENTRY_DATA: e->data = d; break;
		default: e->ctrl = d & MSIX_VCTRL_MASK; break;
		}
	}
	/* Address and data first, so a pending interrupt released by this same write
	 * goes to the new destination. */
	if (e->addr_lo != old.addr_lo || e->addr_hi != old.addr_hi || e->data != old.data) {
		struct msi_msg msg = msix_message(m, v);
		if (m->ops && m->ops->retarget)
			m->ops->retarget(m->opaque, v, &msg);
		changed = true;
	}
	changed |= mask_transition(m, v, was);
	finish(m, changed);
}

uint64_t msix_pba_read(struct msix *m, uint64_t off, unsigned size)
{
	uint64_t q;

	if (!bar_access_ok(m, "PBA", off, size, msix_pba_size(m), false))
		return all_ones(size);
	q = m->pba[off / 8];
	return size == 8 ? q : (uint32_t)(q >> (off % 8 * 8));
}

void msix_pba_write(struct msix *m, uint64_t off, unsigned size, uint64_t val)
{
	(void)val;
	/* The Pending Bits are read-only: software never writes them. */
	if (bar_access_ok(m, "PBA", off, size, msix_pba_size(m), true)) {
		m->bad_accesses++;
		log_guest(&m->rl, "%s: MSI-X PBA write at offset 0x%llx ignored (read-only)",
			  m->name, (unsigned long long)off);
	}
}

int msix_notify(struct msix *m, unsigned vector)
{
	struct msi_msg msg;

	if (vector >= m->nr)
		return -EINVAL;
	if (msix_masked(m, vector)) {
		bit_set(m->pba, vector, true);
		return 0;
	}
	msg = msix_message(m, vector);
	if (m->ops && m->ops->deliver)
		m->ops->deliver(m->opaque, vector, &msg);
	return 1;
}

int msix_set_host_mask(struct msix *m, unsigned vector, bool masked)
{
	bool was;

	if (vector >= m->nr)
		return -EINVAL;
	was = msix_masked(m, vector);
	bit_set(m->host_mask, vector, masked);
	finish(m, mask_transition(m, vector, was));
	return 0;
}
