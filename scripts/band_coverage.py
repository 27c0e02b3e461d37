#!/usr/bin/env python3
"""Share of actual 30-minute volumes inside the forecast band.

Usage: rota forecast SCENARIO --format json > f.json
       scripts/band_coverage.py f.json DATA.csv TIME_COLUMN COUNT_COLUMN

The scenario's planning week must lie inside DATA.csv (the forecast ignores
history from week_start on, so the week is out of sample). Timestamps are read
as local clock times (any `Z` dropped); only 30-minute plans are supported.
"""
import collections
import csv
import json
import sys

forecast, data, tcol, vcol = sys.argv[1:5]
actual = collections.defaultdict(float)
for r in csv.DictReader(open(data)):
    t = r[tcol].replace("T", " ").replace("Z", "")[:16]
    d, hm = t.split(" ")
    h, m = map(int, hm.split(":"))
    actual[f"{d} {h:02d}:{m // 30 * 30:02d}"] += float(r[vcol])
for q in json.load(open(forecast))["queues"]:
    n = inside = below = above = 0
    for iv in q["intervals"]:
        k = iv["interval_start"][:16].replace("T", " ")
        if iv["volume"] <= 0 or k not in actual:
            continue
        y = actual[k]
        n += 1
        if y < iv["volume_p10"]:
            below += 1
        elif y > iv["volume_p90"]:
            above += 1
        else:
            inside += 1
    print(f"{q['queue']} ({q['method']}): {n} intervals, inside {inside / n:.1%}, "
          f"below {below / n:.1%}, above {above / n:.1%}")
