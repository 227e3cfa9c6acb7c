// SPDX-License-Identifier: GPL-2.0
/*
 * Places kernel, initrd and device tree in guest RAM per the arm64 boot
 * protocol: the Image at a 2 MiB aligned base + text_offset, the DTB
 * 8-byte aligned in the last 2 MiB of RAM (the kernel maps it there
 * whole), the initrd page-aligned just below the DTB.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <splitvirt/arm64_image.h>
#include <splitvirt/guest_fdt.h>
#include <splitvirt/log.h>

#include "vmm.h"

#define SZ_2M (2ull << 20)
#define DTB_MAX_SIZE (256u << 10) /* 9 bridges with their INTx maps take ~50 KiB */

static int read_whole(const char *path, const char *what, void *dst, uint64_t size)
{
	uint64_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		pr_err("%s %s: %s", what, path, strerror(errno));
		return -errno;
	}
	while (done < size) {
		ssize_t n = pread(fd, (uint8_t *)dst + done, size - done, (off_t)done);

		if (n <= 0) {
			pr_err("%s %s: short read at %llu", what, path, (unsigned long long)done);
			close(fd);
			return -EIO;
		}
		done += (uint64_t)n;
	}
	close(fd);
	return 0;
}

static int file_size(const char *path, const char *what, uint64_t *size)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		pr_err("%s %s: %s", what, path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		pr_err("%s %s: not a regular file", what, path);
		return -EINVAL;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

static int check_kernel(const char *path, uint64_t size, struct arm64_image_info *info)
{
	uint8_t hdr[ARM64_IMAGE_HEADER_SIZE] = { 0 };
	enum arm64_image_error err;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		pr_err("kernel %s: %s", path, strerror(errno));
		return -errno;
	}
	n = pread(fd, hdr, sizeof(hdr), 0);
	close(fd);
	if (n < 0) {
		pr_err("kernel %s: %s", path, strerror(errno));
		return -EIO;
	}
	err = arm64_image_parse(hdr, (size_t)n, size, info);
	if (err != ARM64_IMAGE_OK) {
		pr_err("kernel %s: %s", path, arm64_image_strerror(err));
		return -ENOEXEC;
	}
	return 0;
}

/* Where kernel, initrd and device tree go in guest RAM (arm64 boot protocol). */
static int boot_place(const struct guest_ram *ram, const struct vmm_args *args,
		      const struct arm64_image_info *info, uint64_t ksize, struct boot_layout *l)
{
	uint64_t ram_end = ram->gpa + ram->size;
	uint64_t isize = 0;
	int ret;

	if (args->initrd) {
		ret = file_size(args->initrd, "initrd", &isize);
		if (ret)
			return ret;
	}
	l->kernel_gpa = ram->gpa + info->text_offset;
	l->kernel_size = ksize;
	l->dtb_gpa = ram_end - SZ_2M;
	l->initrd_size = isize;
	l->initrd_gpa = (l->dtb_gpa - isize) & ~0xfffull;
	/* The kernel also needs room for its page tables and early allocations. */
	if (l->kernel_gpa + info->image_size + SZ_2M > l->initrd_gpa || isize > ram->size) {
		pr_err("guest RAM too small: %llu MiB holds neither kernel (%llu MiB with bss) + initrd (%llu MiB) + device tree; give --mem %llu or more",
		       (unsigned long long)(ram->size >> 20),
		       (unsigned long long)(info->image_size >> 20),
		       (unsigned long long)(isize >> 20),
		       (unsigned long long)(((info->image_size + isize + 3 * SZ_2M) >> 20) + 32) &
			       ~1ull);
		return -ENOMEM;
	}
	return 0;
}

/* The MSI controller of the PCIe host bridges, as the device tree describes it. */
static void boot_describe_msi(const struct vm *vm, struct guest_fdt_msi *msi)
{
	if (vm->gic_version == 3) {
		msi->kind = GUEST_MSI_ITS;
		msi->base = VMM_ITS_BASE;
		msi->size = VMM_ITS_SIZE;
	} else {
		msi->kind = GUEST_MSI_V2M;
		msi->base = VMM_V2M_BASE;
		msi->size = VMM_V2M_SIZE;
		msi->v2m_spi_base = VMM_V2M_SPI_BASE;
		msi->v2m_spi_count = VMM_V2M_SPI_COUNT;
	}
}

/* The machine as the guest's device tree describes it. */
static void boot_describe(const struct vm *vm, const struct vmm_args *args,
			  const struct boot_layout *l, const struct boot_pci *pci,
			  struct guest_fdt_desc *desc)
{
	desc->mem_base = vm->ram.gpa;
	desc->mem_size = vm->ram.size;
	desc->ncpus = vm->ncpus;
	for (unsigned int i = 0; i < vm->ncpus; i++)
		desc->mpidr[i] = vm->vcpus[i].mpidr;
	desc->gic = vm->gic_version == 3 ? GUEST_GIC_V3 : GUEST_GIC_V2;
	desc->gic_dist_base = VMM_GIC_DIST_BASE;
	desc->gic_dist_size = VMM_GIC_DIST_SIZE;
	desc->gic_redist_base = VMM_GIC_REDIST_BASE;
	desc->gic_redist_size = VMM_GIC_REDIST_STRIDE * vm->ncpus;
	desc->gic_cpu_base = VMM_GIC_CPU_BASE;
	desc->gic_cpu_size = VMM_GIC_CPU_SIZE;
	desc->uart_base = VMM_UART_BASE;
	desc->uart_spi = VMM_UART_SPI;
	desc->exit_base = VMM_EXIT_BASE;
	boot_describe_msi(vm, &desc->msi);
	desc->pci = pci->bridges;
	desc->nr_pci = pci->nr;
	desc->bootargs = args->cmdline;
	if (l->initrd_size) {
		desc->initrd_start = l->initrd_gpa;
		desc->initrd_end = l->initrd_gpa + l->initrd_size;
	}
}

static int boot_write_fdt(struct vm *vm, const struct vmm_args *args, const struct boot_pci *pci,
			  const struct boot_layout *l)
{
	struct guest_fdt_desc *desc = calloc(1, sizeof(*desc));
	int ret;

	if (!desc)
		return -ENOMEM;
	boot_describe(vm, args, l, pci, desc);
	ret = guest_fdt_build(desc, guest_ram_ptr(&vm->ram, l->dtb_gpa, DTB_MAX_SIZE),
			      DTB_MAX_SIZE);
	free(desc);
	if (ret < 0)
		pr_err("building the guest device tree: %s", strerror(-ret));
	return ret;
}

int boot_load(struct vm *vm, const struct vmm_args *args, const struct boot_pci *pci,
	      struct boot_layout *l)
{
	struct guest_ram *ram = &vm->ram;
	struct arm64_image_info info;
	uint64_t ksize;
	int ret;

	ret = file_size(args->kernel, "kernel", &ksize);
	if (!ret)
		ret = check_kernel(args->kernel, ksize, &info);
	if (!ret)
		ret = boot_place(ram, args, &info, ksize, l);
	if (ret)
		return ret;
	ret = read_whole(args->kernel, "kernel", guest_ram_ptr(ram, l->kernel_gpa, ksize), ksize);
	if (!ret && l->initrd_size)
		ret = read_whole(args->initrd, "initrd",
				 guest_ram_ptr(ram, l->initrd_gpa, l->initrd_size), l->initrd_size);
	if (ret)
		return ret;
	ret = boot_write_fdt(vm, args, pci, l);
	if (ret < 0)
		return ret;
	pr_debug(
		"kernel at 0x%llx (%llu bytes), initrd at 0x%llx (%llu bytes), dtb at 0x%llx (%d bytes)",
		(unsigned long long)l->kernel_gpa, (unsigned long long)ksize,
		(unsigned long long)l->initrd_gpa, (unsigned long long)l->initrd_size,
		(unsigned long long)l->dtb_gpa, ret);
	return vcpu_set_boot_regs(&vm->vcpus[0], l->kernel_gpa, l->dtb_gpa);
}
