/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device table: one descriptor per virtio device type, and the one
 * place that knows what a type is called, which options it takes, how it
 * is written in a device VM's sv.link parameter, and how a model over a
 * real backend is created. Everything that handles devices goes through
 * it: the vmm's command line and its local devices, the topology parser
 * and validator, the sv.link format and the devmodel. Adding a device type
 * is one file in lib/devices/ and one entry in lib/devices/device_table.c
 * (docs/adding-a-device.md).
 */
#ifndef SPLITVIRT_DEVICE_TYPE_H
#define SPLITVIRT_DEVICE_TYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <splitvirt/gmem.h>

struct virtio_dev;
struct virtio_console_backend;

enum sv_dev_type { SV_DEV_BLK, SV_DEV_NET, SV_DEV_CONSOLE, SV_DEV_RNG, SV_DEV_FS, SV_DEV_NR_TYPES };

#define SV_DEV_PATH_MAX 1023
#define SV_DEV_IFNAME_MAX 15 /* IFNAMSIZ - 1 */
#define SV_DEV_TAG_MAX 35 /* a virtio-fs tag, as the driver VM mounts it */

/*
 * Who serves a device VM's device: the devmodel's own model (default), a
 * standard vhost-user back-end the device VM runs, or the device VM
 * kernel's vhost (vhost-net), the devmodel keeping the PCI function
 * (docs/vhost-user.md). Written "NAME@vhost-user=ARG" in sv.link,
 * "backend: vhost-user" in a topology.
 */
enum sv_dev_backend {
	SV_DEV_BACKEND_DEVMODEL,
	SV_DEV_BACKEND_VHOST_USER,
	SV_DEV_BACKEND_VHOST_NET,
	SV_DEV_NR_BACKENDS
};

/* One device as configured: the fields its type does not take are zero. */
struct sv_dev_spec {
	enum sv_dev_type type;
	char path[SV_DEV_PATH_MAX + 1]; /* blk: raw image or block device; fs: directory */
	bool read_only; /* blk */
	char bridge[SV_DEV_IFNAME_MAX + 1]; /* net: Linux bridge the tap joins, "" for none */
	char tap[SV_DEV_IFNAME_MAX + 1]; /* net: the tap to use, "" for the host's choice */
	uint8_t mac[6]; /* net, if has_mac */
	bool has_mac; /* net; without one the host picks a MAC */
	char tag[SV_DEV_TAG_MAX + 1]; /* fs: what the driver VM mounts (mount -t virtiofs TAG) */
	enum sv_dev_backend backend; /* types with SV_DEV_F_VHOST_USER only */
};

/* The options of a spec a type takes (sv_dev_desc.opts). */
#define SV_DEV_OPT_PATH (1u << 0)
#define SV_DEV_OPT_RO (1u << 1)
#define SV_DEV_OPT_BRIDGE (1u << 2)
#define SV_DEV_OPT_TAP (1u << 3)
#define SV_DEV_OPT_MAC (1u << 4)
#define SV_DEV_OPT_TAG (1u << 5)

/* Rules of a type across the devices of a topology (sv_dev_desc.flags). */
#define SV_DEV_F_ONE_PER_VM (1u << 0) /* one per driver VM, local or remote */
#define SV_DEV_F_ONE_PER_LINK (1u << 1) /* one per (driver VM, device VM) link */
#define SV_DEV_F_UNIQUE_PATH (1u << 2) /* no two with one path from one device VM */
#define SV_DEV_F_VHOST_USER (1u << 3) /* a vhost-user back-end can serve it (vhost_user_*) */
#define SV_DEV_F_ONE_TAG (1u << 4) /* no two with one tag in one driver VM */
#define SV_DEV_F_VHOST_NET (1u << 5) /* the kernel's vhost-net can serve it (vhost_net_create) */

struct vhost_user_dev_region;

/* What the process that creates a device provides for it. */
struct sv_dev_host {
	const struct gmem *gm;
	const char *label; /* names the device in log lines */
	const char *serial; /* blk: serial number (at most 20 bytes), or NULL */
	const char *tap; /* net: the tap to open when the spec names none */
	const uint8_t *default_mac; /* net: when the spec has none; NULL: the model's */
	/* console: where its I/O goes (stdio in the vmm, a tee in the devmodel) */
	int (*console_open)(void *ctx, struct virtio_console_backend **out);
	void *ctx;
	/* backend vhost-user: the back-end's socket, and the guest memory it may map */
	const char *vhost_socket;
	const struct vhost_user_dev_region *regions;
	unsigned int nr_regions;
	/*
	 * A driver may already use the device (a devmodel taking it over
	 * after a restart): a blk whose backing store cannot be opened is
	 * created all the same, failing every request, instead of not at all.
	 */
	bool in_use;
};

struct sv_dev_desc {
	const char *name; /* topology type, sv.link keyword, vmm --device type */
	uint16_t virtio_id; /* VIRTIO_ID_* */
	uint16_t max_queues; /* what its model creates; checked against what hosts allow */
	unsigned int opts; /* SV_DEV_OPT_* it takes */
	/* Of opts, what a device served by a device VM must give. */
	unsigned int remote_needs;
	unsigned int flags; /* SV_DEV_F_* */
	/*
	 * Value rules of d's fields: 0, or -EINVAL with a message naming
	 * where (e.g. "sv.link0 device 1"). NULL: nothing to check.
	 */
	int (*check)(const struct sv_dev_spec *d, const char *where, char *err, size_t errlen);
	/*
	 * sv.link: fills d from ARG of "NAME=ARG" (arg is NULL for a bare
	 * "NAME"). NULL: the type takes no ARG.
	 */
	int (*link_parse)(struct sv_dev_spec *d, const char *arg, const char *where, char *err,
			  size_t errlen);
	/*
	 * sv.link: writes ARG (snprintf-like; a length of 0 writes a bare
	 * NAME), or -EINVAL with a message if d cannot be written there.
	 */
	int (*link_arg)(const struct sv_dev_spec *d, char *buf, size_t size, const char *where,
			char *err, size_t errlen);
	/* The model over its real backend. Logs what failed with h->label. */
	int (*create)(const struct sv_dev_spec *d, const struct sv_dev_host *h,
		      struct virtio_dev **out);
	/*
	 * SV_DEV_F_VHOST_USER: the model whose queues the back-end at
	 * h->vhost_socket serves. A type without create has no other.
	 */
	int (*vhost_user_create)(const struct sv_dev_spec *d, const struct sv_dev_host *h,
				 struct virtio_dev **out);
	/*
	 * SV_DEV_F_VHOST_USER: the back-end's command line, listening on
	 * socket (words without blanks, one space apart; snprintf-like), for
	 * the device VM's init to run and restart.
	 */
	int (*vhost_user_command)(const struct sv_dev_spec *d, const char *socket, char *buf,
				  size_t size);
	/* SV_DEV_F_VHOST_NET: the model whose queues the kernel's vhost-net serves. */
	int (*vhost_net_create)(const struct sv_dev_spec *d, const struct sv_dev_host *h,
				struct virtio_dev **out);
};

/* The descriptor of type, or NULL if there is none. */
const struct sv_dev_desc *sv_dev_desc(enum sv_dev_type type);
/* The type called name (length len); -ENOENT if none. */
int sv_dev_find(const char *name, size_t len, enum sv_dev_type *type);
/* "blk", "net", ...; "?" for an unknown type. */
const char *sv_dev_type_name(enum sv_dev_type type);
/* "devmodel" or "vhost-user"; "?" for others. */
const char *sv_dev_backend_name(enum sv_dev_backend b);
/* The back-end called name (length len); -ENOENT if none. */
int sv_dev_find_backend(const char *name, size_t len, enum sv_dev_backend *b);
/*
 * Where the vhost-user back-end of device k of link id listens inside the
 * device VM, under dir (NULL: SV_DEV_VHOST_DIR): the devmodel connects
 * there, the back-end the init starts listens there.
 */
int sv_dev_vhost_socket(const char *dir, unsigned int link_id, unsigned int k, char *buf,
			size_t size);
#define SV_DEV_VHOST_DIR "/run/splitvirt/vhost"
/* "blk, net, console or rng": every type, for messages. */
const char *sv_dev_type_list(void);
/*
 * Checks d against its type's rules and options: 0, or -EINVAL with a
 * message naming where (e.g. "--device" or "sv.link0 device 1").
 */
int sv_dev_check(const struct sv_dev_spec *d, const char *where, char *err, size_t errlen);
/* The same, and whether a device VM can serve d (it can be written in sv.link). */
int sv_dev_link_check(const struct sv_dev_spec *d, const char *where, char *err, size_t errlen);
/*
 * Writes d as sv.link's "NAME[@BACKEND][=ARG]" (snprintf-like), or -EINVAL
 * if sv_dev_link_check fails.
 */
int sv_dev_link_format(const struct sv_dev_spec *d, char *buf, size_t size);
/* Parses sv.link's "NAME[@BACKEND][=ARG]" (len bytes of tok) into d (zeroed first). */
int sv_dev_link_parse(const char *tok, struct sv_dev_spec *d, const char *where, char *err,
		      size_t errlen);

/*
 * Parses "TYPE[,KEY=VALUE|FLAG]..." (the vmm's --device): keys path,
 * bridge, tap, mac and the flag ro, each only for a type that takes it.
 * Returns 0 or -EINVAL with a message in err.
 */
int sv_dev_parse_opts(const char *text, struct sv_dev_spec *d, char *err, size_t errlen);
/* The same for the options only, of an already chosen type in d->type. */
int sv_dev_parse_opt(struct sv_dev_spec *d, const char *key, const char *value, const char *where,
		     char *err, size_t errlen);

/*
 * Creates the model of d through its type's descriptor (its vhost-user
 * one for backend vhost-user). -EINVAL, logged, if the model has more
 * queues than its descriptor declares.
 */
int sv_dev_create(const struct sv_dev_spec *d, const struct sv_dev_host *h,
		  struct virtio_dev **out);

/* Whether a vhost-user back-end serves d (asked for, or the type's only way). */
bool sv_dev_uses_vhost_user(const struct sv_dev_spec *d);
/* Whether anything but the devmodel serves d's queues (vhost-user or vhost-net). */
bool sv_dev_offloaded(const struct sv_dev_spec *d);
/*
 * The command line of d's vhost-user back-end listening on socket, for the
 * device VM's init; -EINVAL if d has no such back-end.
 */
int sv_dev_vhost_command(const struct sv_dev_spec *d, const char *socket, char *buf, size_t size);

/* Shared value rules, for the descriptors and the topology parser. */
bool sv_dev_ifname_ok(const char *s, size_t len);
/* 1-max letters, digits, '_', '-' or '.' (interface names, virtio-fs tags). */
bool sv_dev_name_ok(const char *s, size_t len, size_t max);
/*
 * A device VM path sv.link can carry (one word of a kernel command line):
 * absolute, at most SV_DEV_LINK_PATH_MAX bytes, no blanks, control
 * characters, quotes or commas.
 */
bool sv_dev_link_path_ok(const char *s, size_t len);
#define SV_DEV_LINK_PATH_MAX 255
int sv_dev_parse_mac(const char *text, uint8_t mac[6]);

#endif
