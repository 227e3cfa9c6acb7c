// SPDX-License-Identifier: GPL-2.0
/*
 * A virtio-blk function whose queues Debian's qemu-storage-daemon serves
 * (vhost-user-blk export over a raw image), driven by the test driver
 * through the same host glue the devmodel uses: the bytes land in the
 * image; the back-end killed and restarted within the grace period redoes
 * what it had in flight (its in-flight records), nothing fails; gone for
 * longer, what it had and what comes fails with IOERR, and a back-end that
 * returns serves again. Skipped where qemu-storage-daemon is not installed
 * (scripts/deps.sh installs it with qemu-system-arm).
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include <splitvirt/log.h>
#include <splitvirt/vhost_user_dev.h>
#include <splitvirt/virtio_blk.h>

#include "../../support/backend_proc.h"
#include "../../support/testdrv.h"

#define QSD "qemu-storage-daemon"
#define DISK_SIZE (4u << 20)
#define QSIZE 64
#define GRACE_MS 1500

struct fixture {
	char dir[32], img[64], sock[64];
	pid_t qsd;
	int grace_ms;
	struct testdrv td;
};

/* iops > 0: every request waits in a throttle group, so some stay in flight there. */
static void qsd_start(struct fixture *f, int iops)
{
	char file[160], tg[64], thr[96], exp[192];
	const char *node = iops ? "thr0" : "file0";

	snprintf(file, sizeof(file), "driver=file,node-name=file0,filename=%s", f->img);
	snprintf(tg, sizeof(tg), "throttle-group,id=tg0,x-iops-total=%d", iops ? iops : 1);
	snprintf(thr, sizeof(thr), "driver=throttle,node-name=thr0,throttle-group=tg0,file=file0");
	snprintf(
		exp, sizeof(exp),
		"type=vhost-user-blk,id=exp0,node-name=%s,addr.type=unix,addr.path=%s,writable=on,num-queues=1",
		node, f->sock);
	char *throttled[] = { QSD,	    "--blockdev", file,	      "--object", tg,
			      "--blockdev", thr,	  "--export", exp,	  NULL };
	char *plain[] = { QSD, "--blockdev", file, "--export", exp, NULL };

	f->qsd = bp_start(iops ? throttled : plain, f->sock);
}

static void qsd_kill(struct fixture *f)
{
	bp_kill(f->qsd);
	f->qsd = -1;
}

/* The device on the test driver, its queue started; the back-end must be up. */
static void device_start(struct fixture *f)
{
	struct testdrv *td = &f->td;
	struct vhost_user_dev_region r = {
		.gpa = TD_RAM_GPA,
		.size = TD_RAM_SIZE,
		.hva = td->ram.base,
		.fd = td->ram.fd,
	};
	struct vhost_user_dev_params p = {
		.name = "vublk-test",
		.socket = f->sock,
		.device_id = VIRTIO_ID_BLOCK,
		.num_queues = 1,
		.config_size = VIRTIO_BLK_VHOST_USER_CONFIG_SIZE,
		.device_features = VIRTIO_BLK_VHOST_USER_FEATURES,
		.gm = &td->gm,
		.regions = &r,
		.nr_regions = 1,
		.fail_chain = virtio_blk_fail_request,
		.config_fixup = virtio_blk_config_fit_queues,
		.grace_ms = f->grace_ms,
	};
	struct virtio_dev *dev;

	assert_int_equal(vhost_user_dev_create(&dev, &p), 0);
	assert_int_equal(td_attach(td, dev), 0);
	vhost_user_dev_attach(td->dev, td->vh);
	assert_int_equal(td_start(td, ~(1ull << VIRTIO_RING_F_EVENT_IDX), QSIZE), 0);
	assert_true(td_status(td) & VIRTIO_CONFIG_S_DRIVER_OK);
}

static int setup(void **state)
{
	struct fixture *f;
	int fd;

	if (!bp_have(QSD)) {
		*state = NULL;
		return 0;
	}
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/svvu-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->img, sizeof(f->img), "%s/disk.img", f->dir);
	snprintf(f->sock, sizeof(f->sock), "%s/blk.sock", f->dir);
	fd = open(f->img, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, DISK_SIZE), 0);
	close(fd);
	f->qsd = -1;
	f->grace_ms = GRACE_MS;
	assert_int_equal(td_init(&f->td), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	td_destroy(&f->td);
	if (f->qsd > 0)
		qsd_kill(f);
	unlink(f->img);
	unlink(f->sock);
	rmdir(f->dir);
	free(f);
	return 0;
}

#define NEED_QSD(f)                                             \
	do {                                                    \
		if (!(f)) {                                     \
			print_message("no " QSD "; skipped\n"); \
			skip();                                 \
		}                                               \
	} while (0)

struct req {
	uint64_t data, status;
};

/* Makes a request available and kicks; the status byte starts as 0xee. */
static struct req blk_post(struct fixture *f, uint32_t type, uint64_t sector, uint32_t len,
			   int fill)
{
	struct testdrv *td = &f->td;
	uint64_t h = gram_alloc(&td->ram, 16, 16);
	struct req r = { gram_alloc(&td->ram, len ? len : 1, 512), gram_alloc(&td->ram, 1, 1) };
	struct virtio_blk_outhdr *hdr = gram_ptr(&td->ram, h);
	struct gbuf bufs[3] = {
		{ h, 16, false },
		{ r.data, len, type == VIRTIO_BLK_T_IN },
		{ r.status, 1, true },
	};

	hdr->type = type;
	hdr->sector = sector;
	memset(gram_ptr(&td->ram, r.data), fill, len ? len : 1);
	*(uint8_t *)gram_ptr(&td->ram, r.status) = 0xee;
	if (len)
		assert_true(gvring_add(&td->vr[0], bufs, 3) >= 0);
	else
		assert_true(gvring_add(&td->vr[0], (struct gbuf[]){ bufs[0], bufs[2] }, 2) >= 0);
	gvring_publish(&td->vr[0]);
	td_kick(td, 0);
	return r;
}

static uint8_t status_of(struct fixture *f, struct req r)
{
	return __atomic_load_n((uint8_t *)gram_ptr(&f->td.ram, r.status), __ATOMIC_ACQUIRE);
}

/* One pass of the host loop (td_run_host would expect to see the kicks the back-end reads). */
static void host_step(struct fixture *f)
{
	assert_true(sv_loop_run_once(f->td.host_loop, 0) >= 0);
}

/* Runs the host loop until n more used entries are there (at most ms); returns how many came. */
static int run_until_used(struct fixture *f, int n, int ms)
{
	uint16_t head;
	uint32_t len;
	int got = 0;

	for (int t = 0; got < n && t < ms; t++) {
		host_step(f);
		while (got < n && gvring_get_used(&f->td.vr[0], &head, &len))
			got++;
		if (got < n)
			usleep(1000);
	}
	return got;
}

static void run_for(struct fixture *f, int ms)
{
	for (int t = 0; t < ms; t++) {
		host_step(f);
		usleep(1000);
	}
}

static void image_read(struct fixture *f, uint64_t off, void *buf, size_t len)
{
	int fd = open(f->img, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static bool image_holds(struct fixture *f, uint64_t sector, uint32_t len, int fill)
{
	uint8_t *buf = malloc(len);
	bool ok = true;

	assert_non_null(buf);
	image_read(f, sector * 512, buf, len);
	for (uint32_t i = 0; i < len; i++)
		ok = ok && buf[i] == (uint8_t)fill;
	free(buf);
	return ok;
}

static void test_config_and_io(void **state)
{
	struct fixture *f = *state;
	struct virtio_blk_config cfg;
	struct req w, r, fl;

	NEED_QSD(f);
	qsd_start(f, 0);
	device_start(f);
	memset(&cfg, 0, sizeof(cfg));
	for (uint32_t i = 0; i < VIRTIO_BLK_VHOST_USER_CONFIG_SIZE; i++)
		((uint8_t *)&cfg)[i] = (uint8_t)td_read(&f->td, &f->td.device, i, 1);
	assert_int_equal(le64toh(cfg.capacity), DISK_SIZE / 512);
	assert_true(td_irq(&f->td, 1) || true); /* nothing pending is fine */

	w = blk_post(f, VIRTIO_BLK_T_OUT, 8, 4096, 0x5a);
	assert_int_equal(run_until_used(f, 1, 5000), 1);
	assert_int_equal(status_of(f, w), VIRTIO_BLK_S_OK);
	assert_true(image_holds(f, 8, 4096, 0x5a));
	/* The completion interrupt came through the call eventfd the back-end was given. */
	assert_true(td_irq(&f->td, td_queue_vector(0)));

	r = blk_post(f, VIRTIO_BLK_T_IN, 8, 4096, 0);
	assert_int_equal(run_until_used(f, 1, 5000), 1);
	assert_int_equal(status_of(f, r), VIRTIO_BLK_S_OK);
	assert_int_equal(*(uint8_t *)gram_ptr(&f->td.ram, r.data + 4095), 0x5a);
	fl = blk_post(f, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
	assert_int_equal(run_until_used(f, 1, 5000), 1);
	assert_int_equal(status_of(f, fl), VIRTIO_BLK_S_OK);
}

/* Killed with requests in its throttle queue, back within the grace period: it redoes them. */
static void test_restart_redoes_in_flight(void **state)
{
	struct fixture *f = *state;
	struct req w[4];
	int done;

	NEED_QSD(f);
	qsd_start(f, 1);
	device_start(f);
	for (int i = 0; i < 4; i++)
		w[i] = blk_post(f, VIRTIO_BLK_T_OUT, 64 + 8 * (uint64_t)i, 4096, 0x10 + i);
	done = run_until_used(f, 4, 300);
	assert_true(done < 4); /* some are in flight in the back-end */
	qsd_kill(f);
	run_for(f, 50);
	assert_false(vhost_user_dev_connected(f->td.dev));
	qsd_start(f, 0);
	assert_int_equal(run_until_used(f, 4 - done, 5000), 4 - done);
	assert_true(vhost_user_dev_connected(f->td.dev));
	for (int i = 0; i < 4; i++) {
		assert_int_equal(status_of(f, w[i]), VIRTIO_BLK_S_OK);
		assert_true(image_holds(f, 64 + 8 * (uint64_t)i, 4096, 0x10 + i));
	}
	/* And it serves on. */
	w[0] = blk_post(f, VIRTIO_BLK_T_OUT, 200, 512, 0x77);
	assert_int_equal(run_until_used(f, 1, 5000), 1);
	assert_int_equal(status_of(f, w[0]), VIRTIO_BLK_S_OK);
}

/*
 * Gone longer than the grace period: what it had in flight and what comes
 * meanwhile fail with IOERR; once it is back, requests work again.
 */
static void test_gone_fails_then_recovers(void **state)
{
	struct fixture *f = *state;
	struct req w[3], late, again;
	int done;

	NEED_QSD(f);
	f->grace_ms = 300;
	qsd_start(f, 1);
	device_start(f);
	for (int i = 0; i < 3; i++)
		w[i] = blk_post(f, VIRTIO_BLK_T_OUT, 300 + 8 * (uint64_t)i, 4096, 0x20 + i);
	done = run_until_used(f, 3, 200);
	assert_true(done < 3);
	qsd_kill(f);
	late = blk_post(f, VIRTIO_BLK_T_OUT, 400, 512, 0x30);
	assert_int_equal(run_until_used(f, 3 - done + 1, 3000), 3 - done + 1);
	for (int i = done; i < 3; i++)
		assert_int_equal(status_of(f, w[i]), VIRTIO_BLK_S_IOERR);
	assert_int_equal(status_of(f, late), VIRTIO_BLK_S_IOERR);
	/* Still gone: a new request fails at once. */
	late = blk_post(f, VIRTIO_BLK_T_IN, 0, 512, 0);
	assert_int_equal(run_until_used(f, 1, 1000), 1);
	assert_int_equal(status_of(f, late), VIRTIO_BLK_S_IOERR);

	qsd_start(f, 0);
	for (int t = 0; t < 3000 && !vhost_user_dev_connected(f->td.dev); t++)
		run_for(f, 1);
	assert_true(vhost_user_dev_connected(f->td.dev));
	again = blk_post(f, VIRTIO_BLK_T_OUT, 500, 4096, 0x44);
	assert_int_equal(run_until_used(f, 1, 5000), 1);
	assert_int_equal(status_of(f, again), VIRTIO_BLK_S_OK);
	assert_true(image_holds(f, 500, 4096, 0x44));
	/* Failed requests are not redone behind the driver's back by the new back-end. */
	run_for(f, 200);
	assert_true(image_holds(f, 400, 512, 0));
}

/* A back-end that is not there: no device (the caller retries). */
static void test_no_backend(void **state)
{
	struct fixture *f = *state;
	struct vhost_user_dev_region r = { .gpa = TD_RAM_GPA,
					   .size = 4096,
					   .hva = f ? f->td.ram.base : NULL };
	struct vhost_user_dev_params p = {
		.socket = "/nonexistent/blk.sock",
		.device_id = VIRTIO_ID_BLOCK,
		.num_queues = 1,
		.config_size = VIRTIO_BLK_VHOST_USER_CONFIG_SIZE,
		.regions = &r,
		.nr_regions = 1,
		.fail_chain = virtio_blk_fail_request,
	};
	struct virtio_dev *dev;

	NEED_QSD(f);
	p.gm = &f->td.gm;
	assert_int_equal(vhost_user_dev_create(&dev, &p), -ENOENT);
	p.nr_regions = 0;
	assert_int_equal(vhost_user_dev_create(&dev, &p), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_and_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_redoes_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_fails_then_recovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_backend, setup, teardown),
	};

	sv_log_set_level(getenv("SV_TEST_LOG") ? SV_LOG_DEBUG : SV_LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
