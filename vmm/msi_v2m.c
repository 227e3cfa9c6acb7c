// SPDX-License-Identifier: GPL-2.0
/*
 * GICv2m MSI frame (ARM's GICv2m spec): MSI_TYPER announces the SPI range,
 * a 32-bit write of an SPI's INTID to SETSPI_NSR raises it (edge). A
 * Raspberry Pi 4's GIC-400 has no ITS; this is how MSIs work there.
 */
#include <errno.h>
#include <string.h>

#include <linux/kvm.h>

#include <splitvirt/log.h>

#include "msi_internal.h"
#include "vmm.h"

#define V2M_MSI_TYPER 0x008
#define V2M_MSI_SETSPI_NSR 0x040
#define V2M_MSI_IIDR 0xfcc

static uint32_t v2m_intid_base(void)
{
	return VMM_V2M_SPI_BASE + 32;
}

bool msi_v2m_valid(const struct msi_msg *m)
{
	return m->addr == VMM_V2M_BASE + V2M_MSI_SETSPI_NSR && m->data >= v2m_intid_base() &&
	       m->data < v2m_intid_base() + VMM_V2M_SPI_COUNT;
}

void msi_v2m_route(const struct msi_msg *m, struct kvm_irq_routing_entry *e)
{
	e->type = KVM_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = 0;
	e->u.irqchip.pin = m->data - 32;
}

static int v2m_pulse(struct vm *vm, uint32_t intid)
{
	int ret = vm_set_spi(vm, intid - 32, 1);

	if (!ret)
		ret = vm_set_spi(vm, intid - 32, 0);
	return ret;
}

int msi_v2m_signal(struct vm *vm, const struct msi_msg *m)
{
	return v2m_pulse(vm, m->data);
}

/* Bad SETSPI_NSR writes logged (the guest can repeat them at will); one frame per vmm. */
static unsigned long v2m_bad_writes;

static void v2m_mmio(void *opaque, uint64_t off, uint8_t *data, unsigned int len, bool is_write)
{
	struct vm *vm = opaque;
	uint32_t v = 0;

	if (is_write) {
		memcpy(&v, data, len < 4 ? len : 4);
		if (off == V2M_MSI_SETSPI_NSR && len == 4) {
			struct msi_msg m = { .addr = VMM_V2M_BASE + off, .data = v };

			if (msi_v2m_valid(&m))
				v2m_pulse(vm, v);
			else
				pr_warn_limited(
					&v2m_bad_writes,
					"GICv2m: SETSPI_NSR write of %u outside SPIs %u-%u ignored",
					v, v2m_intid_base(),
					v2m_intid_base() + VMM_V2M_SPI_COUNT - 1);
		}
		return;
	}
	if (off == V2M_MSI_TYPER && len == 4)
		v = (v2m_intid_base() << 16) | VMM_V2M_SPI_COUNT;
	memset(data, 0, len);
	memcpy(data, &v, len < 4 ? len : 4);
}

int msi_v2m_create(struct vm *vm)
{
	return mmio_bus_add(&vm->bus, VMM_V2M_BASE, VMM_V2M_SIZE, v2m_mmio, vm, "gicv2m");
}
