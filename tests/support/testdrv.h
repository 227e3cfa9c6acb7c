/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace test driver: plays a guest's virtio-pci driver against a device
 * model hosted as a virtio-pci function by the same glue the vmm and the
 * devmodel use (<splitvirt/virtio_host.h>), on a fake platform
 * (fake_platform.h) that stands in for KVM: the guest's config and MMIO
 * accesses go through the glue, a notify write to a bound address signals
 * the queue's kick eventfd, which a "host loop" step (one pass of the
 * glue's event loop) handles, and interrupts arrive on the call eventfds
 * the platform was asked to route (or as recorded MSIs and INTx).
 */
#ifndef TESTS_VIRTIO_TESTDRV_H
#define TESTS_VIRTIO_TESTDRV_H

#include <stdbool.h>
#include <stdint.h>

#include <splitvirt/event_loop.h>
#include <splitvirt/virtio_dev.h>
#include <splitvirt/virtio_host.h>
#include <splitvirt/virtio_pci.h>

#include "fake_platform.h"
#include "guest.h"

#define TD_RAM_GPA 0x40000000ull
#define TD_RAM_SIZE (16u << 20)
#define TD_BAR0_GPA 0xe0000000ull
#define TD_BAR2_GPA 0xe0100000ull
#define TD_MAX_Q 8
#define TD_MAX_VEC 16

struct td_region {
	int bar;
	uint32_t off;
	uint32_t len;
};

struct testdrv {
	struct gmem gm;
	struct gram ram;

	/* Host side: the glue on the fake platform, and what it hosts. */
	struct sv_loop loop;
	/* Where the glue serves kicks: &loop, or another testdrv's (td_share_loop). */
	struct sv_loop *host_loop;
	struct fake_platform fp;
	const struct virtio_host_platform *platform; /* td_attach's; NULL: fake_platform_ops */
	struct virtio_host *vh;
	struct virtio_dev *dev;
	struct virtio_pci *fn;

	/* Guest driver side: what probing found. */
	uint64_t bar_size[6];
	struct td_region common, notify, isr, device;
	uint32_t notify_mult;
	uint8_t pcicfg_at;
	uint8_t msix_at;
	uint16_t msix_table_size;
	int msix_bar;
	uint32_t msix_table_off, msix_pba_off;
	uint64_t features;
	uint16_t nq;
	struct gvring vr[TD_MAX_Q];
};

int td_init(struct testdrv *td);
/*
 * Before td_attach: td's function is served on other's loop, as a devmodel
 * serves the functions of several driver VMs on one thread. Destroy td
 * before other.
 */
void td_share_loop(struct testdrv *td, struct testdrv *other);
/* Hosts dev (td takes ownership, also on failure) through the glue on td->fp. */
int td_attach(struct testdrv *td, struct virtio_dev *dev);
void td_destroy(struct testdrv *td);
/*
 * A new host process taking over: the glue, function and device go (guest
 * RAM and the guest driver state stay), dev is hosted by a new glue at
 * power-on, and the platform's records (windows, bindings, routes,
 * counters, failure injection) start empty.
 */
int td_replace(struct testdrv *td, struct virtio_dev *dev);

/*
 * Config space and guest-physical MMIO, through the platform and the glue
 * (assert on error).
 */
uint32_t td_cfg_read(struct testdrv *td, uint32_t off, uint32_t size);
void td_cfg_write(struct testdrv *td, uint32_t off, uint32_t size, uint32_t val);
uint64_t td_read(struct testdrv *td, const struct td_region *r, uint32_t off, uint32_t size);
void td_write(struct testdrv *td, const struct td_region *r, uint32_t off, uint32_t size,
	      uint64_t val);

/* Probe: capability walk, BAR sizing and placement, MSI-X programming. */
int td_probe(struct testdrv *td);
/* Reset, ACK, DRIVER, features, FEATURES_OK; -EIO if the device refused. */
int td_negotiate(struct testdrv *td, uint64_t features);
int td_setup_queue(struct testdrv *td, uint16_t q, uint16_t size);
void td_driver_ok(struct testdrv *td);
/* probe + negotiate(device features & want) + all queues + DRIVER_OK. */
int td_start(struct testdrv *td, uint64_t want, uint16_t qsize);
void td_reset(struct testdrv *td);
uint8_t td_status(struct testdrv *td);

/*
 * Writes queue q's notify address: signals the kick eventfd if the
 * platform bound one there (handled by td_run_host), else the write traps
 * and the glue processes the queue inline.
 */
void td_kick(struct testdrv *td, uint16_t q);
/*
 * One host loop step: one pass of the glue's event loop without waiting
 * (kicks and the backend). Returns the number of td's kicks it handled.
 * A queue left with work after its drain budget is signalled again and
 * needs another step (td_run_host_idle).
 */
int td_run_host(struct testdrv *td);
/* Host loop steps until none of td's kicks is pending (at most max); returns the steps. */
int td_run_host_idle(struct testdrv *td, int max);
/*
 * Consumes a vector's interrupts: its call eventfd (if the platform was
 * asked to route it) and MSIs raised through the platform; true if any.
 */
bool td_irq(struct testdrv *td, uint16_t vector);
static inline uint16_t td_queue_vector(uint16_t q)
{
	return (uint16_t)(q + 1);
}
#define TD_CONFIG_VECTOR 0

#endif
