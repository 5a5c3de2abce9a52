/* SPDX-License-Identifier: GPL-2.0-only */
#include "irq/set_irqs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

#define HDR_MINSZ (offsetof(struct vfio_irq_set, count) + sizeof(uint32_t))

void set_irqs_init(struct set_irqs *s, const char *name, const struct set_irqs_ops *ops,
		   void *opaque)
{
	memset(s, 0, sizeof(*s));
	s->name = name ? name : "device";
	s->ops = ops;
	s->opaque = opaque;
}

int set_irqs_add_index(struct set_irqs *s, unsigned index, unsigned count, uint32_t info_flags)
{
	struct set_irqs_index *ix;

	if (index >= VFIO_PCI_NUM_IRQS || count == 0)
		return -EINVAL;
	ix = &s->index[index];
	if (ix->count)
		return -EEXIST;
	ix->fd = malloc(count * sizeof(int));
	if (!ix->fd)
		return -ENOMEM;
	for (unsigned i = 0; i < count; i++)
		ix->fd[i] = -1;
	ix->count = count;
	ix->info_flags = info_flags;
	return 0;
}

void set_irqs_destroy(struct set_irqs *s)
{
	for (unsigned i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
		struct set_irqs_index *ix = &s->index[i];
		for (unsigned v = 0; v < ix->count; v++)
			if (ix->fd[v] >= 0)
				close(ix->fd[v]);
		free(ix->fd);
		*ix = (struct set_irqs_index){ 0 };
	}
}

int set_irqs_get_info(const struct set_irqs *s, struct vfio_irq_info *info)
{
	if (info->argsz < sizeof(*info) || info->index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	info->count = s->index[info->index].count;
	info->flags = info->count ? s->index[info->index].info_flags : 0;
	return 0;
}

int set_irqs_trigger(const struct set_irqs *s, unsigned index, unsigned v)
{
	if (index >= VFIO_PCI_NUM_IRQS || v >= s->index[index].count)
		return -1;
	return s->index[index].fd[v];
}

int fd_is_eventfd(int fd)
{
	char path[64], line[128];
	bool found = false;
	FILE *f;

	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	/* An eventfd's fdinfo has an "eventfd-count:" line; no other file has one. */
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f) {
		int err = -errno;
		log_error("cannot check that fd %d is an eventfd: %s: %s", fd, path, strerror(errno));
		return err;
	}
	while (!found && fgets(line, sizeof(line), f))
		found = strncmp(line, "eventfd-count:", 14) == 0;
	fclose(f);
	return found ? 0 : -EINVAL;
}

int set_irqs_validate(const struct vfio_irq_set *hdr, unsigned num_irqs, size_t *data_size)
{
	size_t elem;

	*data_size = 0;
	if (hdr->argsz < HDR_MINSZ || hdr->index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	/* start + count must not wrap: check before anyone computes it. */
	if (hdr->count >= UINT32_MAX - hdr->start)
		return -EINVAL;
	if (hdr->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK))
		return -EINVAL;
	if (hdr->start >= num_irqs || hdr->start + hdr->count > num_irqs)
		return -EINVAL;
	switch (hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE: elem = 0; break;
	case VFIO_IRQ_SET_DATA_BOOL: elem = sizeof(uint8_t); break;
	case VFIO_IRQ_SET_DATA_EVENTFD: elem = sizeof(int32_t); break;
	default: return -EINVAL; /* none, or more than one */
	}
	switch (hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) {
	case VFIO_IRQ_SET_ACTION_MASK:
	case VFIO_IRQ_SET_ACTION_UNMASK:
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		break;
	default:
		return -EINVAL;
	}
	if (elem) {
		if (hdr->argsz - HDR_MINSZ < (size_t)hdr->count * elem)
			return -EINVAL;
		*data_size = (size_t)hdr->count * elem;
	}
	return 0;
}

static int32_t data_fd(const struct vfio_irq_set *hdr, unsigned i)
{
	int32_t fd;

	memcpy(&fd, hdr->data + i * sizeof(fd), sizeof(fd));
	return fd;
}

static int apply_trigger(struct set_irqs *s, unsigned index, unsigned v, int fd)
{
	return s->ops && s->ops->trigger ? s->ops->trigger(s->opaque, index, v, fd) : 0;
}

static int commit(struct set_irqs *s, unsigned index)
{
	return s->ops && s->ops->commit ? s->ops->commit(s->opaque, index) : 0;
}

/* Tear down every trigger of `index` and mark it disabled. */
static void disable_index(struct set_irqs *s, unsigned index)
{
	struct set_irqs_index *ix = &s->index[index];
	bool any = false;

	for (unsigned v = 0; v < ix->count; v++) {
		if (ix->fd[v] < 0)
			continue;
		if (apply_trigger(s, index, v, -1) < 0)
			log_error("%s: tearing down the trigger of vector %u failed", s->name, v);
		close(ix->fd[v]);
		ix->fd[v] = -1;
		any = true;
	}
	if (any && commit(s, index) < 0)
		log_error("%s: pushing the teardown of irq index %u failed", s->name, index);
	ix->enabled = false;
}

/* Point vectors [start, start + n) back at `old` (best effort: they worked before). */
static void revert(struct set_irqs *s, unsigned index, unsigned start, unsigned n, const int *old,
		   const int *new)
{
	for (unsigned i = n; i-- > 0;)
		if (old[i] != new[i] && apply_trigger(s, index, start + i, old[i]) < 0)
			log_error("%s: restoring the trigger of vector %u failed", s->name, start + i);
}

static int set_eventfds(struct set_irqs *s, const struct vfio_irq_set *hdr)
{
	unsigned index = hdr->index, start = hdr->start, n = hdr->count;
	struct set_irqs_index *ix = &s->index[index];
	int *newfd = NULL, *old = NULL, ret = 0;
	unsigned applied = 0;

	if (n == 0)
		return ix->enabled ? 0 : -EINVAL;
	newfd = malloc(n * sizeof(int));
	old = malloc(n * sizeof(int));
	if (!newfd || !old) {
		free(newfd);
		free(old);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++)
		newfd[i] = -1;
	/* 1. Check and dup every fd: nothing has changed yet. */
	for (unsigned i = 0; i < n; i++) {
		int32_t fd = data_fd(hdr, i);

		old[i] = ix->fd[start + i];
		if (fd < 0)
			continue;
		if ((ret = fd_is_eventfd(fd)) < 0)
			goto fail_prepare;
		newfd[i] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (newfd[i] < 0) {
			ret = -errno;
			goto fail_prepare;
		}
	}
	/* 2. Apply vector by vector. */
	for (; applied < n; applied++) {
		unsigned v = start + applied;
		if (newfd[applied] == old[applied])
			continue; /* -1 stays -1 */
		if ((ret = apply_trigger(s, index, v, newfd[applied])) < 0) {
			revert(s, index, start, applied, old, newfd);
			goto fail_prepare;
		}
	}
	/* 3. Push them all at once. */
	if ((ret = commit(s, index)) < 0) {
		revert(s, index, start, n, old, newfd);
		if (commit(s, index) < 0)
			log_error("%s: restoring the triggers of vectors %u..%u failed", s->name,
				  start, start + n - 1);
		goto fail_prepare;
	}
	/* 4. Done: the replaced triggers are ours to close. */
	for (unsigned i = 0; i < n; i++) {
		if (old[i] >= 0)
			close(old[i]);
		ix->fd[start + i] = newfd[i];
	}
	ix->enabled = true;
	free(newfd);
	free(old);
	return 0;

fail_prepare:
	for (unsigned i = 0; i < n; i++)
		if (newfd[i] >= 0)
			close(newfd[i]);
	free(newfd);
	free(old);
	return ret;
}

static int fire(struct set_irqs *s, const struct vfio_irq_set *hdr, bool bools)
{
	struct set_irqs_index *ix = &s->index[hdr->index];
	static const uint64_t one = 1;

	if (!ix->enabled)
		return -EINVAL;
	for (unsigned i = 0; i < hdr->count; i++) {
		int fd = ix->fd[hdr->start + i];
		if (fd < 0 || (bools && !hdr->data[i]))
			continue;
		if (write(fd, &one, sizeof(one)) != sizeof(one) && errno != EAGAIN)
			return -errno;
	}
	return 0;
}

static int mask(struct set_irqs *s, const struct vfio_irq_set *hdr, bool masked, bool bools)
{
	struct set_irqs_index *ix = &s->index[hdr->index];

	if (!(ix->info_flags & VFIO_IRQ_INFO_MASKABLE) || !s->ops || !s->ops->mask)
		return -ENOTTY;
	if (hdr->flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return -EINVAL;
	for (unsigned i = 0; i < hdr->count; i++) {
		int ret;
		if (bools && !hdr->data[i])
			continue;
		if ((ret = s->ops->mask(s->opaque, hdr->index, hdr->start + i, masked)) < 0)
			return ret;
	}
	return 0;
}

static bool is_interrupt_index(unsigned index)
{
	return index == VFIO_PCI_INTX_IRQ_INDEX || index == VFIO_PCI_MSI_IRQ_INDEX ||
	       index == VFIO_PCI_MSIX_IRQ_INDEX;
}

int set_irqs(struct set_irqs *s, const struct vfio_irq_set *hdr)
{
	struct set_irqs_index *ix;
	size_t data_size;
	uint32_t data, action;
	int ret;

	if (hdr->argsz < HDR_MINSZ || hdr->index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	ix = &s->index[hdr->index];
	if ((ret = set_irqs_validate(hdr, ix->count, &data_size)) < 0)
		return ret;
	data = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
		return mask(s, hdr, action == VFIO_IRQ_SET_ACTION_MASK,
			    data == VFIO_IRQ_SET_DATA_BOOL);

	if (data == VFIO_IRQ_SET_DATA_NONE && hdr->count == 0) {
		if (!ix->enabled)
			return -EINVAL;
		disable_index(s, hdr->index);
		return 0;
	}
	if (data != VFIO_IRQ_SET_DATA_EVENTFD)
		return fire(s, hdr, data == VFIO_IRQ_SET_DATA_BOOL);

	if (!ix->enabled && is_interrupt_index(hdr->index)) {
		/* INTx, MSI and MSI-X exclude each other (VFIO's irq_type). */
		for (unsigned i = 0; i < VFIO_PCI_NUM_IRQS; i++)
			if (i != hdr->index && is_interrupt_index(i) && s->index[i].enabled)
				return -EINVAL;
	}
	return set_eventfds(s, hdr);
}
