#!/usr/bin/env bash
# Installs playwright-core (package-lock.json, npm ci) into WORK_DIR once per lock change and
# runs console.test.js with Node. The caller sets BRIDGE_URL, ADMIN_TOKEN and BOT_TOKEN.
# Usage: run.sh WORK_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$1"
mkdir -p "$work"
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" ||
   [ ! -d "$work/node_modules/playwright-core" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
fi
NODE_PATH="$work/node_modules" exec node "$here/console.test.js"
