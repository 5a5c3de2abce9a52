/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The main thread's epoll loop: fd handlers, one-shot/periodic timers (timerfd), and a
 * job queue other threads post to.  Jobs are embedded in their owner (no allocation on
 * the posting side, which may be a vCPU thread in an exit handler); posting a job that
 * is already queued is a no-op, so a job coalesces repeated requests.
 */
#ifndef XKVM_VM_LOOP_H
#define XKVM_VM_LOOP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct loop;

typedef void (*loop_fd_fn)(void *opaque, uint32_t events);
typedef void (*loop_job_fn)(void *opaque);

struct loop_job {
	loop_job_fn fn;
	void *opaque;
	struct loop_job *next;
	bool queued;
};

struct loop_fd; /* private */

struct loop_timer {
	struct loop *loop;
	int fd;
	loop_job_fn fn;
	void *opaque;
};

struct loop {
	int epfd;
	int job_efd;
	pthread_mutex_t job_lock;
	struct loop_job *job_head, **job_tail;
	struct loop_fd *fds;     /* registered handlers */
	struct loop_fd *garbage; /* removed during dispatch, freed after the batch */
	bool quit;
	pthread_t owner;
};

int loop_init(struct loop *loop);
void loop_destroy(struct loop *loop);

/* Register `fd` for `events` (EPOLLIN, ...).  The callback runs on the main thread. */
int loop_add_fd(struct loop *loop, int fd, uint32_t events, loop_fd_fn fn, void *opaque);
int loop_mod_fd(struct loop *loop, int fd, uint32_t events);
/* Safe from inside any callback, including the fd's own. */
int loop_del_fd(struct loop *loop, int fd);

static inline void loop_job_init(struct loop_job *job, loop_job_fn fn, void *opaque)
{
	job->fn = fn;
	job->opaque = opaque;
	job->next = NULL;
	job->queued = false;
}

/* Thread-safe; async-signal-unsafe.  Returns immediately. */
void loop_post(struct loop *loop, struct loop_job *job);
/* Run queued jobs now (main thread only); used while waiting synchronously. */
void loop_run_jobs(struct loop *loop);

int loop_timer_init(struct loop *loop, struct loop_timer *t, loop_job_fn fn, void *opaque);
/* Fire once after `ns` (0 disarms); or every `ns` when periodic. */
int loop_timer_arm(struct loop_timer *t, uint64_t ns, bool periodic);
void loop_timer_destroy(struct loop_timer *t);

/* Run until loop_quit(); returns 0 or -errno on an epoll failure. */
int loop_run(struct loop *loop);
/* One iteration, waiting at most timeout_ms (-1: forever). */
int loop_once(struct loop *loop, int timeout_ms);
void loop_quit(struct loop *loop);

#endif
