/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target over the Xen guest ABI as a hostile guest drives it (docs/xen.md):
 * sequences of hypercalls of any number, subop and arguments, from 32- or 64-bit code
 * at any CPL, whose pointer arguments are guest-virtual addresses walked through page
 * tables that live in the fuzzed guest memory; interleaved with what the VMM does on its
 * own (timer expiry, vCPU plug and unplug, hypercall-page MSR writes, the PV console
 * service, GSI callback polls, soft reset).  Besides the sanitizers it checks:
 *   - every hypercall returns 0, a positive value, or a Xen errno (never a host errno
 *     below -XEN_EMAX, which would mean an internal error leaked to the guest);
 *   - the save/restore blob of whatever state the sequence built loads into a fresh
 *     domain, and saving that domain gives the same blob byte for byte (but for a closed
 *     console channel, which a restore sets up again: see check_round_trip()).
 * With the first byte's bit 2 set, the rest of the input is a state blob instead: a load
 * of it must not crash, and a blob that loads must survive a save/load round trip.
 * Run by scripts/fuzz.sh (bounded time) from scripts/test.sh.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xen/domain.h"
#include "xen/guest_access.h"
#include "xen/hypercall.h"
#include "xen/state.h"

#define CHECK(c)                          \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

#define VCPUS 4
#define RAM (512u << 10)
#define ARG 0x2000u      /* where records put their payload */
#define ARG_SPAN 0x2000u /* pointer arguments land in [ARG, ARG + ARG_SPAN) */
#define PT 0x70000u      /* the identity page tables the paging modes use */
#define XEN_EMAX 200     /* Xen's errnos are small positive numbers, negated */

static struct guest_mem gm;
static uint64_t now_ns;
static uint64_t armed[VCPUS]; /* the host timers: deadline, 0 = disarmed */
/* $FUZZ_XEN_SEED_BLOB: where to save the state a run builds (scripts/fuzz.sh makes the
 * blob-mode seed this way). */
static const char *seed_blob;

static uint64_t h_now(void *o)
{
	(void)o;
	return now_ns;
}
static void h_arm(void *o, unsigned v, uint64_t d)
{
	(void)o;
	CHECK(v < VCPUS);
	armed[v] = d;
}

/* What the VMM's timer thread does: every host timer whose deadline has come goes off
 * (so no armed deadline lies in the past when the state is saved, as on a real host). */
static void fire_timers(struct xen_domain *x)
{
	for (unsigned v = 0; v < VCPUS; v++)
		if (armed[v] && armed[v] <= now_ns) {
			armed[v] = 0;
			xen_domain_timer_expired(x, v);
		}
}
static void h_inject(void *o, unsigned v, uint8_t vec) { (void)o, (void)v, (void)vec; }
static void h_gsi(void *o, unsigned gsi, int level) { (void)o, (void)gsi, (void)level; }
static void h_shutdown(void *o, unsigned reason) { (void)o, (void)reason; }
static void h_console(void *o, const char *line, size_t len)
{
	(void)o;
	CHECK(len <= XEN_CONSOLE_LINE_MAX);
	for (size_t i = 0; i < len; i++)
		CHECK(line[i] >= 0x20 && line[i] < 0x7f);
}
static bool h_time_info(void *o, unsigned vcpu, struct vcpu_time_info *t)
{
	(void)o, (void)vcpu;
	memset(t, 0, sizeof(*t));
	t->system_time = now_ns;
	t->tsc_to_system_mul = 1u << 31;
	t->tsc_shift = 1;
	return true;
}

static const struct xen_host_ops host_ops = {
	.now = h_now, .timer_arm = h_arm, .inject_vector = h_inject, .set_gsi = h_gsi,
	.shutdown = h_shutdown, .console_line = h_console, .time_info = h_time_info,
};

static size_t sink(void *o, const char *buf, size_t len)
{
	(void)o, (void)buf;
	return len;
}

static void config(struct xen_config *cfg)
{
	xen_config_default(cfg, VCPUS);
	cfg->console_gfn = (RAM >> 12) - 1; /* the last page, as the VMM reserves one */
}

/* Identity maps of the first 4 MiB (RAM is the first 512 KiB) for each paging mode; the fuzzed records may
 * overwrite them (a guest can), which the walk must survive. */
static void page_tables(unsigned mode, struct x86_paging *pg)
{
	enum { PG = 1ull << 31, PE = 1, PAE = 1 << 5, LME = 1 << 8, LMA = 1 << 10 };
	uint64_t e;

	memset(pg, 0, sizeof(*pg));
	pg->cr0 = PE;
	switch (mode) {
	case 0: /* no paging */
		return;
	case 1: /* 32-bit, 4 MiB pages (PSE) */
		e = 0x83;
		gm_write(&gm, PT, &e, 4);
		pg->cr0 |= PG;
		pg->cr3 = PT;
		pg->cr4 = 1 << 4;
		return;
	case 2: /* PAE: PDPT -> PD with 2 MiB pages */
		e = (PT + 0x1000) | 1;
		gm_write(&gm, PT, &e, 8);
		for (uint64_t i = 0; i < 2; i++) {
			e = (i << 21) | 0x83;
			gm_write(&gm, PT + 0x1000 + i * 8, &e, 8);
		}
		pg->cr0 |= PG;
		pg->cr3 = PT;
		pg->cr4 = PAE;
		return;
	default: /* 4-level: PML4 -> PDPT -> PD with 2 MiB pages */
		e = (PT + 0x1000) | 3;
		gm_write(&gm, PT, &e, 8);
		e = (PT + 0x2000) | 3;
		gm_write(&gm, PT + 0x1000, &e, 8);
		for (uint64_t i = 0; i < 2; i++) {
			e = (i << 21) | 0x83;
			gm_write(&gm, PT + 0x2000 + i * 8, &e, 8);
		}
		pg->cr0 |= PG;
		pg->cr3 = PT;
		pg->cr4 = PAE;
		pg->efer = LME | LMA;
		return;
	}
}

/* As the VMM restores (xen/vmm.c): the fresh console channel gives way to the blob's. */
static int load(struct xen_domain *x, const uint8_t *blob, size_t len, char *err, size_t n)
{
	int ret;

	xen_domain_console_disconnect(x);
	ret = xen_state_load(x, blob, len, err, n);
	xen_domain_console_resume(x);
	return ret;
}

static void dump(const char *name, const uint8_t *blob, size_t len)
{
	FILE *f = fopen(name, "wb");

	if (f) {
		fwrite(blob, 1, len, f);
		fclose(f);
	}
}

/* The state must round-trip: save, load into a fresh domain, save again, same bytes.
 * One difference is by design: a guest that closed its console channel gets a fresh one
 * on restore, as a Xen toolstack sets one up for a restored domain; from there on the
 * state is a fixed point, which `again` checks. */
static void check_round_trip(struct xen_domain *x, bool again)
{
	struct xen_config cfg;
	struct xen_domain y;
	uint8_t *a, *b;
	size_t alen, blen;
	char err[160];

	CHECK(xen_state_save(x, &a, &alen) == 0);
	if (seed_blob)
		dump(seed_blob, a, alen);
	config(&cfg);
	CHECK(xen_domain_init(&y, &cfg, &gm, &host_ops, NULL) == 0);
	if (load(&y, a, alen, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_xen: our own blob refused: %s\n", err);
		__builtin_trap();
	}
	CHECK(xen_state_save(&y, &b, &blen) == 0);
	if (alen != blen || memcmp(a, b, alen) != 0) {
		if (again && !xen_domain_console_live(x) && xen_domain_console_live(&y)) {
			check_round_trip(&y, false);
		} else {
			/* Kept for the report: the blob saved, and the one the loaded domain saves. */
			dump("roundtrip-a.bin", a, alen);
			dump("roundtrip-b.bin", b, blen);
			fprintf(stderr, "fuzz_xen: save -> load -> save differs (roundtrip-{a,b}.bin)\n");
			__builtin_trap();
		}
	}
	free(a);
	free(b);
	xen_domain_destroy(&y);
}

/* A blob input: its last four bytes are given the CRC of the rest (the END record's
 * field, when the blob is well formed), so that mutations reach the parser behind the
 * checksum rather than all stopping at it. */
static void fuzz_blob(const uint8_t *data, size_t size)
{
	struct xen_config cfg;
	struct xen_domain x;
	char err[160];
	uint8_t *blob = malloc(size ? size : 1);

	CHECK(blob);
	memcpy(blob, data, size);
	if (size >= 4) {
		uint32_t crc = xen_state_crc32(blob, size - 4);
		for (int i = 0; i < 4; i++)
			blob[size - 4 + i] = (uint8_t)(crc >> (8 * i));
	}
	config(&cfg);
	CHECK(xen_domain_init(&x, &cfg, &gm, &host_ops, NULL) == 0);
	if (load(&x, blob, size, err, sizeof(err)) == 0)
		check_round_trip(&x, true);
	xen_domain_destroy(&x);
	free(blob);
}

/* One record: what the guest or the VMM does next. */
struct record {
	uint8_t op, vcpu, nr, flags;
	uint16_t off;
	uint8_t pad[2];
	uint64_t arg[3];
	uint8_t payload[40];
};

enum {
	F_LM = 1,      /* the caller is in long mode */
	F_CPL3 = 2,    /* ... at CPL 3 */
	F_SMALL0 = 4,  /* arg 0 is a small number (a command or subop) */
	F_PTR0 = 16,   /* arg i (bit 4 + i) points into the payload area */
};

static void run(struct xen_domain *x, const struct record *r,
		const struct xen_guest_access *ga, struct xen_gva_space *space)
{
	unsigned vcpu = r->vcpu % VCPUS;
	struct xen_hcall hc = { .vcpu = vcpu };

	switch (r->op % 8) {
	case 0: case 1: case 2: case 3:
		gm_write(&gm, ARG + r->off % ARG_SPAN, r->payload, sizeof(r->payload));
		hc.nr = r->nr % 48;
		hc.long_mode = r->flags & F_LM;
		hc.cpl = r->flags & F_CPL3 ? 3 : 0;
		for (int i = 0; i < 3; i++) {
			uint64_t a = r->arg[i];
			if (r->flags & (F_PTR0 << i))
				a = ARG + a % ARG_SPAN;
			else if (i == 0 && (r->flags & F_SMALL0))
				a %= 64;
			hc.arg[i] = hc.long_mode ? a : (uint32_t)a;
		}
		space->long_mode = hc.long_mode;
		int64_t ret = xen_hypercall(x, &hc, ga);
		CHECK(ret >= -XEN_EMAX);
		break;
	case 4: /* time passes; and a spurious expiry, which must be harmless */
		now_ns += r->arg[0] % 100000000;
		if (r->flags & 1)
			xen_domain_timer_expired(x, vcpu);
		break;
	case 5: /* plug, or unplug a hot-pluggable vCPU (the boot CPU is not) */
		if (vcpu == 0)
			break;
		if (r->flags & 1)
			xen_domain_vcpu_plug(x, vcpu);
		else
			xen_domain_vcpu_unplug(x, vcpu);
		break;
	case 6:
		xen_domain_msr_write(x, r->arg[0] % 2 ? r->arg[0] : (r->arg[0] % (RAM >> 12)) << 12,
				     r->flags & F_LM);
		break;
	default:
		switch (r->nr % 5) {
		case 0:
			xen_domain_console_service(x, sink, NULL, (const char *)r->payload,
						   r->off % sizeof(r->payload));
			break;
		case 1:
			xen_domain_callback_poll(x);
			break;
		case 2:
			xen_domain_soft_reset(x);
			break;
		case 3:
			xen_domain_update_time(x, vcpu);
			break;
		default:
			xen_domain_reassert(x);
			break;
		}
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	log_set_level(LOG_ERROR); /* the guest's misdeeds are warnings: not the point here */
	seed_blob = getenv("FUZZ_XEN_SEED_BLOB");
	if (gm_init(&gm, RAM, 0xc0000000ull))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xen_gva_space space = { .gm = &gm };
	struct xen_guest_access ga;
	struct xen_config cfg;
	struct xen_domain x;
	struct record r;

	if (size < 1)
		return 0;
	gm_memset(&gm, 0, 0, RAM);
	now_ns = 5000000000ull;
	memset(armed, 0, sizeof(armed));
	if (data[0] & 4) {
		fuzz_blob(data + 1, size - 1);
		return 0;
	}
	page_tables(data[0] & 3, &space.paging);
	xen_guest_access_init(&ga, &space);
	config(&cfg);
	CHECK(xen_domain_init(&x, &cfg, &gm, &host_ops, NULL) == 0);
	for (unsigned v = 0; v < 2; v++)
		xen_domain_vcpu_plug(&x, v);
	for (size_t at = 1; at + sizeof(r) <= size; at += sizeof(r)) {
		memcpy(&r, data + at, sizeof(r));
		run(&x, &r, &ga, &space);
		fire_timers(&x);
	}
	check_round_trip(&x, true);
	xen_domain_destroy(&x);
	return 0;
}
