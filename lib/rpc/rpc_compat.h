/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel-compatible RPC core (rpc_layout.c, rpc_ring.c, rpc_msg.c,
 * rpc_chan.c) needs from its environment: errno values, memset, logging and
 * the two ordered accesses to shared indices. Nothing else from libc.
 *
 * Memory ordering: sv_load_acquire() of an index orders every later access
 * after it (a consumer reads entries only after seeing prod advance);
 * sv_store_release() orders every earlier access before it (a producer's
 * entry writes, or a consumer's entry reads, happen before the index move).
 */
#ifndef SPLITVIRT_RPC_COMPAT_H
#define SPLITVIRT_RPC_COMPAT_H

#ifdef __KERNEL__
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <asm/barrier.h>

/* Parenthesized: the kernel macros expand *p, and callers pass expressions. */
#define sv_load_acquire(p) smp_load_acquire((p))
#define sv_store_release(p, v) smp_store_release((p), (v))
#else
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include <splitvirt/log.h>

#define sv_load_acquire(p) atomic_load_explicit(p, memory_order_acquire)
#define sv_store_release(p, v) atomic_store_explicit(p, v, memory_order_release)
#endif

/*
 * Copy a message or header out of shared memory exactly once, word by word,
 * so the compiler can neither re-read the peer-writable source later nor
 * tear the copy into smaller accesses. The private side goes through memcpy
 * (no aliasing assumptions about its type).
 */
static inline void sv_rpc_read_shared(void *dst, const void *src, unsigned int words)
{
	const volatile __u64 *s = (const volatile __u64 *)src;

	for (unsigned int i = 0; i < words; i++) {
		__u64 w = s[i];

		memcpy((char *)dst + i * sizeof(w), &w, sizeof(w));
	}
}

/* The reverse: each word of shared memory is stored exactly once. */
static inline void sv_rpc_write_shared(void *dst, const void *src, unsigned int words)
{
	volatile __u64 *d = (volatile __u64 *)dst;

	for (unsigned int i = 0; i < words; i++) {
		__u64 w;

		memcpy(&w, (const char *)src + i * sizeof(w), sizeof(w));
		d[i] = w;
	}
}

/*
 * Logging for peer misbehaviour: a hostile peer can trigger it at will, so
 * callers only log when a counter reaches a power of two.
 */
static inline int sv_rpc_should_log(unsigned long count)
{
	return count != 0 && (count & (count - 1)) == 0;
}

#endif
