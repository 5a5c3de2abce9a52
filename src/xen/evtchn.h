/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The event-channel port engine: Xen's EVTCHNOP_* on one domain's port table, 2-level
 * ABI only.  Pure logic: it never touches KVM.  Pending/mask bits live in guest memory
 * and are reached through `struct evtchn_shared_ops` (host pointers to the live
 * shared_info and vcpu_info, and the "upcall edge fired" callback), so unit tests drive
 * it over a fake and xkvm over the real guest pages (xen/shinfo.c).
 *
 * Rules (docs/xen.md has the table with Xen's and QEMU's behaviour side by side):
 *  - Ports are allocated lowest-free from 1; port 0 is reserved and never bound.  The
 *    2-level limit is 4096 ports for a 64-bit guest and 1024 for a 32-bit one.
 *  - Guest-visible results are 0 or a negative Xen errno (XEN_Exxx, <xen/errno.h>).
 *  - VIRQs: per-vCPU VIRQs (TIMER, DEBUG, XENOPROF, XENPMU) bind on any present vCPU,
 *    once per vCPU; every other VIRQ is global: bound on vCPU 0 (then movable with
 *    bind_vcpu), once per domain.
 *  - A vCPU that is not present gets -ENOENT from every op naming it.  A port that
 *    picks its own vCPU (new unbound/interdomain ports, ports moved off an unplugged
 *    vCPU) gets vCPU 0, or the lowest present vCPU while vCPU 0 is unplugged.
 *  - The engine serialises itself with one mutex; the callbacks in evtchn_shared_ops are
 *    called with it held and must not call back into the engine.
 */
#ifndef XKVM_XEN_EVTCHN_H
#define XKVM_XEN_EVTCHN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "xen/abi.h"
#include "xen/evtchn_2l.h"

#define EVTCHN_MAX_PORTS 4096u     /* 2-level, 64-bit guest */
#define EVTCHN_MAX_PORTS_32 1024u  /* 2-level, 32-bit guest */

struct evtchn_shared_ops {
	/* Host pointer to the shared_info page, or NULL while the guest has not placed it. */
	void *(*shared_info)(void *opaque);
	/* Host pointer to vCPU `vcpu`'s vcpu_info, or NULL when it has none. */
	void *(*vcpu_info)(void *opaque, unsigned vcpu);
	/* evtchn_upcall_pending of `vcpu` went 0 -> 1: inject the upcall. */
	void (*upcall)(void *opaque, unsigned vcpu);
	/* Port `port` (notifying `vcpu`) went pending 0 -> 1, masked or not: wake a vCPU
	 * blocked in SCHEDOP_poll/SCHEDOP_block.  May be NULL. */
	void (*pending)(void *opaque, unsigned vcpu, uint32_t port);
	/* The guest sent on `port`, whose other end is one of xkvm's back-ends
	 * (evtchn_bind_backend).  May be NULL. */
	void (*backend_notify)(void *opaque, uint32_t port);
};

/* One port.  `type` is Xen's EVTCHNSTAT_* value.  An interdomain port whose remote_dom
 * is the back-end domain (0) is connected to one of xkvm's own back-ends (the PV
 * console): `peer` is then the back-end's port number, not one of ours. */
struct evtchn_port {
	uint8_t type;
	uint32_t vcpu;        /* the vCPU notified */
	uint32_t virq;        /* EVTCHNSTAT_virq */
	uint32_t peer;        /* EVTCHNSTAT_interdomain: the other end (loopback) */
	uint16_t remote_dom;  /* EVTCHNSTAT_unbound: who may bind; interdomain: the peer */
};

/* Counters for tests, QMP and traces. */
struct evtchn_stats {
	uint64_t sends, upcalls, masked, coalesced, lost_no_shinfo, lost_no_vcpu_info;
	uint64_t backend_notifies;
};

struct evtchn_state {
	pthread_mutex_t lock;
	uint16_t domid;            /* what DOMID_SELF means, and the loopback peer */
	uint16_t backend_domid;    /* a domain xkvm's own back-ends stand for (alloc_unbound) */
	unsigned max_vcpus;        /* vCPU ids are 0 .. max_vcpus-1 */
	const struct evtchn_2l_layout *layout; /* 64-bit or 32-bit guest */
	unsigned nr_ports;         /* highest bound port + 1 (0 when none) */
	struct evtchn_port port[EVTCHN_MAX_PORTS];
	uint16_t *virq_port;       /* [max_vcpus][NR_VIRQS]; global VIRQs use row 0 */
	bool *present;             /* [max_vcpus] */
	const struct evtchn_shared_ops *ops;
	void *opaque;
	struct evtchn_stats stats;
};

/* Host side.  Return 0 or a negative host errno. */
int evtchn_init(struct evtchn_state *e, unsigned max_vcpus, uint16_t domid,
		const struct evtchn_shared_ops *ops, void *opaque);
void evtchn_destroy(struct evtchn_state *e);

/* Choose the 2-level layout (the guest's word size, latched when it writes the hypercall
 * MSR).  Ports at or above the new limit stay bound but can no longer be signalled. */
void evtchn_set_long_mode(struct evtchn_state *e, bool long_mode);
unsigned evtchn_port_limit(struct evtchn_state *e);

/* vCPU hot-plug.  Adding makes the vCPU a valid target.  Removing closes the bindings
 * that the ABI pins to that vCPU (its per-vCPU VIRQs and its IPIs, which "cannot be
 * changed") and moves every other port it was notified for back to vCPU 0 ("all other
 * channels notify vcpu0 by default"), or to the lowest present vCPU when vCPU 0 itself
 * is gone.  Returns the number of ports closed (>= 0) or -EINVAL / -ENOENT. */
int evtchn_vcpu_add(struct evtchn_state *e, unsigned vcpu);
int evtchn_vcpu_remove(struct evtchn_state *e, unsigned vcpu);
bool evtchn_vcpu_present(struct evtchn_state *e, unsigned vcpu);

/* Guest ABI: EVTCHNOP_*.  The struct is the hypercall argument, already copied in; OUT
 * fields are filled on success.  Return 0 or -XEN_Exxx. */
int evtchn_alloc_unbound(struct evtchn_state *e, struct evtchn_alloc_unbound *a);
int evtchn_bind_interdomain(struct evtchn_state *e, struct evtchn_bind_interdomain *b);
int evtchn_bind_virq(struct evtchn_state *e, struct evtchn_bind_virq *b);
int evtchn_bind_ipi(struct evtchn_state *e, struct evtchn_bind_ipi *b);
int evtchn_close(struct evtchn_state *e, uint32_t port);
int evtchn_send(struct evtchn_state *e, uint32_t port);
int evtchn_status(struct evtchn_state *e, struct evtchn_status *s);
int evtchn_bind_vcpu(struct evtchn_state *e, uint32_t port, uint32_t vcpu);
int evtchn_unmask(struct evtchn_state *e, uint32_t port);
int evtchn_reset(struct evtchn_state *e, uint16_t dom);

/* Hold off delivery (e.g. while shared_info moves, so no event is set into the old
 * page after it was copied).  No other engine call may be made in between. */
void evtchn_lock(struct evtchn_state *e);
void evtchn_unlock(struct evtchn_state *e);

/* Host side: close every port (EVTCHNOP_reset and soft reset). */
void evtchn_close_all(struct evtchn_state *e);

/* Host side, for xkvm's back-ends (the PV console): a guest port connected to the
 * back-end domain, as a toolstack's alloc_unbound + the back-end's bind_interdomain leave
 * it.  `remote_port` is the back-end's own port number (reported by EVTCHNOP_status).
 * The guest's sends reach ops->backend_notify; evtchn_backend_raise() sets the guest's
 * port pending.  Returns the port, or -ENOSPC. */
int evtchn_bind_backend(struct evtchn_state *e, uint32_t remote_port);
/* 0, or -EINVAL when `port` is not connected to a back-end (the guest closed it). */
int evtchn_backend_raise(struct evtchn_state *e, uint32_t port);
/* Host side: close one port whatever it is (a back-end giving up its channel).  0 or
 * -EINVAL when it is closed already. */
int evtchn_host_close(struct evtchn_state *e, uint32_t port);
bool evtchn_is_backend_port(struct evtchn_state *e, uint32_t port);
/* Host side (QMP xen-event-inject): set a bound port pending as if its other end had
 * signalled it.  0, or -EINVAL for a closed or out-of-range port. */
int evtchn_host_raise(struct evtchn_state *e, uint32_t port);

/* Ports that are bound, for QMP and tests (port 0 never is). */
unsigned evtchn_nr_bound(struct evtchn_state *e);

/* Host side: raise a VIRQ as Xen's send_guest_vcpu_virq/send_guest_global_virq do.  A
 * per-vCPU VIRQ goes to its port on `vcpu`; a global one to its port's current vCPU
 * (`vcpu` is ignored).  Returns 0 (delivered or coalesced), -ENOENT when the VIRQ is
 * not bound, -EINVAL for a bad VIRQ or vCPU. */
int evtchn_send_virq(struct evtchn_state *e, unsigned vcpu, unsigned virq);

/* The port bound to `virq` on `vcpu` (row 0 for a global VIRQ), 0 when unbound. */
uint32_t evtchn_virq_port(struct evtchn_state *e, unsigned vcpu, unsigned virq);
bool evtchn_virq_is_per_vcpu(unsigned virq);

/* A copy of one port's binding (closed for out-of-range ports). */
struct evtchn_port evtchn_port_get(struct evtchn_state *e, uint32_t port);

/* Restore a binding verbatim (state load, into an engine with no bindings).  Checks the
 * entry on its own (type, vCPU, VIRQ, range); the caller checks cross-references with
 * evtchn_check().  Returns 0 or -EINVAL / -EEXIST. */
int evtchn_port_restore(struct evtchn_state *e, uint32_t port, const struct evtchn_port *p);

/* Every invariant of the table: VIRQ map <-> ports both ways, loopback pairs point at
 * each other, nr_ports is tight, no binding names an absent vCPU... Returns 0, or -EINVAL
 * and writes what is wrong into `why`. */
int evtchn_check(struct evtchn_state *e, char *why, size_t whylen);

#endif
