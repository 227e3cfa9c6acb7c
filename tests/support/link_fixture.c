// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "link_fixture.h"

struct fixture *fixture_new(uint32_t nr_kicks, uint32_t nr_calls, bool keep_state)
{
	return fixture_new_flags(nr_kicks, nr_calls, keep_state, 0);
}

struct fixture *fixture_new_flags(uint32_t nr_kicks, uint32_t nr_calls, bool keep_state,
				  uint32_t link_flags)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char line[128], err[128];
	struct dm_config cfg;

	assert_non_null(f);
	strcpy(f->disk, "/tmp/svdm-XXXXXX");
	f->disk_fd = mkstemp(f->disk);
	assert_true(f->disk_fd >= 0);
	assert_int_equal(ftruncate(f->disk_fd, DISK_SIZE), 0);
	f->opt.keep_state = keep_state;
	snprintf(line, sizeof(line), "sv.link0=app:blk=%s,rng,console", f->disk);
	assert_int_equal(dm_parse_cmdline(line, &cfg, err, sizeof(err)), 0);
	f->spec = cfg.links[0];
	assert_int_equal(pipe(f->con_pipe), 0);
	f->opt.console_out_fd = f->con_pipe[1];
	assert_int_equal(fk_init(&f->fk, "app", RAM_SIZE, nr_kicks, nr_calls), 0);
	f->fk.info.flags |= link_flags;
	assert_int_equal(sv_loop_init(&f->loop), 0);
	assert_int_equal(dm_link_open(&f->link, &f->fk.km, &f->loop, &f->spec, &f->opt), 0);
	gd_init(&f->gd, f->link, &f->fk);
	return f;
}

void fixture_free(struct fixture *f)
{
	dm_link_close(f->link);
	sv_loop_fini(&f->loop);
	fk_fini(&f->fk);
	close(f->con_pipe[0]);
	close(f->con_pipe[1]);
	close(f->disk_fd);
	unlink(f->disk);
	free(f);
}
