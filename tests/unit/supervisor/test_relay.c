// SPDX-License-Identifier: GPL-2.0
/*
 * The supervisor's line relay on its own: lines in pieces, long lines,
 * UTF-8 at a cut, two VMs on one output, EOF with an unfinished line, a
 * pipe that is empty for now, a full non-blocking output, a closed one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../support/unit.h"

#include <splitvirt/log.h>

#include "../../../supervisor/relay.h"

static int out; /* memfd the relays write to */
static char got[64 * 1024];

static int setup(void **state)
{
	(void)state;
	out = memfd_create("relay-out", MFD_CLOEXEC);
	return out < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	close(out);
	return 0;
}

/* Everything written to out so far, NUL-terminated. */
static const char *output(void)
{
	ssize_t n = pread(out, got, sizeof(got) - 1, 0);

	assert_true(n >= 0);
	got[n] = '\0';
	return got;
}

static void feed(struct sup_relay *r, const char *s)
{
	assert_int_equal(sup_relay_feed(r, s, strlen(s)), 0);
}

static void test_partial_lines(void **state)
{
	struct sup_relay r;

	(void)state;
	sup_relay_init(&r, -1, out, "app", true);
	feed(&r, "hel");
	assert_string_equal(output(), ""); /* held until its newline */
	feed(&r, "lo\nwor");
	assert_string_equal(output(), "[app] hello\n");
	feed(&r, "ld\r\n\n");
	/* Bytes are kept as they are, \r and empty lines too. */
	assert_string_equal(output(), "[app] hello\n[app] world\r\n[app] \n");
	feed(&r, "last");
	assert_int_equal(sup_relay_flush(&r), 0);
	assert_string_equal(output(), "[app] hello\n[app] world\r\n[app] \n[app] last\n");
	assert_int_equal(sup_relay_flush(&r), 0); /* nothing left: nothing written */
	assert_int_equal(strlen(output()),
			 strlen("[app] hello\n[app] world\r\n[app] \n[app] last\n"));
}

/* Lines beyond SUP_RELAY_LINE_MAX come out in prefixed pieces, every byte kept. */
static void test_long_line(void **state)
{
	static char line[10000 + 2];
	struct sup_relay r;
	const char *o, *p;
	size_t total = 0;
	int pieces = 0;

	(void)state;
	memset(line, 'x', 10000);
	strcpy(line + 10000, "\n");
	sup_relay_init(&r, -1, out, "devvm", true);
	/* In odd-sized chunks, as a pipe would hand them over. */
	for (size_t off = 0; off < sizeof(line) - 1; off += 777)
		assert_int_equal(
			sup_relay_feed(&r, line + off,
				       sizeof(line) - 1 - off < 777 ? sizeof(line) - 1 - off : 777),
			0);
	o = output();
	for (p = o; *p; pieces++) {
		const char *nl = strchr(p, '\n');

		assert_non_null(nl);
		assert_int_equal(strncmp(p, "[devvm] ", 8), 0);
		assert_true((size_t)(nl - p - 8) <= SUP_RELAY_LINE_MAX);
		assert_int_equal(strspn(p + 8, "x"), (size_t)(nl - p - 8));
		total += (size_t)(nl - p - 8);
		p = nl + 1;
	}
	assert_int_equal(pieces, 3);
	assert_int_equal(total, 10000);
}

/* A cut never splits a UTF-8 character: it moves to the next piece. */
static void test_cut_keeps_utf8(void **state)
{
	static char line[SUP_RELAY_LINE_MAX + 16];
	struct sup_relay r;
	const char *o;

	(void)state;
	memset(line, 'a', SUP_RELAY_LINE_MAX - 1);
	strcpy(line + SUP_RELAY_LINE_MAX - 1, "\xe2\x82\xac!\n"); /* euro sign: 3 bytes */
	sup_relay_init(&r, -1, out, "a", true);
	feed(&r, line);
	o = output();
	assert_int_equal(strspn(o + 4, "a"), SUP_RELAY_LINE_MAX - 1);
	assert_string_equal(o + 4 + SUP_RELAY_LINE_MAX - 1, "\n[a] \xe2\x82\xac!\n");
}

/* Two VMs writing byte by byte at once: each line still comes out whole. */
static void test_two_writers(void **state)
{
	static const char a[] = "alpha says one\nalpha says two\n";
	static const char b[] = "beta: first line is longer\nbeta: 2\n";
	struct sup_relay ra, rb;

	(void)state;
	sup_relay_init(&ra, -1, out, "alpha", true);
	sup_relay_init(&rb, -1, out, "beta", true);
	for (size_t i = 0; i < sizeof(a) - 1 || i < sizeof(b) - 1; i++) {
		if (i < sizeof(a) - 1)
			assert_int_equal(sup_relay_feed(&ra, a + i, 1), 0);
		if (i < sizeof(b) - 1)
			assert_int_equal(sup_relay_feed(&rb, b + i, 1), 0);
	}
	/* In the order the lines were completed. */
	assert_string_equal(output(), "[alpha] alpha says one\n"
				      "[beta] beta: first line is longer\n"
				      "[alpha] alpha says two\n"
				      "[beta] beta: 2\n");
}

/* From a pipe: nothing yet is -EAGAIN; EOF flushes the unfinished line and closes. */
static void test_pipe_eof(void **state)
{
	struct sup_relay r;
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	sup_relay_init(&r, p[0], out, "app", false);
	assert_int_equal(sup_relay_read(&r), -EAGAIN);
	assert_int_equal(write(p[1], "one\ntw", 6), 6);
	assert_int_equal(sup_relay_read(&r), -EAGAIN);
	assert_string_equal(output(), "one\n"); /* unprefixed: a per-VM file */
	assert_int_equal(write(p[1], "o", 1), 1);
	close(p[1]);
	assert_int_equal(sup_relay_read(&r), 0);
	assert_int_equal(r.in, -1);
	assert_string_equal(output(), "one\ntwo\n");
	sup_relay_close(&r); /* already closed: nothing happens */
	assert_string_equal(output(), "one\ntwo\n");
}

struct reader {
	int fd;
	size_t got;
	char buf[256 * 1024];
};

static void *read_slowly(void *arg)
{
	struct reader *rd = arg;
	ssize_t n;

	usleep(50 * 1000); /* let the pipe fill up first */
	while ((n = read(rd->fd, rd->buf + rd->got, sizeof(rd->buf) - rd->got)) > 0) {
		rd->got += (size_t)n;
		usleep(1000);
	}
	return NULL;
}

/* A full non-blocking output (EAGAIN, short writes): the relay waits, loses nothing. */
static void test_full_output(void **state)
{
	static struct reader rd;
	char line[3001];
	struct sup_relay r;
	pthread_t t;
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	rd.fd = p[0];
	assert_int_equal(pthread_create(&t, NULL, read_slowly, &rd), 0);
	memset(line, 'z', sizeof(line) - 2);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	sup_relay_init(&r, -1, p[1], "vm", true);
	for (int i = 0; i < 40; i++)
		feed(&r, line);
	close(p[1]);
	pthread_join(t, NULL);
	close(p[0]);
	assert_int_equal(rd.got, 40 * (5 + sizeof(line) - 1));
	for (size_t off = 0; off < rd.got; off += 5 + sizeof(line) - 1) {
		assert_memory_equal(rd.buf + off, "[vm] ", 5);
		assert_memory_equal(rd.buf + off + 5, line, sizeof(line) - 1);
	}
}

/* A closed output: the error is kept, later lines are dropped, nothing blocks. */
static void test_closed_output(void **state)
{
	struct sup_relay r;
	sigset_t pipe_set;
	int p[2];

	(void)state;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, NULL); /* as the supervisor's run does */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	sup_relay_init(&r, -1, p[1], "vm", true);
	assert_int_equal(sup_relay_feed(&r, "lost\n", 5), -EPIPE);
	assert_int_equal(sup_relay_feed(&r, "also lost\n", 10), -EPIPE);
	assert_int_equal(r.len, 0);
	close(p[1]);
}

#define T(f) SV_TEST(f)

int main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_partial_lines), T(test_long_line), T(test_cut_keeps_utf8),
		T(test_two_writers),   T(test_pipe_eof),  T(test_full_output),
		T(test_closed_output),
	};

	sv_log_set_level(SV_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
