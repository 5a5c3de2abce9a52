/* SPDX-License-Identifier: GPL-2.0-only */
/* The command line: QEMU's spellings in, struct vm_config out; every error is one line
 * that names the option and the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cmdline.h"

#define MIB (1ull << 20)

struct parsed {
	struct vm_config cfg;
	enum cmdline_result r;
	char err[512];
};

/* Parses a NULL-terminated list of arguments (argv[0] is added). */
static void parse_v(struct parsed *p, const char *const *args)
{
	char *argv[64];
	int argc = 0;

	argv[argc++] = (char *)"xkvm";
	while (*args)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	p->r = cmdline_parse(argc, argv, &p->cfg, p->err, sizeof(p->err));
}

#define PARSE(p, ...) parse_v(p, (const char *const[]){ __VA_ARGS__, NULL })

/* Expects a parse error whose one-line message contains `needle`. */
#define EXPECT_ERROR(needle, ...)                                                        \
	do {                                                                             \
		struct parsed p_;                                                        \
		PARSE(&p_, __VA_ARGS__);                                                 \
		assert_int_equal(p_.r, CMDLINE_ERROR);                                   \
		if (!strstr(p_.err, needle))                                             \
			fail_msg("error '%s' does not mention '%s'", p_.err, needle);    \
		assert_null(strchr(p_.err, '\n'));                                       \
		cmdline_free(&p_.cfg);                                                   \
	} while (0)

static void test_defaults(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, "-kernel", "vmlinux");
	assert_int_equal(p.r, CMDLINE_RUN);
	assert_string_equal(p.cfg.kernel, "vmlinux");
	assert_null(p.cfg.initrd);
	assert_null(p.cfg.append);
	assert_int_equal(p.cfg.mem_size, DEFAULT_MEM_SIZE);
	assert_int_equal(p.cfg.cpus, 1);
	assert_int_equal(p.cfg.maxcpus, 1);
	assert_string_equal(p.cfg.cpu_model, "host");
	assert_int_equal(p.cfg.serial, SERIAL_BACKEND_STDIO);
	cmdline_free(&p.cfg);
}

/* A QEMU microvm direct-boot line, as people write it, runs unchanged. */
static void test_qemu_direct_boot_line(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=off,pit=off,pic=off",
	      "-accel", "kvm", "-enable-kvm", "-cpu", "host,-arch-capabilities", "-m", "512",
	      "-smp", "2,maxcpus=4", "-nodefaults", "-no-user-config", "-nographic",
	      "-display", "none", "-vga", "none", "-monitor", "none", "-nic", "none",
	      "-serial", "stdio", "-kernel", "bzImage", "-initrd", "initrd.img",
	      "-append", "console=ttyS0 quiet", "-no-reboot", "-name", "guest=vm1",
	      "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
	      "-qmp", "unix:/tmp/q.sock,server=on,wait=off");
	assert_int_equal(p.r, CMDLINE_RUN);
	assert_int_equal(p.cfg.mem_size, 512 * MIB);
	assert_int_equal(p.cfg.cpus, 2);
	assert_int_equal(p.cfg.maxcpus, 4);
	assert_int_equal(p.cfg.cores, 4);
	assert_string_equal(p.cfg.kernel, "bzImage");
	assert_string_equal(p.cfg.initrd, "initrd.img");
	assert_string_equal(p.cfg.append, "console=ttyS0 quiet");
	assert_true(p.cfg.no_reboot);
	assert_string_equal(p.cfg.name, "vm1");
	assert_int_equal(p.cfg.nr_cpu_feat, 1);
	assert_string_equal(p.cfg.cpu_feat[0].name, "arch-capabilities");
	assert_false(p.cfg.cpu_feat[0].enable);
	assert_int_equal(p.cfg.nr_devices, 1);
	assert_string_equal(p.cfg.device[0].driver, "isa-debug-exit");
	assert_int_equal(p.cfg.nr_qmp, 1);
	assert_string_equal(p.cfg.qmp[0].path, "/tmp/q.sock");
	assert_false(p.cfg.qmp[0].wait);
	cmdline_free(&p.cfg);

	/* Repeated options: the last one wins, nothing leaks (ASan). */
	PARSE(&p, "-kernel", "a", "-kernel", "b", "-name", "one", "-name", "two",
	      "-serial", "file:/tmp/1", "-serial", "file:/tmp/2", "-append", "x", "-append", "y");
	assert_int_equal(p.r, CMDLINE_RUN);
	assert_string_equal(p.cfg.kernel, "b");
	assert_string_equal(p.cfg.name, "two");
	assert_string_equal(p.cfg.serial_path, "/tmp/2");
	assert_string_equal(p.cfg.append, "y");
	cmdline_free(&p.cfg);

	/* The q35 spelling and the legacy QMP flags too. */
	PARSE(&p, "-machine", "q35,accel=kvm", "-kernel", "k", "-qmp", "unix:/tmp/q,server,nowait",
	      "--no-reboot");
	assert_int_equal(p.r, CMDLINE_RUN);
	assert_int_equal(p.cfg.nr_qmp, 1);
	assert_true(p.cfg.qmp[0].server);
	assert_false(p.cfg.qmp[0].wait);
	cmdline_free(&p.cfg);
}

static void test_memory(void **state)
{
	static const struct { const char *arg; uint64_t bytes; } ok[] = {
		{ "512", 512 * MIB }, { "1G", 1024 * MIB }, { "size=256M", 256 * MIB },
		{ "64M", 64 * MIB }, { "2GiB", 2048 * MIB }, { "65536k", 64 * MIB },
	};
	struct parsed p;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		PARSE(&p, "-kernel", "k", "-m", ok[i].arg);
		assert_int_equal(p.r, CMDLINE_RUN);
		assert_int_equal(p.cfg.mem_size, ok[i].bytes);
		cmdline_free(&p.cfg);
	}
	EXPECT_ERROR("-m 0: guest RAM must be at least 64 MiB", "-kernel", "k", "-m", "0");
	EXPECT_ERROR("at least 64 MiB", "-kernel", "k", "-m", "32M");
	EXPECT_ERROR("multiple of 4 KiB", "-kernel", "k", "-m", "67108865B");
	EXPECT_ERROR("-m", "-kernel", "k", "-m", "lots");
	EXPECT_ERROR("-m", "-kernel", "k", "-m", "-5");
	EXPECT_ERROR("-m", "-kernel", "k", "-m", "99999999999999999999");
	EXPECT_ERROR("invalid parameter 'slots'", "-kernel", "k", "-m", "1G,slots=2");
}

static void test_smp(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, "-kernel", "k", "-smp", "4,sockets=2");
	assert_int_equal(p.r, CMDLINE_RUN);
	assert_int_equal(p.cfg.cpus, 4);
	assert_int_equal(p.cfg.maxcpus, 4);
	assert_int_equal(p.cfg.sockets, 2);
	assert_int_equal(p.cfg.cores, 2);
	cmdline_free(&p.cfg);

	PARSE(&p, "-kernel", "k", "-smp", "cpus=1,maxcpus=8,cores=4,threads=2");
	assert_int_equal(p.r, CMDLINE_RUN);
	assert_int_equal(p.cfg.maxcpus, 8);
	assert_int_equal(p.cfg.sockets, 1);
	cmdline_free(&p.cfg);

	PARSE(&p, "-kernel", "k", "-smp", "maxcpus=3");
	assert_int_equal(p.r, CMDLINE_RUN);
	assert_int_equal(p.cfg.cpus, 3);
	cmdline_free(&p.cfg);

	EXPECT_ERROR("-smp: 'cpus' must be at least 1", "-kernel", "k", "-smp", "0");
	EXPECT_ERROR("'maxcpus' must be at least 1", "-kernel", "k", "-smp", "1,maxcpus=0");
	EXPECT_ERROR("maxcpus must be equal to or greater than smp (4 > 2)", "-kernel", "k",
		     "-smp", "4,maxcpus=2");
	EXPECT_ERROR("!= maxcpus", "-kernel", "k", "-smp", "3,sockets=2");
	EXPECT_ERROR("at most 254 vCPUs", "-kernel", "k", "-smp", "1,maxcpus=300");
	/* Products that would wrap in 32 bits are still refused, not accepted. */
	EXPECT_ERROR("-smp", "-kernel", "k", "-smp", "1,sockets=4096,dies=4096,cores=4096,threads=4096");
	EXPECT_ERROR("at most 254", "-kernel", "k", "-smp", "sockets=4096,cores=4096");
	EXPECT_ERROR("too large", "-kernel", "k", "-smp", "5000");
	EXPECT_ERROR("invalid parameter 'nodes'", "-kernel", "k", "-smp", "2,nodes=2");
	EXPECT_ERROR("-smp", "-kernel", "k", "-smp", "two");
}

static void test_cpu(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, "-kernel", "k", "-cpu", "host,+cx16,-xsave,popcnt=off,sse4_2,kvm-pv-eoi=on");
	assert_int_equal(p.r, CMDLINE_RUN);
	assert_int_equal(p.cfg.nr_cpu_feat, 5);
	assert_true(p.cfg.cpu_feat[0].enable);
	assert_false(p.cfg.cpu_feat[1].enable);
	assert_false(p.cfg.cpu_feat[2].enable);
	assert_true(p.cfg.cpu_feat[3].enable);
	cmdline_free(&p.cfg);

	EXPECT_ERROR("unknown CPU feature 'nosuch'", "-kernel", "k", "-cpu", "host,+nosuch");
	EXPECT_ERROR("unsupported CPU model 'qemu64'", "-kernel", "k", "-cpu", "qemu64");
	EXPECT_ERROR("expects 'on' or 'off'", "-kernel", "k", "-cpu", "host,cx16=maybe");
	EXPECT_ERROR("invalid feature list", "-kernel", "k", "-cpu", "host,,+cx16");
}

static void test_backends_and_machine(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, "-kernel", "k", "-serial", "file:/tmp/console.log");
	assert_int_equal(p.r, CMDLINE_RUN);
	assert_int_equal(p.cfg.serial, SERIAL_BACKEND_FILE);
	assert_string_equal(p.cfg.serial_path, "/tmp/console.log");
	cmdline_free(&p.cfg);

	EXPECT_ERROR("-serial tcp::4444: unsupported backend", "-kernel", "k", "-serial", "tcp::4444");
	EXPECT_ERROR("only 'unix:PATH", "-kernel", "k", "-qmp", "tcp:localhost:4444,server=on");
	EXPECT_ERROR("only server=on", "-kernel", "k", "-qmp", "unix:/tmp/q");
	EXPECT_ERROR("unsupported machine type 'virt'", "-kernel", "k", "-M", "virt");
	EXPECT_ERROR("accelerator 'tcg' is not supported", "-kernel", "k", "-accel", "tcg");
	EXPECT_ERROR("accelerator 'tcg'", "-kernel", "k", "-machine", "microvm,accel=tcg");
	EXPECT_ERROR("only 'none'", "-kernel", "k", "-display", "gtk");
	EXPECT_ERROR("only 'none'", "-kernel", "k", "-nic", "user");
	EXPECT_ERROR("missing driver name", "-kernel", "k", "-device", "");
}

static void test_bad_usage(void **state)
{
	(void)state;
	EXPECT_ERROR("-bogus: invalid option", "-kernel", "k", "-bogus");
	EXPECT_ERROR("--frobnicate: invalid option", "--frobnicate");
	EXPECT_ERROR("-kernel: requires an argument", "-kernel");
	EXPECT_ERROR("disk.img: unexpected argument", "-kernel", "k", "disk.img");
	EXPECT_ERROR("no kernel given", "-m", "256");
	EXPECT_ERROR("no kernel given", "-initrd", "initrd.img");
}

static void test_help_and_version(void **state)
{
	struct parsed p;
	FILE *saved = stdout;

	(void)state;
	/* Both print to stdout and ask the caller to exit 0. */
	stdout = fopen("/dev/null", "w");
	PARSE(&p, "--help");
	assert_int_equal(p.r, CMDLINE_EXIT_OK);
	cmdline_free(&p.cfg);
	PARSE(&p, "-version");
	assert_int_equal(p.r, CMDLINE_EXIT_OK);
	cmdline_free(&p.cfg);
	PARSE(&p, "-kernel", "k", "-h");
	assert_int_equal(p.r, CMDLINE_EXIT_OK);
	cmdline_free(&p.cfg);
	fclose(stdout);
	stdout = saved;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_qemu_direct_boot_line),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_smp),
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_backends_and_machine),
		cmocka_unit_test(test_bad_usage),
		cmocka_unit_test(test_help_and_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
