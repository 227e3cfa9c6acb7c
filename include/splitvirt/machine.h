/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The limits of the machine splitvirt builds, declared once: the vmm, the
 * topology validator, the link formats and the devmodel all check against
 * these, and each refuses a value past them with an error naming the limit.
 */
#ifndef SPLITVIRT_MACHINE_H
#define SPLITVIRT_MACHINE_H

/* Every guest's RAM starts here (the arm64 virt layout). */
#define SV_GUEST_RAM_BASE 0x40000000ull
#define SV_GUEST_MAX_CPUS 8
#define SV_GUEST_MIN_MEM (32ull << 20)
#define SV_GUEST_MIN_MEM_INITRD (64ull << 20) /* room for a kernel and an initramfs */
#define SV_GUEST_MAX_MEM (16ull << 30)
#define SV_GUEST_MEM_ALIGN (2ull << 20) /* guest RAM uses 2 MiB pages */
#define SV_GUEST_DEFAULT_MEM (256ull << 20)

/* Devices one vmm serves in-process (--disk, --net, --console, --rng, --device). */
#define SV_VM_MAX_LOCAL_DEVICES 16
/* Links of one VM: the device VMs a driver VM uses, the driver VMs a device VM serves. */
#define SV_VM_MAX_LINKS 8
/* Devices one device VM serves one driver VM (PCI functions behind one link). */
#define SV_LINK_MAX_DEVICES 8
/* Host PCI functions one VM is given (vmm --passthrough, topology passthrough). */
#define SV_VM_MAX_PASSTHROUGH 8

#endif
