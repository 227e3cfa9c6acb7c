/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/splitvirt: the device VM's interface to its linked driver VMs,
 * provided by splitvirt.ko on top of the dataport PCI functions
 * (<splitvirt/dataport.h>). KVM-like: the control device lists links and
 * opens a VM handle per link; the handle's ioctls and mmap serve one
 * driver VM. Shared by the kernel module and the devmodel.
 *
 * The module owns the device side of the RPC (<splitvirt/rpc_chan.h>):
 * it takes requests off the iobuf, hands MMIO requests to userspace
 * (poll + SV_VM_GET_IO), writes replies (SV_VM_COMPLETE_IO) and sends
 * events on userspace's behalf (the SV_VM_* event ioctls). Userspace never
 * parses the shared iobuf itself.
 */
#ifndef SPLITVIRT_KMOD_UAPI_H
#define SPLITVIRT_KMOD_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SV_IOCTL_TYPE 0xb5

struct sv_link_info {
	__u32 link_id;
	__u32 nr_kicks;
	__u32 nr_calls;
	__u32 iobuf_size;
	__u64 ram_gpa; /* driver VM RAM base, guest-physical */
	__u64 ram_size; /* bytes; mmap offset 0 of a VM handle maps this */
	char name[32]; /* driver VM name */
	__u32 connected; /* the driver side acknowledged our RPC epoch */
	__u32 flags; /* SV_LINK_F_* */
	__u32 state_capacity; /* bytes SV_VM_SAVE_STATE takes; 0: no saved-state area */
	__u32 driver_epoch; /* the RPC epoch the driver side published (0: none yet) */
};

#define SV_LINK_F_KICK_IRQS 0x1u /* kicks arrive as MSI-X vectors (else as MMIO writes) */
#define SV_LINK_F_POLLED 0x2u /* no MSI-X at all: requests are polled (slow) */
#define SV_LINK_F_OPEN 0x4u /* a VM handle is open */
/* ram_gpa/ram_size are the link's DMA window: the devices must offer VIRTIO_F_ACCESS_PLATFORM */
#define SV_LINK_F_DMA_WINDOW 0x8u

/* Control device /dev/splitvirt. */
#define SV_GET_NR_LINKS _IO(SV_IOCTL_TYPE, 0x00) /* returns the number of links */
/* in: link_id; out: the rest. -ENOENT for an unknown link. */
#define SV_GET_LINK_INFO _IOWR(SV_IOCTL_TYPE, 0x01, struct sv_link_info)
/*
 * arg: link id. Returns a new VM handle fd (O_CLOEXEC), -EBUSY if the link
 * already has one. Opening starts a new device epoch of the RPC; closing
 * the handle tears down everything registered through it.
 */
#define SV_CREATE_VM _IO(SV_IOCTL_TYPE, 0x02)

/* ---- VM handle -------------------------------------------------------- */

/*
 * One MMIO request from the driver VM, slow path (config space, BAR registers).
 * dir SV_IOREQ_RESET is not an access but a notice, queued ahead of any
 * later request: the driver side restarted (data = SV_RPC_RESET_RESTART) or
 * asked for a device reset (data = SV_RPC_RESET_REQUESTED). Every request
 * taken before it is void (completing one gives -ESTALE); device models
 * should reset as on a guest reboot. It needs no SV_VM_COMPLETE_IO. The
 * module re-announces the registrations it holds (PCI devices, MMIO
 * regions, ioeventfds, irqfds, START_VM) by itself.
 */
struct sv_ioreq {
	__u32 id; /* pass back in SV_VM_COMPLETE_IO */
	__u16 as; /* SV_RPC_AS_GLOBAL or a PCI function index */
	__u8 size; /* 1, 2, 4 or 8 */
	__u8 dir; /* SV_RPC_MMIO_READ / SV_RPC_MMIO_WRITE / SV_IOREQ_RESET */
	__u64 addr; /* gpa, or offset in the function's config space */
	__u64 data; /* write: the value; read: filled by userspace */
	__s32 status; /* COMPLETE_IO: 0 or -errno (the driver vCPU sees all-ones) */
	__u32 pad;
};

#define SV_IOREQ_RESET 0x80u

/* Takes the next pending request; -EAGAIN if none (poll for POLLIN). */
#define SV_VM_GET_IO _IOR(SV_IOCTL_TYPE, 0x10, struct sv_ioreq)
/* Answers request id (data for reads, status). -ESTALE after a driver reset. */
#define SV_VM_COMPLETE_IO _IOW(SV_IOCTL_TYPE, 0x11, struct sv_ioreq)
#define SV_VM_GET_INFO _IOR(SV_IOCTL_TYPE, 0x12, struct sv_link_info)

#define SV_IOEVENTFD_F_DATAMATCH 0x1u
#define SV_IOEVENTFD_F_DEASSIGN 0x2u
/*
 * Binds kick doorbell `kick` to eventfd `fd`: when the driver VM writes len
 * bytes at gpa (== datamatch with DATAMATCH), fd is signalled in the kernel.
 * The module announces the binding to the driver side (RPC IOEVENTFD), whose
 * vmm turns it into a KVM ioeventfd, so such kicks never become RPC requests;
 * an MMIO write request that still arrives for the address (another access
 * size, a driver side without ioeventfds) is matched and completed in the
 * kernel too.
 */
struct sv_ioeventfd {
	__u64 gpa;
	__u64 datamatch;
	__u32 len; /* 1, 2, 4 or 8 */
	__u32 flags;
	__s32 fd;
	__u32 kick; /* < nr_kicks */
};
#define SV_VM_IOEVENTFD _IOW(SV_IOCTL_TYPE, 0x20, struct sv_ioeventfd)

#define SV_IRQFD_F_DEASSIGN 0x1u
#define SV_IRQFD_F_MSI 0x2u
/*
 * Binds eventfd `fd` to call `call`: a signal on fd (from the devmodel, or
 * from vhost) rings CALL[call] from the kernel, which the driver VM's vmm
 * injects through a KVM irqfd as the MSI (addr, data) of PCI function
 * pcidev, or as irq line `line` without F_MSI. Calling it again for the same
 * call with a new message re-routes it (the guest reprogrammed MSI-X).
 */
struct sv_irqfd {
	__s32 fd;
	__u32 call; /* < nr_calls */
	__u32 flags;
	__u32 pcidev;
	__u64 msi_addr;
	__u32 msi_data;
	__u32 line;
};
#define SV_VM_IRQFD _IOW(SV_IOCTL_TYPE, 0x21, struct sv_irqfd)

/* Events to the driver side (see <splitvirt/rpc.h> for their meaning). */
struct sv_set_irq {
	__u32 irq;
	__u32 level; /* SV_RPC_IRQ_CLEAR / SET / PULSE */
};
#define SV_VM_SET_IRQ _IOW(SV_IOCTL_TYPE, 0x30, struct sv_set_irq)

struct sv_msi {
	__u64 addr;
	__u32 data;
	__u32 pcidev;
};
#define SV_VM_MSI _IOW(SV_IOCTL_TYPE, 0x31, struct sv_msi)

struct sv_pci_dev {
	__u32 index; /* the address space id of its config-space requests */
	__u32 flags; /* SV_RPC_PCI_F_REMOVE */
};
#define SV_VM_REGISTER_PCI_DEV _IOW(SV_IOCTL_TYPE, 0x32, struct sv_pci_dev)

struct sv_mmio_region {
	__u64 gpa;
	__u64 size;
	__u32 flags; /* SV_RPC_REGION_F_REMOVE */
	__u32 pad;
};
#define SV_VM_MMIO_REGION _IOW(SV_IOCTL_TYPE, 0x33, struct sv_mmio_region)
/* All registrations are done: the driver VM may boot. */
#define SV_VM_START_VM _IO(SV_IOCTL_TYPE, 0x34)
/* Restart the link's protocol (new device epoch); pending requests fail. */
#define SV_VM_RESET _IO(SV_IOCTL_TYPE, 0x35)

/*
 * The link's saved-state area (<splitvirt/state_area.h>): memory behind the
 * dataport that outlives this handle, the devmodel and the device VM, for
 * a successor to take the devices over from. SAVE stores len bytes from
 * addr (len 0: nothing saved), atomically with respect to a crash;
 * -E2BIG above state_capacity. LOAD copies what is saved into addr (len
 * bytes of room) and returns its length (0: nothing saved), -E2BIG if it
 * does not fit, -EINVAL if the area holds an impossible length. Both:
 * -EOPNOTSUPP if the link has no area.
 */
struct sv_state_io {
	__u64 addr;
	__u32 len;
	__u32 pad; /* 0 */
};
#define SV_VM_SAVE_STATE _IOW(SV_IOCTL_TYPE, 0x40, struct sv_state_io)
#define SV_VM_LOAD_STATE _IOW(SV_IOCTL_TYPE, 0x41, struct sv_state_io)

/* The argument of any VM-handle ioctl above, for code that queues or dispatches them. */
union sv_vm_arg {
	struct sv_ioreq io;
	struct sv_link_info info;
	struct sv_ioeventfd ioeventfd;
	struct sv_irqfd irqfd;
	struct sv_set_irq set_irq;
	struct sv_msi msi;
	struct sv_pci_dev pci_dev;
	struct sv_mmio_region region;
};

#endif
