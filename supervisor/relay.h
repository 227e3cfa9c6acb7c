/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Line relay: what a vmm writes to its stdout or stderr (guest console,
 * log lines) reaches the supervisor's output as whole lines, each starting
 * with the VM's prefix ("[app] ") and each in one write(), so the lines of
 * VMs running at the same time never interleave mid-line.
 *
 * A line is held until its newline. An unfinished line is written out (with
 * a newline added) when it reaches SUP_RELAY_LINE_MAX bytes, the rest
 * following as a new prefixed line, and when the vmm's pipe reaches EOF or
 * the VM has exited: nothing is lost, nothing is cut inside a UTF-8
 * character.
 */
#ifndef SUP_RELAY_H
#define SUP_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#define SUP_RELAY_LINE_MAX 4096
#define SUP_RELAY_NAME_MAX 31 /* SV_TOPO_NAME_MAX */

struct sup_relay {
	int in; /* read end of the vmm's pipe (owned, non-blocking), or -1 */
	int out; /* where the lines go (not owned) */
	char name[SUP_RELAY_NAME_MAX + 1]; /* the VM's, for messages */
	char prefix[SUP_RELAY_NAME_MAX + 4]; /* "[name] " or "" */
	size_t prefix_len;
	size_t len; /* bytes of an unfinished line in buf */
	int err; /* first write error (negative errno); later lines are dropped */
	char buf[SUP_RELAY_LINE_MAX];
};

/*
 * prefix false: lines go out as they are (a per-VM log file). in may be -1
 * when the bytes come through sup_relay_feed() only.
 */
void sup_relay_init(struct sup_relay *r, int in, int out, const char *name, bool prefix);

/* Takes len bytes the vmm wrote; writes every line they complete. */
int sup_relay_feed(struct sup_relay *r, const char *data, size_t len);

/*
 * Reads what the pipe holds right now, up to a bound, and relays it.
 * Returns -EAGAIN once the pipe is empty for now, 1 if the bound stopped it
 * (call again), 0 at EOF (the unfinished line is flushed and in is closed),
 * or another negative errno of read() (in is closed too).
 */
int sup_relay_read(struct sup_relay *r);

/* Writes out the unfinished line, if any, ending it with a newline. */
int sup_relay_flush(struct sup_relay *r);

/* Flushes and closes in. */
void sup_relay_close(struct sup_relay *r);

#endif
