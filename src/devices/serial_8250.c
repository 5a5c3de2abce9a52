/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * COM1 (see serial_8250.h): the 16550A model (uart16550.c) on the PIO bus, its IRQ line,
 * and the plumbing between its FIFOs and the back-end (chardev.c) on the main loop.
 *
 * Who does what:
 *  - vCPU thread, guest access: the register access under s->lock.  A THR write that
 *    finds the TX FIFO non-empty schedules the main loop (tx_job), once; an LSR read
 *    moves the TX FIFO into the output buffer at once, so a polling guest sees THRE as
 *    soon as there is room.  A read that makes room in a paused receiver schedules
 *    rx_job.  Nothing here blocks or does I/O on the back-end.
 *  - main thread: tx_flush() moves the TX FIFO into the output buffer (THRE interrupt)
 *    and writes the buffer out; on EAGAIN it waits for EPOLLOUT.  rx_pump() reads as
 *    many bytes as the RX FIFO has room for, handles C-a escapes, and stops watching
 *    the input while the FIFO is full.  rx_timer raises the character timeout.
 */
#include "devices/serial_8250.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "arch/x86/layout.h"
#include "devices/chardev.h"
#include "devices/uart16550.h"
#include "util/log.h"
#include "vm/vm.h"

#define SERIAL_LABEL "serial0"
/* Work done per main-loop callback before yielding to other events. */
#define SERIAL_BATCH 16

struct serial {
	struct vm *vm;
	pthread_mutex_t lock;
	struct uart16550 uart;  /* lock */
	struct chardev chr;     /* main thread */
	struct ratelimit rl;

	/* Bytes the UART shifted out, waiting for the back-end: a ring; vCPUs append under
	 * the lock, the main thread writes [head, head + len) out and consumes it. */
	uint8_t out[SERIAL_OUT_BUF];
	size_t out_head, out_len;       /* lock */
	bool out_dead;                  /* lock: the back-end went away; discard */
	bool tx_scheduled;              /* lock: tx_job posted or EPOLLOUT armed */
	bool out_polling;               /* main: waiting for EPOLLOUT */

	/* Input. */
	bool rx_want;                   /* lock: the main loop waits for FIFO room */
	bool in_armed;                  /* main: EPOLLIN wanted */
	bool in_done;                   /* main: end of file, error or C-a x */
	bool in_pollable;               /* main: epoll accepts the fd */
	bool in_reg, out_reg;           /* main: registered with the loop */
	uint8_t rx_pend[UART_FIFO_SIZE];/* main: read but not yet taken by the FIFO */
	unsigned rx_pend_len;

	/* The IRQ line as last driven (lock). */
	bool irq_line;
	uint64_t irq_seen;

	/* The character timeout (lock). */
	struct loop_timer rx_timer;
	bool rx_timer_armed;
	uint64_t rx_activity_ns;

	struct loop_job tx_job, rx_job;

	/* A second console on this back-end (serial_set_tap); main thread. */
	const struct serial_tap *tap;
	void *tap_opaque;
	bool tap_rx_want;               /* lock: the tap ran out of room for input */
	bool tap_tx_short;              /* lock: a tap write was cut short */

	/* Counters (lock), reported at exit when something was lost. */
	uint64_t tx_bytes, tx_discarded, rx_bytes, irq_edges;
};

/* ---- under s->lock --------------------------------------------------------------------- */

static void irq_sync_locked(struct serial *s)
{
	bool level = s->uart.sources != 0;
	int ret = 0;

	if (level && (!s->irq_line || s->uart.raise_count != s->irq_seen)) {
		/* A new cause: give it its own rising edge (ISA IRQs are edge-triggered). */
		if (s->irq_line)
			ret = vm_irq_line(s->vm, IRQ_COM1, 0);
		if (!ret)
			ret = vm_irq_line(s->vm, IRQ_COM1, 1);
		s->irq_edges++;
		trace_serial_irq(&s->vm->trace, 1, s->uart.sources);
	} else if (!level && s->irq_line) {
		ret = vm_irq_line(s->vm, IRQ_COM1, 0);
		trace_serial_irq(&s->vm->trace, 0, 0);
	}
	if (ret < 0)
		log_guest(&s->rl, "%s: KVM_IRQ_LINE %d: %s", SERIAL_LABEL, IRQ_COM1,
			  strerror(-ret));
	s->irq_line = level;
	s->irq_seen = s->uart.raise_count;
}

static bool discarding_locked(struct serial *s)
{
	return s->out_dead || s->chr.out_fd < 0;
}

/* The shift register: TX FIFO -> output buffer, as far as there is room. */
static void tx_move_locked(struct serial *s)
{
	uint8_t tmp[UART_FIFO_SIZE];
	size_t room = SERIAL_OUT_BUF - s->out_len;
	unsigned n;

	if (discarding_locked(s)) {
		n = uart_tx_pop(&s->uart, tmp, sizeof(tmp));
		s->tx_discarded += n;
	} else {
		n = uart_tx_pop(&s->uart, tmp, room < sizeof(tmp) ? (unsigned)room : sizeof(tmp));
		for (unsigned i = 0; i < n; i++)
			s->out[(s->out_head + s->out_len++) % SERIAL_OUT_BUF] = tmp[i];
	}
	uart_set_wire_busy(&s->uart, s->out_len != 0);
}

static void tx_kick_locked(struct serial *s)
{
	if (!s->tx_scheduled && (uart_tx_count(&s->uart) || s->out_len)) {
		s->tx_scheduled = true;
		loop_post(&s->vm->loop, &s->tx_job);
	}
}

static void rx_timer_check_locked(struct serial *s)
{
	struct uart16550 *u = &s->uart;

	if (s->rx_timer_armed || !uart_fifo_enabled(u) || !uart_rx_count(u) || u->timeout_pending)
		return;
	if (loop_timer_arm(&s->rx_timer, uart_timeout_ns(u), false) == 0)
		s->rx_timer_armed = true;
}

/* Resume input once the FIFO has room for a useful amount (half of it, or the one
 * byte of 16450 mode). */
static void rx_resume_check_locked(struct serial *s)
{
	unsigned cap = uart_fifo_enabled(&s->uart) ? UART_FIFO_SIZE : 1;

	if (s->rx_want && uart_rx_room(&s->uart) * 2 >= cap) {
		s->rx_want = false;
		loop_post(&s->vm->loop, &s->rx_job);
	}
}

static void after_change_locked(struct serial *s)
{
	irq_sync_locked(s);
	rx_timer_check_locked(s);
	rx_resume_check_locked(s);
}

/* ---- guest accesses (vCPU threads) ---------------------------------------------------- */

static uint8_t serial_read_reg(struct serial *s, unsigned reg)
{
	struct uart16550 *u = &s->uart;
	uint8_t v;

	pthread_mutex_lock(&s->lock);
	if (reg == UART_LSR) {
		tx_move_locked(s);
		tx_kick_locked(s);
	}
	v = uart_read(u, reg);
	if (reg == UART_RBR && !(u->lcr & UART_LCR_DLAB))
		s->rx_activity_ns = clock_ns();
	after_change_locked(s);
	pthread_mutex_unlock(&s->lock);
	trace_serial_ioport_read(&s->vm->trace, reg, v);
	return v;
}

static void serial_write_reg(struct serial *s, unsigned reg, uint8_t val)
{
	struct uart16550 *u = &s->uart;

	trace_serial_ioport_write(&s->vm->trace, reg, val);
	pthread_mutex_lock(&s->lock);
	if (reg == UART_THR && !(u->lcr & UART_LCR_DLAB)) {
		unsigned cap = uart_fifo_enabled(u) ? UART_FIFO_SIZE : 1;
		if (uart_tx_count(u) >= cap)
			tx_move_locked(s); /* make room if the buffer can take it */
		uart_write(u, reg, val);
		tx_kick_locked(s);
	} else {
		uart_write(u, reg, val);
		if (reg == UART_FCR || reg == UART_MCR)
			tx_kick_locked(s); /* FIFO mode or loopback may have changed */
		if (reg == UART_LCR || (reg <= UART_DLM && (u->lcr & UART_LCR_DLAB)))
			s->rx_timer_armed = false; /* the character time changed: re-arm */
	}
	after_change_locked(s);
	pthread_mutex_unlock(&s->lock);
}

static uint64_t serial_bus_read(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	(void)vcpu;
	/* The UART is byte-wide: a wider access reads consecutive registers. */
	for (unsigned i = 0; i < size; i++) {
		uint64_t b = off + i < 8 ? serial_read_reg(opaque, (unsigned)(off + i)) : 0xff;
		v |= b << (8 * i);
	}
	return v;
}

static void serial_bus_write(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size,
			     uint64_t val)
{
	(void)vcpu;
	for (unsigned i = 0; i < size && off + i < 8; i++)
		serial_write_reg(opaque, (unsigned)(off + i), (uint8_t)(val >> (8 * i)));
}

static const struct bus_ops serial_ops = {
	.read = serial_bus_read,
	.write = serial_bus_write,
};

/* ---- back-end plumbing (main thread) ---------------------------------------------------- */

static void serial_in_ready(void *opaque, uint32_t events);
static void serial_out_ready(void *opaque, uint32_t events);
static void serial_io_ready(void *opaque, uint32_t events);

static int watch(struct serial *s, int fd, bool *reg, uint32_t want, loop_fd_fn fn)
{
	int ret;

	if (!want) {
		if (*reg)
			loop_del_fd(&s->vm->loop, fd);
		*reg = false;
		return 0;
	}
	if (*reg)
		return loop_mod_fd(&s->vm->loop, fd, want);
	ret = loop_add_fd(&s->vm->loop, fd, want, fn, s);
	if (ret == 0)
		*reg = true;
	return ret;
}

/* Register exactly the events we wait for: an fd we are not waiting on is not watched
 * at all, so a hung-up pipe cannot spin the loop with EPOLLHUP. */
static void sync_fds(struct serial *s)
{
	int in = s->chr.in_fd, out = s->chr.out_fd, ret;
	uint32_t in_want = in >= 0 && !s->in_done && s->in_pollable && s->in_armed ? EPOLLIN : 0;
	uint32_t out_want = out >= 0 && s->out_polling ? EPOLLOUT : 0;

	if (in >= 0 && in == out) {
		ret = watch(s, in, &s->in_reg, in_want | out_want, serial_io_ready);
	} else {
		ret = in >= 0 ? watch(s, in, &s->in_reg, in_want, serial_in_ready) : 0;
		if (ret == -EPERM) {
			/* A regular file or /dev/null: always "ready"; rx_pump reads it
			 * whenever the FIFO has room. */
			s->in_pollable = false;
			ret = 0;
		}
		if (!ret && out >= 0)
			ret = watch(s, out, &s->out_reg, out_want, serial_out_ready);
	}
	if (ret < 0 && ret != -EPERM)
		log_error("%s: cannot watch the back-end: %s", SERIAL_LABEL, strerror(-ret));
}

static void out_gone(struct serial *s, int err)
{
	pthread_mutex_lock(&s->lock);
	if (!s->out_dead)
		log_warn("%s: output: %s; discarding further output", SERIAL_LABEL, strerror(err));
	s->out_dead = true;
	s->tx_discarded += s->out_len;
	s->out_head = s->out_len = 0;
	uart_set_wire_busy(&s->uart, false);
	pthread_mutex_unlock(&s->lock);
	s->out_polling = false;
	sync_fds(s);
}

static void tx_flush(struct serial *s)
{
	for (unsigned i = 0; i < SERIAL_BATCH; i++) {
		const uint8_t *p;
		size_t n;
		ssize_t r;

		pthread_mutex_lock(&s->lock);
		tx_move_locked(s);
		after_change_locked(s);
		if (!s->out_len) {
			bool tap_room = s->tap_tx_short;

			s->tx_scheduled = false;
			s->tap_tx_short = false;
			pthread_mutex_unlock(&s->lock);
			if (s->out_polling) {
				s->out_polling = false;
				sync_fds(s);
			}
			if (tap_room && s->tap && s->tap->output_room)
				s->tap->output_room(s->tap_opaque);
			return;
		}
		p = s->out + s->out_head;
		n = s->out_len;
		if (n > SERIAL_OUT_BUF - s->out_head)
			n = SERIAL_OUT_BUF - s->out_head;
		pthread_mutex_unlock(&s->lock);

		/* Only this thread consumes: [p, p + n) is stable without the lock. */
		r = chardev_write(&s->chr, p, n);
		if (r == -EAGAIN) {
			if (!s->out_polling) {
				s->out_polling = true;
				sync_fds(s);
				if (!s->out_reg) /* cannot wait for it: give up on it */
					out_gone(s, EAGAIN);
			}
			return; /* tx_scheduled stays set: EPOLLOUT resumes us */
		}
		if (r < 0) {
			out_gone(s, (int)-r);
			continue;
		}
		pthread_mutex_lock(&s->lock);
		s->out_head = (s->out_head + (size_t)r) % SERIAL_OUT_BUF;
		s->out_len -= (size_t)r;
		s->tx_bytes += (uint64_t)r;
		pthread_mutex_unlock(&s->lock);
	}
	loop_post(&s->vm->loop, &s->tx_job); /* more to do: yield first */
}

static void tx_job_fn(void *opaque)
{
	tx_flush(opaque);
}

static bool tap_input(struct serial *s)
{
	return s->tap && s->tap->wants_input(s->tap_opaque);
}

static void rx_deliver(struct serial *s)
{
	unsigned n;

	if (tap_input(s)) {
		n = (unsigned)s->tap->input(s->tap_opaque, s->rx_pend, s->rx_pend_len);
		if (n > s->rx_pend_len)
			n = s->rx_pend_len;
		pthread_mutex_lock(&s->lock);
		s->rx_bytes += n;
		if (n < s->rx_pend_len)
			s->tap_rx_want = true;
		pthread_mutex_unlock(&s->lock);
		memmove(s->rx_pend, s->rx_pend + n, s->rx_pend_len - n);
		s->rx_pend_len -= n;
		return;
	}
	pthread_mutex_lock(&s->lock);
	n = uart_rx_push(&s->uart, s->rx_pend, s->rx_pend_len);
	if (n) {
		s->rx_bytes += n;
		s->rx_activity_ns = clock_ns();
	}
	if (n < s->rx_pend_len)
		s->rx_want = true;
	after_change_locked(s);
	pthread_mutex_unlock(&s->lock);
	memmove(s->rx_pend, s->rx_pend + n, s->rx_pend_len - n);
	s->rx_pend_len -= n;
}

static void rx_stop(struct serial *s)
{
	s->in_done = true;
	s->in_armed = false;
	sync_fds(s);
}

/* Typed bytes through the C-a escapes; returns false once the input is finished. */
static bool rx_escapes(struct serial *s, const uint8_t *buf, size_t n)
{
	static const char bye[] = "xkvm: Terminated\r\n";

	for (size_t i = 0; i < n; i++) {
		uint8_t c;

		switch (term_escape_byte(&s->chr.esc, buf[i], &c)) {
		case TERM_DATA:
			s->rx_pend[s->rx_pend_len++] = c;
			break;
		case TERM_SWALLOW:
			break;
		case TERM_HELP:
			chardev_write(&s->chr, term_escape_help, strlen(term_escape_help));
			break;
		case TERM_BREAK:
			rx_deliver(s); /* what was typed before the break goes first */
			pthread_mutex_lock(&s->lock);
			uart_rx_break(&s->uart);
			after_change_locked(s);
			pthread_mutex_unlock(&s->lock);
			break;
		case TERM_QUIT:
			chardev_write(&s->chr, bye, strlen(bye));
			log_info("%s: C-a x: quitting", SERIAL_LABEL);
			vm_request_shutdown(s->vm, SHUTDOWN_CAUSE_HOST_QMP_QUIT, 0);
			rx_stop(s);
			return false;
		}
	}
	return true;
}

static void rx_pump(struct serial *s)
{
	for (unsigned i = 0; i < SERIAL_BATCH; i++) {
		uint8_t buf[UART_FIFO_SIZE];
		unsigned room;
		ssize_t r;

		if (s->rx_pend_len) {
			rx_deliver(s);
			if (s->rx_pend_len) {
				/* rx_want is set: a guest read brings us back. */
				s->in_armed = false;
				sync_fds(s);
				return;
			}
		}
		if (s->in_done)
			return;
		if (tap_input(s)) {
			size_t tr = s->tap->input_room(s->tap_opaque);

			room = tr < UART_FIFO_SIZE ? (unsigned)tr : UART_FIFO_SIZE;
			pthread_mutex_lock(&s->lock);
			if (!room)
				s->tap_rx_want = true;
			pthread_mutex_unlock(&s->lock);
		} else {
			pthread_mutex_lock(&s->lock);
			room = uart_rx_room(&s->uart);
			if (!room)
				s->rx_want = true;
			pthread_mutex_unlock(&s->lock);
		}
		if (!room) {
			s->in_armed = false;
			sync_fds(s);
			return;
		}
		r = chardev_read(&s->chr, buf, room);
		if (r == -EAGAIN) {
			if (!s->in_armed) {
				s->in_armed = true;
				sync_fds(s);
			}
			return;
		}
		if (r <= 0) {
			if (r < 0)
				log_warn("%s: input: %s; no more input", SERIAL_LABEL,
					 strerror((int)-r));
			rx_stop(s);
			return;
		}
		if (s->chr.escapes) {
			if (!rx_escapes(s, buf, (size_t)r))
				return;
		} else {
			memcpy(s->rx_pend, buf, (size_t)r);
			s->rx_pend_len = (unsigned)r;
		}
	}
	loop_post(&s->vm->loop, &s->rx_job); /* more to do: yield first */
}

static void rx_job_fn(void *opaque)
{
	struct serial *s = opaque;

	rx_pump(s);
}

static void serial_in_ready(void *opaque, uint32_t events)
{
	(void)events;
	rx_pump(opaque);
}

static void serial_out_ready(void *opaque, uint32_t events)
{
	struct serial *s = opaque;

	if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLOUT))
		out_gone(s, EPIPE);
	tx_flush(s); /* drains (or discards) what is left and clears tx_scheduled */
}

static void serial_io_ready(void *opaque, uint32_t events)
{
	struct serial *s = opaque;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		rx_pump(s);
	if (s->out_polling && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		tx_flush(s);
}

static void rx_timer_fn(void *opaque)
{
	struct serial *s = opaque;
	struct uart16550 *u = &s->uart;

	pthread_mutex_lock(&s->lock);
	s->rx_timer_armed = false;
	if (uart_fifo_enabled(u) && uart_rx_count(u) && !u->timeout_pending) {
		uint64_t t = uart_timeout_ns(u), idle = clock_ns() - s->rx_activity_ns;

		if (idle >= t) {
			uart_rx_timeout(u);
		} else if (loop_timer_arm(&s->rx_timer, t - idle, false) == 0) {
			s->rx_timer_armed = true;
		}
	}
	after_change_locked(s);
	pthread_mutex_unlock(&s->lock);
}

/* ---- the tap: a second console on this back-end ----------------------------------------- */

void serial_set_tap(struct serial *s, const struct serial_tap *tap, void *opaque)
{
	s->tap = tap;
	s->tap_opaque = opaque;
}

size_t serial_tap_write(struct serial *s, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	size_t n;

	pthread_mutex_lock(&s->lock);
	if (discarding_locked(s)) {
		s->tx_discarded += len;
		pthread_mutex_unlock(&s->lock);
		return len;
	}
	n = SERIAL_OUT_BUF - s->out_len;
	if (n > len)
		n = len;
	for (size_t i = 0; i < n; i++)
		s->out[(s->out_head + s->out_len++) % SERIAL_OUT_BUF] = b[i];
	if (n < len)
		s->tap_tx_short = true;
	uart_set_wire_busy(&s->uart, s->out_len != 0);
	tx_kick_locked(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

void serial_tap_input_ready(struct serial *s)
{
	bool post;

	pthread_mutex_lock(&s->lock);
	post = s->tap_rx_want;
	s->tap_rx_want = false;
	pthread_mutex_unlock(&s->lock);
	if (post)
		loop_post(&s->vm->loop, &s->rx_job);
}

/* ---- life cycle ------------------------------------------------------------------------- */

static void serial_reset(void *opaque)
{
	struct serial *s = opaque;

	pthread_mutex_lock(&s->lock);
	uart_reset(&s->uart);
	s->rx_want = true; /* the FIFO was cleared: take input again */
	after_change_locked(s);
	tx_kick_locked(s);
	pthread_mutex_unlock(&s->lock);
}

/* The VM is over (vCPUs stopped): push what the guest wrote to the back-end, waiting
 * for it at most SERIAL_FLUSH_TIMEOUT_MS in all. */
static void final_flush(struct serial *s)
{
	uint64_t deadline = clock_ns() + SERIAL_FLUSH_TIMEOUT_MS * 1000000ull;

	for (;;) {
		const uint8_t *p;
		size_t n;
		ssize_t r;

		tx_move_locked(s);
		if (!s->out_len || s->out_dead)
			return;
		p = s->out + s->out_head;
		n = s->out_len;
		if (n > SERIAL_OUT_BUF - s->out_head)
			n = SERIAL_OUT_BUF - s->out_head;
		r = chardev_write(&s->chr, p, n);
		if (r == -EAGAIN) {
			uint64_t now = clock_ns();
			struct pollfd pfd = { .fd = s->chr.out_fd, .events = POLLOUT };

			if (now >= deadline || poll(&pfd, 1, (int)((deadline - now) / 1000000) + 1) <= 0) {
				log_warn("%s: the back-end took no output for %u ms; dropping %zu bytes",
					 SERIAL_LABEL, SERIAL_FLUSH_TIMEOUT_MS,
					 s->out_len + uart_tx_count(&s->uart));
				s->tx_discarded += s->out_len + uart_tx_count(&s->uart);
				return;
			}
			continue;
		}
		if (r < 0) {
			s->tx_discarded += s->out_len;
			return;
		}
		s->out_head = (s->out_head + (size_t)r) % SERIAL_OUT_BUF;
		s->out_len -= (size_t)r;
		s->tx_bytes += (uint64_t)r;
	}
}

static void serial_destroy(void *opaque)
{
	struct serial *s = opaque;

	final_flush(s);
	log_debug("%s: %llu bytes out, %llu bytes in, %llu IRQ edges", SERIAL_LABEL,
		  (unsigned long long)s->tx_bytes, (unsigned long long)s->rx_bytes,
		  (unsigned long long)s->irq_edges);
	if (s->tx_discarded || s->uart.tx_dropped)
		log_warn("%s: %llu bytes of output lost (back-end gone or stuck), %llu bytes "
			 "written while the TX FIFO was full", SERIAL_LABEL,
			 (unsigned long long)s->tx_discarded,
			 (unsigned long long)s->uart.tx_dropped);
	loop_timer_destroy(&s->rx_timer);
	s->in_done = true;
	s->out_polling = false;
	sync_fds(s);
	chardev_close(&s->chr);
	if (s->vm->serial == s)
		s->vm->serial = NULL;
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int serial_create(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct serial *s;
	char err[256] = "";
	int ret;

	if (cfg->serial == SERIAL_BACKEND_NONE)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->vm = vm;
	s->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&s->lock, NULL);
	uart_init(&s->uart);
	loop_job_init(&s->tx_job, tx_job_fn, s);
	loop_job_init(&s->rx_job, rx_job_fn, s);
	s->rx_timer.fd = -1;
	s->in_pollable = true;
	s->in_armed = true;

	ret = chardev_open(&s->chr, cfg->serial, cfg->serial_path, SERIAL_LABEL, err, sizeof(err));
	if (ret < 0) {
		log_error("-serial: %s", err);
		goto fail;
	}
	if ((ret = loop_timer_init(&vm->loop, &s->rx_timer, rx_timer_fn, s)) < 0) {
		log_error("%s: timerfd: %s", SERIAL_LABEL, strerror(-ret));
		goto fail_chr;
	}
	ret = bus_register(&vm->pio, PORT_COM1, 8, &serial_ops, s, SERIAL_LABEL);
	if (ret < 0) {
		log_error("%s: I/O ports 0x%x-0x%x: %s", SERIAL_LABEL, PORT_COM1, PORT_COM1 + 7,
			  strerror(-ret));
		goto fail_timer;
	}
	ret = vm_add_device(vm, SERIAL_LABEL, s, serial_reset, serial_destroy);
	if (ret < 0) {
		log_error("%s: too many devices", SERIAL_LABEL);
		bus_unregister(&vm->pio, PORT_COM1, s);
		goto fail_timer;
	}
	vm->serial = s;
	if (s->chr.in_fd < 0)
		s->in_done = true;
	/* Start reading: epoll tells us about a pipe or terminal; a regular file is
	 * read right away, as far as the FIFO takes it. */
	sync_fds(s);
	if (!s->in_done && !s->in_pollable)
		loop_post(&vm->loop, &s->rx_job);
	return 0;

fail_timer:
	loop_timer_destroy(&s->rx_timer);
fail_chr:
	chardev_close(&s->chr);
fail:
	pthread_mutex_destroy(&s->lock);
	free(s);
	return ret;
}
