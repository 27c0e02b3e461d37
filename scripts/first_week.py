#!/usr/bin/env python3
"""The first-week check of issue 24 (docs/benchmarks.md): for each plan's
coverage.csv, the agent-hours understaffed in the first week (the interval
length is read from the file) and the worst hotline interval's predicted
service level there.

    python3 scripts/first_week.py out/demo/coverage.csv out/four-weeks/coverage.csv
"""
import csv
import sys
from datetime import date, datetime, timedelta


def first_week(path, queue="hotline"):
    rows = list(csv.DictReader(open(path, newline="")))
    first = min(date.fromisoformat(r["date"]) for r in rows)
    last = first + timedelta(days=6)
    starts = sorted({datetime.fromisoformat(r["interval_start"]) for r in rows})
    hours = (starts[1] - starts[0]).total_seconds() / 3600 if len(starts) > 1 else 1.0
    under, worst = 0.0, 1.0
    for r in rows:
        if date.fromisoformat(r["date"]) > last:
            continue
        need, staff = float(r["required_agents"]), float(r["staffed_agents"])
        under += max(0.0, need - staff) * hours
        if r["queue"] == queue and need > 0:
            worst = min(worst, float(r["predicted_service_level"]))
    return under, worst


for path in sys.argv[1:]:
    under, worst = first_week(path)
    print(f"{path}: {under:.1f} agent-hours understaffed in the first week, worst hotline interval {100 * worst:.1f} %")
