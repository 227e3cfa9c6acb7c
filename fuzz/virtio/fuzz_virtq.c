// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzes split-virtqueue chain walking against a hostile guest. The input
 * is a small header (queue size, features, starting indices) followed by
 * the contents of guest memory, which holds the rings and the buffers.
 * Every access must stay inside guest memory (ASan checks) and every
 * malformed ring must end in a clean error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/gmem.h>
#include <splitvirt/log.h>
#include <splitvirt/virtio_queue.h>

#define RAM_GPA 0x1000
#define RAM_SIZE 0x10000
#define SIDE_GPA 0x20000 /* a second, separate region */
#define SIDE_SIZE 0x1000
#define DESC_OFF 0x0
#define AVAIL_OFF 0x4000
#define USED_OFF 0x6000

struct hdr {
	uint8_t size_log2;
	uint8_t flags;
	uint16_t last_avail;
	uint16_t used_idx;
	uint16_t ops;
};

static void on_error(struct virtq *vq, int err, void *opaque)
{
	int *errors = opaque;

	(void)vq;
	(void)err;
	(*errors)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram, *side;
	static struct virtq_chain chain;
	struct gmem gm;
	struct virtq vq;
	struct hdr h;
	int errors = 0, i, r;

	if (!ram) {
		sv_log_set_level(SV_LOG_ERROR);
		ram = aligned_alloc(4096, RAM_SIZE);
		side = aligned_alloc(4096, SIDE_SIZE);
	}
	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	data += sizeof(h);
	size -= sizeof(h);
	memset(ram, 0, RAM_SIZE);
	memset(side, 0, SIDE_SIZE);
	memcpy(ram, data, size < RAM_SIZE ? size : RAM_SIZE);

	gmem_init(&gm);
	gmem_add_region(&gm, RAM_GPA, RAM_SIZE, ram);
	gmem_add_region(&gm, SIDE_GPA, SIDE_SIZE, side);
	virtq_init(&vq, 0, 256, &gm, on_error, &errors);
	vq.size = (uint16_t)(1u << (h.size_log2 % 9));
	vq.desc_gpa = RAM_GPA + DESC_OFF;
	vq.avail_gpa = RAM_GPA + AVAIL_OFF;
	vq.used_gpa = RAM_GPA + USED_OFF;
	if (h.flags & 0x80)
		vq.desc_gpa = SIDE_GPA; /* ring in the small region; may not fit */
	if (virtq_enable(&vq, h.flags & 1, h.flags & 2))
		return 0;
	vq.last_avail_idx = h.last_avail;
	vq.used_idx = vq.published_used_idx = h.used_idx;

	for (i = 0; i < 64; i++) {
		uint8_t buf[64];

		virtq_disable_notify(&vq);
		r = virtq_pop(&vq, &chain);
		if (r <= 0)
			break;
		/* Touch every byte the chain claims through the copy helpers. */
		virtq_chain_read(&chain, 0, buf, sizeof(buf));
		virtq_chain_read(&chain, chain.read_len ? chain.read_len - 1 : 0, buf, 1);
		virtq_chain_write(&chain, 0, buf,
				  sizeof(buf) < chain.write_len ? sizeof(buf) : chain.write_len);
		if (chain.write_len)
			virtq_chain_write(&chain, chain.write_len - 1, buf, 1);
		if ((h.ops >> (i % 16)) & 1) {
			virtq_unpop(&vq, 1);
			virtq_notify_on_more(&vq, 1);
			continue;
		}
		virtq_push(&vq, chain.head, chain.write_len);
		virtq_should_notify(&vq);
		virtq_enable_notify(&vq);
	}
	if (r < 0 && (!vq.broken || errors != 1))
		abort(); /* an error must mark the queue broken exactly once */
	return 0;
}
