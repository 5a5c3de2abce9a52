/* SPDX-License-Identifier: GPL-2.0-only */
#include "irq/vcpu_index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int vcpu_index_init(struct vcpu_index *ix, unsigned nr_cpus, const struct msi_match_opts *o)
{
	memset(ix, 0, sizeof(*ix));
	if (!nr_cpus)
		return -EINVAL;
	ix->cpu = calloc(nr_cpus, sizeof(*ix->cpu));
	ix->head = calloc(nr_cpus, sizeof(*ix->head));
	if (!ix->cpu || !ix->head) {
		free(ix->cpu);
		free(ix->head);
		return -ENOMEM;
	}
	ix->nr_cpus = nr_cpus;
	ix->opts = *o;
	for (unsigned i = 0; i < nr_cpus; i++) {
		ix->head[i].prev = ix->head[i].next = &ix->head[i];
		ix->head[i].cpu = i;
	}
	ix->all.prev_all = ix->all.next_all = &ix->all;
	return 0;
}

static void unlink_all(struct vi_route *r)
{
	for (unsigned i = 0; i < r->nr_links; i++) {
		struct vi_link *l = &r->links[i];
		l->prev->next = l->next;
		l->next->prev = l->prev;
	}
	r->nr_links = 0;
}

void vcpu_index_destroy(struct vcpu_index *ix)
{
	if (!ix->head)
		return; /* never initialized (or init failed) */
	while (ix->all.next_all != &ix->all)
		vcpu_index_del(ix, ix->all.next_all);
	free(ix->cpu);
	free(ix->head);
	memset(ix, 0, sizeof(*ix));
}

void vi_route_init(struct vi_route *r, const char *device, unsigned vector)
{
	memset(r, 0, sizeof(*r));
	r->device = device;
	r->vector = vector;
	r->gsi = -1;
	r->mode = VI_MODE_EMULATED;
}

void vcpu_index_add(struct vcpu_index *ix, struct vi_route *r)
{
	if (r->indexed)
		return;
	r->next_all = &ix->all;
	r->prev_all = ix->all.prev_all;
	ix->all.prev_all->next_all = r;
	ix->all.prev_all = r;
	r->indexed = true;
	ix->nr_routes++;
}

void vcpu_index_del(struct vcpu_index *ix, struct vi_route *r)
{
	if (!r->indexed)
		return;
	unlink_all(r);
	free(r->links);
	r->links = NULL;
	r->cap_links = 0;
	r->prev_all->next_all = r->next_all;
	r->next_all->prev_all = r->prev_all;
	r->indexed = false;
	r->has_dest = false;
	ix->nr_routes--;
}

static void link_cpu(struct vcpu_index *ix, struct vi_route *r, unsigned cpu)
{
	struct vi_link *l = &r->links[r->nr_links++], *h = &ix->head[cpu];

	l->route = r;
	l->cpu = cpu;
	l->prev = h->prev;
	l->next = h;
	h->prev->next = l;
	h->prev = l;
}

/* Unlink `r`, then link it to every slot its destination matches now. */
static int relink(struct vcpu_index *ix, struct vi_route *r)
{
	unsigned n = 0;

	unlink_all(r);
	if (!r->has_dest)
		return 0;
	for (unsigned c = 0; c < ix->nr_cpus; c++)
		n += msi_cpu_match(&r->dest, &ix->cpu[c], &ix->opts);
	if (n > r->cap_links) {
		/* Nothing points into the array while it is unlinked: safe to move. */
		struct vi_link *links = realloc(r->links, n * sizeof(*links));
		if (!links) {
			r->has_dest = false;
			return -ENOMEM;
		}
		r->links = links;
		r->cap_links = n;
	}
	for (unsigned c = 0; c < ix->nr_cpus; c++)
		if (msi_cpu_match(&r->dest, &ix->cpu[c], &ix->opts))
			link_cpu(ix, r, c);
	return 0;
}

int vcpu_index_set_dest(struct vcpu_index *ix, struct vi_route *r, const struct msi_decoded *d)
{
	if (!r->indexed)
		return -EINVAL;
	r->has_dest = d && msi_deliverable(d);
	if (r->has_dest)
		r->dest = *d;
	return relink(ix, r);
}

bool vcpu_index_targets(const struct vcpu_index *ix, const struct vi_route *r, unsigned cpu)
{
	(void)ix;
	for (unsigned i = 0; i < r->nr_links; i++)
		if (r->links[i].cpu == cpu)
			return true;
	return false;
}

int vcpu_index_cpu_set(struct vcpu_index *ix, unsigned cpu, const struct msi_cpu *c)
{
	int ret = 0;

	if (cpu >= ix->nr_cpus)
		return -EINVAL;
	ix->cpu[cpu] = *c;
	for (struct vi_route *r = ix->all.next_all; r != &ix->all; r = r->next_all) {
		bool want = r->has_dest && msi_cpu_match(&r->dest, c, &ix->opts);
		if (want != vcpu_index_targets(ix, r, cpu)) {
			int err = relink(ix, r);
			if (err)
				ret = err;
		}
	}
	return ret;
}

unsigned vcpu_index_routes_on(const struct vcpu_index *ix, unsigned cpu, struct vi_route **out,
			      unsigned max)
{
	unsigned n = 0;

	if (cpu >= ix->nr_cpus)
		return 0;
	for (const struct vi_link *l = ix->head[cpu].next; l != &ix->head[cpu]; l = l->next) {
		if (n < max)
			out[n] = l->route;
		n++;
	}
	return n;
}

static const char *delivery_name(enum msi_delivery dm)
{
	static const char *const names[] = { "fixed", "lowest-priority", "smi", "reserved-3",
					     "nmi", "init", "reserved-6", "extint" };
	return names[dm & 7];
}

json_t *vcpu_index_route_json(const struct vi_route *r)
{
	json_t *o = json_pack("{s:s, s:i, s:s, s:b, s:b}", "device", r->device ? r->device : "",
			      "vector", (json_int_t)r->vector, "mode",
			      r->mode == VI_MODE_IRQFD ? "irqfd" : "emulated", "masked", r->masked,
			      "pending", r->pending);

	if (!o)
		return NULL;
	if (r->gsi >= 0)
		json_object_set_new(o, "gsi", json_integer(r->gsi));
	if (r->has_dest) {
		json_object_set_new(o, "dest-id", json_integer(r->dest.dest_id));
		json_object_set_new(o, "dest-mode",
				    json_string(r->dest.logical ? "logical" : "physical"));
		json_object_set_new(o, "delivery", json_string(delivery_name(r->dest.dm)));
		json_object_set_new(o, "lowest-priority", json_boolean(r->dest.lowest_prio));
		json_object_set_new(o, "guest-vector", json_integer(r->dest.vector));
		json_object_set_new(o, "targets", json_integer(r->nr_links));
	}
	return o;
}

static json_t *routes_json(const struct vcpu_index *ix, unsigned cpu)
{
	json_t *a = json_array();

	for (const struct vi_link *l = ix->head[cpu].next; a && l != &ix->head[cpu]; l = l->next)
		json_array_append_new(a, vcpu_index_route_json(l->route));
	return a;
}

json_t *vcpu_index_dump(const struct vcpu_index *ix)
{
	json_t *out = json_array();

	for (unsigned c = 0; out && c < ix->nr_cpus; c++) {
		const struct msi_cpu *cpu = &ix->cpu[c];
		bool any = ix->head[c].next != &ix->head[c];

		if (!cpu->present && !any)
			continue;
		json_array_append_new(out, json_pack("{s:i, s:i, s:b, s:b, s:o}", "cpu-index",
						     (json_int_t)c, "apic-id", (json_int_t)cpu->id,
						     "present", cpu->present, "x2apic", cpu->x2apic,
						     "routes", routes_json(ix, c)));
	}
	return out;
}

int vcpu_index_unplug(struct vcpu_index *ix, unsigned cpu, json_t **left)
{
	struct msi_cpu absent;
	unsigned n = 0;

	if (cpu >= ix->nr_cpus)
		return -EINVAL;
	if (left)
		*left = routes_json(ix, cpu);
	for (const struct vi_link *l = ix->head[cpu].next; l != &ix->head[cpu]; l = l->next)
		n++;
	absent = ix->cpu[cpu];
	absent.present = false;
	vcpu_index_cpu_set(ix, cpu, &absent);
	return (int)n;
}
