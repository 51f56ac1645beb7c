#!/usr/bin/python3
"""Compare bridgeward's flow records with tshark's TCP and UDP conversations.

usage: conv_compare.py CAPTURE EVENTS.json

Every conversation `tshark -q -z conv,tcp -z conv,udp` lists must appear exactly once
among the flow records (matched on protocol and the unordered pair of endpoints), with the
same frame counts in each direction, and the same bytes (tshark abbreviates counts of
10,000 and more, e.g. "12 kB"; exact bytes per direction are also summed from
`tshark -T fields`). No flow record may be left without a conversation.
Exit status 0 when everything agrees; otherwise the differences are printed.
"""
import collections
import json
import re
import subprocess
import sys

cap, events = sys.argv[1], sys.argv[2]

CONV = re.compile(r'^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+) (\d+) (bytes|kB|MB)\s+(\d+) (\d+) (bytes|kB|MB)')
UNIT = {'bytes': 1, 'kB': 1000, 'MB': 1000000}


def norm(ip):
    return ip.lower()


def tshark_convs():
    out = subprocess.run(['tshark', '-r', cap, '-q', '-z', 'conv,tcp', '-z', 'conv,udp'],
                         capture_output=True, text=True, check=True).stdout
    convs = {}
    proto = None
    for line in out.splitlines():
        if line.startswith('TCP Conversations'):
            proto = 'TCP'
        elif line.startswith('UDP Conversations'):
            proto = 'UDP'
        m = CONV.match(line.strip())
        if not m or proto is None:
            continue
        a, pa, b, pb = norm(m[1]), int(m[2]), norm(m[3]), int(m[4])
        # "<-" is b to a, "->" is a to b
        convs[(proto, (a, pa), (b, pb))] = {
            'ba': (int(m[5]), int(m[6]), m[7]),
            'ab': (int(m[8]), int(m[9]), m[10]),
        }
    return convs


def tshark_bytes():
    fields = ['frame.len', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport',
              'tcp.dstport', 'udp.srcport', 'udp.dstport']
    cmd = ['tshark', '-r', cap, '-T', 'fields', '-E', 'occurrence=f']
    for f in fields:
        cmd += ['-e', f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    total = collections.Counter()
    for line in out.splitlines():
        v = line.split('\t')
        if len(v) < 9:
            continue
        src = norm(v[1] or v[3])
        dst = norm(v[2] or v[4])
        if v[5]:
            proto, sp, dp = 'TCP', int(v[5]), int(v[6])
        elif v[7]:
            proto, sp, dp = 'UDP', int(v[7]), int(v[8])
        else:
            continue
        total[(proto, (src, sp), (dst, dp))] += int(v[0])
    return total


def shown_as(value, unit):
    """Would tshark show `value` bytes as this number in this unit?"""
    n, u = unit
    if u == 'bytes':
        return value == n
    scaled = value / UNIT[u]
    return int(scaled) == n or round(scaled) == n


flows = {}
dups = []
with open(events) as f:
    for line in f:
        r = json.loads(line)
        if r.get('event_type') != 'flow' or r['proto'] not in ('TCP', 'UDP'):
            continue
        s = (norm(r['src_ip']), r['src_port'])
        d = (norm(r['dest_ip']), r['dest_port'])
        key = (r['proto'], frozenset([s, d]))
        if key in flows:
            dups.append(key)
        flows[key] = (s, d, r['flow'])

convs = tshark_convs()
exact = tshark_bytes()
errors = []
seen = set()
for (proto, a, b), c in convs.items():
    key = (proto, frozenset([a, b]))
    if key not in flows:
        errors.append(f'{proto} {a} <-> {b}: tshark lists it, no flow record')
        continue
    seen.add(key)
    s, d, fl = flows[key]
    # our direction toserver is s->d
    ours = {(s, d): (fl['pkts_toserver'], fl['bytes_toserver']),
            (d, s): (fl['pkts_toclient'], fl['bytes_toclient'])}
    for (x, y), (n, nb, unit) in (((a, b), c['ab']), ((b, a), c['ba'])):
        pk, by = ours.get((x, y), (0, 0)) if x != y else (fl['pkts_toserver'], fl['bytes_toserver'])
        if pk != n:
            errors.append(f'{proto} {x}->{y}: {pk} frames in the flow record, tshark {n}')
        if not shown_as(by, (nb, unit)):
            errors.append(f'{proto} {x}->{y}: {by} bytes in the flow record, tshark "{nb} {unit}"')
        want = exact.get((proto, x, y), 0)
        if by != want:
            errors.append(f'{proto} {x}->{y}: {by} bytes in the flow record, frames sum to {want}')
for key in flows:
    if key not in seen:
        errors.append(f'flow record {key} has no tshark conversation')
for key in dups:
    errors.append(f'{key}: more than one flow record')

print(f'conv_compare: {len(convs)} tshark conversations, {len(flows)} TCP/UDP flow records, '
      f'{len(errors)} differences')
for e in errors[:40]:
    print('  ' + e)
sys.exit(1 if errors else 0)
