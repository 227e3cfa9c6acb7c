// SPDX-License-Identifier: GPL-2.0
/* Userspace conveniences for the RPC library: memfd, eventfd, poll. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <splitvirt/rpc_posix.h>

int sv_rpc_iobuf_create(__u32 size, int *fd)
{
	int f = memfd_create("splitvirt-iobuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (f < 0)
		return -errno;
	if (ftruncate(f, size) < 0 ||
	    fcntl(f, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		int err = -errno;

		close(f);
		return err;
	}
	*fd = f;
	return 0;
}

int sv_rpc_iobuf_map(int fd, __u32 size, void **base)
{
	struct stat st;
	void *p;

	if (fstat(fd, &st) < 0)
		return -errno;
	/* A shorter file would turn accesses past its end into SIGBUS. */
	if (st.st_size != (off_t)size)
		return -EINVAL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*base = p;
	return 0;
}

int sv_rpc_iobuf_unmap(void *base, __u32 size)
{
	return munmap(base, size) < 0 ? -errno : 0;
}

int sv_rpc_doorbell_create(int *fd)
{
	int f = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (f < 0)
		return -errno;
	*fd = f;
	return 0;
}

int sv_rpc_doorbell_ring(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) == sizeof(one))
		return 0;
	/* EAGAIN: the counter is saturated, so the peer will wake anyway. */
	return errno == EAGAIN ? 0 : -errno;
}

int sv_rpc_doorbell_wait(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t val;
	int n;

	do {
		n = poll(&pfd, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (read(fd, &val, sizeof(val)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

__u64 sv_rpc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

int sv_rpc_ms_left(__u64 deadline_ns)
{
	__u64 now = sv_rpc_now_ns();

	if (now >= deadline_ns)
		return 0;
	return (int)((deadline_ns - now + 999999) / 1000000);
}

static __u64 deadline_after(int timeout_ms)
{
	return sv_rpc_now_ns() + (__u64)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000ull;
}

int sv_rpc_drv_wait_connected(struct sv_rpc_drv *d, int tx_db, int rx_db, int timeout_ms)
{
	__u64 deadline = deadline_after(timeout_ms);

	for (;;) {
		int left, ret;

		sv_rpc_drv_sync(d);
		if (sv_rpc_drv_connected(d))
			return 0;
		left = sv_rpc_ms_left(deadline);
		if (!left)
			return -ETIMEDOUT;
		ret = sv_rpc_doorbell_ring(tx_db);
		if (ret)
			return ret;
		/* Short waits: the ack may come without a doorbell. */
		ret = sv_rpc_doorbell_wait(rx_db, left < 10 ? left : 10);
		if (ret && ret != -ETIMEDOUT)
			return ret;
	}
}

int sv_rpc_drv_call(struct sv_rpc_drv *d, int tx_db, int rx_db, __u32 slot,
		    const struct sv_rpc_msg *req, struct sv_rpc_msg *reply, int timeout_ms)
{
	__u64 deadline = deadline_after(timeout_ms);
	int ret = sv_rpc_drv_send(d, slot, req);

	if (ret)
		return ret;
	ret = sv_rpc_doorbell_ring(tx_db);
	if (ret)
		return ret;
	for (;;) {
		int left;

		ret = sv_rpc_drv_recv_reply(d, reply);
		if (ret == 0 && reply->slot == slot)
			return 0;
		left = sv_rpc_ms_left(deadline);
		if (!left)
			return -ETIMEDOUT;
		/* Another slot's completion, or a flushed ring: look again. */
		if (ret == 0 || ret == -EPROTO)
			continue;
		ret = sv_rpc_doorbell_wait(rx_db, left);
		if (ret && ret != -ETIMEDOUT)
			return ret;
	}
}
