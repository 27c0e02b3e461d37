#!/usr/bin/env bash
# The optimizer's shapes (issue 24, docs/benchmarks.md): each row of the goal
# table built, planned and validated with the release binary, then one line
# of a Markdown table per run: gap, time, peak memory, objective, bound,
# method and where the time went (the three longest phases).
#
#   scripts/shapes.sh                  # every row, seeds 2 3 4
#   SEEDS="2" ROWS="demo month200" scripts/shapes.sh
#   BUSY=1 scripts/shapes.sh ...       # a second CPU-bound job alongside
#
# Rows (ROWS, by name):
#   demo, demo-thorough              scenarios/hangzhou-ecommerce.yaml
#   four-weeks, four-weeks-thorough  scenarios/hangzhou-four-weeks.yaml
#   rotation, rotation-thorough      scenarios/hangzhou-rotation.yaml
#   soft-rules                       scenarios/hangzhou-soft-rules.yaml (run with BUSY=1)
#   sl-objective                     scenarios/hangzhou-sl-objective.yaml
#   week200, week1000                7-day generated centres, uniform mix (60 s, 300 s)
#   week200-real, week1000-real      7-day, realistic mix (60 s, 300 s)
#   week1000-real-sl                 the same with objective.mode service_level (300 s)
#   week1000-real-3sites             the same centre's agents dealt in turn to three sites
#                                    of one zone (Hangzhou, Chengdu 0.85, Hefei 0.9; issue 27)
#   month200                         28-day, uniform mix (120 s)
#   month500-real                    28-day, realistic mix (600 s)
# The bundled scenarios have no seed: they run once whatever SEEDS says.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-"2 3 4"}
ROWS=${ROWS:-"demo demo-thorough four-weeks four-weeks-thorough rotation rotation-thorough soft-rules sl-objective week200 week200-real week1000 week1000-real week1000-real-sl week1000-real-3sites month200 month500-real"}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
PY=${PYTHON:-python3}
cargo build --release --quiet
rota=./target/release/rota

busy_pid=""
if [ "${BUSY:-0}" = 1 ]; then
  # A second CPU-bound job: one core spinning for the whole run.
  (while :; do :; done) &
  busy_pid=$!
  trap 'kill $busy_pid 2>/dev/null || true' EXIT
fi

echo "| row | seed | agents | days | limit s | gap % | time s | peak MB | objective | bound | method | where the time went |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"

# run ROW SEED SCENARIO [plan options...]
run() {
  local row=$1 seed=$2 scenario=$3
  shift 3
  local out="$WORK/$row-$seed"
  rm -rf "$out"
  local code=0
  /usr/bin/time -f "%M" -o "$out.mem" "$rota" plan "$scenario" --out "$out" "$@" \
    >"$out.log" 2>&1 || code=$?
  if [ ! -f "$out/summary.json" ]; then
    echo "| $row | $seed | | | | no roster (exit $code; $out.log) | | | | | | |"
    return
  fi
  local valid="valid"
  "$rota" validate "$scenario" "$out/roster.csv" >/dev/null 2>&1 || valid="INVALID"
  "$PY" - "$row" "$seed" "$out/summary.json" "$(tail -n 1 "$out.mem")" "$valid" <<'EOF'
import json, sys
row, seed, path, mem, valid = sys.argv[1:6]
s = json.load(open(path))
phases = sorted(s["phases"], key=lambda p: -p["solve_seconds"])[:3]
where = ", ".join(f"{p['name']} {p['solve_seconds']:.0f}" for p in phases)
bound = s["best_bound"]
print(f"| {row} | {seed} | {s['agents']} | {s['days']} | {s['time_limit_seconds']:.0f} "
      f"| {100 * s['mip_gap']:.2f} | {s['solve_seconds']:.1f} | {int(mem) / 1024:.0f} "
      f"| {s['objective']:.1f} | {bound:.1f} | {s['method']} | {where}"
      + ("" if valid == "valid" else " **roster fails rota validate**") + " |")
EOF
}

# generated ROW SEED AGENTS DAYS MIX LIMIT [sl|sites]
generated() {
  local row=$1 seed=$2 agents=$3 days=$4 mix=$5 limit=$6 sl=${7:-}
  local dir="$WORK/inst-$row-$seed"
  "$rota" generate-instance --agents "$agents" --seed "$seed" --days "$days" --mix "$mix" \
    --time-limit "$limit" --out "$dir" >/dev/null
  local scenario="$dir/scenario.yaml"
  if [ "$sl" = sites ]; then
    scenario="$dir/three-sites.yaml"
    "$PY" - "$dir/scenario.yaml" "$scenario" <<'EOF'
import re, sys
sites = ["Hangzhou", "Chengdu", "Hefei"]
out, i = [], 0
for line in open(sys.argv[1]).read().split("\n"):
    m = re.match(r"(  - \{ id: G\d+, .*) \}$", line)
    if m:
        line = f"{m.group(1)}, site: {sites[i % 3]} }}"
        i += 1
    out.append(line)
    if line.startswith("site:"):
        out.append("sites: [{ name: Hangzhou, timezone: Asia/Shanghai }, "
                   "{ name: Chengdu, timezone: Asia/Shanghai, cost_factor: 0.85 }, "
                   "{ name: Hefei, timezone: Asia/Shanghai, cost_factor: 0.9 }]")
open(sys.argv[2], "w").write("\n".join(out))
EOF
  elif [ -n "$sl" ]; then
    cat >"$dir/service-level.yaml" <<EOF
extend: scenario.yaml
set:
  objective.mode: service_level
EOF
    scenario="$dir/service-level.yaml"
  fi
  run "$row" "$seed" "$scenario" --solver "$dir/solver.yaml"
}

for row in $ROWS; do
  case $row in
    demo) run "$row" - scenarios/hangzhou-ecommerce.yaml ;;
    demo-thorough) run "$row" - scenarios/hangzhou-ecommerce.yaml --solver thorough ;;
    four-weeks) run "$row" - scenarios/hangzhou-four-weeks.yaml ;;
    four-weeks-thorough) run "$row" - scenarios/hangzhou-four-weeks.yaml --solver thorough ;;
    rotation) run "$row" - scenarios/hangzhou-rotation.yaml ;;
    rotation-thorough) run "$row" - scenarios/hangzhou-rotation.yaml --solver thorough ;;
    soft-rules) run "$row" - scenarios/hangzhou-soft-rules.yaml ;;
    sl-objective) run "$row" - scenarios/hangzhou-sl-objective.yaml ;;
    *)
      for seed in $SEEDS; do
        case $row in
          week200) generated "$row" "$seed" 200 7 uniform 60 ;;
          week1000) generated "$row" "$seed" 1000 7 uniform 300 ;;
          week200-real) generated "$row" "$seed" 200 7 realistic 60 ;;
          week1000-real) generated "$row" "$seed" 1000 7 realistic 300 ;;
          week1000-real-sl) generated "$row" "$seed" 1000 7 realistic 300 sl ;;
          week1000-real-3sites) generated "$row" "$seed" 1000 7 realistic 300 sites ;;
          month200) generated "$row" "$seed" 200 28 uniform 120 ;;
          month500-real) generated "$row" "$seed" 500 28 realistic 600 ;;
          *) echo "shapes: unknown row $row" >&2; exit 2 ;;
        esac
      done
      ;;
  esac
done
