/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench/xen's guest: costs measured with the guest's TSC, each as the median of many
 * samples, all in one run so they can be compared:
 *   floor       one port-I/O exit to user space (an unclaimed port read)
 *   null        one hypercall that does nothing (xen_version XENVER_version)
 *   send-upcall EVTCHNOP_send on vCPU 0 to an IPI port of vCPU 1 until vCPU 1's upcall
 *               handler's first instruction (vCPU 1 idles in `sti; hlt`); TSC read on
 *               both vCPUs
 *   send-*-N    EVTCHNOP_send cost on the sender with N ports bound to vCPU 1, N = 10,
 *               100, 1000, 4000, 10,000 sends spread over the N ports: masked (the
 *               port engine alone) and delivered (vCPU 1 taking them)
 * Reported with GUEST_REPORT as TSC cycles; "tsc-khz" converts.
 *
 * Command line: samples=N (default 2000) scaling=0|1 (the port-count figures, default 1)
 */
#include "xen.h"

#define VEC_UPCALL 0x50
#define MAX_SAMPLES 4000
#define SENDS 10000

static u64 samples[MAX_SAMPLES];
static volatile u64 t_recv;
static volatile u32 seq_recv;
static volatile bool ap_stop;
static volatile u32 ap_up;
static u16 ports[4096];

/* A figure per port count: key "<what>-<N>-ports". */
static void GUEST_REPORT_N(const char *what, u32 n, u64 v)
{
	char key[48];

	snprintf(key, sizeof(key), "%s-%u-ports", what, n);
	ucall(UCALL_REPORT, key, __LINE__, 1, v);
}

static u64 median(u64 *v, u32 n)
{
	/* insertion sort: n is small and this runs once per figure */
	for (u32 i = 1; i < n; i++) {
		u64 x = v[i];
		u32 j = i;

		while (j && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
	return v[n / 2];
}

/* The upcall handler's first instruction takes the time (guest code is emulated here:
 * everything after it would count); then the library's scan, as usual. */
static volatile u64 t_entry;

static void timed_upcall(struct irq_frame *f)
{
	u64 t = rdtsc();

	(void)f;
	t_entry = t;
	xen_scan_events(this_apic_id());
	lapic_eoi();
}

static void on_first_port(u32 port)
{
	(void)port;
	t_recv = t_entry;
	__atomic_add_fetch(&seq_recv, 1, __ATOMIC_SEQ_CST);
}

static void ap_main(u32 id)
{
	xen_init_cpu(true);
	ap_up = 1;
	/* Idle as an OS does: sti; hlt takes the upcall at once (contributing.md). */
	while (!ap_stop) {
		cli();
		if (!ap_stop)
			sti_hlt();
	}
	(void)id;
}

int main(void)
{
	u32 n = (u32)cmdline_get_u64("samples", 2000), a, b, c, d, khz;
	bool scaling = cmdline_get_u64("scaling", 1) != 0;
	static const u32 counts[] = { 10, 100, 1000, 4000 };
	int ipi;

	if (n > MAX_SAMPLES)
		n = MAX_SAMPLES;
	GUEST_ASSERT_EQ(xen_init(VEC_UPCALL, true), 0);
	cpuid(xen.base + 3, 0, &a, &b, &c, &d);
	khz = c;
	GUEST_REPORT("tsc-khz", khz);
	GUEST_ASSERT_EQ(smp_start_ap(1, ap_main, 5000), 0);
	GUEST_ASSERT(WAIT_UNTIL(ap_up, 5000));

	/* the floor: one port-I/O exit to user space */
	for (u32 i = 0; i < n; i++) {
		u64 t0 = rdtsc();
		io_delay();
		samples[i] = rdtsc() - t0;
	}
	GUEST_REPORT("floor-pio-exit", median(samples, n));

	/* a null hypercall */
	for (u32 i = 0; i < n; i++) {
		u64 t0 = rdtsc();
		xen_hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
		samples[i] = rdtsc() - t0;
	}
	GUEST_REPORT("null-hypercall", median(samples, n));

	/* EVTCHNOP_send to vCPU 1 until its upcall handler runs */
	ipi = evtchn_bind_ipi(1);
	GUEST_ASSERT(ipi > 0);
	xen_set_port_hook((u32)ipi, on_first_port);
	irq_set_handler(VEC_UPCALL, timed_upcall);
	for (u32 i = 0; i < n; i++) {
		u32 s = seq_recv;
		u64 t0 = rdtsc();

		GUEST_ASSERT_EQ(evtchn_send((u32)ipi), 0);
		while (__atomic_load_n(&seq_recv, __ATOMIC_SEQ_CST) == s)
			cpu_relax();
		samples[i] = t_recv - t0;
	}
	GUEST_REPORT("send-to-upcall", median(samples, n));
	xen_set_port_hook((u32)ipi, NULL);
	GUEST_ASSERT_EQ(evtchn_close((u32)ipi), 0);

	/* Sender cost with N ports bound on vCPU 1, 10,000 sends over them, two ways:
	 *   masked     every port masked: the send sets the pending bit and stops there; the
	 *              pending bits are cleared between passes (not timed), so every timed
	 *              send finds its port idle.  The port engine's own cost.
	 *   delivered  unmasked, vCPU 1 taking the events as they come (sends to a port
	 *              still pending coalesce, as the ABI says); upcalls included. */
	for (u32 k = 0; k < ARRAY_SIZE(counts) && scaling; k++) {
		u32 nports = counts[k], sent = 0, m = 0;
		u64 t0, t1;

		for (u32 i = 0; i < nports; i++) {
			int p = evtchn_bind_ipi(1);

			GUEST_ASSERT(p > 0);
			ports[i] = (u16)p;
			xen_mask((u32)p);
		}
		while (sent < SENDS) {
			u32 pass = 0;

			for (u32 i = 0; i < nports && sent < SENDS; i++, sent++, pass++) {
				struct evtchn_send s = { .port = ports[i] };
				u64 t = rdtsc();

				xen_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_send,
					      (u64)(uintptr_t)&s, 0, 0, 0);
				t = rdtsc() - t;
				if (m < MAX_SAMPLES && (sent % (SENDS / MAX_SAMPLES + 1)) == 0)
					samples[m++] = t;
			}
			for (u32 i = 0; i < pass; i++) {
				GUEST_ASSERT(xen_port_pending(ports[i]));
				xen_clear_pending(ports[i]);
			}
		}
		GUEST_REPORT_N("send-masked", nports, median(samples, m));

		/* delivered */
		for (u32 i = 0; i < nports; i++)
			GUEST_ASSERT_EQ(evtchn_unmask(ports[i]), 0);
		t0 = rdtsc();
		for (u32 i = 0; i < SENDS; i++) {
			struct evtchn_send s = { .port = ports[i % nports] };

			xen_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_send,
				      (u64)(uintptr_t)&s, 0, 0, 0);
		}
		t1 = rdtsc();
		GUEST_REPORT_N("send-delivered", nports, (t1 - t0) / SENDS);
		/* every port reached vCPU 1, and only vCPU 1 */
		for (u32 i = 0; i < nports; i++) {
			GUEST_ASSERT(WAIT_UNTIL(xen_events[ports[i]] > 0, 5000));
			GUEST_ASSERT_EQ(xen_event_cpu[ports[i]], 1);
		}
		for (u32 i = 0; i < nports; i++)
			GUEST_ASSERT_EQ(evtchn_close(ports[i]), 0);
	}
	ap_stop = true;
	return 0;
}
