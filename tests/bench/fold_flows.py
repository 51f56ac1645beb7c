#!/usr/bin/python3
"""Fold a capture's IPv4 TCP and UDP conversations into N flows, frames and their order kept.

usage: fold_flows.py IN.pcap OUT.pcap N

Each frame's addresses and ports are replaced by those of flow hash(conversation) % N
(198.18.0.k:40000+k <-> 198.19.0.k:443, either way round as the frame had them), so the
two directions of a conversation stay one flow. Header checksums are not fixed: replay the
result with decode.ip4_checksum = "ignore". tests/bench/fewflows.sh uses it to compare
flow tracking on a table that stays in the cache with the same work on the real mix.
Reads classic little-endian pcap (what make_mix writes).
"""
import struct
import sys
import zlib

src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, 'rb').read()
out = bytearray(data[:24])
off = 24
while off + 16 <= len(data):
    sec, usec, incl, orig = struct.unpack('<IIII', data[off:off + 16])
    fr = bytearray(data[off + 16:off + 16 + incl])
    off += 16 + incl
    if len(fr) >= 38 and fr[12:14] == b'\x08\x00' and fr[14] >> 4 == 4 and fr[23] in (6, 17):
        l4 = 14 + (fr[14] & 15) * 4
        a = bytes(fr[26:30] + fr[l4:l4 + 2])
        b = bytes(fr[30:34] + fr[l4 + 2:l4 + 4])
        lo, hi = sorted((a, b))
        k = zlib.crc32(lo + hi + bytes([fr[23]])) % n
        client = bytes([198, 18, 0, 1 + k % 250]) + struct.pack('>H', 40000 + k)
        server = bytes([198, 19, 0, 1 + k % 250]) + struct.pack('>H', 443)
        s, d = (client, server) if a == lo else (server, client)
        fr[26:30], fr[30:34] = s[:4], d[:4]
        fr[l4:l4 + 2], fr[l4 + 2:l4 + 4] = s[4:], d[4:]
    out += struct.pack('<IIII', sec, usec, len(fr), orig) + fr
open(dst, 'wb').write(out)
