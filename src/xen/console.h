/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV console ring (struct xencons_interface, <xen/io/console.h>): what xenconsoled
 * does for a guest's hvc0, on one page of guest memory shared with running vCPUs.
 *
 *   out[2048]  guest -> xkvm; the guest advances out_prod, xkvm out_cons
 *   in[1024]   xkvm -> guest; xkvm advances in_prod, the guest in_cons
 *
 * Indices are free-running 32-bit counters; a ring holds prod - cons bytes.  Indices
 * come from the guest and are not trusted: a ring claiming more bytes than it holds is
 * reset (its contents dropped, as xenconsoled drops a corrupt ring) and counted.  Every
 * index is read once (acquire) and written once (release).  Pure.
 */
#ifndef XKVM_XEN_CONSOLE_H
#define XKVM_XEN_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xen/abi.h"
#include <xen/io/console.h>

struct xen_console_stats {
	uint64_t out_bytes, in_bytes, corrupt;
};

/* Give the guest's output to `sink` (which returns how many bytes it took; fewer means
 * "no room now").  Returns the bytes consumed from the ring. */
size_t xen_console_drain(struct xencons_interface *ring,
			 size_t (*sink)(void *opaque, const char *buf, size_t len), void *opaque,
			 struct xen_console_stats *st);

/* Room in the input ring. */
size_t xen_console_in_room(const struct xencons_interface *ring, struct xen_console_stats *st);

/* Put input for the guest: returns the bytes taken (at most the room). */
size_t xen_console_fill(struct xencons_interface *ring, const char *buf, size_t len,
			struct xen_console_stats *st);

#endif
