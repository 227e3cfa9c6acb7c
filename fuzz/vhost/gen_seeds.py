#!/usr/bin/env python3
# Writes the kept seed corpus for fuzz_vhost_user_reply (fuzz/corpus/<target>/).
# Each seed is 3 control bytes (first call, options, cut point; see the
# fuzzer) and what a back-end answers; most are well-formed sessions the
# fuzzer mutates into hostile ones, a few are hostile already.
import os
import struct
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus"
TARGET = "fuzz_vhost_user_reply"
REPLY = 0x5          # version 1 | REPLY
NEED = 0x8           # NEED_REPLY, echoed by some back-ends
FDS1, ACK, LATE_FD = 1, 4, 8

GET_FEATURES, SET_FEATURES, SET_OWNER = 1, 2, 3
GET_VRING_BASE, SET_VRING_CALL = 11, 13
GET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_VRING_ENABLE = 15, 17, 18
GET_CONFIG, SET_CONFIG, GET_INFLIGHT_FD = 24, 25, 31


def msg(req, payload, flags=REPLY, size=None):
    return struct.pack("<III", req, flags, len(payload) if size is None else size) + payload


def u64(req, v, flags=REPLY):
    return msg(req, struct.pack("<Q", v), flags)


def state(req, index, num):
    return msg(req, struct.pack("<II", index, num))


def config(offset, data, flags=0):
    return msg(GET_CONFIG, struct.pack("<III", offset, len(data), flags) + data)


def inflight(size, offset, nq=2, qs=128, packed=False):
    body = struct.pack("<QQHH", size, offset, nq, qs)
    return msg(GET_INFLIGHT_FD, body if packed else body + b"\0" * 4)


def seed(first, opt, cut, stream):
    return bytes([first, opt, cut]) + stream


# The answers, in the fuzzer's call order (call kinds 0..11).
answers = [
    u64(GET_FEATURES, (1 << 32) | (1 << 30)),
    u64(GET_PROTOCOL_FEATURES, 0x1209),
    u64(GET_QUEUE_NUM, 2),
    state(GET_VRING_BASE, 1, 7),
    config(8, b"abcd"),
    config(0, bytes(range(256))),
    inflight(0x3000, 0),
    u64(SET_OWNER, 0),
    u64(SET_VRING_ENABLE, 0),
    u64(SET_CONFIG, 0),
    u64(SET_VRING_CALL, 0),
    u64(SET_FEATURES, 0),
]

seeds = {
    # Every GET in turn (the inflight buffer without an fd), then with
    # REPLY_ACK: the inflight buffer and its fd, every ack, the first GETs.
    "session_gets": seed(0, 0, 0, b"".join(answers[:6]) + inflight(0, 0)),
    "session_acks": seed(6, FDS1 | ACK, 0, b"".join(answers[6:]) + b"".join(answers[:2])),
    "features": seed(0, 0, 0, answers[0]),
    "vring_base": seed(3, 0, 0, answers[3]),
    "config": seed(4, 0, 0, answers[4]),
    "config_full": seed(5, 0, 0, answers[5]),
    "config_failed": seed(4, 0, 0, msg(GET_CONFIG, b"")),
    "inflight": seed(6, FDS1, 0, answers[6]),
    "inflight_packed": seed(6, FDS1, 0, inflight(0x1000, 0x1000, packed=True)),
    "inflight_none": seed(6, 0, 0, inflight(0, 0)),
    "ack_nack": seed(7, ACK, 0, u64(SET_OWNER, 1) + u64(SET_VRING_ENABLE, 0)),
    "ack_echo": seed(8, ACK, 0, u64(SET_VRING_ENABLE, 0, REPLY | NEED)),
    # Hostile already: the fuzzer should not have to find these alone.
    "oversized": seed(0, 0, 0, msg(GET_FEATURES, b"", size=0xffffffff)),
    "wrong_request": seed(0, 0, 0, u64(GET_PROTOCOL_FEATURES, 1)),
    "extra_fds": seed(0, 3, 0, answers[0]),
    "fds_on_payload": seed(0, FDS1 | LATE_FD, 12, answers[0]),
    "truncated": seed(0, 0, 0, answers[0][:15]),
}

d = os.path.join(root, TARGET)
os.makedirs(d, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
