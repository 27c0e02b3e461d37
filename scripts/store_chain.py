#!/usr/bin/env python3
"""Recompute the hashes of a rota store without rota.

Usage: python3 scripts/store_chain.py rota.db

For every version, oldest first, prints the SHA-256 of its content and its
chain hash as docs/replan.md ("Tamper evidence") defines them, recomputed
from the rows with Python's own sqlite3 and hashlib, and then the head of
the chain. Compare the head with the one you kept. Exits 1 when a hash
stored in the file differs from the one recomputed, 2 when the file is not
there.
"""

import hashlib
import os
import sqlite3
import sys

VERSION_FIELDS = [
    "version", "published_at", "published_by", "note", "rota_version", "kind",
    "parent", "forced_over", "scenario_file", "scenario_sha256", "history_file",
    "history_sha256", "site", "timezone", "first_date", "days", "shifts",
    "roster_sha256", "replan",
]
# Content format 1 (versions stored before schema version 5); format 2 adds
# each shift's site.
SHIFT_FIELDS = [
    "row", "agent_id", "agent_name", "date", "start_local", "end_local",
    "start_utc", "end_utc", "paid_hours", "breaks", "skills",
]
SHIFT_FIELDS_2 = SHIFT_FIELDS + ["site"]


def field(name, value):
    """NAME=LEN:VALUE and a newline; LEN counts the bytes of the value."""
    if value is None:
        data = b""
    elif isinstance(value, bytes):
        data = value
    else:
        data = str(value).encode("utf-8")
    return name.encode() + b"=" + str(len(data)).encode() + b":" + data + b"\n"


def main(path):
    if not os.path.isfile(path):
        print(f"{path}: no such file", file=sys.stderr)
        return 2
    db = sqlite3.connect(path)
    chain = ""
    bad = 0
    columns = [c[1] for c in db.execute("PRAGMA table_info(versions)")]
    fmt = "content_format" if "content_format" in columns else "1"
    rows = db.execute(
        f"SELECT {', '.join(VERSION_FIELDS)}, {fmt}, content_sha256, chain_sha256"
        " FROM versions ORDER BY version"
    ).fetchall()
    for row in rows:
        form = row[len(VERSION_FIELDS)]
        names = SHIFT_FIELDS_2 if form >= 2 else SHIFT_FIELDS
        header = f"rota-version-content-{form}\n".encode()
        data = header + b"".join(field(n, v) for n, v in zip(VERSION_FIELDS, row))
        shifts = db.execute(
            f"SELECT {', '.join(names)} FROM shifts"
            " WHERE version = ? ORDER BY row",
            (row[0],),
        )
        for shift in shifts:
            data += b"".join(field("shift." + n, v) for n, v in zip(names, shift))
        content = hashlib.sha256(data).hexdigest()
        chain = hashlib.sha256((chain + content).encode()).hexdigest()
        same = content == row[-2] and chain == row[-1]
        bad += not same
        print(f"version {row[0]}: content {content} chain {chain}"
              + ("" if same else " (differs from the store's)"))
    print(f"head {chain}")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
