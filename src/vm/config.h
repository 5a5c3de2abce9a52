/* SPDX-License-Identifier: GPL-2.0-only */
/* What the command line asked for; filled by cmdline_parse(), read by the wiring code. */
#ifndef XKVM_VM_CONFIG_H
#define XKVM_VM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "util/opts.h"

#define CFG_MAX_CPU_FEATURES 64
#define CFG_MAX_QMP 8
#define CFG_MAX_TRACE 64
#define CFG_MAX_DEVICES 32
#define CFG_MAX_DRIVES 16

/* NONE: no UART at all; NULL: a UART whose output is discarded (QEMU's -serial null). */
enum serial_backend { SERIAL_BACKEND_STDIO, SERIAL_BACKEND_PTY, SERIAL_BACKEND_FILE,
		      SERIAL_BACKEND_NONE, SERIAL_BACKEND_NULL };

struct cpu_feature_override {
	char name[32];
	bool enable;
};

struct qmp_config {
	char *path;
	bool server;
	bool wait;
};

/* -device DRIVER,key=val,...: validated and instantiated by the wiring code. */
struct device_config {
	char *driver;
	struct opts opts;
};

/* -drive file=PATH,format=raw,if=none,id=ID */
struct drive_config {
	struct opts opts;
	bool claimed; /* opened by a device (block/drive.c) */
};

struct vm_config {
	const char *kernel;
	const char *initrd;
	const char *append;
	const char *name;
	const char *logfile;   /* -D */

	uint64_t mem_size;     /* bytes */

	unsigned cpus;         /* present at boot */
	unsigned maxcpus;      /* slots */
	unsigned sockets, dies, cores, threads;

	char cpu_model[32];    /* "host" */
	struct cpu_feature_override cpu_feat[CFG_MAX_CPU_FEATURES];
	unsigned nr_cpu_feat;

	enum serial_backend serial;
	char *serial_path;     /* file:PATH */

	bool no_reboot;
	bool no_shutdown;
	bool start_paused;     /* -S */
	bool nographic;

	struct qmp_config qmp[CFG_MAX_QMP];
	unsigned nr_qmp;

	char *trace[CFG_MAX_TRACE];   /* -trace patterns (and events=FILE entries expanded) */
	unsigned nr_trace;
	char *trace_file;             /* -trace file=... */

	struct device_config device[CFG_MAX_DEVICES];
	unsigned nr_devices;
	struct drive_config drive[CFG_MAX_DRIVES];
	unsigned nr_drives;

	uint32_t xen_version;         /* -accel kvm,xen-version=0x4000a; 0 = off */
	uint16_t xen_domid;           /* -xen-domid N; 0 = the default (1) */
	bool xen_kvm_leaves;          /* -accel kvm,x-xen-kvm-leaves=on: Xen at 0x40000100 */
};

#endif
