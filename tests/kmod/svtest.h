/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What svlink (the driver side, on the board host) and svctl devtest (the
 * devmodel side, in the device VM) agree on for the end-to-end test.
 */
#ifndef SVTEST_H
#define SVTEST_H

#define SVT_LINK_ID 0u
#define SVT_PEER "svlink"
#define SVT_RAM_GPA 0x40000000ull
#define SVT_RAM_SIZE (16ull << 20)
#define SVT_RAM_MAGIC "SVRAM-OK"
#define SVT_RAM_REPLY "SVDEV-OK"
#define SVT_RAM_REPLY_OFF 4096u

#define SVT_REGION_GPA 0x10000000ull
#define SVT_REGION_SIZE 0x1000ull
#define SVT_KICK_GPA 0x10000100ull /* ioeventfd on kick 0 */
#define SVT_QUIT_GPA 0x10000ff0ull /* devtest exits on a read here, unanswered */
#define SVT_MSI_ADDR 0x8090040ull
#define SVT_MSI_DATA 0x40u
#define SVT_READ_VALUE 0x12345678ull
#define SVT_CFG_VALUE 0x5a5a5a5aull

#endif
