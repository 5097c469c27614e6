#!/usr/bin/env bash
# The README: "With SLACK_APP_TOKEN (or SLACK_BOT_TOKEN) set, run.sh runs against Slack with ...
# config/bridgebot.example.yaml". With only the bot token (and the secrets) set, the configuration
# run.sh would run must be valid, and it runs without Socket Mode.
# Usage: run_sh_bot_token.sh BRIDGEBOT_BINARY SOURCE_DIR
set -euo pipefail
bin="$1"
src="$2"
out="$(env -i PATH="$PATH" HOME="${HOME:-/tmp}" BRIDGEBOT_BIN="$bin" \
  SLACK_BOT_TOKEN=xoxb-1-readme-test SLACK_WORKSPACE=acme \
  BRIDGE_SIGNING_SECRET=readme-secret BRIDGE_ADMIN_TOKEN=readme-admin \
  bash "$src/deploy/run.sh" check-config 2>&1)" || { echo "FAIL: run.sh check-config: $out"; exit 1; }
echo "$out"
grep -q "configuration is valid" <<<"$out" || { echo "FAIL: not valid"; exit 1; }
grep -q "socket mode: disabled" <<<"$out" || { echo "FAIL: Socket Mode should be off"; exit 1; }
echo PASS
