// SPDX-License-Identifier: GPL-2.0
/*
 * tcpbench: TCP bulk-throughput sender/receiver pair for bench/net-local and
 * bench/crossvm. The receiver (-s) counts the bytes of each connection until
 * the sender shuts its side down, then sends the count back (8 bytes, big
 * endian). The sender (-c HOST) writes for a fixed time, shuts down, waits
 * for the count and prints one parseable line:
 *   BENCH test=<name> secs=<s> bytes=<n> mbits=<Mbit/s>
 * The time runs from the connection's establishment to the receiver's count,
 * so every counted byte has arrived. Mbit/s are 10^6 bits per second.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"

#define BUF_SIZE (128 * 1024)

static char buf[BUF_SIZE];

/* Prints the usage; returns status, for "return usage(...)". */
static int usage(FILE *f, int status)
{
	fprintf(f, "Usage: tcpbench -s [-p PORT] [-B ADDR] [-n CONNECTIONS]\n"
		   "       tcpbench -c HOST [-p PORT] [-t SECONDS] [-l WRITE_BYTES] [-N NAME]\n"
		   "-s: receive connections (forever, or -n of them), print a line for each.\n"
		   "-c: send to HOST for SECONDS (default 3) in writes of WRITE_BYTES\n"
		   "    (default 131072), then print\n"
		   "    BENCH test=NAME secs=.. bytes=.. mbits=..   (NAME default tcp-tx)\n"
		   "Port default 5201. Connecting is retried for 20 s.\n");
	return status;
}

static int read_full(int fd, void *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

static int serve(uint16_t port, const char *bind_addr, long count)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);

	if (bind_addr && inet_pton(AF_INET, bind_addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "tcpbench: bad address '%s'\n", bind_addr);
		return 2;
	}
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 4)) {
		fprintf(stderr, "tcpbench: cannot listen on port %u: %s\n", port, strerror(errno));
		return 1;
	}
	printf("tcpbench: listening on port %u\n", port);
	fflush(stdout);
	for (long i = 0; count < 0 || i < count; i++) {
		uint64_t total = 0, be;
		double t0, t1;
		ssize_t r;
		int c = accept(ls, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "tcpbench: accept: %s\n", strerror(errno));
			return 1;
		}
		t0 = bench_now();
		while ((r = read(c, buf, sizeof(buf))) != 0) {
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				break;
			total += (uint64_t)r;
		}
		t1 = bench_now();
		be = htobe64(total);
		if (write(c, &be, sizeof(be)) != sizeof(be))
			fprintf(stderr, "tcpbench: could not send the count back\n");
		close(c);
		printf("TCPBENCH-RECV bytes=%" PRIu64 " secs=%.3f mbits=%.1f%s\n", total, t1 - t0,
		       t1 > t0 ? (double)total * 8 / (t1 - t0) / 1e6 : 0.0, r < 0 ? " error" : "");
		fflush(stdout);
	}
	close(ls);
	return 0;
}

static int send_to(const char *host, uint16_t port, double secs, size_t len, const char *name)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	uint64_t sent = 0, got;
	double t0, t1, give_up;
	int s = -1;

	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "tcpbench: bad IPv4 address '%s'\n", host);
		return 2;
	}
	give_up = bench_now() + 20;
	for (;;) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0) {
			fprintf(stderr, "tcpbench: socket: %s\n", strerror(errno));
			return 1;
		}
		if (!connect(s, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		close(s);
		if (bench_now() > give_up) {
			fprintf(stderr, "tcpbench: cannot connect to %s:%u: %s\n", host, port,
				strerror(errno));
			return 1;
		}
		usleep(200000);
	}
	memset(buf, 0x5a, sizeof(buf));
	t0 = bench_now();
	while (bench_now() - t0 < secs) {
		ssize_t w = write(s, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fprintf(stderr, "tcpbench: write: %s\n", strerror(errno));
			return 1;
		}
		sent += (uint64_t)w;
	}
	if (shutdown(s, SHUT_WR) || read_full(s, &got, sizeof(got))) {
		fprintf(stderr, "tcpbench: no byte count from the receiver\n");
		return 1;
	}
	t1 = bench_now();
	got = be64toh(got);
	close(s);
	if (got != sent) {
		fprintf(stderr, "tcpbench: sent %" PRIu64 " bytes, receiver counted %" PRIu64 "\n",
			sent, got);
		return 1;
	}
	printf("BENCH test=%s secs=%.3f bytes=%" PRIu64 " mbits=%.1f\n", name, t1 - t0, got,
	       (double)got * 8 / (t1 - t0) / 1e6);
	return 0;
}

int main(int argc, char **argv)
{
	const char *host = NULL, *bind_addr = NULL, *name = "tcp-tx";
	unsigned long port = 5201;
	long count = -1;
	size_t len = BUF_SIZE;
	double secs = 3;
	int c, server = 0;

	while ((c = getopt(argc, argv, "sc:p:B:n:t:l:N:h")) != -1) {
		switch (c) {
		case 's':
			server = 1;
			break;
		case 'c':
			host = optarg;
			break;
		case 'p':
			port = strtoul(optarg, NULL, 10);
			break;
		case 'B':
			bind_addr = optarg;
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		case 'l':
			len = strtoul(optarg, NULL, 10);
			break;
		case 'N':
			name = optarg;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, 2);
		}
	}
	if (optind != argc || server == !!host || !port || port > 65535 || !len || len > BUF_SIZE ||
	    secs <= 0) {
		return usage(stderr, 2);
	}
	signal(SIGPIPE, SIG_IGN);
	if (server)
		return serve((uint16_t)port, bind_addr, count);
	return send_to(host, (uint16_t)port, secs, len, name);
}
