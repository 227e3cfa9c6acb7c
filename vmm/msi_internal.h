/* SPDX-License-Identifier: GPL-2.0 */
/* Per-controller halves of msi.c: ITS (GICv3) and GICv2m (GICv2). */
#ifndef VMM_MSI_INTERNAL_H
#define VMM_MSI_INTERNAL_H

#include <linux/kvm.h>

#include "msi.h"

int msi_its_create(struct vm *vm);
int msi_its_finalize(struct vm *vm);
bool msi_its_valid(const struct msi_msg *m);
void msi_its_route(const struct msi_msg *m, struct kvm_irq_routing_entry *e);
int msi_its_signal(struct vm *vm, const struct msi_msg *m);

int msi_v2m_create(struct vm *vm);
bool msi_v2m_valid(const struct msi_msg *m);
void msi_v2m_route(const struct msi_msg *m, struct kvm_irq_routing_entry *e);
int msi_v2m_signal(struct vm *vm, const struct msi_msg *m);

#endif
