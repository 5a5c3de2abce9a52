/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Character back-ends for a console device (QEMU's -serial spellings):
 *   stdio      stdin/stdout; a terminal on stdin is put in raw mode (restored on close)
 *              and C-a escapes are honoured (devices/term_escape.h)
 *   pty        a new pseudo-terminal; "char device redirected to /dev/pts/N (label L)"
 *              is printed on stdout, as QEMU 7.2 does
 *   file:PATH  output only, the file truncated first
 *   null       output discarded, no input (none = no device at all: not a back-end)
 *
 * The back-end only owns file descriptors and terminal state.  It never blocks: both
 * fds are non-blocking (stdin/stdout are reopened through /proc/self/fd so the flag
 * does not leak into the shell's shared file description), except a regular file,
 * which cannot block anyway.  The device that uses it (devices/serial_8250.c) does the
 * buffering and the epoll registration on the main thread.
 */
#ifndef XKVM_DEVICES_CHARDEV_H
#define XKVM_DEVICES_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <termios.h>

#include "devices/term_escape.h"
#include "vm/config.h"

struct chardev {
	enum serial_backend kind;
	const char *label;       /* "serial0" */
	int in_fd;               /* -1: no input */
	int out_fd;              /* -1: output is discarded */
	bool close_in, close_out;
	bool escapes;            /* C-a commands (stdin is a terminal) */
	struct term_escape esc;

	/* Terminal state to put back. */
	int tty_fd;              /* -1: termios untouched */
	struct termios tty_saved;
	/* File status flags changed in place (when reopening was impossible). */
	int fl_fd[2];
	int fl_saved[2];

	int pty_slave;           /* kept open so the master never sees a hang-up */
	char pty_path[64];
};

/* Opens the back-end `kind` (`path` for file:).  Returns 0 or -errno with `err` set. */
int chardev_open(struct chardev *c, enum serial_backend kind, const char *path,
		 const char *label, char *err, size_t errlen);
/* Restores the terminal and closes what was opened.  Idempotent. */
void chardev_close(struct chardev *c);

/* Non-blocking I/O, EINTR retried.  read: >0 bytes, 0 at end of file, -EAGAIN, -errno.
 * write: bytes written (a discarding back-end takes everything), -EAGAIN, -errno. */
ssize_t chardev_read(struct chardev *c, void *buf, size_t len);
ssize_t chardev_write(struct chardev *c, const void *buf, size_t len);

#endif
