#!/usr/bin/env python3
# Writes the kept seed corpus of fuzz_io_proxy (see the fuzzer's header
# comment for the script format). Seeds are well-behaved device sides plus a
# few hostile steps; the fuzzer mutates them further. Run from the
# repository root.
import os
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus/fuzz_io_proxy"

EVENT, RAW, PATCH, RING, ACCESS, RESET, REOPEN, SERVE = range(8)
HELLO_EVT, SET_IRQ, MSI, REGISTER, REGION, START, IOEVENTFD, IRQFD, RESET_EVT = range(9)
ITS_DOORBELL = 0x08080000 + 0x10040
V2M_DOORBELL = 0x08020000 + 0x40
MMIO32, MMIO64 = 0x10000000, 0x8000000000
SIZES = {1: 0, 2: 1, 4: 2, 8: 3, 3: 4}
DATA, ERROR, FORGE_SLOT, FORGE_ANY, SILENT = range(5)
QUICK_TIMEOUT = 0x80


def event(kind, *args):
    args = list(args) + [0] * (6 - len(args))
    return struct.pack("<BB6Q", EVENT, kind, *args)


def ring():
    return bytes([RING])


def register(index):
    return event(REGISTER, index)


def region(gpa, size, flags=0):
    return event(REGION, gpa, size, flags)


def access(where, off, size, how, value=0, write=False, answer=b""):
    flags = SIZES[size] | (0x80 if write else 0)
    return struct.pack("<BBBBHQ", ACCESS, where, flags, how, off, value) + answer


def ecam(slot):
    return 3 * slot


def announce():
    return (register(0) + region(MMIO32, 0x1000) +
            event(IOEVENTFD, MMIO32 + 0x100, 0, 2, 0) +
            event(IRQFD, 0, ITS_DOORBELL, 5, 1, 0) + event(START) + ring())


def write(name, gic_its, body):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([1 if gic_its else 0]) + body)


def main():
    os.makedirs(OUT, exist_ok=True)
    write("basic", True, announce() +
          access(ecam(0), 0, 4, DATA, 0x10421af4) +
          access(ecam(0), 0x3d, 1, DATA, 1) +
          access(ecam(0), 4, 2, DATA, 6, write=True) +
          access(1, 0x10, 4, DATA, 0x12345678) +
          access(1, 0xff8, 8, DATA, 0x1122334455667788) +
          access(ecam(1), 0, 4, DATA))
    write("interrupts_its", True, register(0) + register(1) + ring() +
          event(IOEVENTFD, MMIO32 + 0x104, 3, 4 | 1 << 8, 1) +
          event(IRQFD, 1, ITS_DOORBELL, 9, 1, 1) +
          event(IRQFD, 1, ITS_DOORBELL, 9, 3, 1) +
          event(MSI, ITS_DOORBELL, 2, 1) + event(SET_IRQ, 1, 2) +
          event(SET_IRQ, 0, 1) + event(SET_IRQ, 0, 0) + ring())
    write("interrupts_v2m", False, register(0) + ring() +
          event(IRQFD, 0, V2M_DOORBELL, 96, 1, 0) +
          event(MSI, V2M_DOORBELL, 100, 0) + event(MSI, V2M_DOORBELL, 20, 0) + ring())
    write("regions", True, region(MMIO64, 0x4000) + region(0x40000000, 0x1000) +
          region(MMIO32 + 0x1ffff000, 0x2000) + region(MMIO32, 0x1000) +
          region(MMIO32 + 0x800, 0x1000) + ring() +
          access(2, 0x3ff8, 8, DATA, 7) + region(MMIO32, 0x1000, 1) + ring() +
          access(1, 0, 4, DATA))
    write("hostile_replies", True, announce() +
          access(ecam(0), 0, 4, ERROR, answer=b"\x05") +
          access(ecam(0), 0, 2, FORGE_SLOT,
                 answer=struct.pack("<QQ", 0, 8 | 0 << 8)) +
          access(ecam(0), 8, 4, FORGE_ANY,
                 answer=bytes([2, 1, 3, 0]) + bytes(60) + struct.pack("<H", 3)) +
          access(ecam(0), 0, 4, SILENT) +
          access(ecam(0), 0, 4, SILENT | QUICK_TIMEOUT) +
          access(1, 0, 4, SILENT | QUICK_TIMEOUT) +
          bytes([SERVE, 0, 1, 0]) + access(ecam(0), 0, 4, DATA, 1))
    write("restart_replay", True, announce() + bytes([RESET, 0]) + announce() +
          bytes([REOPEN]) + announce() + event(RESET_EVT, 0) +
          event(HELLO_EVT, 0x10000) + ring() + access(ecam(0), 0, 4, DATA, 1))
    # Offsets in the 8 KiB iobuf: event ring producer 0x200, slots from 0x280.
    write("iobuf_patch", True, announce() +
          bytes([PATCH, 0x40, 0x04, 64]) + bytes([0x5a] * 64) + ring() +
          bytes([RAW, 1]) + struct.pack("<BBHiII6Q", 0x23, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0) +
          bytes([RAW, 0]) + bytes([0xa5] * 64) + ring() +
          bytes([PATCH, 0x00, 0x02, 4, 0xff, 0xff, 0xff, 0x7f]) + ring() +
          access(ecam(0), 0, 4, DATA, 1))


main()
