/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The 2-level delivery rules on a fake shared_info/vcpu_info: each outcome in order,
 * both word sizes, and threads hammering set-pending through the same atomic helpers
 * while "guest" threads consume events the way Linux's upcall handler does.  A lost
 * event shows up as a producer that never sees its event consumed (the test times out
 * and fails); a lost wake-up as a consumer that never runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "xen/abi.h"
#include "xen/evtchn_2l.h"
#include "xen_fake.h"

static const struct evtchn_2l_layout *L64 = &evtchn_2l_layout_64, *L32 = &evtchn_2l_layout_32;

static struct fake_guest *new_guest(void)
{
	struct fake_guest *f = aligned_alloc(4096, sizeof(*f));
	memset(f, 0, sizeof(*f));
	return f;
}

static void test_set_pending_steps(void **state)
{
	struct fake_guest *f = new_guest();
	void *sh = f->shinfo, *vi = f->vi[0];

	(void)state;
	assert_int_equal(evtchn_2l_set_pending(L64, NULL, vi, 5), EVTCHN_2L_NO_SHARED_INFO);
	assert_int_equal(evtchn_2l_set_pending(L64, sh, vi, 5), EVTCHN_2L_UPCALL_EDGE);
	assert_int_equal(fake_pending(f)[0], 1u << 5);
	assert_int_equal(*fake_sel(f, 0), 1);
	assert_int_equal(*fake_upcall_pending(f, 0), 1);
	/* already pending: stops at the first step */
	assert_int_equal(evtchn_2l_set_pending(L64, sh, vi, 5), EVTCHN_2L_NOTHING);
	/* same word: the selector bit is already set */
	assert_int_equal(evtchn_2l_set_pending(L64, sh, vi, 6), EVTCHN_2L_SEL_WAS_SET);
	/* new word, but the upcall is already pending */
	assert_int_equal(evtchn_2l_set_pending(L64, sh, vi, 4095), EVTCHN_2L_UPCALL_WAS_SET);
	assert_int_equal(*fake_sel(f, 0), 1 | 1ull << 63);
	assert_int_equal(fake_pending(f)[63], 1ull << 63);
	/* masked: the pending bit is set, nothing else */
	fake_set_mask(f, 100, true);
	assert_int_equal(evtchn_2l_set_pending(L64, sh, vi, 100), EVTCHN_2L_MASKED);
	assert_true(fake_is_pending(f, 100));
	assert_int_equal(*fake_sel(f, 0) & 2, 0);
	/* unmasked but no vcpu_info: recorded, nobody told */
	assert_int_equal(evtchn_2l_set_pending(L64, sh, NULL, 200), EVTCHN_2L_NO_VCPU_INFO);
	assert_true(fake_is_pending(f, 200));
	assert_true(evtchn_2l_is_pending(L64, sh, 200));
	evtchn_2l_clear_pending(L64, sh, 200);
	assert_false(evtchn_2l_is_pending(L64, sh, 200));
	assert_true(evtchn_2l_is_masked(L64, sh, 100));
	free(f);
}

static void test_unmask_raise_kick(void **state)
{
	struct fake_guest *f = new_guest();
	void *sh = f->shinfo, *vi = f->vi[1];

	(void)state;
	/* not masked: unmask does nothing */
	assert_int_equal(evtchn_2l_unmask(L64, sh, vi, 70), EVTCHN_2L_NOTHING);
	/* masked, not pending: clears the mask, notifies nobody */
	fake_set_mask(f, 70, true);
	assert_int_equal(evtchn_2l_unmask(L64, sh, vi, 70), EVTCHN_2L_NOTHING);
	assert_false(evtchn_2l_is_masked(L64, sh, 70));
	/* masked and pending: the notification the mask held back */
	fake_set_mask(f, 70, true);
	assert_int_equal(evtchn_2l_set_pending(L64, sh, vi, 70), EVTCHN_2L_MASKED);
	assert_int_equal(evtchn_2l_unmask(L64, sh, vi, 70), EVTCHN_2L_UPCALL_EDGE);
	assert_int_equal(*fake_sel(f, 1), 2);
	assert_false(evtchn_2l_is_masked(L64, sh, 70));
	assert_int_equal(evtchn_2l_unmask(L64, NULL, vi, 70), EVTCHN_2L_NO_SHARED_INFO);

	/* raise: like unmask without touching the mask */
	*fake_upcall_pending(f, 1) = 0;
	*fake_sel(f, 1) = 0;
	assert_int_equal(evtchn_2l_raise(L64, sh, vi, 70), EVTCHN_2L_UPCALL_EDGE);
	assert_int_equal(evtchn_2l_raise(L64, sh, vi, 71), EVTCHN_2L_NOTHING); /* not pending */
	fake_set_mask(f, 70, true);
	assert_int_equal(evtchn_2l_raise(L64, sh, vi, 70), EVTCHN_2L_MASKED);
	assert_true(evtchn_2l_is_masked(L64, sh, 70));

	/* kick: every word flagged, upcall raised once */
	*fake_upcall_pending(f, 1) = 0;
	assert_int_equal(evtchn_2l_kick(L64, vi), EVTCHN_2L_UPCALL_EDGE);
	assert_int_equal(*fake_sel(f, 1), UINT64_MAX);
	assert_int_equal(evtchn_2l_kick(L64, vi), EVTCHN_2L_UPCALL_WAS_SET);
	assert_true(evtchn_2l_upcall_pending(L64, vi));
	assert_false(evtchn_2l_upcall_pending(L64, NULL));
	assert_string_equal(evtchn_2l_outcome_name(EVTCHN_2L_UPCALL_EDGE), "upcall-edge");
	free(f);
}

/* A 32-bit guest: 32-bit words at the compat offsets, 1024 ports. */
static void test_layout_32(void **state)
{
	struct fake_guest *f = new_guest();
	struct shared_info_x86_32 *sh = (void *)f->shinfo;
	struct vcpu_info_x86_32 *vi = (void *)f->vi[2];

	(void)state;
	assert_int_equal(L32->nr_ports, 1024);
	assert_int_equal(L32->word_bits, 32);
	assert_int_equal(L64->nr_ports, EVTCHN_2L_NR_CHANNELS);
	assert_int_equal(evtchn_2l_set_pending(L32, sh, vi, 33), EVTCHN_2L_UPCALL_EDGE);
	assert_int_equal(sh->evtchn_pending[1], 2);
	assert_int_equal(vi->evtchn_pending_sel, 2);
	assert_int_equal(vi->evtchn_upcall_pending, 1);
	assert_int_equal(evtchn_2l_set_pending(L32, sh, vi, 1023), EVTCHN_2L_UPCALL_WAS_SET);
	assert_int_equal(sh->evtchn_pending[31], 1u << 31);
	assert_int_equal(vi->evtchn_pending_sel, 2 | 1u << 31);
	sh->evtchn_mask[0] = 1u << 7;
	assert_int_equal(evtchn_2l_set_pending(L32, sh, vi, 7), EVTCHN_2L_MASKED);
	assert_int_equal(evtchn_2l_unmask(L32, sh, vi, 7), EVTCHN_2L_UPCALL_WAS_SET);
	assert_int_equal(sh->evtchn_mask[0], 0);
	assert_int_equal(vi->evtchn_pending_sel, 3 | 1u << 31);
	/* the 64-bit view of the same bytes is different: layouts matter */
	assert_int_equal(fake_pending(f)[0], 1ull << 33 | 1u << 7);
	/* kick sets a 32-bit selector, not 64 bits of the following field */
	memset(vi, 0, sizeof(*vi));
	assert_int_equal(evtchn_2l_kick(L32, vi), EVTCHN_2L_UPCALL_EDGE);
	assert_int_equal(vi->evtchn_pending_sel, UINT32_MAX);
	assert_int_equal(vi->arch.cr2, 0);
	free(f);
}

/* ---- concurrency ---- */

#define PRODUCERS 4
#define PORTS_PER 40
#define NR_PORTS (PRODUCERS * PORTS_PER)
#define ROUNDS 150 /* events per port, on average */
#define VCPUS 2
#define MAX_SECONDS 60

struct hammer {
	struct fake_guest *f;
	_Atomic unsigned sent[NR_PORTS + 1], received[NR_PORTS + 1];
	_Atomic unsigned edges[VCPUS];      /* upcalls injected */
	_Atomic unsigned masked_outcomes, nothing_outcomes;
	_Atomic bool stop, timed_out;
	time_t deadline;
	unsigned wakeups[VCPUS];
};

/* Port p (1..NR_PORTS) is bound to vCPU p % VCPUS; every fifth one is handled the way
 * Linux handles a masked-while-handling port: mask, ack, unmask by "hypercall". */
static unsigned port_vcpu(unsigned p)
{
	return p % VCPUS;
}

static bool give_up(struct hammer *h)
{
	if (!atomic_load(&h->timed_out) && time(NULL) > h->deadline) {
		atomic_store(&h->timed_out, true);
		atomic_store(&h->stop, true);
	}
	return atomic_load(&h->stop);
}

struct producer {
	struct hammer *h;
	unsigned first;
};

static void *producer(void *arg)
{
	struct producer *p = arg;
	struct hammer *h = p->h;
	unsigned seed = p->first;

	/* Random ports from our set, each sent again as soon as its previous event has
	 * been consumed: producers and consumers interleave at every step. */
	for (unsigned i = 0; i < PORTS_PER * ROUNDS; i++) {
		unsigned port = p->first + (unsigned)rand_r(&seed) % PORTS_PER;
		unsigned v = port_vcpu(port);
		enum evtchn_2l_outcome o;

		while (atomic_load(&h->received[port]) != atomic_load(&h->sent[port]))
			if (give_up(h))
				return NULL;
			else
				sched_yield();
		atomic_fetch_add(&h->sent[port], 1);
		o = evtchn_2l_set_pending(L64, h->f->shinfo, h->f->vi[v], port);
		if (o == EVTCHN_2L_UPCALL_EDGE)
			atomic_fetch_add(&h->edges[v], 1); /* "inject" */
		else if (o == EVTCHN_2L_MASKED)
			atomic_fetch_add(&h->masked_outcomes, 1);
		else if (o == EVTCHN_2L_NOTHING)
			atomic_fetch_add(&h->nothing_outcomes, 1);
	}
	return NULL;
}

struct consumer {
	struct hammer *h;
	unsigned vcpu;
};

/* Linux's 2-level upcall handler (drivers/xen/events/events_2l.c), on one vCPU. */
static void handle_upcall(struct hammer *h, unsigned v)
{
	uint64_t *pending = fake_pending(h->f), *mask = fake_mask(h->f);
	uint64_t *sel = fake_sel(h->f, v);
	uint8_t *upcall = fake_upcall_pending(h->f, v);

	do {
		uint64_t words;

		__atomic_store_n(upcall, 0, __ATOMIC_SEQ_CST);
		words = __atomic_exchange_n(sel, 0, __ATOMIC_SEQ_CST);
		while (words) {
			unsigned w = (unsigned)__builtin_ctzll(words);
			uint64_t bits;

			words &= words - 1;
			bits = __atomic_load_n(&pending[w], __ATOMIC_SEQ_CST) &
			       ~__atomic_load_n(&mask[w], __ATOMIC_SEQ_CST);
			while (bits) {
				unsigned b = (unsigned)__builtin_ctzll(bits), port = w * 64 + b;
				uint64_t m = 1ull << b;

				bits &= bits - 1;
				if (port == 0 || port > NR_PORTS || port_vcpu(port) != v)
					continue; /* another vCPU's port (Linux: cpu_evtchn_mask) */
				if (port % 5 == 0) {
					/* mask, ack, handle, unmask through the "hypercall" */
					__atomic_fetch_or(&mask[w], m, __ATOMIC_SEQ_CST);
					if (!(__atomic_fetch_and(&pending[w], ~m, __ATOMIC_SEQ_CST) & m))
						continue;
					atomic_fetch_add(&h->received[port], 1);
					sched_yield(); /* "handling": a producer may set it now */
					if (evtchn_2l_unmask(L64, h->f->shinfo, h->f->vi[v], port) ==
					    EVTCHN_2L_UPCALL_EDGE)
						atomic_fetch_add(&h->edges[v], 1);
				} else {
					if (!(__atomic_fetch_and(&pending[w], ~m, __ATOMIC_SEQ_CST) & m))
						continue;
					atomic_fetch_add(&h->received[port], 1);
				}
			}
		}
	} while (__atomic_load_n(upcall, __ATOMIC_SEQ_CST));
}

static void *consumer(void *arg)
{
	struct consumer *c = arg;
	struct hammer *h = c->h;

	for (;;) {
		if (h->wakeups[c->vcpu] == atomic_load(&h->edges[c->vcpu])) {
			/* Stop only when caught up: the handler's own unmask may inject. */
			if (atomic_load(&h->stop) || give_up(h))
				break;
			sched_yield();
			continue;
		}
		/* One injected upcall = one run of the handler. */
		h->wakeups[c->vcpu]++;
		handle_upcall(h, c->vcpu);
	}
	return NULL;
}

static void test_concurrent_set_pending(void **state)
{
	struct hammer *h = calloc(1, sizeof(*h));
	pthread_t pt[PRODUCERS], ct[VCPUS];
	struct producer pa[PRODUCERS];
	struct consumer ca[VCPUS];
	unsigned total_sent = 0, total_received = 0, edges = 0, wakeups = 0;

	(void)state;
	h->f = new_guest();
	h->deadline = time(NULL) + MAX_SECONDS;
	for (unsigned v = 0; v < VCPUS; v++) {
		ca[v] = (struct consumer){ h, v };
		pthread_create(&ct[v], NULL, consumer, &ca[v]);
	}
	for (unsigned i = 0; i < PRODUCERS; i++) {
		pa[i] = (struct producer){ h, 1 + i * PORTS_PER };
		pthread_create(&pt[i], NULL, producer, &pa[i]);
	}
	for (unsigned i = 0; i < PRODUCERS; i++)
		pthread_join(pt[i], NULL);
	/* let the consumers drain the last events */
	for (unsigned p = 1; p <= NR_PORTS; p++)
		while (atomic_load(&h->received[p]) != atomic_load(&h->sent[p]) && !give_up(h))
			sched_yield();
	atomic_store(&h->stop, true);
	for (unsigned v = 0; v < VCPUS; v++)
		pthread_join(ct[v], NULL);

	assert_false(atomic_load(&h->timed_out)); /* no event or wake-up was lost */
	for (unsigned p = 1; p <= NR_PORTS; p++) {
		total_sent += h->sent[p];
		total_received += h->received[p];
		assert_int_equal(h->received[p], h->sent[p]); /* each exactly once */
	}
	assert_int_equal(total_sent, NR_PORTS * ROUNDS);
	assert_int_equal(total_received, total_sent);
	for (unsigned v = 0; v < VCPUS; v++) {
		edges += h->edges[v];
		wakeups += h->wakeups[v];
		assert_int_equal(h->wakeups[v], h->edges[v]);
		assert_int_equal(*fake_upcall_pending(h->f, v), 0);
		assert_int_equal(*fake_sel(h->f, v), 0);
	}
	/* A consumed port is clear, so no set ever found it pending already. */
	assert_int_equal(h->nothing_outcomes, 0);
	/* The mask/unmask path raced with producers at least once. */
	assert_true(h->masked_outcomes > 0);
	/* Upcalls are edges: never more than events (coalescing makes them fewer). */
	assert_true(edges >= 1 && edges <= total_sent + NR_PORTS * ROUNDS / 5);
	for (unsigned w = 0; w < 64; w++)
		assert_int_equal(fake_pending(h->f)[w], 0);
	print_message("%u events, %u upcalls, %u set while masked\n", total_sent, edges,
		      atomic_load(&h->masked_outcomes));
	free(h->f);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_pending_steps),
		cmocka_unit_test(test_unmask_raise_kick),
		cmocka_unit_test(test_layout_32),
		cmocka_unit_test(test_concurrent_set_pending),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
