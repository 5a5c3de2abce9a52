/* SPDX-License-Identifier: GPL-2.0-only */
#include "vm/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "util/log.h"

struct loop_fd {
	int fd;
	bool dead;
	loop_fd_fn fn;
	void *opaque;
	struct loop_fd *next;
};

static void loop_jobs_ready(void *opaque, uint32_t events);

int loop_init(struct loop *loop)
{
	memset(loop, 0, sizeof(*loop));
	loop->job_tail = &loop->job_head;
	loop->owner = pthread_self();
	pthread_mutex_init(&loop->job_lock, NULL);
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0)
		return -errno;
	loop->job_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->job_efd < 0) {
		int err = -errno;
		close(loop->epfd);
		return err;
	}
	return loop_add_fd(loop, loop->job_efd, EPOLLIN, loop_jobs_ready, loop);
}

static void loop_free_list(struct loop_fd *lf)
{
	while (lf) {
		struct loop_fd *next = lf->next;
		free(lf);
		lf = next;
	}
}

void loop_destroy(struct loop *loop)
{
	loop_free_list(loop->fds);
	loop_free_list(loop->garbage);
	loop->fds = loop->garbage = NULL;
	if (loop->job_efd >= 0)
		close(loop->job_efd);
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->job_efd = loop->epfd = -1;
	pthread_mutex_destroy(&loop->job_lock);
}

int loop_add_fd(struct loop *loop, int fd, uint32_t events, loop_fd_fn fn, void *opaque)
{
	struct loop_fd *lf = calloc(1, sizeof(*lf));
	struct epoll_event ev = { .events = events };

	if (!lf)
		return -ENOMEM;
	lf->fd = fd;
	lf->fn = fn;
	lf->opaque = opaque;
	ev.data.ptr = lf;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;
		free(lf);
		return err;
	}
	lf->next = loop->fds;
	loop->fds = lf;
	return 0;
}

static struct loop_fd *loop_lookup(struct loop *loop, int fd)
{
	for (struct loop_fd *lf = loop->fds; lf; lf = lf->next)
		if (lf->fd == fd && !lf->dead)
			return lf;
	return NULL;
}

int loop_mod_fd(struct loop *loop, int fd, uint32_t events)
{
	struct loop_fd *lf = loop_lookup(loop, fd);
	struct epoll_event ev = { .events = events };

	if (!lf)
		return -ENOENT;
	ev.data.ptr = lf;
	return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int loop_del_fd(struct loop *loop, int fd)
{
	struct loop_fd **pp;

	for (pp = &loop->fds; *pp; pp = &(*pp)->next) {
		struct loop_fd *lf = *pp;
		if (lf->fd != fd || lf->dead)
			continue;
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
		/* Events for it may still sit in the current batch: free it afterwards. */
		lf->dead = true;
		*pp = lf->next;
		lf->next = loop->garbage;
		loop->garbage = lf;
		return 0;
	}
	return -ENOENT;
}

void loop_post(struct loop *loop, struct loop_job *job)
{
	static const uint64_t one = 1;
	bool wake = false;

	pthread_mutex_lock(&loop->job_lock);
	if (!job->queued) {
		job->queued = true;
		job->next = NULL;
		*loop->job_tail = job;
		loop->job_tail = &job->next;
		wake = true;
	}
	pthread_mutex_unlock(&loop->job_lock);
	if (wake && write(loop->job_efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_error("loop: cannot wake the main loop: %s", strerror(errno));
}

void loop_run_jobs(struct loop *loop)
{
	for (;;) {
		struct loop_job *job;

		pthread_mutex_lock(&loop->job_lock);
		job = loop->job_head;
		if (job) {
			loop->job_head = job->next;
			if (!loop->job_head)
				loop->job_tail = &loop->job_head;
			job->queued = false; /* may be re-posted from inside fn */
		}
		pthread_mutex_unlock(&loop->job_lock);
		if (!job)
			return;
		job->fn(job->opaque);
	}
}

static void loop_jobs_ready(void *opaque, uint32_t events)
{
	struct loop *loop = opaque;
	uint64_t n;

	(void)events;
	if (read(loop->job_efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_error("loop: job eventfd: %s", strerror(errno));
	loop_run_jobs(loop);
}

static void loop_timer_ready(void *opaque, uint32_t events)
{
	struct loop_timer *t = opaque;
	uint64_t expirations;

	(void)events;
	if (read(t->fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return; /* disarmed between the wakeup and now */
	t->fn(t->opaque);
}

int loop_timer_init(struct loop *loop, struct loop_timer *t, loop_job_fn fn, void *opaque)
{
	int ret;

	t->loop = loop;
	t->fn = fn;
	t->opaque = opaque;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (t->fd < 0)
		return -errno;
	ret = loop_add_fd(loop, t->fd, EPOLLIN, loop_timer_ready, t);
	if (ret < 0) {
		close(t->fd);
		t->fd = -1;
	}
	return ret;
}

int loop_timer_arm(struct loop_timer *t, uint64_t ns, bool periodic)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = (time_t)(ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(ns % 1000000000ull);
	if (periodic)
		its.it_interval = its.it_value;
	return timerfd_settime(t->fd, 0, &its, NULL) < 0 ? -errno : 0;
}

void loop_timer_destroy(struct loop_timer *t)
{
	if (t->fd < 0)
		return;
	loop_del_fd(t->loop, t->fd);
	close(t->fd);
	t->fd = -1;
}

int loop_once(struct loop *loop, int timeout_ms)
{
	struct epoll_event ev[32];
	int n = epoll_wait(loop->epfd, ev, 32, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct loop_fd *lf = ev[i].data.ptr;
		if (!lf->dead)
			lf->fn(lf->opaque, ev[i].events);
	}
	loop_free_list(loop->garbage);
	loop->garbage = NULL;
	return 0;
}

int loop_run(struct loop *loop)
{
	while (!loop->quit) {
		int ret = loop_once(loop, -1);
		if (ret < 0) {
			log_error("main loop: epoll_wait: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void loop_quit(struct loop *loop)
{
	loop->quit = true;
}
