// SPDX-License-Identifier: GPL-2.0
/*
 * The raw backend's asynchronous reads and writes (io_uring): buffered and
 * direct through the bounce pool, many in flight, short transfers, the
 * limits that send the caller back to the synchronous path, closing with
 * transfers in flight, and the ring's restrictions. Files live in /var/tmp:
 * tmpfs has no O_DIRECT. Without io_uring the tests skip.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/io_uring.h>

#include <splitvirt/virtio_blk.h>

#include "../../support/unit.h"

#define DISK_SIZE (8u << 20)
#define MAX_TX 20
#define MAX_SEGS 4

struct tx {
	struct virtio_blk_aio aio;
	struct iovec iov[MAX_SEGS];
	uint8_t *buf;
	int err;
	bool done;
};

struct fixture {
	char path[64];
	int fd; /* our own view of the image */
	struct virtio_blk_backend *be;
	struct tx tx[MAX_TX];
	int completed;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->path, "/var/tmp/svblkaio-XXXXXX");
	f->fd = mkstemp(f->path);
	assert_true(f->fd >= 0);
	assert_int_equal(ftruncate(f->fd, DISK_SIZE), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->be)
		f->be->ops->close(f->be);
	for (int i = 0; i < MAX_TX; i++)
		free(f->tx[i].buf);
	close(f->fd);
	unlink(f->path);
	free(f);
	return 0;
}

/* Opens the backend; skips the test without io_uring (or O_DIRECT, for DIRECT). */
static void open_backend(struct fixture *f, enum virtio_blk_raw_cache cache)
{
	int ret = virtio_blk_raw_open_cache(&f->be, f->path, false, cache);

	if (ret && cache == VIRTIO_BLK_RAW_DIRECT)
		skip(); /* no O_DIRECT on this filesystem */
	assert_int_equal(ret, 0);
	if (f->be->aio_fd < 0)
		skip(); /* no io_uring here: the backend is synchronous (test_without_io_uring) */
}

static void on_done(struct virtio_blk_aio *aio, int err, void *opaque)
{
	struct fixture *f = opaque;
	struct tx *t = (struct tx *)aio; /* aio is tx's first member */

	assert_false(t->done);
	assert_int_equal(aio->backend_slot, -1);
	t->err = err;
	t->done = true;
	f->completed++;
}

/* Transfer i: len bytes at off in nseg segments of a fresh buffer (pattern for writes). */
static struct tx *tx_prepare(struct fixture *f, int i, uint64_t off, size_t len, bool write,
			     int nseg, int pattern)
{
	struct tx *t = &f->tx[i];
	size_t piece = len / (size_t)nseg;

	free(t->buf);
	/* malloc, not aligned: like guest memory, only the bounce buffer is. */
	t->buf = malloc(len);
	assert_non_null(t->buf);
	memset(t->buf, write ? pattern : 0xee, len);
	for (int s = 0; s < nseg; s++)
		t->iov[s] = (struct iovec){ t->buf + piece * (size_t)s,
					    s == nseg - 1 ? len - piece * (size_t)s : piece };
	t->aio = (struct virtio_blk_aio){ .iov = t->iov,
					  .cnt = nseg,
					  .off = off,
					  .len = len,
					  .write = write,
					  .backend_slot = -1 };
	t->done = false;
	t->err = 1;
	return t;
}

static int tx_submit(struct fixture *f, struct tx *t)
{
	return f->be->ops->submit(f->be, &t->aio);
}

/* Reaps (waiting on aio_fd) until want transfers are done in all; fails after ~5 s. */
static void reap_until(struct fixture *f, int want)
{
	for (int spins = 0; f->completed < want; spins++) {
		struct pollfd p = { .fd = f->be->aio_fd, .events = POLLIN };

		if (spins == 500)
			fail_msg("%d of %d transfers done", f->completed, want);
		if (poll(&p, 1, 10) > 0)
			assert_true(f->be->ops->reap(f->be, on_done, f) >= 0);
	}
	assert_int_equal(f->completed, want);
}

static void check_file(struct fixture *f, uint64_t off, size_t len, int pattern)
{
	uint8_t *disk = malloc(len);

	assert_non_null(disk);
	assert_int_equal(pread(f->fd, disk, len, (off_t)off), (ssize_t)len);
	for (size_t i = 0; i < len; i++)
		if (disk[i] != (uint8_t)pattern)
			fail_msg("byte %zu at %llu: 0x%x, not 0x%x", i, (unsigned long long)off,
				 disk[i], pattern);
	free(disk);
}

static void check_buf(const struct tx *t, int pattern)
{
	for (size_t i = 0; i < t->aio.len; i++)
		if (t->buf[i] != (uint8_t)pattern)
			fail_msg("byte %zu: 0x%x, not 0x%x", i, t->buf[i], pattern);
}

static void fill_file(struct fixture *f, uint64_t off, size_t len, int pattern)
{
	uint8_t *b = malloc(len);

	assert_non_null(b);
	memset(b, pattern, len);
	assert_int_equal(pwrite(f->fd, b, len, (off_t)off), (ssize_t)len);
	free(b);
}

static void test_buffered_round_trip(void **state)
{
	struct fixture *f = *state;
	struct tx *t;

	open_backend(f, VIRTIO_BLK_RAW_BUFFERED);
	t = tx_prepare(f, 0, 4096, 8192, true, 2, 0x5a);
	assert_int_equal(tx_submit(f, t), 0);
	/* done comes from reap, never from submit. */
	assert_int_equal(f->completed, 0);
	reap_until(f, 1);
	assert_int_equal(t->err, 0);
	check_file(f, 4096, 8192, 0x5a);

	/* Unaligned, odd segments: buffered I/O takes anything. */
	t = tx_prepare(f, 1, 4096 + 3, 8192 - 3, false, 3, 0);
	assert_int_equal(tx_submit(f, t), 0);
	reap_until(f, 2);
	assert_int_equal(t->err, 0);
	check_buf(t, 0x5a);
	/* Everything reaped: nothing more to report. */
	assert_int_equal(f->be->ops->reap(f->be, on_done, f), 0);
}

static void test_many_in_flight(void **state)
{
	struct fixture *f = *state;

	open_backend(f, VIRTIO_BLK_RAW_BUFFERED);
	for (int i = 0; i < 16; i++)
		assert_int_equal(
			tx_submit(f, tx_prepare(f, i, (uint64_t)i * 8192, 4096, true, 1, 0x10 + i)),
			0);
	reap_until(f, 16);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(f->tx[i].err, 0);
		check_file(f, (uint64_t)i * 8192, 4096, 0x10 + i);
	}
	for (int i = 0; i < 16; i++)
		assert_int_equal(
			tx_submit(f, tx_prepare(f, i, (uint64_t)i * 8192, 4096, false, 2, 0)), 0);
	reap_until(f, 32);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(f->tx[i].err, 0);
		check_buf(&f->tx[i], 0x10 + i);
	}
}

/* The image shrank under us: a read across its end fails, it does not return zeros. */
static void test_read_past_eof(void **state)
{
	struct fixture *f = *state;
	struct tx *t;

	open_backend(f, VIRTIO_BLK_RAW_BUFFERED);
	fill_file(f, DISK_SIZE - 8192, 8192, 0x33);
	assert_int_equal(ftruncate(f->fd, DISK_SIZE - 4096), 0);
	/* Short: the first 4 KiB come, the rest is finished synchronously and hits EOF. */
	t = tx_prepare(f, 0, DISK_SIZE - 8192, 8192, false, 2, 0);
	assert_int_equal(tx_submit(f, t), 0);
	/* Nothing at all: EOF right away. */
	assert_int_equal(tx_submit(f, tx_prepare(f, 1, DISK_SIZE - 4096, 4096, false, 1, 0)), 0);
	reap_until(f, 2);
	assert_int_equal(t->err, -EIO);
	assert_int_equal(f->tx[1].err, -EIO);
}

/* The same through a bounce buffer: the rest of a short direct read hits EOF too. */
static void test_direct_read_past_eof(void **state)
{
	struct fixture *f = *state;
	struct tx *t;

	open_backend(f, VIRTIO_BLK_RAW_DIRECT);
	assert_int_equal(ftruncate(f->fd, DISK_SIZE - (32u << 10)), 0);
	t = tx_prepare(f, 0, DISK_SIZE - (64u << 10), 64u << 10, false, 2, 0);
	assert_int_equal(tx_submit(f, t), 0);
	reap_until(f, 1);
	assert_int_equal(t->err, -EIO);
	/* Its bounce buffer is free again: all eight can be taken. */
	for (int i = 0; i < 8; i++)
		assert_int_equal(tx_submit(f, tx_prepare(f, i, 0, 4096, false, 1, 0)), 0);
	f->be->ops->wait_all(f->be, on_done, f);
	assert_int_equal(f->completed, 9);
}

/* O_DIRECT through the bounce pool: 64 KiB and 1 MiB each way, in unaligned segments. */
static void test_direct_round_trip(void **state)
{
	struct fixture *f = *state;
	static const size_t sizes[] = { 64u << 10, 1u << 20 };

	open_backend(f, VIRTIO_BLK_RAW_DIRECT);
	for (int i = 0; i < 2; i++)
		assert_int_equal(tx_submit(f, tx_prepare(f, i, (uint64_t)(i + 1) << 20, sizes[i],
							 true, 3, 0x61 + i)),
				 0);
	reap_until(f, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(f->tx[i].err, 0);
		check_file(f, (uint64_t)(i + 1) << 20, sizes[i], 0x61 + i);
	}
	/* Written through the page cache: direct reads must see it. */
	fill_file(f, 4u << 20, 1u << 20, 0x7e);
	assert_int_equal(fdatasync(f->fd), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(tx_submit(f, tx_prepare(f, i, (uint64_t)(i + 1) << 20, sizes[i],
							 false, 4, 0)),
				 0);
	assert_int_equal(tx_submit(f, tx_prepare(f, 2, 4u << 20, 1u << 20, false, 1, 0)), 0);
	reap_until(f, 5);
	for (int i = 0; i < 3; i++)
		assert_int_equal(f->tx[i].err, 0);
	check_buf(&f->tx[0], 0x61);
	check_buf(&f->tx[1], 0x62);
	check_buf(&f->tx[2], 0x7e);
}

/*
 * Eight bounce buffers: a ninth direct transfer, or one larger than a
 * bounce buffer, goes back to the caller (-EAGAIN); buffered ones still
 * go. A bounce buffer is free again once its transfer is reaped.
 */
static void test_direct_limits(void **state)
{
	struct fixture *f = *state;
	struct tx *t;

	open_backend(f, VIRTIO_BLK_RAW_DIRECT);
	fill_file(f, 0, 8u * (64u << 10), 0x44);
	assert_int_equal(fdatasync(f->fd), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(tx_submit(f, tx_prepare(f, i, (uint64_t)i * (64u << 10), 64u << 10,
							 false, 2, 0)),
				 0);
	assert_int_equal(tx_submit(f, tx_prepare(f, 8, 0, 64u << 10, false, 1, 0)), -EAGAIN);
	assert_int_equal(tx_submit(f, tx_prepare(f, 9, 0, 2u << 20, true, 1, 0x1)), -EAGAIN);
	/* Unaligned: the page cache, no bounce buffer needed. */
	assert_int_equal(tx_submit(f, tx_prepare(f, 10, 512, 1024, false, 1, 0)), 0);
	f->be->ops->wait_all(f->be, on_done, f);
	assert_int_equal(f->completed, 9);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(f->tx[i].err, 0);
		check_buf(&f->tx[i], 0x44);
	}
	assert_int_equal(f->tx[10].err, 0);
	check_buf(&f->tx[10], 0x44);
	assert_false(f->tx[8].done);
	/* All reaped: the pool is free again. */
	t = tx_prepare(f, 8, 0, 64u << 10, false, 1, 0);
	assert_int_equal(tx_submit(f, t), 0);
	reap_until(f, 10);
	assert_int_equal(t->err, 0);
	check_buf(t, 0x44);
}

static void test_wait_all(void **state)
{
	struct fixture *f = *state;

	open_backend(f, VIRTIO_BLK_RAW_BUFFERED);
	for (int i = 0; i < MAX_TX; i++)
		assert_int_equal(tx_submit(f, tx_prepare(f, i, (uint64_t)i << 16, 32u << 10,
							 i % 2 == 0, 3, 0x20 + i)),
				 0);
	f->be->ops->wait_all(f->be, on_done, f);
	assert_int_equal(f->completed, MAX_TX);
	for (int i = 0; i < MAX_TX; i++)
		assert_int_equal(f->tx[i].err, 0);
	for (int i = 0; i < MAX_TX; i += 2)
		check_file(f, (uint64_t)i << 16, 32u << 10, 0x20 + i);
	/* Nothing in flight: returns at once, and there is nothing left to reap. */
	f->be->ops->wait_all(f->be, on_done, f);
	assert_int_equal(f->be->ops->reap(f->be, on_done, f), 0);
	assert_int_equal(f->completed, MAX_TX);
}

/* Closing with transfers in flight waits for them (ASan would see the kernel write freed memory). */
static void test_close_in_flight(void **state)
{
	struct fixture *f = *state;
	struct virtio_blk_backend *be;

	open_backend(f, VIRTIO_BLK_RAW_DIRECT);
	/* Half direct writes, half direct reads, then unaligned (buffered) writes. */
	for (int i = 0; i < 8; i++) {
		struct tx *t = tx_prepare(f, i, (uint64_t)i << 20, 1u << 20, i < 4, 2, 0x55);

		assert_int_equal(tx_submit(f, t), 0);
	}
	for (int i = 8; i < 16; i++) {
		struct tx *t = tx_prepare(f, i, (uint64_t)i << 12, 1000, true, 1, 0x66);

		assert_int_equal(tx_submit(f, t), 0);
	}
	be = f->be;
	f->be = NULL;
	be->ops->close(be);
	/* Results are dropped: done is never called after close. */
	assert_int_equal(f->completed, 0);
}

/* More than the ring holds in flight: -EAGAIN, and the synchronous path still works. */
static void test_ring_full(void **state)
{
	struct fixture *f = *state;
	static struct tx many[65];
	struct iovec iov;
	uint8_t b = 0;
	int ok = 0, ret;

	open_backend(f, VIRTIO_BLK_RAW_BUFFERED);
	iov = (struct iovec){ &b, 1 };
	for (int i = 0; i < 65; i++) {
		many[i].aio = (struct virtio_blk_aio){
			.iov = &iov, .cnt = 1, .off = (uint64_t)i, .len = 1, .backend_slot = -1
		};
		ret = f->be->ops->submit(f->be, &many[i].aio);
		if (ret == -EAGAIN)
			break;
		assert_int_equal(ret, 0);
		ok++;
	}
	assert_int_equal(ok, 64);
	assert_int_equal(f->be->ops->readv(f->be, &iov, 1, 0), 0);
	f->be->ops->wait_all(f->be, on_done, f);
	assert_int_equal(f->completed, 64);
}

/*
 * The ring is enabled with its restrictions: io_uring_register refuses
 * everything (here: a harmless probe), READV/WRITEV are all it runs.
 */
static void test_ring_restricted(void **state)
{
	struct fixture *f = *state;
	struct io_uring_probe *probe;
	struct dirent *e;
	int rings = 0;
	DIR *d;

	open_backend(f, VIRTIO_BLK_RAW_BUFFERED);
	probe = calloc(1, sizeof(*probe) + 256 * sizeof(probe->ops[0]));
	assert_non_null(probe);
	d = opendir("/proc/self/fd");
	assert_non_null(d);
	while ((e = readdir(d))) {
		char target[64];
		ssize_t n = readlinkat(dirfd(d), e->d_name, target, sizeof(target) - 1);

		if (n < 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, "anon_inode:[io_uring]"))
			continue;
		rings++;
		errno = 0;
		assert_int_equal(syscall(__NR_io_uring_register, atoi(e->d_name),
					 IORING_REGISTER_PROBE, probe, 256),
				 -1);
		assert_int_equal(errno, EACCES);
	}
	closedir(d);
	free(probe);
	assert_int_equal(rings, 1);
}

/*
 * Without io_uring (here: seccomp refuses io_uring_setup, in a child) the
 * backend is synchronous: aio_fd -1, submit -EAGAIN, readv/writev work.
 */
static void test_without_io_uring(void **state)
{
	struct fixture *f = *state;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		struct virtio_blk_backend *be;
		struct virtio_blk_aio aio;
		struct iovec iov;
		char c = 'x', r = 0;

		if (!ctx || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(io_uring_setup), 0) ||
		    seccomp_load(ctx))
			_exit(77);
		seccomp_release(ctx);
		if (virtio_blk_raw_open(&be, f->path, false))
			_exit(1);
		if (be->aio_fd != -1)
			_exit(2);
		iov = (struct iovec){ &c, 1 };
		aio = (struct virtio_blk_aio){ .iov = &iov,
					       .cnt = 1,
					       .off = 100,
					       .len = 1,
					       .write = true,
					       .backend_slot = -1 };
		if (be->ops->submit(be, &aio) != -EAGAIN)
			_exit(3);
		if (be->ops->reap(be, on_done, NULL) != 0)
			_exit(4);
		be->ops->wait_all(be, on_done, NULL);
		if (be->ops->writev(be, &iov, 1, 100))
			_exit(5);
		iov = (struct iovec){ &r, 1 };
		if (be->ops->readv(be, &iov, 1, 100) || r != 'x')
			_exit(6);
		be->ops->close(be);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip(); /* no seccomp here */
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void note_done(struct virtio_blk_aio *aio, int err, void *opaque)
{
	(void)aio;
	*(int *)opaque = err ? err : 1;
}

/* Child of test_prepared_rings: 0 or the step that failed. */
static int prepared_rings_child(const char *path)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	struct virtio_blk_backend *be[3];
	struct virtio_blk_aio aio;
	struct iovec iov;
	char c = 'p';
	int done = 0;

	if (virtio_blk_prepare_rings(2))
		return 77; /* no io_uring here */
	if (virtio_blk_prepare_rings(2) != -EBUSY)
		return 10;
	/* Like the devmodel: the filter forbids new rings; disks opened after it share the two. */
	if (!ctx || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    seccomp_rule_add(ctx, SCMP_ACT_KILL, SCMP_SYS(io_uring_setup), 0) || seccomp_load(ctx))
		return 78;
	seccomp_release(ctx);
	for (int i = 0; i < 3; i++)
		if (virtio_blk_raw_open(&be[i], path, false))
			return 11;
	if (be[0]->aio_fd < 0 || be[1]->aio_fd < 0 || be[2]->aio_fd != -1)
		return 12;
	/* A closed disk's ring serves the next one. */
	be[1]->ops->close(be[1]);
	be[2]->ops->close(be[2]);
	if (virtio_blk_raw_open(&be[1], path, false) || be[1]->aio_fd < 0)
		return 13;
	iov = (struct iovec){ &c, 1 };
	aio = (struct virtio_blk_aio){
		.iov = &iov, .cnt = 1, .off = 7, .len = 1, .write = true, .backend_slot = -1
	};
	if (be[1]->ops->submit(be[1], &aio))
		return 14;
	be[1]->ops->wait_all(be[1], note_done, &done);
	if (done != 1)
		return 15;
	be[0]->ops->close(be[0]);
	be[1]->ops->close(be[1]);
	return 0;
}

/*
 * virtio_blk_prepare_rings (the devmodel, before its seccomp filter): disks
 * opened later, under a filter that kills io_uring_setup, take the prepared
 * rings, reuse them when others close, and stay synchronous when none is
 * left instead of making a new one.
 */
static void test_prepared_rings(void **state)
{
	struct fixture *f = *state;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(prepared_rings_child(f->path));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && (WEXITSTATUS(status) == 77 || WEXITSTATUS(status) == 78))
		skip(); /* no io_uring or no seccomp here */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SV_TEST(test_buffered_round_trip),
		SV_TEST(test_many_in_flight),
		SV_TEST(test_read_past_eof),
		SV_TEST(test_direct_read_past_eof),
		SV_TEST(test_direct_round_trip),
		SV_TEST(test_direct_limits),
		SV_TEST(test_wait_all),
		SV_TEST(test_close_in_flight),
		SV_TEST(test_ring_full),
		SV_TEST(test_ring_restricted),
		SV_TEST(test_without_io_uring),
		SV_TEST(test_prepared_rings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
