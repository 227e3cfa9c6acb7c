#!/usr/bin/env python3
# Writes the kept seed corpus of fuzz_devmodel_dispatch (see the fuzzer's
# header comment for the record format). Run from the repository root.
import os
import struct

OUT = "fuzz/corpus/fuzz_devmodel_dispatch"
GLOBAL = 0xFFFF
READ, WRITE, RESET = 0, 1, 0x80
DISPATCH, RAM, KICK, QUEUE = 0, 1, 2, 3
BUSY = 4  # toggles the driver side being behind before the record
RAM_GPA = 0x40000000
BAR0, BAR2 = 0x10000000, 0x10010000
MSIX_CAP = 0x98


def rec(as_, size, dir_, addr, data=0, how=DISPATCH, id_=1):
    return struct.pack("<IHBBQQiI", id_, as_, size, dir_, addr, data, 0, how)


def cfg_w(fn, off, size, val):
    return rec(fn, size, WRITE, off, val)


def mmio_w(addr, size, val):
    return rec(GLOBAL, size, WRITE, addr, val)


def place_bars(fn):
    return (cfg_w(fn, 0x10, 4, BAR0) + cfg_w(fn, 0x14, 4, 0) + cfg_w(fn, 0x18, 4, BAR2) +
            cfg_w(fn, 0x1C, 4, 0) + cfg_w(fn, 0x04, 2, 0x6))


def rng_up(fn):
    s = place_bars(fn)
    for v in range(2):
        e = BAR2 + 16 * v
        s += mmio_w(e, 4, 0x08090040) + mmio_w(e + 4, 4, 0) + mmio_w(e + 8, 4, v)
        s += mmio_w(e + 12, 4, 0)
    s += cfg_w(fn, MSIX_CAP + 2, 2, 0x8000)
    c = BAR0
    s += mmio_w(c + 0x14, 1, 0) + mmio_w(c + 0x14, 1, 3)
    s += mmio_w(c + 0x08, 4, 1) + mmio_w(c + 0x0C, 4, 1) + mmio_w(c + 0x14, 1, 11)
    s += mmio_w(c + 0x10, 2, 0) + mmio_w(c + 0x16, 2, 0) + mmio_w(c + 0x18, 2, 8)
    s += mmio_w(c + 0x1A, 2, 1)
    s += mmio_w(c + 0x20, 8, RAM_GPA) + mmio_w(c + 0x28, 8, RAM_GPA + 0x100)
    s += mmio_w(c + 0x30, 8, RAM_GPA + 0x200) + mmio_w(c + 0x1C, 2, 1)
    s += mmio_w(c + 0x14, 1, 15)
    return s


def rng_request():
    # desc[0] = { addr RAM+0x1000, len 64, flags WRITE }, avail { idx 1, ring[0] 0 }
    s = rec(0, 8, 0, 0x0, RAM_GPA + 0x1000, RAM)
    s += rec(0, 8, 0, 0x8, 64 | (2 << 32), RAM)
    s += rec(0, 8, 0, 0x100, 1 << 16, RAM)
    return s


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    probe = b""
    for fn in range(4):
        for off in (0x00, 0x02, 0x08, 0x2C, 0x34, 0x40, 0x98, 0xFFC):
            probe += rec(fn, 4 if off % 4 == 0 else 2, READ, off)
    write("cfg_probe", probe)
    write("bars", place_bars(1) + rec(GLOBAL, 4, READ, BAR0 + 0x04) +
          cfg_w(1, 0x10, 4, BAR0 + 0x100000) + rec(GLOBAL, 2, READ, BAR0 + 0x100012) +
          cfg_w(1, 0x04, 2, 0))
    write("rng_kick", rng_up(1) + rng_request() + rec(0, 0, 0, 0, 0, KICK))
    write("rng_trapped_notify", rng_up(1) + rng_request() + mmio_w(BAR0 + 0x3000, 2, 0))
    write("blk_up", rng_up(0) + rec(GLOBAL, 8, READ, BAR0 + 0x2000))
    write("through_module", rec(2, 2, READ, 0, 0, QUEUE, 7) + place_bars(2) +
          rec(0, 0, RESET, 0, 0, QUEUE) + rec(GLOBAL, 4, READ, BAR0, 0, QUEUE, 8))
    # The driver side falls behind while the guest places BARs and asks for
    # config through the module; catches up at the last record.
    write("behind", rec(1, 2, READ, 0, 0, QUEUE | BUSY, 3) + place_bars(1) +
          rec(1, 2, READ, 0, 0, QUEUE, 4) + rng_up(1)[len(place_bars(1)):] +
          rec(1, 2, READ, 2, 0, QUEUE | BUSY, 5))
    write("malformed", rec(5, 4, READ, 0) + rec(0, 3, READ, 0) + rec(0, 8, READ, 0) +
          rec(0, 4, READ, 0x1000) + rec(GLOBAL, 4, WRITE, 0x1234, 1) +
          rec(0, 4, 9, 0) + place_bars(0) + rec(GLOBAL, 4, READ, BAR0 + 0x3FFE) +
          rec(GLOBAL, 16, READ, BAR0) + rec(0xFFFE, 1, READ, 0))


if __name__ == "__main__":
    main()
