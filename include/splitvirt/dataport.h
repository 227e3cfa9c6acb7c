/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "dataport" PCI function: what a device VM sees of one linked driver
 * VM. The device VM's vmm emulates one per link; splitvirt.ko binds it.
 * Shared by the vmm (userspace) and the kernel module.
 *
 *   vendor 0x1af4, device 0xa5f0, class 0xff0000, revision 1,
 *   subsystem vendor 0x1af4, subsystem id = link id
 *
 *   BAR0  64-bit MMIO, 4 KiB: registers, doorbells, MSI-X table and PBA
 *   BAR2  64-bit prefetchable: the link's iobuf (RPC rings, <rpc.h>) at 0;
 *         the link's saved-state area (<splitvirt/state_area.h>) at
 *         STATE_OFF if STATE_SIZE is not 0 (memory the device VM alone
 *         sees, that outlives it: what a restarted devmodel takes the
 *         driver VM's devices over from)
 *   BAR4  64-bit prefetchable: the driver VM's RAM, from its base (the
 *         BAR is the RAM size rounded up to a power of two; the tail past
 *         RAM_SIZE is not backed: stay below RAM_SIZE). With
 *         SV_DP_RAM_F_WINDOW, only the link's DMA window (RAM_GPA and
 *         RAM_SIZE are the window's): the driver VM bounces all DMA of
 *         this link's devices through it, and the rest of its RAM is
 *         nowhere in the device VM
 *
 * BAR2's iobuf and BAR4 are ordinary memory shared with the driver VM's vmm
 * (the same memfds): no exits. The state area is not shared with it. Doorbell writes in BAR0 are KVM ioeventfds in the
 * device VM's vmm, so they reach the driver side without waking any host
 * userspace either:
 *   DOORBELL  -> the driver VM's vmm: replies or events are in the iobuf
 *   CALL[i]   -> interrupt "event i" of the driver VM (an irqfd there,
 *                routed as announced by an RPC IRQFD event)
 * and the driver side reaches the device VM through MSI-X vectors of this
 * function (irqfds in the device VM's vmm):
 *   vector 0          requests are in the iobuf (RPC request doorbell)
 *   vector 1 + k      kick k: the driver VM wrote a virtqueue notify
 *                     address bound to doorbell k (RPC IOEVENTFD event)
 */
#ifndef SPLITVIRT_DATAPORT_H
#define SPLITVIRT_DATAPORT_H

#define SV_DP_VENDOR_ID 0x1af4
#define SV_DP_DEVICE_ID 0xa5f0
#define SV_DP_CLASS 0xff0000
#define SV_DP_REVISION 1

#define SV_DP_BAR_REGS 0
#define SV_DP_BAR_IOBUF 2
#define SV_DP_BAR_RAM 4
#define SV_DP_REGS_SIZE 0x1000

#define SV_DP_MAGIC_VALUE 0x50445653u /* "SVDP" */
#define SV_DP_VERSION_VALUE 1u

/* BAR0 registers; all 32-bit unless noted, little-endian. */
#define SV_DP_MAGIC 0x000 /* RO SV_DP_MAGIC_VALUE */
#define SV_DP_VERSION 0x004 /* RO SV_DP_VERSION_VALUE */
#define SV_DP_LINK_ID 0x008 /* RO link id (topology order) */
#define SV_DP_NR_KICKS 0x00c /* RO kick doorbells = MSI-X vectors 1.. */
#define SV_DP_NR_CALLS 0x010 /* RO CALL registers */
#define SV_DP_IOBUF_SIZE 0x014 /* RO bytes of the iobuf (BAR2) */
#define SV_DP_RAM_GPA 0x018 /* RO 64-bit: driver VM RAM base (guest-physical) */
#define SV_DP_RAM_SIZE 0x020 /* RO 64-bit: driver VM RAM bytes */
#define SV_DP_STATE_OFF 0x028 /* RO offset of the saved-state area in BAR2 */
#define SV_DP_STATE_SIZE 0x02c /* RO its bytes; 0: the link has none */
#define SV_DP_RAM_FLAGS 0x030 /* RO SV_DP_RAM_F_* */
#define SV_DP_RAM_F_WINDOW 0x1u /* BAR4 is the link's DMA window, not all of the driver VM's RAM */
#define SV_DP_NAME 0x040 /* RO 32 bytes: driver VM name, NUL-padded */
#define SV_DP_NAME_LEN 32
#define SV_DP_DOORBELL 0x100 /* WO any 32-bit value: ring the driver side */
#define SV_DP_CALL_BASE 0x200 /* WO CALL[i] at 0x200 + 4 * i */
#define SV_DP_MAX_CALLS 64
#define SV_DP_MAX_KICKS 64
#define SV_DP_MSIX_TABLE 0x800 /* 16 bytes per vector, 1 + NR_KICKS vectors */
#define SV_DP_MSIX_PBA 0xe00 /* past the largest table (65 vectors end at 0xc10) */
#define SV_DP_MSIX_VECTORS (1 + SV_DP_MAX_KICKS)
#define SV_DP_VEC_RPC 0
#define SV_DP_VEC_KICK(k) (1 + (k))

/* Config space: MSI-X capability at this offset (table BAR0+0x800, PBA BAR0+0xe00). */
#define SV_DP_CAP_MSIX 0x40

#endif
