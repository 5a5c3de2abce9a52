/* SPDX-License-Identifier: GPL-2.0-only */
#include "devices/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"

static void chardev_init(struct chardev *c, enum serial_backend kind, const char *label)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->label = label;
	c->in_fd = c->out_fd = -1;
	c->tty_fd = -1;
	c->fl_fd[0] = c->fl_fd[1] = -1;
	c->pty_slave = -1;
}

/* QEMU's raw mode for a stdio terminal: no echo, no line editing, no input mapping,
 * 8 bits; output post-processing and signals (Ctrl-C) kept. */
static void make_raw(struct termios *t)
{
	t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t->c_oflag |= OPOST;
	t->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
	t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t->c_cflag |= CS8;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}

/*
 * A non-blocking fd for stdin or stdout without touching the shell's file description:
 * reopen /proc/self/fd/N (a new description of the same pipe, FIFO or terminal).  A
 * regular file is used as it is (it never blocks, and reopening would lose its offset).
 * When reopening is impossible (a socket), set O_NONBLOCK in place and remember to put
 * the flags back.  Returns the fd to use, or -1 when `fd` is not open.
 */
static int nonblocking_std_fd(struct chardev *c, int fd, int slot, bool *close_it)
{
	struct stat st;
	char path[32];
	int nfd, fl;

	*close_it = false;
	if (fstat(fd, &st) < 0)
		return -1;
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
		return fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, (fd == 0 ? O_RDONLY : O_WRONLY) | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (nfd >= 0) {
		*close_it = true;
		return nfd;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0) {
		c->fl_fd[slot] = fd;
		c->fl_saved[slot] = fl;
	}
	return fd;
}

static int open_stdio(struct chardev *c, char *err, size_t errlen)
{
	c->in_fd = nonblocking_std_fd(c, STDIN_FILENO, 0, &c->close_in);
	c->out_fd = nonblocking_std_fd(c, STDOUT_FILENO, 1, &c->close_out);
	if (c->in_fd >= 0 && isatty(c->in_fd) && tcgetattr(c->in_fd, &c->tty_saved) == 0) {
		struct termios raw = c->tty_saved;

		make_raw(&raw);
		if (tcsetattr(c->in_fd, TCSANOW, &raw) < 0) {
			snprintf(err, errlen, "stdio: cannot put the terminal in raw mode: %s",
				 strerror(errno));
			return -errno;
		}
		c->tty_fd = c->in_fd;
		c->escapes = true;
	}
	return 0;
}

static int open_pty(struct chardev *c, char *err, size_t errlen)
{
	struct termios t;
	int master, slave, fl;

	if (openpty(&master, &slave, NULL, NULL, NULL) < 0) {
		snprintf(err, errlen, "pty: openpty: %s", strerror(errno));
		return -errno;
	}
	/* A raw line: no echo (which would feed the guest's output back to it), no
	 * mapping.  The slave stays open here so clients can come and go. */
	if (tcgetattr(slave, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(slave, TCSANOW, &t);
	}
	if (ttyname_r(slave, c->pty_path, sizeof(c->pty_path)) != 0)
		snprintf(c->pty_path, sizeof(c->pty_path), "(unknown)");
	fl = fcntl(master, F_GETFL);
	if (fl < 0 || fcntl(master, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(master, F_SETFD, FD_CLOEXEC) < 0 || fcntl(slave, F_SETFD, FD_CLOEXEC) < 0) {
		int e = errno;
		snprintf(err, errlen, "pty: fcntl: %s", strerror(e));
		close(master);
		close(slave);
		return -e;
	}
	c->in_fd = c->out_fd = master;
	c->close_in = true;
	c->pty_slave = slave;
	/* Where and how QEMU 7.2 says it (stdout), so the same scripts find the path. */
	printf("char device redirected to %s (label %s)\n", c->pty_path, c->label);
	fflush(stdout);
	return 0;
}

static int open_file(struct chardev *c, const char *path, char *err, size_t errlen)
{
	int fd, fl;

	if (!path || !*path) {
		snprintf(err, errlen, "file: no path given");
		return -EINVAL;
	}
	/* Blocking open (a FIFO waits for its reader, as in QEMU), then non-blocking I/O. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0666);
	if (fd < 0) {
		snprintf(err, errlen, "file:%s: %s", path, strerror(errno));
		return -errno;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	c->out_fd = fd;
	c->close_out = true;
	return 0;
}

int chardev_open(struct chardev *c, enum serial_backend kind, const char *path,
		 const char *label, char *err, size_t errlen)
{
	int ret = 0;

	chardev_init(c, kind, label);
	switch (kind) {
	case SERIAL_BACKEND_STDIO:
		ret = open_stdio(c, err, errlen);
		break;
	case SERIAL_BACKEND_PTY:
		ret = open_pty(c, err, errlen);
		break;
	case SERIAL_BACKEND_FILE:
		ret = open_file(c, path, err, errlen);
		break;
	case SERIAL_BACKEND_NULL:
	case SERIAL_BACKEND_NONE:
		break;
	}
	if (ret < 0)
		chardev_close(c);
	return ret;
}

void chardev_close(struct chardev *c)
{
	if (c->tty_fd >= 0) {
		tcsetattr(c->tty_fd, TCSANOW, &c->tty_saved);
		c->tty_fd = -1;
	}
	for (int i = 0; i < 2; i++) {
		if (c->fl_fd[i] >= 0)
			fcntl(c->fl_fd[i], F_SETFL, c->fl_saved[i]);
		c->fl_fd[i] = -1;
	}
	if (c->close_in && c->in_fd >= 0)
		close(c->in_fd);
	if (c->close_out && c->out_fd >= 0 && c->out_fd != c->in_fd)
		close(c->out_fd);
	if (c->pty_slave >= 0)
		close(c->pty_slave);
	c->in_fd = c->out_fd = c->pty_slave = -1;
	c->close_in = c->close_out = false;
}

ssize_t chardev_read(struct chardev *c, void *buf, size_t len)
{
	ssize_t r;

	if (c->in_fd < 0)
		return 0;
	do
		r = read(c->in_fd, buf, len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return r;
}

ssize_t chardev_write(struct chardev *c, const void *buf, size_t len)
{
	ssize_t r;

	if (c->out_fd < 0)
		return (ssize_t)len;
	do
		r = write(c->out_fd, buf, len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return r;
}
