// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a dead vhost-user back-end's in-flight buffer, read by
 * the front-end to fail what it had. Input:
 *   bytes 0-1  number of queues the buffer claims (at most 8)
 *   byte 2     the queue asked about; byte 3: log2 of the ring size (0-10)
 *   bytes 4-5  the ring's used index now
 *   rest       the buffer
 * Every head returned is inside the ring, none twice; forgetting leaves
 * no record in flight. Nothing may crash or read outside the buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/vhost_user.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t heads[1024], used, nq, ring, again[1024];
	uint8_t seen[1024] = { 0 };
	uint8_t *buf;
	size_t len;
	int n;

	if (size < 6)
		return 0;
	nq = (uint16_t)((data[0] | data[1] << 8) % 9);
	ring = (uint16_t)(1u << (data[3] % 11));
	used = (uint16_t)(data[4] | data[5] << 8);
	len = size - 6;
	/* Its own allocation: a read past the end is caught, not hidden in the input. */
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 6, len);
	n = vhost_user_inflight_heads(buf, len, nq, data[2], ring, used, heads);
	for (int i = 0; i < n; i++) {
		if (heads[i] >= ring || seen[heads[i]]++)
			__builtin_trap();
	}
	if (n >= 0 && vhost_user_inflight_forget(buf, len, nq, data[2], ring, used) == 0 &&
	    vhost_user_inflight_heads(buf, len, nq, data[2], ring, used, again) != 0)
		__builtin_trap();
	free(buf);
	return 0;
}
