/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace test driver: plays a guest's virtio-pci driver against a device
 * model through the PCI function model, and plays the host (vmm) side too:
 * MSI-X vectors are eventfds, queue notify addresses are bound to eventfds
 * (the ioeventfd pattern) and a "host loop" step dispatches them.
 */
#ifndef TESTS_VIRTIO_TESTDRV_H
#define TESTS_VIRTIO_TESTDRV_H

#include <stdbool.h>
#include <stdint.h>

#include <splitvirt/virtio_dev.h>
#include <splitvirt/virtio_pci.h>

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
	struct virtio_dev *dev;
	struct virtio_pci *fn;

	/* Host side. */
	int irq_fd[TD_MAX_VEC];
	int kick_fd[TD_MAX_Q];
	uint64_t notify_gpa[TD_MAX_Q];
	bool notify_bound[TD_MAX_Q];
	bool intx;
	int msix_changes;
	int bar_changes;
	uint64_t bar_gpa[6];
	bool bar_mapped[6];

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
/* Wraps dev (td takes ownership) in a virtio-pci function with eventfd host ops. */
int td_attach(struct testdrv *td, struct virtio_dev *dev);
void td_destroy(struct testdrv *td);
/*
 * A new host process taking over: the function and device go (guest RAM
 * and the guest driver state stay), dev is wrapped in a new function at
 * power-on, and the host-side records (bindings, counters, pending
 * interrupts) start empty.
 */
int td_replace(struct testdrv *td, struct virtio_dev *dev);

/* Guest-physical MMIO and config space (assert on error). */
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

/* Kicks via the bound eventfd (ioeventfd path), or traps the MMIO write. */
void td_kick(struct testdrv *td, uint16_t q);
/* One host loop step: dispatches fired kick eventfds. Returns kicks handled. */
int td_run_host(struct testdrv *td);
/* Consumes an MSI-X vector's eventfd; true if it had fired. */
bool td_irq(struct testdrv *td, uint16_t vector);
static inline uint16_t td_queue_vector(uint16_t q)
{
	return (uint16_t)(q + 1);
}
#define TD_CONFIG_VECTOR 0

#endif
