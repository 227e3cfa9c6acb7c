/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --link (driver side) and --serve (device side) options: the objects the
 * supervisor created for one (driver VM, device VM) link, as inherited
 * file descriptors. The vmm owns the fds it is given.
 */
#ifndef VMM_LINK_ARGS_H
#define VMM_LINK_ARGS_H

#include <stddef.h>
#include <stdint.h>

#define VMM_MAX_LINKS 8
#define VMM_LINK_MAX_FDS 64

struct vmm_link_arg {
	unsigned int id;
	char peer[32];
	int iobuf_fd;
	int req_fd; /* driver -> device: requests posted */
	int resp_fd; /* device -> driver: replies/events posted */
	unsigned int nkicks;
	int kick_fds[VMM_LINK_MAX_FDS];
	unsigned int ncalls;
	int call_fds[VMM_LINK_MAX_FDS];
	/* --serve only: the driver VM's RAM */
	int ram_fd;
	uint64_t ram_gpa;
	uint64_t ram_size;
};

/*
 * Parses "id=0,peer=app,iobuf-fd=5,req-fd=6,resp-fd=7,kick-fds=8:9,call-fds=10:11"
 * (--link) or the same plus "ram-fd=4,ram-gpa=0x40000000,ram-size=268435456"
 * (--serve, serve != 0). -EINVAL with a message in err.
 */
int vmm_parse_link(const char *text, int serve, struct vmm_link_arg *link, char *err,
		   size_t errlen);

/* Closes every fd of the link (the owner's cleanup). */
void vmm_link_close(struct vmm_link_arg *link);

#endif
