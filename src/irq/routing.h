/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The KVM side of interrupt delivery: one struct irq_router per VM, one struct irq_route
 * per interrupt vector (an MSI-X table entry of a device).
 *
 * A route with a trigger eventfd and a deliverable message holds a GSI, and its MSI entry
 * is in KVM's routing table.  While the vector is unmasked its trigger is a KVM irqfd on
 * that GSI: a device thread's eventfd write reaches the guest with no VMM thread on the
 * path.  While it is masked the irqfd is detached and the trigger is watched instead (an
 * epoll set the main loop polls): a write there is reported to the route's owner through
 * `fired`, which sets the PBA bit.  A route without a trigger is "emulated": its owner
 * delivers with irq_route_signal() (KVM_SIGNAL_MSI).  The two are interchangeable per
 * vector at any time.
 *
 * Changes are batched: irq_route_set_msg/_trigger/_masked only record what KVM must be
 * told; irq_router_commit() sends the whole routing table once (KVM_SET_GSI_ROUTING,
 * always including the in-kernel PIC/IOAPIC's 24 GSIs as KVM_CREATE_IRQCHIP set them),
 * then attaches the irqfds that are due.  Detaching happens at once (it can only lose
 * nothing: KVM injects or consumes what was signalled before the detach returns).
 *
 * Destination set: every route is linked into the per-vCPU index (irq/vcpu_index.h),
 * kept true as messages change, routes go away and vCPUs come and go.
 *
 * Locking: `lock` protects everything here (routes' KVM state, the GSI allocator, the
 * index).  Lock order: a device's lock (struct irq_vectors) before the router's; nothing
 * holding the router lock calls out to a device.  Routes are changed on vCPU threads
 * (MSI-X table and capability writes) and on the main thread; the watch handler runs on
 * the main thread and calls `fired` without the router lock.  Routes are added and
 * deleted on the main thread only (device creation and teardown), which is what makes
 * the watch handler's route pointers safe.
 */
#ifndef XKVM_IRQ_ROUTING_H
#define XKVM_IRQ_ROUTING_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "irq/gsi.h"
#include "irq/msi.h"
#include "irq/vcpu_index.h"
#include "trace/trace.h"
#include "util/log.h"

struct loop;
struct vm;
struct vcpu;
struct irq_route;

/* The route's trigger fired while it was not attached to KVM (masked, or no route). */
typedef void (*irq_route_fired_fn)(void *opaque, struct irq_route *route);

struct irq_route {
	struct irq_router *router;
	struct vi_route vi;       /* index links and the dump's fields (device, vector, ...) */
	irq_route_fired_fn fired;
	void *opaque;

	struct msi_msg msg;       /* as the guest wrote it */
	struct msi_decoded dec;
	bool routable;            /* deliverable and expressible for KVM */
	uint32_t kvm_lo, kvm_hi, kvm_data;
	bool kvm_stale;           /* KVM has an older entry for `gsi` (pushed on unmask) */
	bool masked;
	int trigger;              /* borrowed eventfd (the set_irqs layer owns it), or -1 */
	int gsi;                  /* -1: none */
	int irqfd_fd, irqfd_gsi;  /* the attached irqfd (fd -1: none) */
	bool irqfd_failed;        /* KVM refused this trigger: watched instead until it changes */
	int watch_fd;             /* registered in the router's watch set, or -1 */
	bool added;
};

struct irq_router_config {
	int vm_fd;
	struct loop *loop;        /* main loop for the watch set; NULL: call irq_router_poll() */
	unsigned gsi_limit;       /* 0: KVM_CAP_IRQ_ROUTING */
	unsigned nr_vcpus;        /* vCPU slots in the index */
	bool x2apic_api;          /* enable KVM_X2APIC_API_USE_32BIT_IDS (when KVM has it) */
	bool disable_broadcast_quirk; /* and KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK */
	bool ext_dest_id;         /* the guest was told it may use address[11:5] */
	struct trace *trace;      /* may be NULL */
	/* QMP events (main thread); NULL drops them. */
	void (*event_fn)(void *opaque, const char *name, json_t *data);
	void *event_opaque;
};

struct irq_router_stats {
	uint64_t set_routing, irqfd_assign, irqfd_deassign, signal_msi, dropped, masked_fires;
};

struct irq_router {
	pthread_mutex_t lock;
	int vm_fd;
	struct loop *loop;
	int watch_epfd;
	struct gsi_alloc gsi;
	struct vcpu_index index;
	struct irq_route **routes;
	unsigned nr_routes, cap_routes;
	bool table_dirty;
	bool x2apic_format;
	struct msi_format fmt;
	struct trace *trace, null_trace;
	void (*event_fn)(void *opaque, const char *name, json_t *data);
	void *event_opaque;
	struct irq_router_stats stats;
	struct ratelimit rl;
	struct kvm_irq_routing *table;
	unsigned table_cap;
};

#define IRQ_ROUTER_IRQCHIP_GSIS 24

int irq_router_init(struct irq_router *r, const struct irq_router_config *cfg);
/* Every route must have been deleted. */
void irq_router_destroy(struct irq_router *r);

/* Main thread.  The route starts masked, without message, trigger or GSI. */
int irq_route_add(struct irq_router *r, struct irq_route *route, const char *device,
		  unsigned vector, irq_route_fired_fn fired, void *opaque);
void irq_route_del(struct irq_route *route);

/* Any thread, under the owner's lock.  Recorded; irq_router_commit() tells KVM. */
int irq_route_set_msg(struct irq_route *route, const struct msi_msg *msg);
/* `fd` is borrowed until the next call.  -ENOSPC when no GSI is left. */
int irq_route_set_trigger(struct irq_route *route, int fd);
/* Returns true on unmask if the trigger fired while masked and nobody reported it. */
bool irq_route_set_masked(struct irq_route *route, bool masked);
/* The dump's view of the PBA bit. */
void irq_route_set_pending(struct irq_route *route, bool pending);
/* One KVM_SET_GSI_ROUTING if anything changed, then the due KVM_IRQFD attaches.
 * Returns the first error (a refused irqfd leaves that vector watched). */
int irq_router_commit(struct irq_router *r);

/* Deliver the route's current message now (KVM_SIGNAL_MSI).  A message that is not an
 * interrupt, or that KVM cannot express, is dropped with a rate-limited log line. */
int irq_route_signal(struct irq_route *route);
/* Consume what the trigger accumulated while watched: true if it fired. */
bool irq_route_drain(struct irq_route *route);

/* Handle every watched trigger that fired (the main-loop handler calls this). */
void irq_router_poll(struct irq_router *r);

/* vCPU slots: plug (`c` NULL = the state KVM gives a new vCPU), LAPIC update, unplug.
 * Unplug reports the routes still targeting the slot: a log line and the QMP event
 * __org.xkvm_VCPU_ROUTES_LEFT { "cpu-index": N, "routes": [...] }; returns how many. */
int irq_router_vcpu_plug(struct irq_router *r, unsigned slot, const struct msi_cpu *c);
int irq_router_vcpu_unplug(struct irq_router *r, unsigned slot);
/* vcpu_park(): re-read the vCPU's LAPIC (its thread is stopped), then unplug it. */
int irq_router_vcpu_remove(struct irq_router *r, struct vcpu *v);
/* Re-read every vCPU's LAPIC (KVM_GET_LAPIC, IA32_APIC_BASE) into the index: logical
 * destinations depend on the guest's LDR/DFR, which only KVM sees.  Main thread, with
 * the vCPUs paused (the ioctls wait for KVM_RUN to return). */
int irq_router_refresh_vcpus(struct irq_router *r, struct vm *vm);

/* The index as it stands (see vcpu_index_dump()). */
json_t *irq_router_query_vcpu_routes(struct irq_router *r);
/* The QMP command __org.xkvm_query-vcpu-routes (QAPI downstream-extension naming), main
 * thread: refreshes every vCPU's LAPIC view (pausing the vCPUs for the few ioctls if the
 * VM runs), then returns the dump.  Wiring it is one line in the command table:
 *   { "__org.xkvm_query-vcpu-routes", ... return irq_qmp_query_vcpu_routes(vm); }
 * Reply: [ { "cpu-index": 0, "apic-id": 0, "present": true, "x2apic": false,
 *            "routes": [ { "device": "virtio-blk0", "vector": 1, "gsi": 24,
 *                          "mode": "irqfd", "masked": false, "pending": false,
 *                          "dest-id": 0, "dest-mode": "physical", "delivery": "fixed",
 *                          "lowest-priority": false, "guest-vector": 65,
 *                          "targets": 1 } ] }, ... ] */
json_t *irq_qmp_query_vcpu_routes(struct vm *vm);
/* Counters and live GSIs, for tests and query-stats-like commands. */
void irq_router_get_stats(struct irq_router *r, struct irq_router_stats *s, unsigned *gsis_used);

#endif
