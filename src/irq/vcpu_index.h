/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The per-vCPU route index: the user-space twin of KVM's per-vCPU IRTE list.  For every
 * vCPU slot, the list of interrupt routes whose decoded destination includes it
 * (msi_cpu_match(): physical or logical, xAPIC or x2APIC, broadcast, and every candidate
 * of a lowest-priority message).  Each route is linked into the list of every vCPU it
 * targets; the links live in an array owned by the route.
 *
 * Kept true on every change:
 *   vcpu_index_set_dest()   a route's message changed (MSI-X retarget) or went away:
 *                           unlink its old targets, decode, link the new ones
 *                           (O(old + new targets) list work; the decode scans the slots).
 *   vcpu_index_del()        a route torn down: unlinked everywhere.
 *   vcpu_index_cpu_set()    a vCPU plugged, unplugged, or its LAPIC changed (x2APIC mode,
 *                           LDR, DFR, xAPIC ID): every route re-tested against that slot.
 *   vcpu_index_unplug()     hot-remove: reports the routes still targeting the slot, then
 *                           marks it absent; those routes stay valid but no longer list it.
 *
 * Pure logic (jansson for the dump); the caller locks (struct irq_router's lock).
 */
#ifndef XKVM_IRQ_VCPU_INDEX_H
#define XKVM_IRQ_VCPU_INDEX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "irq/msi.h"

struct vi_route;

struct vi_link {
	struct vi_link *prev, *next; /* in the slot's list */
	struct vi_route *route;
	unsigned cpu;
};

enum vi_mode { VI_MODE_EMULATED, VI_MODE_IRQFD };

/* Embedded in the owner's route; the owner keeps the state fields current. */
struct vi_route {
	/* What the dump shows. */
	const char *device;
	unsigned vector;
	int gsi;            /* -1: none */
	enum vi_mode mode;
	bool masked, pending;

	/* Index state. */
	bool has_dest;
	struct msi_decoded dest;
	struct vi_link *links;
	unsigned nr_links, cap_links;
	struct vi_route *prev_all, *next_all;
	bool indexed;
};

struct vcpu_index {
	unsigned nr_cpus;
	struct msi_cpu *cpu;   /* by slot */
	struct vi_link *head;  /* by slot: list sentinels */
	struct msi_match_opts opts;
	struct vi_route all;   /* sentinel of every route */
	unsigned nr_routes;
};

int vcpu_index_init(struct vcpu_index *ix, unsigned nr_cpus, const struct msi_match_opts *o);
void vcpu_index_destroy(struct vcpu_index *ix);

void vi_route_init(struct vi_route *r, const char *device, unsigned vector);
void vcpu_index_add(struct vcpu_index *ix, struct vi_route *r);
void vcpu_index_del(struct vcpu_index *ix, struct vi_route *r);
/* `d` NULL (or not deliverable): the route targets nobody.  -ENOMEM leaves the route
 * targeting nobody. */
int vcpu_index_set_dest(struct vcpu_index *ix, struct vi_route *r, const struct msi_decoded *d);

/* Plug (c->present), unplug (!c->present) or update slot `cpu`.  -EINVAL, -ENOMEM. */
int vcpu_index_cpu_set(struct vcpu_index *ix, unsigned cpu, const struct msi_cpu *c);
/* Hot-remove of slot `cpu`: `*left` (if not NULL) gets a JSON array of the routes still
 * targeting it (same objects as the dump); returns how many, or -EINVAL. */
int vcpu_index_unplug(struct vcpu_index *ix, unsigned cpu, json_t **left);

/* The routes on slot `cpu` (up to `max` into `out`); returns how many there are. */
unsigned vcpu_index_routes_on(const struct vcpu_index *ix, unsigned cpu, struct vi_route **out,
			      unsigned max);
bool vcpu_index_targets(const struct vcpu_index *ix, const struct vi_route *r, unsigned cpu);

/* One route as JSON: device, vector, gsi (absent when none), mode, masked, pending, and
 * the decoded destination. */
json_t *vcpu_index_route_json(const struct vi_route *r);
/* The whole index (the QMP command __org.xkvm_query-vcpu-routes returns this):
 * [ { "cpu-index": N, "apic-id": N, "present": B, "x2apic": B, "routes": [ ... ] }, ... ]
 * for every present slot and every absent slot still listing routes. */
json_t *vcpu_index_dump(const struct vcpu_index *ix);

#endif
