/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The 2-level event channel delivery rules (Xen's common/event_2l.c), on live guest
 * memory shared with running vCPUs.
 *
 *   shared_info.evtchn_pending[]   one bit per port: "this port has an event"
 *   shared_info.evtchn_mask[]      one bit per port: "do not notify for this port"
 *   vcpu_info.evtchn_pending_sel   one bit per pending word: "look at word N"
 *   vcpu_info.evtchn_upcall_pending  "this vCPU has something to look at"
 *
 * Setting a port pending goes down that list, each step an atomic test-and-set, and
 * stops at the first step that was already set (or at a mask bit): only the vCPU whose
 * evtchn_upcall_pending went 0 -> 1 needs an upcall injected.  The guest clears the
 * bits the other way round (upcall_pending, then an exchange of pending_sel, then the
 * pending words), so no event is lost and none is notified twice.
 *
 * The functions take host pointers to the shared_info page and to the vCPU's vcpu_info
 * (see xen/shinfo.h for where those come from, and the unit tests for a fake) plus the
 * layout, which depends on whether the guest is 64-bit (64-bit words, 4096 ports) or
 * 32-bit (32-bit words, 1024 ports).  Every access is an atomic operation on the
 * mapping, with sequentially consistent ordering.
 */
#ifndef XKVM_XEN_EVTCHN_2L_H
#define XKVM_XEN_EVTCHN_2L_H

#include <stdbool.h>
#include <stddef.h>

struct evtchn_2l_layout {
	unsigned word_bits;  /* 64 or 32 */
	unsigned nr_ports;   /* word_bits * word_bits */
	size_t pending_off;  /* shared_info.evtchn_pending */
	size_t mask_off;     /* shared_info.evtchn_mask */
	size_t sel_off;      /* vcpu_info.evtchn_pending_sel */
	size_t upcall_off;   /* vcpu_info.evtchn_upcall_pending */
};

extern const struct evtchn_2l_layout evtchn_2l_layout_64;
extern const struct evtchn_2l_layout evtchn_2l_layout_32;

/* What a delivery step found.  Only EVTCHN_2L_UPCALL_EDGE asks for an injection. */
enum evtchn_2l_outcome {
	EVTCHN_2L_NOTHING,         /* set_pending: already pending.  unmask/raise: the port
				    * was not masked (unmask) or is not pending. */
	EVTCHN_2L_MASKED,          /* pending, but masked: no notification */
	EVTCHN_2L_NO_VCPU_INFO,    /* pending and unmasked, but the vCPU has no vcpu_info */
	EVTCHN_2L_SEL_WAS_SET,     /* the word was already flagged for this vCPU */
	EVTCHN_2L_UPCALL_WAS_SET,  /* evtchn_upcall_pending was already 1 */
	EVTCHN_2L_UPCALL_EDGE,     /* evtchn_upcall_pending went 0 -> 1: inject the upcall */
	EVTCHN_2L_NO_SHARED_INFO,  /* the guest has not placed shared_info: nothing recorded */
};

const char *evtchn_2l_outcome_name(enum evtchn_2l_outcome o);

/* Mark `port` pending and notify `vcpu_info` (which may be NULL).  `port` must be below
 * l->nr_ports (the caller checked). */
enum evtchn_2l_outcome evtchn_2l_set_pending(const struct evtchn_2l_layout *l, void *shinfo,
					     void *vcpu_info, unsigned port);

/* EVTCHNOP_unmask: clear the mask bit; if it was set and the port is pending, notify. */
enum evtchn_2l_outcome evtchn_2l_unmask(const struct evtchn_2l_layout *l, void *shinfo,
					void *vcpu_info, unsigned port);

/* Notify `vcpu_info` of a port that is already pending and not masked, without touching
 * the mask (a port moved to another vCPU, or a vCPU that just got a vcpu_info). */
enum evtchn_2l_outcome evtchn_2l_raise(const struct evtchn_2l_layout *l, void *shinfo,
				       void *vcpu_info, unsigned port);

/* Flag every word in pending_sel and raise evtchn_upcall_pending, as Xen does when a
 * vcpu_info is (re)placed, so nothing pending is lost; the guest gets a spurious scan.
 * Returns EVTCHN_2L_UPCALL_EDGE or EVTCHN_2L_UPCALL_WAS_SET. */
enum evtchn_2l_outcome evtchn_2l_kick(const struct evtchn_2l_layout *l, void *vcpu_info);

void evtchn_2l_clear_pending(const struct evtchn_2l_layout *l, void *shinfo, unsigned port);
bool evtchn_2l_is_pending(const struct evtchn_2l_layout *l, const void *shinfo, unsigned port);
bool evtchn_2l_is_masked(const struct evtchn_2l_layout *l, const void *shinfo, unsigned port);
bool evtchn_2l_upcall_pending(const struct evtchn_2l_layout *l, const void *vcpu_info);

#endif
