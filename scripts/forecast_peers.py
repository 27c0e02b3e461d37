#!/usr/bin/env python3
"""Scores open forecasters on exactly the cells rota's backtest scores.

Usage:
    scripts/forecast_peers.py SCENARIO --backtest-weeks N --origins K
        [--lead-weeks 2] [--rota target/release/rota] [--data-dir DIR]
        [--peers seasonal_naive,window_average,mstl,slot_average] [--keep DIR]

It runs `rota forecast SCENARIO --backtest-weeks N --origins K --backtest-out
DIR` (timed), which writes

- backtest_cells.csv: every scored cell (queue open, actual known) of every
  origin, with the actual and rota's forecast by each method and by `auto`;
- backtest_history.csv: the history on the plan's grid as rota reads it
  (finer intervals summed; a missing day or interval left empty),

then forecasts the same lead weeks from the same origins with each peer,
trained on that history before the origin only, and scores every forecaster
on the cells of backtest_cells.csv: WAPE, MASE (against rota's seasonal
naive on the same cells) and bias per origin and lead week, and their mean
over origins. Closed weekdays and closed hours are left out of the peers'
series (a US bank week is 5 days of 07:00-21:00); a missing interval in it
is filled with the same interval one week before (or, at the start, the
first known week after), the only gap-filling the peers get.

Peers (statsforecast, season lengths of one open day and one open week):
- seasonal_naive: SeasonalNaive;
- window_average: SeasonalWindowAverage, its window (2, 4, 6, 8 or 10 weeks)
  chosen per origin by the lowest WAPE of week-ahead forecasts over the 4
  weeks before the origin;
- mstl: MSTL of the daily and weekly seasons with an AutoETS trend;
- slot_average: a robust per-slot average of the same weekday and slot over
  the last k weeks with data (mean, median or 20 %-trimmed mean; k from 2 to
  12), both chosen per origin like window_average's window;
- mfles (not run by default): MFLES with the same season lengths.

With --keep DIR the backtest files stay in DIR, and peer_cells.csv there
holds the peers' forecasts of the same cells (backtest_cells.csv's keys and
actual, then one column per peer), for combinations and error breakdowns.

The real series are read from where the scenario says; --data-dir DIR
runs a temporary copy of the scenario with its history file taken from DIR
(for a checkout that does not sit beside ../shared/data).

Install the dependencies in a virtual environment (not needed by rota
itself):
    python3 -m venv target/peers-venv
    target/peers-venv/bin/pip install statsforecast pandas numpy
and run the script with target/peers-venv/bin/python.
"""
import argparse
import collections
import csv
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")

INNER_WEEKS = 4


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("scenario")
    p.add_argument("--backtest-weeks", type=int, required=True)
    p.add_argument("--origins", type=int, required=True)
    p.add_argument("--lead-weeks", type=int, default=2)
    p.add_argument("--rota", default="target/release/rota")
    p.add_argument("--data-dir")
    p.add_argument("--peers", default="seasonal_naive,window_average,mstl,slot_average")
    p.add_argument(
        "--keep",
        help="keep rota's backtest files in this folder, and write the peers' forecasts of the same cells there (peer_cells.csv)",
    )
    return p.parse_args()


def scenario_copy(path, data_dir, tmp):
    """The scenario with its history file taken from data_dir."""
    text = open(path).read()
    m = re.search(r"^history:\s*\n((?:[ \t]+.*\n)*)", text, re.M)
    if not m:
        sys.exit(f"{path}: no history section")
    block = m.group(1)
    f = re.search(r"^([ \t]+file:[ \t]*)(\S+)", block, re.M)
    new_block = block.replace(
        f.group(0), f.group(1) + os.path.join(os.path.abspath(data_dir), os.path.basename(f.group(2))), 1
    )
    out = os.path.join(tmp, os.path.basename(path))
    open(out, "w").write(text.replace(block, new_block, 1))
    return out


def run_rota(args, scenario, out_dir):
    cmd = [
        args.rota, "forecast", scenario,
        "--backtest-weeks", str(args.backtest_weeks),
        "--origins", str(args.origins),
        "--lead-weeks", str(args.lead_weeks),
        "--backtest-out", out_dir,
        "--format", "json",
    ]
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    return json.loads(r.stdout), elapsed


def date(s):
    return dt.date.fromisoformat(s)


class Series:
    """One queue's history on the grid: open weekdays × open slots."""

    def __init__(self, rows):
        self.dates = sorted({date(r["date"]) for r in rows})
        self.slots = sorted({r["local_time"] for r in rows})
        self.weekdays = sorted({d.weekday() for d in self.dates})
        self.day_index = {d: i for i, d in enumerate(self.dates)}
        self.slot_index = {s: i for i, s in enumerate(self.slots)}
        self.values = np.full((len(self.dates), len(self.slots)), np.nan)
        for r in rows:
            if r["actual"] != "":
                self.values[self.day_index[date(r["date"])], self.slot_index[r["local_time"]]] = float(r["actual"])

    def open_day(self, d):
        return d.weekday() in self.weekdays

    def before(self, origin):
        """Rows of the days before origin (raw, NaN unknown) and their dates."""
        n = sum(1 for d in self.dates if d < origin)
        return self.values[:n], self.dates[:n]

    def filled(self, origin):
        """The series before origin, gaps filled from a week before (or after)."""
        v, dates = self.before(origin)
        v = v.copy()
        per_week = len(self.weekdays)
        for i, j in zip(*np.where(np.isnan(v))):
            k = i - per_week
            while k >= 0 and np.isnan(v[k, j]):
                k -= per_week
            if k >= 0:
                v[i, j] = v[k, j]
                continue
            k = i + per_week
            while k < len(v) and np.isnan(self.values[k, j]):
                k += per_week
            v[i, j] = self.values[k, j] if k < len(v) else 0.0
        return v.reshape(-1)

    def future_days(self, origin, days):
        return [origin + dt.timedelta(days=k) for k in range(days) if self.open_day(origin + dt.timedelta(days=k))]


def statsforecast_model(name, day, week, window=None):
    from statsforecast.models import MFLES, MSTL, AutoETS, SeasonalNaive, SeasonalWindowAverage

    if name == "seasonal_naive":
        return SeasonalNaive(season_length=week)
    if name == "window_average":
        return SeasonalWindowAverage(season_length=week, window_size=window)
    if name == "mstl":
        return MSTL(season_length=[day, week], trend_forecaster=AutoETS(model="ZZN"))
    if name == "mfles":
        return MFLES(season_length=[day, week])
    raise ValueError(name)


def run_statsforecast(model, y, h):
    from statsforecast import StatsForecast

    df = pd.DataFrame({"unique_id": "q", "ds": np.arange(len(y)), "y": y})
    out = StatsForecast(models=[model], freq=1).forecast(df=df, h=h)
    return np.maximum(out.iloc[:, -1].to_numpy(), 0.0)


def slot_average(series, origin, days, how, k):
    """Same weekday and slot over the last k weeks with data (missing skipped)."""
    v, dates = series.before(origin)
    out = {}
    for d in series.future_days(origin, days):
        rows = [v[i] for i in range(len(dates) - 1, -1, -1) if dates[i].weekday() == d.weekday() and not np.all(np.isnan(v[i]))][:k]
        if not rows:
            out[d] = np.zeros(len(series.slots))
            continue
        a = np.array(rows)
        if how == "mean":
            f = np.nanmean(a, axis=0)
        elif how == "median":
            f = np.nanmedian(a, axis=0)
        else:
            s = np.sort(a, axis=0)
            cut = int(round(0.2 * len(s))) if len(s) >= 4 else 0
            f = np.nanmean(s[cut : len(s) - cut], axis=0)
        out[d] = np.nan_to_num(f)
    return out


def as_days(series, origin, days, flat):
    fd = series.future_days(origin, days)
    n = len(series.slots)
    return {d: flat[i * n : (i + 1) * n] for i, d in enumerate(fd)}


def inner_wape(series, origin, forecaster):
    """WAPE of week-ahead forecasts over the INNER_WEEKS weeks before origin."""
    err = tot = 0.0
    for k in range(INNER_WEEKS, 0, -1):
        o = origin - dt.timedelta(weeks=k)
        if sum(1 for d in series.dates if d < o) < 14:
            continue
        f = forecaster(o, 7)
        for d, row in f.items():
            if d not in series.day_index:
                continue
            y = series.values[series.day_index[d]]
            known = ~np.isnan(y)
            err += np.abs(row[known] - y[known]).sum()
            tot += y[known].sum()
    return err / tot if tot > 0 else np.inf


def warm_up(peers, series):
    """Compiles the statsforecast models (numba) before anything is timed."""
    day = len(series.slots)
    week = day * len(series.weekdays)
    y = np.abs(np.sin(np.arange(4 * week))) * 10 + 1
    for name in peers:
        if name in ("seasonal_naive", "mstl", "mfles"):
            run_statsforecast(statsforecast_model(name, day, week), y, day)
        elif name == "window_average":
            run_statsforecast(statsforecast_model(name, day, week, 2), y, day)


def peer_forecast(name, series, origin, days):
    """(forecast by date, seconds, detail) of one peer at one origin."""
    day = len(series.slots)
    week = day * len(series.weekdays)
    t = time.perf_counter()
    detail = ""
    if name in ("seasonal_naive", "mstl", "mfles"):
        model = statsforecast_model(name, day, week)
        fd = series.future_days(origin, days)
        f = as_days(series, origin, days, run_statsforecast(model, series.filled(origin), len(fd) * day))
    elif name == "window_average":

        def swa(w):
            def forecaster(o, n):
                fd = series.future_days(o, n)
                model = statsforecast_model(name, day, week, w)
                return as_days(series, o, n, run_statsforecast(model, series.filled(o), len(fd) * day))

            return forecaster

        w = min((2, 4, 6, 8, 10), key=lambda w: inner_wape(series, origin, swa(w)))
        detail = f"window {w}"
        f = swa(w)(origin, days)
    elif name == "slot_average":
        choices = [(how, k) for how in ("mean", "median", "trimmed") for k in range(2, 13)]
        how, k = min(
            choices,
            key=lambda c: inner_wape(series, origin, lambda o, n: slot_average(series, o, n, c[0], c[1])),
        )
        detail = f"{how} of {k} weeks"
        f = slot_average(series, origin, days, how, k)
    else:
        raise ValueError(name)
    return f, time.perf_counter() - t, detail


def write_peer_cells(folder, first, qid, qcells, peers, values):
    """peer_cells.csv: backtest_cells.csv's keys and actual, then each peer's forecast."""
    with open(os.path.join(folder, "peer_cells.csv"), "w" if first else "a", newline="") as f:
        w = csv.writer(f)
        if first:
            w.writerow(["queue", "origin", "date", "local_time", "lead_week", "actual"] + peers)
        for c in qcells:
            v = values[(c["origin"], c["date"], c["local_time"])]
            w.writerow([qid, c["origin"], c["date"], c["local_time"], c["lead_week"], c["actual"]] + [f"{v[p]:.4f}" for p in peers])


def score(cells):
    """WAPE, MASE (against rota's seasonal naive), bias of (forecast, naive, actual) cells."""
    f, n, y = (np.array(x) for x in zip(*cells))
    return {
        "wape": np.abs(f - y).sum() / y.sum(),
        "mase": np.abs(f - y).sum() / np.abs(n - y).sum(),
        "bias": (f - y).sum() / y.sum(),
        "cells": len(y),
    }


def per_origin(scored, origins, lead, best, peers):
    """Per origin: auto's WAPE over the best peer's (by the mean) and over
    the best peer's at that origin, their means over origins, and the
    origins where auto loses to the per-slot average."""
    wape = lambda name, o: score(scored[(name, str(o), lead)])["wape"]
    auto = [wape("rota auto", o) for o in origins]
    ratio = [a / wape(best, o) for a, o in zip(auto, origins)]
    each = [a / min(wape(p, o) for p in peers) for a, o in zip(auto, origins)]
    print(
        f"mean over origins of auto / {best}: {np.mean(ratio):.3f}; "
        f"of auto / the best peer at each origin: {np.mean(each):.3f}"
    )
    if "slot_average" in peers:
        lost = [o for a, o in zip(auto, origins) if a > wape("slot_average", o)]
        print(
            f"auto loses to slot_average at {len(lost)} of {len(origins)} origins "
            f"({100 * len(lost) / len(origins):.0f} %): " + ", ".join(str(o)[5:] for o in lost)
        )


def main():
    args = parse_args()
    peers = [p for p in args.peers.split(",") if p]
    with tempfile.TemporaryDirectory() as tmp:
        scenario = scenario_copy(args.scenario, args.data_dir, tmp) if args.data_dir else args.scenario
        out_dir = args.keep or os.path.join(tmp, "backtest")
        rota_json, rota_seconds = run_rota(args, scenario, out_dir)
        cells = list(csv.DictReader(open(os.path.join(out_dir, "backtest_cells.csv"))))
        history = list(csv.DictReader(open(os.path.join(out_dir, "backtest_history.csv"))))
    methods = [m for m in rota_json["methods"]] + ["auto"]
    by_queue = collections.defaultdict(list)
    for r in history:
        by_queue[r["queue"]].append(r)
    print(
        f"{args.scenario}: {args.origins} origins over the {args.backtest_weeks} weeks before the plan, "
        f"{args.lead_weeks} weeks ahead each; rota {rota_seconds:.2f} s for every method and auto at every origin"
    )
    for qi, q in enumerate(rota_json["queues"]):
        qid = q["queue"]
        series = Series(by_queue[qid])
        warm_up(peers, series)
        qcells = [c for c in cells if c["queue"] == qid]
        origins = [date(o["origin"]) for o in q["origins"]]
        peer_values = collections.defaultdict(dict)
        auto_chose = {o["origin"]: o["auto_method"] for o in q["origins"]}
        # (forecaster, origin, lead) -> [(f, naive, y)]
        scored = collections.defaultdict(list)
        seconds = collections.defaultdict(float)
        details = collections.defaultdict(list)
        for c in qcells:
            key = (c["origin"], int(c["lead_week"]))
            y, naive = float(c["actual"]), float(c["seasonal_naive"])
            for m in methods:
                scored[("rota " + m,) + key].append((float(c[m]), naive, y))
        for origin in origins:
            ocells = [c for c in qcells if date(c["origin"]) == origin]
            for p in peers:
                f, secs, detail = peer_forecast(p, series, origin, 7 * args.lead_weeks)
                seconds[p] += secs
                details[p].append(detail)
                for c in ocells:
                    row = f[date(c["date"])]
                    value = row[series.slot_index[c["local_time"]]]
                    key = (p, str(origin), int(c["lead_week"]))
                    peer_values[(c["origin"], c["date"], c["local_time"])][p] = value
                    scored[key].append((value, float(c["seasonal_naive"]), float(c["actual"])))
        if args.keep:
            write_peer_cells(args.keep, qi == 0, qid, qcells, peers, peer_values)
        # The harness's own scoring of rota's cells must give rota's figures.
        for o in q["origins"]:
            for a in o["accuracy"]:
                mine = score(scored[("rota " + a["method"], o["origin"], a["lead_week"])])
                assert abs(mine["wape"] - a["wape"]) < 1e-6, (o["origin"], a, mine)
        forecasters = ["rota " + m for m in methods] + peers
        print(f"\nqueue {qid}: {series.slots[0]}-{series.slots[-1]} slots, weekdays {series.weekdays} (Monday = 0)")
        for lead in range(1, args.lead_weeks + 1):
            print(f"\nlead week {lead}: WAPE per origin, then the mean over origins of WAPE, MASE and bias")
            head = f"{'forecaster':<22}" + "".join(f"{str(o)[5:]:>7}" for o in origins)
            print(head + f"{'WAPE':>8}{'MASE':>7}{'bias':>8}")
            best_peer = None
            for name in forecasters:
                accs = [score(scored[(name, str(o), lead)]) for o in origins]
                mean = {k: np.mean([a[k] for a in accs]) for k in ("wape", "mase", "bias")}
                if name in peers and (best_peer is None or mean["wape"] < best_peer[1]):
                    best_peer = (name, mean["wape"])
                if name == "rota auto":
                    auto_wape = mean["wape"]
                print(
                    f"{name:<22}" + "".join(f"{100 * a['wape']:>6.1f}%" for a in accs)
                    + f"{100 * mean['wape']:>7.2f}%{mean['mase']:>7.3f}{100 * mean['bias']:>+7.1f}%"
                )
            if best_peer:
                print(
                    f"rota auto / best peer ({best_peer[0]}): {auto_wape / best_peer[1]:.3f}"
                )
                per_origin(scored, origins, lead, best_peer[0], peers)
            print(f"\nlead week {lead}: MASE and bias per origin")
            print(f"{'forecaster':<22}" + "".join(f"{str(o)[5:]:>14}" for o in origins))
            for name in forecasters:
                accs = [score(scored[(name, str(o), lead)]) for o in origins]
                print(
                    f"{name:<22}"
                    + "".join(f"{a['mase']:>7.3f}{100 * a['bias']:>+6.1f}%" for a in accs)
                )
        print("\nauto chose: " + ", ".join(f"{o[5:]} {m}" for o, m in auto_chose.items()))
        for p in peers:
            extra = f" ({', '.join(details[p])})" if any(details[p]) else ""
            print(f"{p}: {seconds[p]:.2f} s over {len(origins)} origins{extra}")
        if "mstl" in seconds:
            print(f"mstl / rota time: {seconds['mstl'] / rota_seconds:.1f}")


if __name__ == "__main__":
    main()
