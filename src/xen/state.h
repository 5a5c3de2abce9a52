/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Save/restore of the Xen state that lives outside guest RAM (docs/xen.md, "State"):
 * where shared_info and each vcpu_info/time/runstate area are, the upcall vectors and
 * callback parameter, the HVM parameters, the port table, the per-vCPU VIRQ map, the
 * singleshot timer deadlines and the guest's word size.  Pending and mask bits are in
 * guest RAM and travel with it.
 *
 * The blob is versioned and self-describing: a header, then tagged, length-prefixed,
 * little-endian records, then an END record whose payload is the CRC-32 (IEEE) of every
 * byte before that payload.
 *
 *   header   "XKVM-XEN" | u16 major | u16 minor | u32 total length
 *   record   u16 tag | u16 flags | u32 payload length | payload
 *   END      u16 0xffff | u16 flags | u32 4 | u32 CRC-32
 *
 * docs/xen.md lists every record's fields. *
 * A reader accepts its own major version and any minor: it skips records it does not
 * know unless they carry XEN_STATE_F_CRITICAL, and ignores bytes past the fields it
 * knows at the end of a known record.  Anything else (another magic, another major, a
 * length or CRC that does not match, a truncated record, a value out of range, a table
 * that contradicts itself) is refused with a message, and leaves the target untouched.
 */
#ifndef XKVM_XEN_STATE_H
#define XKVM_XEN_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "xen/domain.h"

#define XEN_STATE_MAGIC "XKVM-XEN"
#define XEN_STATE_MAJOR 1
#define XEN_STATE_MINOR 1

enum xen_state_tag {
	XEN_STATE_DOMAIN = 1, /* once: domid, Xen version, max vCPUs, word size, shared_info,
			       * callback parameter */
	XEN_STATE_PARAM = 2,  /* an HVM parameter with a non-zero value */
	XEN_STATE_VCPU = 3,   /* a vCPU: present, areas, upcall vector, timer deadline */
	XEN_STATE_PORT = 4,   /* a bound port */
	XEN_STATE_VIRQ = 5,   /* a VIRQ binding (vCPU, VIRQ) -> port; checked against PORT */
	XEN_STATE_CLOCK = 6,  /* v1.1, optional: Xen system time when the blob was written */
	XEN_STATE_END = 0xffff,
};

#define XEN_STATE_F_CRITICAL 0x0001 /* a reader that does not know the tag must refuse */

/* Serialise `x` (vCPUs paused).  *blob is malloc'd.  0 or -ENOMEM. */
int xen_state_save(struct xen_domain *x, uint8_t **blob, size_t *len);

/* Load into `x`, freshly initialised with the same domid and Xen version and at least as
 * many vCPUs, and not yet used: no port bound, no shared_info.  0, or -EINVAL (the blob
 * is refused; `err` says why) / -EBUSY (x is in use); on failure x is left unused. */
int xen_state_load(struct xen_domain *x, const uint8_t *blob, size_t len, char *err,
		   size_t errlen);

uint32_t xen_state_crc32(const void *buf, size_t len);

/* The Xen system time the blob was saved at (its CLOCK record), for a loader that must
 * continue the guest's clock before the deadlines in it mean anything.  0, -ENOENT (a
 * v1.0 blob has no CLOCK record), or -EINVAL (the blob is refused; `err` says why). */
int xen_state_clock(const uint8_t *blob, size_t len, uint64_t *ns, char *err, size_t errlen);

#endif
