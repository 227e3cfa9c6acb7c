// SPDX-License-Identifier: GPL-2.0
/*
 * A link whose disk qemu-storage-daemon serves (blk@vhost-user), on the
 * fake module: the back-end runs with the command line `devmodel
 * --backends` prints, the devmodel hands it the link's RAM (the module's
 * fd), the queue's kick and call eventfds, and a write the driver makes
 * lands in the image without the devmodel touching the queue. Skipped
 * without qemu-storage-daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_blk.h>

#include <splitvirt/log.h>

#include "../../../devmodel/args.h"
#include "../../support/backend_proc.h"
#include "../../support/guestdrv.h"

#define RAM (4u << 20)
#define DISK (1u << 20)

struct fixture {
	char dir[32], img[64];
	pid_t qsd;
	struct fake_kmod fk;
	struct sv_loop loop;
	struct dm_options opt;
	struct sv_link_spec spec;
	struct dm_link *link;
	struct guestdrv gd;
};

/* Runs what `devmodel --backends` prints for the link (one back-end). */
static void backend_start(struct fixture *f)
{
	const struct sv_link_spec *specs[1] = { &f->spec };
	char cmd[4096], *argv[16], *save = NULL, sock[128];
	FILE *out = fmemopen(cmd, sizeof(cmd), "w");
	int argc = 0;

	assert_non_null(out);
	assert_int_equal(dm_print_backends(specs, 1, f->dir, out), 1);
	fclose(out);
	cmd[strcspn(cmd, "\n")] = '\0';
	snprintf(sock, sizeof(sock), "%s/link0-dev0.sock", f->dir);
	/* The socket first, then the command line. */
	assert_string_equal(strtok_r(cmd, " ", &save), sock);
	for (char *w = strtok_r(NULL, " ", &save); w && argc < 15; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	assert_string_equal(argv[0], "qemu-storage-daemon");
	f->qsd = bp_start(argv, sock);
}

static int setup(void **state)
{
	struct fixture *f;
	struct dm_config cfg;
	char line[160], err[160];
	int fd;

	if (!bp_have("qemu-storage-daemon")) {
		*state = NULL;
		return 0;
	}
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/svdmvu-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->img, sizeof(f->img), "%s/disk.img", f->dir);
	fd = open(f->img, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, DISK), 0);
	close(fd);
	snprintf(line, sizeof(line), "sv.link0=app:blk@vhost-user=%s,rng", f->img);
	assert_int_equal(dm_parse_cmdline(line, &cfg, err, sizeof(err)), 0);
	f->spec = cfg.links[0];
	f->opt.console_out_fd = -1;
	f->opt.vhost_dir = f->dir;
	backend_start(f);
	assert_int_equal(fk_init(&f->fk, "app", RAM, 16, 16), 0);
	assert_int_equal(sv_loop_init(&f->loop), 0);
	assert_int_equal(dm_link_open(&f->link, &f->fk.km, &f->loop, &f->spec, &f->opt), 0);
	gd_init(&f->gd, f->link, &f->fk);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char sock[128];

	if (!f)
		return 0;
	dm_link_close(f->link);
	sv_loop_fini(&f->loop);
	fk_fini(&f->fk);
	bp_kill(f->qsd);
	snprintf(sock, sizeof(sock), "%s/link0-dev0.sock", f->dir);
	unlink(sock);
	unlink(f->img);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_write_reaches_image(void **state)
{
	struct fixture *f = *state;
	struct gram *ram = &f->gd.ram;
	struct gvring *vr = &f->gd.vr[0][0];
	uint64_t h, d, s;
	uint8_t back[4096];
	uint16_t head;
	uint32_t len;
	bool used = false;
	int fd;

	if (!f) {
		print_message("no qemu-storage-daemon; skipped\n");
		skip();
	}
	gd_start(&f->gd, 0, 16);
	h = gram_alloc(ram, 16, 16);
	d = gram_alloc(ram, 4096, 4096);
	s = gram_alloc(ram, 1, 1);
	((struct virtio_blk_outhdr *)gram_ptr(ram, h))->type = VIRTIO_BLK_T_OUT;
	((struct virtio_blk_outhdr *)gram_ptr(ram, h))->sector = 16;
	memset(gram_ptr(ram, d), 0xc3, 4096);
	*(uint8_t *)gram_ptr(ram, s) = 0xee;
	assert_true(
		gvring_add(vr,
			   (struct gbuf[]){ { h, 16, false }, { d, 4096, false }, { s, 1, true } },
			   3) >= 0);
	gvring_publish(vr);
	gd_kick(&f->gd, &f->fk, 0, 0);
	for (int t = 0; t < 5000 && !used; t++) {
		assert_true(sv_loop_run_once(&f->loop, 0) >= 0);
		used = gvring_get_used(vr, &head, &len);
		if (!used)
			usleep(1000);
	}
	assert_true(used);
	assert_int_equal(*(uint8_t *)gram_ptr(ram, s), VIRTIO_BLK_S_OK);
	fd = open(f->img, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, back, sizeof(back), 16 * 512), (ssize_t)sizeof(back));
	close(fd);
	for (size_t i = 0; i < sizeof(back); i++)
		assert_int_equal(back[i], 0xc3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_reaches_image, setup, teardown),
	};

	sv_log_set_level(getenv("SV_TEST_LOG") ? SV_LOG_DEBUG : SV_LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
