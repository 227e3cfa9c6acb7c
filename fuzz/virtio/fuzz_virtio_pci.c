// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzes a virtio-pci function from the guest's side: the input picks a
 * device model (and its variant: bit 2 a read-only disk or a vnet-header
 * net backend, bit 3 small blk limits or a 1024-entry net ring) and is
 * then a sequence of 8-byte operations
 *   kind(1) size(1) offset(2, LE) value(4, LE)
 * against config space, the BARs (by offset or by guest-physical
 * address), guest memory (so the fuzzer can build rings, or post many
 * buffers at once, anywhere, the rings included), and the host entry
 * points (queue kicks, backend readiness with frames of up to 64 KiB for
 * net, and a takeover: save, optionally flip one byte of the saved
 * state, restore, fail pending). Queues a drain left at its budget are
 * served again after each operation, as the host loop would.
 */
#include <endian.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/virtio_ring.h>

#include <splitvirt/gmem.h>
#include <splitvirt/log.h>
#include <splitvirt/virtio_blk.h>
#include <splitvirt/virtio_console.h>
#include <splitvirt/virtio_net.h>
#include <splitvirt/virtio_pci.h>
#include <splitvirt/virtio_rng.h>

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x10000

#define MAX_SERVE_ROUNDS 64 /* budgets per queue and operation; a ring holds at most 17 */

static uint16_t nvec;
static uint32_t requeued; /* queues a drain left at its budget */

static void signal_msix(void *opaque, uint16_t vector, uint64_t addr, uint32_t data)
{
	(void)opaque;
	(void)addr;
	(void)data;
	if (vector >= nvec)
		abort(); /* only programmed vectors may fire */
}

static bool requeue(void *opaque, uint16_t q)
{
	(void)opaque;
	if (q >= 32)
		abort(); /* only the device's own queues */
	requeued |= 1u << q;
	return true;
}

static const struct virtio_pci_host_ops ops = { .signal_msix = signal_msix, .requeue = requeue };

/*
 * What the host loop does with requeued queues: serve them again. The
 * device's own writes into guest memory can refill a ring (a buffer lying
 * on avail->idx), so the rounds are bounded here, as the loop bounds
 * nothing but serves others in between.
 */
static void serve_requeued(struct virtio_dev *dev)
{
	for (int round = 0; requeued && round < MAX_SERVE_ROUNDS; round++) {
		uint32_t m = requeued;

		requeued = 0;
		for (uint16_t q = 0; q < 32; q++)
			if (m & (1u << q))
				virtio_dev_handle_queue(dev, q);
	}
	requeued = 0;
}

/*
 * A driver posting many buffers at once on queue q: descriptors 0..n-1,
 * len bytes each at gpa + i * stride, device-writable unless readable.
 * The fuzzer picks gpa anywhere in RAM, the rings included.
 */
static void bulk_post(struct virtio_dev *dev, uint16_t q, unsigned int n, uint32_t len,
		      uint64_t gpa, unsigned int stride, bool readable)
{
	struct virtq *vq;
	uint16_t idx;
	unsigned int i;

	if (q >= dev->num_queues || !dev->vqs[q].enabled)
		return;
	vq = &dev->vqs[q];
	idx = le16toh(vq->avail->idx);
	for (i = 0; i < n && i < vq->size; i++) {
		vq->desc[i] = (struct vring_desc){
			.addr = htole64(gpa + (uint64_t)i * stride),
			.len = htole32(len),
			.flags = htole16(readable ? 0 : VRING_DESC_F_WRITE),
		};
		vq->avail->ring[(uint16_t)(idx + i) & (vq->size - 1)] = htole16((uint16_t)i);
	}
	vq->avail->idx = htole16((uint16_t)(idx + i));
}

/*
 * The network sends a frame of len = val's low 17 bits (up to 64 KiB with
 * its header): the op repeated or, with step != 0, 16-bit words counting
 * from val >> 17 by step. A frame the device writes over the guest's ring
 * indices (a receive buffer lying on avail->idx) moves them that way.
 */
static void net_send(int fd, const uint8_t *op, uint32_t val, uint8_t step)
{
	static uint8_t frame[VIRTIO_NET_HDR_SIZE + VIRTIO_NET_MAX_FRAME];
	uint32_t len = (val & 0x1ffff) % (sizeof(frame) + 1);
	uint16_t w;

	for (uint32_t i = 0; i < len; i++)
		frame[i] = op[i % 8];
	for (uint32_t i = 0; step && i + 2 <= len; i += 2) {
		w = htole16((uint16_t)((val >> 17) + i / 2 * step));
		memcpy(frame + i, &w, 2);
	}
	send(fd, frame, len, MSG_DONTWAIT);
}

/*
 * fds: what the test keeps of the device's backend (the console's pipe
 * until the backend owns it; the net stand-in's socketpairs, two with 2
 * queue pairs: [1] and [3] are the peer ends), -1 where unused.
 */
static int make_device(uint8_t which, const struct gmem *gm, struct virtio_dev **dev, int fds[4])
{
	struct virtio_blk_backend *blk;
	struct virtio_console_backend *con;
	struct virtio_net_backend *net;
	const struct virtio_blk_params small = { .seg_max = 4, .size_max = 4096 };
	struct virtio_net_params np = { .queue_size = which & 8 ? VIRTQ_MAX_SIZE : 0 };
	int fd;

	fds[0] = fds[1] = fds[2] = fds[3] = -1;
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
		return virtio_blk_create(dev, gm, blk, which & 8 ? &small : NULL);
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
		/* Multi-queue: 2 pairs and a control queue. */
		if (which & 16) {
			if (socketpair(AF_UNIX, SOCK_DGRAM, 0, fds + 2) ||
			    virtio_net_fd_backend_mq(&net, (int[]){ fds[0], fds[2] }, 2, which & 4))
				return -1;
			np.queue_pairs = 2;
		} else if (virtio_net_fd_backend(&net, fds[0], which & 4)) {
			return -1;
		}
		return virtio_net_create(dev, gm, net, &np);
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
		virtio_dev_resume_pending(dev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	struct virtio_dev *dev;
	struct virtio_pci *fn;
	struct gmem gm;
	int fds[4];
	size_t i;

	if (!ram) {
		sv_log_set_level(SV_LOG_ERROR);
		ram = aligned_alloc(4096, RAM_SIZE);
	}
	if (size < 1)
		return 0;
	memset(ram, 0, RAM_SIZE);
	requeued = 0;
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
		int bar = kind & 0x10 ? 2 : 0, peer;

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
			if (kind & 0x20)
				/* n = off % 1024 + 1, len 12 bits, gpa 16 bits, stride op[1]. */
				bulk_post(dev, kind >> 6, (off & 0x3ff) + 1, val & 0xfff,
					  RAM_GPA + ((val >> 12) & 0xffff), op[1], off & 0x400);
			/* Guest memory write: lets the fuzzer build rings and requests. */
			else if (off + 4 <= RAM_SIZE)
				memcpy(ram + off, &val, 4);
			break;
		case 5:
			if (kind & 0x20)
				take_over(fn, dev, off, val);
			else
				virtio_dev_handle_queue(dev, (uint16_t)(off % 8));
			break;
		case 6:
			virtio_dev_handle_backend(dev);
			peer = fds[3] >= 0 && (op[1] & 0x80) ? fds[3] : fds[1];
			if (peer >= 0 && (kind & 0x20))
				net_send(peer, op, val, op[1]);
			else if (peer >= 0)
				send(peer, op, 8, MSG_DONTWAIT);
			break;
		default:
			virtio_pci_mmio_write(fn, 0xe0000000ull + off, sz, v64);
			virtio_pci_mmio_read(fn, 0xe0000000ull + off, sz, &r64);
			break;
		}
		serve_requeued(dev);
	}
	virtio_pci_destroy(fn);
	virtio_dev_destroy(dev);
out_fds:
	/* The socketpairs of the net stand-in are not owned by its backend. */
	for (i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return 0;
}
