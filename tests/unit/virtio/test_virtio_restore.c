// SPDX-License-Identifier: GPL-2.0
/*
 * Taking over a running guest's device in a new host process:
 * virtio_pci_save/restore (round trip, host callbacks fired again, every
 * kind of corrupt state refused) and virtio_dev_resume_pending (blk requests
 * that were pending are carried out, whatever step of their life the old
 * process died at, and later ones work; net tx is dropped, rx buffers are
 * kept for new frames).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/pci_regs.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pci.h>

#include <splitvirt/virtio_blk.h>
#include <splitvirt/virtio_net.h>
#include <splitvirt/virtio_rng.h>

#include "../../support/testdrv.h"

#define DISK_SIZE (1u << 20)
#define QSIZE 16

struct fixture {
	struct testdrv td;
	char path[64];
	int disk_fd;
	int sp[2]; /* net: sp[0] the device's "tap", sp[1] the network */
	struct virtio_pci_state st;
};

static struct virtio_dev *new_blk(struct fixture *f)
{
	struct virtio_blk_backend *be;
	struct virtio_dev *dev;

	assert_int_equal(virtio_blk_raw_open(&be, f->path, false), 0);
	assert_int_equal(virtio_blk_create(&dev, &f->td.gm, be, NULL), 0);
	return dev;
}

static struct virtio_dev *new_net(struct fixture *f)
{
	struct virtio_net_backend *be;
	struct virtio_dev *dev;

	assert_int_equal(virtio_net_fd_backend(&be, f->sp[0], true), 0);
	assert_int_equal(virtio_net_create(&dev, &f->td.gm, be, NULL), 0);
	return dev;
}

static int setup_blk(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->sp[0] = f->sp[1] = -1;
	strcpy(f->path, "/tmp/svrestore-XXXXXX");
	f->disk_fd = mkstemp(f->path);
	assert_true(f->disk_fd >= 0);
	assert_int_equal(ftruncate(f->disk_fd, DISK_SIZE), 0);
	assert_int_equal(td_init(&f->td), 0);
	assert_int_equal(td_attach(&f->td, new_blk(f)), 0);
	assert_int_equal(td_start(&f->td, ~0ull, QSIZE), 0);
	*state = f;
	return 0;
}

static int setup_net(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->disk_fd = -1;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, f->sp), 0);
	assert_int_equal(td_init(&f->td), 0);
	assert_int_equal(td_attach(&f->td, new_net(f)), 0);
	assert_int_equal(td_start(&f->td, ~0ull, QSIZE), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	td_destroy(&f->td);
	if (f->disk_fd >= 0) {
		close(f->disk_fd);
		unlink(f->path);
	}
	if (f->sp[0] >= 0) {
		close(f->sp[0]);
		close(f->sp[1]);
	}
	free(f);
	return 0;
}

/* The old process dies (its state saved before), a new one takes the device over. */
static void take_over(struct fixture *f, struct virtio_dev *dev)
{
	assert_int_equal(virtio_pci_save(f->td.fn, &f->st), 0);
	assert_int_equal(td_replace(&f->td, dev), 0);
}

/* A blk request made available (not kicked); returns the status byte's gpa. */
static uint64_t blk_post(struct fixture *f, uint32_t type, uint64_t sector, uint64_t data,
			 uint32_t len)
{
	struct testdrv *td = &f->td;
	uint64_t hgpa = gram_alloc(&td->ram, 16, 8), sgpa = gram_alloc(&td->ram, 1, 1);
	struct virtio_blk_outhdr *h = gram_ptr(&td->ram, hgpa);
	struct gbuf b[3] = {
		{ hgpa, 16, false },
		{ data, len, type == VIRTIO_BLK_T_IN },
		{ sgpa, 1, true },
	};

	h->type = type;
	h->sector = sector;
	*(uint8_t *)gram_ptr(&td->ram, sgpa) = 0xee;
	assert_true(gvring_add(&td->vr[0], b, 3) >= 0);
	gvring_publish(&td->vr[0]);
	return sgpa;
}

static uint8_t blk_do(struct fixture *f, uint32_t type, uint64_t sector, uint64_t data,
		      uint32_t len)
{
	uint64_t sgpa = blk_post(f, type, sector, data, len);
	uint16_t head;
	uint32_t used;
	bool got;

	td_kick(&f->td, 0);
	td_run_host(&f->td);
	/* An asynchronous backend (io_uring) completes through the loop a little later. */
	got = gvring_get_used(&f->td.vr[0], &head, &used);
	for (int i = 0; i < 40 && !got; i++) {
		sv_loop_run_once(f->td.host_loop, 5);
		got = gvring_get_used(&f->td.vr[0], &head, &used);
	}
	assert_true(got);
	return *(uint8_t *)gram_ptr(&f->td.ram, sgpa);
}

static uint64_t pattern_buf(struct fixture *f, uint32_t len, int c)
{
	uint64_t gpa = gram_alloc(&f->td.ram, len, 512);

	memset(gram_ptr(&f->td.ram, gpa), c, len);
	return gpa;
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	struct virtio_pci_state again;
	uint8_t status = td_status(td);

	assert_int_equal(blk_do(f, VIRTIO_BLK_T_OUT, 0, pattern_buf(f, 512, 0x11), 512),
			 VIRTIO_BLK_S_OK);
	/* Something besides the defaults in the selectors and an interrupt line. */
	td_write(td, &td->common, VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	td_cfg_write(td, PCI_INTERRUPT_LINE, 1, 0x2a);
	take_over(f, new_blk(f));
	assert_false(virtio_pci_bar_mapping(td->fn, 0, NULL, NULL));

	assert_int_equal(virtio_pci_restore(td->fn, &f->st), 0);
	/* The host heard about everything again, as after the guest's writes. */
	assert_true(td->fp.win[0].active && td->fp.win[2].active);
	assert_int_equal(td->fp.win[0].gpa, TD_BAR0_GPA);
	assert_int_equal(td->fp.win[2].gpa, TD_BAR2_GPA);
	assert_true(td->fp.kick[0].bound);
	assert_int_equal(td->fp.kick[0].gpa, TD_BAR0_GPA + VIRTIO_PCI_NOTIFY_OFF);
	assert_int_equal(td->fp.irqfd_calls, td->msix_table_size);
	for (uint16_t v = 0; v < td->msix_table_size; v++)
		assert_true(td->fp.route[v].set && !td->fp.route[v].masked);
	assert_int_equal(td->fp.misuse, 0);
	/* The guest sees the same device. */
	assert_int_equal(td_status(td), status);
	assert_int_equal(td_read(td, &td->common, VIRTIO_PCI_COMMON_DFSELECT, 4), 1);
	assert_int_equal(td_cfg_read(td, PCI_INTERRUPT_LINE, 1), 0x2a);
	assert_int_equal(virtio_pci_save(td->fn, &again), 0);
	assert_memory_equal(&again, &f->st, sizeof(again));
	/* The completed request is not redone; a new one works. */
	assert_int_equal(virtio_dev_resume_pending(td->dev), 0);
	assert_int_equal(blk_do(f, VIRTIO_BLK_T_IN, 0, pattern_buf(f, 512, 0), 512),
			 VIRTIO_BLK_S_OK);
}

/* Each corruption alone must be refused, leaving the function at power-on. */
static void test_corrupt_state(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	struct virtio_pci_state bad;
	int cases = 0;

	take_over(f, new_blk(f));
	for (int c = 0;; c++) {
		bad = f->st;
		switch (c) {
		case 0:
			bad.version++;
			break;
		case 1:
			bad.device_id = 4;
			break;
		case 2:
			bad.nvec++;
			break;
		case 3:
			bad.cfg[PCI_VENDOR_ID] ^= 1;
			break;
		case 4:
			bad.cfg[VIRTIO_PCI_CAP_MSIX_AT + PCI_MSIX_FLAGS] ^= 1;
			break;
		case 5:
			bad.msix_table[16 + PCI_MSIX_ENTRY_VECTOR_CTRL] |= 2;
			break;
		case 6:
			bad.msix_table[bad.nvec * 16] = 1;
			break;
		case 7:
			bad.pba[1] = 1;
			break;
		case 8:
			bad.status |= 0x10;
			break;
		case 9:
			bad.status &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
			break;
		case 10:
			bad.msix_config = 40;
			break;
		case 11:
			bad.queues[0].msix_vector = 7;
			break;
		case 12:
			bad.queues[0].enabled = 2;
			break;
		case 13:
			bad.queues[0].desc_gpa = TD_RAM_GPA + TD_RAM_SIZE;
			break;
		case 14:
			bad.queues[0].size = 24;
			break;
		case 15:
			bad.queues[1].size = 8;
			break;
		case 16:
			bad.driver_features |= 1ull << 60;
			break;
		case 17:
			bad.driver_features &= ~(1ull << VIRTIO_F_VERSION_1);
			break;
		case 18:
			bad.isr = 4;
			break;
		case 19:
			bad.queues[0].avail_gpa |= 1;
			break;
		default:
			goto done;
		}
		assert_int_equal(virtio_pci_restore(td->fn, &bad), -EINVAL);
		assert_int_equal(virtio_dev_get_status(td->dev), 0);
		assert_false(virtio_pci_bar_mapping(td->fn, 0, NULL, NULL));
		assert_int_equal(td->fp.window_calls, 0);
		assert_int_equal(td->fp.ioeventfd_calls, 0);
		cases++;
	}
done:
	assert_int_equal(cases, 20);
	assert_int_equal(td->fp.irqfd_calls, 0);
	/* The intact state still restores afterwards. */
	assert_int_equal(virtio_pci_restore(td->fn, &f->st), 0);
	assert_int_equal(blk_do(f, VIRTIO_BLK_T_IN, 0, pattern_buf(f, 512, 0), 512),
			 VIRTIO_BLK_S_OK);
}

static void test_blk_replays_pending(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	uint64_t s1, s2, s3, rbuf = pattern_buf(f, 512, 0);
	uint8_t disk[512];
	uint16_t head;
	uint32_t len;

	assert_int_equal(blk_do(f, VIRTIO_BLK_T_OUT, 0, pattern_buf(f, 512, 0x22), 512),
			 VIRTIO_BLK_S_OK);
	/* Made available while the backend was dying: maybe carried out, maybe not. */
	s1 = blk_post(f, VIRTIO_BLK_T_OUT, 8, pattern_buf(f, 512, 0x33), 512);
	s2 = blk_post(f, VIRTIO_BLK_T_IN, 0, rbuf, 512);
	s3 = blk_post(f, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
	take_over(f, new_blk(f));
	assert_int_equal(virtio_pci_restore(td->fn, &f->st), 0);
	/* Restoring alone neither redoes nor fails anything. */
	assert_false(gvring_get_used(&td->vr[0], &head, &len));
	assert_int_equal(*(uint8_t *)gram_ptr(&td->ram, s1), 0xee);

	/* Taken up again, in ring order: the write lands, the read sees the disk, then the flush. */
	assert_int_equal(virtio_dev_resume_pending(td->dev), 3);
	for (int i = 0; i < 3; i++) {
		bool got = gvring_get_used(&td->vr[0], &head, &len);

		/* An asynchronous backend (io_uring) completes through the loop. */
		for (int t = 0; t < 40 && !got; t++) {
			sv_loop_run_once(td->host_loop, 5);
			got = gvring_get_used(&td->vr[0], &head, &len);
		}
		assert_true(got);
		assert_int_equal(len, i == 1 ? 513 : 1);
	}
	assert_false(gvring_get_used(&td->vr[0], &head, &len));
	assert_int_equal(*(uint8_t *)gram_ptr(&td->ram, s1), VIRTIO_BLK_S_OK);
	assert_int_equal(*(uint8_t *)gram_ptr(&td->ram, s2), VIRTIO_BLK_S_OK);
	assert_int_equal(*(uint8_t *)gram_ptr(&td->ram, s3), VIRTIO_BLK_S_OK);
	assert_true(td_irq(td, td_queue_vector(0)));
	assert_int_equal(pread(f->disk_fd, disk, sizeof(disk), 8 * 512), sizeof(disk));
	assert_int_equal(disk[0], 0x33);
	assert_int_equal(*(uint8_t *)gram_ptr(&td->ram, rbuf), 0x22);
	/* Nothing is redone twice; the device works again through its kick. */
	assert_int_equal(virtio_dev_resume_pending(td->dev), 0);
	assert_int_equal(blk_do(f, VIRTIO_BLK_T_OUT, 8, pattern_buf(f, 512, 0x44), 512),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(pread(f->disk_fd, disk, sizeof(disk), 8 * 512), sizeof(disk));
	assert_int_equal(disk[0], 0x44);
}

/* Waits (through the host loop, for an asynchronous backend) until vq 0's used index moves from idx. */
static void wait_used_moved(struct testdrv *td, uint16_t idx)
{
	for (int t = 0; t < 40 && __atomic_load_n(&td->vr[0].used->idx, __ATOMIC_ACQUIRE) == idx;
	     t++)
		sv_loop_run_once(td->host_loop, 5);
	assert_int_not_equal(__atomic_load_n(&td->vr[0].used->idx, __ATOMIC_ACQUIRE), idx);
}

/*
 * The old process dies at each step of a write's life: made available and
 * never seen; carried out with its completion not yet published (the used
 * entry may be written, the index is not); published without the
 * interrupt. A new process then does exactly what the guest needs: the
 * write carried out (again) unless its completion was published, one used
 * entry, the data on the disk, an interrupt.
 */
static void test_blk_crash_points(void **state)
{
	enum { AVAILABLE, EXECUTED, PUBLISHED, NPOINTS };
	struct fixture *f = *state;
	struct testdrv *td = &f->td;

	for (int point = AVAILABLE; point < NPOINTS; point++) {
		uint64_t sector = 16 + 8 * (uint64_t)point, s;
		uint16_t idx = td->vr[0].used->idx, head;
		uint8_t disk[512];
		uint32_t len;
		int n;

		s = blk_post(f, VIRTIO_BLK_T_OUT, sector, pattern_buf(f, 512, 0x50 + point), 512);
		if (point >= EXECUTED) {
			td_kick(td, 0);
			td_run_host(td);
			wait_used_moved(td, idx);
		}
		if (point == EXECUTED) {
			/* Died between the backend's completion and the index store. */
			__atomic_store_n(&td->vr[0].used->idx, idx, __ATOMIC_RELEASE);
			*(uint8_t *)gram_ptr(&td->ram, s) = 0xee;
		}
		take_over(f, new_blk(f));
		assert_int_equal(virtio_pci_restore(td->fn, &f->st), 0);
		n = virtio_dev_resume_pending(td->dev);
		assert_int_equal(n, point == PUBLISHED ? 0 : 1);
		if (point != PUBLISHED)
			wait_used_moved(td, idx);
		assert_true(gvring_get_used(&td->vr[0], &head, &len));
		assert_int_equal(len, 1);
		assert_false(gvring_get_used(&td->vr[0], &head, &len));
		assert_int_equal(*(uint8_t *)gram_ptr(&td->ram, s), VIRTIO_BLK_S_OK);
		assert_true(td_irq(td, td_queue_vector(0)));
		assert_int_equal(pread(f->disk_fd, disk, sizeof(disk), (off_t)sector * 512),
				 sizeof(disk));
		assert_int_equal(disk[0], 0x50 + point);
		assert_int_equal(disk[511], 0x50 + point);
	}
}

/* A hostile used->idx in guest memory breaks the queue, never the host. */
static void test_blk_hostile_used_idx(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;

	blk_post(f, VIRTIO_BLK_T_IN, 0, pattern_buf(f, 512, 0), 512);
	take_over(f, new_blk(f));
	td->vr[0].used->idx = 0x8000;
	assert_int_equal(virtio_pci_restore(td->fn, &f->st), 0);
	assert_true(virtio_dev_resume_pending(td->dev) < 0);
	assert_true(virtio_dev_get_status(td->dev) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_net_tx_dropped_rx_kept(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	uint64_t h = gram_alloc(&td->ram, VIRTIO_NET_HDR_SIZE, 8), d = gram_alloc(&td->ram, 64, 8);
	struct gbuf tx[2] = { { h, VIRTIO_NET_HDR_SIZE, false }, { d, 64, false } };
	uint8_t frame[VIRTIO_NET_HDR_SIZE + 64] = { 0 }, got[256];
	uint16_t head;
	uint32_t len;

	for (int i = 0; i < 2; i++) {
		struct gbuf rx = { gram_alloc(&td->ram, 2048, 8), 2048, true };

		assert_true(gvring_add(&td->vr[0], &rx, 1) >= 0);
	}
	gvring_publish(&td->vr[0]);
	assert_true(gvring_add(&td->vr[1], tx, 2) >= 0);
	gvring_publish(&td->vr[1]);
	take_over(f, new_net(f));
	assert_int_equal(virtio_pci_restore(td->fn, &f->st), 0);

	assert_int_equal(virtio_dev_resume_pending(td->dev), 1);
	/* tx: completed, the frame never went out. */
	assert_true(gvring_get_used(&td->vr[1], &head, &len));
	assert_int_equal(len, 0);
	assert_int_equal(recv(f->sp[1], got, sizeof(got), MSG_DONTWAIT), -1);
	assert_true(td_irq(td, td_queue_vector(1)));
	/* rx: both buffers are still the device's and take the next frame. */
	assert_false(gvring_get_used(&td->vr[0], &head, &len));
	frame[VIRTIO_NET_HDR_SIZE] = 0xab;
	assert_int_equal(send(f->sp[1], frame, sizeof(frame), 0), sizeof(frame));
	assert_true(virtio_dev_handle_backend(td->dev) >= 0);
	assert_true(gvring_get_used(&td->vr[0], &head, &len));
	assert_int_equal(len, sizeof(frame));
	assert_false(gvring_get_used(&td->vr[0], &head, &len));
}

/* A device without a fail op (rng) redoes what was pending. */
static void test_rng_redone(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	struct virtio_dev *rng;
	struct gbuf b = { 0, 32, true };
	uint16_t head;
	uint32_t len;

	td_destroy(td);
	assert_int_equal(td_init(td), 0);
	assert_int_equal(virtio_rng_create(&rng, &td->gm), 0);
	assert_int_equal(td_attach(td, rng), 0);
	assert_int_equal(td_start(td, ~0ull, QSIZE), 0);
	b.gpa = gram_alloc(&td->ram, 32, 8);
	assert_true(gvring_add(&td->vr[0], &b, 1) >= 0);
	gvring_publish(&td->vr[0]);
	assert_int_equal(virtio_rng_create(&rng, &td->gm), 0);
	take_over(f, rng);
	assert_int_equal(virtio_pci_restore(td->fn, &f->st), 0);
	assert_int_equal(virtio_dev_resume_pending(td->dev), 1);
	assert_true(gvring_get_used(&td->vr[0], &head, &len));
	assert_int_equal(len, 32);
}

static void test_save_fields(void **state)
{
	struct fixture *f = *state;

	assert_true(f->td.dev->num_queues <= VIRTIO_PCI_STATE_MAX_QUEUES);
	assert_int_equal(virtio_pci_save(f->td.fn, &f->st), 0);
	assert_int_equal(f->st.num_queues, 1);
	assert_int_equal(f->st.version, VIRTIO_PCI_STATE_VERSION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup_blk, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_state, setup_blk, teardown),
		cmocka_unit_test_setup_teardown(test_blk_replays_pending, setup_blk, teardown),
		cmocka_unit_test_setup_teardown(test_blk_crash_points, setup_blk, teardown),
		cmocka_unit_test_setup_teardown(test_blk_hostile_used_idx, setup_blk, teardown),
		cmocka_unit_test_setup_teardown(test_net_tx_dropped_rx_kept, setup_net, teardown),
		cmocka_unit_test_setup_teardown(test_rng_redone, setup_blk, teardown),
		cmocka_unit_test_setup_teardown(test_save_fields, setup_blk, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
