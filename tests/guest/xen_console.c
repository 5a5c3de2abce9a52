/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Xen consoles from inside a guest: console_io (the emergency console, line by line
 * to xkvm's serial back-end) and the PV console (HVM_PARAM_CONSOLE_PFN/_EVTCHN: the ring
 * a Linux guest's hvc0 uses), output and input, with flow control and a ring whose
 * indices the guest corrupts.
 *
 * The host side (test_xen.py) reads the serial back-end's output and types a line once
 * the guest asks for it: "xen-console: type a line" -> "pong" -> the guest echoes it back.
 *
 * Command line: bulk=N (bytes of bulk output through the ring)
 */
#include "xen.h"

#include <xen/io/console.h>

#define VEC_UPCALL 0x50

static volatile struct xencons_interface *ring;
static u32 port;

static void cio_write(const char *s)
{
	GUEST_ASSERT_EQ(HYPERCALL3(console_io, CONSOLEIO_write, strlen(s), s), 0);
}

/* hvc_xen's write: as much as fits, then notify; wait for room while full. */
static void hvc_write(const char *s, size_t len)
{
	while (len) {
		XENCONS_RING_IDX cons = __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE);
		XENCONS_RING_IDX prod = ring->out_prod;
		size_t n = 0;

		while (n < len && prod - cons < sizeof(ring->out))
			ring->out[MASK_XENCONS_IDX(prod++, ring->out)] = s[n++];
		__atomic_store_n(&ring->out_prod, prod, __ATOMIC_RELEASE);
		GUEST_ASSERT_EQ(evtchn_send(port), 0);
		s += n;
		len -= n;
		if (len) /* full: xkvm notifies us when it has taken some */
			GUEST_ASSERT(WAIT_UNTIL(ring->out_prod - ring->out_cons < sizeof(ring->out),
						5000));
	}
}

static void hvc_puts(const char *s)
{
	hvc_write(s, strlen(s));
}

/* A line of input from the in ring (waits for it, with interrupts on). */
static size_t hvc_getline(char *buf, size_t size)
{
	size_t n = 0;

	for (;;) {
		XENCONS_RING_IDX cons = ring->in_cons;
		XENCONS_RING_IDX prod = __atomic_load_n(&ring->in_prod, __ATOMIC_ACQUIRE);

		while (cons != prod) {
			char c = ring->in[MASK_XENCONS_IDX(cons++, ring->in)];

			if (c == '\n' || c == '\r') {
				__atomic_store_n(&ring->in_cons, cons, __ATOMIC_RELEASE);
				evtchn_send(port);
				buf[n] = '\0';
				return n;
			}
			if (n + 1 < size)
				buf[n++] = c;
		}
		__atomic_store_n(&ring->in_cons, cons, __ATOMIC_RELEASE);
		evtchn_send(port); /* room for more */
		GUEST_ASSERT(WAIT_UNTIL(ring->in_prod != cons, 20000));
	}
}

int main(void)
{
	u64 bulk = cmdline_get_u64("bulk", 8192);
	u64 pfn, evtchn;
	char line[128];
	struct evtchn_status st;

	GUEST_ASSERT_EQ(xen_init(VEC_UPCALL, true), 0);

	/* console_io: lines, printable characters only */
	cio_write("xen-console: hello from console_io\n");
	cio_write("xen-console: two \x01\x02parts ");
	cio_write("of one line\n");
	GUEST_ASSERT_EQ(HYPERCALL3(console_io, CONSOLEIO_write, 10, 0x10000000), -XEN_EFAULT);
	GUEST_ASSERT_EQ(HYPERCALL3(console_io, CONSOLEIO_read, sizeof(line), line), 0);

	/* the PV console as hvc_xen finds it */
	GUEST_ASSERT_EQ(xen_hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn), 0);
	GUEST_ASSERT_EQ(xen_hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &evtchn), 0);
	GUEST_ASSERT(pfn && evtchn);
	GUEST_ASSERT_EQ(evtchn_status((u32)evtchn, &st), 0);
	GUEST_ASSERT_EQ(st.status, EVTCHNSTAT_interdomain);
	GUEST_ASSERT_EQ(st.u.interdomain.dom, 0);
	ring = (volatile struct xencons_interface *)(uintptr_t)(pfn << 12);
	port = (u32)evtchn;
	GUEST_ASSERT_EQ(ring->out_prod, 0);
	GUEST_ASSERT_EQ(ring->in_prod, 0);

	hvc_puts("xen-console: hvc0 says hello\r\n");
	/* flow control: more than the ring holds */
	{
		static char chunk[64];
		u64 done = 0;

		memset(chunk, '#', sizeof(chunk));
		chunk[sizeof(chunk) - 2] = '\r';
		chunk[sizeof(chunk) - 1] = '\n';
		while (done < bulk) {
			hvc_write(chunk, sizeof(chunk));
			done += sizeof(chunk);
		}
	}
	hvc_puts("xen-console: bulk done\r\n");
	GUEST_ASSERT(WAIT_UNTIL(ring->out_cons == ring->out_prod, 5000));

	/* a guest that corrupts its indices loses what it claimed, nothing else */
	ring->out_prod = ring->out_cons + 100000;
	GUEST_ASSERT_EQ(evtchn_send(port), 0);
	GUEST_ASSERT(WAIT_UNTIL(ring->out_cons == ring->out_prod, 5000));
	hvc_puts("xen-console: still here\r\n");

	/* input, both ways */
	hvc_puts("xen-console: type a line\r\n");
	hvc_getline(line, sizeof(line));
	hvc_puts("xen-console: echo: ");
	hvc_puts(line);
	hvc_puts("\r\n");
	GUEST_ASSERT(WAIT_UNTIL(ring->out_cons == ring->out_prod, 5000));
	GUEST_SYNC("xen-console-ok", strlen(line));
	return 0;
}
