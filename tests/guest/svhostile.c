// SPDX-License-Identifier: GPL-2.0
/*
 * svhostile: a hostile virtio-blk driver in guest userspace, for the
 * crossvm_hostile_driver system test. It runs in a driver VM as root,
 * takes the first virtio-blk PCI function away from the kernel's
 * virtio-pci driver and drives it itself through its BARs
 * (/sys/bus/pci/devices/X/resourceN) with ring memory whose guest-physical
 * addresses it reads from /proc/self/pagemap. After a known-good request
 * (the control, which proves the harness reaches the device), every attack
 * starts from a device reset: corrupted descriptor chains, addresses outside
 * guest RAM, wrapping lengths, self-referencing indirect tables, avail index
 * jumps, invalid queue sizes and ring addresses, bogus kicks and random BAR
 * writes. Each attack's outcome is compared with what a contained device
 * must do (DEVICE_NEEDS_RESET for a corrupted ring, a failed request for a
 * bad but well-formed one, nothing for a kick it cannot act on).
 *
 *   svhostile [--secs N] [--seed S]
 *
 * Repeats the attack list for N seconds (at least once). Prints
 * "hostile: ..." progress and "fact: hostile_<attack>=<outcome>" lines;
 * exit status 0 only if every outcome was the expected one. Never blocks:
 * every wait has a deadline, and a read the device never answers comes back
 * as all-ones from the vmm (reported as "dead").
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#ifndef __aarch64__
#error "svhostile runs in arm64 guests: its MMIO accessors are arm64 instructions"
#endif

#define VIRTIO_BLK_PCI_ID 0x1042
#define QSZ 16 /* what we ask for: small, a power of two, below any sane maximum */
#define NO_VECTOR 0xffff
#define WAIT_MS 5000 /* for an answer that must come (nested TCG is slow) */
#define QUIET_MS 300 /* for a kick that must be ignored */
#define RANDOM_WRITES 400
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define BLK_STATUS_UNTOUCHED 0xee

/* ---- MMIO ---------------------------------------------------------------
 * Plain loads and stores, one instruction each, without writeback: KVM can
 * only emulate an MMIO access whose syndrome it gets (as Linux's readl()).
 */
static uint8_t rd8(volatile uint8_t *p)
{
	uint8_t v;

	asm volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(p) : "memory");
	return v;
}

static uint16_t rd16(volatile uint8_t *p)
{
	uint16_t v;

	asm volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(p) : "memory");
	return le16toh(v);
}

static uint32_t rd32(volatile uint8_t *p)
{
	uint32_t v;

	asm volatile("ldr %w0, [%1]" : "=r"(v) : "r"(p) : "memory");
	return le32toh(v);
}

static void wr8(volatile uint8_t *p, uint8_t v)
{
	asm volatile("strb %w0, [%1]" : : "r"(v), "r"(p) : "memory");
}

static void wr16(volatile uint8_t *p, uint16_t v)
{
	asm volatile("strh %w0, [%1]" : : "r"(htole16(v)), "r"(p) : "memory");
}

static void wr32(volatile uint8_t *p, uint32_t v)
{
	asm volatile("str %w0, [%1]" : : "r"(htole32(v)), "r"(p) : "memory");
}

static void wr64(volatile uint8_t *p, uint64_t v)
{
	asm volatile("str %x0, [%1]" : : "r"(htole64(v)), "r"(p) : "memory");
}

/* Ring memory (normal memory) is complete before the device hears of it. */
static void wmb(void)
{
	asm volatile("dsb st" : : : "memory");
}

/* ---- the device ------------------------------------------------------------ */

struct vdev {
	char bdf[256];
	char sysfs[300];
	volatile uint8_t *bar[6];
	size_t bar_len[6];
	volatile uint8_t *common, *isr, *devcfg, *notify;
	uint32_t notify_mult;
	uint64_t capacity; /* sectors */
	uint64_t ram_start, ram_end; /* this VM's RAM: [start, end) */
	uint16_t qmax; /* the device's queue 0 size */
	uint16_t qsize; /* what the current init asked for */
	uint16_t notify_off; /* queue 0's */
	uint16_t avail_idx; /* our shadow of avail->idx */
	uint16_t used_seen;
};

static uint8_t status_of(struct vdev *d)
{
	return rd8(d->common + VIRTIO_PCI_COMMON_STATUS);
}

static void set_status(struct vdev *d, uint8_t s)
{
	wr8(d->common + VIRTIO_PCI_COMMON_STATUS, s);
}

static void wr_addr(struct vdev *d, unsigned int lo, uint64_t v)
{
	wr32(d->common + lo, (uint32_t)v);
	wr32(d->common + lo + 4, (uint32_t)(v >> 32));
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* ---- ring memory ------------------------------------------------------------ */

enum { PG_DESC, PG_AVAIL, PG_USED, PG_HDR, PG_DATA, PG_DATA2, PG_STATUS, PG_INDIRECT, NR_PAGES };

struct page {
	uint8_t *va;
	uint64_t pa;
};

static struct page pages[NR_PAGES];
static long page_size;

/*
 * Locked pages and their guest-physical addresses. The device reaches our
 * RAM by guest-physical address, so the pages must stay where pagemap said:
 * mlock keeps them resident (this short-lived program does not run long
 * enough for compaction to be a concern).
 */
static int alloc_pages(void)
{
	uint8_t *mem;
	int fd, i;

	page_size = sysconf(_SC_PAGESIZE);
	mem = mmap(NULL, NR_PAGES * page_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
	if (mem == MAP_FAILED || mlock(mem, NR_PAGES * page_size)) {
		perror("hostile: ring memory");
		return -1;
	}
	memset(mem, 0, NR_PAGES * page_size);
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0) {
		perror("hostile: /proc/self/pagemap");
		return -1;
	}
	for (i = 0; i < NR_PAGES; i++) {
		uint64_t e;
		uintptr_t va = (uintptr_t)mem + i * page_size;

		if (pread(fd, &e, sizeof(e), (off_t)(va / page_size) * sizeof(e)) != sizeof(e) ||
		    !(e & (1ull << 63)) || !(e & ((1ull << 55) - 1))) {
			fprintf(stderr, "hostile: no physical address for page %d (not root?)\n",
				i);
			close(fd);
			return -1;
		}
		pages[i].va = (uint8_t *)va;
		pages[i].pa = (e & ((1ull << 55) - 1)) * (uint64_t)page_size;
	}
	close(fd);
	return 0;
}

static uint64_t pa(int pg)
{
	return pages[pg].pa;
}

static struct vring_desc *descs(void)
{
	return (struct vring_desc *)pages[PG_DESC].va;
}

static struct vring_avail *avail(void)
{
	return (struct vring_avail *)pages[PG_AVAIL].va;
}

static struct vring_used *used(void)
{
	return (struct vring_used *)pages[PG_USED].va;
}

static void clear_rings(void)
{
	int i;

	for (i = 0; i < NR_PAGES; i++)
		memset(pages[i].va, 0, page_size);
	*pages[PG_STATUS].va = BLK_STATUS_UNTOUCHED;
}

static void set_desc(struct vring_desc *t, unsigned int i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	t[i].addr = htole64(addr);
	t[i].len = htole32(len);
	t[i].flags = htole16(flags);
	t[i].next = htole16(next);
}

/* Puts head into the avail ring and publishes it, as a driver does. */
static void make_avail(struct vdev *d, uint16_t head)
{
	avail()->ring[d->avail_idx % QSZ] = htole16(head);
	d->avail_idx++;
	__atomic_store_n(&avail()->idx, htole16(d->avail_idx), __ATOMIC_RELEASE);
}

static void kick(struct vdev *d)
{
	wmb();
	wr16(d->notify + (uint32_t)d->notify_off * d->notify_mult, 0);
}

static void blk_hdr(uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr *h = (struct virtio_blk_outhdr *)pages[PG_HDR].va;

	h->type = htole32(type);
	h->ioprio = 0;
	h->sector = htole64(sector);
}

/* A well-formed request in descriptors 0-2: header, data, status. */
static void blk_request(uint32_t type, uint64_t sector, int data_pg, uint32_t len)
{
	struct vring_desc *t = descs();
	uint16_t dflags = VRING_DESC_F_NEXT | (type == VIRTIO_BLK_T_OUT ? 0 : VRING_DESC_F_WRITE);

	blk_hdr(type, sector);
	set_desc(t, 0, pa(PG_HDR), sizeof(struct virtio_blk_outhdr), VRING_DESC_F_NEXT, 1);
	set_desc(t, 1, pa(data_pg), len, dflags, 2);
	set_desc(t, 2, pa(PG_STATUS), 1, VRING_DESC_F_WRITE, 0);
}

/* ---- outcomes ------------------------------------------------------------ */

enum outcome {
	OUT_OK, /* completed with VIRTIO_BLK_S_OK (and the data checked out) */
	OUT_IOERR, /* completed with VIRTIO_BLK_S_IOERR */
	OUT_UNSUPP, /* completed with VIRTIO_BLK_S_UNSUPP */
	OUT_BADSTATUS, /* completed, status byte not written or nonsense */
	OUT_MISMATCH, /* completed OK but read back other data */
	OUT_NEEDS_RESET, /* the device set DEVICE_NEEDS_RESET */
	OUT_IGNORED, /* nothing happened (no completion, device fine) */
	OUT_ACCEPTED, /* a queue configuration the device should have refused was taken */
	OUT_DEAD, /* the device answered all-ones: its side is gone or hung */
	OUT_INIT_FAILED, /* the standard init did not get to DRIVER_OK */
	NR_OUTCOMES
};

static const char *const outcome_names[NR_OUTCOMES] = {
	[OUT_OK] = "ok",
	[OUT_IOERR] = "ioerr",
	[OUT_UNSUPP] = "unsupp",
	[OUT_BADSTATUS] = "badstatus",
	[OUT_MISMATCH] = "mismatch",
	[OUT_NEEDS_RESET] = "needs_reset",
	[OUT_IGNORED] = "ignored",
	[OUT_ACCEPTED] = "accepted",
	[OUT_DEAD] = "dead",
	[OUT_INIT_FAILED] = "init_failed",
};

/* The device status once the device stopped answering reads: all-ones. */
static bool dead(uint8_t s)
{
	return s == 0xff;
}

/*
 * Waits up to ms for the used index to reach want or for NEEDS_RESET.
 * The status register costs a trip to the device VM, so it is read less
 * often than the used ring (which is our own memory).
 */
static enum outcome wait_result(struct vdev *d, uint16_t want, long ms)
{
	long deadline = now_ms() + ms;
	unsigned int n = 0;
	uint8_t s;

	for (;;) {
		uint16_t u = le16toh(__atomic_load_n(&used()->idx, __ATOMIC_ACQUIRE));

		if (u == want) {
			uint8_t b = *(volatile uint8_t *)pages[PG_STATUS].va;

			d->used_seen = u;
			if (status_of(d) & VIRTIO_CONFIG_S_NEEDS_RESET)
				return OUT_NEEDS_RESET;
			return b == VIRTIO_BLK_S_OK	? OUT_OK :
			       b == VIRTIO_BLK_S_IOERR	? OUT_IOERR :
			       b == VIRTIO_BLK_S_UNSUPP ? OUT_UNSUPP :
							  OUT_BADSTATUS;
		}
		if (++n % 10 == 0 || now_ms() >= deadline) {
			s = status_of(d);
			if (dead(s))
				return OUT_DEAD;
			if (s & VIRTIO_CONFIG_S_NEEDS_RESET)
				return OUT_NEEDS_RESET;
			if (now_ms() >= deadline)
				return OUT_IGNORED;
		}
		sleep_ms(1);
	}
}

/* ---- init ------------------------------------------------------------ */

/* Writes 0 and waits until the device reads back 0 (virtio 1.x 4.1.4.3.2). */
static bool dev_reset(struct vdev *d)
{
	long deadline = now_ms() + WAIT_MS;
	uint8_t s;

	set_status(d, 0);
	while ((s = status_of(d)) != 0) {
		if (dead(s) || now_ms() >= deadline)
			return false;
		sleep_ms(1);
	}
	return true;
}

struct init_opts {
	uint16_t qsize;
	uint64_t desc, avail, used;
	bool enable_before_features_ok;
};

static const struct init_opts std_init = { .qsize = QSZ };

/*
 * The virtio 1.x init sequence (3.1.1) with queue 0 set up as o says
 * (zero addresses: our ring pages). Returns the device status afterwards;
 * DRIVER_OK is set only if every step before it was accepted.
 */
static uint8_t dev_init(struct vdev *d, const struct init_opts *o)
{
	uint8_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	uint64_t want = (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_RING_F_INDIRECT_DESC);
	uint64_t offered;

	clear_rings();
	d->avail_idx = 0;
	d->used_seen = 0;
	d->qsize = o->qsize;
	if (!dev_reset(d))
		return 0xff;
	set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	set_status(d, s);
	wr32(d->common + VIRTIO_PCI_COMMON_DFSELECT, 0);
	offered = rd32(d->common + VIRTIO_PCI_COMMON_DF);
	wr32(d->common + VIRTIO_PCI_COMMON_DFSELECT, 1);
	offered |= (uint64_t)rd32(d->common + VIRTIO_PCI_COMMON_DF) << 32;
	want &= offered;
	wr32(d->common + VIRTIO_PCI_COMMON_GFSELECT, 0);
	wr32(d->common + VIRTIO_PCI_COMMON_GF, (uint32_t)want);
	wr32(d->common + VIRTIO_PCI_COMMON_GFSELECT, 1);
	wr32(d->common + VIRTIO_PCI_COMMON_GF, (uint32_t)(want >> 32));
	if (!o->enable_before_features_ok) {
		set_status(d, s | VIRTIO_CONFIG_S_FEATURES_OK);
		s = status_of(d);
		if (!(s & VIRTIO_CONFIG_S_FEATURES_OK))
			return s;
	}
	wr16(d->common + VIRTIO_PCI_COMMON_MSIX, NO_VECTOR);
	wr16(d->common + VIRTIO_PCI_COMMON_Q_SELECT, 0);
	d->qmax = rd16(d->common + VIRTIO_PCI_COMMON_Q_SIZE);
	d->notify_off = rd16(d->common + VIRTIO_PCI_COMMON_Q_NOFF);
	wr16(d->common + VIRTIO_PCI_COMMON_Q_SIZE, o->qsize);
	wr16(d->common + VIRTIO_PCI_COMMON_Q_MSIX, NO_VECTOR);
	wr_addr(d, VIRTIO_PCI_COMMON_Q_DESCLO, o->desc ? o->desc : pa(PG_DESC));
	wr_addr(d, VIRTIO_PCI_COMMON_Q_AVAILLO, o->avail ? o->avail : pa(PG_AVAIL));
	wr_addr(d, VIRTIO_PCI_COMMON_Q_USEDLO, o->used ? o->used : pa(PG_USED));
	wmb();
	wr16(d->common + VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	s = status_of(d);
	if (dead(s) || (s & VIRTIO_CONFIG_S_NEEDS_RESET) || !(s & VIRTIO_CONFIG_S_FEATURES_OK))
		return s;
	set_status(d, s | VIRTIO_CONFIG_S_DRIVER_OK);
	return status_of(d);
}

static bool init_ok(uint8_t s)
{
	return !dead(s) && (s & VIRTIO_CONFIG_S_DRIVER_OK) && !(s & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* Publishes the chain at head, kicks, waits for its completion or NEEDS_RESET. */
static enum outcome submit(struct vdev *d, uint16_t head, long ms)
{
	make_avail(d, head);
	kick(d);
	return wait_result(d, (uint16_t)(d->used_seen + 1), ms);
}

/* ---- attacks ------------------------------------------------------------ */

/* A write and a read-back of the disk's last 4 KiB: the harness works. */
static enum outcome atk_control(struct vdev *d)
{
	uint64_t sector = d->capacity - 8;
	enum outcome r;
	unsigned int i;

	if (!init_ok(dev_init(d, &std_init)))
		return OUT_INIT_FAILED;
	for (i = 0; i < 4096; i++)
		pages[PG_DATA].va[i] = (uint8_t)(i * 7 + d->avail_idx + time(NULL));
	blk_request(VIRTIO_BLK_T_OUT, sector, PG_DATA, 4096);
	r = submit(d, 0, WAIT_MS);
	if (r != OUT_OK)
		return r;
	*pages[PG_STATUS].va = BLK_STATUS_UNTOUCHED;
	memset(pages[PG_DATA2].va, 0, 4096);
	blk_request(VIRTIO_BLK_T_IN, sector, PG_DATA2, 4096);
	r = submit(d, 0, WAIT_MS);
	if (r == OUT_OK && memcmp(pages[PG_DATA].va, pages[PG_DATA2].va, 4096))
		return OUT_MISMATCH;
	return r;
}

/* Sets up the standard ring, lets fn corrupt it, then publishes head 0 and kicks. */
static enum outcome ring_attack(struct vdev *d, void (*fn)(struct vdev *))
{
	if (!init_ok(dev_init(d, &std_init)))
		return OUT_INIT_FAILED;
	blk_request(VIRTIO_BLK_T_IN, 0, PG_DATA, 512);
	fn(d);
	return submit(d, 0, WAIT_MS);
}

static void c_desc_loop(struct vdev *d)
{
	(void)d;
	/* Two readable descriptors pointing at each other: a chain without end. */
	set_desc(descs(), 0, pa(PG_HDR), 16, VRING_DESC_F_NEXT, 1);
	set_desc(descs(), 1, pa(PG_DATA), 512, VRING_DESC_F_NEXT, 0);
}

static void c_desc_self(struct vdev *d)
{
	(void)d;
	set_desc(descs(), 0, pa(PG_HDR), 16, VRING_DESC_F_NEXT, 0);
}

static void c_next_out_of_range(struct vdev *d)
{
	(void)d;
	descs()[1].next = htole16(QSZ + 100);
}

static void c_addr_below_ram(struct vdev *d)
{
	/* A page in the MMIO space below RAM (the vmm's devices live there). */
	descs()[1].addr = htole64(d->ram_start - 0x10000);
}

static void c_addr_zero(struct vdev *d)
{
	(void)d;
	descs()[0].addr = 0;
}

static void c_addr_past_ram(struct vdev *d)
{
	descs()[1].addr = htole64(d->ram_end);
}

static void c_addr_straddles_ram_end(struct vdev *d)
{
	descs()[1].addr = htole64(d->ram_end - 256);
}

static void c_addr_len_wrap(struct vdev *d)
{
	(void)d;
	/* addr + len wraps past 2^64 to a small address. */
	descs()[1].addr = htole64(0xfffffffffffffe00ull);
	descs()[1].len = htole32(0x400);
}

static void c_len_huge(struct vdev *d)
{
	(void)d;
	descs()[1].len = htole32(0xfffffe00u);
}

static void c_len_past_ram(struct vdev *d)
{
	/* Starts in RAM, a sector multiple, but runs 8 MiB past its end. */
	descs()[1].addr = htole64(pa(PG_DATA));
	descs()[1].len = htole32((uint32_t)(d->ram_end - pa(PG_DATA) + (8u << 20)));
}

static void c_head_out_of_range(struct vdev *d)
{
	/* The device reads ring[0] first; submit() publishes its head 0 in ring[1]. */
	avail()->ring[0] = htole16(0xfff0);
	d->avail_idx = 1;
}

static void c_avail_jump(struct vdev *d)
{
	/* submit() publishes avail_idx + 1: 0x8000 chains "available" in a 16-entry ring. */
	d->avail_idx = 0x7fff;
}

static void c_indirect_self(struct vdev *d)
{
	struct vring_desc *ind = (struct vring_desc *)pages[PG_INDIRECT].va;

	(void)d;
	/* The table's only entry is an indirect descriptor naming the table itself. */
	set_desc(descs(), 0, pa(PG_INDIRECT), 16, VRING_DESC_F_INDIRECT, 0);
	set_desc(ind, 0, pa(PG_INDIRECT), 16, VRING_DESC_F_INDIRECT, 0);
}

static void c_indirect_loop(struct vdev *d)
{
	struct vring_desc *ind = (struct vring_desc *)pages[PG_INDIRECT].va;

	(void)d;
	set_desc(descs(), 0, pa(PG_INDIRECT), 3 * 16, VRING_DESC_F_INDIRECT, 0);
	set_desc(ind, 0, pa(PG_HDR), 16, VRING_DESC_F_NEXT, 1);
	set_desc(ind, 1, pa(PG_DATA), 512, VRING_DESC_F_NEXT, 2);
	set_desc(ind, 2, pa(PG_DATA2), 512, VRING_DESC_F_NEXT, 0);
}

static void c_indirect_next_oob(struct vdev *d)
{
	struct vring_desc *ind = (struct vring_desc *)pages[PG_INDIRECT].va;

	(void)d;
	/* A 2-entry table whose first entry continues at entry 200. */
	set_desc(descs(), 0, pa(PG_INDIRECT), 2 * 16, VRING_DESC_F_INDIRECT, 0);
	set_desc(ind, 0, pa(PG_HDR), 16, VRING_DESC_F_NEXT, 200);
	set_desc(ind, 1, pa(PG_STATUS), 1, VRING_DESC_F_WRITE, 0);
}

static void c_indirect_outside(struct vdev *d)
{
	set_desc(descs(), 0, d->ram_end - 16, 3 * 16, VRING_DESC_F_INDIRECT, 0);
}

static void c_indirect_bad_len(struct vdev *d)
{
	(void)d;
	set_desc(descs(), 0, pa(PG_INDIRECT), 17, VRING_DESC_F_INDIRECT, 0);
}

static void c_indirect_huge(struct vdev *d)
{
	(void)d;
	/* 65536 entries of 16 bytes: 1 MiB of table (more than any device takes). */
	set_desc(descs(), 0, pa(PG_INDIRECT), 1u << 20, VRING_DESC_F_INDIRECT, 0);
}

static void c_indirect_with_next(struct vdev *d)
{
	(void)d;
	set_desc(descs(), 0, pa(PG_INDIRECT), 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
}

static void c_readable_after_writable(struct vdev *d)
{
	(void)d;
	set_desc(descs(), 0, pa(PG_STATUS), 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(descs(), 1, pa(PG_HDR), 16, 0, 0);
}

static void c_no_status(struct vdev *d)
{
	(void)d;
	/* A header and nothing the device could write a status into. */
	set_desc(descs(), 0, pa(PG_HDR), 16, 0, 0);
}

static void c_short_header(struct vdev *d)
{
	(void)d;
	set_desc(descs(), 0, pa(PG_HDR), 8, VRING_DESC_F_NEXT, 2);
}

/* Well-formed rings carrying a bad request: it must fail, the device must go on. */
static void c_sector_past_end(struct vdev *d)
{
	blk_hdr(VIRTIO_BLK_T_IN, d->capacity);
}

static void c_sector_wrap(struct vdev *d)
{
	(void)d;
	blk_hdr(VIRTIO_BLK_T_IN, 0xffffffffffffffffull);
}

static void c_odd_length(struct vdev *d)
{
	(void)d;
	descs()[1].len = htole32(100);
}

static void c_bad_type(struct vdev *d)
{
	(void)d;
	blk_hdr(0x7fffffff, 0);
}

/* Invalid queue configurations: enabling the queue must fail with NEEDS_RESET. */
static enum outcome queue_attack(struct vdev *d, const struct init_opts *o)
{
	uint8_t s = dev_init(d, o);

	if (dead(s))
		return OUT_DEAD;
	if (s & VIRTIO_CONFIG_S_NEEDS_RESET)
		return OUT_NEEDS_RESET;
	wr16(d->common + VIRTIO_PCI_COMMON_Q_SELECT, 0);
	return rd16(d->common + VIRTIO_PCI_COMMON_Q_ENABLE) ? OUT_ACCEPTED : OUT_IGNORED;
}

static enum outcome atk_qsize_odd(struct vdev *d)
{
	return queue_attack(d, &(struct init_opts){ .qsize = 3 });
}

static enum outcome atk_qsize_zero(struct vdev *d)
{
	return queue_attack(d, &(struct init_opts){ .qsize = 0 });
}

static enum outcome atk_qsize_huge(struct vdev *d)
{
	return queue_attack(d, &(struct init_opts){ .qsize = 0x8000 });
}

static enum outcome atk_qsize_all_ones(struct vdev *d)
{
	return queue_attack(d, &(struct init_opts){ .qsize = 0xffff });
}

static enum outcome atk_ring_outside_ram(struct vdev *d)
{
	return queue_attack(d, &(struct init_opts){ .qsize = QSZ, .desc = 0xfffffffffffff000ull });
}

static enum outcome atk_ring_straddles_ram_end(struct vdev *d)
{
	return queue_attack(d, &(struct init_opts){ .qsize = QSZ, .used = d->ram_end - 8 });
}

static enum outcome atk_ring_misaligned(struct vdev *d)
{
	return queue_attack(d, &(struct init_opts){ .qsize = QSZ, .desc = pa(PG_DESC) + 8 });
}

static enum outcome atk_enable_before_features_ok(struct vdev *d)
{
	return queue_attack(d,
			    &(struct init_opts){ .qsize = QSZ, .enable_before_features_ok = true });
}

/*
 * Kicks the device cannot act on (queues that do not exist, odd widths and
 * values at queue 0's notify address, with nothing available): they must be
 * ignored and leave the device working, which a real request then shows.
 */
static enum outcome atk_bogus_kicks(struct vdev *d)
{
	volatile uint8_t *n = d->notify;
	uint32_t q;
	enum outcome r;

	if (!init_ok(dev_init(d, &std_init)))
		return OUT_INIT_FAILED;
	for (q = 1; q < 1024; q += 97)
		wr16(n + q * d->notify_mult, (uint16_t)q);
	wr16(n + (uint32_t)d->notify_off * d->notify_mult, 0xffff);
	wr32(n + (uint32_t)d->notify_off * d->notify_mult, 0xdeadbeef);
	wr8(n + (uint32_t)d->notify_off * d->notify_mult + 1, 0x5a);
	r = wait_result(d, 1, QUIET_MS);
	if (r != OUT_IGNORED)
		return r;
	blk_request(VIRTIO_BLK_T_IN, 0, PG_DATA, 512);
	return submit(d, 0, WAIT_MS);
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64: reproducible from the seed printed at the start. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Writes random values of random widths at random aligned offsets of BAR0
 * and BAR2 (the MSI-X table; MSI-X stays disabled in config space), with
 * reads in between (ISR reads clear it). The queue address registers are
 * left alone: a value there could point the device at our own kernel's
 * memory, which would only hurt this VM (and stop it from reporting) —
 * addresses outside RAM are the subject of the ring attacks. Afterwards a
 * reset must bring back a working device.
 */
static enum outcome atk_random_bar_writes(struct vdev *d)
{
	size_t common_off = (size_t)(d->common - d->bar[0]);
	int i;

	if (!init_ok(dev_init(d, &std_init)))
		return OUT_INIT_FAILED;
	for (i = 0; i < RANDOM_WRITES; i++) {
		uint64_t r = rnd();
		int bar = (r & 3) == 3 ? 2 : 0;
		unsigned int width = 1u << ((r >> 2) & 3);
		size_t off = (size_t)((r >> 8) % d->bar_len[bar]) & ~(size_t)(width - 1);
		uint64_t v = rnd();
		volatile uint8_t *p = d->bar[bar] + off;

		if (bar == 0 && off + width > common_off + VIRTIO_PCI_COMMON_Q_DESCLO &&
		    off < common_off + VIRTIO_PCI_COMMON_Q_USEDHI + 4)
			continue;
		if ((r >> 5) & 1) {
			(void)(width == 1 ? rd8(p) : width == 2 ? rd16(p) : rd32(p));
			continue;
		}
		if (width == 1)
			wr8(p, (uint8_t)v);
		else if (width == 2)
			wr16(p, (uint16_t)v);
		else if (width == 4)
			wr32(p, (uint32_t)v);
		else
			wr64(p, v);
	}
	if (dead(status_of(d)))
		return OUT_DEAD;
	return atk_control(d);
}

struct attack {
	const char *name;
	enum outcome expect;
	enum outcome (*run)(struct vdev *d);
	void (*corrupt)(struct vdev *d); /* for ring attacks: run is NULL */
};

static const struct attack attacks[] = {
	{ "control", OUT_OK, atk_control, NULL },
	/* Corrupted rings: the device must stop the queue and ask for a reset. */
	{ "desc_loop", OUT_NEEDS_RESET, NULL, c_desc_loop },
	{ "desc_self_loop", OUT_NEEDS_RESET, NULL, c_desc_self },
	{ "desc_next_out_of_range", OUT_NEEDS_RESET, NULL, c_next_out_of_range },
	{ "addr_zero", OUT_NEEDS_RESET, NULL, c_addr_zero },
	{ "addr_below_ram", OUT_NEEDS_RESET, NULL, c_addr_below_ram },
	{ "addr_past_ram", OUT_NEEDS_RESET, NULL, c_addr_past_ram },
	{ "addr_straddles_ram_end", OUT_NEEDS_RESET, NULL, c_addr_straddles_ram_end },
	{ "addr_len_wrap", OUT_NEEDS_RESET, NULL, c_addr_len_wrap },
	{ "len_huge", OUT_NEEDS_RESET, NULL, c_len_huge },
	{ "len_past_ram", OUT_NEEDS_RESET, NULL, c_len_past_ram },
	{ "head_out_of_range", OUT_NEEDS_RESET, NULL, c_head_out_of_range },
	{ "avail_idx_jump", OUT_NEEDS_RESET, NULL, c_avail_jump },
	{ "indirect_self", OUT_NEEDS_RESET, NULL, c_indirect_self },
	{ "indirect_loop", OUT_NEEDS_RESET, NULL, c_indirect_loop },
	{ "indirect_next_out_of_range", OUT_NEEDS_RESET, NULL, c_indirect_next_oob },
	{ "indirect_outside_ram", OUT_NEEDS_RESET, NULL, c_indirect_outside },
	{ "indirect_bad_len", OUT_NEEDS_RESET, NULL, c_indirect_bad_len },
	{ "indirect_huge", OUT_NEEDS_RESET, NULL, c_indirect_huge },
	{ "indirect_with_next", OUT_NEEDS_RESET, NULL, c_indirect_with_next },
	{ "readable_after_writable", OUT_NEEDS_RESET, NULL, c_readable_after_writable },
	{ "no_status_byte", OUT_NEEDS_RESET, NULL, c_no_status },
	{ "short_header", OUT_NEEDS_RESET, NULL, c_short_header },
	/* Bad requests in good rings: the request fails, the device goes on. */
	{ "sector_past_end", OUT_IOERR, NULL, c_sector_past_end },
	{ "sector_wrap", OUT_IOERR, NULL, c_sector_wrap },
	{ "odd_length", OUT_IOERR, NULL, c_odd_length },
	{ "bad_type", OUT_UNSUPP, NULL, c_bad_type },
	/* Invalid queue setups. */
	{ "qsize_odd", OUT_NEEDS_RESET, atk_qsize_odd, NULL },
	{ "qsize_zero", OUT_NEEDS_RESET, atk_qsize_zero, NULL },
	{ "qsize_huge", OUT_NEEDS_RESET, atk_qsize_huge, NULL },
	{ "qsize_all_ones", OUT_NEEDS_RESET, atk_qsize_all_ones, NULL },
	{ "ring_outside_ram", OUT_NEEDS_RESET, atk_ring_outside_ram, NULL },
	{ "ring_straddles_ram_end", OUT_NEEDS_RESET, atk_ring_straddles_ram_end, NULL },
	{ "ring_misaligned", OUT_NEEDS_RESET, atk_ring_misaligned, NULL },
	{ "enable_before_features_ok", OUT_NEEDS_RESET, atk_enable_before_features_ok, NULL },
	/* Noise: ignored or contained, and a reset brings the device back. */
	{ "bogus_kicks", OUT_OK, atk_bogus_kicks, NULL },
	{ "random_bar_writes", OUT_OK, atk_random_bar_writes, NULL },
	{ "control_after", OUT_OK, atk_control, NULL },
};

#define NR_ATTACKS (sizeof(attacks) / sizeof(attacks[0]))

/* ---- finding and mapping the device ------------------------------------------ */

static unsigned long read_hex_file(const char *dir, const char *name)
{
	char path[512], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strtoul(buf, NULL, 16);
}

static int find_blk(struct vdev *d)
{
	DIR *dir = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	int found = -1;

	if (!dir)
		return -1;
	while ((e = readdir(dir)) && found) {
		char p[300];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s", e->d_name);
		if (read_hex_file(p, "vendor") == 0x1af4 &&
		    read_hex_file(p, "device") == VIRTIO_BLK_PCI_ID) {
			snprintf(d->bdf, sizeof(d->bdf), "%s", e->d_name);
			snprintf(d->sysfs, sizeof(d->sysfs), "%s", p);
			found = 0;
		}
	}
	closedir(dir);
	return found;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/* Takes the function from its driver and turns memory decoding and DMA on. */
static int claim(struct vdev *d)
{
	char path[400], link[400];
	uint8_t cmd[2];
	int fd;

	snprintf(path, sizeof(path), "%s/driver", d->sysfs);
	if (readlink(path, link, sizeof(link)) > 0) {
		snprintf(path, sizeof(path), "%s/driver/unbind", d->sysfs);
		if (write_file(path, d->bdf)) {
			fprintf(stderr, "hostile: cannot unbind %s\n", d->bdf);
			return -1;
		}
	}
	snprintf(path, sizeof(path), "%s/config", d->sysfs);
	fd = open(path, O_RDWR);
	if (fd < 0 || pread(fd, cmd, 2, 4) != 2) {
		fprintf(stderr, "hostile: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	cmd[0] |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(fd, cmd, 2, 4) != 2) {
		fprintf(stderr, "hostile: command register: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int map_bar(struct vdev *d, int bar)
{
	char path[400];
	struct stat st;
	void *p;
	int fd;

	if (d->bar[bar])
		return 0;
	snprintf(path, sizeof(path), "%s/resource%d", d->sysfs, bar);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0 || fstat(fd, &st) || !st.st_size) {
		fprintf(stderr, "hostile: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		fprintf(stderr, "hostile: mmap %s: %s\n", path, strerror(errno));
		return -1;
	}
	d->bar[bar] = p;
	d->bar_len[bar] = st.st_size;
	return 0;
}

/*
 * Finds the virtio structures through the vendor capabilities, as a driver
 * does (our device puts them at include/splitvirt/virtio_pci.h's offsets).
 */
static int map_caps(struct vdev *d)
{
	uint8_t cfg[256];
	char path[400];
	unsigned int pos, hops = 0;
	int fd, n;

	snprintf(path, sizeof(path), "%s/config", d->sysfs);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : (int)pread(fd, cfg, sizeof(cfg), 0);
	if (fd >= 0)
		close(fd);
	if (n != (int)sizeof(cfg) || !(cfg[6] & 0x10)) {
		fprintf(stderr, "hostile: no capability list in %s\n", path);
		return -1;
	}
	for (pos = cfg[0x34] & ~3u; pos && pos < 0xf0 && hops < 48; pos = cfg[pos + 1] & ~3u) {
		uint8_t type = cfg[pos + VIRTIO_PCI_CAP_CFG_TYPE],
			bar = cfg[pos + VIRTIO_PCI_CAP_BAR];
		uint32_t off, len;
		volatile uint8_t *base;

		hops++;
		if (cfg[pos] != 0x09 || bar > 5 || type < VIRTIO_PCI_CAP_COMMON_CFG ||
		    type > VIRTIO_PCI_CAP_DEVICE_CFG)
			continue;
		memcpy(&off, &cfg[pos + VIRTIO_PCI_CAP_OFFSET], 4);
		memcpy(&len, &cfg[pos + VIRTIO_PCI_CAP_LENGTH], 4);
		off = le32toh(off);
		len = le32toh(len);
		if (map_bar(d, bar) || (uint64_t)off + len > d->bar_len[bar])
			return -1;
		base = d->bar[bar] + off;
		if (type == VIRTIO_PCI_CAP_COMMON_CFG) {
			d->common = base;
		} else if (type == VIRTIO_PCI_CAP_ISR_CFG) {
			d->isr = base;
		} else if (type == VIRTIO_PCI_CAP_DEVICE_CFG) {
			d->devcfg = base;
		} else {
			uint32_t mult;

			memcpy(&mult, &cfg[pos + 16], 4);
			d->notify = base;
			d->notify_mult = le32toh(mult);
		}
	}
	if (!d->common || !d->notify || !d->devcfg || !d->bar[0]) {
		fprintf(stderr, "hostile: virtio capabilities incomplete\n");
		return -1;
	}
	/* BAR2 holds the MSI-X table: a target of the random writes. */
	return map_bar(d, 2);
}

/* This VM's RAM as the kernel sees it (root reads real addresses). */
static int ram_range(struct vdev *d)
{
	FILE *f = fopen("/proc/iomem", "r");
	char line[256];

	if (!f)
		return -1;
	d->ram_start = ~0ull;
	d->ram_end = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b;

		if (line[0] == ' ' || !strstr(line, "System RAM") ||
		    sscanf(line, "%llx-%llx", &a, &b) != 2)
			continue;
		if (a < d->ram_start)
			d->ram_start = a;
		if (b + 1 > d->ram_end)
			d->ram_end = b + 1;
	}
	fclose(f);
	return d->ram_end ? 0 : -1;
}

static void watchdog(int sig)
{
	static const char msg[] = "hostile: watchdog: giving up\nfact: hostile_hang=1\n";

	(void)sig;
	(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	_exit(3);
}

int main(int argc, char **argv)
{
	static enum outcome first[NR_ATTACKS];
	unsigned int secs = 30, rounds = 0, total = 0, unexpected = 0, inconsistent = 0;
	unsigned int needs_reset = 0, failed_req = 0, controls_ok = 0, controls = 0;
	unsigned long long seed = 0x5eed1234abcdull;
	struct vdev d = { 0 };
	long start;
	size_t i;
	int a;

	for (a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--secs"))
			secs = (unsigned int)strtoul(argv[a + 1], NULL, 0);
		else if (!strcmp(argv[a], "--seed"))
			seed = strtoull(argv[a + 1], NULL, 0);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	rng_state = seed ? seed : 1;
	/* Each step has its own deadline; this is the backstop. */
	signal(SIGALRM, watchdog);
	alarm(secs + 600);
	if (find_blk(&d)) {
		printf("hostile: no virtio-blk PCI function\n");
		return 2;
	}
	if (claim(&d) || map_caps(&d) || ram_range(&d) || alloc_pages())
		return 2;
	d.capacity = rd32(d.devcfg) | (uint64_t)rd32(d.devcfg + 4) << 32;
	if (d.capacity < 16 || d.capacity == ~0ull) {
		printf("hostile: implausible capacity %llu\n", (unsigned long long)d.capacity);
		return 2;
	}
	printf("fact: hostile_device=%s\n", d.bdf);
	printf("fact: hostile_ram=%#llx-%#llx\n", (unsigned long long)d.ram_start,
	       (unsigned long long)d.ram_end);
	printf("hostile: %s capacity %llu sectors, notify multiplier %u, rings at %#llx %#llx %#llx, seed %#llx\n",
	       d.bdf, (unsigned long long)d.capacity, d.notify_mult,
	       (unsigned long long)pa(PG_DESC), (unsigned long long)pa(PG_AVAIL),
	       (unsigned long long)pa(PG_USED), seed);
	printf("hostile: attacks begin (%zu per round, for %u s)\n", NR_ATTACKS, secs);
	start = now_ms();
	do {
		for (i = 0; i < NR_ATTACKS; i++) {
			const struct attack *at = &attacks[i];
			enum outcome r = at->run ? at->run(&d) : ring_attack(&d, at->corrupt);

			total++;
			needs_reset += r == OUT_NEEDS_RESET;
			failed_req += r == OUT_IOERR || r == OUT_UNSUPP;
			if (at->run == atk_control) {
				controls++;
				controls_ok += r == OUT_OK;
			}
			if (r != at->expect) {
				unexpected++;
				printf("hostile: round %u: %s: %s, want %s\n", rounds + 1, at->name,
				       outcome_names[r], outcome_names[at->expect]);
			} else if (!rounds) {
				printf("hostile: %s: %s\n", at->name, outcome_names[r]);
			}
			if (!rounds)
				first[i] = r;
			else if (r != first[i])
				inconsistent++;
		}
		rounds++;
	} while (now_ms() - start < (long)secs * 1000);
	dev_reset(&d);
	printf("hostile: attacks done: %u rounds, %u attacks, %u needs-reset, %u failed requests, %u unexpected\n",
	       rounds, total, needs_reset, failed_req, unexpected);
	for (i = 0; i < NR_ATTACKS; i++)
		printf("fact: hostile_%s=%s\n", attacks[i].name, outcome_names[first[i]]);
	printf("fact: hostile_rounds=%u\n", rounds);
	printf("fact: hostile_attacks=%u\n", total);
	printf("fact: hostile_needs_reset=%u\n", needs_reset);
	printf("fact: hostile_failed_requests=%u\n", failed_req);
	printf("fact: hostile_controls_ok=%u/%u\n", controls_ok, controls);
	printf("fact: hostile_unexpected=%u\n", unexpected);
	printf("fact: hostile_inconsistent=%u\n", inconsistent);
	printf("fact: hostile_hang=0\n");
	return unexpected ? 1 : 0;
}
