// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include <splitvirt/guest_fdt.h>

/* GIC interrupt specifier: <type number flags>. */
#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_EDGE_RISING 1
#define IRQ_LEVEL_HIGH 4
#define IRQ_LEVEL_LOW 8

struct fdt_writer {
	void *fdt;
	int err; /* first libfdt error; later calls become no-ops */
};

static int add_node(struct fdt_writer *w, int parent, const char *name)
{
	int off;

	if (w->err)
		return -1;
	off = fdt_add_subnode(w->fdt, parent, name);
	if (off < 0)
		w->err = off;
	return off;
}

static void set_prop(struct fdt_writer *w, int node, const char *name, const void *val, int len)
{
	int ret;

	if (w->err || node < 0)
		return;
	ret = fdt_setprop(w->fdt, node, name, val, len);
	if (ret < 0)
		w->err = ret;
}

static void set_str(struct fdt_writer *w, int node, const char *name, const char *val)
{
	set_prop(w, node, name, val, (int)strlen(val) + 1);
}

static void set_u32(struct fdt_writer *w, int node, const char *name, uint32_t val)
{
	fdt32_t v = cpu_to_fdt32(val);

	set_prop(w, node, name, &v, sizeof(v));
}

static void set_u64(struct fdt_writer *w, int node, const char *name, uint64_t val)
{
	fdt64_t v = cpu_to_fdt64(val);

	set_prop(w, node, name, &v, sizeof(v));
}

static void set_cells(struct fdt_writer *w, int node, const char *name, const uint32_t *cells,
		      int n)
{
	fdt32_t be[16];

	for (int i = 0; i < n && i < 16; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	set_prop(w, node, name, be, n * (int)sizeof(fdt32_t));
}

/* A "reg" with #address-cells = #size-cells = 2 and up to two ranges. */
static void set_reg2(struct fdt_writer *w, int node, uint64_t a0, uint64_t s0, uint64_t a1,
		     uint64_t s1)
{
	uint32_t cells[8] = {
		(uint32_t)(a0 >> 32), (uint32_t)a0, (uint32_t)(s0 >> 32), (uint32_t)s0,
		(uint32_t)(a1 >> 32), (uint32_t)a1, (uint32_t)(s1 >> 32), (uint32_t)s1,
	};

	set_cells(w, node, "reg", cells, s1 ? 8 : 4);
}

static void node_name(char *buf, size_t len, const char *base, uint64_t addr)
{
	snprintf(buf, len, "%s@%llx", base, (unsigned long long)addr);
}

static void add_cpus(struct fdt_writer *w, const struct guest_fdt_desc *d)
{
	int cpus = add_node(w, 0, "cpus");
	char name[32];

	set_u32(w, cpus, "#address-cells", 2);
	set_u32(w, cpus, "#size-cells", 0);
	for (unsigned int i = 0; i < d->ncpus; i++) {
		int cpu;

		node_name(name, sizeof(name), "cpu", d->mpidr[i]);
		cpu = add_node(w, cpus, name);
		set_str(w, cpu, "device_type", "cpu");
		set_str(w, cpu, "compatible", "arm,armv8");
		set_str(w, cpu, "enable-method", "psci");
		set_u64(w, cpu, "reg", d->mpidr[i]);
	}
}

static void add_psci(struct fdt_writer *w)
{
	static const char compat[] = "arm,psci-0.2\0arm,psci";
	int psci = add_node(w, 0, "psci");

	set_prop(w, psci, "compatible", compat, sizeof(compat));
	set_str(w, psci, "method", "hvc");
}

/* The MSI controller is a child of the GIC node, as on real boards. */
static void add_msi_controller(struct fdt_writer *w, const struct guest_fdt_desc *d, int gic)
{
	const struct guest_fdt_msi *m = &d->msi;
	char name[40];
	int node;

	if (!d->nr_pci || m->kind == GUEST_MSI_NONE)
		return;
	if (m->kind == GUEST_MSI_ITS) {
		node_name(name, sizeof(name), "its", m->base);
		node = add_node(w, gic, name);
		set_str(w, node, "compatible", "arm,gic-v3-its");
	} else {
		node_name(name, sizeof(name), "v2m", m->base);
		node = add_node(w, gic, name);
		set_str(w, node, "compatible", "arm,gic-v2m-frame");
		set_u32(w, node, "arm,msi-base-spi", m->v2m_spi_base + 32);
		set_u32(w, node, "arm,msi-num-spis", m->v2m_spi_count);
	}
	set_prop(w, node, "msi-controller", NULL, 0);
	if (m->kind == GUEST_MSI_ITS)
		set_u32(w, node, "#msi-cells", 1);
	set_reg2(w, node, m->base, m->size, 0, 0);
	set_u32(w, node, "phandle", GUEST_FDT_PHANDLE_MSI);
}

static void add_gic(struct fdt_writer *w, const struct guest_fdt_desc *d)
{
	char name[32];
	int gic;

	node_name(name, sizeof(name), "intc", d->gic_dist_base);
	gic = add_node(w, 0, name);
	if (d->gic == GUEST_GIC_V3) {
		set_str(w, gic, "compatible", "arm,gic-v3");
		set_reg2(w, gic, d->gic_dist_base, d->gic_dist_size, d->gic_redist_base,
			 d->gic_redist_size);
	} else {
		set_str(w, gic, "compatible", "arm,cortex-a15-gic");
		set_reg2(w, gic, d->gic_dist_base, d->gic_dist_size, d->gic_cpu_base,
			 d->gic_cpu_size);
	}
	set_u32(w, gic, "#interrupt-cells", 3);
	set_prop(w, gic, "interrupt-controller", NULL, 0);
	set_u32(w, gic, "#address-cells", 2);
	set_u32(w, gic, "#size-cells", 2);
	set_prop(w, gic, "ranges", NULL, 0);
	set_u32(w, gic, "phandle", GUEST_FDT_PHANDLE_GIC);
	add_msi_controller(w, d, gic);
}

static void add_timer(struct fdt_writer *w, const struct guest_fdt_desc *d)
{
	/* GICv2 encodes the target CPUs of a PPI in flag bits [15:8]. */
	uint32_t cpumask = d->gic == GUEST_GIC_V2 ? ((1u << d->ncpus) - 1) << 8 : 0;
	uint32_t flags = cpumask | IRQ_LEVEL_LOW;
	/* Secure, non-secure, virtual and hypervisor timer PPIs. */
	uint32_t irqs[12] = { GIC_PPI, 13, flags, GIC_PPI, 14, flags,
			      GIC_PPI, 11, flags, GIC_PPI, 10, flags };
	int timer = add_node(w, 0, "timer");

	set_str(w, timer, "compatible", "arm,armv8-timer");
	set_cells(w, timer, "interrupts", irqs, 12);
	set_prop(w, timer, "always-on", NULL, 0);
}

static void add_uart(struct fdt_writer *w, const struct guest_fdt_desc *d)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	static const char clk_names[] = "uartclk\0apb_pclk";
	uint32_t irq[3] = { GIC_SPI, d->uart_spi, IRQ_LEVEL_HIGH };
	uint32_t clocks[2] = { GUEST_FDT_PHANDLE_CLK, GUEST_FDT_PHANDLE_CLK };
	char name[32];
	int clk, uart;

	clk = add_node(w, 0, "apb-pclk");
	set_str(w, clk, "compatible", "fixed-clock");
	set_u32(w, clk, "#clock-cells", 0);
	set_u32(w, clk, "clock-frequency", 24000000);
	set_str(w, clk, "clock-output-names", "clk24mhz");
	set_u32(w, clk, "phandle", GUEST_FDT_PHANDLE_CLK);

	node_name(name, sizeof(name), "pl011", d->uart_base);
	uart = add_node(w, 0, name);
	set_prop(w, uart, "compatible", compat, sizeof(compat));
	set_reg2(w, uart, d->uart_base, 0x1000, 0, 0);
	set_cells(w, uart, "interrupts", irq, 3);
	set_cells(w, uart, "clocks", clocks, 2);
	set_prop(w, uart, "clock-names", clk_names, sizeof(clk_names));
}

static void add_exit_status(struct fdt_writer *w, const struct guest_fdt_desc *d)
{
	char name[40];
	int node;

	if (!d->exit_base)
		return;
	node_name(name, sizeof(name), "exit-status", d->exit_base);
	node = add_node(w, 0, name);
	set_str(w, node, "compatible", "splitvirt,exit-status");
	set_reg2(w, node, d->exit_base, 0x1000, 0, 0);
}

/*
 * INTx: slot s pin p (1..4) raises SPI intx_spi_base + (s + p - 1) % 4, the
 * usual swizzle, so guests and firmware agree without a table of our own.
 */
static void add_pci_intx_map(struct fdt_writer *w, const struct guest_fdt_pci *p, int node)
{
	enum { CELLS = 10, SLOTS = 32 };
	static uint32_t map[SLOTS * 4 * CELLS];
	/* Match on the device number and the pin only. */
	uint32_t mask[4] = { 0xf800, 0, 0, 7 };
	unsigned int n = 0;

	for (uint32_t slot = 0; slot < SLOTS; slot++) {
		for (uint32_t pin = 1; pin <= 4; pin++) {
			uint32_t *e = &map[n++ * CELLS];

			e[0] = slot << 11; /* phys.hi: devfn in bits 15:8 */
			e[1] = 0;
			e[2] = 0;
			e[3] = pin;
			e[4] = GUEST_FDT_PHANDLE_GIC;
			e[5] = 0; /* GIC #address-cells = 2 */
			e[6] = 0;
			e[7] = GIC_SPI;
			e[8] = p->intx_spi_base + (slot + pin - 1) % 4;
			e[9] = IRQ_LEVEL_HIGH;
		}
	}
	if (w->err)
		return;
	for (unsigned int i = 0; i < n * CELLS; i++)
		map[i] = cpu_to_fdt32(map[i]);
	set_prop(w, node, "interrupt-map", map, (int)(n * CELLS * sizeof(uint32_t)));
	set_cells(w, node, "interrupt-map-mask", mask, 4);
}

static void add_pci(struct fdt_writer *w, const struct guest_fdt_desc *d,
		    const struct guest_fdt_pci *p)
{
	/* ranges: <flags pci-addr(2) cpu-addr(2) size(2)>; 0x02 = 32-bit MEM, 0x43 = 64-bit pref MEM. */
	uint32_t ranges[14] = {
		0x02000000,
		(uint32_t)(p->mmio32_base >> 32),
		(uint32_t)p->mmio32_base,
		(uint32_t)(p->mmio32_base >> 32),
		(uint32_t)p->mmio32_base,
		(uint32_t)(p->mmio32_size >> 32),
		(uint32_t)p->mmio32_size,
		0x43000000,
		(uint32_t)(p->mmio64_base >> 32),
		(uint32_t)p->mmio64_base,
		(uint32_t)(p->mmio64_base >> 32),
		(uint32_t)p->mmio64_base,
		(uint32_t)(p->mmio64_size >> 32),
		(uint32_t)p->mmio64_size,
	};
	uint32_t bus_range[2] = { 0, (uint32_t)(p->ecam_size >> 20) - 1 };
	/* requester id r (bus 0 only) is DeviceID devid_base + r */
	uint32_t msi_map[4] = { 0, GUEST_FDT_PHANDLE_MSI, p->msi_devid_base,
				0x100 * (bus_range[1] + 1) };
	char name[32];
	int node;

	node_name(name, sizeof(name), "pcie", p->ecam_base);
	node = add_node(w, 0, name);
	set_str(w, node, "compatible", "pci-host-ecam-generic");
	set_str(w, node, "device_type", "pci");
	set_u32(w, node, "#address-cells", 3);
	set_u32(w, node, "#size-cells", 2);
	set_u32(w, node, "#interrupt-cells", 1);
	set_reg2(w, node, p->ecam_base, p->ecam_size, 0, 0);
	set_cells(w, node, "bus-range", bus_range, 2);
	set_u32(w, node, "linux,pci-domain", p->domain);
	set_cells(w, node, "ranges", ranges, p->mmio64_size ? 14 : 7);
	set_prop(w, node, "dma-coherent", NULL, 0);
	if (d->msi.kind == GUEST_MSI_ITS)
		set_cells(w, node, "msi-map", msi_map, 4);
	else if (d->msi.kind == GUEST_MSI_V2M)
		set_u32(w, node, "msi-parent", GUEST_FDT_PHANDLE_MSI);
	if (p->dma_size)
		set_u32(w, node, "memory-region", GUEST_FDT_PHANDLE_DMA_BASE + p->domain);
	add_pci_intx_map(w, p, node);
}

/*
 * Each DMA window: memory of its own (the pool must be in the kernel's
 * linear map, so it is RAM, not no-map) and a restricted-dma-pool that
 * reserves all of it, so the kernel allocates nothing else there. The
 * memory nodes go first: adding a node to the root moves the offsets of
 * the nodes after it, /reserved-memory among them.
 */
static void add_dma_windows(struct fdt_writer *w, const struct guest_fdt_desc *d)
{
	int resv = -1;
	char name[40];

	for (unsigned int i = 0; i < d->nr_pci; i++) {
		const struct guest_fdt_pci *p = &d->pci[i];
		int mem;

		if (!p->dma_size)
			continue;
		node_name(name, sizeof(name), "memory", p->dma_base);
		mem = add_node(w, 0, name);
		set_str(w, mem, "device_type", "memory");
		set_reg2(w, mem, p->dma_base, p->dma_size, 0, 0);
	}
	for (unsigned int i = 0; i < d->nr_pci; i++) {
		const struct guest_fdt_pci *p = &d->pci[i];
		int pool;

		if (!p->dma_size)
			continue;
		if (resv < 0) {
			resv = add_node(w, 0, "reserved-memory");
			set_u32(w, resv, "#address-cells", 2);
			set_u32(w, resv, "#size-cells", 2);
			set_prop(w, resv, "ranges", NULL, 0);
		}
		/* A child goes in before its siblings: resv itself stays where it is. */
		node_name(name, sizeof(name), "dma-window", p->dma_base);
		pool = add_node(w, resv, name);
		set_str(w, pool, "compatible", "restricted-dma-pool");
		set_reg2(w, pool, p->dma_base, p->dma_size, 0, 0);
		set_u32(w, pool, "phandle", GUEST_FDT_PHANDLE_DMA_BASE + p->domain);
	}
}

static void add_memory_and_chosen(struct fdt_writer *w, const struct guest_fdt_desc *d)
{
	char name[32];
	int mem, chosen;

	node_name(name, sizeof(name), "memory", d->mem_base);
	mem = add_node(w, 0, name);
	set_str(w, mem, "device_type", "memory");
	set_reg2(w, mem, d->mem_base, d->mem_size, 0, 0);

	chosen = add_node(w, 0, "chosen");
	set_str(w, chosen, "bootargs", d->bootargs ? d->bootargs : "");
	node_name(name, sizeof(name), "/pl011", d->uart_base);
	set_str(w, chosen, "stdout-path", name);
	if (d->initrd_end) {
		set_u64(w, chosen, "linux,initrd-start", d->initrd_start);
		set_u64(w, chosen, "linux,initrd-end", d->initrd_end);
	}
}

int guest_fdt_build(const struct guest_fdt_desc *d, void *buf, size_t size)
{
	struct fdt_writer w = { .fdt = buf };
	int ret;

	if (d->ncpus == 0 || d->ncpus > GUEST_FDT_MAX_CPUS || size > INT32_MAX)
		return -EINVAL;
	if (d->gic != GUEST_GIC_V2 && d->gic != GUEST_GIC_V3)
		return -EINVAL;
	if (d->initrd_end && d->initrd_end < d->initrd_start)
		return -EINVAL;
	if (d->nr_pci > GUEST_FDT_MAX_PCI || (d->nr_pci && !d->pci))
		return -EINVAL;
	for (unsigned int i = 0; i < d->nr_pci; i++) {
		if (d->pci[i].domain >= GUEST_FDT_MAX_PCI)
			return -EINVAL;
	}
	ret = fdt_create_empty_tree(buf, (int)size);
	if (ret < 0)
		return -ENOSPC;

	set_str(&w, 0, "compatible", "linux,dummy-virt");
	set_str(&w, 0, "model", "splitvirt");
	set_u32(&w, 0, "#address-cells", 2);
	set_u32(&w, 0, "#size-cells", 2);
	set_u32(&w, 0, "interrupt-parent", GUEST_FDT_PHANDLE_GIC);
	add_cpus(&w, d);
	add_psci(&w);
	add_gic(&w, d);
	add_timer(&w, d);
	add_uart(&w, d);
	add_exit_status(&w, d);
	for (unsigned int i = 0; i < d->nr_pci; i++)
		add_pci(&w, d, &d->pci[i]);
	add_memory_and_chosen(&w, d);
	add_dma_windows(&w, d);
	if (w.err)
		return w.err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
	ret = fdt_pack(buf);
	if (ret < 0)
		return -EINVAL;
	return (int)fdt_totalsize(buf);
}
