/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMM_ARGS_H
#define VMM_ARGS_H

#include <stdint.h>
#include <stdio.h>

#include <splitvirt/link_args.h>
#include <splitvirt/log.h>

#define VMM_MAX_CPUS 8
#define VMM_DEFAULT_MEM (256ull << 20)
#define VMM_MIN_MEM (32ull << 20)
#define VMM_MAX_MEM (16ull << 30)

#define VMM_MAX_DISKS 8
#define VMM_MAX_NETS 4
#define VMM_MAX_LINKS 8 /* --link options, and --serve options */

struct vmm_disk_arg {
	char path[4096];
	int read_only;
};

struct vmm_net_arg {
	char tap[16]; /* IFNAMSIZ */
	char bridge[16]; /* enslave the tap to this bridge, "" = leave it alone */
	uint8_t mac[6];
	int has_mac;
};

enum vmm_gic_choice {
	VMM_GIC_AUTO = 0,
	VMM_GIC_V2 = 2,
	VMM_GIC_V3 = 3,
};

struct vmm_args {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	uint64_t mem_size;
	unsigned int cpus;
	enum vmm_gic_choice gic;
	enum sv_log_level log_level;
	struct vmm_disk_arg disks[VMM_MAX_DISKS];
	unsigned int ndisks;
	struct vmm_net_arg nets[VMM_MAX_NETS];
	unsigned int nnets;
	int console; /* virtio-console on the vmm's stdio */
	int rng;
	const char *name;
	int ram_fd; /* guest RAM memfd from the supervisor, -1: create one */
	struct sv_link_args links[VMM_MAX_LINKS]; /* driver side */
	unsigned int nlinks;
	struct sv_link_args serves[VMM_MAX_LINKS]; /* device side */
	unsigned int nserves;
	unsigned int start_timeout; /* seconds to wait for START_VM */
	int help;
};

/*
 * Parses argv into args. On error returns -EINVAL and writes a message
 * naming the bad argument and the fix into err (errlen bytes).
 */
int vmm_args_parse(int argc, char *const argv[], struct vmm_args *args, char *err, size_t errlen);
/* Parses "FILE[,ro]"; -EINVAL with a message in err. */
int vmm_parse_disk(const char *text, struct vmm_disk_arg *disk, char *err, size_t errlen);
/* Parses "tap=NAME[,mac=XX:XX:XX:XX:XX:XX][,bridge=BR]"; -EINVAL with a message in err. */
int vmm_parse_net(const char *text, struct vmm_net_arg *net, char *err, size_t errlen);
void vmm_args_usage(FILE *out, const char *prog);

#endif
