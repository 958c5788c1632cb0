#!/usr/bin/env python3
"""bench/compare/latency.py PORT PATH COUNT PAUSE_MS [TAG]

Sends COUNT sequential GET requests for PATH over one keep-alive connection, waiting PAUSE_MS
between a response and the next request (low load: the server is idle when each request
arrives), and prints "p50_ms p99_ms errors". A PATH containing {i} gets TAG-i substituted, so
every request can name a new id. Latency is from sending the request to reading the whole body.
"""
import http.client
import sys
import time

port, path, count, pause_ms = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
tag = sys.argv[5] if len(sys.argv) > 5 else "x"
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
lat = []
errors = 0
for i in range(count):
    time.sleep(pause_ms / 1000)
    p = path.replace("{i}", f"{tag}-{i}")
    t0 = time.perf_counter()
    try:
        conn.request("GET", p)
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            errors += 1
    except Exception:
        errors += 1
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        continue
    lat.append((time.perf_counter() - t0) * 1000)
lat.sort()
def pct(q):
    return lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
print(f"{pct(0.50):.3f} {pct(0.99):.3f} {errors}")
