#!/usr/bin/env bash
# Installs every Debian package that building, testing and running bridgebot needs.
# Idempotent: packages already present are left alone. Run as root (or with sudo available).
# --fuzz also installs Clang (libFuzzer), which only deploy/fuzz.sh needs. python3-yaml and systemd
# check the deploy packages (tests/deploy); chromium, nodejs and npm run the browser tests.
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build ccache pkg-config git
  libboost1.81-dev libssl-dev openssl ca-certificates
  rapidjson-dev libyaml-cpp-dev catch2 libsqlite3-dev sqlite3 libjemalloc-dev
  libcli11-dev libspdlog-dev libfmt-dev libpq-dev postgresql
  curl procps clang-format
  python3 python3-yaml systemd
  chromium nodejs
)
# The browser tests drive Chromium with playwright-core from npm. Debian's nodejs needs its npm
# package; a Node.js that bundles npm (NodeSource's) conflicts with it.
command -v npm >/dev/null 2>&1 || packages+=(npm)
[ "${1:-}" = "--fuzz" ] && packages+=(clang)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
