// SPDX-License-Identifier: GPL-2.0
/*
 * The PCI driver for the dataport function (<splitvirt/dataport.h>): one
 * link per bound function. Probe maps the three BARs, checks the registers
 * and attaches the device side of the RPC; remove tears down whatever an
 * open handle still has and leaves it with -ENODEV.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "svk_internal.h"

/* clang-format off */
static const struct pci_device_id svk_pci_ids[] = {
	{ PCI_DEVICE(SV_DP_VENDOR_ID, SV_DP_DEVICE_ID) },
	{}
};
/* clang-format on */
MODULE_DEVICE_TABLE(pci, svk_pci_ids);

static irqreturn_t svk_rpc_irq(int irq, void *data)
{
	struct svk_link *l = data;

	/* The iobuf is read under a mutex: leave the work to a worker. */
	queue_work(system_highpri_wq, &l->rx_work);
	return IRQ_HANDLED;
}

static bool svk_id_taken(u32 id)
{
	struct svk_link *l;

	list_for_each_entry(l, &svk_links, node)
		if (l->id == id)
			return true;
	return false;
}

/* Copies the NUL-padded name register; anything unprintable becomes '?'. */
static void svk_read_name(struct svk_link *l)
{
	unsigned int i;

	for (i = 0; i < SV_DP_NAME_LEN; i += 4) {
		u32 w = readl(l->regs + SV_DP_NAME + i);

		memcpy(&l->name[i], &w, 4);
	}
	l->name[SV_DP_NAME_LEN] = 0;
	for (i = 0; i < SV_DP_NAME_LEN && l->name[i]; i++)
		if (l->name[i] < 0x20 || l->name[i] > 0x7e)
			l->name[i] = '?';
}

/*
 * The registers come from the device VM's own vmm, but a wrong value here
 * would turn into out-of-bounds accesses later: check every one of them.
 */
static int svk_check_regs(struct svk_link *l)
{
	struct pci_dev *pdev = l->pdev;
	u32 magic = readl(l->regs + SV_DP_MAGIC);
	u32 version = readl(l->regs + SV_DP_VERSION);
	resource_size_t iobuf_len = pci_resource_len(pdev, SV_DP_BAR_IOBUF);
	resource_size_t ram_len = pci_resource_len(pdev, SV_DP_BAR_RAM);

	if (magic != SV_DP_MAGIC_VALUE || version != SV_DP_VERSION_VALUE) {
		dev_err(&pdev->dev, "not a dataport: magic %#x version %u (want %#x, %u)\n", magic,
			version, SV_DP_MAGIC_VALUE, SV_DP_VERSION_VALUE);
		return -ENODEV;
	}
	l->id = readl(l->regs + SV_DP_LINK_ID);
	l->nr_kicks = readl(l->regs + SV_DP_NR_KICKS);
	l->nr_calls = readl(l->regs + SV_DP_NR_CALLS);
	l->iobuf_size = readl(l->regs + SV_DP_IOBUF_SIZE);
	l->ram_gpa = lo_hi_readq(l->regs + SV_DP_RAM_GPA);
	l->ram_size = lo_hi_readq(l->regs + SV_DP_RAM_SIZE);
	l->ram_window = readl(l->regs + SV_DP_RAM_FLAGS) & SV_DP_RAM_F_WINDOW;
	svk_read_name(l);
	if (l->nr_kicks > SV_DP_MAX_KICKS || l->nr_calls > SV_DP_MAX_CALLS) {
		dev_err(&pdev->dev, "%u kicks / %u calls: at most %u / %u\n", l->nr_kicks,
			l->nr_calls, SV_DP_MAX_KICKS, SV_DP_MAX_CALLS);
		return -EINVAL;
	}
	if (l->iobuf_size < SV_RPC_MIN_SIZE || l->iobuf_size > SV_RPC_MAX_SIZE ||
	    !is_power_of_2(l->iobuf_size) || l->iobuf_size > iobuf_len) {
		dev_err(&pdev->dev, "iobuf size %u does not fit BAR2 (%pa bytes) or the RPC\n",
			l->iobuf_size, &iobuf_len);
		return -EINVAL;
	}
	if (!l->ram_size || !PAGE_ALIGNED(l->ram_size) || l->ram_size > ram_len) {
		dev_err(&pdev->dev, "RAM size %#llx is not page-aligned or exceeds BAR4 (%pa)\n",
			l->ram_size, &ram_len);
		return -EINVAL;
	}
	if (l->ram_gpa + l->ram_size < l->ram_gpa) {
		dev_err(&pdev->dev, "RAM %#llx+%#llx wraps\n", l->ram_gpa, l->ram_size);
		return -EINVAL;
	}
	l->state_off = readl(l->regs + SV_DP_STATE_OFF);
	l->state_size = readl(l->regs + SV_DP_STATE_SIZE);
	if (l->state_size && (!PAGE_ALIGNED(l->state_off) || !PAGE_ALIGNED(l->state_size) ||
			      l->state_off < l->iobuf_size || l->state_size > SV_STATE_AREA_MAX ||
			      (u64)l->state_off + l->state_size > iobuf_len)) {
		dev_err(&pdev->dev, "saved-state area %#x+%#x does not fit BAR2 (%pa bytes)\n",
			l->state_off, l->state_size, &iobuf_len);
		return -EINVAL;
	}
	return 0;
}

static void svk_free_vectors(struct svk_link *l)
{
	unsigned int i;

	if (!l->nvec)
		return;
	free_irq(pci_irq_vector(l->pdev, SV_DP_VEC_RPC), l);
	for (i = 1; i < l->nvec; i++)
		free_irq(pci_irq_vector(l->pdev, i), &l->kick_vec[i - 1]);
	pci_free_irq_vectors(l->pdev);
	l->nvec = 0;
}

static int svk_request_vectors(struct svk_link *l, unsigned int nvec)
{
	struct pci_dev *pdev = l->pdev;
	unsigned int i;
	int ret;

	ret = pci_alloc_irq_vectors(pdev, nvec, nvec, PCI_IRQ_MSIX);
	if (ret < 0)
		return ret;
	snprintf(l->rpc_irq_name, sizeof(l->rpc_irq_name), "splitvirt%u-rpc", l->id);
	ret = request_irq(pci_irq_vector(pdev, SV_DP_VEC_RPC), svk_rpc_irq, 0, l->rpc_irq_name, l);
	if (ret)
		goto free_vecs;
	for (i = 1; i < nvec; i++) {
		struct svk_kick_vec *kv = &l->kick_vec[i - 1];

		kv->link = l;
		kv->kick = i - 1;
		snprintf(kv->name, sizeof(kv->name), "splitvirt%u-kick%u", l->id, kv->kick);
		ret = request_irq(pci_irq_vector(pdev, i), svk_kick_irq, 0, kv->name, kv);
		if (ret)
			goto free_irqs;
	}
	l->nvec = nvec;
	return 0;

free_irqs:
	while (--i >= 1)
		free_irq(pci_irq_vector(pdev, i), &l->kick_vec[i - 1]);
	free_irq(pci_irq_vector(pdev, SV_DP_VEC_RPC), l);
free_vecs:
	pci_free_irq_vectors(pdev);
	return ret;
}

/*
 * All vectors, else the request doorbell alone (kicks then reach us as MMIO
 * write requests: slower, same result), else polling: the link keeps
 * working, and dmesg says why it is slow.
 */
static void svk_setup_vectors(struct svk_link *l)
{
	struct device *dev = &l->pdev->dev;
	int ret = svk_request_vectors(l, 1 + l->nr_kicks);

	if (!ret)
		return;
	dev_err(dev, "link %u: cannot get %u MSI-X vectors (%d); kicks will be MMIO requests\n",
		l->id, 1 + l->nr_kicks, ret);
	if (l->nr_kicks && !svk_request_vectors(l, 1))
		return;
	dev_err(dev, "link %u: MSI-X unavailable; polling for requests every %u ms\n", l->id,
		SVK_POLL_MS);
}

static int svk_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
	const char *mode;
	struct svk_link *l;
	int ret;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	kref_init(&l->ref);
	INIT_LIST_HEAD(&l->node);
	l->pdev = pci_dev_get(pdev);
	mutex_init(&l->lock);
	spin_lock_init(&l->kick_lock);
	INIT_LIST_HEAD(&l->ioeventfds);
	INIT_WORK(&l->rx_work, svk_rx_work);
	INIT_DELAYED_WORK(&l->poll_work, svk_poll_work);
	init_waitqueue_head(&l->wq);

	ret = pci_enable_device(pdev);
	if (ret)
		goto put;
	ret = pci_request_regions(pdev, KBUILD_MODNAME);
	if (ret)
		goto disable;
	pci_set_master(pdev);
	if (!(pci_resource_flags(pdev, SV_DP_BAR_REGS) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, SV_DP_BAR_REGS) < SV_DP_REGS_SIZE ||
	    !(pci_resource_flags(pdev, SV_DP_BAR_IOBUF) & IORESOURCE_MEM) ||
	    !(pci_resource_flags(pdev, SV_DP_BAR_RAM) & IORESOURCE_MEM)) {
		dev_err(&pdev->dev, "BAR0/2/4 missing or not memory\n");
		ret = -ENODEV;
		goto release;
	}
	l->regs = pci_iomap(pdev, SV_DP_BAR_REGS, SV_DP_REGS_SIZE);
	if (!l->regs) {
		ret = -ENOMEM;
		goto release;
	}
	ret = svk_check_regs(l);
	if (ret)
		goto unmap_regs;
	/* Ordinary shared RAM behind the BAR (a memfd in the host): cached. */
	l->iobuf = memremap(pci_resource_start(pdev, SV_DP_BAR_IOBUF), l->iobuf_size, MEMREMAP_WB);
	if (!l->iobuf) {
		dev_err(&pdev->dev, "cannot map the iobuf\n");
		ret = -ENOMEM;
		goto unmap_regs;
	}
	if (l->state_size) {
		l->state = memremap(pci_resource_start(pdev, SV_DP_BAR_IOBUF) + l->state_off,
				    l->state_size, MEMREMAP_WB);
		if (!l->state) {
			dev_err(&pdev->dev, "cannot map the saved-state area\n");
			ret = -ENOMEM;
			goto unmap_iobuf;
		}
	} else {
		dev_warn(&pdev->dev,
			 "no saved-state area: a devmodel restart cannot take the devices over\n");
	}
	l->ram_phys = pci_resource_start(pdev, SV_DP_BAR_RAM);

	mutex_lock(&svk_links_lock);
	if (svk_id_taken(l->id)) {
		mutex_unlock(&svk_links_lock);
		dev_err(&pdev->dev, "link id %u is already bound to another function\n", l->id);
		ret = -EEXIST;
		goto unmap_iobuf;
	}
	/* Published under svk_links_lock only once it is complete (below). */
	mutex_lock(&l->lock);
	svk_rpc_start(l, SV_RPC_RESET_RESTART);
	svk_unlock_ring(l);
	svk_setup_vectors(l);
	pci_set_drvdata(pdev, l);
	list_add_tail(&l->node, &svk_links);
	mutex_unlock(&svk_links_lock);

	if (l->nvec == 1 + l->nr_kicks)
		mode = "MSI-X";
	else
		mode = l->nvec ? "MSI-X (no kicks)" : "polled";
	dev_info(
		&pdev->dev,
		"link %u \"%s\": %u kicks, %u calls, iobuf %u bytes, state area %u bytes, %s %#llx+%#llx, %s\n",
		l->id, l->name, l->nr_kicks, l->nr_calls, l->iobuf_size, l->state_size,
		l->ram_window ? "DMA window" : "RAM", l->ram_gpa, l->ram_size, mode);
	/* Requests may have been queued before we came. */
	queue_work(system_highpri_wq, &l->rx_work);
	if (!l->nvec)
		schedule_delayed_work(&l->poll_work, msecs_to_jiffies(SVK_POLL_MS));
	return 0;

unmap_iobuf:
	if (l->state)
		memunmap(l->state);
	memunmap(l->iobuf);
unmap_regs:
	pci_iounmap(pdev, l->regs);
release:
	pci_release_regions(pdev);
disable:
	pci_disable_device(pdev);
put:
	svk_link_put(l);
	return ret;
}

static void svk_remove(struct pci_dev *pdev)
{
	struct svk_link *l = pci_get_drvdata(pdev);

	mutex_lock(&svk_links_lock);
	list_del_init(&l->node);
	mutex_unlock(&svk_links_lock);

	mutex_lock(&l->lock);
	l->dead = true;
	svk_vm_unplug(l);
	mutex_unlock(&l->lock);
	wake_up_all(&l->wq);

	/* No handler may run once the mappings below are gone. */
	svk_free_vectors(l);
	cancel_work_sync(&l->rx_work);
	cancel_delayed_work_sync(&l->poll_work);
	if (l->state)
		memunmap(l->state);
	memunmap(l->iobuf);
	pci_iounmap(pdev, l->regs);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	pci_set_drvdata(pdev, NULL);
	dev_info(&pdev->dev, "link %u removed\n", l->id);
	svk_link_put(l);
}

static struct pci_driver svk_pci_driver = {
	.name = KBUILD_MODNAME,
	.id_table = svk_pci_ids,
	.probe = svk_probe,
	.remove = svk_remove,
};

int svk_pci_init(void)
{
	return pci_register_driver(&svk_pci_driver);
}

void svk_pci_exit(void)
{
	pci_unregister_driver(&svk_pci_driver);
}
