/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMM_ARGS_H
#define VMM_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <splitvirt/device_type.h>
#include <splitvirt/host_pci.h>
#include <splitvirt/link_args.h>
#include <splitvirt/log.h>
#include <splitvirt/machine.h>

/* Local devices of one vmm (--disk, --net, --console, --rng, --device). */

enum vmm_gic_choice {
	VMM_GIC_AUTO = 0,
	VMM_GIC_V2 = 2,
	VMM_GIC_V3 = 3,
};

#define VMM_MAX_PASSTHROUGH SV_VM_MAX_PASSTHROUGH

struct vmm_args {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	uint64_t mem_size;
	unsigned int cpus;
	enum vmm_gic_choice gic;
	enum sv_log_level log_level;
	struct sv_dev_spec devs[SV_VM_MAX_LOCAL_DEVICES]; /* in command-line order */
	unsigned int ndevs;
	const char *name;
	int ram_fd; /* guest RAM memfd from the supervisor, -1: create one */
	struct sv_link_args links[SV_VM_MAX_LINKS]; /* driver side */
	unsigned int nlinks;
	struct sv_link_args serves[SV_VM_MAX_LINKS]; /* device side */
	unsigned int nserves;
	unsigned int start_timeout; /* seconds to wait for START_VM */
	int reboot_fd; /* signalled on PSCI SYSTEM_RESET before exiting, or -1 */
	char passthrough[VMM_MAX_PASSTHROUGH]
			[SV_PCI_BDF_SIZE]; /* host PCI functions, DDDD:BB:DD.F */
	unsigned int npassthrough;
	unsigned int trace_records; /* --trace; 0: off */
	int help;
};

/*
 * Parses argv into args. On error returns -EINVAL and writes a message
 * naming the bad argument and the fix into err (errlen bytes).
 */
int vmm_args_parse(int argc, char *const argv[], struct vmm_args *args, char *err, size_t errlen);
/* Whether the command line asked for a local device of type. */
bool vmm_args_has(const struct vmm_args *args, enum sv_dev_type type);
void vmm_args_usage(FILE *out, const char *prog);

#endif
