/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xkvm: parse the command line, wire the machine together, run it, and turn how it
 * ended into the exit status (0 after a power-off, 1 on an error, (N << 1) | 1 after
 * isa-debug-exit, 3 after a failed guest test).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "acpi/acpi.h"
#include "cmdline.h"
#include "devices/devices.h"
#include "devices/serial_8250.h"
#include "pci/host.h"
#include "vcpu/hotplug.h"
#include "vcpu/lifecycle.h"
#include "qmp/server.h"
#include "vcpu/vcpu.h"
#include "vm/vm.h"
#include "xen/vmm.h"

struct signal_watch {
	struct vm *vm;
	int fd;
};

static void on_signal(void *opaque, uint32_t events)
{
	struct signal_watch *w = opaque;
	struct signalfd_siginfo si;

	(void)events;
	if (read(w->fd, &si, sizeof(si)) != sizeof(si))
		return;
	log_info("terminating on signal %u from pid %u", si.ssi_signo, si.ssi_pid);
	vm_request_shutdown(w->vm, SHUTDOWN_CAUSE_HOST_SIGNAL, 0);
}

static int setup_trace(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	const char *path = cfg->trace_file ? cfg->trace_file : cfg->logfile;

	if (path) {
		FILE *f = fopen(path, "a");
		if (!f) {
			log_error("-D %s: %s", path, strerror(errno));
			return -errno;
		}
		setvbuf(f, NULL, _IOLBF, 0);
		trace_fini(&vm->trace);
		trace_init(&vm->trace, f, true);
	}
	for (unsigned i = 0; i < cfg->nr_trace; i++)
		if (!trace_enable_pattern(&vm->trace, cfg->trace[i], true))
			log_warn("-trace %s: no trace event matches", cfg->trace[i]);
	return 0;
}

static int create_boot_vcpus(struct vm *vm)
{
	for (unsigned i = 0; i < vm->cfg->cpus; i++) {
		int ret = vcpu_plug(vm, i, NULL);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int run(struct vm_config *cfg)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	struct signal_watch sw = { .vm = vm, .fd = -1 };
	struct qmp_server *qmp = NULL;
	sigset_t sigs;
	int status = 1, ret;

	if (!vm) {
		log_error("out of memory");
		return 1;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	/* Blocked before any thread starts, so only the signalfd sees them. */
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (vcpu_signals_init() < 0) {
		log_error("cannot install the vCPU kick handler: %s", strerror(errno));
		free(vm);
		return 1;
	}
	if ((ret = vm_create(vm, cfg)) < 0)
		goto out;
	if ((ret = setup_trace(vm)) < 0)
		goto out;
	sw.fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sw.fd < 0 || loop_add_fd(&vm->loop, sw.fd, EPOLLIN, on_signal, &sw) < 0) {
		log_error("signalfd: %s", strerror(errno));
		goto out;
	}
	if ((ret = serial_create(vm)) < 0)
		goto out;
	if ((ret = qmp_server_create(vm, &qmp)) < 0)
		goto out;
	if ((ret = pci_host_create(vm)) < 0) {
		log_error("cannot create the PCI host bridge: %s", strerror(-ret));
		goto out;
	}
	if ((ret = devices_create_from_config(vm)) < 0)
		goto out;
	if (cfg->xen_version && (ret = xen_vmm_create(vm)) < 0)
		goto out;
	if ((ret = create_boot_vcpus(vm)) < 0)
		goto out;
	if ((ret = acpi_init(vm)) < 0)
		goto out;
	if ((ret = cpu_hotplug_init(vm)) < 0)
		goto out;
	if ((ret = pci_host_install_acpi(vm->pci, vm->acpi)) < 0)
		goto out;
	if ((ret = vm_load_kernel(vm)) < 0)
		goto out;
	if ((ret = vcpu_setup_boot_regs(vm->vcpu[0])) < 0) {
		log_error("vcpu 0: setting the boot registers: %s", strerror(-ret));
		goto out;
	}
	/* -qmp ...,wait=on: the machine starts once a client is there, as in QEMU. */
	if (qmp_server_wait_for_clients(qmp) < 0) {
		status = vm->exit_status;
		goto out;
	}
	status = vm_run(vm);
out:
	qmp_server_destroy(qmp); /* flushes the last replies and SHUTDOWN */
	vm_destroy(vm);
	if (sw.fd >= 0)
		close(sw.fd);
	free(vm);
	return status;
}

/* fds 0-2 closed at start would be reused by /dev/kvm or the VM fd, which the stdio
 * console would then take for stdin/stdout: put /dev/null there first. */
static void ensure_std_fds(void)
{
	/* In ascending order, the lowest free fd open() returns is `fd` itself. */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", O_RDWR) < 0)
			return;
}

int main(int argc, char **argv)
{
	struct vm_config cfg;
	char err[512];
	int status;

	ensure_std_fds();

	switch (cmdline_parse(argc, argv, &cfg, err, sizeof(err))) {
	case CMDLINE_EXIT_OK:
		cmdline_free(&cfg);
		return 0;
	case CMDLINE_ERROR:
		log_error("%s", err);
		cmdline_free(&cfg);
		return 1;
	case CMDLINE_RUN:
		break;
	}
	status = run(&cfg);
	cmdline_free(&cfg);
	return status;
}
