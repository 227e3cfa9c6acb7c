// SPDX-License-Identifier: GPL-2.0
/* virtio-fs: the front-end's part (<splitvirt/virtio_fs.h>). */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <linux/fuse.h>

#include <splitvirt/virtio_fs.h>

void virtio_fs_config_fill(struct virtio_fs_config *cfg, const char *tag)
{
	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->tag, tag, strnlen(tag, VIRTIO_FS_TAG_MAX));
	cfg->num_request_queues = htole32(VIRTIO_FS_REQUEST_QUEUES);
}

int virtio_fs_fail_request(struct virtio_dev *dev, struct virtq *vq, struct virtq_chain *c)
{
	struct fuse_in_header in;
	struct fuse_out_header out = { .len = sizeof(out), .error = -EIO };

	(void)dev, (void)vq;
	/* The guest wrote the request: whatever it says, only its id is echoed. */
	if (virtq_chain_read(c, 0, &in, sizeof(in)) != sizeof(in) || c->write_len < sizeof(out))
		return 0;
	out.unique = in.unique;
	virtq_chain_write(c, 0, &out, sizeof(out));
	return sizeof(out);
}
