// SPDX-License-Identifier: GPL-2.0
#include "pci.h"

/* ECAM: bus in bits 27:20, device 19:15, function 14:12, register 11:0. */
struct ecam_addr ecam_decode(uint64_t offset)
{
	struct ecam_addr a = {
		.bus = (uint8_t)(offset >> 20),
		.dev = (uint8_t)((offset >> 15) & 0x1f),
		.fn = (uint8_t)((offset >> 12) & 0x7),
		.reg = (uint16_t)(offset & 0xfff),
	};

	return a;
}
