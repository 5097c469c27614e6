#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs the bot. With SLACK_APP_TOKEN or SLACK_BOT_TOKEN set it
# runs against Slack with $BRIDGEBOT_CONFIG, else config/bridgebot.yaml, else the example config
# (which reads every token and secret from the environment); otherwise it starts the
# built-in sandbox (a local Slack emulator plus the bridge) so you can watch it work offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target bridgebot
bin=build/release/bot/bridgebot
if [ -n "${SLACK_APP_TOKEN:-}${SLACK_BOT_TOKEN:-}" ]; then
  config="${BRIDGEBOT_CONFIG:-config/bridgebot.yaml}"
  [ -n "${BRIDGEBOT_CONFIG:-}" ] || [ -f "$config" ] || config=config/bridgebot.example.yaml
  exec "$bin" run --config "$config"
else
  exec "$bin" sandbox
fi
