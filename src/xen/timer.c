/* SPDX-License-Identifier: GPL-2.0-only */
/* Xen singleshot timer bookkeeping (see timer.h). */
#include "xen/timer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int xen_timers_init(struct xen_timers *t, unsigned nr, const struct xen_timer_ops *ops,
		    void *opaque)
{
	int ret;

	if (nr == 0 || !ops || !ops->now || !ops->fire)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->deadline = calloc(nr, sizeof(*t->deadline));
	if (!t->deadline)
		return -ENOMEM;
	if ((ret = pthread_mutex_init(&t->lock, NULL))) {
		free(t->deadline);
		t->deadline = NULL;
		return -ret;
	}
	t->nr = nr;
	t->ops = ops;
	t->opaque = opaque;
	return 0;
}

void xen_timers_destroy(struct xen_timers *t)
{
	if (!t->deadline)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->deadline);
	t->deadline = NULL;
}

static void arm(struct xen_timers *t, unsigned vcpu, uint64_t deadline)
{
	t->deadline[vcpu] = deadline;
	if (t->ops->arm)
		t->ops->arm(t->opaque, vcpu, deadline);
}

static void fire(struct xen_timers *t, unsigned vcpu)
{
	if (t->deadline[vcpu])
		arm(t, vcpu, 0);
	t->fired++;
	t->ops->fire(t->opaque, vcpu);
}

/* With the lock held. */
static void set_locked(struct xen_timers *t, unsigned vcpu, uint64_t deadline)
{
	/* Deadline 0 is "long past": it fires, it does not mean "disarmed". */
	if (deadline <= t->ops->now(t->opaque))
		fire(t, vcpu);
	else
		arm(t, vcpu, deadline);
}

int xen_timer_set(struct xen_timers *t, unsigned vcpu, uint64_t deadline)
{
	if (vcpu >= t->nr)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	set_locked(t, vcpu, deadline);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

int xen_timer_set_op(struct xen_timers *t, unsigned vcpu, uint64_t timeout)
{
	uint64_t now;
	int64_t offset;

	if (vcpu >= t->nr)
		return -EINVAL;
	if (timeout == 0)
		return xen_timer_stop(t, vcpu);
	pthread_mutex_lock(&t->lock);
	now = t->ops->now(t->opaque);
	offset = (int64_t)(timeout - now);
	if ((int64_t)timeout < 0 || (offset > 0 && (uint32_t)(offset >> 50) != 0))
		timeout = now + XEN_TIMER_WRAP_DELAY_NS;
	set_locked(t, vcpu, timeout);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

int xen_timer_stop(struct xen_timers *t, unsigned vcpu)
{
	if (vcpu >= t->nr)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	if (t->deadline[vcpu])
		arm(t, vcpu, 0);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

void xen_timers_stop_all(struct xen_timers *t)
{
	for (unsigned v = 0; v < t->nr; v++)
		xen_timer_stop(t, v);
}

void xen_timer_expired(struct xen_timers *t, unsigned vcpu)
{
	if (vcpu >= t->nr)
		return;
	pthread_mutex_lock(&t->lock);
	if (t->deadline[vcpu]) {
		if (t->ops->now(t->opaque) >= t->deadline[vcpu])
			fire(t, vcpu);
		else
			arm(t, vcpu, t->deadline[vcpu]); /* woke early: wait again */
	}
	pthread_mutex_unlock(&t->lock);
}

uint64_t xen_timer_deadline(struct xen_timers *t, unsigned vcpu)
{
	uint64_t d;

	if (vcpu >= t->nr)
		return 0;
	pthread_mutex_lock(&t->lock);
	d = t->deadline[vcpu];
	pthread_mutex_unlock(&t->lock);
	return d;
}
