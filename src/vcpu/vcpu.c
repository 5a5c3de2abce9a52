/* SPDX-License-Identifier: GPL-2.0-only */
#include "vcpu/vcpu.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch/x86/mmu.h"
#include "vm/vm.h"
#include "xen/vmm.h"

#define KICK_SIGNAL SIGUSR1

/* The kick handler must find the interrupted thread's kvm_run: the one piece of
 * thread-local state, set when the thread starts. */
static __thread struct kvm_run *tls_run;

static void kick_handler(int sig)
{
	(void)sig;
	if (tls_run)
		tls_run->immediate_exit = 1;
}

int vcpu_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: KVM_RUN must return -EINTR */
	return sigaction(KICK_SIGNAL, &sa, NULL) < 0 ? -errno : 0;
}

int vcpu_create(struct vm *vm, unsigned id, struct vcpu **out)
{
	struct vcpu *v = calloc(1, sizeof(*v));
	int ret;

	if (!v)
		return -ENOMEM;
	v->vm = vm;
	v->id = id;
	v->rl = (struct ratelimit)RATELIMIT_INIT;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0) {
		ret = -errno;
		log_error("vcpu %u: KVM_CREATE_VCPU: %s", id, strerror(errno));
		free(v);
		return ret;
	}
	v->run_size = vm->caps.run_mmap_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		ret = -errno;
		log_error("vcpu %u: mmap kvm_run: %s", id, strerror(errno));
		v->run = NULL;
		goto fail;
	}
	v->pristine_lapic = calloc(1, sizeof(*v->pristine_lapic));
	if (!v->pristine_lapic) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = cpuid_build(vm->supported_cpuid, &vm->topo, id, &vm->cpuid_policy, &v->cpuid);
	if (ret == 0 && vm->xen)
		ret = xen_vmm_cpuid(vm->xen, id, &v->cpuid);
	if (ret < 0) {
		log_error("vcpu %u: building CPUID: %s", id, strerror(-ret));
		goto fail;
	}
	ret = vcpu_configure(v);
	if (ret < 0) {
		log_error("vcpu %u: configuring CPUID, MSRs and LAPIC: %s", id, strerror(-ret));
		goto fail;
	}
	trace_vcpu_create(&vm->trace, id, id, v->fd);
	*out = v;
	return 0;
fail:
	/* The KVM vCPU itself cannot be destroyed; closing the fd is all we can do, and the
	 * id cannot be created again in this VM. */
	vcpu_destroy(v);
	return ret;
}

void vcpu_destroy(struct vcpu *v)
{
	if (!v)
		return;
	trace_vcpu_destroy(&v->vm->trace, v->id, v->fd);
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	free(v->cpuid);
	free(v->pristine_lapic);
	free(v);
}

void vcpu_kick(struct vcpu *v)
{
	if (v->has_thread)
		pthread_kill(v->thread, KICK_SIGNAL);
}

/* Called with no lock held.  Waits while paused (or, when `dead`, until stopped).
 * Returns true when the thread must exit. */
static bool vcpu_wait(struct vcpu *v, bool dead)
{
	struct vm *vm = v->vm;
	bool stop, was_paused = false;

	pthread_mutex_lock(&vm->vcpu_lock);
	for (;;) {
		unsigned req = atomic_load(&v->req);

		if (req & VCPU_REQ_STOP)
			break;
		if (!(req & VCPU_REQ_PAUSE) && !dead)
			break;
		if (!v->paused) {
			v->paused = true;
			was_paused = true;
			trace_vcpu_pause(&vm->trace, v->id);
			pthread_cond_broadcast(&vm->vcpu_cond);
		}
		pthread_cond_wait(&vm->vcpu_cond, &vm->vcpu_lock);
	}
	v->paused = false;
	stop = atomic_load(&v->req) & VCPU_REQ_STOP;
	if (stop) {
		v->exited = true;
		pthread_cond_broadcast(&vm->vcpu_cond);
	}
	pthread_mutex_unlock(&vm->vcpu_lock);
	if (was_paused && !stop)
		trace_vcpu_resume(&vm->trace, v->id);
	return stop;
}

static void vcpu_handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	unsigned size = run->io.size;
	bool write = run->io.direction == KVM_EXIT_IO_OUT;

	trace_vcpu_exit_io(&v->vm->trace, v->id, run->io.port, size, run->io.count, write);
	/* KVM guarantees data_offset/size/count describe its own page; stay defensive. */
	if (size != 1 && size != 2 && size != 4)
		return;
	if (run->io.data_offset + (uint64_t)size * run->io.count > v->run_size)
		return;
	for (uint32_t i = 0; i < run->io.count; i++, data += size) {
		uint64_t val = 0;
		if (write) {
			memcpy(&val, data, size);
			bus_write(&v->vm->pio, v, run->io.port, size, val);
		} else {
			bus_read(&v->vm->pio, v, run->io.port, size, &val);
			memcpy(data, &val, size);
		}
	}
}

static void vcpu_handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	unsigned len = run->mmio.len;
	uint64_t val = 0;

	trace_vcpu_exit_mmio(&v->vm->trace, v->id, run->mmio.phys_addr, len, run->mmio.is_write);
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return;
	if (run->mmio.is_write) {
		memcpy(&val, run->mmio.data, len);
		bus_write(&v->vm->mmio, v, run->mmio.phys_addr, len, val);
	} else {
		bus_read(&v->vm->mmio, v, run->mmio.phys_addr, len, &val);
		memcpy(run->mmio.data, &val, len);
	}
}

static const char *internal_suberror(uint32_t s)
{
	switch (s) {
	case KVM_INTERNAL_ERROR_EMULATION: return "emulation failure";
	case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV: return "failure while delivering an event";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON: return "unexpected exit reason";
	default: return "unknown";
	}
}

void vcpu_report_fatal(struct vcpu *v, const char *what)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct x86_paging pg;
	uint8_t insn[15];
	char hex[15 * 3 + 1] = "", why[96];
	uint64_t lin, gpa;
	size_t n;
	int ret;

	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0 || ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0) {
		log_error("vcpu %u: %s (registers unreadable: %s)", v->id, what, strerror(errno));
		return;
	}
	pg = (struct x86_paging){ sregs.cr0, sregs.cr3, sregs.cr4, sregs.efer };
	if ((sregs.efer & (1 << 10)) && sregs.cs.l)
		lin = regs.rip;
	else
		lin = (sregs.cs.base + (regs.rip & 0xffffffffull)) & 0xffffffffull;
	n = x86_read_virt(&v->vm->mem, &pg, lin, insn, sizeof(insn));
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02x ", insn[i]);
	if (n)
		hex[3 * n - 1] = '\0';
	/* Say why the bytes cannot be read: the guest's mapping, or what is behind it. */
	ret = x86_gva_to_gpa(&v->vm->mem, &pg, lin, &gpa);
	if (ret == -ENOENT)
		snprintf(why, sizeof(why), "RIP is not mapped by the guest's page tables");
	else if (ret < 0)
		snprintf(why, sizeof(why), "the guest's page tables are not in RAM");
	else
		snprintf(why, sizeof(why), "RIP is guest physical 0x%llx, which is not RAM",
			 (unsigned long long)gpa);
	log_error("vcpu %u: %s at RIP 0x%llx (CS %04x, %s mode)", v->id, what,
		  (unsigned long long)regs.rip, sregs.cs.selector,
		  (sregs.efer & (1 << 10)) ? (sregs.cs.l ? "64-bit" : "compatibility")
		  : (sregs.cr0 & 1) ? "protected" : "real");
	log_error("vcpu %u: instruction bytes at RIP: %s%s%s", v->id,
		  n ? hex : "(unreadable)", n ? "" : ": ", n ? "" : why);
	log_error("vcpu %u: RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx", v->id,
		  (unsigned long long)regs.rax, (unsigned long long)regs.rbx,
		  (unsigned long long)regs.rcx, (unsigned long long)regs.rdx);
	log_error("vcpu %u: RSP=%016llx RBP=%016llx RSI=%016llx RDI=%016llx RFLAGS=%08llx", v->id,
		  (unsigned long long)regs.rsp, (unsigned long long)regs.rbp,
		  (unsigned long long)regs.rsi, (unsigned long long)regs.rdi,
		  (unsigned long long)regs.rflags);
	log_error("vcpu %u: CR0=%08llx CR3=%016llx CR4=%08llx EFER=%08llx", v->id,
		  (unsigned long long)sregs.cr0, (unsigned long long)sregs.cr3,
		  (unsigned long long)sregs.cr4, (unsigned long long)sregs.efer);
}

static void vcpu_fatal(struct vcpu *v, const char *what)
{
	vcpu_report_fatal(v, what);
	vm_request_fatal(v->vm);
}

/* Returns false when the thread must stop running guest code. */
static bool vcpu_handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char what[160];

	v->nr_exits++;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_handle_io(v);
		return true;
	case KVM_EXIT_MMIO:
		vcpu_handle_mmio(v);
		return true;
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
	case KVM_EXIT_HLT:
		return true;
	case KVM_EXIT_SHUTDOWN:
		/* Triple fault: the platform resets, as a PC does. */
		log_guest(&v->rl, "vcpu %u: triple fault; resetting the VM", v->id);
		vm_request_reset(v->vm, SHUTDOWN_CAUSE_GUEST_RESET);
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			vm_request_shutdown(v->vm, SHUTDOWN_CAUSE_GUEST_SHUTDOWN, 0);
			return true;
		case KVM_SYSTEM_EVENT_RESET:
			vm_request_reset(v->vm, SHUTDOWN_CAUSE_GUEST_RESET);
			return true;
		default:
			snprintf(what, sizeof(what), "KVM system event %u", run->system_event.type);
			vcpu_fatal(v, what);
			return false;
		}
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		/* Only Xen's hypercall-page MSR is filtered to user space. */
		if (v->vm->xen)
			xen_vmm_msr_exit(v->vm->xen, v);
		else
			run->msr.error = 1;
		return true;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what), "KVM internal error (suberror %u: %s)",
			 run->internal.suberror, internal_suberror(run->internal.suberror));
		vcpu_fatal(v, what);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "VM entry failed (hardware reason 0x%llx)",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		vcpu_fatal(v, what);
		return false;
	default:
		trace_vcpu_exit_other(&v->vm->trace, v->id, run->exit_reason);
		snprintf(what, sizeof(what), "unexpected KVM exit reason %u", run->exit_reason);
		vcpu_fatal(v, what);
		return false;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	sigset_t set;

	tls_run = v->run;
	atomic_store(&v->tid, (int)syscall(SYS_gettid));
	trace_vcpu_thread_start(&v->vm->trace, v->id, atomic_load(&v->tid));
	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	for (;;) {
		if (atomic_load(&v->req) && vcpu_wait(v, false))
			break;
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR) {
				v->run->immediate_exit = 0;
				continue;
			}
			if (errno == EAGAIN) { /* INIT received while waiting (§3.5): run again */
				trace_vcpu_run_eagain(&v->vm->trace, v->id);
				continue;
			}
			log_error("vcpu %u: KVM_RUN: %s", v->id, strerror(errno));
			vm_request_fatal(v->vm);
			vcpu_wait(v, true);
			break;
		}
		if (!vcpu_handle_exit(v)) {
			vcpu_wait(v, true);
			break;
		}
	}
	tls_run = NULL;
	trace_vcpu_thread_exit(&v->vm->trace, v->id);
	return NULL;
}

int vcpu_start_thread(struct vcpu *v)
{
	sigset_t all, old;
	int ret;

	v->exited = false;
	v->paused = false;
	v->run->immediate_exit = 0;
	/* Start with every signal blocked; the thread unblocks only the kick. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&v->thread, NULL, vcpu_thread, v);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		log_error("vcpu %u: cannot start thread: %s", v->id, strerror(ret));
		return -ret;
	}
	v->has_thread = true;
	return 0;
}

void vcpu_stop_thread(struct vcpu *v)
{
	struct vm *vm = v->vm;

	if (!v->has_thread)
		return;
	pthread_mutex_lock(&vm->vcpu_lock);
	atomic_fetch_or(&v->req, VCPU_REQ_STOP);
	vcpu_kick(v);
	pthread_cond_broadcast(&vm->vcpu_cond);
	pthread_mutex_unlock(&vm->vcpu_lock);
	pthread_join(v->thread, NULL);
	v->has_thread = false;
	atomic_store(&v->req, 0);
	atomic_store(&v->tid, 0);
}
