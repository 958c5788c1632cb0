#!/usr/bin/env python3
"""bench/gc/gcstat.py LOG: per isolate and GC kind (s = minor, ms = full), from V8's
--trace-gc-nvp lines: how many, the average bytes promoted and the average pause."""
import re
import sys
from collections import defaultdict

stats = defaultdict(lambda: [0, 0, 0.0])
for line in open(sys.argv[1]):
    m = re.match(r'\[(\d+):(0x[0-9a-f]+)\]\s+\d+ ms: pause=([\d.]+) mutator=[\d.]+ gc=(\w+)', line)
    if not m:
        continue
    promoted = re.search(r' promoted=(\d+)', line)
    s = stats[(m.group(2), m.group(4))]
    s[0] += 1
    s[1] += int(promoted.group(1)) if promoted else 0
    s[2] += float(m.group(3))
for (isolate, kind), (n, promoted, pause) in sorted(stats.items(), key=lambda kv: -kv[1][0]):
    print(f"  isolate ...{isolate[-4:]} {kind:2s}: {n:4d} GCs, {promoted / n / 1024:6.0f} KB promoted, {pause / n:.2f} ms pause")
