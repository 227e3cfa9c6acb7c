#!/usr/bin/env python3
# Writes the kept seed corpus of fuzz_io_proxy (see the fuzzer's header
# comment for the script format). Seeds are well-behaved device sides plus a
# few hostile steps; the fuzzer mutates them further. Run from the
# repository root.
import os
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus/fuzz_io_proxy"

EVENT, RAW, PATCH, RING, ACCESS, RESET, REOPEN, SERVE, BAR, MSIX = range(10)
HELLO_EVT, SET_IRQ, MSI, REGISTER, REGION, START, IOEVENTFD, IRQFD, RESET_EVT = range(9)
ITS_DOORBELL = 0x08080000 + 0x10040
V2M_DOORBELL = 0x08020000 + 0x40
MMIO32, MMIO64 = 0x10000000, 0x8000000000
DECOY_INTID = 0x9f  # fuzz_io_proxy.c: a local device's vector
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


def bar(slot, index, order, base4k=0, is64=False):
    """The guest sizes (2^order bytes), places at window + base4k * 4 KiB and enables BAR index."""
    return struct.pack("<BBBBBH", BAR, slot, index, order - 12, 1 if is64 else 0, base4k)


def msix(slot, nvec, table_bar, on=True):
    """The guest finds MSI-X at 0x40 (table at offset 0 of table_bar) and turns it on/off."""
    return bytes([MSIX, slot, nvec - 1, table_bar, 1 if on else 0])


def vector(table, v, addr, data):
    """The guest programs MSI-X vector v of a table at MMIO32 + table."""
    e = table + 16 * v
    return (access(1, e, 4, DATA, addr & 0xffffffff, write=True) +
            access(1, e + 4, 4, DATA, addr >> 32, write=True) +
            access(1, e + 8, 4, DATA, data, write=True))


def ecam(slot):
    return 3 * slot


def announce():
    return (register(0) + ring() + bar(0, 0, 12) + region(MMIO32, 0x1000) +
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
    write("bars_follow_guest", True, register(0) + register(1) + ring() +
          bar(0, 0, 12) + bar(0, 2, 14, 0, True) + bar(1, 0, 12, 1) +
          region(MMIO32, 0x1000) + region(MMIO64, 0x4000) + region(MMIO32 + 0x1000, 0x1000) +
          region(0x2f001000, 0x1000) + event(IOEVENTFD, MMIO32 + 0x100, 0, 2, 0) +
          event(IOEVENTFD, 0x2f000100, 0, 2, 1) + ring() +
          access(1, 0x10, 4, DATA, 5) + access(1, 0x1010, 4, DATA, 6) +
          bar(0, 0, 12, 4) + access(1, 0x10, 4, DATA, 7) +
          access(ecam(0), 4, 2, DATA, 0, write=True) + access(2, 0x10, 4, DATA, 8))
    write("msix_v2m", False, register(0) + register(1) + ring() +
          bar(0, 0, 12) + bar(1, 0, 12, 1) + region(MMIO32, 0x1000) +
          region(MMIO32 + 0x1000, 0x1000) + ring() + msix(0, 4, 0) + msix(1, 4, 0) +
          vector(0, 0, V2M_DOORBELL, 100) + vector(0x1000, 1, V2M_DOORBELL, 101) +
          event(MSI, V2M_DOORBELL, 100, 0) + event(MSI, V2M_DOORBELL, 101, 0) +
          event(MSI, V2M_DOORBELL, 101, 1) + event(IRQFD, 0, V2M_DOORBELL, 100, 1, 0) +
          event(IRQFD, 1, V2M_DOORBELL, 100, 1, 1) + ring() +
          # A local device's SPI (the fuzzer's decoy): never the function's.
          event(MSI, V2M_DOORBELL, DECOY_INTID, 0) +
          event(IRQFD, 1, V2M_DOORBELL, DECOY_INTID, 1, 1) + ring() +
          vector(0, 0, V2M_DOORBELL, 102) + msix(0, 4, 0, False) +
          event(MSI, V2M_DOORBELL, 102, 0) + ring())
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
