// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzes a virtio-pci function from the guest's side: the input picks a
 * device model and is then a sequence of 8-byte operations
 *   kind(1) size(1) offset(2, LE) value(4, LE)
 * against config space, the BARs (by offset or by guest-physical
 * address), guest memory (so the fuzzer can build rings), and the host
 * entry points (queue kicks, backend readiness, and a takeover: save,
 * optionally flip one byte of the saved state, restore, fail pending).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <splitvirt/gmem.h>
#include <splitvirt/log.h>
#include <splitvirt/virtio_blk.h>
#include <splitvirt/virtio_console.h>
#include <splitvirt/virtio_net.h>
#include <splitvirt/virtio_pci.h>
#include <splitvirt/virtio_rng.h>

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x10000

static uint16_t nvec;

static void signal_msix(void *opaque, uint16_t vector, uint64_t addr, uint32_t data)
{
	(void)opaque;
	(void)addr;
	(void)data;
	if (vector >= nvec)
		abort(); /* only programmed vectors may fire */
}

static const struct virtio_pci_host_ops ops = { .signal_msix = signal_msix };

static int make_device(uint8_t which, const struct gmem *gm, struct virtio_dev **dev, int fds[2])
{
	struct virtio_blk_backend *blk;
	struct virtio_console_backend *con;
	struct virtio_net_backend *net;
	int fd;

	fds[0] = fds[1] = -1;
	switch (which % 4) {
	case 0:
		return virtio_rng_create(dev, gm);
	case 1:
		fd = memfd_create("fuzzdisk", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, 1 << 16) ||
		    virtio_blk_raw_from_fd(&blk, fd, which & 4)) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		return virtio_blk_create(dev, gm, blk, NULL);
	case 2:
		if (pipe(fds))
			return -1;
		if (virtio_console_fd_backend(&con, fds[0], fds[1], true))
			return -1;
		fds[0] = fds[1] = -1; /* owned by the backend */
		return virtio_console_create(dev, gm, con);
	default:
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, fds))
			return -1;
		if (virtio_net_fd_backend(&net, fds[0], which & 4))
			return -1;
		return virtio_net_create(dev, gm, net, NULL);
	}
}

/* A new host process taking over from a saved state, maybe with a damaged byte. */
static void take_over(struct virtio_pci *fn, struct virtio_dev *dev, uint32_t off, uint32_t val)
{
	static struct virtio_pci_state st;

	if (virtio_pci_save(fn, &st))
		return;
	if (val & 0x100)
		((uint8_t *)&st)[off % sizeof(st)] ^= (uint8_t)val;
	if (virtio_pci_restore(fn, &st) == 0)
		virtio_dev_fail_pending(dev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	struct virtio_dev *dev;
	struct virtio_pci *fn;
	struct gmem gm;
	int fds[2];
	size_t i;

	if (!ram) {
		sv_log_set_level(SV_LOG_ERROR);
		ram = aligned_alloc(4096, RAM_SIZE);
	}
	if (size < 1)
		return 0;
	memset(ram, 0, RAM_SIZE);
	gmem_init(&gm);
	gmem_add_region(&gm, RAM_GPA, RAM_SIZE, ram);
	if (make_device(data[0], &gm, &dev, fds))
		goto out_fds;
	nvec = dev->num_queues + 1;
	if (virtio_pci_create(&fn, dev, NULL, &ops, NULL)) {
		virtio_dev_destroy(dev);
		goto out_fds;
	}
	for (i = 1; i + 8 <= size; i += 8) {
		const uint8_t *op = data + i;
		uint8_t kind = op[0];
		uint32_t sz = 1u << (op[1] % 4);
		uint32_t off = (uint32_t)(op[2] | op[3] << 8);
		uint32_t val = (uint32_t)(op[4] | op[5] << 8 | op[6] << 16 | (uint32_t)op[7] << 24);
		uint64_t v64 = val | (uint64_t)val << 32;
		uint32_t r32;
		uint64_t r64;
		int bar = kind & 0x10 ? 2 : 0;

		switch (kind % 8) {
		case 0:
			virtio_pci_cfg_read(fn, off, sz, &r32);
			break;
		case 1:
			virtio_pci_cfg_write(fn, off, sz, val);
			break;
		case 2:
			virtio_pci_bar_read(fn, bar, off, sz, &r64);
			break;
		case 3:
			virtio_pci_bar_write(fn, bar, off, sz, v64);
			break;
		case 4:
			/* Guest memory write: lets the fuzzer build rings and requests. */
			if (off + 4 <= RAM_SIZE)
				memcpy(ram + off, &val, 4);
			break;
		case 5:
			if (kind & 0x20)
				take_over(fn, dev, off, val);
			else
				virtio_dev_handle_queue(dev, (uint16_t)(off % 4));
			break;
		case 6:
			virtio_dev_handle_backend(dev);
			if (fds[1] >= 0)
				send(fds[1], op, 8, MSG_DONTWAIT);
			break;
		default:
			virtio_pci_mmio_write(fn, 0xe0000000ull + off, sz, v64);
			virtio_pci_mmio_read(fn, 0xe0000000ull + off, sz, &r64);
			break;
		}
	}
	virtio_pci_destroy(fn);
	virtio_dev_destroy(dev);
out_fds:
	/* The socketpair of the net stand-in is not owned by its backend. */
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return 0;
}
