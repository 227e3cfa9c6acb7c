/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake of vmm/vfio.c for native tests of vmm/passthrough.c: the device
 * is a config space and BAR sizes the test fills in; interrupt settings
 * and config writes are recorded.
 */
#ifndef TESTS_VMM_FAKE_VFIO_H
#define TESTS_VMM_FAKE_VFIO_H

#include <stdint.h>

#include "../../../vmm/vfio.h"

struct fake_vfio {
	/* The device, as the test sets it up before vfio_device_open(). */
	uint8_t cfg[256];
	struct vfio_bar bars[6];
	uint32_t irq_count[3];
	/* What passthrough.c did. */
	unsigned int irq_sets; /* vfio_irq_set() calls */
	int on[3]; /* per kind: eventfds given (0: off) */
	int fds[3][8];
	int unmask_fd; /* the INTx resample eventfd, -1 if none */
	unsigned int cmd_writes;
	uint16_t cmd; /* the last command register written */
	unsigned int resets, closes;
};

extern struct fake_vfio fake_vfio;

void fake_vfio_reset(void);

#endif
