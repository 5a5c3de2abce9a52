/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Xen guest a VM presents to (docs/xen.md): configuration, per-vCPU Xen state,
 * shared_info/vcpu_info locations, the event-channel engine, the singleshot timers, and
 * how an upcall reaches a vCPU.  Pure logic: everything it needs from the VMM (the
 * clock, a host timer, injecting a vector or driving a GSI, shutting down, the console)
 * is a callback in `struct xen_host_ops`, so unit tests run it on fakes and the KVM
 * wiring stays a thin adapter.
 *
 * Locks, outermost first: xen_domain.lock (HVM params, per-vCPU areas) -> timers ->
 * evtchn -> gsi_lock.  The upcall path runs under the evtchn lock and only reads
 * atomics, so it takes no other lock but gsi_lock.
 */
#ifndef XKVM_XEN_DOMAIN_H
#define XKVM_XEN_DOMAIN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace/trace.h"
#include "util/log.h"
#include "vm/memory.h"
#include "xen/abi.h"
#include "xen/console.h"
#include "xen/evtchn.h"
#include "xen/shinfo.h"
#include "xen/timer.h"

struct xen_config {
	uint32_t version;       /* major << 16 | minor */
	uint16_t domid;         /* the guest's domain id (DOMID_SELF resolves to it) */
	uint32_t cpuid_base;    /* 0x40000000, or 0x40000100 with the KVM leaves kept */
	uint32_t hypercall_msr; /* 0x40000000 by default */
	unsigned hcall_port;    /* the stubs' OUT port (docs/specs/xen-hypercall-page.md) */
	unsigned max_vcpus;     /* Xen vCPU ids 0 .. max_vcpus-1 (xkvm: slot = APIC ID) */
	bool pvclock;           /* vcpu_time_info is maintained: advertise
				 * XENFEAT_hvm_safe_pvclock */
	uint64_t console_gfn;   /* the PV console ring's frame (reserved, not RAM the
				 * guest allocates); XEN_INVALID_GFN: no PV console */
};

void xen_config_default(struct xen_config *c, unsigned max_vcpus);

struct xen_host_ops {
	/* Xen system time in ns (the guest's kvmclock). */
	uint64_t (*now)(void *opaque);
	/* Arm (deadline != 0, Xen system time) or disarm vCPU `vcpu`'s host timer; when it
	 * goes off, call xen_domain_timer_expired(). */
	void (*timer_arm)(void *opaque, unsigned vcpu, uint64_t deadline);
	/* Inject `vector` (fixed, edge) into vCPU `vcpu`: KVM_SIGNAL_MSI to its APIC ID. */
	void (*inject_vector)(void *opaque, unsigned vcpu, uint8_t vector);
	/* Drive the callback GSI (HVM_PARAM_CALLBACK_IRQ of type GSI). */
	void (*set_gsi)(void *opaque, unsigned gsi, int level);
	/* SCHEDOP_shutdown: SHUTDOWN_poweroff, _reboot or _crash. */
	void (*shutdown)(void *opaque, unsigned reason);
	/* The wall-clock time at Xen system time 0 (written into shared_info when the guest
	 * places it).  May be NULL: the wall clock then reads as the epoch. */
	void (*wallclock)(void *opaque, uint64_t *sec, uint32_t *nsec);
	/* CONSOLEIO_write, one line at a time (printable characters only, no newline). */
	void (*console_line)(void *opaque, const char *line, size_t len);
	/* The clock description for vCPU `vcpu` (xen/pvclock.h), consistent with now().
	 * Returns false when it cannot be had.  NULL: vcpu_time_info is never written. */
	bool (*time_info)(void *opaque, unsigned vcpu, struct vcpu_time_info *t);
	/* SCHEDOP_block / SCHEDOP_poll, on the calling vCPU's thread: wait until done(arg),
	 * until Xen system time `deadline` (0: none), or until the vCPU must stop running
	 * guest code (pause, reset, shutdown), re-checking done() after every wake().
	 * Returning early is allowed.  NULL: return at once (a spurious wake-up). */
	void (*wait)(void *opaque, unsigned vcpu, uint64_t deadline, bool (*done)(void *arg),
		     void *arg);
	/* Something a waiter may be waiting for happened (a port went pending).  Any thread,
	 * with the event-channel lock held: must not block.  May be NULL. */
	void (*wake)(void *opaque, unsigned vcpu);
	/* The guest notified its PV console channel (it wrote output, or read input).  Any
	 * thread, evtchn lock held: schedule xen_domain_console_service(), do not call it. */
	void (*console_notify)(void *opaque);
};

struct xen_vcpu {
	uint64_t time_info_gpa;          /* VCPUOP_register_vcpu_time_memory_area */
	uint64_t runstate_gpa;           /* VCPUOP_register_runstate_memory_area */
	_Atomic uint8_t upcall_vector;   /* HVMOP_set_evtchn_upcall_vector; 0 = none */
};

#define XEN_CONSOLE_LINE_MAX 256

struct xen_domain_stats {
	_Atomic uint64_t hypercalls, unknown, upcalls_vector, upcalls_gsi, upcalls_dropped;
	_Atomic uint64_t blocks, polls, time_updates;
};

/* xkvm's end of the guest's PV console (HVM_PARAM_CONSOLE_PFN/_EVTCHN). */
struct xen_domain_console {
	pthread_mutex_t lock;     /* the ring, from the main thread and vCPU threads */
	_Atomic uint32_t port;    /* the guest's port; 0: not connected */
	_Atomic bool used;        /* the guest has notified the channel once */
	struct xen_console_stats stats;
};

struct xen_domain {
	struct xen_config cfg;
	const struct guest_mem *gm;
	const struct xen_host_ops *ops;
	void *opaque;

	pthread_mutex_t lock;
	_Atomic bool long_mode;             /* latched at the hypercall-MSR write */
	_Atomic uint64_t callback_param;    /* HVM_PARAM_CALLBACK_IRQ */
	uint64_t params[HVM_NR_PARAMS];     /* the rest of the readable HVM params */
	struct xen_vcpu *vcpu;              /* [max_vcpus] */

	struct xen_shinfo shinfo;
	struct evtchn_state evtchn;
	struct xen_timers timers;

	pthread_mutex_t gsi_lock;
	bool gsi_asserted;
	unsigned gsi_level_gsi;

	pthread_mutex_t console_lock;
	char console[XEN_CONSOLE_LINE_MAX];
	size_t console_len;

	struct xen_domain_console pvcons;
	pthread_mutex_t time_lock;          /* one writer of vcpu_time_info at a time */

	struct ratelimit rl;
	struct xen_domain_stats stats;
	struct trace *trace;                /* event-channel ops are traced here; may be NULL */
};

/* Host errno (-EINVAL for a bad config, -ENOMEM). */
int xen_domain_init(struct xen_domain *x, const struct xen_config *cfg,
		    const struct guest_mem *gm, const struct xen_host_ops *ops, void *opaque);
void xen_domain_destroy(struct xen_domain *x);

/* vCPU hot-plug (engine rules in evtchn.h).  Removing also stops the vCPU's timer; its
 * vcpu_info and time areas stay registered (Xen never forgets them, and Linux does not
 * register again when the CPU comes back).  Return as evtchn_vcpu_add/remove. */
int xen_domain_vcpu_plug(struct xen_domain *x, unsigned vcpu);
int xen_domain_vcpu_unplug(struct xen_domain *x, unsigned vcpu);

/* A vCPU wrote the hypercall-page MSR: fill the page and latch the guest's word size.
 * 0, or -EINVAL / -EFAULT, which the caller turns into #GP. */
int xen_domain_msr_write(struct xen_domain *x, uint64_t value, bool long_mode);
bool xen_domain_long_mode(struct xen_domain *x);

/* SHUTDOWN_soft_reset: as QEMU's kvm_xen_soft_reset: every port closed, callback
 * parameter 0, per-vCPU areas, vectors and timers forgotten, shared_info unplaced. */
void xen_domain_soft_reset(struct xen_domain *x);

/* The host timer of `vcpu` went off. */
void xen_domain_timer_expired(struct xen_domain *x, unsigned vcpu);

/* With a GSI callback: call after the guest acknowledged it (vCPU 0 exits, or the
 * GSI's EOI); drops the GSI once the guest has cleared vCPU 0's evtchn_upcall_pending
 * (it is level-triggered, the guest acks by clearing).  Returns true while the GSI
 * stays asserted (the caller re-triggers an edge-resampled line). */
bool xen_domain_callback_poll(struct xen_domain *x);

/* The upcall path: evtchn_upcall_pending of `vcpu` went 0 -> 1. */
void xen_domain_upcall(struct xen_domain *x, unsigned vcpu);

/* HVM_PARAM_CALLBACK_IRQ: switch upcall delivery (dropping a GSI we held), then
 * re-deliver what is already pending.  Always 0: Xen accepts any value. */
int xen_domain_set_callback(struct xen_domain *x, uint64_t param);

/* Re-deliver to every vCPU whose evtchn_upcall_pending is already set (after the
 * guest changes how upcalls are delivered). */
void xen_domain_reassert(struct xen_domain *x);

/* Rewrite vCPU `vcpu`'s vcpu_time_info (in its vcpu_info and its registered time area)
 * from ops->time_info.  Any thread. */
void xen_domain_update_time(struct xen_domain *x, unsigned vcpu);

/* EVTCHNOP_reset from the guest: every port closed, then xkvm's back-end channels (the
 * PV console) connected again, as a toolstack does.  0 or -XEN_ESRCH. */
int xen_domain_evtchn_reset(struct xen_domain *x, uint16_t dom);

/* The PV console (cfg.console_gfn): connect it (clear the ring, bind the back-end port,
 * set HVM_PARAM_CONSOLE_PFN/_EVTCHN), and take it down.  Connecting is done at
 * xen_domain_init, after a soft reset and after EVTCHNOP_reset.  0 or -ENOSPC. */
int xen_domain_console_connect(struct xen_domain *x);
void xen_domain_console_disconnect(struct xen_domain *x);
/* The port of the PV console channel the parameters describe, when it is still bound
 * to xkvm's back end; 0 when there is none (never connected, or the guest closed it). */
uint32_t xen_domain_console_live(struct xen_domain *x);
/* Adopt the console a state load restored (its port and parameters); connect a fresh one
 * when the blob had none, or the guest had closed it (as a Xen toolstack sets up the
 * console of a domain it restores). */
int xen_domain_console_resume(struct xen_domain *x);
/* Main thread: move guest output to `sink` (bytes taken; fewer: no room now) and
 * `input` (up to `len` bytes, NULL for none) into the ring; notify the guest when either
 * moved.  Returns the number of input bytes taken. */
size_t xen_domain_console_service(struct xen_domain *x,
				  size_t (*sink)(void *opaque, const char *buf, size_t len),
				  void *opaque, const char *input, size_t len);
/* Room for input (0 without a connected console). */
size_t xen_domain_console_in_room(struct xen_domain *x);
/* The guest has used its PV console (input goes there from then on). */
bool xen_domain_console_used(struct xen_domain *x);

#endif
