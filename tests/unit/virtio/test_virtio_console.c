// SPDX-License-Identifier: GPL-2.0
/* virtio-console through virtio-pci: pipe (stdio-like), pty and unix socket backends. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_console.h>

#include <splitvirt/virtio_console.h>

#include "../../support/testdrv.h"

#define RXQ 0
#define TXQ 1

struct con_fixture {
	struct testdrv td;
	int to_guest[2]; /* host writes [1], device reads [0] */
	int from_guest[2]; /* device writes [1], host reads [0] */
	char path[108];
};

static void start_q(struct con_fixture *f, struct virtio_console_backend *be, uint16_t qsize)
{
	struct virtio_dev *dev;

	assert_int_equal(virtio_console_create(&dev, &f->td.gm, be), 0);
	assert_int_equal(td_attach(&f->td, dev), 0);
	assert_int_equal(td_start(&f->td, ~0ull, qsize), 0);
}

static void start(struct con_fixture *f, struct virtio_console_backend *be)
{
	start_q(f, be, 16);
}

static int setup_pipes_q(void **state, uint16_t qsize)
{
	struct con_fixture *f = calloc(1, sizeof(*f));
	struct virtio_console_backend *be;

	assert_int_equal(td_init(&f->td), 0);
	assert_int_equal(pipe(f->to_guest), 0);
	assert_int_equal(pipe(f->from_guest), 0);
	assert_int_equal(virtio_console_fd_backend(&be, f->to_guest[0], f->from_guest[1], true), 0);
	start_q(f, be, qsize);
	fcntl(f->from_guest[0], F_SETFL, O_NONBLOCK);
	*state = f;
	return 0;
}

static int setup_pipes(void **state)
{
	return setup_pipes_q(state, 16);
}

/* Room for more receive buffers than one drain budget. */
static int setup_pipes_big(void **state)
{
	return setup_pipes_q(state, 256);
}

static int teardown(void **state)
{
	struct con_fixture *f = *state;

	td_destroy(&f->td);
	if (f->to_guest[1] > 0) {
		close(f->to_guest[1]);
		close(f->from_guest[0]);
	}
	if (f->path[0])
		unlink(f->path);
	free(f);
	return 0;
}

static void guest_send(struct testdrv *td, const char *s)
{
	size_t n = strlen(s);
	uint64_t g = gram_alloc(&td->ram, n, 1);
	struct gbuf b = { g, (uint32_t)n, false };

	memcpy(gram_ptr(&td->ram, g), s, n);
	gvring_add(&td->vr[TXQ], &b, 1);
	gvring_publish(&td->vr[TXQ]);
	td_kick(td, TXQ);
	td_run_host(td);
}

static uint64_t guest_post_rx(struct testdrv *td, uint32_t len)
{
	uint64_t g = gram_alloc(&td->ram, len, 1);
	struct gbuf b = { g, len, true };

	gvring_add(&td->vr[RXQ], &b, 1);
	gvring_publish(&td->vr[RXQ]);
	td_kick(td, RXQ);
	td_run_host(td);
	return g;
}

static int guest_recv(struct testdrv *td, uint64_t g, char *out)
{
	uint16_t head;
	uint32_t len;

	if (!gvring_get_used(&td->vr[RXQ], &head, &len))
		return -1;
	memcpy(out, gram_ptr(&td->ram, g), len);
	out[len] = 0;
	return (int)len;
}

static void test_echo_pipes(void **state)
{
	struct con_fixture *f = *state;
	struct testdrv *td = &f->td;
	char buf[64];
	ssize_t n;
	uint64_t g;
	uint16_t head;
	uint32_t len;

	assert_int_equal(
		td_read(td, &td->device, offsetof(struct virtio_console_config, max_nr_ports), 4),
		1);
	guest_send(td, "hello from guest\n");
	assert_true(gvring_get_used(&td->vr[TXQ], &head, &len));
	assert_int_equal(len, 0);
	n = read(f->from_guest[0], buf, sizeof(buf));
	assert_int_equal(n, 17);
	/* Echo it back: the host loop sees the pipe readable. */
	g = guest_post_rx(td, 64);
	assert_int_equal(write(f->to_guest[1], buf, (size_t)n), n);
	/* Delivered into the only buffer: now blocked until the guest posts more. */
	assert_int_equal(virtio_dev_handle_backend(td->dev), 0);
	assert_true(td_irq(td, td_queue_vector(RXQ)));
	assert_int_equal(guest_recv(td, g, buf), 17);
	assert_string_equal(buf, "hello from guest\n");
}

static void test_rx_waits_for_buffers(void **state)
{
	struct con_fixture *f = *state;
	struct testdrv *td = &f->td;
	char buf[64];
	uint64_t g;

	assert_int_equal(write(f->to_guest[1], "queued", 6), 6);
	/* No receive buffers: the device reports "blocked" and reads nothing. */
	assert_int_equal(virtio_dev_handle_backend(td->dev), 0);
	/* The guest posts a buffer and kicks: the input arrives, nothing lost. */
	g = guest_post_rx(td, 3);
	assert_int_equal(guest_recv(td, g, buf), 3);
	assert_string_equal(buf, "que");
	g = guest_post_rx(td, 16);
	assert_int_equal(guest_recv(td, g, buf), 3);
	assert_string_equal(buf, "ued");
	/* Nothing left: a new buffer stays posted, no used entry. */
	g = guest_post_rx(td, 16);
	assert_int_equal(virtio_dev_handle_backend(td->dev), 1);
	assert_int_equal(guest_recv(td, g, buf), -1);
}

/*
 * Host input and guest buffers both plentiful: one backend wake-up fills
 * at most a budget of buffers and asks to be polled again for the rest.
 */
static void test_rx_budget(void **state)
{
	struct con_fixture *f = *state;
	struct testdrv *td = &f->td;
	const int total = VIRTIO_DEV_DRAIN_CHAINS + 36;
	char in[VIRTIO_DEV_DRAIN_CHAINS + 36];
	uint16_t head;
	uint32_t len;
	int i, n;

	for (i = 0; i < total; i++) {
		struct gbuf b = { gram_alloc(&td->ram, 1, 1), 1, true };

		assert_true(gvring_add(&td->vr[RXQ], &b, 1) >= 0);
	}
	gvring_publish(&td->vr[RXQ]);
	memset(in, 'y', sizeof(in));
	assert_int_equal(write(f->to_guest[1], in, sizeof(in)), (ssize_t)sizeof(in));
	assert_int_equal(virtio_dev_handle_backend(td->dev), 1);
	for (n = 0; gvring_get_used(&td->vr[RXQ], &head, &len); n++)
		assert_int_equal(len, 1);
	assert_int_equal(n, VIRTIO_DEV_DRAIN_CHAINS);
	/* The rest, and then the guest is out of buffers: blocked. */
	assert_int_equal(virtio_dev_handle_backend(td->dev), 0);
	for (n = 0; gvring_get_used(&td->vr[RXQ], &head, &len); n++)
		assert_int_equal(len, 1);
	assert_int_equal(n, total - VIRTIO_DEV_DRAIN_CHAINS);
}

static void test_emergency_write(void **state)
{
	struct con_fixture *f = *state;
	struct testdrv *td = &f->td;
	char c = 0;

	assert_true(td->features & (1ull << VIRTIO_CONSOLE_F_EMERG_WRITE));
	td_write(td, &td->device, offsetof(struct virtio_console_config, emerg_wr), 4, '!');
	assert_int_equal(read(f->from_guest[0], &c, 1), 1);
	assert_int_equal(c, '!');
}

static void test_output_dropped_when_reader_stuck(void **state)
{
	struct con_fixture *f = *state;
	struct testdrv *td = &f->td;
	static char big[4097];
	int i;

	memset(big, 'x', sizeof(big) - 1);
	/* Fill the pipe far beyond its capacity: the device never blocks. */
	for (i = 0; i < 40; i++) {
		uint16_t head;
		uint32_t len;

		td->ram.next = 0x100000; /* reuse scratch guest memory */
		guest_send(td, big);
		assert_true(gvring_get_used(&td->vr[TXQ], &head, &len));
	}
	assert_false(td_status(td) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_pipe_eof_stops_polling(void **state)
{
	struct con_fixture *f = *state;
	struct testdrv *td = &f->td;

	guest_post_rx(td, 16);
	close(f->to_guest[1]);
	f->to_guest[1] = dup(f->from_guest[0]); /* keep teardown simple */
	assert_int_equal(virtio_dev_handle_backend(td->dev), 0);
}

static void test_pty(void **state)
{
	struct con_fixture *f = calloc(1, sizeof(*f));
	struct virtio_console_backend *be;
	char slave[64], buf[64];
	struct testdrv *td = &f->td;
	uint64_t g;
	int s, tries;
	ssize_t n = -1;

	*state = f;
	assert_int_equal(td_init(td), 0);
	assert_int_equal(virtio_console_pty_backend(&be, slave, sizeof(slave)), 0);
	start(f, be);
	s = open(slave, O_RDWR | O_NOCTTY);
	assert_true(s >= 0);
	guest_send(td, "to pty");
	for (tries = 0; tries < 100 && n <= 0; tries++)
		n = read(s, buf, sizeof(buf));
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "to pty", 6);
	g = guest_post_rx(td, 32);
	assert_int_equal(write(s, "from pty", 8), 8);
	/* The pty transfers asynchronously; poll the backend until it arrives. */
	for (tries = 0; tries < 1000 && guest_recv(td, g, buf) < 0; tries++)
		virtio_dev_handle_backend(td->dev);
	assert_string_equal(buf, "from pty");
	close(s);
}

static void test_unix_socket(void **state)
{
	struct con_fixture *f = calloc(1, sizeof(*f));
	struct virtio_console_backend *be;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct testdrv *td = &f->td;
	char buf[64];
	uint64_t g;
	int c, listen_fd;

	*state = f;
	snprintf(f->path, sizeof(f->path), "/tmp/svcon-%d.sock", getpid());
	assert_int_equal(td_init(td), 0);
	assert_int_equal(virtio_console_socket_backend(&be, f->path), 0);
	start(f, be);
	/* No client yet: output is dropped, not an error. */
	guest_send(td, "lost");
	listen_fd = virtio_console_poll_fd(td->dev);
	assert_true(listen_fd >= 0);

	strcpy(sa.sun_path, f->path);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* The host loop, run for the rx kick, sees the client and accepts it. */
	g = guest_post_rx(td, 32);
	assert_true(virtio_console_poll_fd(td->dev) != listen_fd);
	/* Connected, nothing sent yet: keep polling. */
	assert_int_equal(virtio_dev_handle_backend(td->dev), 1);
	assert_int_equal(write(c, "sock in", 7), 7);
	assert_int_equal(virtio_dev_handle_backend(td->dev), 0); /* buffer used up */
	assert_int_equal(guest_recv(td, g, buf), 7);
	assert_string_equal(buf, "sock in");
	guest_send(td, "sock out");
	assert_int_equal(read(c, buf, sizeof(buf)), 8);
	assert_memory_equal(buf, "sock out", 8);
	/* Client leaves (seen on the next read): back to the listening socket. */
	guest_post_rx(td, 32);
	close(c);
	virtio_dev_handle_backend(td->dev);
	assert_int_equal(virtio_console_poll_fd(td->dev), listen_fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo_pipes, setup_pipes, teardown),
		cmocka_unit_test_setup_teardown(test_rx_waits_for_buffers, setup_pipes, teardown),
		cmocka_unit_test_setup_teardown(test_rx_budget, setup_pipes_big, teardown),
		cmocka_unit_test_setup_teardown(test_emergency_write, setup_pipes, teardown),
		cmocka_unit_test_setup_teardown(test_output_dropped_when_reader_stuck, setup_pipes,
						teardown),
		cmocka_unit_test_setup_teardown(test_pipe_eof_stops_polling, setup_pipes, teardown),
		cmocka_unit_test_teardown(test_pty, teardown),
		cmocka_unit_test_teardown(test_unix_socket, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
