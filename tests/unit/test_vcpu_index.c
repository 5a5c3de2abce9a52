/* SPDX-License-Identifier: GPL-2.0-only */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "irq/vcpu_index.h"

static const struct msi_match_opts quirk = { .broadcast_quirk = true };

static struct msi_decoded phys(uint32_t dest)
{
	return (struct msi_decoded){ .dest_id = dest, .dm = MSI_DM_FIXED, .vector = 0x40 };
}

static void test_basic_links(void **state)
{
	struct vcpu_index ix;
	struct vi_route a, b;
	struct msi_cpu c;
	struct vi_route *out[4];
	struct msi_decoded d;

	(void)state;
	assert_int_equal(vcpu_index_init(&ix, 4, &quirk), 0);
	for (unsigned i = 0; i < 4; i++) {
		msi_cpu_reset(&c, i);
		assert_int_equal(vcpu_index_cpu_set(&ix, i, &c), 0);
	}
	vi_route_init(&a, "dev0", 0);
	vi_route_init(&b, "dev0", 1);
	vcpu_index_add(&ix, &a);
	vcpu_index_add(&ix, &b);
	d = phys(2);
	assert_int_equal(vcpu_index_set_dest(&ix, &a, &d), 0);
	assert_int_equal(vcpu_index_routes_on(&ix, 2, out, 4), 1);
	assert_ptr_equal(out[0], &a);
	/* Broadcast: b on every vCPU. */
	d = phys(0xff);
	assert_int_equal(vcpu_index_set_dest(&ix, &b, &d), 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(vcpu_index_routes_on(&ix, i, out, 4), i == 2 ? 2 : 1);
	/* Retarget a from 2 to 3. */
	d = phys(3);
	assert_int_equal(vcpu_index_set_dest(&ix, &a, &d), 0);
	assert_int_equal(vcpu_index_routes_on(&ix, 2, out, 4), 1);
	assert_int_equal(vcpu_index_routes_on(&ix, 3, out, 4), 2);
	/* A destination that matches nobody, an undeliverable message, no message. */
	d = phys(9);
	assert_int_equal(vcpu_index_set_dest(&ix, &a, &d), 0);
	assert_int_equal(a.nr_links, 0);
	d = phys(3);
	d.errors = MSI_ERR_NOT_INTERRUPT;
	assert_int_equal(vcpu_index_set_dest(&ix, &a, &d), 0);
	assert_int_equal(a.nr_links, 0);
	assert_int_equal(vcpu_index_set_dest(&ix, &a, NULL), 0);
	assert_false(a.has_dest);
	/* Teardown unlinks b everywhere. */
	vcpu_index_del(&ix, &b);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(vcpu_index_routes_on(&ix, i, out, 4), 0);
	assert_int_equal(vcpu_index_set_dest(&ix, &b, &d), -EINVAL); /* not indexed */
	assert_int_equal(vcpu_index_cpu_set(&ix, 4, &c), -EINVAL);
	vcpu_index_destroy(&ix);
}

static void test_plug_unplug_report(void **state)
{
	struct vcpu_index ix;
	struct vi_route r[3];
	struct msi_cpu c;
	struct msi_decoded d;
	json_t *left = NULL, *dump;

	(void)state;
	assert_int_equal(vcpu_index_init(&ix, 8, &quirk), 0);
	for (unsigned i = 0; i < 2; i++) {
		msi_cpu_reset(&c, i);
		vcpu_index_cpu_set(&ix, i, &c);
	}
	for (unsigned i = 0; i < 3; i++) {
		vi_route_init(&r[i], "virtio-blk0", i);
		vcpu_index_add(&ix, &r[i]);
	}
	/* Two routes aimed at vCPU 5 before it exists: they target nobody yet. */
	d = phys(5);
	vcpu_index_set_dest(&ix, &r[0], &d);
	vcpu_index_set_dest(&ix, &r[1], &d);
	d = phys(1);
	vcpu_index_set_dest(&ix, &r[2], &d);
	assert_int_equal(r[0].nr_links, 0);
	/* Plug 5: both appear on it. */
	msi_cpu_reset(&c, 5);
	assert_int_equal(vcpu_index_cpu_set(&ix, 5, &c), 0);
	assert_int_equal(vcpu_index_routes_on(&ix, 5, NULL, 0), 2);
	r[1].gsi = 24;
	r[1].mode = VI_MODE_IRQFD;
	r[1].pending = true;
	/* Unplug 5: reported, then gone from its list. */
	assert_int_equal(vcpu_index_unplug(&ix, 5, &left), 2);
	assert_non_null(left);
	assert_int_equal(json_array_size(left), 2);
	json_t *second = json_array_get(left, 1);
	assert_string_equal(json_string_value(json_object_get(second, "device")), "virtio-blk0");
	assert_int_equal(json_integer_value(json_object_get(second, "vector")), 1);
	assert_int_equal(json_integer_value(json_object_get(second, "gsi")), 24);
	assert_string_equal(json_string_value(json_object_get(second, "mode")), "irqfd");
	assert_true(json_is_true(json_object_get(second, "pending")));
	assert_null(json_object_get(json_array_get(left, 0), "gsi"));
	json_decref(left);
	assert_int_equal(vcpu_index_routes_on(&ix, 5, NULL, 0), 0);
	assert_int_equal(vcpu_index_unplug(&ix, 5, NULL), 0);
	assert_int_equal(vcpu_index_unplug(&ix, 8, NULL), -EINVAL);

	/* The dump: present vCPUs 0 and 1, route 2 on vCPU 1. */
	dump = vcpu_index_dump(&ix);
	assert_int_equal(json_array_size(dump), 2);
	json_t *cpu1 = json_array_get(dump, 1);
	assert_int_equal(json_integer_value(json_object_get(cpu1, "cpu-index")), 1);
	assert_true(json_is_true(json_object_get(cpu1, "present")));
	json_t *routes = json_object_get(cpu1, "routes");
	assert_int_equal(json_array_size(routes), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(routes, 0), "vector")),
			 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(routes, 0),
							      "dest-mode")), "physical");
	json_decref(dump);
	vcpu_index_destroy(&ix);
}

/* Random retarget / teardown / plug / unplug / LAPIC-change sequences, each step checked
 * against a brute-force recomputation of every vCPU's route set. */
enum { NCPU = 12, NROUTE = 40, STEPS = 4000 };

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static struct msi_cpu random_cpu(unsigned *s, unsigned slot, bool present)
{
	struct msi_cpu c = { .present = present, .id = slot };

	c.x2apic = rnd(s) % 3 == 0;
	c.enabled = rnd(s) % 4 != 0;
	c.xapic_id = (uint8_t)(rnd(s) % 4 == 0 ? rnd(s) % NCPU : slot);
	if (c.x2apic) {
		c.ldr = (slot >> 4) << 16 | 1u << (slot & 15);
	} else {
		c.dfr = rnd(s) % 2 ? MSI_DFR_FLAT : MSI_DFR_CLUSTER;
		c.ldr = (uint32_t)(rnd(s) % 2 ? 1u << (slot % 8) : (slot / 4) << 4 | 1u << (slot % 4))
			<< 24;
	}
	return c;
}

static struct msi_decoded random_dest(unsigned *s)
{
	struct msi_decoded d = { .vector = 0x40 };
	static const uint32_t special[] = { 0xff, 0xffffffff, 0x10001, 0x20003, 0x0f, 0x13 };

	d.logical = rnd(s) % 2;
	d.dm = rnd(s) % 3 == 0 ? MSI_DM_LOWEST : MSI_DM_FIXED;
	d.redir_hint = rnd(s) % 8 == 0;
	d.lowest_prio = d.dm == MSI_DM_LOWEST || d.redir_hint;
	d.dest_id = rnd(s) % 4 == 0 ? special[rnd(s) % 6] : rnd(s) % (NCPU + 2);
	if (d.logical && rnd(s) % 2)
		d.dest_id = rnd(s) % 256;
	if (rnd(s) % 16 == 0)
		d.errors = MSI_ERR_DM_RESERVED;
	return d;
}

static void check_against_brute_force(const struct vcpu_index *ix, struct vi_route *r,
				      const bool *live)
{
	for (unsigned c = 0; c < NCPU; c++) {
		struct vi_route *out[NROUTE];
		unsigned n = vcpu_index_routes_on(ix, c, out, NROUTE), want = 0;

		for (unsigned i = 0; i < NROUTE; i++) {
			bool hit = live[i] && r[i].has_dest &&
				   msi_cpu_match(&r[i].dest, &ix->cpu[c], &ix->opts);
			bool listed = false;
			for (unsigned k = 0; k < n; k++)
				listed |= out[k] == &r[i];
			assert_int_equal(hit, listed);
			assert_int_equal(hit, vcpu_index_targets(ix, &r[i], c));
			want += hit;
		}
		assert_int_equal(n, want); /* no duplicates */
	}
	for (unsigned i = 0; i < NROUTE; i++) {
		unsigned t = 0;
		for (unsigned c = 0; c < NCPU; c++)
			t += live[i] && r[i].has_dest &&
			     msi_cpu_match(&r[i].dest, &ix->cpu[c], &ix->opts);
		assert_int_equal(r[i].nr_links, t);
	}
}

static void run_random(bool broadcast_quirk, unsigned seed)
{
	struct msi_match_opts o = { .broadcast_quirk = broadcast_quirk };
	struct vcpu_index ix;
	struct vi_route r[NROUTE];
	bool live[NROUTE] = { false };

	memset(r, 0, sizeof(r));
	assert_int_equal(vcpu_index_init(&ix, NCPU, &o), 0);
	for (unsigned c = 0; c < NCPU; c++) {
		struct msi_cpu cpu = random_cpu(&seed, c, c < NCPU / 2);
		vcpu_index_cpu_set(&ix, c, &cpu);
	}
	for (unsigned step = 0; step < STEPS; step++) {
		unsigned i = rnd(&seed) % NROUTE, c = rnd(&seed) % NCPU;
		struct msi_decoded d;
		struct msi_cpu cpu;

		switch (rnd(&seed) % 8) {
		case 0: /* create or tear down */
			if (live[i]) {
				vcpu_index_del(&ix, &r[i]);
				live[i] = false;
			} else {
				vi_route_init(&r[i], "dev", i);
				vcpu_index_add(&ix, &r[i]);
				live[i] = true;
			}
			break;
		case 1:
		case 2:
		case 3: /* retarget */
			if (!live[i])
				break;
			d = random_dest(&seed);
			assert_int_equal(vcpu_index_set_dest(&ix, &r[i], rnd(&seed) % 10 ? &d : NULL),
					 0);
			break;
		case 4: /* plug */
			cpu = random_cpu(&seed, c, true);
			assert_int_equal(vcpu_index_cpu_set(&ix, c, &cpu), 0);
			break;
		case 5: { /* unplug, checking the report first */
			unsigned before = vcpu_index_routes_on(&ix, c, NULL, 0);
			json_t *left = NULL;
			assert_int_equal(vcpu_index_unplug(&ix, c, &left), (int)before);
			assert_int_equal(json_array_size(left), before);
			json_decref(left);
			assert_int_equal(vcpu_index_routes_on(&ix, c, NULL, 0), 0);
			break;
		}
		default: /* the guest changed its LAPIC (mode, LDR, DFR, ID) */
			cpu = random_cpu(&seed, c, ix.cpu[c].present);
			assert_int_equal(vcpu_index_cpu_set(&ix, c, &cpu), 0);
			break;
		}
		check_against_brute_force(&ix, r, live);
	}
	vcpu_index_destroy(&ix);
}

static void test_random_against_brute_force(void **state)
{
	(void)state;
	run_random(true, 1);
	run_random(false, 2);
	run_random(true, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_links),
		cmocka_unit_test(test_plug_unplug_report),
		cmocka_unit_test(test_random_against_brute_force),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
