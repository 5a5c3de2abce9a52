/* SPDX-License-Identifier: GPL-2.0-only */
#include "acpi/cpu_hotplug.h"

#include <errno.h>
#include <string.h>

void cpuhp_init(struct cpuhp *c, unsigned nr_slots, const uint32_t *apic_ids,
		const struct cpuhp_ops *ops, void *opaque)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->nr_slots = nr_slots > CPUHP_MAX_SLOTS ? CPUHP_MAX_SLOTS : nr_slots;
	for (unsigned i = 0; i < c->nr_slots; i++)
		c->slot[i].apic_id = apic_ids ? apic_ids[i] : i;
	c->ops = ops;
	c->opaque = opaque;
	c->rl = (struct ratelimit)RATELIMIT_INIT;
}

void cpuhp_destroy(struct cpuhp *c)
{
	pthread_mutex_destroy(&c->lock);
}

static struct cpuhp_slot *selected(struct cpuhp *c)
{
	return c->selector < c->nr_slots ? &c->slot[c->selector] : NULL;
}

uint64_t cpuhp_read(struct cpuhp *c, uint64_t off, unsigned size)
{
	struct cpuhp_slot *s;
	uint64_t val = 0;

	(void)size;
	pthread_mutex_lock(&c->lock);
	s = selected(c);
	if (!s) /* a selector out of range makes every register read 0 */
		goto out;
	switch (off) {
	case CPUHP_REG_SELECTOR: /* command data 2 */
		val = 0; /* upper APIC ID bits for CMD_ARCH_ID: always 0 with xAPIC IDs */
		break;
	case CPUHP_REG_FLAGS:
		val = (s->present ? CPUHP_FLAG_ENABLED : 0) | (s->inserting ? CPUHP_FLAG_INSERT : 0) |
		      (s->removing ? CPUHP_FLAG_REMOVE : 0);
		break;
	case CPUHP_REG_DATA:
		if (c->command == CPUHP_CMD_NEXT_EVENT)
			val = c->selector;
		else if (c->command == CPUHP_CMD_ARCH_ID)
			val = s->apic_id;
		break;
	default: /* reserved */
		break;
	}
out:
	pthread_mutex_unlock(&c->lock);
	return val;
}

/* With the lock held: select the first slot at or after the selector with an event. */
static void select_next_event(struct cpuhp *c)
{
	for (unsigned n = 0, i = c->selector; n < c->nr_slots; n++, i = (i + 1) % c->nr_slots) {
		if (c->slot[i].inserting || c->slot[i].removing) {
			c->selector = i;
			return;
		}
	}
}

void cpuhp_write(struct cpuhp *c, uint64_t off, unsigned size, uint64_t val)
{
	struct cpuhp_slot *s;
	unsigned eject = CPUHP_MAX_SLOTS, ost_slot = CPUHP_MAX_SLOTS;
	uint32_t ost_ev = 0, ost_st = 0;

	pthread_mutex_lock(&c->lock);
	if (off == CPUHP_REG_SELECTOR) {
		c->selector = (uint32_t)(size >= 4 ? val : val & ((1ull << (size * 8)) - 1));
		goto out;
	}
	s = selected(c);
	if (!s) /* writes to anything but the selector are ignored until it is valid */
		goto out;
	switch (off) {
	case CPUHP_REG_FLAGS:
		/* One action per write, in this order, as QEMU does. */
		if (val & CPUHP_FLAG_INSERT) {
			s->inserting = false;
		} else if (val & CPUHP_FLAG_REMOVE) {
			s->removing = false;
		} else if (val & CPUHP_FLAG_EJECT) {
			if (c->selector == 0 || !s->present) {
				log_guest(&c->rl, "cpu-hotplug: eject of %s slot %u ignored",
					  c->selector == 0 ? "the boot CPU" : "absent", c->selector);
				break;
			}
			/* Absent before the exit returns: _STA reads 0 when Linux re-checks. */
			s->present = false;
			s->ejecting = true;
			s->unplug_requested = false;
			s->removing = false;
			eject = c->selector;
		} else if (val & (CPUHP_FLAG_FW_EJECT | 0xe1)) {
			log_guest(&c->rl, "cpu-hotplug: reserved control bits 0x%llx ignored",
				  (unsigned long long)val);
		}
		break;
	case CPUHP_REG_COMMAND:
		if ((val & 0xff) >= CPUHP_CMD_MAX) {
			log_guest(&c->rl, "cpu-hotplug: unknown command %llu ignored",
				  (unsigned long long)(val & 0xff));
			break;
		}
		c->command = (uint8_t)val;
		if (c->command == CPUHP_CMD_NEXT_EVENT)
			select_next_event(c);
		break;
	case CPUHP_REG_DATA:
		if (c->command == CPUHP_CMD_OST_EVENT) {
			s->ost_event = (uint32_t)val;
		} else if (c->command == CPUHP_CMD_OST_STATUS) {
			s->ost_status = (uint32_t)val;
			/* A refused removal ends the request; the host may ask again. */
			if (s->ost_event == ACPI_OST_EV_EJECT_REQUEST &&
			    s->ost_status != ACPI_OST_SC_SUCCESS &&
			    s->ost_status != ACPI_OST_SC_EJECT_IN_PROGRESS)
				s->unplug_requested = false;
			ost_slot = c->selector;
			ost_ev = s->ost_event;
			ost_st = s->ost_status;
		}
		break;
	default:
		log_guest(&c->rl, "cpu-hotplug: write to reserved offset %llu ignored",
			  (unsigned long long)off);
		break;
	}
out:
	pthread_mutex_unlock(&c->lock);
	/* Callbacks run unlocked: they may take other locks or post jobs. */
	if (eject < CPUHP_MAX_SLOTS && c->ops && c->ops->eject)
		c->ops->eject(c->opaque, eject);
	if (ost_slot < CPUHP_MAX_SLOTS && c->ops && c->ops->ost)
		c->ops->ost(c->opaque, ost_slot, ost_ev, ost_st);
}

void cpuhp_set_present(struct cpuhp *c, unsigned slot, bool present)
{
	if (slot >= c->nr_slots)
		return;
	pthread_mutex_lock(&c->lock);
	c->slot[slot].present = present;
	pthread_mutex_unlock(&c->lock);
}

static void ring(struct cpuhp *c)
{
	if (c->ops && c->ops->notify)
		c->ops->notify(c->opaque);
}

int cpuhp_plug(struct cpuhp *c, unsigned slot)
{
	struct cpuhp_slot *s;
	int ret = 0;

	if (slot >= c->nr_slots)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	s = &c->slot[slot];
	if (s->present)
		ret = -EEXIST;
	else if (s->ejecting || s->inserting || s->removing)
		ret = -EBUSY;
	else
		s->present = s->inserting = true;
	pthread_mutex_unlock(&c->lock);
	if (!ret)
		ring(c);
	return ret;
}

int cpuhp_request_unplug(struct cpuhp *c, unsigned slot)
{
	struct cpuhp_slot *s;
	int ret = 0;

	if (slot >= c->nr_slots)
		return -EINVAL;
	if (slot == 0)
		return -EPERM;
	pthread_mutex_lock(&c->lock);
	s = &c->slot[slot];
	if (!s->present)
		ret = s->ejecting ? -EBUSY : -ENODEV;
	else if (s->inserting)
		ret = -EBUSY; /* insert then remove in one scan: refuse, the design says */
	else if (s->unplug_requested || s->removing)
		ret = -EALREADY;
	else
		s->removing = s->unplug_requested = true;
	pthread_mutex_unlock(&c->lock);
	if (!ret)
		ring(c);
	return ret;
}

void cpuhp_eject_done(struct cpuhp *c, unsigned slot)
{
	if (slot >= c->nr_slots)
		return;
	pthread_mutex_lock(&c->lock);
	c->slot[slot].ejecting = false;
	pthread_mutex_unlock(&c->lock);
}

bool cpuhp_events_pending(struct cpuhp *c)
{
	bool pending = false;

	pthread_mutex_lock(&c->lock);
	for (unsigned i = 0; i < c->nr_slots && !pending; i++)
		pending = c->slot[i].inserting || c->slot[i].removing;
	pthread_mutex_unlock(&c->lock);
	return pending;
}

void cpuhp_reset(struct cpuhp *c)
{
	pthread_mutex_lock(&c->lock);
	for (unsigned i = 0; i < c->nr_slots; i++) {
		c->slot[i].inserting = c->slot[i].removing = false;
		c->slot[i].unplug_requested = false;
	}
	c->command = 0;
	/* The selector keeps its value across reset, as QEMU's does. */
	pthread_mutex_unlock(&c->lock);
}

struct cpuhp_slot cpuhp_slot_state(struct cpuhp *c, unsigned slot)
{
	struct cpuhp_slot s = { 0 };

	if (slot < c->nr_slots) {
		pthread_mutex_lock(&c->lock);
		s = c->slot[slot];
		pthread_mutex_unlock(&c->lock);
	}
	return s;
}
