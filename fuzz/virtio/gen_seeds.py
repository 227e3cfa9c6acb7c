#!/usr/bin/env python3
# Writes the kept seed corpora for the virtio fuzzers (fuzz/corpus/<target>/).
# Seeds are well-formed sessions; the fuzzer mutates them into hostile ones.
import os
import struct
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus"
RAM = 0x1000          # fuzz_virtq guest RAM gpa
PRAM = 0x40000000     # fuzz_virtio_pci guest RAM gpa
MRG_RXBUF = 1 << 15   # VIRTIO_NET_F_MRG_RXBUF


def desc(addr, ln, flags, nxt):
    return struct.pack("<QIHH", addr, ln, flags, nxt)


def virtq_seed(indirect, event_idx, size_log2=3):
    ram = bytearray(0xA040)
    d = desc(RAM + 0x8000, 16, 1, 1) + desc(RAM + 0x9000, 64, 2, 0)
    d += desc(RAM + 0xA000, 32, 4, 0) if indirect else desc(RAM + 0x9100, 8, 0, 0)
    ram[0:len(d)] = d
    ram[0xA000:0xA020] = desc(RAM + 0x8100, 8, 1, 1) + desc(RAM + 0x9200, 8, 2, 0)
    ram[0x4000:0x4008] = struct.pack("<HHHH", 0, 2, 0, 2)
    hdr = struct.pack("<BBHHH", size_log2, (1 if event_idx else 0) | (2 if indirect else 0), 0, 0, 0)
    return hdr + bytes(ram)


def op(kind, size_log2, off, val):
    return struct.pack("<BBHI", kind, size_log2, off, val & 0xffffffff)


def cfgw(off, size, val):
    return op(1, {1: 0, 2: 1, 4: 2}[size], off, val)


def barw(off, size, val):
    return op(3, {1: 0, 2: 1, 4: 2, 8: 3}[size], off, val)


def memw(off, val):
    return op(4, 2, off, val)


def bulk(q, n, ln, off, stride, readable=False):
    """Posts n buffers of ln bytes at PRAM + off + i * stride on queue q."""
    return op(4 | 0x20 | (q << 6), stride, (n - 1) | (0x400 if readable else 0),
              ln | (off << 12))


def net_frame(ln, step=0, base=0):
    """The network sends ln bytes (words counting from base by step if step)."""
    return op(6 | 0x20, step, 0, ln | (base << 17))


def pci_seed(dev, qsize=8, request=True, data_len=512, features0=0):
    s = bytes([dev])
    s += cfgw(0x10, 4, 0xe0000000) + cfgw(0x14, 4, 0) + cfgw(0x18, 4, 0xe0100000)
    s += cfgw(0x04, 2, 0x6) + cfgw(0x98 + 2, 2, 0x8000)
    s += barw(0x14, 1, 1) + barw(0x14, 1, 3)
    s += barw(0x08, 4, 1) + barw(0x0c, 4, 1)          # VERSION_1
    s += barw(0x08, 4, 0) + barw(0x0c, 4, 0x30000000 | features0)  # INDIRECT, EVENT_IDX
    s += barw(0x14, 1, 0xb)
    for q in range(2 if dev in (2, 3) else 1):
        base = 0x3000 * q
        s += barw(0x16, 2, q) + barw(0x18, 2, qsize) + barw(0x1a, 2, q + 1)
        s += barw(0x20, 4, PRAM + base) + barw(0x24, 4, 0)
        s += barw(0x28, 4, PRAM + base + 0x1000) + barw(0x2c, 4, 0)
        s += barw(0x30, 4, PRAM + base + 0x2000) + barw(0x34, 4, 0)
        s += barw(0x1c, 2, 1)
    s += barw(0x14, 1, 0xf)
    if not request:
        return s
    # One request on queue 0: 16-byte header, data buffer, status byte.
    s += memw(0x00, PRAM + 0x8000) + memw(0x08, 16) + memw(0x0c, 0x00010001)
    s += memw(0x10, PRAM + 0x9000) + memw(0x18, data_len) + memw(0x1c, 0x00020003)
    s += memw(0x20, PRAM + 0x9000 + max(data_len, 0x400)) + memw(0x28, 1) + memw(0x2c, 0x00000002)
    s += memw(0x1000, 0x00010000) + memw(0x1004, 0)
    s += barw(0x3000, 2, 0)
    s += op(6, 0, 0, 0) + op(5, 0, 0, 0) + op(0, 2, 0x98, 0) + op(2, 2, 0x1000, 0)
    return s


def net_tiny_bufs():
    """256 receive buffers of 16 bytes hold 4 KiB: a 64 KiB frame never fits."""
    s = pci_seed(3 | 4, 256, False, features0=MRG_RXBUF) + bulk(0, 256, 16, 0x8000, 16)
    s += net_frame(12 + 65550) + op(6, 0, 0, 0) + net_frame(12 + 100) + op(6, 0, 0, 0)
    return s


def net_refill_avail_idx():
    """Buffer 0 takes the header, every other one lies on avail->idx of queue 0,
    and the frame written into them keeps moving it 128 entries ahead."""
    s = pci_seed(3 | 4, 256, False, features0=MRG_RXBUF) + bulk(0, 256, 2, 0x1002, 0)
    s += memw(0x00, PRAM + 0x8000) + memw(0x04, 0) + memw(0x08, 12) + memw(0x0c, 2)
    s += net_frame(12 + 65550, 1, 128 - 4) + op(6, 0, 0, 0)
    return s


def rng_budget():
    """More requests than one drain budget: served in rounds through requeue."""
    return pci_seed(0, 256, False) + bulk(0, 200, 16, 0x8000, 16) + op(5, 0, 0, 0)


def write(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


write("fuzz_virtq", "direct", virtq_seed(False, False))
write("fuzz_virtq", "indirect_event_idx", virtq_seed(True, True))
write("fuzz_virtq", "empty", struct.pack("<BBHHH", 4, 0, 0, 0, 0))
for dev, name in enumerate(["rng", "blk", "console", "net"]):
    write("fuzz_virtio_pci", name, pci_seed(dev))
# A 8 KiB segment on a disk whose size_max is 4 KiB (bit 3: small limits).
write("fuzz_virtio_pci", "blk_limits", pci_seed(1 | 8, data_len=8192))
write("fuzz_virtio_pci", "net_tiny_bufs", net_tiny_bufs())
write("fuzz_virtio_pci", "net_refill_avail_idx", net_refill_avail_idx())
write("fuzz_virtio_pci", "rng_budget", rng_budget())
write("fuzz_virtio_pci", "cfg_walk", bytes([0]) + b"".join(op(0, 2, o, 0) for o in range(0, 0x100, 4)))
