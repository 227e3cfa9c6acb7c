// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <libfdt.h>

#include <splitvirt/guest_fdt.h>

static uint8_t blob[64 << 10];

static void fill_desc(struct guest_fdt_desc *d, enum guest_gic_version gic, unsigned int ncpus)
{
	memset(d, 0, sizeof(*d));
	d->mem_base = 0x40000000;
	d->mem_size = 256u << 20;
	d->ncpus = ncpus;
	for (unsigned int i = 0; i < ncpus; i++)
		d->mpidr[i] = i;
	d->gic = gic;
	d->gic_dist_base = 0x08000000;
	d->gic_dist_size = 0x10000;
	d->gic_redist_base = 0x080a0000;
	d->gic_redist_size = 0x20000ull * ncpus;
	d->gic_cpu_base = 0x08010000;
	d->gic_cpu_size = 0x2000;
	d->uart_base = 0x09000000;
	d->uart_spi = 1;
	d->exit_base = 0x09010000;
	d->bootargs = "console=ttyAMA0 quiet";
	d->initrd_start = 0x4f000000;
	d->initrd_end = 0x4f100000;
}

static const void *prop(const char *path, const char *name, int *len)
{
	int off = fdt_path_offset(blob, path);

	assert_true(off >= 0);
	return fdt_getprop(blob, off, name, len);
}

static uint64_t reg_cell64(const void *p, int idx)
{
	const fdt32_t *c = p;

	return (uint64_t)fdt32_to_cpu(c[idx]) << 32 | fdt32_to_cpu(c[idx + 1]);
}

static void test_gicv3_tree(void **state)
{
	struct guest_fdt_desc d;
	const void *p;
	int len;

	(void)state;
	fill_desc(&d, GUEST_GIC_V3, 2);
	assert_true(guest_fdt_build(&d, blob, sizeof(blob)) > 0);
	assert_int_equal(fdt_check_header(blob), 0);

	p = prop("/memory@40000000", "reg", &len);
	assert_int_equal(len, 16);
	assert_int_equal(reg_cell64(p, 0), 0x40000000);
	assert_int_equal(reg_cell64(p, 2), 256u << 20);

	p = prop("/intc@8000000", "compatible", &len);
	assert_string_equal(p, "arm,gic-v3");
	p = prop("/intc@8000000", "reg", &len);
	assert_int_equal(len, 32);
	assert_int_equal(reg_cell64(p, 4), 0x080a0000);
	assert_int_equal(reg_cell64(p, 6), 0x40000);

	assert_non_null(prop("/cpus/cpu@0", "reg", &len));
	assert_non_null(prop("/cpus/cpu@1", "reg", &len));
	p = prop("/cpus/cpu@1", "enable-method", &len);
	assert_string_equal(p, "psci");
	p = prop("/psci", "method", &len);
	assert_string_equal(p, "hvc");
	p = prop("/psci", "compatible", &len);
	assert_string_equal(p, "arm,psci-0.2");

	p = prop("/chosen", "bootargs", &len);
	assert_string_equal(p, "console=ttyAMA0 quiet");
	p = prop("/chosen", "stdout-path", &len);
	assert_string_equal(p, "/pl011@9000000");
	p = prop("/chosen", "linux,initrd-end", &len);
	assert_int_equal(len, 8);
	assert_int_equal(reg_cell64(p, 0), 0x4f100000);

	p = prop("/pl011@9000000", "interrupts", &len);
	assert_int_equal(len, 12);
	assert_int_equal(fdt32_to_cpu(((const fdt32_t *)p)[1]), 1);
	p = prop("/exit-status@9010000", "compatible", &len);
	assert_string_equal(p, "splitvirt,exit-status");

	/* GICv3 PPIs carry no CPU mask. */
	p = prop("/timer", "interrupts", &len);
	assert_int_equal(len, 48);
	assert_int_equal(fdt32_to_cpu(((const fdt32_t *)p)[2]), 8);
}

static void test_gicv2_tree(void **state)
{
	struct guest_fdt_desc d;
	const void *p;
	int len;

	(void)state;
	fill_desc(&d, GUEST_GIC_V2, 2);
	d.initrd_end = 0;
	assert_true(guest_fdt_build(&d, blob, sizeof(blob)) > 0);
	p = prop("/intc@8000000", "compatible", &len);
	assert_string_equal(p, "arm,cortex-a15-gic");
	p = prop("/intc@8000000", "reg", &len);
	assert_int_equal(reg_cell64(p, 4), 0x08010000);
	/* GICv2 PPIs target CPUs 0 and 1 (mask 0x3 in bits 15:8). */
	p = prop("/timer", "interrupts", &len);
	assert_int_equal(fdt32_to_cpu(((const fdt32_t *)p)[2]), 0x308);
	/* No initrd: no initrd properties. */
	assert_null(prop("/chosen", "linux,initrd-start", &len));
}

static uint32_t cell(const void *p, int idx)
{
	return fdt32_to_cpu(((const fdt32_t *)p)[idx]);
}

/* Bridge 0 (local devices) and a link's bridge with a DMA window, behind an ITS. */
static void fill_bridges(struct guest_fdt_desc *d, struct guest_fdt_pci pci[2])
{
	pci[0] = (struct guest_fdt_pci){ .domain = 0,
					 .ecam_base = 0x30000000,
					 .ecam_size = 0x100000,
					 .mmio32_base = 0x10000000,
					 .mmio32_size = 0x10000000,
					 .mmio64_base = 0x8000000000,
					 .mmio64_size = 0x1000000000,
					 .intx_spi_base = 4 };
	pci[1] = (struct guest_fdt_pci){ .domain = 1,
					 .ecam_base = 0x30100000,
					 .ecam_size = 0x100000,
					 .mmio32_base = 0x20000000,
					 .mmio32_size = 0x2000000,
					 .mmio64_base = 0x9000000000,
					 .mmio64_size = 0x100000000,
					 .intx_spi_base = 8,
					 .msi_devid_base = 0x100,
					 .dma_base = 0x440000000,
					 .dma_size = 8u << 20 };
	d->pci = pci;
	d->nr_pci = 2;
	d->msi = (struct guest_fdt_msi){ .kind = GUEST_MSI_ITS,
					 .base = 0x08080000,
					 .size = 0x20000 };
}

static void test_bridges_and_dma_window(void **state)
{
	struct guest_fdt_pci pci[2];
	struct guest_fdt_desc d;
	const void *p;
	int len, pool;

	(void)state;
	fill_desc(&d, GUEST_GIC_V3, 1);
	fill_bridges(&d, pci);
	assert_true(guest_fdt_build(&d, blob, sizeof(blob)) > 0);

	/* Each bridge: its own domain, ECAM, windows and DeviceIDs. */
	p = prop("/pcie@30000000", "linux,pci-domain", &len);
	assert_int_equal(cell(p, 0), 0);
	p = prop("/pcie@30100000", "linux,pci-domain", &len);
	assert_int_equal(cell(p, 0), 1);
	p = prop("/pcie@30100000", "reg", &len);
	assert_int_equal(reg_cell64(p, 0), 0x30100000);
	p = prop("/pcie@30100000", "msi-map", &len);
	assert_int_equal(len, 16);
	assert_int_equal(cell(p, 0), 0); /* requester id 0.. */
	assert_int_equal(cell(p, 1), GUEST_FDT_PHANDLE_MSI);
	assert_int_equal(cell(p, 2), 0x100); /* ..is DeviceID 256.. */
	assert_int_equal(cell(p, 3), 0x100); /* ..for the bus's 256 functions */
	p = prop("/pcie@30100000", "ranges", &len);
	assert_int_equal(len, 56);
	assert_int_equal(reg_cell64(p, 3), 0x20000000);
	assert_int_equal(reg_cell64(p, 10), 0x9000000000);
	/* Its INTx lines: slot 1 pin A is the bridge's second SPI. */
	p = prop("/pcie@30100000", "interrupt-map", &len);
	assert_int_equal(cell(p, 4 * 10 + 8), 9);

	/* The window: the bridge's memory-region, a restricted pool, and memory. */
	assert_null(prop("/pcie@30000000", "memory-region", &len));
	p = prop("/pcie@30100000", "memory-region", &len);
	assert_int_equal(cell(p, 0), GUEST_FDT_PHANDLE_DMA_BASE + 1);
	pool = fdt_node_offset_by_phandle(blob, GUEST_FDT_PHANDLE_DMA_BASE + 1);
	assert_true(pool >= 0);
	assert_string_equal(fdt_getprop(blob, pool, "compatible", &len), "restricted-dma-pool");
	assert_null(fdt_getprop(blob, pool, "no-map", &len)); /* the kernel maps the pool */
	p = fdt_getprop(blob, pool, "reg", &len);
	assert_int_equal(reg_cell64(p, 0), 0x440000000);
	assert_int_equal(reg_cell64(p, 2), 8u << 20);
	p = prop("/reserved-memory", "ranges", &len);
	assert_int_equal(len, 0);
	p = prop("/memory@440000000", "reg", &len);
	assert_int_equal(reg_cell64(p, 2), 8u << 20);
	p = prop("/memory@440000000", "device_type", &len);
	assert_string_equal(p, "memory");
}

/* Two links with a window each: two memory nodes, two pools, each bridge naming its own. */
static void test_two_dma_windows(void **state)
{
	struct guest_fdt_pci pci[3];
	struct guest_fdt_desc d;
	const void *p;
	int len;

	(void)state;
	fill_desc(&d, GUEST_GIC_V3, 1);
	fill_bridges(&d, pci);
	pci[2] = pci[1];
	pci[2].domain = 2;
	pci[2].ecam_base = 0x30200000;
	pci[2].dma_base = 0x480000000;
	d.nr_pci = 3;
	assert_true(guest_fdt_build(&d, blob, sizeof(blob)) > 0);
	for (unsigned int b = 1; b <= 2; b++) {
		uint64_t base = b == 1 ? 0x440000000 : 0x480000000;
		char path[48];
		int pool;

		snprintf(path, sizeof(path), "/pcie@30%u00000", b);
		p = prop(path, "memory-region", &len);
		assert_int_equal(cell(p, 0), GUEST_FDT_PHANDLE_DMA_BASE + b);
		pool = fdt_node_offset_by_phandle(blob, GUEST_FDT_PHANDLE_DMA_BASE + b);
		assert_true(pool >= 0);
		assert_int_equal(fdt_parent_offset(blob, pool),
				 fdt_path_offset(blob, "/reserved-memory"));
		assert_string_equal(fdt_getprop(blob, pool, "compatible", &len),
				    "restricted-dma-pool");
		p = fdt_getprop(blob, pool, "reg", &len);
		assert_int_equal(reg_cell64(p, 0), base);
		snprintf(path, sizeof(path), "/memory@%llx", (unsigned long long)base);
		p = prop(path, "reg", &len);
		assert_int_equal(reg_cell64(p, 0), base);
	}
}

/* GICv2m has no DeviceIDs: each bridge names the frame as its msi-parent. */
static void test_bridges_v2m(void **state)
{
	struct guest_fdt_pci pci[2];
	struct guest_fdt_desc d;
	const void *p;
	int len;

	(void)state;
	fill_desc(&d, GUEST_GIC_V2, 1);
	fill_bridges(&d, pci);
	pci[1].dma_size = 0;
	d.msi = (struct guest_fdt_msi){ .kind = GUEST_MSI_V2M,
					.base = 0x08020000,
					.size = 0x1000,
					.v2m_spi_base = 64,
					.v2m_spi_count = 64 };
	assert_true(guest_fdt_build(&d, blob, sizeof(blob)) > 0);
	for (int i = 0; i < 2; i++) {
		const char *path = i ? "/pcie@30100000" : "/pcie@30000000";

		p = prop(path, "msi-parent", &len);
		assert_int_equal(cell(p, 0), GUEST_FDT_PHANDLE_MSI);
		assert_null(prop(path, "msi-map", &len));
	}
	p = prop("/intc@8000000/v2m@8020000", "arm,msi-base-spi", &len);
	assert_int_equal(cell(p, 0), 96);
	/* No window: no reserved memory, no second memory node. */
	assert_true(fdt_path_offset(blob, "/reserved-memory") < 0);
	assert_true(fdt_path_offset(blob, "/memory@440000000") < 0);
}

static void test_rejects_bad_desc(void **state)
{
	static struct guest_fdt_pci pcis[GUEST_FDT_MAX_PCI + 1];
	struct guest_fdt_desc d;

	(void)state;
	fill_desc(&d, GUEST_GIC_V3, 1);
	d.ncpus = 0;
	assert_int_equal(guest_fdt_build(&d, blob, sizeof(blob)), -EINVAL);
	fill_desc(&d, GUEST_GIC_V3, 1);
	d.gic = 4;
	assert_int_equal(guest_fdt_build(&d, blob, sizeof(blob)), -EINVAL);
	fill_desc(&d, GUEST_GIC_V3, 1);
	d.initrd_end = d.initrd_start - 1;
	assert_int_equal(guest_fdt_build(&d, blob, sizeof(blob)), -EINVAL);
	fill_desc(&d, GUEST_GIC_V3, 1);
	assert_int_equal(guest_fdt_build(&d, blob, 256), -ENOSPC);
	fill_desc(&d, GUEST_GIC_V3, 1);
	d.nr_pci = 1; /* and no bridges */
	assert_int_equal(guest_fdt_build(&d, blob, sizeof(blob)), -EINVAL);
	fill_desc(&d, GUEST_GIC_V3, 1);
	d.nr_pci = GUEST_FDT_MAX_PCI + 1;
	d.pci = pcis;
	assert_int_equal(guest_fdt_build(&d, blob, sizeof(blob)), -EINVAL);
	fill_desc(&d, GUEST_GIC_V3, 1);
	fill_bridges(&d, pcis);
	pcis[1].domain = GUEST_FDT_MAX_PCI; /* a window phandle past the range */
	assert_int_equal(guest_fdt_build(&d, blob, sizeof(blob)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gicv3_tree),
		cmocka_unit_test(test_gicv2_tree),
		cmocka_unit_test(test_bridges_and_dma_window),
		cmocka_unit_test(test_two_dma_windows),
		cmocka_unit_test(test_bridges_v2m),
		cmocka_unit_test(test_rejects_bad_desc),
	};
	return cmocka_run_group_tests_name("guest_fdt", tests, NULL, NULL);
}
