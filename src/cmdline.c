/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The options xkvm speaks, spelled as QEMU spells them, so a QEMU direct-boot command
 * line runs unchanged.  Each option has one small handler; the table is the single
 * source for parsing and for --help.
 */
#include "cmdline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vcpu/cpuid.h"
#include "xkvm-config.h"

struct parse_ctx {
	struct vm_config *cfg;
	char *err;
	size_t errlen;
	const char *opt; /* the option being parsed, for messages */
	char *trace_events_file_buf;
};

typedef int (*opt_handler)(struct parse_ctx *ctx, const char *arg);

struct option_def {
	const char *name;
	const char *argname; /* NULL: takes no argument */
	opt_handler fn;
	const char *help;
};

#define ERR(ctx, ...) (snprintf((ctx)->err, (ctx)->errlen, __VA_ARGS__), -EINVAL)

static int parse_opts(struct parse_ctx *ctx, struct opts *o, const char *arg, const char *implied)
{
	char e[256];

	if (opts_parse(o, arg, implied, e, sizeof(e)) < 0)
		return ERR(ctx, "%s: %s", ctx->opt, e);
	return 0;
}

static int check_unused(struct parse_ctx *ctx, struct opts *o)
{
	const char *k = opts_unused(o);

	if (k)
		return ERR(ctx, "%s: invalid parameter '%s'", ctx->opt, k);
	return 0;
}

static int opt_kernel(struct parse_ctx *ctx, const char *arg)  { ctx->cfg->kernel = arg; return 0; }
static int opt_initrd(struct parse_ctx *ctx, const char *arg)  { ctx->cfg->initrd = arg; return 0; }
static int opt_append(struct parse_ctx *ctx, const char *arg)  { ctx->cfg->append = arg; return 0; }
static int opt_logfile(struct parse_ctx *ctx, const char *arg) { ctx->cfg->logfile = arg; return 0; }
static int opt_no_reboot(struct parse_ctx *ctx, const char *arg)   { (void)arg; ctx->cfg->no_reboot = true; return 0; }
static int opt_no_shutdown(struct parse_ctx *ctx, const char *arg) { (void)arg; ctx->cfg->no_shutdown = true; return 0; }
static int opt_paused(struct parse_ctx *ctx, const char *arg)  { (void)arg; ctx->cfg->start_paused = true; return 0; }
static int opt_ignore(struct parse_ctx *ctx, const char *arg)  { (void)ctx; (void)arg; return 0; }

static int opt_name(struct parse_ctx *ctx, const char *arg)
{
	struct opts o;
	const char *guest;
	int ret = parse_opts(ctx, &o, arg, "guest");

	if (ret)
		return ret;
	guest = opts_get(&o, "guest");
	opts_get(&o, "process");
	opts_get(&o, "debug-threads");
	ret = check_unused(ctx, &o);
	if (!ret) {
		/* The last -name wins; the value is copied out of the parsed options. */
		free((char *)ctx->cfg->name);
		ctx->cfg->name = guest ? strdup(guest) : NULL;
	}
	opts_free(&o);
	return ret;
}

static int opt_mem(struct parse_ctx *ctx, const char *arg)
{
	struct opts o;
	uint64_t size = 0;
	char e[256];
	int ret = parse_opts(ctx, &o, arg, "size");

	if (ret)
		return ret;
	ret = opts_get_size(&o, "size", 1ull << 20, &size, e, sizeof(e));
	if (ret == -ENOENT)
		ret = ERR(ctx, "-m: missing 'size' parameter");
	else if (ret)
		ret = ERR(ctx, "-m: %s", e);
	if (!ret)
		ret = check_unused(ctx, &o);
	opts_free(&o);
	if (ret)
		return ret;
	if (size < MIN_MEM_SIZE)
		return ERR(ctx, "-m %s: guest RAM must be at least %llu MiB", arg,
			   MIN_MEM_SIZE >> 20);
	if (size & 0xfff)
		return ERR(ctx, "-m %s: guest RAM must be a multiple of 4 KiB", arg);
	ctx->cfg->mem_size = size;
	return 0;
}

static int get_count(struct parse_ctx *ctx, struct opts *o, const char *key, unsigned *out)
{
	uint64_t v;
	char e[256];
	int ret = opts_get_uint(o, key, &v, e, sizeof(e));

	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ERR(ctx, "-smp: %s", e);
	if (v == 0)
		return ERR(ctx, "-smp: '%s' must be at least 1", key);
	if (v > 4096)
		return ERR(ctx, "-smp: '%s' = %llu is too large", key, (unsigned long long)v);
	*out = (unsigned)v;
	return 0;
}

static int opt_smp(struct parse_ctx *ctx, const char *arg)
{
	struct vm_config *cfg = ctx->cfg;
	unsigned cpus = 0, maxcpus = 0, sockets = 0, dies = 0, cores = 0, threads = 0;
	struct opts o;
	int ret = parse_opts(ctx, &o, arg, "cpus");

	if (ret)
		return ret;
	if ((ret = get_count(ctx, &o, "cpus", &cpus)) || (ret = get_count(ctx, &o, "maxcpus", &maxcpus)) ||
	    (ret = get_count(ctx, &o, "sockets", &sockets)) || (ret = get_count(ctx, &o, "dies", &dies)) ||
	    (ret = get_count(ctx, &o, "cores", &cores)) || (ret = get_count(ctx, &o, "threads", &threads)) ||
	    (ret = check_unused(ctx, &o))) {
		opts_free(&o);
		return ret;
	}
	opts_free(&o);

	/* "-smp 0" and "cpus=0" are caught by get_count; here, the relations.  Every
	 * count is at most 4096, so products of them fit in 64 bits. */
	if (!dies)
		dies = 1;
	if (!threads)
		threads = 1;
	if (!sockets && cores && maxcpus)
		sockets = (unsigned)(maxcpus / ((uint64_t)dies * cores * threads));
	if (!sockets)
		sockets = 1;
	if (!maxcpus) {
		if (cores) {
			uint64_t n = (uint64_t)sockets * dies * cores * threads;
			if (n > MAX_VCPUS)
				return ERR(ctx, "-smp %s: at most %u vCPUs are supported (xAPIC IDs)", arg,
					   MAX_VCPUS);
			maxcpus = (unsigned)n;
		} else {
			maxcpus = cpus ? cpus : 1;
		}
	}
	if (!cpus)
		cpus = maxcpus;
	if (!cores)
		cores = (unsigned)(maxcpus / ((uint64_t)sockets * dies * threads));
	if (cpus > maxcpus)
		return ERR(ctx, "-smp %s: maxcpus must be equal to or greater than smp (%u > %u)",
			   arg, cpus, maxcpus);
	if ((uint64_t)sockets * dies * cores * threads != maxcpus)
		return ERR(ctx, "-smp %s: cpu topology: sockets (%u) * dies (%u) * cores (%u) * "
			   "threads (%u) != maxcpus (%u)", arg, sockets, dies, cores, threads, maxcpus);
	if (maxcpus > MAX_VCPUS)
		return ERR(ctx, "-smp %s: at most %u vCPUs are supported (xAPIC IDs)", arg, MAX_VCPUS);
	cfg->cpus = cpus;
	cfg->maxcpus = maxcpus;
	cfg->sockets = sockets;
	cfg->dies = dies;
	cfg->cores = cores;
	cfg->threads = threads;
	return 0;
}

static int add_cpu_feature(struct parse_ctx *ctx, const char *name, bool enable)
{
	struct vm_config *cfg = ctx->cfg;
	struct cpu_feature_override *f;

	if (!*name || strlen(name) >= sizeof(f->name) || !cpuid_feature_lookup(name))
		return ERR(ctx, "-cpu: unknown CPU feature '%s'", name);
	if (cfg->nr_cpu_feat == CFG_MAX_CPU_FEATURES)
		return ERR(ctx, "-cpu: too many feature flags");
	f = &cfg->cpu_feat[cfg->nr_cpu_feat++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->enable = enable;
	return 0;
}

static int opt_cpu(struct parse_ctx *ctx, const char *arg)
{
	const char *p = arg, *comma;
	char model[32];
	size_t n;

	comma = strchr(p, ',');
	n = comma ? (size_t)(comma - p) : strlen(p);
	if (n == 0 || n >= sizeof(model))
		return ERR(ctx, "-cpu %s: missing CPU model", arg);
	memcpy(model, p, n);
	model[n] = '\0';
	if (strcmp(model, "host") && strcmp(model, "max"))
		return ERR(ctx, "-cpu %s: unsupported CPU model '%s' (only 'host' and 'max')", arg, model);
	snprintf(ctx->cfg->cpu_model, sizeof(ctx->cfg->cpu_model), "%s", model);
	while (comma) {
		char item[64];
		const char *eq;
		int ret;

		p = comma + 1;
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 0 || n >= sizeof(item))
			return ERR(ctx, "-cpu %s: invalid feature list", arg);
		memcpy(item, p, n);
		item[n] = '\0';
		eq = strchr(item, '=');
		if (item[0] == '+' || item[0] == '-') {
			ret = add_cpu_feature(ctx, item + 1, item[0] == '+');
		} else if (eq) {
			bool on;
			char name[64];

			snprintf(name, sizeof(name), "%.*s", (int)(eq - item), item);
			if (parse_bool(eq + 1, &on) < 0)
				return ERR(ctx, "-cpu: feature '%s' expects 'on' or 'off'", name);
			ret = add_cpu_feature(ctx, name, on);
		} else {
			ret = add_cpu_feature(ctx, item, true);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int opt_serial(struct parse_ctx *ctx, const char *arg)
{
	struct vm_config *cfg = ctx->cfg;

	if (!strcmp(arg, "stdio") || !strcmp(arg, "mon:stdio")) {
		cfg->serial = SERIAL_BACKEND_STDIO;
	} else if (!strcmp(arg, "pty")) {
		cfg->serial = SERIAL_BACKEND_PTY;
	} else if (!strcmp(arg, "none")) {
		cfg->serial = SERIAL_BACKEND_NONE;
	} else if (!strcmp(arg, "null")) {
		cfg->serial = SERIAL_BACKEND_NULL;
	} else if (!strncmp(arg, "file:", 5) && arg[5]) {
		cfg->serial = SERIAL_BACKEND_FILE;
		free(cfg->serial_path);
		cfg->serial_path = strdup(arg + 5);
	} else {
		return ERR(ctx, "-serial %s: unsupported backend (stdio, pty, file:PATH, null or none)", arg);
	}
	return 0;
}

static int opt_nographic(struct parse_ctx *ctx, const char *arg)
{
	(void)arg;
	ctx->cfg->nographic = true;
	return 0;
}

static int opt_qmp(struct parse_ctx *ctx, const char *arg)
{
	struct vm_config *cfg = ctx->cfg;
	struct qmp_config *q;
	struct opts o;
	const char *path;
	bool server = false, wait = true;
	char e[256];
	int ret;

	if (strncmp(arg, "unix:", 5) || !arg[5])
		return ERR(ctx, "-qmp %s: only 'unix:PATH,server=on[,wait=off]' is supported", arg);
	if (cfg->nr_qmp == CFG_MAX_QMP)
		return ERR(ctx, "-qmp: too many QMP sockets");
	ret = parse_opts(ctx, &o, arg + 5, "path");
	if (ret)
		return ret;
	if ((ret = opts_get_bool(&o, "server", &server, e, sizeof(e))) && ret != -ENOENT)
		goto bad;
	if ((ret = opts_get_bool(&o, "wait", &wait, e, sizeof(e))) && ret != -ENOENT)
		goto bad;
	/* The legacy spelling "nowait". */
	if (opts_get(&o, "nowait"))
		wait = false;
	path = opts_get(&o, "path");
	ret = check_unused(ctx, &o);
	if (ret) {
		opts_free(&o);
		return ret;
	}
	if (!server) {
		opts_free(&o);
		return ERR(ctx, "-qmp %s: only server=on is supported", arg);
	}
	if (!path || !*path) {
		opts_free(&o);
		return ERR(ctx, "-qmp %s: missing socket path", arg);
	}
	q = &cfg->qmp[cfg->nr_qmp++];
	q->path = strdup(path);
	q->server = server;
	q->wait = wait;
	opts_free(&o);
	return 0;
bad:
	opts_free(&o);
	return ERR(ctx, "-qmp: %s", e);
}

static int add_trace(struct parse_ctx *ctx, const char *pattern)
{
	struct vm_config *cfg = ctx->cfg;

	if (cfg->nr_trace == CFG_MAX_TRACE)
		return ERR(ctx, "-trace: too many patterns");
	cfg->trace[cfg->nr_trace++] = strdup(pattern);
	return 0;
}

static int trace_events_file(struct parse_ctx *ctx, const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f)
		return ERR(ctx, "-trace events=%s: %s", path, strerror(errno));
	while (!ret && fgets(line, sizeof(line), f)) {
		char *s = line, *end;

		while (*s == ' ' || *s == '\t')
			s++;
		end = s + strcspn(s, "\r\n#");
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = '\0';
		if (*s)
			ret = add_trace(ctx, s);
	}
	fclose(f);
	return ret;
}

static int opt_trace(struct parse_ctx *ctx, const char *arg)
{
	struct opts o;
	const char *v;
	int ret = parse_opts(ctx, &o, arg, "enable");

	if (ret)
		return ret;
	if ((v = opts_get(&o, "enable")))
		ret = add_trace(ctx, v);
	if (!ret && (v = opts_get(&o, "events")))
		ret = trace_events_file(ctx, v);
	if (!ret && (v = opts_get(&o, "file"))) {
		free(ctx->cfg->trace_file);
		ctx->cfg->trace_file = strdup(v);
	}
	if (!ret)
		ret = check_unused(ctx, &o);
	opts_free(&o);
	return ret;
}

static int opt_device(struct parse_ctx *ctx, const char *arg)
{
	struct vm_config *cfg = ctx->cfg;
	struct device_config *d;
	const char *driver;
	int ret;

	if (cfg->nr_devices == CFG_MAX_DEVICES)
		return ERR(ctx, "-device: too many devices");
	d = &cfg->device[cfg->nr_devices];
	ret = parse_opts(ctx, &d->opts, arg, "driver");
	if (ret)
		return ret;
	driver = opts_get(&d->opts, "driver");
	if (!driver || !*driver) {
		opts_free(&d->opts);
		return ERR(ctx, "-device %s: missing driver name", arg);
	}
	d->driver = strdup(driver);
	cfg->nr_devices++;
	return 0;
}

static int opt_drive(struct parse_ctx *ctx, const char *arg)
{
	struct vm_config *cfg = ctx->cfg;
	int ret;

	if (cfg->nr_drives == CFG_MAX_DRIVES)
		return ERR(ctx, "-drive: too many drives");
	ret = parse_opts(ctx, &cfg->drive[cfg->nr_drives].opts, arg, NULL);
	if (ret)
		return ret;
	cfg->nr_drives++;
	return 0;
}

/* -accel kvm[,xen-version=N]; -machine TYPE[,accel=kvm,...]; -enable-kvm. */
static int check_accel(struct parse_ctx *ctx, const char *accel)
{
	if (accel && strcmp(accel, "kvm"))
		return ERR(ctx, "%s: accelerator '%s' is not supported (xkvm runs on KVM only)",
			   ctx->opt, accel);
	return 0;
}

static int opt_accel(struct parse_ctx *ctx, const char *arg)
{
	struct opts o;
	uint64_t xv = 0;
	char e[256];
	int ret = parse_opts(ctx, &o, arg, "accel");

	if (ret)
		return ret;
	ret = check_accel(ctx, opts_get(&o, "accel"));
	if (!ret) {
		ret = opts_get_uint(&o, "xen-version", &xv, e, sizeof(e));
		if (ret == -ENOENT)
			ret = 0;
		else if (ret)
			ret = ERR(ctx, "-accel: %s", e);
		else if (xv == 0 || xv > UINT32_MAX)
			ret = ERR(ctx, "-accel: xen-version must be a 32-bit value such as 0x4000a");
		else
			ctx->cfg->xen_version = (uint32_t)xv;
	}
	if (!ret) {
		/* xkvm's own: keep KVM's CPUID leaves at 0x40000000, Xen's move to 0x40000100. */
		ret = opts_get_bool(&o, "x-xen-kvm-leaves", &ctx->cfg->xen_kvm_leaves, e, sizeof(e));
		if (ret == -ENOENT)
			ret = 0;
		else if (ret)
			ret = ERR(ctx, "-accel: %s", e);
	}
	opts_get(&o, "kernel-irqchip");
	opts_get(&o, "xen-evtchn-max-pirq");
	opts_get(&o, "xen-gnttab-max-frames");
	if (!ret)
		ret = check_unused(ctx, &o);
	opts_free(&o);
	return ret;
}

/* -xen-domid N (QEMU's spelling): the guest's Xen domain id. */
static int opt_xen_domid(struct parse_ctx *ctx, const char *arg)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 0);
	if (errno || end == arg || *end || v == 0 || v >= 0x7ff0)
		return ERR(ctx, "-xen-domid %s: a domain id from 1 to 32751 (0x7fef) is expected; "
			   "0 is the back-end domain xkvm stands for", arg);
	ctx->cfg->xen_domid = (uint16_t)v;
	return 0;
}

static int opt_machine(struct parse_ctx *ctx, const char *arg)
{
	static const char *const known[] = { "microvm", "q35", "pc", "xkvm", NULL };
	struct opts o;
	const char *type;
	int ret = parse_opts(ctx, &o, arg, "type");

	if (ret)
		return ret;
	type = opts_get(&o, "type");
	if (type) {
		bool ok = false;
		for (unsigned i = 0; known[i]; i++)
			ok |= !strcmp(type, known[i]);
		if (!ok)
			ret = ERR(ctx, "-machine %s: unsupported machine type '%s' (xkvm has one "
				  "machine; 'microvm', 'q35' and 'pc' are accepted as its aliases)",
				  arg, type);
	}
	if (!ret)
		ret = check_accel(ctx, opts_get(&o, "accel"));
	/* Properties that describe what xkvm's machine is anyway. */
	opts_get(&o, "kernel-irqchip");
	opts_get(&o, "acpi");
	opts_get(&o, "pic");
	opts_get(&o, "pit");
	opts_get(&o, "rtc");
	opts_get(&o, "isa-serial");
	opts_get(&o, "x-option-roms");
	opts_get(&o, "graphics");
	opts_get(&o, "usb");
	if (!ret)
		ret = check_unused(ctx, &o);
	opts_free(&o);
	return ret;
}

static int opt_display(struct parse_ctx *ctx, const char *arg)
{
	if (strcmp(arg, "none"))
		return ERR(ctx, "%s %s: xkvm has no display; only 'none' is accepted", ctx->opt, arg);
	return 0;
}

/* xkvm has no network device unless one is asked for: "none" is what it has anyway. */
static int opt_no_net(struct parse_ctx *ctx, const char *arg)
{
	if (strcmp(arg, "none"))
		return ERR(ctx, "%s %s: only 'none' is supported (use -device for a NIC)", ctx->opt, arg);
	return 0;
}

static int opt_help(struct parse_ctx *ctx, const char *arg);
static int opt_version(struct parse_ctx *ctx, const char *arg);

static const struct option_def options[] = {
	{ "kernel", "PATH", opt_kernel, "kernel to boot: bzImage, or an ELF with a PVH entry note" },
	{ "initrd", "PATH", opt_initrd, "initial ramdisk" },
	{ "append", "CMDLINE", opt_append, "kernel command line" },
	{ "m", "[size=]N[M|G]", opt_mem, "guest RAM (MiB by default; at least 64M)" },
	{ "smp", "[cpus=]N[,maxcpus=M][,sockets=S][,dies=D][,cores=C][,threads=T]", opt_smp,
	  "vCPUs at boot and hot-pluggable slots" },
	{ "cpu", "host[,+feat][,-feat]", opt_cpu, "CPU model and feature overrides" },
	{ "serial", "stdio|pty|file:PATH|null|none", opt_serial, "serial port (COM1) backend" },
	{ "nographic", NULL, opt_nographic, "no graphics; serial on stdio (the default)" },
	{ "no-reboot", NULL, opt_no_reboot, "exit (status 0) instead of rebooting" },
	{ "no-shutdown", NULL, opt_no_shutdown, "stop the VM instead of exiting on power-off" },
	{ "S", NULL, opt_paused, "start with the vCPUs stopped (QMP 'cont' starts them)" },
	{ "qmp", "unix:PATH,server=on[,wait=off]", opt_qmp,
	  "QMP control socket (wait=on, the default: start once a client connects)" },
	{ "name", "NAME", opt_name, "VM name (reported by QMP query-name)" },
	{ "D", "LOGFILE", opt_logfile, "write the trace log to LOGFILE instead of stderr" },
	{ "trace", "[enable=]PATTERN|events=FILE|file=FILE", opt_trace, "enable trace events" },
	{ "device", "DRIVER[,prop=value...]", opt_device,
	  "add a device (isa-debug-exit, xkvm-ucall, virtio-blk-pci, host-x86_64-cpu)" },
	{ "drive", "file=PATH,format=raw,if=none,id=ID", opt_drive, "a block backend" },
	{ "accel", "kvm[,xen-version=N][,x-xen-kvm-leaves=on]", opt_accel,
	  "accelerator (KVM); Xen guest ABI version (docs/xen.md)" },
	{ "xen-domid", "N", opt_xen_domid, "the Xen guest's domain id (default 1)" },
	{ "machine", "TYPE[,accel=kvm]", opt_machine, "accepted for compatibility" },
	{ "M", "TYPE", opt_machine, "same as -machine" },
	{ "enable-kvm", NULL, opt_ignore, "accepted for compatibility (always KVM)" },
	{ "nodefaults", NULL, opt_ignore, "accepted for compatibility (xkvm has no default devices to drop)" },
	{ "no-user-config", NULL, opt_ignore, "accepted for compatibility" },
	{ "display", "none", opt_display, "accepted for compatibility" },
	{ "vga", "none", opt_display, "accepted for compatibility" },
	{ "monitor", "none", opt_display, "accepted for compatibility (use -qmp)" },
	{ "nic", "none", opt_no_net, "accepted for compatibility (no network by default)" },
	{ "net", "none", opt_no_net, "accepted for compatibility (no network by default)" },
	{ "help", NULL, opt_help, "print this help and exit" },
	{ "h", NULL, opt_help, NULL },
	{ "version", NULL, opt_version, "print the version and exit" },
};

#define NR_OPTIONS (sizeof(options) / sizeof(options[0]))

static int opt_help(struct parse_ctx *ctx, const char *arg)
{
	(void)ctx;
	(void)arg;
	return 1;
}

static int opt_version(struct parse_ctx *ctx, const char *arg)
{
	(void)ctx;
	(void)arg;
	return 2;
}

void cmdline_usage(const char *argv0)
{
	printf("usage: %s [options]\n\n"
	       "xkvm %s: a small VMM on Linux KVM.  Options use QEMU's spellings.\n\n",
	       argv0, XKVM_VERSION);
	for (size_t i = 0; i < NR_OPTIONS; i++) {
		char lhs[128];

		if (!options[i].help)
			continue;
		snprintf(lhs, sizeof(lhs), "-%s%s%s", options[i].name, options[i].argname ? " " : "",
			 options[i].argname ? options[i].argname : "");
		if (strlen(lhs) > 30)
			printf("  %s\n  %-30s %s\n", lhs, "", options[i].help);
		else
			printf("  %-30s %s\n", lhs, options[i].help);
	}
	printf("\nExit status: 0 after a guest power-off (or reset with -no-reboot), 1 on an error,\n"
	       "(code << 1) | 1 after a write of code to isa-debug-exit.\n");
}

static void cfg_defaults(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = DEFAULT_MEM_SIZE;
	cfg->cpus = cfg->maxcpus = 1;
	cfg->sockets = cfg->dies = cfg->cores = cfg->threads = 1;
	snprintf(cfg->cpu_model, sizeof(cfg->cpu_model), "host");
	cfg->serial = SERIAL_BACKEND_STDIO;
}

enum cmdline_result cmdline_parse(int argc, char **argv, struct vm_config *cfg, char *err,
				  size_t errlen)
{
	struct parse_ctx ctx = { .cfg = cfg, .err = err, .errlen = errlen };

	cfg_defaults(cfg);
	err[0] = '\0';
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct option_def *def = NULL;
		const char *name;
		int ret;

		if (a[0] != '-' || !a[1]) {
			snprintf(err, errlen, "%s: unexpected argument (options start with '-')", a);
			return CMDLINE_ERROR;
		}
		name = a + 1 + (a[1] == '-');
		for (size_t j = 0; j < NR_OPTIONS; j++)
			if (!strcmp(name, options[j].name))
				def = &options[j];
		if (!def) {
			snprintf(err, errlen, "%s: invalid option", a);
			return CMDLINE_ERROR;
		}
		ctx.opt = a;
		if (def->argname && i + 1 >= argc) {
			snprintf(err, errlen, "%s: requires an argument (%s)", a, def->argname);
			return CMDLINE_ERROR;
		}
		ret = def->fn(&ctx, def->argname ? argv[++i] : NULL);
		if (ret == 1) {
			cmdline_usage(argv[0]);
			return CMDLINE_EXIT_OK;
		}
		if (ret == 2) {
			printf("xkvm version %s\n", XKVM_VERSION);
			return CMDLINE_EXIT_OK;
		}
		if (ret)
			return CMDLINE_ERROR;
	}
	if (!cfg->kernel) {
		snprintf(err, errlen, "no kernel given: use -kernel PATH (see --help)");
		return CMDLINE_ERROR;
	}
	return CMDLINE_RUN;
}

void cmdline_free(struct vm_config *cfg)
{
	free((char *)cfg->name);
	free(cfg->serial_path);
	for (unsigned i = 0; i < cfg->nr_qmp; i++)
		free(cfg->qmp[i].path);
	for (unsigned i = 0; i < cfg->nr_trace; i++)
		free(cfg->trace[i]);
	free(cfg->trace_file);
	for (unsigned i = 0; i < cfg->nr_devices; i++) {
		free(cfg->device[i].driver);
		opts_free(&cfg->device[i].opts);
	}
	for (unsigned i = 0; i < cfg->nr_drives; i++)
		opts_free(&cfg->drive[i].opts);
	memset(cfg, 0, sizeof(*cfg));
}
