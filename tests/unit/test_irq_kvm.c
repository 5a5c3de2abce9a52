/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * irq/routing.c and irq/vectors.c against the real KVM: a VM with an in-kernel irqchip
 * and a few vCPUs that never run.  An interrupt that reached a vCPU shows as its bit in
 * the LAPIC's IRR (KVM_GET_LAPIC), so every delivery path is checked end to end without
 * a guest: irqfd, KVM_SIGNAL_MSI, masked -> PBA -> unmask, retargeting, logical and
 * x2APIC destinations, batching, rollback of a refused irqfd, and thousands of
 * mask/unmask/retarget cycles without GSI or fd leaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "irq/vectors.h"
#include "vcpu/vcpu.h"
#include "vm/vm.h"

#define NCPU 4
#define NVEC 4
#define MSR_APIC_BASE 0x1b

struct kvm {
	int kvm, vm;
	int vcpu[512];
	unsigned nr_vcpu_slots;
};

static int kvm_open(struct kvm *k)
{
	memset(k, 0, sizeof(*k));
	for (unsigned i = 0; i < 512; i++)
		k->vcpu[i] = -1;
	k->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (k->kvm < 0)
		return -errno;
	k->vm = ioctl(k->kvm, KVM_CREATE_VM, 0);
	if (k->vm < 0)
		return -errno;
	if (ioctl(k->vm, KVM_CREATE_IRQCHIP, 0) < 0)
		return -errno;
	return 0;
}

static void kvm_close(struct kvm *k)
{
	for (unsigned i = 0; i < 512; i++)
		if (k->vcpu[i] >= 0)
			close(k->vcpu[i]);
	close(k->vm);
	close(k->kvm);
}

static uint32_t reg(const struct kvm_lapic_state *l, unsigned off)
{
	uint32_t v;
	memcpy(&v, l->regs + off, 4);
	return v;
}

static void set_reg(struct kvm_lapic_state *l, unsigned off, uint32_t v)
{
	memcpy(l->regs + off, &v, 4);
}

/* A vCPU with its LAPIC software-enabled; x2APIC mode if asked (CPUID says x2APIC). */
static void add_vcpu(struct kvm *k, unsigned id, bool x2apic)
{
	struct kvm_lapic_state l;
	int fd = ioctl(k->vm, KVM_CREATE_VCPU, id);

	assert_true(fd >= 0);
	k->vcpu[id] = fd;
	if (x2apic) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
		struct {
			struct kvm_msrs h;
			struct kvm_msr_entry e;
		} m = { .h.nmsrs = 1, .e = { .index = MSR_APIC_BASE,
					    .data = 0xfee00000 | 1u << 11 | 1u << 10 } };
		c->nent = 256;
		assert_int_equal(ioctl(k->kvm, KVM_GET_SUPPORTED_CPUID, c), 0);
		for (unsigned i = 0; i < c->nent; i++)
			if (c->entries[i].function == 1)
				c->entries[i].ecx |= 1u << 21;
		assert_int_equal(ioctl(fd, KVM_SET_CPUID2, c), 0);
		free(c);
		assert_int_equal(ioctl(fd, KVM_SET_MSRS, &m), 1);
	}
	assert_int_equal(ioctl(fd, KVM_GET_LAPIC, &l), 0);
	set_reg(&l, 0xf0, 0x1ff); /* SPIV: enabled, spurious vector 0xff */
	assert_int_equal(ioctl(fd, KVM_SET_LAPIC, &l), 0);
}

/* xAPIC logical flat: LDR = bit `bit`. */
static void set_ldr(struct kvm *k, unsigned id, uint8_t ldr)
{
	struct kvm_lapic_state l;

	assert_int_equal(ioctl(k->vcpu[id], KVM_GET_LAPIC, &l), 0);
	set_reg(&l, 0xd0, (uint32_t)ldr << 24);
	set_reg(&l, 0xe0, 0xffffffff);
	assert_int_equal(ioctl(k->vcpu[id], KVM_SET_LAPIC, &l), 0);
}

static bool irr(struct kvm *k, unsigned id, unsigned vec)
{
	struct kvm_lapic_state l;

	assert_int_equal(ioctl(k->vcpu[id], KVM_GET_LAPIC, &l), 0);
	return reg(&l, 0x200 + vec / 32 * 0x10) >> (vec % 32) & 1;
}

static void clear_irr(struct kvm *k, unsigned id)
{
	struct kvm_lapic_state l;

	assert_int_equal(ioctl(k->vcpu[id], KVM_GET_LAPIC, &l), 0);
	for (unsigned i = 0; i < 8; i++)
		set_reg(&l, 0x200 + i * 0x10, 0);
	assert_int_equal(ioctl(k->vcpu[id], KVM_SET_LAPIC, &l), 0);
}

/* irqfd injection may run from a kernel work item: wait up to a second. */
static bool wait_irr(struct kvm *k, unsigned id, unsigned vec)
{
	for (int i = 0; i < 1000; i++) {
		if (irr(k, id, vec))
			return true;
		usleep(1000);
	}
	return false;
}

static void plug_from_kvm(struct irq_router *r, struct kvm *k, unsigned id)
{
	struct kvm_lapic_state l;
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = MSR_APIC_BASE };
	struct msi_cpu c;

	assert_int_equal(ioctl(k->vcpu[id], KVM_GET_LAPIC, &l), 0);
	assert_int_equal(ioctl(k->vcpu[id], KVM_GET_MSRS, &m), 1);
	msi_cpu_from_lapic(&c, id, (const uint8_t *)l.regs, m.e.data, r->x2apic_format);
	assert_int_equal(irq_router_vcpu_plug(r, id, &c), 0);
}

static void fire(int efd)
{
	uint64_t one = 1;
	assert_int_equal(write(efd, &one, 8), 8);
}

static unsigned open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* entry v: physical destination `dest`, vector `vec`, mask bit `masked` */
static void program(struct irq_vectors *d, unsigned v, uint32_t dest, unsigned vec, bool masked,
		    bool logical)
{
	irq_vectors_table_write(d, v * 16 + 0, 4, 0xfee00000 | dest << 12 | (logical ? 4 : 0));
	irq_vectors_table_write(d, v * 16 + 4, 4, 0);
	irq_vectors_table_write(d, v * 16 + 8, 4, vec);
	irq_vectors_table_write(d, v * 16 + 12, 4, masked);
}

struct events {
	char name[64];
	json_t *data;
	unsigned n;
};

static void capture_event(void *opaque, const char *name, json_t *data)
{
	struct events *e = opaque;

	snprintf(e->name, sizeof(e->name), "%s", name);
	json_decref(e->data);
	e->data = data;
	e->n++;
}

struct fx {
	struct kvm k;
	struct irq_router r;
	struct irq_vectors d;
	struct events ev;
	int efd[NVEC + 1];
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	struct irq_router_config cfg = { .nr_vcpus = 512, .event_fn = capture_event };
	int ret;

	ret = kvm_open(&x->k);
	assert_int_equal(ret, 0);
	cfg.vm_fd = x->k.vm;
	cfg.event_opaque = &x->ev;
	assert_int_equal(irq_router_init(&x->r, &cfg), 0);
	for (unsigned i = 0; i < NCPU; i++) {
		add_vcpu(&x->k, i, false);
		plug_from_kvm(&x->r, &x->k, i);
	}
	assert_int_equal(irq_vectors_init(&x->d, &x->r, "testdev", NVEC, 0, 0, 0, 0x800), 0);
	for (unsigned i = 0; i <= NVEC; i++)
		x->efd[i] = eventfd(0, EFD_CLOEXEC);
	irq_vectors_cap_write(&x->d, 3, 1, 0x80); /* MSI-X enable */
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	irq_vectors_destroy(&x->d);
	irq_router_destroy(&x->r);
	for (unsigned i = 0; i <= NVEC; i++)
		close(x->efd[i]);
	json_decref(x->ev.data);
	kvm_close(&x->k);
	free(x);
	return 0;
}

static void test_irqfd_mask_pba_retarget(void **state)
{
	struct fx *x = *state;
	struct irq_router_stats st;
	unsigned gsis;

	program(&x->d, 0, 1, 0x41, false, false);
	assert_int_equal(irq_vectors_set_trigger(&x->d, 0, x->efd[0]), 0);
	irq_router_get_stats(&x->r, &st, &gsis);
	assert_int_equal(gsis, 1);
	assert_int_equal(st.irqfd_assign, 1);

	/* The device writes its eventfd: vCPU 1 gets vector 0x41, nobody else. */
	fire(x->efd[0]);
	assert_true(wait_irr(&x->k, 1, 0x41));
	assert_false(irr(&x->k, 0, 0x41));
	assert_false(irr(&x->k, 2, 0x41));
	clear_irr(&x->k, 1);

	/* Masked: the irqfd is detached; a write sets the PBA bit, nothing delivered. */
	irq_vectors_table_write(&x->d, 12, 4, 1);
	fire(x->efd[0]);
	fire(x->efd[0]);
	irq_router_poll(&x->r);
	assert_true(irq_vectors_pending(&x->d, 0));
	assert_int_equal(irq_vectors_pba_read(&x->d, 0, 4), 1);
	usleep(20000);
	assert_false(irr(&x->k, 1, 0x41));

	/* Retarget while masked (to vCPU 2, vector 0x42), then unmask: the pending
	 * interrupt is delivered once, to the new destination; PBA clear. */
	irq_router_get_stats(&x->r, &st, NULL);
	uint64_t routing_before = st.set_routing;
	irq_vectors_table_write(&x->d, 0, 4, 0xfee02000);
	irq_vectors_table_write(&x->d, 8, 4, 0x42);
	irq_router_get_stats(&x->r, &st, NULL);
	assert_int_equal(st.set_routing, routing_before); /* deferred while masked */
	irq_vectors_table_write(&x->d, 12, 4, 0);
	irq_router_get_stats(&x->r, &st, NULL);
	assert_int_equal(st.set_routing, routing_before + 1);
	assert_true(irr(&x->k, 2, 0x42));
	assert_false(irr(&x->k, 1, 0x42));
	assert_false(irq_vectors_pending(&x->d, 0));
	clear_irr(&x->k, 2);

	/* The irqfd is back: the next write goes straight to vCPU 2. */
	fire(x->efd[0]);
	assert_true(wait_irr(&x->k, 2, 0x42));
	clear_irr(&x->k, 2);

	/* Retarget while unmasked takes effect on the next interrupt. */
	irq_vectors_table_write(&x->d, 0, 4, 0xfee03000);
	fire(x->efd[0]);
	assert_true(wait_irr(&x->k, 3, 0x42));
	assert_false(irr(&x->k, 2, 0x42));
	clear_irr(&x->k, 3);

	/* A masked write fired but not yet seen by the main loop still counts on unmask. */
	irq_vectors_table_write(&x->d, 12, 4, 1);
	fire(x->efd[0]);
	irq_vectors_table_write(&x->d, 12, 4, 0);
	assert_true(irr(&x->k, 3, 0x42));
	clear_irr(&x->k, 3);
}

static void test_emulated_and_interchangeable(void **state)
{
	struct fx *x = *state;
	struct {
		struct vfio_irq_set hdr;
		uint8_t data[4];
	} s;

	/* Vector 1 has no trigger: the VMM raises it with KVM_SIGNAL_MSI. */
	program(&x->d, 1, 0, 0x51, false, false);
	assert_int_equal(irq_vectors_notify(&x->d, 1), 1);
	assert_true(irr(&x->k, 0, 0x51));
	clear_irr(&x->k, 0);
	/* Same vector, now with a trigger: irqfd. */
	assert_int_equal(irq_vectors_set_trigger(&x->d, 1, x->efd[1]), 0);
	fire(x->efd[1]);
	assert_true(wait_irr(&x->k, 0, 0x51));
	clear_irr(&x->k, 0);
	/* And back to emulated. */
	assert_int_equal(irq_vectors_set_trigger(&x->d, 1, -1), 0);
	assert_int_equal(irq_vectors_notify(&x->d, 1), 1);
	assert_true(irr(&x->k, 0, 0x51));
	clear_irr(&x->k, 0);
	/* DATA_NONE through SET_IRQS fires the triggers (loopback). */
	assert_int_equal(irq_vectors_set_trigger(&x->d, 1, x->efd[1]), 0);
	memset(&s, 0, sizeof(s));
	s.hdr.argsz = sizeof(s);
	s.hdr.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	s.hdr.index = VFIO_PCI_MSIX_IRQ_INDEX;
	s.hdr.start = 1;
	s.hdr.count = 1;
	assert_int_equal(irq_vectors_set_irqs(&x->d, &s.hdr), 0);
	assert_true(wait_irr(&x->k, 0, 0x51));
	clear_irr(&x->k, 0);
	/* Masked emulated notify: PBA, then one delivery on unmask. */
	irq_vectors_table_write(&x->d, 16 + 12, 4, 1);
	assert_int_equal(irq_vectors_set_trigger(&x->d, 1, -1), 0);
	assert_int_equal(irq_vectors_notify(&x->d, 1), 0);
	assert_false(irr(&x->k, 0, 0x51));
	irq_vectors_table_write(&x->d, 16 + 12, 4, 0);
	assert_true(irr(&x->k, 0, 0x51));
	clear_irr(&x->k, 0);
	/* Undeliverable messages are dropped, never handed to KVM. */
	irq_vectors_table_write(&x->d, 16 + 8, 4, 0x351); /* reserved delivery mode 3 */
	assert_int_equal(irq_vectors_notify(&x->d, 1), 1);
	for (unsigned c = 0; c < NCPU; c++)
		assert_false(irr(&x->k, c, 0x51));
}

static void test_logical_and_index(void **state)
{
	struct fx *x = *state;
	json_t *dump;

	for (unsigned c = 0; c < NCPU; c++) {
		set_ldr(&x->k, c, (uint8_t)(1u << c));
		plug_from_kvm(&x->r, &x->k, c);
	}
	/* Logical flat, fixed, mask 0x06: vCPUs 1 and 2 both get it. */
	program(&x->d, 2, 0x06, 0x61, false, true);
	assert_int_equal(irq_vectors_set_trigger(&x->d, 2, x->efd[2]), 0);
	fire(x->efd[2]);
	assert_true(wait_irr(&x->k, 1, 0x61));
	assert_true(wait_irr(&x->k, 2, 0x61));
	assert_false(irr(&x->k, 0, 0x61));
	assert_false(irr(&x->k, 3, 0x61));
	clear_irr(&x->k, 1);
	clear_irr(&x->k, 2);

	/* The index lists the route on vCPUs 1 and 2, with its GSI, irqfd, unmasked. */
	dump = irq_router_query_vcpu_routes(&x->r);
	assert_true(json_array_size(dump) >= NCPU);
	for (unsigned c = 0; c < NCPU; c++) {
		json_t *routes = json_object_get(json_array_get(dump, c), "routes");
		bool found = false;
		for (size_t i = 0; i < json_array_size(routes); i++) {
			json_t *r = json_array_get(routes, i);
			if (json_integer_value(json_object_get(r, "vector")) != 2)
				continue;
			found = true;
			assert_string_equal(json_string_value(json_object_get(r, "mode")), "irqfd");
			assert_true(json_integer_value(json_object_get(r, "gsi")) >= 24);
			assert_true(json_is_false(json_object_get(r, "masked")));
		}
		assert_int_equal(found, c == 1 || c == 2);
	}
	json_decref(dump);

	/* Unplugging vCPU 2 reports the route left on it, with an event. */
	assert_int_equal(irq_router_vcpu_unplug(&x->r, 2), 1);
	assert_int_equal(x->ev.n, 1);
	assert_string_equal(x->ev.name, "__org.xkvm_VCPU_ROUTES_LEFT");
	assert_int_equal(json_integer_value(json_object_get(x->ev.data, "cpu-index")), 2);
	assert_int_equal(json_array_size(json_object_get(x->ev.data, "routes")), 1);
	assert_int_equal(irq_router_vcpu_unplug(&x->r, 2), 0);
	assert_int_equal(x->ev.n, 1);
}

/* Every IOAPIC pin, programmed to vector 0x30 + pin on vCPU 0, pulsed: IRR shows it. */
static void check_ioapic_pins(struct fx *x)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };

	assert_int_equal(ioctl(x->k.vm, KVM_GET_IRQCHIP, &chip), 0);
	for (unsigned g = 0; g < IRQ_ROUTER_IRQCHIP_GSIS; g++)
		chip.chip.ioapic.redirtbl[g].bits = 0x30 + g; /* fixed, physical 0, edge, unmasked */
	assert_int_equal(ioctl(x->k.vm, KVM_SET_IRQCHIP, &chip), 0);
	clear_irr(&x->k, 0);
	for (unsigned g = 0; g < IRQ_ROUTER_IRQCHIP_GSIS; g++) {
		struct kvm_irq_level l = { .irq = g, .level = 1 };
		assert_int_equal(ioctl(x->k.vm, KVM_IRQ_LINE, &l), 0);
		l.level = 0;
		assert_int_equal(ioctl(x->k.vm, KVM_IRQ_LINE, &l), 0);
		if (!irr(&x->k, 0, 0x30 + g))
			fail_msg("IOAPIC pin %u (GSI %u) no longer delivers", g, g);
	}
	clear_irr(&x->k, 0);
}

static void test_irqchip_pins_kept(void **state)
{
	struct fx *x = *state;
	struct irq_router_stats st;

	check_ioapic_pins(x); /* KVM_CREATE_IRQCHIP's table */
	/* Push tables of ours (with MSI routes in them): the pins still work. */
	program(&x->d, 0, 1, 0x41, false, false);
	assert_int_equal(irq_vectors_set_trigger(&x->d, 0, x->efd[0]), 0);
	irq_router_get_stats(&x->r, &st, NULL);
	assert_int_equal(st.set_routing, 1);
	check_ioapic_pins(x);
	assert_int_equal(irq_vectors_set_trigger(&x->d, 0, -1), 0);
	program(&x->d, 0, 2, 0x41, false, false);
	assert_int_equal(irq_vectors_set_trigger(&x->d, 0, x->efd[1]), 0);
	irq_router_get_stats(&x->r, &st, NULL);
	assert_int_equal(st.set_routing, 2);
	check_ioapic_pins(x);
	fire(x->efd[1]);
	assert_true(wait_irr(&x->k, 2, 0x41));
}

static void test_batching(void **state)
{
	struct fx *x = *state;
	struct irq_router_stats a, b;

	for (unsigned v = 0; v < NVEC; v++) {
		program(&x->d, v, v, 0x70 + v, false, false);
		assert_int_equal(irq_vectors_set_trigger(&x->d, v, x->efd[v]), 0);
	}
	/* Function mask, rewrite every entry DWORD by DWORD, function unmask: one
	 * KVM_SET_GSI_ROUTING for the lot, four irqfd re-attaches. */
	irq_vectors_cap_write(&x->d, 3, 1, 0xc0);
	irq_router_get_stats(&x->r, &a, NULL);
	for (unsigned v = 0; v < NVEC; v++)
		program(&x->d, v, (v + 1) % NCPU, 0x80 + v, false, false);
	irq_vectors_cap_write(&x->d, 3, 1, 0x80);
	irq_router_get_stats(&x->r, &b, NULL);
	assert_int_equal(b.set_routing - a.set_routing, 1);
	assert_int_equal(b.irqfd_assign - a.irqfd_assign, NVEC);
	for (unsigned v = 0; v < NVEC; v++) {
		fire(x->efd[v]);
		assert_true(wait_irr(&x->k, (v + 1) % NCPU, 0x80 + v));
	}
	/* One SET_IRQS over all four vectors: one routing push too. */
	struct {
		struct vfio_irq_set hdr;
		int32_t fd[NVEC];
	} s = { .hdr = { .argsz = sizeof(s), .index = VFIO_PCI_MSIX_IRQ_INDEX, .count = NVEC,
			 .flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER } };
	assert_int_equal(irq_vectors_set_irqs(&x->d, &(struct vfio_irq_set){
		.argsz = sizeof(struct vfio_irq_set), .index = VFIO_PCI_MSIX_IRQ_INDEX,
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER }), 0);
	irq_router_get_stats(&x->r, &a, NULL);
	for (unsigned v = 0; v < NVEC; v++)
		s.fd[v] = x->efd[v];
	assert_int_equal(irq_vectors_set_irqs(&x->d, &s.hdr), 0);
	irq_router_get_stats(&x->r, &b, NULL);
	assert_int_equal(b.set_routing - a.set_routing, 1);
}

static void test_refused_irqfd_rolls_back(void **state)
{
	struct fx *x = *state;
	int t0, t1;
	struct {
		struct vfio_irq_set hdr;
		int32_t fd[2];
	} s = { .hdr = { .argsz = sizeof(s), .index = VFIO_PCI_MSIX_IRQ_INDEX, .start = 0,
			 .count = 2,
			 .flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER } };

	program(&x->d, 0, 0, 0x90, false, false);
	program(&x->d, 1, 1, 0x91, false, false);
	assert_int_equal(irq_vectors_set_trigger(&x->d, 0, x->efd[0]), 0);
	assert_int_equal(irq_vectors_set_trigger(&x->d, 1, x->efd[1]), 0);
	t0 = set_irqs_trigger(&x->d.irqs, VFIO_PCI_MSIX_IRQ_INDEX, 0);
	t1 = set_irqs_trigger(&x->d.irqs, VFIO_PCI_MSIX_IRQ_INDEX, 1);
	/* The same eventfd for both vectors: KVM refuses the second irqfd (EBUSY); the call
	 * fails and both vectors keep their previous triggers, still working. */
	s.fd[0] = s.fd[1] = x->efd[NVEC];
	assert_int_equal(irq_vectors_set_irqs(&x->d, &s.hdr), -EBUSY);
	assert_int_equal(set_irqs_trigger(&x->d.irqs, VFIO_PCI_MSIX_IRQ_INDEX, 0), t0);
	assert_int_equal(set_irqs_trigger(&x->d.irqs, VFIO_PCI_MSIX_IRQ_INDEX, 1), t1);
	fire(x->efd[0]);
	fire(x->efd[1]);
	assert_true(wait_irr(&x->k, 0, 0x90));
	assert_true(wait_irr(&x->k, 1, 0x91));
	/* Nothing arrives from the refused eventfd. */
	fire(x->efd[NVEC]);
	irq_router_poll(&x->r);
	clear_irr(&x->k, 0);
	clear_irr(&x->k, 1);
	usleep(20000);
	assert_false(irr(&x->k, 0, 0x90));
	assert_false(irr(&x->k, 1, 0x91));
}

/* Thousands of mask / unmask / retarget / trigger changes; then every GSI and fd is
 * accounted for and every vector still reaches the vCPU its entry names. */
static void test_churn_no_leaks(void **state)
{
	struct fx *x = *state;
	unsigned seed = 7, fds_before, gsis, want;
	bool has_trigger[NVEC] = { false }, masked[NVEC];
	unsigned dest[NVEC];
	struct irq_router_stats st;

	fds_before = open_fds();
	for (unsigned v = 0; v < NVEC; v++) {
		masked[v] = true;
		dest[v] = v;
		program(&x->d, v, v, 0xa0 + v, true, false);
	}
	for (unsigned i = 0; i < 4000; i++) {
		unsigned v, op;

		seed = seed * 1103515245u + 12345u;
		v = (seed >> 8) % NVEC;
		op = (seed >> 16) % 6;
		switch (op) {
		case 0:
		case 1: /* mask toggle */
			masked[v] = !masked[v];
			irq_vectors_table_write(&x->d, v * 16 + 12, 4, masked[v]);
			break;
		case 2: /* retarget */
			dest[v] = (seed >> 20) % NCPU;
			irq_vectors_table_write(&x->d, v * 16, 4, 0xfee00000 | dest[v] << 12);
			break;
		case 3: /* trigger on / off */
			has_trigger[v] = !has_trigger[v];
			assert_int_equal(irq_vectors_set_trigger(&x->d, v,
								 has_trigger[v] ? x->efd[v] : -1), 0);
			break;
		case 4: /* the device fires */
			if (has_trigger[v])
				fire(x->efd[v]);
			else
				irq_vectors_notify(&x->d, v);
			break;
		default: /* function mask toggle */
			irq_vectors_cap_write(&x->d, 3, 1, (seed >> 24) & 1 ? 0xc0 : 0x80);
			break;
		}
		if (i % 64 == 0)
			irq_router_poll(&x->r);
	}
	irq_vectors_cap_write(&x->d, 3, 1, 0x80);
	irq_router_poll(&x->r);
	/* GSIs: exactly one per vector that has a trigger (every message here is valid). */
	want = 0;
	for (unsigned v = 0; v < NVEC; v++)
		want += has_trigger[v];
	irq_router_get_stats(&x->r, &st, &gsis);
	assert_int_equal(gsis, want);
	assert_true(st.set_routing > 0);
	/* Everything still delivers where the table says. */
	for (unsigned c = 0; c < NCPU; c++)
		clear_irr(&x->k, c);
	for (unsigned v = 0; v < NVEC; v++) {
		irq_vectors_table_write(&x->d, v * 16 + 12, 4, 0);
		if (has_trigger[v])
			fire(x->efd[v]);
		else
			irq_vectors_notify(&x->d, v);
		assert_true(wait_irr(&x->k, dest[v], 0xa0 + v));
	}
	/* Tear every trigger down: no GSI left, no fd left. */
	struct vfio_irq_set off = { .argsz = sizeof(off), .index = VFIO_PCI_MSIX_IRQ_INDEX,
				    .flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER };
	assert_int_equal(irq_vectors_set_irqs(&x->d, &off), 0); /* the loop enabled MSI-X */
	irq_router_get_stats(&x->r, &st, &gsis);
	assert_int_equal(gsis, 0);
	assert_int_equal(open_fds(), fds_before);
	fprintf(stderr, "churn: %llu KVM_SET_GSI_ROUTING, %llu irqfd assigns, %llu deassigns, "
			"%llu KVM_SIGNAL_MSI, %llu watched fires\n",
		(unsigned long long)st.set_routing, (unsigned long long)st.irqfd_assign,
		(unsigned long long)st.irqfd_deassign, (unsigned long long)st.signal_msi,
		(unsigned long long)st.masked_fires);
}

/* x2APIC vCPU 300 reached through the extended destination ID (address[11:5]), which
 * the router hands KVM in 32-bit x2APIC-API format. */
static void test_x2apic_ext_dest_id(void **state)
{
	struct kvm k;
	struct irq_router r;
	struct irq_vectors d;
	struct irq_router_config cfg = { .nr_vcpus = 512, .x2apic_api = true,
					 .ext_dest_id = true };
	int efd = eventfd(0, EFD_CLOEXEC);
	int have;

	(void)state;
	assert_int_equal(kvm_open(&k), 0);
	have = ioctl(k.vm, KVM_CHECK_EXTENSION, KVM_CAP_X2APIC_API);
	if (!(have & KVM_X2APIC_API_USE_32BIT_IDS) ||
	    ioctl(k.vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID) <= 300) {
		fprintf(stderr, "SKIP: this KVM lacks 32-bit x2APIC IDs or vCPU id 300\n");
		kvm_close(&k);
		close(efd);
		skip();
	}
	cfg.vm_fd = k.vm;
	assert_int_equal(irq_router_init(&r, &cfg), 0);
	add_vcpu(&k, 0, true);
	add_vcpu(&k, 300, true);
	plug_from_kvm(&r, &k, 0);
	plug_from_kvm(&r, &k, 300);
	assert_int_equal(irq_vectors_init(&d, &r, "x2dev", 2, 0, 0, 0, 0x800), 0);
	irq_vectors_cap_write(&d, 3, 1, 0x80);
	/* dest 300 = 0x12c: bits 7:0 = 0x2c in address[19:12], bits 14:8 = 1 in [11:5]. */
	irq_vectors_table_write(&d, 0, 4, 0xfee00000 | 0x2c << 12 | 1 << 5);
	irq_vectors_table_write(&d, 8, 4, 0x4b);
	irq_vectors_table_write(&d, 12, 4, 0);
	assert_int_equal(irq_vectors_set_trigger(&d, 0, efd), 0);
	fire(efd);
	assert_true(wait_irr(&k, 300, 0x4b));
	assert_false(irr(&k, 0, 0x4b));
	clear_irr(&k, 300);
	/* The emulated path takes the same format. */
	irq_vectors_table_write(&d, 16, 4, 0xfee00000 | 0x2c << 12 | 1 << 5);
	irq_vectors_table_write(&d, 16 + 8, 4, 0x4c);
	irq_vectors_table_write(&d, 16 + 12, 4, 0);
	assert_int_equal(irq_vectors_notify(&d, 1), 1);
	assert_true(irr(&k, 300, 0x4c));
	/* The index puts it on slot 300. */
	assert_int_equal(vcpu_index_routes_on(&r.index, 300, NULL, 0), 2);
	assert_int_equal(vcpu_index_routes_on(&r.index, 0, NULL, 0), 0);
	irq_vectors_destroy(&d);
	irq_router_destroy(&r);
	kvm_close(&k);
	close(efd);
}

/* The QMP query re-reads the guest's LAPIC state from KVM: a logical route follows the
 * guest's LDR changes, and a vCPU that is gone leaves the index. */
static void test_qmp_query_refreshes_lapic(void **state)
{
	struct fx *x = *state;
	struct vm *vm;
	struct vcpu *v[NCPU];
	json_t *dump;

	vm = calloc(1, sizeof(*vm));
	pthread_mutex_init(&vm->vcpu_lock, NULL);
	pthread_cond_init(&vm->vcpu_cond, NULL);
	vm->max_vcpus = NCPU;
	vm->state = RUN_STATE_RUNNING;
	vm->irq = &x->r;
	for (unsigned c = 0; c < NCPU; c++) {
		v[c] = calloc(1, sizeof(*v[c]));
		v[c]->fd = x->k.vcpu[c];
		v[c]->id = c;
		v[c]->state = VCPU_RUNNING;
		vm->vcpu[c] = v[c];
		set_ldr(&x->k, c, (uint8_t)(1u << c));
	}
	/* Logical 0x01 is vCPU 0 -- but the router has not seen the LDRs yet. */
	program(&x->d, 3, 0x01, 0x66, false, true);
	assert_int_equal(vcpu_index_routes_on(&x->r.index, 0, NULL, 0), 0);
	dump = irq_qmp_query_vcpu_routes(vm);
	assert_int_equal(vcpu_index_routes_on(&x->r.index, 0, NULL, 0), 1);
	assert_int_equal(json_array_size(json_object_get(json_array_get(dump, 0), "routes")), 1);
	json_decref(dump);
	/* The guest moves logical ID 1 to vCPU 3: the next query says so. */
	set_ldr(&x->k, 0, 0x10);
	set_ldr(&x->k, 3, 0x01);
	json_decref(irq_qmp_query_vcpu_routes(vm));
	assert_int_equal(vcpu_index_routes_on(&x->r.index, 0, NULL, 0), 0);
	assert_int_equal(vcpu_index_routes_on(&x->r.index, 3, NULL, 0), 1);
	/* vCPU 3 parked (unplugged): reported and gone from the index. */
	v[3]->state = VCPU_PARKED;
	json_decref(irq_qmp_query_vcpu_routes(vm));
	assert_false(x->r.index.cpu[3].present);
	assert_int_equal(vcpu_index_routes_on(&x->r.index, 3, NULL, 0), 0);
	assert_string_equal(x->ev.name, "__org.xkvm_VCPU_ROUTES_LEFT");
	assert_int_equal(x->ev.n, 1);
	/* vcpu_park()'s hook re-reads the LAPIC first.  vCPU 3 comes back, then takes logical
	 * ID 1 behind the index's back: removing it still reports the route.  vCPU 1 (0x20)
	 * reports nothing; vCPU 0 (logical ID 1 again) reports it. */
	set_ldr(&x->k, 0, 0x01);
	set_ldr(&x->k, 1, 0x20);
	v[3]->state = VCPU_RUNNING;
	set_ldr(&x->k, 3, 0x40);
	json_decref(irq_qmp_query_vcpu_routes(vm));
	set_ldr(&x->k, 3, 0x01); /* not refreshed: the index still says vCPU 0 only */
	assert_int_equal(vcpu_index_routes_on(&x->r.index, 3, NULL, 0), 0);
	assert_int_equal(irq_router_vcpu_remove(&x->r, v[3]), 1);
	assert_int_equal(x->ev.n, 2);
	assert_int_equal(irq_router_vcpu_remove(&x->r, v[1]), 0);
	assert_int_equal(x->ev.n, 2);
	assert_int_equal(irq_router_vcpu_remove(&x->r, v[0]), 1);
	assert_int_equal(x->ev.n, 3);
	assert_int_equal(json_integer_value(json_object_get(x->ev.data, "cpu-index")), 0);
	for (unsigned c = 0; c < NCPU; c++)
		free(v[c]);
	pthread_cond_destroy(&vm->vcpu_cond);
	pthread_mutex_destroy(&vm->vcpu_lock);
	free(vm);
}

int main(void)
{
	if (access("/dev/kvm", R_OK | W_OK) != 0) {
		fprintf(stderr, "SKIP: /dev/kvm is not usable here (%s): the KVM routing tests "
				"cannot run\n", strerror(errno));
		return 77; /* meson's "skipped": counted and shown, never a pass */
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_irqfd_mask_pba_retarget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emulated_and_interchangeable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logical_and_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irqchip_pins_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batching, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_irqfd_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn_no_leaks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qmp_query_refreshes_lapic, setup, teardown),
		cmocka_unit_test(test_x2apic_ext_dest_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
