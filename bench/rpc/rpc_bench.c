// SPDX-License-Identifier: GPL-2.0
/*
 * RPC round-trip benchmark: a driver process and a device process share a
 * memfd iobuf. Measures single-request latency (median, p99) and pipelined
 * throughput, with eventfd doorbells and with busy polling.
 *
 *   rpc_bench [-n iterations] [-w window] [-p pages] [-m eventfd|poll|all]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <splitvirt/log.h>
#include <splitvirt/rpc_posix.h>

#define STOP_MAGIC 0x570957095709ull
#define GIVE_UP_MS 120000

struct bench {
	int iobuf, to_dev, to_drv;
	__u32 size;
	int poll_mode;
	unsigned long iterations;
	unsigned int window;
};

static int device_main(const struct bench *b)
{
	__u64 deadline = sv_rpc_now_ns() + GIVE_UP_MS * 1000000ull;
	struct sv_rpc_dev dev;
	struct sv_rpc_msg m;
	void *base;

	if (sv_rpc_iobuf_map(b->iobuf, b->size, &base) || sv_rpc_dev_open(&dev, base, b->size))
		return 1;
	for (unsigned long spins = 0;; spins++) {
		int served = 0, stop = 0;

		if (!b->poll_mode)
			sv_rpc_doorbell_wait(b->to_dev, 100);
		else if ((spins & 0xfffff) == 0 && !sv_rpc_ms_left(deadline))
			return 2;
		if (sv_rpc_dev_sync(&dev) && !b->poll_mode)
			sv_rpc_doorbell_ring(b->to_drv);
		while (sv_rpc_dev_recv(&dev, &m) == 0) {
			stop |= m.arg[0] == STOP_MAGIC;
			m.arg[1] = m.arg[0] + 1; /* the "work": a checked answer */
			if (sv_rpc_dev_reply(&dev, &m, 0))
				return 3;
			served = 1;
		}
		if (served && !b->poll_mode)
			sv_rpc_doorbell_ring(b->to_drv);
		if (stop)
			return 0;
		if (!b->poll_mode && !sv_rpc_ms_left(deadline))
			return 2;
	}
}

/* Waits for one completion; busy-polls or sleeps on the doorbell. */
static int wait_reply(const struct bench *b, struct sv_rpc_drv *d, struct sv_rpc_msg *rep)
{
	__u64 deadline = sv_rpc_now_ns() + 5000 * 1000000ull;

	for (unsigned long spins = 0;; spins++) {
		int ret = sv_rpc_drv_recv_reply(d, rep);

		if (ret == 0)
			return rep->status ? rep->status : 0;
		if (ret != -EAGAIN)
			return ret;
		if (!b->poll_mode)
			sv_rpc_doorbell_wait(b->to_drv, 100);
		if ((spins & 0xffff) == 0 && !sv_rpc_ms_left(deadline))
			return -ETIMEDOUT;
	}
}

static int send_nop(const struct bench *b, struct sv_rpc_drv *d, __u32 slot, __u64 value)
{
	struct sv_rpc_msg m;
	int ret;

	sv_rpc_msg_init(&m, SV_RPC_OP_NOP);
	m.arg[0] = value;
	ret = sv_rpc_drv_send(d, slot, &m);
	if (!ret && !b->poll_mode)
		ret = sv_rpc_doorbell_ring(b->to_dev);
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static int latency(const struct bench *b, struct sv_rpc_drv *d)
{
	__u64 *ns = calloc(b->iterations, sizeof(*ns));
	struct sv_rpc_msg rep;
	double sum = 0;

	if (!ns)
		return -ENOMEM;
	for (unsigned long i = 0; i < b->iterations; i++) {
		__u64 t0 = sv_rpc_now_ns();
		int ret = send_nop(b, d, 0, i);

		if (!ret)
			ret = wait_reply(b, d, &rep);
		if (ret || rep.arg[1] != i + 1) {
			fprintf(stderr, "latency: round trip %lu failed: %d\n", i, ret);
			free(ns);
			return ret ? ret : -EIO;
		}
		ns[i] = sv_rpc_now_ns() - t0;
		sum += (double)ns[i];
	}
	qsort(ns, b->iterations, sizeof(*ns), cmp_u64);
	printf("  latency    %8lu round trips: median %7.2f us  p99 %7.2f us  "
	       "mean %7.2f us\n",
	       b->iterations, ns[b->iterations / 2] / 1e3, ns[b->iterations * 99 / 100] / 1e3,
	       sum / b->iterations / 1e3);
	free(ns);
	return 0;
}

static int throughput(const struct bench *b, struct sv_rpc_drv *d)
{
	unsigned long sent = 0, done = 0, total = b->iterations * 4;
	__u64 t0 = sv_rpc_now_ns(), t;
	struct sv_rpc_msg rep;

	while (done < total) {
		while (sent < total && sent - done < b->window) {
			int slot = sv_rpc_drv_slot_alloc(d);
			int ret = slot < 0 ? slot : send_nop(b, d, (__u32)slot, sent);

			if (ret)
				return ret;
			sent++;
		}
		if (wait_reply(b, d, &rep))
			return -EIO;
		if (rep.arg[1] != rep.arg[0] + 1)
			return -EIO;
		done++;
		while (sv_rpc_drv_recv_reply(d, &rep) == 0)
			done++;
	}
	t = sv_rpc_now_ns() - t0;
	printf("  throughput %8lu requests, window %3u: %10.0f round trips/s "
	       "(%.2f us each)\n",
	       total, b->window, total / (t / 1e9), t / 1e3 / total);
	return 0;
}

static int run(struct bench *b)
{
	struct sv_rpc_drv d;
	void *base;
	pid_t pid;
	int status, ret;

	if (sv_rpc_iobuf_create(b->size, &b->iobuf) || sv_rpc_iobuf_map(b->iobuf, b->size, &base) ||
	    sv_rpc_iobuf_init(base, b->size) || sv_rpc_doorbell_create(&b->to_dev) ||
	    sv_rpc_doorbell_create(&b->to_drv))
		return -EIO;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(device_main(b));
	ret = sv_rpc_drv_open(&d, base, b->size);
	if (!ret)
		ret = sv_rpc_drv_wait_connected(&d, b->to_dev, b->to_drv, 5000);
	printf("%s (iobuf %u KiB, %u slots):\n", b->poll_mode ? "busy-poll" : "eventfd doorbells",
	       b->size / 1024, d.ep.lay.nslots);
	if (b->window > d.ep.lay.nslots)
		b->window = d.ep.lay.nslots;
	if (!ret)
		ret = latency(b, &d);
	if (!ret)
		ret = throughput(b, &d);
	if (!ret) {
		struct sv_rpc_msg rep;

		ret = send_nop(b, &d, 0, STOP_MAGIC);
		if (!ret)
			ret = wait_reply(b, &d, &rep);
	}
	if (ret)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	sv_rpc_iobuf_unmap(base, b->size);
	close(b->iobuf);
	close(b->to_dev);
	close(b->to_drv);
	if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status)))
		ret = -EIO;
	return ret;
}

int main(int argc, char **argv)
{
	struct bench b = { .size = 2 * SV_RPC_PAGE_SIZE, .iterations = 20000, .window = 16 };
	const char *mode = "all";
	int opt, ret = 0;

	while ((opt = getopt(argc, argv, "n:w:p:m:h")) != -1) {
		switch (opt) {
		case 'n':
			b.iterations = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			b.window = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'p':
			b.size = (__u32)strtoul(optarg, NULL, 0) * SV_RPC_PAGE_SIZE;
			break;
		case 'm':
			mode = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-n iterations] [-w window] "
				"[-p pages] [-m eventfd|poll|all]\n",
				argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (!b.iterations || !b.window) {
		fprintf(stderr, "rpc_bench: -n and -w must be > 0\n");
		return 2;
	}
	sv_log_set_prefix("rpc_bench");
	if (strcmp(mode, "poll") != 0) {
		b.poll_mode = 0;
		ret = run(&b);
	}
	if (!ret && strcmp(mode, "eventfd") != 0) {
		if (sysconf(_SC_NPROCESSORS_ONLN) < 3)
			printf("note: busy-poll keeps two CPUs spinning; with %ld "
			       "CPUs (and other load) its tail latency suffers\n",
			       sysconf(_SC_NPROCESSORS_ONLN));
		b.poll_mode = 1;
		ret = run(&b);
	}
	if (ret)
		fprintf(stderr, "rpc_bench: failed: %s\n", strerror(-ret));
	return ret ? 1 : 0;
}
