// SPDX-License-Identifier: GPL-2.0
/*
 * PL011 UART, enough for Linux's amba-pl011 driver and earlycon: the TX
 * FIFO drains instantly to stdout, so "TX below level" is always true and
 * the TX interrupt follows its mask; RX takes bytes from stdin through a
 * small FIFO filled by a reader thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <splitvirt/log.h>

#include "vmm.h"

#define UART_DR 0x000
#define UART_RSR 0x004
#define UART_FR 0x018
#define UART_IBRD 0x024
#define UART_FBRD 0x028
#define UART_LCR_H 0x02c
#define UART_CR 0x030
#define UART_IFLS 0x034
#define UART_IMSC 0x038
#define UART_RIS 0x03c
#define UART_MIS 0x040
#define UART_ICR 0x044
#define UART_DMACR 0x048
#define UART_PERIPH_ID0 0xfe0

#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define FR_TXFE (1u << 7)
#define INT_RX (1u << 4)
#define INT_TX (1u << 5)
#define INT_RT (1u << 6)
#define RX_FIFO_SIZE 32

/* AMBA PrimeCell identification: PL011 r1p5, then the PrimeCell cell id. */
static const uint8_t pl011_id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

struct pl011 {
	struct vm *vm;
	unsigned int spi;
	pthread_mutex_t lock;
	uint32_t ibrd, fbrd, lcr_h, cr, ifls, imsc, ris, dmacr;
	uint8_t rx[RX_FIFO_SIZE];
	unsigned int rx_head, rx_count;
	int irq_level;
	pthread_t reader;
	int reader_running;
	int stop_pipe[2];
	unsigned long tx_bytes;
};

static struct pl011 uart;

/* Called with the lock held. */
static void pl011_update_irq(struct pl011 *u)
{
	int level = (u->ris & u->imsc) != 0;

	if (level != u->irq_level) {
		u->irq_level = level;
		vm_set_spi(u->vm, u->spi, level);
	}
}

static uint32_t pl011_read(struct pl011 *u, uint64_t off)
{
	uint32_t v = 0;

	switch (off) {
	case UART_DR:
		if (u->rx_count) {
			v = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % RX_FIFO_SIZE;
			u->rx_count--;
		}
		if (!u->rx_count)
			u->ris &= ~(INT_RX | INT_RT);
		break;
	case UART_FR:
		v = FR_TXFE | (u->rx_count ? 0 : FR_RXFE);
		break;
	case UART_IBRD:
		v = u->ibrd;
		break;
	case UART_FBRD:
		v = u->fbrd;
		break;
	case UART_LCR_H:
		v = u->lcr_h;
		break;
	case UART_CR:
		v = u->cr;
		break;
	case UART_IFLS:
		v = u->ifls;
		break;
	case UART_IMSC:
		v = u->imsc;
		break;
	case UART_RIS:
		v = u->ris;
		break;
	case UART_MIS:
		v = u->ris & u->imsc;
		break;
	case UART_DMACR:
		v = u->dmacr;
		break;
	default:
		if (off >= UART_PERIPH_ID0 && off < 0x1000)
			v = pl011_id[(off - UART_PERIPH_ID0) >> 2];
		break;
	}
	return v;
}

static void pl011_write(struct pl011 *u, uint64_t off, uint32_t v)
{
	switch (off) {
	case UART_DR: {
		char c = (char)v;

		/* The console is best effort: a closed stdout must not stop the guest. */
		u->tx_bytes++;
		if (write(STDOUT_FILENO, &c, 1) < 0)
			break;
		u->ris |= INT_TX;
		break;
	}
	case UART_IBRD:
		u->ibrd = v;
		break;
	case UART_FBRD:
		u->fbrd = v;
		break;
	case UART_LCR_H:
		u->lcr_h = v;
		break;
	case UART_CR:
		u->cr = v;
		break;
	case UART_IFLS:
		u->ifls = v;
		break;
	case UART_IMSC:
		u->imsc = v;
		/* An empty TX FIFO is always "below the trigger level". */
		u->ris |= INT_TX;
		break;
	case UART_ICR:
		u->ris &= ~v;
		break;
	case UART_DMACR:
		u->dmacr = v;
		break;
	default:
		break;
	}
}

static void pl011_mmio(void *opaque, uint64_t off, uint8_t *data, unsigned int len, bool is_write)
{
	struct pl011 *u = opaque;
	uint32_t v = 0;

	pthread_mutex_lock(&u->lock);
	if (is_write) {
		memcpy(&v, data, len < 4 ? len : 4);
		pl011_write(u, off & ~3ull, v);
	} else {
		v = pl011_read(u, off & ~3ull);
		memcpy(data, &v, len < 4 ? len : 4);
	}
	pl011_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static void *pl011_reader(void *arg)
{
	struct pl011 *u = arg;
	struct pollfd fds[2] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = u->stop_pipe[0], .events = POLLIN },
	};
	uint8_t c;

	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents)
			break;
		if (!(fds[0].revents & (POLLIN | POLLHUP)))
			continue;
		pthread_mutex_lock(&u->lock);
		if (u->rx_count == RX_FIFO_SIZE) {
			/* Guest is not reading: back off instead of dropping input. */
			pthread_mutex_unlock(&u->lock);
			poll(NULL, 0, 10);
			continue;
		}
		pthread_mutex_unlock(&u->lock);
		if (read(STDIN_FILENO, &c, 1) != 1)
			break;
		pthread_mutex_lock(&u->lock);
		u->rx[(u->rx_head + u->rx_count) % RX_FIFO_SIZE] = c;
		u->rx_count++;
		u->ris |= INT_RX | INT_RT;
		pl011_update_irq(u);
		pthread_mutex_unlock(&u->lock);
	}
	return NULL;
}

int pl011_create(struct vm *vm, uint64_t base, unsigned int spi, bool read_stdin)
{
	int ret;

	memset(&uart, 0, sizeof(uart));
	uart.vm = vm;
	uart.spi = spi;
	uart.cr = 0x300; /* TXE | RXE, as after reset */
	uart.stop_pipe[0] = uart.stop_pipe[1] = -1;
	pthread_mutex_init(&uart.lock, NULL);
	ret = mmio_bus_add(&vm->bus, base, 0x1000, pl011_mmio, &uart, "pl011");
	if (ret)
		return ret;
	if (!read_stdin)
		return 0;
	if (pipe2(uart.stop_pipe, O_CLOEXEC) < 0)
		return -errno;
	ret = pthread_create(&uart.reader, NULL, pl011_reader, &uart);
	if (ret)
		return -ret;
	uart.reader_running = 1;
	return 0;
}

unsigned long pl011_tx_bytes(void)
{
	unsigned long n;

	pthread_mutex_lock(&uart.lock);
	n = uart.tx_bytes;
	pthread_mutex_unlock(&uart.lock);
	return n;
}

void pl011_destroy(void)
{
	if (uart.reader_running) {
		if (write(uart.stop_pipe[1], "x", 1) < 0)
			pthread_cancel(uart.reader);
		pthread_join(uart.reader, NULL);
		uart.reader_running = 0;
	}
	if (uart.stop_pipe[0] >= 0)
		close(uart.stop_pipe[0]);
	if (uart.stop_pipe[1] >= 0)
		close(uart.stop_pipe[1]);
}
