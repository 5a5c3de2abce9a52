/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk throughput from the guest driver, the same program under xkvm and QEMU
 * (bench/blk): `qd` requests of `bs` bytes kept in flight on queue 0, every completion
 * resubmitted at once (one kick per batch), for `ms` milliseconds after a warm-up.
 *   mode=rand  4 KiB-aligned random offsets (a xorshift) over the whole disk
 *   mode=seq   consecutive offsets, wrapping at the end of the disk
 *   cpl=0      the driver loop at CPL0, the vCPU halted (sti; hlt) until the completion
 *              interrupt: a real driver, but on KVM-PVM every CPL0 instruction is emulated
 *              and the guest's own speed dominates
 *   cpl=3      the driver loop at CPL3 (native speed on KVM-PVM), polling the used ring
 *              with interrupts suppressed (VRING_AVAIL_F_NO_INTERRUPT): what the device
 *              side (kick -> request -> completion) sustains
 * Parameters: mode=rand|seq bs=BYTES qd=N ms=DURATION warmup_ms=N sectors=N cpl=0|3.
 * Reports (REPORT): requests, bytes, elapsed_ns, iops, kib_per_s, interrupts.
 */
#include "guest.h"
#include "virtio.h"

#define VEC_Q    0x41
#define VEC_TICK 0x43
#define MAX_QD   64

struct bench {
	struct vq *q;
	u8 *bufs[MAX_QD];
	int slot_of_head[1024];
	unsigned qd;
	u32 bs;
	bool seq, polled;
	u64 sectors, ms, warm;
	u64 next_seq, rnd;
	u64 done, bytes, elapsed;
	u32 stuck;               /* polled mode: gave up waiting (no ucall at CPL3) */
};

static volatile u32 irqs, ticks;
static struct virtio_dev d;
static struct vq vq;
static struct bench B;

static void on_irq(struct irq_frame *f)
{
	(void)f;
	irqs++;
	lapic_eoi();
}

static void on_tick(struct irq_frame *f)
{
	(void)f;
	ticks++;
	lapic_eoi();
}

static u64 next_sector(struct bench *b)
{
	u64 per = b->bs / 512, slots = b->sectors / per;

	if (b->seq) {
		u64 s = b->next_seq;
		b->next_seq = (b->next_seq + per) % (slots * per);
		return s;
	}
	b->rnd ^= b->rnd << 13;
	b->rnd ^= b->rnd >> 7;
	b->rnd ^= b->rnd << 17;
	return (b->rnd % slots) * per;
}

static void submit(struct bench *b, unsigned i)
{
	int h = blk_queue(b->q, VBLK_T_IN, next_sector(b), (u64)(uintptr_t)b->bufs[i], b->bs);

	b->slot_of_head[h] = (int)i;
}

/* Take every completion, resubmit it; returns how many. */
static unsigned reap(struct bench *b, bool count)
{
	unsigned n = 0;
	int h;

	while ((h = vq_get_used(b->q, NULL)) >= 0) {
		if (b->q->status[h] != VBLK_S_OK)
			b->stuck++;
		if (count) {
			b->done++;
			b->bytes += b->bs;
		}
		submit(b, (unsigned)b->slot_of_head[h]);
		n++;
	}
	if (n)
		vq_kick(b->q);
	return n;
}

/* The loop; also run at CPL3, so nothing here may do port I/O. */
static u64 run(u64 arg)
{
	struct bench *b = (struct bench *)(uintptr_t)arg;
	u64 start = kvmclock_ns(), t0 = 0, last = start;
	bool measuring = false;

	for (unsigned i = 0; i < b->qd; i++)
		submit(b, i);
	vq_kick(b->q);
	for (;;) {
		u64 now;

		if (b->polled) {
			if (!reap(b, measuring) && kvmclock_ns() - last > 5000000000ull) {
				b->stuck++;
				return 1; /* nothing for 5 s: give up, CPL0 reports it */
			}
		} else {
			u32 t = ticks;

			/* Halt until completions are there (the tick bounds a lost wakeup). */
			cli();
			while (vq_used_idx(b->q) == b->q->last_used) {
				GUEST_ASSERT(ticks - t < 500);
				sti_hlt();
				cli();
			}
			sti();
			reap(b, measuring);
		}
		now = kvmclock_ns();
		last = now;
		if (!measuring && now - start >= b->warm * 1000000ull) {
			measuring = true;
			t0 = now;
		} else if (measuring && now - t0 >= b->ms * 1000000ull) {
			b->elapsed = now - t0;
			return 0;
		}
	}
}

int main(void)
{
	struct bench *b = &B;
	u64 irq0;

	b->seq = !strcmp(cmdline_get("mode") ? cmdline_get("mode") : "rand", "seq");
	b->bs = (u32)cmdline_get_u64("bs", 4096);
	b->qd = (unsigned)cmdline_get_u64("qd", 16);
	b->ms = cmdline_get_u64("ms", 2000);
	b->warm = cmdline_get_u64("warmup_ms", 300);
	b->sectors = cmdline_get_u64("sectors", 0);
	b->polled = cmdline_get_u64("cpl", 0) == 3;
	b->rnd = 0x9e3779b97f4a7c15ull;
	GUEST_ASSERT(b->qd >= 1 && b->qd <= MAX_QD && b->bs >= 512 && b->bs % 512 == 0 && b->sectors);

	kvmclock_init_cpu();
	lapic_enable();
	irq_set_handler(VEC_Q, on_irq);
	irq_set_handler(VEC_TICK, on_tick);
	/* Polled: no EVENT_IDX, so VRING_AVAIL_F_NO_INTERRUPT suppresses interrupts. */
	blk_bringup(&d, &vq, 1, b->polled ? 0 : VF_EVENT_IDX, true);
	GUEST_ASSERT(vq.size >= 3 * b->qd);
	b->q = &vq;
	msix_set(&d, 1, this_apic_id(), VEC_Q, false);
	msix_control(&d, true, false);
	for (unsigned i = 0; i < b->qd; i++)
		b->bufs[i] = vmem_alloc(b->bs, 4096);
	irq0 = irqs;
	if (b->polled) {
		vq.avail[0] = 1; /* VRING_AVAIL_F_NO_INTERRUPT */
		GUEST_ASSERT_EQ(run_user(run, (u64)(uintptr_t)b), 0);
	} else {
		lapic_timer_periodic(VEC_TICK, 10000000);
		run((u64)(uintptr_t)b);
		lapic_timer_stop();
	}
	GUEST_ASSERT_EQ(b->stuck, 0);
	GUEST_REPORT("requests", b->done);
	GUEST_REPORT("bytes", b->bytes);
	GUEST_REPORT("elapsed_ns", b->elapsed);
	GUEST_REPORT("iops", b->done * 1000000000ull / b->elapsed);
	GUEST_REPORT("kib_per_s", b->bytes * 1000000000ull / b->elapsed / 1024);
	GUEST_REPORT("interrupts", irqs - irq0);
	return 0;
}
