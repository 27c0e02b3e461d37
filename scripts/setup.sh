#!/usr/bin/env bash
# Installs what rota's build (and, with --test, its tests) need, and nothing
# when it is there:
# - cmake, a C++ compiler and libclang: HiGHS is compiled from source by the
#   highs-sys crate (bindgen needs libclang);
# - with --test: chromium (the report test opens report.html in headless
#   Chromium) and the Python iCalendar parsers icalendar, vobject and ical,
#   which the export tests use to check rota's calendars independently. The
#   parsers go into a virtual environment inside the build folder
#   (${CARGO_TARGET_DIR:-target}/test-venv), never into the system's Python;
#   the tests look for it there. `cargo clean` removes it.
# - with --test, the programs the tests run are recorded by path in
#   ${CARGO_TARGET_DIR:-target}/test-tools.env (`name=/absolute/path`), and
#   the tests call them by that path only (tests/suite/common/mod.rs `tool`),
#   never whatever a PATH lookup finds. A recorded path that still runs is
#   kept, so a later run with another PATH changes nothing.
set -euo pipefail
for_tests=false
[ "${1:-}" = "--test" ] && for_tests=true
packages=(cmake g++ libclang-dev)
if $for_tests; then packages+=(chromium python3 python3-venv); fi
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# A python3 outside Debian's packages (e.g. pyenv) that can make a virtual
# environment serves as well.
if command -v python3 >/dev/null 2>&1 && python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
  missing=("${missing[@]/python3-venv}")
  missing=("${missing[@]/python3}")
fi
read -r -a missing <<< "${missing[*]:-}"
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "rota needs: ${missing[*]}; install them with your package manager" >&2
    exit 2
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
$for_tests || exit 0
target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target"
target="$(cd "$target" && pwd)"
venv="$target/test-venv"
if ! "$venv/bin/python3" -c "import icalendar, vobject, ical" >/dev/null 2>&1; then
  echo "installing the Python iCalendar parsers used by the tests into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check icalendar vobject ical
fi
tools="$target/test-tools.env"
recorded() { [ -f "$tools" ] && sed -n "s/^$1=//p" "$tools" || true; }
chromium="$(recorded chromium)"
if [ -z "$chromium" ] || ! "$chromium" --version >/dev/null 2>&1; then
  chromium="$(dpkg -L chromium 2>/dev/null | grep -m1 -E '/bin/chromium$' || command -v chromium || true)"
fi
if [ -z "$chromium" ] || ! "$chromium" --version >/dev/null 2>&1; then
  echo "chromium does not run (tried '${chromium:-nothing found}'); the report test needs it" >&2
  exit 2
fi
printf 'python3=%s\nchromium=%s\n' "$venv/bin/python3" "$chromium" > "$tools.tmp"
mv "$tools.tmp" "$tools"
