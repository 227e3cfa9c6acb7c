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

/*
 * A link's DMA window: the only memory of a driver VM its device VM sees
 * (a restricted-dma-pool the driver VM's kernel bounces all virtio DMA
 * through). Its own memfd and memory slot in the driver VM, the driver
 * VM's k-th link's (0-based, in --link order) at
 * SV_GUEST_DMA_WINDOW_BASE + k * SV_GUEST_DMA_WINDOW_STRIDE: right above
 * any RAM, below the PCI 64-bit window. The windows are RAM to the guest's
 * kernel (the pool must be in its linear map): kept within 40 GiB of the
 * RAM base, well inside the smallest linear map (256 GiB with 39-bit VAs,
 * the default of an arm64 kernel built from allnoconfig).
 */
#define SV_GUEST_DMA_WINDOW_BASE (SV_GUEST_RAM_BASE + SV_GUEST_MAX_MEM)
#define SV_GUEST_DMA_WINDOW_STRIDE (1ull << 30)
#define SV_GUEST_DMA_WINDOW_ALIGN (1ull << 20)
#define SV_GUEST_DMA_WINDOW_MIN (1ull << 20)
#define SV_GUEST_DMA_WINDOW_MAX (256ull << 20)
#define SV_GUEST_DEFAULT_DMA_WINDOW (8ull << 20)
/* The text a driver-VM kernel that can bounce through a window holds (CONFIG_DMA_RESTRICTED_POOL). */
#define SV_KERNEL_DMA_WINDOW_MARKER "restricted-dma-pool"

/* Devices one vmm serves in-process (--disk, --net, --console, --rng, --device). */
#define SV_VM_MAX_LOCAL_DEVICES 16
/* Links of one VM: the device VMs a driver VM uses, the driver VMs a device VM serves. */
#define SV_VM_MAX_LINKS 8
/* Devices one device VM serves one driver VM (PCI functions behind one link). */
#define SV_LINK_MAX_DEVICES 8
/* Host PCI functions one VM is given (vmm --passthrough, topology passthrough). */
#define SV_VM_MAX_PASSTHROUGH 8

#endif
