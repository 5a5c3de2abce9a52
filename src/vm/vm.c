/* SPDX-License-Identifier: GPL-2.0-only */
#include "vm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arch/x86/boot.h"
#include "arch/x86/layout.h"
#include "irq/routing.h"
#include "vcpu/vcpu.h"

const char *run_state_name(enum run_state s)
{
	static const char *const names[] = {
		[RUN_STATE_PRELAUNCH] = "prelaunch",
		[RUN_STATE_RUNNING] = "running",
		[RUN_STATE_PAUSED] = "paused",
		[RUN_STATE_SHUTDOWN] = "shutdown",
		[RUN_STATE_INTERNAL_ERROR] = "internal-error",
		[RUN_STATE_GUEST_PANICKED] = "guest-panicked",
	};
	return names[s];
}

const char *shutdown_cause_name(enum shutdown_cause c)
{
	static const char *const names[] = {
		[SHUTDOWN_CAUSE_NONE] = "none",
		[SHUTDOWN_CAUSE_HOST_ERROR] = "host-error",
		[SHUTDOWN_CAUSE_HOST_QMP_QUIT] = "host-qmp-quit",
		[SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET] = "host-qmp-system-reset",
		[SHUTDOWN_CAUSE_HOST_SIGNAL] = "host-signal",
		[SHUTDOWN_CAUSE_GUEST_SHUTDOWN] = "guest-shutdown",
		[SHUTDOWN_CAUSE_GUEST_RESET] = "guest-reset",
		[SHUTDOWN_CAUSE_GUEST_PANIC] = "guest-panic",
	};
	return names[c];
}

static bool cause_is_guest(enum shutdown_cause c)
{
	return c == SHUTDOWN_CAUSE_GUEST_SHUTDOWN || c == SHUTDOWN_CAUSE_GUEST_RESET ||
	       c == SHUTDOWN_CAUSE_GUEST_PANIC;
}

static void vm_request_job(void *opaque);

static void vm_irq_event(void *opaque, const char *name, json_t *data)
{
	vm_emit_event(opaque, name, data);
}

static int vm_create_irq_router(struct vm *vm)
{
	struct irq_router_config cfg = {
		.vm_fd = vm->vm_fd,
		.loop = &vm->loop,
		.nr_vcpus = vm->max_vcpus,
		/* As QEMU does whenever KVM has it: 32-bit APIC IDs in routes and LAPIC state. */
		.x2apic_api = vm->caps.x2apic_api,
		.trace = &vm->trace,
		.event_fn = vm_irq_event,
		.event_opaque = vm,
	};
	int ret;

	vm->irq = calloc(1, sizeof(*vm->irq));
	if (!vm->irq)
		return -ENOMEM;
	if ((ret = irq_router_init(vm->irq, &cfg)) < 0) {
		free(vm->irq);
		vm->irq = NULL;
	}
	return ret;
}

static int kvm_cap(int fd, long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);
	return r < 0 ? 0 : r;
}

static int vm_probe_caps(struct vm *vm)
{
	struct kvm_host_caps *c = &vm->caps;
	int r;

	c->pvm = access("/sys/module/kvm_pvm", F_OK) == 0;
	c->max_vcpus = kvm_cap(vm->vm_fd, KVM_CAP_MAX_VCPUS);
	c->max_vcpu_id = kvm_cap(vm->vm_fd, KVM_CAP_MAX_VCPU_ID);
	c->nr_memslots = kvm_cap(vm->vm_fd, KVM_CAP_NR_MEMSLOTS);
	c->irqfd = kvm_cap(vm->vm_fd, KVM_CAP_IRQFD);
	c->ioeventfd = kvm_cap(vm->vm_fd, KVM_CAP_IOEVENTFD);
	c->signal_msi = kvm_cap(vm->vm_fd, KVM_CAP_SIGNAL_MSI);
	c->irq_routing = kvm_cap(vm->vm_fd, KVM_CAP_IRQ_ROUTING);
	c->tsc_deadline = kvm_cap(vm->vm_fd, KVM_CAP_TSC_DEADLINE_TIMER);
	c->immediate_exit = kvm_cap(vm->vm_fd, KVM_CAP_IMMEDIATE_EXIT);
	c->user_space_msr = kvm_cap(vm->vm_fd, KVM_CAP_X86_USER_SPACE_MSR);
	c->msr_filter = kvm_cap(vm->vm_fd, KVM_CAP_X86_MSR_FILTER);
	c->x2apic_api = kvm_cap(vm->vm_fd, KVM_CAP_X2APIC_API);
	c->xen_hvm = kvm_cap(vm->kvm_fd, KVM_CAP_XEN_HVM);
	r = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r <= 0) {
		log_error("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -errno;
	}
	c->run_mmap_size = (size_t)r;
	if (!c->max_vcpus)
		c->max_vcpus = kvm_cap(vm->kvm_fd, KVM_CAP_NR_VCPUS);
	if (!c->immediate_exit || !c->irqfd || !c->signal_msi || !c->irq_routing) {
		log_error("this KVM lacks a capability xkvm needs (immediate_exit %d, irqfd %d, "
			  "signal_msi %d, irq_routing %d)", c->immediate_exit, c->irqfd,
			  c->signal_msi, c->irq_routing);
		return -ENOTSUP;
	}
	return 0;
}

static int vm_get_supported_cpuid(struct vm *vm)
{
	for (unsigned n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return -ENOMEM;
		c->nent = n;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			vm->supported_cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG) {
			log_error("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
			return -errno;
		}
	}
	return -E2BIG;
}

static int vm_cpuid_policy(struct vm *vm)
{
	struct vm_config *cfg = vm->cfg;

	/* The host's defaults first, so -cpu host,+feat can turn them back on. */
	if (vm->caps.pvm)
		for (unsigned i = 0; cpuid_pvm_hidden[i]; i++)
			cpuid_policy_add(&vm->cpuid_policy, cpuid_pvm_hidden[i], false);
	for (unsigned i = 0; i < cfg->nr_cpu_feat; i++) {
		int ret = cpuid_policy_add(&vm->cpuid_policy, cfg->cpu_feat[i].name,
					   cfg->cpu_feat[i].enable);
		if (ret == -ENOENT) {
			log_error("-cpu %s: unknown CPU feature '%s'", cfg->cpu_model,
				  cfg->cpu_feat[i].name);
			return ret;
		}
		if (ret < 0) {
			log_error("-cpu: too many feature overrides");
			return ret;
		}
	}
	vm->topo = (struct cpu_topo){ cfg->sockets, cfg->dies, cfg->cores, cfg->threads };
	return 0;
}

/* KVM_CREATE_IRQCHIP also creates two 8259 PICs, reset with every input unmasked and
 * wired through LINT0 (ExtINT) to the BSP: an ISA interrupt would then also arrive as
 * vector (base + irq).  Our machine is hardware-reduced ACPI with no PIC: mask them all,
 * as firmware leaves an unused PIC. */
static int vm_mask_legacy_pic(struct vm *vm)
{
	for (unsigned chip = KVM_IRQCHIP_PIC_MASTER; chip <= KVM_IRQCHIP_PIC_SLAVE; chip++) {
		struct kvm_irqchip c = { .chip_id = chip };

		if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &c) < 0)
			return -errno;
		c.chip.pic.imr = 0xff;
		if (ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &c) < 0)
			return -errno;
	}
	return 0;
}

static int vm_setup_memory(struct vm *vm)
{
	int ret = gm_init(&vm->mem, vm->cfg->mem_size, LAYOUT_LOWMEM_END);

	if (ret < 0) {
		log_error("cannot allocate %llu MiB of guest RAM: %s",
			  (unsigned long long)(vm->cfg->mem_size >> 20), strerror(-ret));
		return ret;
	}
	for (unsigned i = 0; i < vm->mem.nr_regions; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.guest_phys_addr = vm->mem.region[i].gpa,
			.memory_size = vm->mem.region[i].size,
			.userspace_addr = (uintptr_t)vm->mem.region[i].hva,
		};
		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
			ret = -errno;
			log_error("KVM_SET_USER_MEMORY_REGION (%llu MiB at 0x%llx): %s",
				  (unsigned long long)(r.memory_size >> 20),
				  (unsigned long long)r.guest_phys_addr, strerror(errno));
			return ret;
		}
	}
	return 0;
}

int vm_create(struct vm *vm, struct vm_config *cfg)
{
	int ret, api;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->kvm_fd = vm->vm_fd = -1;
	vm->max_vcpus = cfg->maxcpus;
	vm->state = cfg->start_paused ? RUN_STATE_PRELAUNCH : RUN_STATE_RUNNING;
	pthread_mutex_init(&vm->vcpu_lock, NULL);
	pthread_cond_init(&vm->vcpu_cond, NULL);
	pthread_mutex_init(&vm->req_lock, NULL);
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	trace_init(&vm->trace, NULL, false);
	if ((ret = loop_init(&vm->loop)) < 0) {
		log_error("cannot create the main loop: %s", strerror(-ret));
		return ret;
	}
	loop_job_init(&vm->request_job, vm_request_job, vm);

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		ret = -errno;
		log_error("cannot open /dev/kvm: %s%s", strerror(errno),
			  errno == ENOENT ? " (is the kvm module loaded?)" :
			  errno == EACCES ? " (are you in the kvm group?)" : "");
		return ret;
	}
	api = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		log_error("KVM API version %d, expected %d", api, KVM_API_VERSION);
		return -ENOTSUP;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		ret = -errno;
		log_error("KVM_CREATE_VM: %s", strerror(errno));
		return ret;
	}
	if ((ret = vm_probe_caps(vm)) < 0)
		return ret;
	if ((int)cfg->maxcpus > vm->caps.max_vcpus) {
		log_error("-smp: maxcpus=%u exceeds this host's KVM limit of %d vCPUs", cfg->maxcpus,
			  vm->caps.max_vcpus);
		return -EINVAL;
	}
	/* Intel VMX needs these two pages below 4 GiB; elsewhere they are harmless. */
	ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul);
	{
		uint64_t ident = 0xfffbc000ull;
		ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);
	}
	if ((ret = vm_setup_memory(vm)) < 0)
		return ret;
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		ret = -errno;
		log_error("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return ret;
	}
	if ((ret = vm_mask_legacy_pic(vm)) < 0) {
		log_error("masking the legacy PIC: %s", strerror(-ret));
		return ret;
	}
	if ((ret = vm_create_irq_router(vm)) < 0)
		return ret;
	if ((ret = vm_get_supported_cpuid(vm)) < 0)
		return ret;
	if ((ret = vm_cpuid_policy(vm)) < 0)
		return ret;
	return 0;
}

int vm_add_device(struct vm *vm, const char *name, void *opaque, void (*reset)(void *),
		  void (*destroy)(void *))
{
	if (vm->nr_devices == VM_MAX_DEVICES)
		return -ENOSPC;
	vm->device[vm->nr_devices++] = (struct vm_device){ name, opaque, reset, destroy };
	return 0;
}

void vm_destroy(struct vm *vm)
{
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
		if (vm->vcpu[i])
			vcpu_stop_thread(vm->vcpu[i]);
	for (unsigned i = vm->nr_devices; i-- > 0;)
		if (vm->device[i].destroy)
			vm->device[i].destroy(vm->device[i].opaque);
	vm->nr_devices = 0;
	if (vm->irq) {
		irq_router_destroy(vm->irq);
		free(vm->irq);
		vm->irq = NULL;
	}
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++) {
		vcpu_destroy(vm->vcpu[i]);
		vm->vcpu[i] = NULL;
	}
	free(vm->supported_cpuid);
	vm->supported_cpuid = NULL;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->vm_fd = vm->kvm_fd = -1;
	gm_destroy(&vm->mem);
	bus_destroy(&vm->pio);
	bus_destroy(&vm->mmio);
	loop_destroy(&vm->loop);
	trace_fini(&vm->trace);
	pthread_mutex_destroy(&vm->req_lock);
	pthread_cond_destroy(&vm->vcpu_cond);
	pthread_mutex_destroy(&vm->vcpu_lock);
}

int vm_load_kernel(struct vm *vm)
{
	struct boot_files f = { vm->cfg->kernel, vm->cfg->initrd, vm->cfg->append };
	char err[512];
	int ret = x86_boot_load(&vm->mem, &f, &vm->boot, err, sizeof(err));

	if (ret < 0)
		log_error("%s", err);
	return ret;
}

int vm_irq_line(struct vm *vm, unsigned gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	return ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0 ? -errno : 0;
}

int vm_irq_pulse(struct vm *vm, unsigned gsi)
{
	int ret = vm_irq_line(vm, gsi, 1);

	return ret ? ret : vm_irq_line(vm, gsi, 0);
}

unsigned vm_vcpu_count(struct vm *vm)
{
	unsigned n = 0;

	pthread_mutex_lock(&vm->vcpu_lock);
	for (unsigned i = 0; i < vm->max_vcpus; i++)
		n += vm->vcpu[i] && vm->vcpu[i]->state == VCPU_RUNNING;
	pthread_mutex_unlock(&vm->vcpu_lock);
	return n;
}

void vm_pause_request_all(struct vm *vm)
{
	pthread_mutex_lock(&vm->vcpu_lock);
	for (unsigned i = 0; i < vm->max_vcpus; i++) {
		struct vcpu *v = vm->vcpu[i];
		if (v && v->has_thread) {
			atomic_fetch_or(&v->req, VCPU_REQ_PAUSE);
			vcpu_kick(v);
		}
	}
	pthread_mutex_unlock(&vm->vcpu_lock);
}

void vm_pause_all(struct vm *vm)
{
	vm_pause_request_all(vm);
	pthread_mutex_lock(&vm->vcpu_lock);
	for (unsigned i = 0; i < vm->max_vcpus; i++) {
		struct vcpu *v = vm->vcpu[i];
		while (v && v->has_thread && !v->paused && !v->exited)
			pthread_cond_wait(&vm->vcpu_cond, &vm->vcpu_lock);
	}
	pthread_mutex_unlock(&vm->vcpu_lock);
}

void vm_resume_all(struct vm *vm)
{
	pthread_mutex_lock(&vm->vcpu_lock);
	for (unsigned i = 0; i < vm->max_vcpus; i++)
		if (vm->vcpu[i])
			atomic_fetch_and(&vm->vcpu[i]->req, ~VCPU_REQ_PAUSE);
	pthread_cond_broadcast(&vm->vcpu_cond);
	pthread_mutex_unlock(&vm->vcpu_lock);
}

static void vm_post_request(struct vm *vm)
{
	/* Stop guest code everywhere at once; the main thread finishes the job. */
	vm_pause_request_all(vm);
	loop_post(&vm->loop, &vm->request_job);
}

void vm_request_shutdown(struct vm *vm, enum shutdown_cause cause, int exit_status)
{
	pthread_mutex_lock(&vm->req_lock);
	if (!vm->req_shutdown) {
		vm->req_shutdown = true;
		vm->req_cause = cause;
		vm->req_exit_status = exit_status;
	}
	pthread_mutex_unlock(&vm->req_lock);
	trace_vm_request(&vm->trace, "shutdown", shutdown_cause_name(cause));
	vm_post_request(vm);
}

void vm_request_reset(struct vm *vm, enum shutdown_cause cause)
{
	pthread_mutex_lock(&vm->req_lock);
	if (!vm->req_reset) {
		vm->req_reset = true;
		if (!vm->req_shutdown)
			vm->req_cause = cause;
	}
	pthread_mutex_unlock(&vm->req_lock);
	trace_vm_request(&vm->trace, "reset", shutdown_cause_name(cause));
	vm_post_request(vm);
}

void vm_request_fatal(struct vm *vm)
{
	pthread_mutex_lock(&vm->req_lock);
	vm->req_fatal = true;
	pthread_mutex_unlock(&vm->req_lock);
	trace_vm_request(&vm->trace, "fatal", "internal-error");
	vm_post_request(vm);
}

void vm_emit_event(struct vm *vm, const char *name, json_t *data)
{
	if (vm->event_fn)
		vm->event_fn(vm->event_opaque, name, data);
	else if (data)
		json_decref(data);
}

static void vm_set_state(struct vm *vm, enum run_state s)
{
	if (vm->state != s)
		trace_vm_state_change(&vm->trace, run_state_name(vm->state), run_state_name(s));
	vm->state = s;
}

static json_t *shutdown_data(enum shutdown_cause cause)
{
	return json_pack("{s:b, s:s}", "guest", cause_is_guest(cause), "reason",
			 shutdown_cause_name(cause));
}

/* Main thread, all vCPUs paused: the platform reset. */
static int vm_reset(struct vm *vm)
{
	int ret;

	trace_vm_reset(&vm->trace, ++vm->reset_count);
	if ((ret = vm_mask_legacy_pic(vm)) < 0)
		return ret;
	for (unsigned i = 0; i < vm->nr_devices; i++)
		if (vm->device[i].reset)
			vm->device[i].reset(vm->device[i].opaque);
	if ((ret = vm_load_kernel(vm)) < 0)
		return ret;
	for (unsigned i = 0; i < vm->max_vcpus; i++) {
		struct vcpu *v = vm->vcpu[i];
		if (!v || v->state != VCPU_RUNNING)
			continue;
		if ((ret = vcpu_reset(v, i == 0)) < 0) {
			log_error("vcpu %u: reset: %s", i, strerror(-ret));
			return ret;
		}
		if (i == 0 && (ret = vcpu_setup_boot_regs(v)) < 0) {
			log_error("vcpu 0: boot registers: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static void vm_request_job(void *opaque)
{
	struct vm *vm = opaque;
	bool shutdown, reset, fatal;
	enum shutdown_cause cause;
	int status;

	pthread_mutex_lock(&vm->req_lock);
	shutdown = vm->req_shutdown;
	reset = vm->req_reset;
	fatal = vm->req_fatal;
	cause = vm->req_cause;
	status = vm->req_exit_status;
	vm->req_shutdown = vm->req_reset = vm->req_fatal = false;
	pthread_mutex_unlock(&vm->req_lock);

	vm_pause_all(vm);
	if (fatal) {
		vm_set_state(vm, RUN_STATE_INTERNAL_ERROR);
		vm->exit_status = 1;
		loop_quit(&vm->loop);
		return;
	}
	if (reset && !shutdown && vm->cfg->no_reboot) {
		/* -no-reboot: a guest reset ends the VM cleanly, as in QEMU. */
		shutdown = true;
		status = 0;
	}
	if (shutdown) {
		if (cause != SHUTDOWN_CAUSE_NONE)
			vm_emit_event(vm, "SHUTDOWN", shutdown_data(cause));
		if (vm->cfg->no_shutdown && cause != SHUTDOWN_CAUSE_NONE &&
		    cause != SHUTDOWN_CAUSE_HOST_QMP_QUIT && cause != SHUTDOWN_CAUSE_HOST_SIGNAL) {
			vm_set_state(vm, RUN_STATE_SHUTDOWN);
			vm_emit_event(vm, "STOP", NULL);
			return;
		}
		vm_set_state(vm, RUN_STATE_SHUTDOWN);
		vm->exit_status = status;
		loop_quit(&vm->loop);
		return;
	}
	if (reset) {
		vm_emit_event(vm, "RESET", shutdown_data(cause));
		if (vm_reset(vm) < 0) {
			vm_set_state(vm, RUN_STATE_INTERNAL_ERROR);
			vm->exit_status = 1;
			loop_quit(&vm->loop);
			return;
		}
		if (vm->state == RUN_STATE_SHUTDOWN)
			vm_set_state(vm, RUN_STATE_PAUSED);
		if (vm->state == RUN_STATE_RUNNING)
			vm_resume_all(vm);
	}
}

int vm_stop(struct vm *vm)
{
	if (vm->state != RUN_STATE_RUNNING)
		return 0;
	vm_pause_all(vm);
	/* Freeze the guest's clock while it is stopped, as QEMU does with kvmclock. */
	vm->clock_saved = ioctl(vm->vm_fd, KVM_GET_CLOCK, &vm->paused_clock) == 0;
	vm_set_state(vm, RUN_STATE_PAUSED);
	vm_emit_event(vm, "STOP", NULL);
	return 0;
}

int vm_cont(struct vm *vm)
{
	if (vm->state == RUN_STATE_RUNNING)
		return 0;
	if (vm->state == RUN_STATE_INTERNAL_ERROR)
		return -EINVAL;
	if (vm->state == RUN_STATE_SHUTDOWN)
		return -EAGAIN; /* QEMU: resetting is required first */
	if (vm->clock_saved) {
		struct kvm_clock_data c = { .clock = vm->paused_clock.clock };
		ioctl(vm->vm_fd, KVM_SET_CLOCK, &c);
		vm->clock_saved = false;
	}
	vm_set_state(vm, RUN_STATE_RUNNING);
	vm_resume_all(vm);
	vm_emit_event(vm, "RESUME", NULL);
	return 0;
}

/* At the end of a run: how much memory the VMM holds beyond the guest's RAM (bench/boot). */
static void vm_trace_memory(struct vm *vm)
{
	unsigned long long size, resident = 0;
	uint64_t touched = 0;
	FILE *f;

	if (!trace_event_enabled(&vm->trace, TRACE_MEMORY_USAGE))
		return;
	f = fopen("/proc/self/statm", "r");
	if (!f || fscanf(f, "%llu %llu", &size, &resident) != 2)
		resident = 0;
	if (f)
		fclose(f);
	gm_resident_bytes(&vm->mem, &touched);
	trace_memory_usage(&vm->trace, resident * (uint64_t)sysconf(_SC_PAGESIZE) / 1024,
			vm->mem.ram_size / 1024, touched / 1024);
}

int vm_run(struct vm *vm)
{
	int ret;

	vm->started = true;
	for (unsigned i = 0; i < vm->max_vcpus; i++) {
		struct vcpu *v = vm->vcpu[i];
		if (!v || v->state != VCPU_RUNNING)
			continue;
		if (vm->state != RUN_STATE_RUNNING)
			atomic_fetch_or(&v->req, VCPU_REQ_PAUSE);
		if ((ret = vcpu_start_thread(v)) < 0)
			return 1;
	}
	ret = loop_run(&vm->loop);
	vm_pause_all(vm);
	vm_trace_memory(vm);
	return ret < 0 ? 1 : vm->exit_status;
}
