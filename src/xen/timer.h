/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen singleshot timers, one per vCPU: the bookkeeping only.  Deadlines are absolute Xen
 * system time in ns (what vcpu_time_info describes: the guest's kvmclock).  The clock,
 * the host timer that wakes us, and the firing (VIRQ_TIMER) are callbacks, so tests run
 * on a fake clock and xkvm on KVM_GET_CLOCK + a timerfd.
 *
 * Rules (Xen's common/domain.c VCPUOP_*_singleshot_timer and do_set_timer_op):
 *  - set: a deadline at or before "now" fires at once; otherwise the timer is armed and
 *    fires once, when the host timer reports it expired at or after the deadline.
 *  - set again replaces the deadline; stop cancels it; firing disarms it.
 *  - set_timer_op(0) stops; a deadline that wrapped negative or lies more than 2^50 ns
 *    (~13 days) ahead is Linux's jiffies wrap and becomes now + 100 ms, as Xen does.
 * Callbacks run with the timer lock held; `fire` may take the event-channel lock (the
 * order is timers -> evtchn), never this one.
 */
#ifndef XKVM_XEN_TIMER_H
#define XKVM_XEN_TIMER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct xen_timer_ops {
	uint64_t (*now)(void *opaque);                               /* Xen system time, ns */
	void (*arm)(void *opaque, unsigned vcpu, uint64_t deadline); /* 0: disarm */
	void (*fire)(void *opaque, unsigned vcpu);                   /* send VIRQ_TIMER */
};

struct xen_timers {
	pthread_mutex_t lock;
	unsigned nr;
	uint64_t *deadline; /* [nr]; 0 = not armed */
	const struct xen_timer_ops *ops;
	void *opaque;
	uint64_t fired;
};

#define XEN_TIMER_WRAP_DELAY_NS 100000000ull /* 100 ms */

int xen_timers_init(struct xen_timers *t, unsigned nr, const struct xen_timer_ops *ops,
		    void *opaque);
void xen_timers_destroy(struct xen_timers *t);

/* VCPUOP_set_singleshot_timer.  0 or -EINVAL (vCPU out of range). */
int xen_timer_set(struct xen_timers *t, unsigned vcpu, uint64_t deadline);
/* __HYPERVISOR_set_timer_op. */
int xen_timer_set_op(struct xen_timers *t, unsigned vcpu, uint64_t timeout);
/* VCPUOP_stop_singleshot_timer, and vCPU removal. */
int xen_timer_stop(struct xen_timers *t, unsigned vcpu);
/* The host timer of `vcpu` went off: fire if the deadline has passed, else re-arm. */
void xen_timer_expired(struct xen_timers *t, unsigned vcpu);
/* The armed deadline, 0 when none. */
uint64_t xen_timer_deadline(struct xen_timers *t, unsigned vcpu);
void xen_timers_stop_all(struct xen_timers *t);

#endif
