/* SPDX-License-Identifier: GPL-2.0-only */
/* The PV console ring, xkvm's end (see console.h). */
#include "xen/console.h"

#define OUT_SIZE sizeof(((struct xencons_interface *)0)->out)
#define IN_SIZE sizeof(((struct xencons_interface *)0)->in)

_Static_assert((OUT_SIZE & (OUT_SIZE - 1)) == 0 && (IN_SIZE & (IN_SIZE - 1)) == 0,
	       "ring sizes are powers of two");

size_t xen_console_drain(struct xencons_interface *ring,
			 size_t (*sink)(void *opaque, const char *buf, size_t len), void *opaque,
			 struct xen_console_stats *st)
{
	XENCONS_RING_IDX cons = __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX prod = __atomic_load_n(&ring->out_prod, __ATOMIC_ACQUIRE);
	size_t done = 0;

	if ((XENCONS_RING_IDX)(prod - cons) > OUT_SIZE) {
		/* The guest's indices make no sense: drop what it claims to have written. */
		st->corrupt++;
		__atomic_store_n(&ring->out_cons, prod, __ATOMIC_RELEASE);
		return 0;
	}
	while (cons != prod) {
		size_t off = MASK_XENCONS_IDX(cons, ring->out);
		size_t n = (XENCONS_RING_IDX)(prod - cons), took;
		char chunk[OUT_SIZE];

		if (n > OUT_SIZE - off)
			n = OUT_SIZE - off;
		/* A private copy: the guest may rewrite the ring while the sink reads. */
		for (size_t i = 0; i < n; i++)
			chunk[i] = __atomic_load_n(&ring->out[off + i], __ATOMIC_RELAXED);
		took = sink(opaque, chunk, n);
		if (took > n)
			took = n;
		cons += (XENCONS_RING_IDX)took;
		done += took;
		if (took < n)
			break;
	}
	__atomic_store_n(&ring->out_cons, cons, __ATOMIC_RELEASE);
	st->out_bytes += done;
	return done;
}

size_t xen_console_in_room(const struct xencons_interface *ring, struct xen_console_stats *st)
{
	XENCONS_RING_IDX cons = __atomic_load_n(&ring->in_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX prod = __atomic_load_n(&ring->in_prod, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX used = prod - cons;

	if (used > IN_SIZE) {
		st->corrupt++;
		return 0; /* xen_console_fill resets it */
	}
	return IN_SIZE - used;
}

size_t xen_console_fill(struct xencons_interface *ring, const char *buf, size_t len,
			struct xen_console_stats *st)
{
	XENCONS_RING_IDX cons = __atomic_load_n(&ring->in_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX prod = __atomic_load_n(&ring->in_prod, __ATOMIC_RELAXED);
	size_t room, n;

	if ((XENCONS_RING_IDX)(prod - cons) > IN_SIZE) {
		/* Corrupt: start again from the guest's consumer index. */
		st->corrupt++;
		prod = cons;
	}
	room = IN_SIZE - (XENCONS_RING_IDX)(prod - cons);
	n = len < room ? len : room;
	for (size_t i = 0; i < n; i++)
		__atomic_store_n(&ring->in[MASK_XENCONS_IDX(prod + i, ring->in)], buf[i],
				 __ATOMIC_RELAXED);
	__atomic_store_n(&ring->in_prod, prod + (XENCONS_RING_IDX)n, __ATOMIC_RELEASE);
	st->in_bytes += n;
	return n;
}
