/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Plays the driver VM's Linux virtio-pci driver against a devmodel link,
 * through the request dispatcher only: config space as "as = function
 * index" requests, BAR registers as global MMIO requests, exactly what the
 * driver side's io_proxy forwards. Guest RAM is the fake module's RAM.
 */
#ifndef TESTS_DEVMODEL_GUESTDRV_H
#define TESTS_DEVMODEL_GUESTDRV_H

#include <stdint.h>

#include "../../devmodel/link.h"
#include "guest.h"
#include "fake_kmod.h"

#define GD_BAR_BASE 0x10000000ull /* function k: BAR0 at base + k * 1 MiB, BAR2 + 64 KiB */
#define GD_MSI_ADDR 0x08090040ull /* data = fn * 0x100 + vector */
#define GD_MAX_Q 4

struct guestdrv {
	struct dm_link *link;
	struct gram ram;
	struct gvring vr[SV_LINK_MAX_DEVICES][GD_MAX_Q];
};

void gd_init(struct guestdrv *gd, struct dm_link *l, struct fake_kmod *fk);

/* One request through dm_link_dispatch(); returns its status, *val for reads. */
int gd_req(struct guestdrv *gd, uint16_t as, uint8_t dir, uint64_t addr, uint8_t size,
	   uint64_t *val);
uint32_t gd_cfg_read(struct guestdrv *gd, unsigned int fn, uint32_t off, uint8_t size);
void gd_cfg_write(struct guestdrv *gd, unsigned int fn, uint32_t off, uint8_t size, uint32_t v);
uint64_t gd_bar0(unsigned int fn);
uint64_t gd_bar2(unsigned int fn);
uint64_t gd_common_read(struct guestdrv *gd, unsigned int fn, uint32_t off, uint8_t size);
void gd_common_write(struct guestdrv *gd, unsigned int fn, uint32_t off, uint8_t size, uint64_t v);

/* Places BAR0/BAR2 and turns memory decoding on. */
void gd_place_bars(struct guestdrv *gd, unsigned int fn);
/* Programs and unmasks every MSI-X vector, then enables MSI-X. */
void gd_enable_msix(struct guestdrv *gd, unsigned int fn);
/* Probe + features (VERSION_1 only) + every queue (size qsize) + DRIVER_OK. */
void gd_start(struct guestdrv *gd, unsigned int fn, uint16_t qsize);
/* The same, accepting features 32..63 features_hi (VERSION_1 is bit 0 there). */
void gd_start_features(struct guestdrv *gd, unsigned int fn, uint16_t qsize, uint32_t features_hi);
/* What the driver VM's KVM does on a notify write bound to an ioeventfd. */
void gd_kick(struct guestdrv *gd, struct fake_kmod *fk, unsigned int fn, uint16_t q);

#endif
