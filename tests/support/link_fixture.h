/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A devmodel link on the fake module, shared by the link and restart
 * tests: fn 0 = blk over a temp file, fn 1 = rng, fn 2 = console (output
 * to a pipe); optionally a temp state directory.
 */
#ifndef TESTS_DEVMODEL_LINK_FIXTURE_H
#define TESTS_DEVMODEL_LINK_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "../../devmodel/daemon.h"
#include "guestdrv.h"

#define RAM_SIZE (4u << 20)
#define DISK_SIZE (1u << 20)

struct fixture {
	struct fake_kmod fk;
	struct sv_loop loop;
	struct dm_options opt;
	struct sv_link_spec spec;
	struct dm_link *link;
	struct guestdrv gd;
	char disk[64];
	int disk_fd;
	int con_pipe[2];
};

/* cmocka-asserts on failure. */
/* keep_state: crash containment on (the fake module's saved-state area). */
struct fixture *fixture_new(uint32_t nr_kicks, uint32_t nr_calls, bool keep_state);
/* The same with the module's SV_LINK_F_* flags for the link (e.g. SV_LINK_F_DMA_WINDOW). */
struct fixture *fixture_new_flags(uint32_t nr_kicks, uint32_t nr_calls, bool keep_state,
				  uint32_t link_flags);
void fixture_free(struct fixture *f);

#endif
