#!/usr/bin/python3
"""Two-sided replay across the appliance on the virt-netns board, and its verdict check.

  replay2.py run IN.pcap --ns-in NS --ns-out NS --cap-in F.pcap --cap-out F.pcap [--gap-ms G]
  replay2.py check IN.pcap --cap-in F.pcap --cap-out F.pcap --log EVENTS.json --expect APP,...

run: every frame of IN is sent, in order, from the test host on its side of the box: the
side of the host that opened the flow (its first frame) is the inside host, so client
frames leave the inside host and server frames the outside host, each sent only once the
frame before it has left its host, then a gap, so the box sees them in capture order. Each
host captures, on the same raw socket, what arrives from the box (its own frames and its
kernel's are outgoing and not kept).

check: compares the two captures with IN, flow by flow, against the flow records:
  - a blocked flow (action reset or blocked) crossed exactly its first pkts_before_block
    frames, in capture order, and nothing after its verdict;
  - every frame of an allowed flow arrived at the far host byte for byte, in order;
  - every arriving frame that is not a frame of IN is an RST the box made for a reset flow,
    arriving at a host of that flow;
  - each application named by --expect has at least one blocked flow.

Why not tcpreplay: tcpprep/tcpreplay-edit split a capture into two interfaces but send each
from one process, so the two sides are not interleaved in capture order; this replayer
drives both hosts from one sequence. Frames are written by AF_PACKET raw sockets opened in
each host's namespace by an agent process (`replay2.py agent IFACE`) fed through a pipe.
"""
import argparse
import collections
import importlib.util
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "bw_eval", os.path.join(HERE, "..", "eval", "eval.py"))
ev = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ev)

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i // 1000, (i % 1000) * 1000, len(fr), len(fr)))
            f.write(fr)


def read_exact(fp, n):
    buf = b""
    while len(buf) < n:
        chunk = fp.read(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def agent(iface):
    """In a namespace: send frames read from stdin (4-byte length, frame; length 0 ends),
    answering "k" once each is sent; keep every frame that arrives; at the end write them to
    stdout the same way."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((iface, 0))
    got, stop = [], threading.Event()

    def rx():
        s.settimeout(0.1)
        while not stop.is_set():
            try:
                data, addr = s.recvfrom(65536)
            except socket.timeout:
                continue
            if addr[2] != PACKET_OUTGOING:
                got.append(data)

    t = threading.Thread(target=rx, daemon=True)
    t.start()
    out, inp = sys.stdout.buffer, sys.stdin.buffer
    out.write(b"R")
    out.flush()
    while True:
        n = struct.unpack("<I", read_exact(inp, 4))[0]
        if n == 0:
            break
        s.send(read_exact(inp, n))
        out.write(b"k")
        out.flush()
    time.sleep(0.5)  # what the box still has in flight
    stop.set()
    t.join()
    for fr in got:
        out.write(struct.pack("<I", len(fr)) + fr)
    out.write(struct.pack("<I", 0))
    out.flush()


def sides(frames):
    """For each frame: 0 if it leaves the inside host (its flow's opener), 1 otherwise."""
    opener, side = {}, []
    for fr in frames:
        k, _ = ev.frame_info(fr)
        if k is None:
            side.append(0)
            continue
        src = src_of(fr)
        opener.setdefault(k, src)
        side.append(0 if opener[k] == src else 1)
    return side


def src_of(fr):
    off, et = 14, int.from_bytes(fr[12:14], "big")
    while et in (0x8100, 0x88A8):
        et, off = int.from_bytes(fr[off + 2:off + 4], "big"), off + 4
    if et == 0x0800:
        ihl = (fr[off] & 15) * 4
        return fr[off + 12:off + 16], fr[off + ihl:off + ihl + 2]
    return fr[off + 8:off + 24], fr[off + 40:off + 42]


def run(args):
    frames = ev.read_pcap(args.pcap)
    side = sides(frames)
    me = os.path.abspath(__file__)
    agents = []
    for ns in (args.ns_in, args.ns_out):
        p = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, me, "agent", args.iface],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        if p.stdout.read(1) != b"R":
            sys.exit("replay2: agent in %s did not start" % ns)
        agents.append(p)
    gap = args.gap_ms / 1000.0
    for fr, s in zip(frames, side):
        p = agents[s]
        p.stdin.write(struct.pack("<I", len(fr)) + fr)
        p.stdin.flush()
        # The gap counts from the moment the frame left its host: an agent that the
        # scheduler held back longer than the gap must not let the other host's next
        # frame overtake it (the box would see the two out of capture order).
        if p.stdout.read(1) != b"k":
            sys.exit("replay2: an agent stopped")
        time.sleep(gap)
    caps = []
    for p in agents:
        p.stdin.write(struct.pack("<I", 0))
        p.stdin.flush()
        got = []
        while True:
            n = struct.unpack("<I", read_exact(p.stdout, 4))[0]
            if n == 0:
                break
            got.append(read_exact(p.stdout, n))
        p.wait()
        caps.append(got)
    write_pcap(args.cap_in, caps[0])
    write_pcap(args.cap_out, caps[1])
    print("replay2: sent %d frames (%d from the inside host, %d from the outside host); "
          "arrived: %d at the inside host, %d at the outside host"
          % (len(frames), side.count(0), side.count(1), len(caps[0]), len(caps[1])))


def check(args):
    frames = ev.read_pcap(args.pcap)
    side = sides(frames)
    # arrivals: frames from the inside host arrive at the outside host and the other way
    arrived = [collections.deque(ev.read_pcap(args.cap_out)),
               collections.deque(ev.read_pcap(args.cap_in))]
    recs = {}
    with open(args.log) as f:
        for line in f:
            r = json.loads(line)
            if r.get("event_type") != "flow" or r.get("proto") not in ("TCP", "UDP"):
                continue
            k = ev.key_of(r["proto"], ev.fmt_ep(r["src_ip"], r.get("src_port", 0)),
                          ev.fmt_ep(r["dest_ip"], r.get("dest_port", 0)))
            recs[k] = r
    errors = []
    crossed = collections.defaultdict(list)
    made = 0
    for i, (fr, s) in enumerate(zip(frames, side)):
        q = arrived[s]
        # RSTs the box made for a reset flow may arrive before the next frame of IN
        while q and q[0] != fr:
            k, is_made = ev.frame_info(q[0])
            if not (is_made and k in recs and recs[k].get("action") == "reset"):
                break
            made += 1
            q.popleft()
        ok = bool(q) and q[0] == fr
        if ok:
            q.popleft()
        k, _ = ev.frame_info(fr)
        if k is not None:
            crossed[k].append(ok)
        elif not ok:
            errors.append("frame %d (not TCP/UDP) did not cross" % (i + 1))
    for s, q in enumerate(arrived):
        for fr in q:
            k, is_made = ev.frame_info(fr)
            if is_made and k in recs and recs[k].get("action") == "reset":
                made += 1
                continue
            errors.append("the %s host received a frame that is neither a frame of the "
                          "capture (in order) nor an RST for a reset flow: %s"
                          % ("inside" if s == 1 else "outside", fr[:64].hex()))
    blocked = collections.Counter()
    nallowed = nblocked = 0
    for k, seq in crossed.items():
        r = recs.get(k)
        if r is None:
            errors.append("no flow record for %s" % (k,))
            continue
        act = r.get("action", "allowed")
        if act in ("reset", "blocked"):
            nblocked += 1
            blocked[r.get("app", "unknown")] += 1
            n = r.get("pkts_before_block", 0)
            want = [True] * n + [False] * (len(seq) - n)
            if seq != want:
                errors.append("%s flow %s (%s): crossed %s, want its first %d frames only"
                              % (act, k, r.get("app"), "".join("x" if c else "." for c in seq), n))
        else:
            nallowed += 1
            if not all(seq):
                errors.append("allowed flow %s (%s): %d of %d frames lost or altered"
                              % (k, r.get("app"), seq.count(False), len(seq)))
    for app in filter(None, args.expect.split(",")):
        if blocked[app] == 0:
            errors.append("no %s flow was blocked" % app)
    print("replay2: %d flows blocked (%s), %d allowed and intact, %d RSTs made by the box"
          % (nblocked, ", ".join("%s %d" % kv for kv in sorted(blocked.items())), nallowed,
             made))
    for e in errors[:20]:
        print("replay2: FAIL: " + e)
    return 1 if errors else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "agent":
        agent(sys.argv[2])
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["run", "check"])
    ap.add_argument("pcap")
    ap.add_argument("--ns-in")
    ap.add_argument("--ns-out")
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--cap-in", required=True)
    ap.add_argument("--cap-out", required=True)
    ap.add_argument("--gap-ms", type=float, default=2.0)
    ap.add_argument("--log")
    ap.add_argument("--expect", default="")
    args = ap.parse_args()
    if args.mode == "run":
        run(args)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
