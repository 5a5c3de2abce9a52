/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One vCPU: its KVM fd and kvm_run mapping (which survive parking), its thread, and the
 * request flags other threads use to pause or stop it.
 *
 * Kick protocol: the requester sets a bit in `req`, then sends SIGUSR1 to the thread.
 * The handler sets run->immediate_exit, so KVM_RUN returns -EINTR whether the signal
 * lands before, during or after the ioctl; the thread clears immediate_exit and rechecks
 * `req`.  No lock is held across KVM_RUN.
 */
#ifndef XKVM_VCPU_VCPU_H
#define XKVM_VCPU_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/log.h"

struct vm;

enum vcpu_state {
	VCPU_ABSENT,   /* never created */
	VCPU_RUNNING,  /* present: a thread runs KVM_RUN */
	VCPU_STOPPING, /* ejected by the guest; the main thread is stopping it */
	VCPU_PARKED,   /* fd and kvm_run kept, no thread: ready to be unparked */
};

#define VCPU_REQ_PAUSE (1u << 0)
#define VCPU_REQ_STOP  (1u << 1)

struct vcpu {
	struct vm *vm;
	unsigned id; /* slot = APIC ID = KVM vcpu id */
	int fd;
	struct kvm_run *run;
	size_t run_size;

	enum vcpu_state state; /* vm->vcpu_lock */
	pthread_t thread;
	bool has_thread;
	_Atomic int tid;       /* host thread id, for query-cpus-fast */

	_Atomic unsigned req;
	bool paused;           /* acknowledged a pause; vm->vcpu_lock */
	bool exited;           /* thread left its loop; vm->vcpu_lock */

	/* Per-vCPU CPUID as set at creation; never set again on this fd. */
	struct kvm_cpuid2 *cpuid;
	/* LAPIC state right after creation, restored on reset and unpark. */
	struct kvm_lapic_state *pristine_lapic;

	uint64_t nr_exits;
	struct ratelimit rl;
};

/* Create the KVM vCPU `id`, map kvm_run, set CPUID, MSRs and LAPIC LINTs.  The vCPU is
 * left as KVM created it (the BSP runnable, APs waiting for INIT/SIPI). */
int vcpu_create(struct vm *vm, unsigned id, struct vcpu **out);
/* Unmap and close; only at VM teardown (KVM cannot destroy a vCPU before that). */
void vcpu_destroy(struct vcpu *v);

/* Put the BSP at the kernel entry described by vm->boot. */
int vcpu_setup_boot_regs(struct vcpu *v);
/* Architectural reset: APs to wait-for-SIPI, no pending events, LAPIC re-set. */
int vcpu_reset(struct vcpu *v, bool bsp);
/* CPUID, MSRs, LAPIC LINTs; once, right after KVM_CREATE_VCPU. */
int vcpu_configure(struct vcpu *v);

/* Thread control (main thread). */
int vcpu_start_thread(struct vcpu *v);
void vcpu_kick(struct vcpu *v);
/* Sets STOP, kicks and joins.  The vCPU can be parked or destroyed afterwards. */
void vcpu_stop_thread(struct vcpu *v);

/* Install the kick signal handler once per process (idempotent). */
int vcpu_signals_init(void);

/* Report a fatal exit: vCPU id, RIP and the instruction bytes read through the guest's
 * page tables.  Used for internal errors, emulation failures and failed entries. */
void vcpu_report_fatal(struct vcpu *v, const char *what);

#endif
