#!/usr/bin/env bash
# Installs the system packages rota's build needs: HiGHS is compiled from
# source by the highs-sys crate, which needs cmake, a C++ compiler and
# libclang (for bindgen). Does nothing when they are already installed.
set -euo pipefail
packages=(cmake g++ libclang-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "rota needs: ${missing[*]} (cmake, a C++ compiler and libclang); install them with your package manager" >&2
  exit 2
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "installing ${missing[*]} for the HiGHS build" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
