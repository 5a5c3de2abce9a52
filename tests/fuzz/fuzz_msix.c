/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target over the MSI-X access path a guest drives: capability, table and PBA
 * accesses of any size and offset, device notifies, host masks and resets, on a table of
 * 1..130 vectors.  Besides the sanitizers it checks the spec's invariants after every
 * access:
 *   - a vector is delivered only while unmasked, and an unmasked vector never has its
 *     pending bit set;
 *   - every delivery is accounted for: a notify of an unmasked vector, or a pending bit
 *     released by an unmask (exactly once);
 *   - reserved bits read as zero (Vector Control 31:1, PBA bits past the table);
 *   - each message the delivery layer sees survives a decode -> KVM form -> decode round
 *     trip unchanged when it is deliverable.
 * Run by scripts/fuzz.sh (bounded time) from scripts/test.sh.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "irq/msix.h"
#include "util/log.h"

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

struct state {
	struct msix m;
	unsigned deliveries;
};

static void check_msg(const struct msi_msg *msg)
{
	struct msi_format fmt = { .ext_dest_id = msg->data & 1 };
	struct msi_decoded d, d2;
	uint32_t lo, hi, data;

	msi_decode(msg, &fmt, &d);
	if (msi_to_kvm(&d, true, &lo, &hi, &data) != 0) {
		CHECK(!msi_deliverable(&d));
		return;
	}
	CHECK(msi_deliverable(&d));
	/* The KVM form is a clean message: decoding it (x2APIC-API high bits folded back
	 * in) gives the same fields and no reserved-bit complaints. */
	msi_decode(&(struct msi_msg){ .addr = lo, .data = data }, &fmt, &d2);
	d2.dest_id |= hi >> 8 << 8;
	CHECK(d2.errors == 0);
	CHECK(d2.dest_id == d.dest_id && d2.logical == d.logical &&
	      d2.redir_hint == d.redir_hint && d2.dm == d.dm && d2.vector == d.vector &&
	      d2.level_trigger == d.level_trigger && d2.assert == d.assert);
}

static bool on_mask(void *opaque, unsigned v, bool masked)
{
	struct state *s = opaque;
	CHECK(v < s->m.nr);
	CHECK(msix_masked(&s->m, v) == masked);
	return false;
}

static void on_retarget(void *opaque, unsigned v, const struct msi_msg *msg)
{
	struct state *s = opaque;
	CHECK(v < s->m.nr);
	check_msg(msg);
}

static void on_deliver(void *opaque, unsigned v, const struct msi_msg *msg)
{
	struct state *s = opaque;
	CHECK(v < s->m.nr);
	CHECK(!msix_masked(&s->m, v));
	check_msg(msg);
	s->deliveries++;
}

static const struct msix_ops ops = { on_mask, on_retarget, on_deliver, NULL };

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes && in->n; i++, in->n--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

static unsigned size_of(uint8_t b)
{
	static const unsigned sizes[] = { 4, 8, 4, 8, 1, 2, 3, 16 };
	return sizes[b % 8];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct state s;
	unsigned nr;
	bool *was_masked, *was_pending;

	if (size < 1)
		return 0;
	log_set_level(LOG_ERROR); /* the guest warnings are expected here */
	memset(&s, 0, sizeof(s));
	nr = 1 + (unsigned)take(&in, 1) % 130;
	CHECK(msix_init(&s.m, "fuzz", nr, 0, 0, 0, 0x8000, &ops, &s) == 0);
	s.m.rl.burst = 0;
	was_masked = calloc(nr, sizeof(bool));
	was_pending = calloc(nr, sizeof(bool));
	CHECK(was_masked && was_pending);

	while (in.n) {
		uint8_t op = (uint8_t)take(&in, 1);
		unsigned sz = size_of(op >> 4);
		uint64_t off = take(&in, 2), val, r;
		unsigned expected = 0, before = s.deliveries;
		unsigned v = (unsigned)(off % (nr + 2));
		bool notify_hit = false;

		for (unsigned i = 0; i < nr; i++) {
			was_masked[i] = msix_masked(&s.m, i);
			was_pending[i] = msix_pending(&s.m, i);
		}
		switch (op % 9) {
		case 0:
			off %= msix_table_size(&s.m) + 24;
			r = msix_table_read(&s.m, off, sz);
			if ((sz == 4 || sz == 8) && !(off % sz) && off + sz <= msix_table_size(&s.m) &&
			    off % 16 == 12)
				CHECK((r & 0xffffffffu) <= 1); /* Vector Control 31:1 */
			break;
		case 1:
			off %= msix_table_size(&s.m) + 24;
			val = take(&in, 8);
			msix_table_write(&s.m, off, sz, val);
			break;
		case 2:
			off %= msix_pba_size(&s.m) + 16;
			r = msix_pba_read(&s.m, off, sz);
			if ((sz == 4 || sz == 8) && !(off % sz) && off + sz <= msix_pba_size(&s.m)) {
				uint64_t first = off * 8, bits = sz * 8;
				for (uint64_t b = 0; b < bits; b++)
					if (first + b >= nr)
						CHECK(!(r >> b & 1));
			}
			break;
		case 3:
			msix_pba_write(&s.m, off % (msix_pba_size(&s.m) + 16), sz, take(&in, 8));
			break;
		case 4:
			r = msix_cap_read(&s.m, (unsigned)(off % 16), sz);
			if (off % 16 == MSIX_CAP_CONTROL && sz == 2)
				CHECK((r & MSIX_CTRL_SIZE_MASK) == nr - 1);
			break;
		case 5:
			msix_cap_write(&s.m, (unsigned)(off % 16), sz, (uint32_t)take(&in, 4));
			break;
		case 6:
			notify_hit = v < nr && !was_masked[v];
			CHECK(msix_notify(&s.m, v) == (v >= nr ? -22 : notify_hit ? 1 : 0));
			break;
		case 7:
			CHECK(msix_set_host_mask(&s.m, v, off & 0x8000) == (v < nr ? 0 : -22));
			break;
		default:
			msix_reset(&s.m);
			break;
		}
		for (unsigned i = 0; i < nr; i++) {
			bool m = msix_masked(&s.m, i);
			CHECK(m || !msix_pending(&s.m, i));
			expected += was_pending[i] && was_masked[i] && !m;
		}
		expected += notify_hit;
		CHECK(s.deliveries - before == expected);
	}
	free(was_masked);
	free(was_pending);
	msix_destroy(&s.m);
	return 0;
}
