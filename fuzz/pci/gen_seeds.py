#!/usr/bin/env python3
# Writes the kept seed corpus of fuzz_pci_cfg (fuzz/corpus/fuzz_pci_cfg/):
# well-formed guest sessions the fuzzer mutates into hostile ones. The
# input format is described at the top of fuzz/pci/fuzz_pci_cfg.c.
import os
import struct
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus"
CFG_READ, CFG_WRITE, MSIX_READ, MSIX_WRITE, FIRE, INTX, TAKEOVER = 0, 1, 3, 4, 5, 6, 7
BAR2, HIGH, RESET = 0x40, 0x80, 0x20


def op(kind, size, off, val):
    return struct.pack("<BBII", kind, size, off & 0xffffffff, val & 0xffffffff)


def layout(msix_in_bar2, nvec, table_off, pba_off):
    return bytes([1 if msix_in_bar2 else 0, nvec - 1, table_off >> 4, pba_off >> 4])


def place_and_decode(bar0, bar2):
    return (op(CFG_WRITE, 4, 0x10, bar0) + op(CFG_WRITE, 4, 0x14, 0) +
            op(CFG_WRITE, 4, 0x18, bar2) + op(CFG_WRITE, 4, 0x1c, 0) +
            op(CFG_WRITE, 2, 0x04, 0x6))


def program(kind, table_off, nvec):
    s = b""
    for v in range(nvec):
        e = table_off + 16 * v
        s += op(kind, 4, e, 0xfee00000 + v) + op(kind, 4, e + 4, 0)
        s += op(kind, 4, e + 8, 0x100 + v) + op(kind, 4, e + 12, 0)
    return s


def session():
    s = layout(True, 3, 0, 0x800) + place_and_decode(0xe0000000, 0xe0100000)
    s += program(MSIX_WRITE | BAR2, 0, 3)
    s += op(CFG_WRITE, 2, 0x42, 0x8000) + op(FIRE, 0, 0, 1)
    s += op(CFG_WRITE, 2, 0x42, 0xc000) + op(FIRE, 0, 0, 1) + op(FIRE, 0, 0, 2)
    s += op(MSIX_READ | BAR2, 8, 0x800, 0) + op(CFG_WRITE, 2, 0x42, 0x8000)
    s += op(TAKEOVER, 0, 0, 0) + op(CFG_WRITE, 2, 0x42, 0)
    s += op(INTX, 0, 0, 1) + op(CFG_WRITE, 2, 0x04, 0x406) + op(CFG_READ, 2, 0x06, 0)
    return s + op(INTX | RESET, 0, 0, 0)


def dataport_like():
    # MSI-X in BAR0 next to other registers, 65 vectors; sizing with decoding on.
    s = layout(False, 65, 0x800, 0xe00) + op(CFG_WRITE, 2, 0x04, 0x2)
    s += op(CFG_WRITE, 4, 0x10, 0xffffffff) + op(CFG_WRITE, 4, 0x14, 0xffffffff)
    s += op(CFG_READ, 4, 0x10, 0) + op(CFG_WRITE, 4, 0x10, 0xd0000000)
    s += op(CFG_WRITE, 4, 0x14, 0) + program(MSIX_WRITE, 0x800, 2)
    return s + op(CFG_WRITE, 2, 0x42, 0x8000) + op(MSIX_READ, 8, 0xc0c, 0)


def hostile():
    s = layout(True, 128, 0, 0x800)
    for off in (0, 3, 7, 8):
        s += op(MSIX_WRITE | BAR2 | HIGH, 8, off, ~0) + op(MSIX_READ | BAR2 | HIGH, 8, off, 0)
    s += op(MSIX_WRITE | BAR2, 8, 0x7fc, ~0) + op(MSIX_READ | BAR2, 3, 0x80c, 0)
    s += op(CFG_WRITE | RESET, 4, 0xffc, ~0) + op(CFG_WRITE | RESET, 4, 0xffffffff, ~0)
    return s + op(TAKEOVER, 0, 0x1234, 0x1ff) + op(FIRE, 0, 0, 0xffff)


d = os.path.join(root, "fuzz_pci_cfg")
os.makedirs(d, exist_ok=True)
for name, data in (("session", session()), ("dataport", dataport_like()), ("hostile", hostile())):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
