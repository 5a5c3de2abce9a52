/* SPDX-License-Identifier: GPL-2.0-only */
/* The Xen guest ABI wired into xkvm (see vmm.h and docs/xen.md). */
#include "xen/vmm.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "arch/x86/layout.h"
#include "devices/serial_8250.h"
#include "qmp/server.h"
#include "util/log.h"
#include "vcpu/vcpu.h"
#include "vm/vm.h"
#include "xen/cpuid.h"
#include "xen/domain.h"
#include "xen/guest_access.h"
#include "xen/hypercall.h"
#include "xen/pvclock.h"
#include "xen/qmp.h"
#include "xen/state.h"

#define EFER_LMA (1ull << 10)
#define RFLAGS_VM (1ull << 17)
#define MSR_IA32_TSC 0x10
#define NR_IOAPIC_PINS 24
/* A vCPU in SCHEDOP_block/poll re-checks at least this often: interrupts that do not
 * come through event channels (its LAPIC timer, device MSIs) are invisible to us. */
#define WAIT_SLICE_NS 10000000ull

struct xen_vmm_vcpu {
	struct xen_vmm *x;
	unsigned id;
	struct loop_timer timer;
	bool timer_ready;
	_Atomic bool tsc_known;
	_Atomic int64_t tsc_offset; /* guest TSC - host TSC */
};

struct xen_vmm {
	struct vm *vm;
	struct xen_domain dom;
	struct xen_vmm_vcpu *vcpu; /* [max_vcpus] */
	uint32_t tsc_khz;
	bool tsc_offset_attr;      /* KVM_VCPU_TSC_OFFSET readable */
	bool sync_regs;            /* KVM_CAP_SYNC_REGS: registers come with every exit */

	/* SCHEDOP_block/poll: waiters sleep on wake_seq. */
	_Atomic uint32_t wake_seq;
	_Atomic unsigned waiters;

	/* HVM_PARAM_CALLBACK_IRQ of type GSI: a resampled irqfd on an IOAPIC pin. */
	pthread_mutex_t gsi_lock;
	int gsi_fd, gsi_resample_fd;
	int gsi_assigned;          /* the GSI the irqfd is attached to, -1: none */

	struct loop_job console_job, panic_job;
	struct ratelimit rl;
	struct ratelimit console_rl; /* console_io lines logged without a serial back-end */
};

static uint64_t host_now(void *opaque);

/* ---- time -------------------------------------------------------------------------- */

static int get_clock(struct xen_vmm *x, struct kvm_clock_data *c)
{
	memset(c, 0, sizeof(*c));
	return ioctl(x->vm->vm_fd, KVM_GET_CLOCK, c) < 0 ? -errno : 0;
}

/* Xen system time: the guest's kvmclock. */
static uint64_t host_now(void *opaque)
{
	struct xen_vmm *x = opaque;
	struct kvm_clock_data c;

	if (get_clock(x, &c)) {
		log_guest(&x->rl, "xen: KVM_GET_CLOCK: %s", strerror(errno));
		return 0;
	}
	return c.clock;
}

/* The vCPU's TSC offset.  KVM_VCPU_TSC_OFFSET when KVM has it; else a KVM_GET_MSRS of
 * the guest TSC between two host RDTSCs (the vCPU must not be running: the ioctls wait
 * for its KVM_RUN otherwise). */
static void read_tsc_offset(struct xen_vmm *x, struct vcpu *v)
{
	struct xen_vmm_vcpu *xv = &x->vcpu[v->id];
	uint64_t off = 0;
	struct kvm_device_attr a = { .group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
				     .addr = (uintptr_t)&off };

	if (x->tsc_offset_attr) {
		if (ioctl(v->fd, KVM_GET_DEVICE_ATTR, &a) == 0) {
			atomic_store(&xv->tsc_offset, (int64_t)off);
			atomic_store(&xv->tsc_known, true);
			return;
		}
		x->tsc_offset_attr = false; /* an older KVM: measure it instead */
	}
	{
		struct {
			struct kvm_msrs h;
			struct kvm_msr_entry e;
		} m = { .h.nmsrs = 1, .e.index = MSR_IA32_TSC };
		uint64_t t0 = __rdtsc(), t1;

		if (ioctl(v->fd, KVM_GET_MSRS, &m) != 1)
			return;
		t1 = __rdtsc();
		atomic_store(&xv->tsc_offset, (int64_t)(m.e.data - (t0 + (t1 - t0) / 2)));
		atomic_store(&xv->tsc_known, true);
	}
}

/* vcpu_time_info as KVM computes kvmclock's: the guest TSC and kvmclock at one instant,
 * scaled by the vCPU's TSC frequency.  xkvm never sets a TSC frequency, so the guest TSC
 * runs at the host's rate: guest TSC = host TSC + offset. */
static bool host_time_info(void *opaque, unsigned vcpu, struct vcpu_time_info *t)
{
	struct xen_vmm *x = opaque;
	struct xen_vmm_vcpu *xv = &x->vcpu[vcpu];
	struct kvm_clock_data c;
	uint64_t h0, h1, host_tsc;

	if (!x->tsc_khz || !atomic_load(&xv->tsc_known))
		return false;
	h0 = __rdtsc();
	if (get_clock(x, &c))
		return false;
	h1 = __rdtsc();
	host_tsc = (c.flags & KVM_CLOCK_HOST_TSC) ? c.host_tsc : h0 + (h1 - h0) / 2;
	xen_pvclock_fill(t, host_tsc + (uint64_t)atomic_load(&xv->tsc_offset), c.clock,
			 x->tsc_khz, c.flags & KVM_CLOCK_TSC_STABLE);
	return true;
}

static void host_wallclock(void *opaque, uint64_t *sec, uint32_t *nsec)
{
	struct xen_vmm *x = opaque;
	struct kvm_clock_data c;
	struct timespec ts;
	uint64_t real_ns, boot_ns;

	if (get_clock(x, &c))
		return;
	if (c.flags & KVM_CLOCK_REALTIME) {
		real_ns = c.realtime;
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		real_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	/* The wall clock at Xen system time 0. */
	boot_ns = real_ns > c.clock ? real_ns - c.clock : 0;
	*sec = boot_ns / 1000000000ull;
	*nsec = (uint32_t)(boot_ns % 1000000000ull);
}

static void host_timer_arm(void *opaque, unsigned vcpu, uint64_t deadline)
{
	struct xen_vmm *x = opaque;
	struct xen_vmm_vcpu *xv = &x->vcpu[vcpu];
	int64_t delta = 0;

	if (!xv->timer_ready)
		return;
	if (deadline) {
		delta = (int64_t)(deadline - host_now(x));
		if (delta < 1)
			delta = 1; /* due: fire from the loop at once */
	}
	trace_xen_timer_arm(&x->vm->trace, vcpu, deadline, delta);
	loop_timer_arm(&xv->timer, (uint64_t)delta, false);
}

static void timer_expired(void *opaque)
{
	struct xen_vmm_vcpu *xv = opaque;

	trace_xen_timer_expired(&xv->x->vm->trace, xv->id);
	xen_domain_timer_expired(&xv->x->dom, xv->id);
}

/* ---- upcalls ----------------------------------------------------------------------- */

static void host_inject_vector(void *opaque, unsigned vcpu, uint8_t vector)
{
	struct xen_vmm *x = opaque;
	/* Fixed, edge, physical destination = the vCPU's APIC ID (its slot).  IDs above 255
	 * go in address_hi, which KVM reads with KVM_X2APIC_API_USE_32BIT_IDS. */
	struct kvm_msi msi = {
		.address_lo = (uint32_t)LAYOUT_LAPIC | (vcpu & 0xff) << 12,
		.address_hi = x->vm->caps.x2apic_api ? vcpu & ~0xffu : 0,
		.data = vector,
	};

	trace_xen_upcall(&x->vm->trace, vcpu, vector);
	if (ioctl(x->vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0)
		log_guest(&x->rl, "xen: upcall vector 0x%x to vcpu %u: KVM_SIGNAL_MSI: %s", vector,
			  vcpu, strerror(errno));
}

static int gsi_irqfd(struct xen_vmm *x, int gsi, bool assign)
{
	struct kvm_irqfd f = { .fd = (uint32_t)x->gsi_fd, .gsi = (uint32_t)gsi };

	if (assign) {
		f.flags = KVM_IRQFD_FLAG_RESAMPLE;
		f.resamplefd = (uint32_t)x->gsi_resample_fd;
	} else {
		f.flags = KVM_IRQFD_FLAG_DEASSIGN;
	}
	return ioctl(x->vm->vm_fd, KVM_IRQFD, &f) < 0 ? -errno : 0;
}

/* A level line through an irqfd: asserting attaches the irqfd (once) and signals it;
 * KVM drops the line at the guest's EOI and tells the resample fd, where we re-assert
 * while vCPU 0 still has an upcall pending.  Deasserting detaches the irqfd, which drops
 * the line at once. */
static void host_set_gsi(void *opaque, unsigned gsi, int level)
{
	struct xen_vmm *x = opaque;
	uint64_t one = 1;
	int ret = 0;

	if (gsi >= NR_IOAPIC_PINS) {
		log_guest(&x->rl, "xen: callback GSI %u is not an IOAPIC pin (0-%u); no upcall",
			  gsi, NR_IOAPIC_PINS - 1);
		return;
	}
	trace_xen_callback_gsi(&x->vm->trace, gsi, level);
	pthread_mutex_lock(&x->gsi_lock);
	if (level) {
		if (x->gsi_assigned != (int)gsi) {
			if (x->gsi_assigned >= 0)
				gsi_irqfd(x, x->gsi_assigned, false);
			x->gsi_assigned = -1;
			if ((ret = gsi_irqfd(x, (int)gsi, true)) == 0)
				x->gsi_assigned = (int)gsi;
		}
		if (!ret && write(x->gsi_fd, &one, sizeof(one)) != sizeof(one))
			ret = -errno;
	} else if (x->gsi_assigned >= 0) {
		ret = gsi_irqfd(x, x->gsi_assigned, false);
		x->gsi_assigned = -1;
	}
	pthread_mutex_unlock(&x->gsi_lock);
	if (ret)
		log_guest(&x->rl, "xen: callback GSI %u level %d: %s", gsi, level, strerror(-ret));
}

/* Main thread: the guest EOI'd the callback GSI. */
static void gsi_resampled(void *opaque, uint32_t events)
{
	struct xen_vmm *x = opaque;
	uint64_t n, one = 1;

	(void)events;
	if (read(x->gsi_resample_fd, &n, sizeof(n)) != sizeof(n))
		return;
	if (xen_domain_callback_poll(&x->dom)) {
		/* Still pending: the line stays up (KVM lowered it at the EOI). */
		pthread_mutex_lock(&x->gsi_lock);
		if (x->gsi_assigned >= 0 && write(x->gsi_fd, &one, sizeof(one)) != sizeof(one))
			log_guest(&x->rl, "xen: callback GSI: %s", strerror(errno));
		pthread_mutex_unlock(&x->gsi_lock);
	}
}

/* ---- SCHEDOP_block / SCHEDOP_poll -------------------------------------------------- */

static long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static void host_wait(void *opaque, unsigned vcpu, uint64_t deadline, bool (*done)(void *),
		      void *arg)
{
	struct xen_vmm *x = opaque;
	struct vcpu *v = vcpu < x->vm->max_vcpus ? x->vm->vcpu[vcpu] : NULL;
	uint64_t start = host_now(x);

	/* Without a timeout (SCHEDOP_block, or a poll with none), return after a slice
	 * anyway: spurious returns are allowed, and interrupts that are not event channels
	 * (invisible here) must reach the guest.  A poll's own timeout is kept. */
	if (!deadline)
		deadline = start + WAIT_SLICE_NS;
	atomic_fetch_add(&x->waiters, 1);
	for (;;) {
		uint32_t seq = atomic_load(&x->wake_seq);
		uint64_t now, slice = WAIT_SLICE_NS;
		struct timespec ts;

		if (done(arg))
			break;
		/* Asked to pause or stop, or kicked: back to KVM_RUN (a spurious wake-up). */
		if (!v || atomic_load(&v->req) || v->run->immediate_exit)
			break;
		now = host_now(x);
		if (now >= deadline)
			break;
		if (deadline - now < slice)
			slice = deadline - now;
		ts.tv_sec = (time_t)(slice / 1000000000ull);
		ts.tv_nsec = (long)(slice % 1000000000ull);
		futex(&x->wake_seq, FUTEX_WAIT_PRIVATE, seq, &ts);
	}
	atomic_fetch_sub(&x->waiters, 1);
	trace_xen_wait(&x->vm->trace, vcpu, host_now(x) - start);
}

static void host_wake(void *opaque, unsigned vcpu)
{
	struct xen_vmm *x = opaque;

	(void)vcpu;
	if (!atomic_load(&x->waiters))
		return;
	atomic_fetch_add(&x->wake_seq, 1);
	futex(&x->wake_seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
}

/* ---- shutdown ---------------------------------------------------------------------- */

static void panic_event(void *opaque)
{
	struct xen_vmm *x = opaque;

	vm_emit_event(x->vm, "GUEST_PANICKED", json_pack("{s:s}", "action", "poweroff"));
}

static void host_shutdown(void *opaque, unsigned reason)
{
	struct xen_vmm *x = opaque;

	switch (reason) {
	case SHUTDOWN_poweroff:
		vm_request_shutdown(x->vm, SHUTDOWN_CAUSE_GUEST_SHUTDOWN, 0);
		break;
	case SHUTDOWN_reboot:
		vm_request_reset(x->vm, SHUTDOWN_CAUSE_GUEST_RESET);
		break;
	case SHUTDOWN_crash:
		/* As QEMU with -action panic=shutdown (its default): GUEST_PANICKED, then
		 * SHUTDOWN with reason guest-panic.  Jobs run in order. */
		log_warn("xen: the guest crashed (SCHEDOP_shutdown, SHUTDOWN_crash)");
		loop_post(&x->vm->loop, &x->panic_job);
		vm_request_shutdown(x->vm, SHUTDOWN_CAUSE_GUEST_PANIC, 0);
		break;
	}
}

/* ---- consoles ---------------------------------------------------------------------- */

static size_t console_sink(void *opaque, const char *buf, size_t len)
{
	struct xen_vmm *x = opaque;
	size_t n = x->vm->serial ? serial_tap_write(x->vm->serial, buf, len) : len;

	trace_xen_console(&x->vm->trace, "out", (unsigned)n);
	return n;
}

/* CONSOLEIO_write: a line of printable text. */
static void host_console_line(void *opaque, const char *line, size_t len)
{
	struct xen_vmm *x = opaque;

	if (!x->vm->serial) {
		log_guest(&x->console_rl, "xen: console_io: %.*s", (int)len, line);
		return;
	}
	serial_tap_write(x->vm->serial, line, len);
	serial_tap_write(x->vm->serial, "\r\n", 2);
}

static void console_job(void *opaque)
{
	struct xen_vmm *x = opaque;

	xen_domain_console_service(&x->dom, console_sink, x, NULL, 0);
	/* The guest may have made room for input the back-end holds. */
	if (x->vm->serial)
		serial_tap_input_ready(x->vm->serial);
}

static void host_console_notify(void *opaque)
{
	struct xen_vmm *x = opaque;

	loop_post(&x->vm->loop, &x->console_job);
}

static bool tap_wants_input(void *opaque)
{
	struct xen_vmm *x = opaque;

	return xen_domain_console_used(&x->dom);
}

static size_t tap_input_room(void *opaque)
{
	struct xen_vmm *x = opaque;

	return xen_domain_console_in_room(&x->dom);
}

static size_t tap_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct xen_vmm *x = opaque;
	size_t n = xen_domain_console_service(&x->dom, console_sink, x, (const char *)buf, len);

	trace_xen_console(&x->vm->trace, "in", (unsigned)n);
	return n;
}

static void tap_output_room(void *opaque)
{
	console_job(opaque);
}

static const struct serial_tap console_tap = {
	.wants_input = tap_wants_input,
	.input_room = tap_input_room,
	.input = tap_input,
	.output_room = tap_output_room,
};

static const struct xen_host_ops host_ops = {
	.now = host_now,
	.timer_arm = host_timer_arm,
	.inject_vector = host_inject_vector,
	.set_gsi = host_set_gsi,
	.shutdown = host_shutdown,
	.wallclock = host_wallclock,
	.console_line = host_console_line,
	.time_info = host_time_info,
	.wait = host_wait,
	.wake = host_wake,
	.console_notify = host_console_notify,
};

/* ---- the hypercall trap: OUT %eax, $PORT_XEN_HCALL --------------------------------- */

static unsigned cpl_of(const struct kvm_regs *r, const struct kvm_sregs *s)
{
	if (!(s->cr0 & 1))
		return 0; /* real mode */
	if (r->rflags & RFLAGS_VM)
		return 3;
	return s->ss.dpl; /* as KVM and QEMU: SS.DPL is the CPL */
}

static bool is_long_mode(const struct kvm_sregs *s)
{
	return (s->efer & EFER_LMA) && s->cs.l;
}

/* The registers at the exit: from kvm_run when KVM syncs them (no ioctl), else read. */
static int get_regs(struct xen_vmm *x, struct vcpu *v, struct kvm_regs *r, struct kvm_sregs *s)
{
	if (x->sync_regs) {
		*r = v->run->s.regs.regs;
		*s = v->run->s.regs.sregs;
		return 0;
	}
	if (ioctl(v->fd, KVM_GET_REGS, r) < 0 || ioctl(v->fd, KVM_GET_SREGS, s) < 0)
		return -errno;
	return 0;
}

/* With synced registers the result goes into kvm_run, marked dirty: KVM applies it at
 * the next KVM_RUN (one ioctl less per hypercall, ~2 us here).  Whoever sets registers
 * in between (vcpu_reset, the boot registers) clears kvm_dirty_regs first. */
static int set_rax(struct xen_vmm *x, struct vcpu *v, struct kvm_regs *r)
{
	if (x->sync_regs) {
		v->run->s.regs.regs = *r;
		v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		return 0;
	}
	return ioctl(v->fd, KVM_SET_REGS, r) < 0 ? -errno : 0;
}

static void hcall_write(void *opaque, struct vcpu *v, uint64_t off, unsigned size, uint64_t val)
{
	struct xen_vmm *x = opaque;
	struct kvm_regs r;
	struct kvm_sregs s;
	struct xen_hcall hc;
	struct xen_gva_space space;
	struct xen_guest_access ga;
	bool lm;
	int64_t ret;

	(void)off;
	(void)val;
	/* Only the stubs' 4-byte OUT is a hypercall; anything else is an unclaimed port. */
	if (!v || size != 4)
		return;
	if ((ret = get_regs(x, v, &r, &s)) < 0) {
		log_guest(&x->rl, "xen: vcpu %u: reading registers for a hypercall: %s", v->id,
			  strerror((int)-ret));
		return;
	}
	/* Xen reads the arguments in the caller's current mode (hvm_guest_x86_mode). */
	lm = is_long_mode(&s);
	xen_hcall_from_regs(&hc, &r, lm, cpl_of(&r, &s), v->id);
	space = (struct xen_gva_space){
		.gm = &x->vm->mem,
		.paging = { s.cr0, s.cr3, s.cr4, s.efer },
		.long_mode = lm,
	};
	xen_guest_access_init(&ga, &space);
	/* Time hypercalls: the guest may have moved its TSC since we last looked. */
	if ((hc.nr == __HYPERVISOR_vcpu_op || hc.nr == __HYPERVISOR_set_timer_op) &&
	    x->tsc_offset_attr)
		read_tsc_offset(x, v);
	ret = xen_hypercall(&x->dom, &hc, &ga);
	trace_xen_hypercall(&x->vm->trace, v->id, hc.nr, xen_hypercall_name(hc.nr) ?: "?",
			    hc.arg[0], hc.arg[1], ret);
	/* As QEMU after vCPU 0's exits: a level callback whose upcall the guest has
	 * acknowledged (cleared upcall_pending) goes down, whatever the EOI did. */
	if (v->id == 0 && (atomic_load(&x->dom.callback_param) >> 56) ==
			      HVM_PARAM_CALLBACK_TYPE_GSI)
		xen_domain_callback_poll(&x->dom);
	xen_hcall_result_to_regs(&r, lm, ret);
	if ((ret = set_rax(x, v, &r)) < 0)
		log_guest(&x->rl, "xen: vcpu %u: writing a hypercall result: %s", v->id,
			  strerror((int)-ret));
}

static uint64_t hcall_read(void *opaque, struct vcpu *v, uint64_t off, unsigned size)
{
	(void)opaque, (void)v, (void)off, (void)size;
	return ~0ull; /* as an unclaimed port */
}

static const struct bus_ops hcall_ops = {
	.read = hcall_read,
	.write = hcall_write,
};

/* ---- the hypercall-page MSR -------------------------------------------------------- */

void xen_vmm_msr_exit(struct xen_vmm *x, struct vcpu *v)
{
	struct kvm_run *run = v->run;
	bool write = run->exit_reason == KVM_EXIT_X86_WRMSR;
	struct kvm_sregs s;
	struct kvm_regs r;
	int ret = 0;

	if (run->msr.index != x->dom.cfg.hypercall_msr) {
		run->msr.error = 1; /* only ours is filtered */
		return;
	}
	if (!write) {
		run->msr.data = 0; /* as Xen: the MSR reads as 0 */
	} else if ((ret = get_regs(x, v, &r, &s)) < 0) {
		/* ret says why */
	} else {
		ret = xen_domain_msr_write(&x->dom, run->msr.data, is_long_mode(&s));
		if (ret)
			log_guest(&x->rl, "xen: vcpu %u: hypercall page at 0x%llx refused: %s "
				  "(#GP)", v->id, (unsigned long long)run->msr.data,
				  ret == -EINVAL ? "page index is not 0" : "not RAM");
	}
	run->msr.error = ret != 0;
	trace_xen_msr(&x->vm->trace, v->id, write, run->msr.index, run->msr.data, ret != 0);
}

static int setup_msr_filter(struct xen_vmm *x, uint32_t msr)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR,
				      .args[0] = KVM_MSR_EXIT_REASON_FILTER };
	uint8_t deny = 0; /* bit clear: the access exits to user space */
	struct kvm_msr_filter f = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };

	f.ranges[0] = (struct kvm_msr_filter_range){
		.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
		.nmsrs = 1,
		.base = msr,
		.bitmap = &deny,
	};
	if (ioctl(x->vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0 ||
	    ioctl(x->vm->vm_fd, KVM_X86_SET_MSR_FILTER, &f) < 0)
		return -errno;
	return 0;
}

/* ---- CPUID and the vCPU lifecycle -------------------------------------------------- */

int xen_vmm_cpuid(struct xen_vmm *x, unsigned slot, struct kvm_cpuid2 **cpuid)
{
	const struct xen_config *c = &x->dom.cfg;
	struct xen_cpuid_config cc = {
		.base = c->cpuid_base,
		.version = c->version,
		.hypercall_msr = c->hypercall_msr,
		.tsc_khz = x->tsc_khz,
		.domid = c->domid,
	};

	return xen_cpuid_apply(&cc, slot, cpuid);
}

void xen_vmm_vcpu_plug(struct xen_vmm *x, struct vcpu *v)
{
	struct xen_vmm_vcpu *xv = &x->vcpu[v->id];
	int ret;

	if (!xv->timer_ready) {
		if ((ret = loop_timer_init(&x->vm->loop, &xv->timer, timer_expired, xv)) < 0)
			log_error("xen: vcpu %u: singleshot timer: %s; VIRQ_TIMER will not fire",
				  v->id, strerror(-ret));
		else
			xv->timer_ready = true;
	}
	read_tsc_offset(x, v);
	/* Registers and segment state with every exit: a hypercall then needs no ioctl. */
	if (x->sync_regs)
		v->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	xen_domain_vcpu_plug(&x->dom, v->id);
}

void xen_vmm_vcpu_park(struct xen_vmm *x, unsigned slot)
{
	int closed = xen_domain_vcpu_unplug(&x->dom, slot);

	if (closed > 0)
		log_info("xen: vcpu %u unplugged: %d per-vCPU event channels closed", slot, closed);
}

struct xen_domain *xen_vmm_domain(struct xen_vmm *x)
{
	return &x->dom;
}

/* ---- save / restore ---------------------------------------------------------------- */

int xen_vmm_state_save(struct xen_vmm *x, uint8_t **blob, size_t *len)
{
	return xen_state_save(&x->dom, blob, len);
}

int xen_vmm_state_load(struct xen_vmm *x, const uint8_t *blob, size_t len, char *err,
		       size_t errlen)
{
	struct kvm_clock_data c = { 0 };
	uint64_t ns;
	int ret = xen_state_clock(blob, len, &ns, err, errlen);

	if (ret == -EINVAL)
		return ret;
	if (ret == 0) {
		/* The deadlines are in the saved guest's time: continue its clock. */
		c.clock = ns;
		if (ioctl(x->vm->vm_fd, KVM_SET_CLOCK, &c) < 0) {
			snprintf(err, errlen, "KVM_SET_CLOCK: %s", strerror(errno));
			return -errno;
		}
	}
	/* The fresh console channel gives way to the one in the blob. */
	xen_domain_console_disconnect(&x->dom);
	ret = xen_state_load(&x->dom, blob, len, err, errlen);
	xen_domain_console_resume(&x->dom);
	for (unsigned v = 0; v < x->vm->max_vcpus; v++)
		if (evtchn_vcpu_present(&x->dom.evtchn, v))
			xen_domain_update_time(&x->dom, v);
	return ret;
}

/* ---- life cycle -------------------------------------------------------------------- */

/* Platform reset: the guest starts over as a new domain would (a soft reset forgets
 * every binding, area and parameter, and unplaces shared_info). */
static void xen_vmm_reset(void *opaque)
{
	struct xen_vmm *x = opaque;

	xen_domain_soft_reset(&x->dom);
	atomic_store(&x->dom.long_mode, true);
	evtchn_set_long_mode(&x->dom.evtchn, true);
}

static void xen_vmm_destroy(void *opaque)
{
	struct xen_vmm *x = opaque;

	if (x->vm->serial)
		serial_set_tap(x->vm->serial, NULL, NULL);
	for (unsigned v = 0; v < x->vm->max_vcpus; v++)
		if (x->vcpu[v].timer_ready)
			loop_timer_destroy(&x->vcpu[v].timer);
	pthread_mutex_lock(&x->gsi_lock);
	if (x->gsi_assigned >= 0)
		gsi_irqfd(x, x->gsi_assigned, false);
	pthread_mutex_unlock(&x->gsi_lock);
	if (x->gsi_resample_fd >= 0) {
		loop_del_fd(&x->vm->loop, x->gsi_resample_fd);
		close(x->gsi_resample_fd);
	}
	if (x->gsi_fd >= 0)
		close(x->gsi_fd);
	xen_domain_destroy(&x->dom);
	pthread_mutex_destroy(&x->gsi_lock);
	if (x->vm->xen == x)
		x->vm->xen = NULL;
	free(x->vcpu);
	free(x);
}

int xen_vmm_create(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct xen_config xc;
	struct xen_vmm *x;
	int ret, khz;

	if (!vm->caps.user_space_msr || !vm->caps.msr_filter) {
		log_error("-accel kvm,xen-version: this KVM cannot send the hypercall-page MSR to "
			  "user space (KVM_CAP_X86_USER_SPACE_MSR %d, KVM_CAP_X86_MSR_FILTER %d)",
			  vm->caps.user_space_msr, vm->caps.msr_filter);
		return -ENOTSUP;
	}
	x = calloc(1, sizeof(*x));
	if (!x || !(x->vcpu = calloc(vm->max_vcpus, sizeof(*x->vcpu)))) {
		free(x);
		return -ENOMEM;
	}
	x->vm = vm;
	x->rl = (struct ratelimit)RATELIMIT_INIT;
	x->console_rl = (struct ratelimit)RATELIMIT_INIT_LEVEL(LOG_INFO);
	x->gsi_fd = x->gsi_resample_fd = -1;
	x->gsi_assigned = -1;
	pthread_mutex_init(&x->gsi_lock, NULL);
	loop_job_init(&x->console_job, console_job, x);
	loop_job_init(&x->panic_job, panic_event, x);
	for (unsigned v = 0; v < vm->max_vcpus; v++)
		x->vcpu[v] = (struct xen_vmm_vcpu){ .x = x, .id = v };

	khz = ioctl(vm->vm_fd, KVM_GET_TSC_KHZ, 0);
	x->tsc_khz = khz > 0 ? (uint32_t)khz : 0;
	x->tsc_offset_attr = true; /* until a vCPU says otherwise */
	x->sync_regs = (ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) &
			(KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)) ==
		       (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS);

	xen_config_default(&xc, vm->max_vcpus);
	xc.version = cfg->xen_version;
	xc.domid = cfg->xen_domid ? cfg->xen_domid : 1;
	xc.cpuid_base = cfg->xen_kvm_leaves ? XEN_CPUID_BASE_WITH_KVM : XEN_CPUID_BASE;
	xc.hcall_port = PORT_XEN_HCALL;
	xc.pvclock = x->tsc_khz != 0;
	xc.console_gfn = LAYOUT_XEN_CONSOLE >> 12;
	if ((ret = xen_domain_init(&x->dom, &xc, &vm->mem, &host_ops, x)) < 0) {
		log_error("xen: creating the domain (version 0x%x, domid %u): %s", xc.version,
			  xc.domid, strerror(-ret));
		goto fail;
	}
	x->dom.trace = &vm->trace;
	if ((ret = setup_msr_filter(x, xc.hypercall_msr)) < 0) {
		log_error("xen: filtering MSR 0x%x to user space: %s", xc.hypercall_msr,
			  strerror(-ret));
		goto fail_dom;
	}
	x->gsi_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	x->gsi_resample_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (x->gsi_fd < 0 || x->gsi_resample_fd < 0 ||
	    (ret = loop_add_fd(&vm->loop, x->gsi_resample_fd, EPOLLIN, gsi_resampled, x)) < 0) {
		ret = ret < 0 ? ret : -errno;
		log_error("xen: callback GSI eventfds: %s", strerror(-ret));
		goto fail_fds;
	}
	if ((ret = bus_register(&vm->pio, PORT_XEN_HCALL, 1, &hcall_ops, x, "xen-hypercall")) < 0) {
		log_error("xen: hypercall port 0x%x: %s", PORT_XEN_HCALL, strerror(-ret));
		goto fail_loop;
	}
	if ((ret = vm_add_device(vm, "xen", x, xen_vmm_reset, xen_vmm_destroy)) < 0) {
		log_error("xen: too many devices");
		bus_unregister(&vm->pio, PORT_XEN_HCALL, x);
		goto fail_loop;
	}
	if ((ret = qmp_server_register(vm->qmp, &qmp_module_xen, vm)) < 0) {
		log_error("xen: registering the QMP commands: %s", strerror(-ret));
		return ret; /* the device is registered: vm_destroy frees it */
	}
	if (vm->serial)
		serial_set_tap(vm->serial, &console_tap, x);
	vm->xen = x;
	return 0;

fail_loop:
	loop_del_fd(&vm->loop, x->gsi_resample_fd);
fail_fds:
	if (x->gsi_fd >= 0)
		close(x->gsi_fd);
	if (x->gsi_resample_fd >= 0)
		close(x->gsi_resample_fd);
fail_dom:
	xen_domain_destroy(&x->dom);
fail:
	pthread_mutex_destroy(&x->gsi_lock);
	free(x->vcpu);
	free(x);
	return ret;
}
