#!/usr/bin/env bash
# The benchmark row of docs/benchmarks.md for `rota request review`:
# 100 time-off requests on a generated 1,000-agent centre with a 70 %
# floor, reviewed (repairs included) against its published roster.
#   scripts/bench_requests.sh [DIR]   (default: a fresh temporary folder)
# Prints the review's wall time, peak memory and what it recommended.
set -euo pipefail
rota=${ROTA:-$(dirname "$0")/../target/release/rota}
dir=${1:-$(mktemp -d)}
mkdir -p "$dir"
if [ ! -f "$dir/out/roster.csv" ]; then
  "$rota" generate-instance --agents 1000 --seed 2 --time-limit 60 --out "$dir" >/dev/null
  "$rota" plan "$dir/scenario.yaml" --out "$dir/out" --quiet || true
fi
# The floor the requests are reviewed against.
grep -q interval_minimum "$dir/scenario.yaml" ||
  sed -i 's/^planning:/objective: { interval_minimum: 0.7 }\nplanning:/' "$dir/scenario.yaml"
# 100 whole days off on days the agents work, drawn with a fixed seed.
python3 - "$dir" <<'PY'
import csv, random, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(f"{d}/out/roster.csv")))
random.Random(7).shuffle(rows)
with open(f"{d}/requests.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["agent_id", "kind", "from", "note"])
    for r in rows[:100]:
        w.writerow([r["agent_id"], "off", r["date"], "benchmark"])
PY
rm -f "$dir/rota.db"
"$rota" publish "$dir/scenario.yaml" "$dir/out/roster.csv" >/dev/null
"$rota" request import "$dir/scenario.yaml" "$dir/requests.csv"
/usr/bin/time -f "review: %e s wall, %U s user, %M KB peak" \
  "$rota" request review "$dir/scenario.yaml" >"$dir/review.txt"
echo "approve: $(grep -c 'recommend: approve$' "$dir/review.txt" || true)," \
  "repaired: $(grep -c 'recommend: approve with a repair' "$dir/review.txt" || true)," \
  "deny: $(grep -c 'recommend: deny' "$dir/review.txt" || true)"
