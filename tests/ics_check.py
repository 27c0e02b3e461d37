#!/usr/bin/env python3
"""Checks rota's iCalendar output with three independent parsers.

Usage: ics_check.py CALENDAR.ics ROSTER.csv [CHANGES.csv]

For every VEVENT of a shift (CATEGORIES "rota shift"), the instants decoded
by `icalendar`, `vobject` and `ical` must equal the roster row's start_utc and
end_utc (matched by agent id and date, which the UID carries). Every TZID used
must have a VTIMEZONE. With a re-plan's CHANGES.csv, every changed
agent-day's event must carry a SEQUENCE of at least 1, the cancelled ones
(change `cancelled` or `absent`) with STATUS:CANCELLED and the others not,
in all three parsers. Prints one line per check and exits 1 on any mismatch.
"""
import csv
import datetime as dt
import sys


def utc(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def formula(text):
    """Whether a spreadsheet would take the cell for a formula (OWASP)."""
    return text[:1] in ("=", "+", "-", "@", "\t", "\r") or (text[:1] == "'" and formula(text[1:]))


def cell(text):
    """The text of a CSV cell rota neutralised with a leading quote."""
    return text[1:] if text[:1] == "'" and formula(text[1:]) else text


def uid_key(uid):
    """agent-YYYYMMDD of a UID `{agent}-{YYYYMMDD}@{site}.rota` (ids may hold `@`)."""
    return uid.rsplit("@", 1)[0]


def main(ics_path, roster_path):
    raw = open(ics_path, "rb").read()
    rows = {}
    for r in csv.DictReader(open(roster_path, newline="", encoding="utf-8")):
        key = f"{cell(r['agent_id'])}-{r['date'].replace('-', '')}"
        rows[key] = (utc(r["start_utc"]), utc(r["end_utc"]))
    failures = []

    # 1. icalendar
    import icalendar

    cal = icalendar.Calendar.from_ical(raw)
    missing = cal.get_missing_tzids()
    if missing:
        failures.append(f"icalendar: TZIDs without VTIMEZONE: {sorted(missing)}")
    seen = {}
    for ev in cal.walk("VEVENT"):
        if "rota shift" not in str(ev.get("CATEGORIES").to_ical().decode()):
            continue
        uid = str(ev["UID"])
        key = uid_key(uid)
        seen[key] = (ev.decoded("DTSTART").astimezone(dt.timezone.utc), ev.decoded("DTEND").astimezone(dt.timezone.utc))
    if set(seen) != set(rows):
        failures.append(f"icalendar: events {sorted(set(seen) ^ set(rows))} differ from the roster")
    for k, v in seen.items():
        if k in rows and v != rows[k]:
            failures.append(f"icalendar: {k} decodes to {v}, roster says {rows[k]}")
    print(f"icalendar {icalendar.__version__}: {len(seen)} shift events checked")

    # 2. vobject
    import vobject

    vcal = vobject.readOne(raw.decode("utf-8"))
    n = 0
    for ev in vcal.vevent_list:
        if "rota shift" not in ",".join(ev.categories.value):
            continue
        key = uid_key(ev.uid.value)
        got = (ev.dtstart.value.astimezone(dt.timezone.utc), ev.dtend.value.astimezone(dt.timezone.utc))
        if rows.get(key) != got:
            failures.append(f"vobject: {key} decodes to {got}, roster says {rows.get(key)}")
        n += 1
    print(f"vobject: {n} shift events checked")

    # 3. ical
    from ical.calendar_stream import IcsCalendarStream

    ical_cal = IcsCalendarStream.calendar_from_ics(raw.decode("utf-8"))
    n = 0
    for ev in ical_cal.events:
        if "rota shift" not in (ev.categories or []):
            continue
        key = uid_key(ev.uid)
        got = (ev.dtstart.astimezone(dt.timezone.utc), ev.dtend.astimezone(dt.timezone.utc))
        if rows.get(key) != got:
            failures.append(f"ical: {key} decodes to {got}, roster says {rows.get(key)}")
        n += 1
    print(f"ical: {n} shift events checked")

    if len(sys.argv) > 3:
        failures += check_updates(raw, sys.argv[3])

    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


def check_updates(raw, changes_path):
    """SEQUENCE and STATUS of the changed agent-days, in all three parsers."""
    import icalendar
    import vobject
    from ical.calendar_stream import IcsCalendarStream

    changes = {}
    for r in csv.DictReader(open(changes_path, newline="", encoding="utf-8")):
        changes[f"{r['agent_id']}-{r['date'].replace('-', '')}"] = r["change"] in ("cancelled", "absent")
    failures = []
    decoded = {"icalendar": {}, "vobject": {}, "ical": {}}
    for ev in icalendar.Calendar.from_ical(raw).walk("VEVENT"):
        decoded["icalendar"][str(ev["UID"]).split("@")[0]] = (int(ev.get("SEQUENCE", 0)), str(ev.get("STATUS", "")))
    for ev in vobject.readOne(raw.decode("utf-8")).vevent_list:
        decoded["vobject"][ev.uid.value.split("@")[0]] = (int(ev.sequence.value), ev.status.value)
    for ev in IcsCalendarStream.calendar_from_ics(raw.decode("utf-8")).events:
        status = ev.status.value if hasattr(ev.status, "value") else str(ev.status)
        decoded["ical"][ev.uid.split("@")[0]] = (ev.sequence or 0, status)
    for lib, events in decoded.items():
        for key, cancelled in changes.items():
            if key not in events:
                failures.append(f"{lib}: no event for the changed agent-day {key}")
                continue
            seq, status = events[key]
            if seq < 1:
                failures.append(f"{lib}: {key} changed but its SEQUENCE is {seq}")
            if (status.upper() == "CANCELLED") != cancelled:
                failures.append(f"{lib}: {key} has STATUS {status}, cancelled is {cancelled}")
        print(f"{lib}: {len(changes)} changed events checked for SEQUENCE and STATUS")
    return failures


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
