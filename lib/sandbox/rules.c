// SPDX-License-Identifier: GPL-2.0
/*
 * The seccomp allow-lists, as data. Each entry is there because the
 * process calls it after the filter is installed; the comments say who.
 * Everything not listed kills the process: execve, ptrace, mount,
 * module loading, bpf, setuid and friends, namespaces, keyrings, ...
 *
 * The vmm installs its filter once the VM is built (KVM VM and vCPUs,
 * devices, taps, disks and guest RAM mapped), so its list has no open()
 * (openat fails with EACCES, for libc's sake): a compromised vmm can use
 * only the fds it already holds. The devmodel
 * reopens /dev/splitvirt VM handles, disks and taps whenever a link comes
 * back, so its list is wider (openat, AF_UNIX/AF_INET/AF_NETLINK sockets).
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>

#include <splitvirt/kmod_uapi.h>
#include <splitvirt/sandbox.h>

/* An ioctl's type byte (_IOC_TYPE), to allow a whole family: KVM's, ours. */
#define IOC_TYPE_MASK 0xff00ull
#define KVMIO_TYPE 0xAEull
#define VFIO_IOC_TYPE 0x3Bull /* ';', <linux/vfio.h> */
#define VHOST_VIRTIO_TYPE 0xAFull /* VHOST_VIRTIO, <linux/vhost.h> */

#define ALLOW(n)            \
	{                   \
		.name = (n) \
	}
#define ALLOW_ARG(n, a, m, v)                                                       \
	{                                                                           \
		.name = (n), .cmp = SV_SC_EQ, .arg = (a), .mask = (m), .value = (v) \
	}
#define IOCTL(req) ALLOW_ARG("ioctl", 1, 0xffffffffull, (uint64_t)(unsigned int)(req))
#define IOCTL_TYPE(t) ALLOW_ARG("ioctl", 1, IOC_TYPE_MASK, (uint64_t)(t) << 8)

/*
 * What every sandboxed splitvirt process needs at run time: I/O on the fds
 * it holds, memory, threads, its event loop, signals between its threads.
 */
#define COMMON_RULES                                                                                                         \
	/* fds: guest console, disks, taps, eventfds, the log */                                                             \
	ALLOW("read"), ALLOW("write"), ALLOW("readv"), ALLOW("writev"), ALLOW("pread64"),                                    \
		ALLOW("pwrite64"), ALLOW("preadv"), ALLOW("pwritev"), ALLOW("preadv2"),                                      \
		ALLOW("pwritev2"), ALLOW("lseek"), ALLOW("close"), ALLOW("dup"), ALLOW("dup3"),                              \
		ALLOW("fcntl"), ALLOW("fstat"), ALLOW("newfstatat"),                                                         \
		ALLOW("statx"), /* virtio-blk: flush, discard, write-zeroes */                                               \
		ALLOW("fsync"), ALLOW("fdatasync"),                                                                          \
		ALLOW("fallocate"), /* virtio-blk async I/O: blk_raw.c's rings run READV/WRITEV only */                      \
		ALLOW("io_uring_enter"), /* the event loop (lib/util/event_loop.c), doorbells */                             \
		ALLOW("epoll_create1"), ALLOW("epoll_ctl"), ALLOW("epoll_pwait"),                                            \
		ALLOW("epoll_pwait2"), ALLOW("ppoll"), ALLOW("pselect6"),                                                    \
		ALLOW("eventfd2"), /* malloc, guest memory windows */                                                        \
		ALLOW("mmap"), ALLOW("munmap"), ALLOW("mprotect"), ALLOW("madvise"),                                         \
		ALLOW("mremap"),                                                                                             \
		ALLOW("brk"), /* threads: pthread_create is clone(CLONE_THREAD); no fork */                                  \
		ALLOW("futex"), ALLOW("set_robust_list"), ALLOW("rseq"), ALLOW("set_tid_address"),                           \
		ALLOW_ARG(                                                                                                   \
			"clone", 0, CLONE_THREAD,                                                                            \
			CLONE_THREAD), /* clone3's flags are in memory a filter cannot read: ENOSYS makes glibc use clone */ \
		{ .name = "clone3", .action = SV_SC_ENOSYS }, ALLOW("exit"), ALLOW("exit_group"),                            \
		ALLOW("sched_yield"), ALLOW("sched_getaffinity"),                                                            \
		ALLOW("membarrier"), /* signals: vCPU kicks, pthread_cancel, abort() -- only to ourselves */                 \
		ALLOW("rt_sigaction"), ALLOW("rt_sigprocmask"), ALLOW("rt_sigreturn"),                                       \
		ALLOW("rt_sigtimedwait"), ALLOW("sigaltstack"), ALLOW("restart_syscall"),                                    \
		{ .name = "tgkill", .cmp = SV_SC_SELF_PID, .arg = 0 }, ALLOW("gettid"),                                      \
		ALLOW("getpid"), ALLOW("getppid"), ALLOW("getuid"), ALLOW("geteuid"),                                        \
		ALLOW("getgid"),                                                                                             \
		ALLOW("getegid"), /* time, randomness (MAC addresses, virtio-rng) */                                         \
		ALLOW("clock_gettime"), ALLOW("clock_getres"), ALLOW("clock_nanosleep"),                                     \
		ALLOW("nanosleep"), ALLOW("gettimeofday"),                                                                   \
		ALLOW("getrandom"), /* terminals: isatty() and the console's raw mode; not TIOCSTI (typing into it) */       \
		IOCTL(TCGETS), IOCTL(TCSETS), IOCTL(TCSETSW), IOCTL(TCSETSF), IOCTL(TIOCGWINSZ),                             \
		IOCTL(FIONBIO),                                                                                              \
		IOCTL(FIONREAD), /* taps: offloads follow the guest's virtio-net features */                                 \
		IOCTL(TUNSETOFFLOAD), IOCTL(TUNSETVNETHDRSZ), IOCTL(TUNGETFEATURES),                                         \
		IOCTL(TUNGETIFF), /* multi-queue taps: queues follow VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET and resets */           \
		IOCTL(TUNSETQUEUE)

static const struct sv_sc_rule vmm_rules[] = {
	COMMON_RULES,
	/* KVM_RUN, irqfds, ioeventfds, MSI routing, memory slots of dataports */
	IOCTL_TYPE(KVMIO_TYPE),
	/* passthrough: MSI-X eventfds follow the guest (VFIO_DEVICE_SET_IRQS), reset at exit */
	IOCTL_TYPE(VFIO_IOC_TYPE),
	/*
	 * Nothing is opened, but glibc opens files behind our back and copes
	 * when that fails: the first heap shrink of a thread's malloc arena
	 * reads /proc/sys/vm/overcommit_memory (killed the vmm at exit after
	 * a disk's bounce buffers were freed, bench/crossvm-nvme). Refused,
	 * not fatal.
	 */
	{ .name = "openat", .action = SV_SC_EACCES },
};

static const struct sv_sc_rule devmodel_rules[] = {
	COMMON_RULES,
	/* /dev/splitvirt and its VM handles, reopened when links come back */
	IOCTL_TYPE(SV_IOCTL_TYPE),
	/* a link's devices are recreated on reopen: disks, taps, console sockets */
	ALLOW("openat"),
	ALLOW("unlinkat"),
	ALLOW("mkdirat"),
	ALLOW("ftruncate"),
	ALLOW("getdents64"),
	ALLOW("faccessat"),
	ALLOW("readlinkat"),
	ALLOW("umask"),
	ALLOW("fchmod"),
	ALLOW("fchmodat"),
	ALLOW("faccessat2"),
	ALLOW("getcwd"),
	ALLOW("pipe2"),
	IOCTL(TUNSETIFF),
	IOCTL(BLKSSZGET),
	IOCTL(BLKGETSIZE64),
	/*
	 * No io_uring_setup or io_uring_register: the devmodel's disks, even
	 * reopened ones, take rings prepared before this filter
	 * (virtio_blk_prepare_rings), each restricted to READV/WRITEV without
	 * SQE flags. A ring of its own would give a compromised devmodel
	 * openat, sockets of any family and the rest past this filter.
	 */
	/* a pty console backend: posix_openpt(), unlockpt(), ptsname() */
	IOCTL(TIOCGPTN),
	IOCTL(TIOCSPTLCK),
	/* adding a tap to its bridge (lib/util/net_bridge.c) */
	IOCTL(SIOCBRADDIF),
	IOCTL(SIOCGIFFLAGS),
	IOCTL(SIOCSIFFLAGS),
	IOCTL(SIOCGIFINDEX),
	/* bridge ioctls, if_nametoindex(), console sockets: these families only */
	ALLOW_ARG("socket", 0, 0xffffffffull, AF_UNIX),
	ALLOW_ARG("socket", 0, 0xffffffffull, AF_INET),
	ALLOW_ARG("socket", 0, 0xffffffffull, AF_NETLINK),
	ALLOW("bind"),
	ALLOW("listen"),
	ALLOW("accept4"),
	ALLOW("connect"),
	ALLOW("getsockname"),
	ALLOW("getsockopt"),
	ALLOW("setsockopt"),
	ALLOW("sendto"),
	ALLOW("recvfrom"),
	ALLOW("sendmsg"),
	ALLOW("recvmsg"),
	ALLOW("shutdown"),
	/* vhost-net: the rings handed to the device VM's kernel (lib/vhost/vhost_kernel.c) */
	IOCTL_TYPE(VHOST_VIRTIO_TYPE),
	/* vhost-user back-ends: the reconnect timer (lib/vhost/vhost_user_dev.c) */
	ALLOW("timerfd_create"),
	ALLOW("timerfd_settime"),
};

const struct sv_sc_rule *sv_sandbox_rules(enum sv_sandbox_profile p, size_t *n)
{
	if (p == SV_SANDBOX_DEVMODEL) {
		*n = sizeof(devmodel_rules) / sizeof(devmodel_rules[0]);
		return devmodel_rules;
	}
	*n = sizeof(vmm_rules) / sizeof(vmm_rules[0]);
	return vmm_rules;
}

bool sv_sandbox_allows(enum sv_sandbox_profile p, const char *name)
{
	size_t n;
	const struct sv_sc_rule *r = sv_sandbox_rules(p, &n);

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(r[i].name, name) && r[i].action == SV_SC_ALLOW)
			return true;
	}
	return false;
}

const char *sv_sandbox_profile_name(enum sv_sandbox_profile p)
{
	return p == SV_SANDBOX_DEVMODEL ? "devmodel" : "vmm";
}

static const char *const mode_names[] = {
	[SV_SECCOMP_KILL] = "kill",
	[SV_SECCOMP_LOG] = "log",
	[SV_SECCOMP_OFF] = "off",
};

int sv_seccomp_mode_parse(const char *text, enum sv_seccomp_mode *mode)
{
	*mode = SV_SECCOMP_KILL;
	if (!text || !*text)
		return 0;
	for (unsigned int i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcmp(text, mode_names[i])) {
			*mode = (enum sv_seccomp_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *sv_seccomp_mode_name(enum sv_seccomp_mode mode)
{
	return (unsigned int)mode < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[mode] :
										 "?";
}
