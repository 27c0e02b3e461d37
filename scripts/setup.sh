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
venv="${CARGO_TARGET_DIR:-target}/test-venv"
if $for_tests && ! "$venv/bin/python3" -c "import icalendar, vobject, ical" >/dev/null 2>&1; then
  echo "installing the Python iCalendar parsers used by the tests into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check icalendar vobject ical
fi
