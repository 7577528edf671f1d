#!/usr/bin/env python3
"""Latency the relay adds, from a loopback capture (bench-relay.sh).

Usage: relay-latency.py CAPTURE.pcap BRIDGES.txt

CAPTURE.pcap: classic pcap of `lo` (dumpcap -P), filtered to the relay's first RTP ports.
BRIDGES.txt:  the b2bua's --bridges file, one line per bridge: legA-local legA-remote legB-local legB-remote.

On loopback a packet is captured when its sender hands it to the interface, so for one relayed packet
t(out) - t(in) is the time from SIPp's send (the packet entering the relay's socket) to the relay's own send
on the other leg: the whole latency the relay adds (a direct SIPp-to-SIPp path has the same final delivery,
and no such hop). The relay copies the payload unchanged between same-codec legs and keeps each flow's order,
so the k-th packet out on one leg is the first unmatched packet in on the other leg with the same payload.

Prints one line: matched packets, lost (came in, never went out), latency mean / p50 / p99 / max per direction.
"""
import struct
import sys
from collections import deque


def packets(path):
    with open(path, "rb") as f:
        header = f.read(24)
        magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", header)
        if magic not in (0xA1B2C3D4, 0xA1B23C4D):
            raise SystemExit(f"{path}: not a little-endian classic pcap (use dumpcap -P)")
        scale = 1e-9 if magic == 0xA1B23C4D else 1e-6
        link = {1: 14, 113: 16, 276: 20}.get(linktype)
        if link is None:
            raise SystemExit(f"{path}: link type {linktype} not handled")
        while True:
            record = f.read(16)
            if len(record) < 16:
                return
            sec, frac, caplen, _ = struct.unpack("<IIII", record)
            data = f.read(caplen)
            ip = data[link:]
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
                continue
            udp = ip[(ip[0] & 0x0F) * 4:]
            sport, dport = struct.unpack("!HH", udp[:4])
            rtp = udp[8:]
            if len(rtp) < 12 or rtp[0] >> 6 != 2:
                continue
            offset = 12 + 4 * (rtp[0] & 0x0F)
            if rtp[0] & 0x10 and len(rtp) >= offset + 4:
                offset += 4 + 4 * struct.unpack("!H", rtp[offset + 2:offset + 4])[0]
            yield sec + frac * scale, sport, dport, bytes(rtp[offset:])


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def main():
    capture, bridges_file = sys.argv[1], sys.argv[2]
    # (port the packet came in on, port it goes out from) for each direction of each bridge
    directions = {}
    for line in open(bridges_file):
        parts = line.split()
        if len(parts) != 4:
            continue
        a, _, b, _ = map(int, parts)
        directions[a] = ("caller->phone", b)
        directions[b] = ("phone->caller", a)
    arriving = {}   # relay port the packet arrived on -> packets in
    leaving = {}    # relay port the packet left from -> packets out
    first = last = None
    for t, sport, dport, payload in packets(capture):
        first = t if first is None else first
        last = t
        if dport in directions:
            arriving.setdefault(dport, []).append((t, payload))
        elif sport in directions:
            leaving.setdefault(sport, []).append((t, payload))
    if first is None:
        print("latency: the capture holds no relayed RTP")
        return
    edge = 0.1  # packets this close to the capture's ends may have their partner outside it
    results = {"caller->phone": [], "phone->caller": []}
    lost = 0
    for in_port, (name, out_port) in directions.items():
        pending = deque(arriving.get(in_port, []))
        for t_out, payload in leaving.get(out_port, []):
            while pending and pending[0][1] != payload and pending[0][0] <= t_out:
                t_in, _ = pending.popleft()
                if first + edge < t_in < last - edge:
                    lost += 1
            if pending and pending[0][1] == payload and pending[0][0] <= t_out:
                t_in, _ = pending.popleft()
                results[name].append(t_out - t_in)
        lost += sum(1 for t_in, _ in pending if first + edge < t_in < last - edge)
    bridges = len({p for p in arriving} | {p for p in leaving}) // 2
    parts = []
    everything = []
    for name, values in results.items():
        values.sort()
        everything += values
        if values:
            parts.append(f"{name} mean {1e3 * sum(values) / len(values):.3f} / p50 {1e3 * percentile(values, 0.5):.3f}"
                         f" / p99 {1e3 * percentile(values, 0.99):.3f} / max {1e3 * values[-1]:.3f} ms")
    everything.sort()
    mean = 1e3 * sum(everything) / len(everything) if everything else float("nan")
    print(f"latency added by the relay ({bridges} bridges captured for {last - first:.1f} s): {len(everything):,} packets matched, "
          f"{lost} lost; mean {mean:.3f} ms, p50 {1e3 * percentile(everything, 0.5):.3f}, p99 {1e3 * percentile(everything, 0.99):.3f}, "
          f"max {1e3 * everything[-1] if everything else float('nan'):.3f} ms; " + "; ".join(parts))


if __name__ == "__main__":
    main()
