#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs the bot. With SLACK_APP_TOKEN or SLACK_BOT_TOKEN set it
# runs against Slack with $BRIDGEBOT_CONFIG, else config/bridgebot.yaml, else the example config
# (which reads every token and secret from the environment); otherwise it starts the
# built-in sandbox (a local Slack emulator plus the bridge) so you can watch it work offline.
# `run.sh check-config` checks that configuration instead of running it. BRIDGEBOT_BIN names an
# already built binary (then nothing is installed or built).
set -euo pipefail
cd "$(dirname "$0")/.."
command="${1:-run}"
bin="${BRIDGEBOT_BIN:-}"
if [ -z "$bin" ]; then
  bash deploy/install-deps.sh
  cmake --preset release >/dev/null
  cmake --build --preset release --target bridgebot
  bin=build/release/bot/bridgebot
fi
if [ -n "${SLACK_APP_TOKEN:-}${SLACK_BOT_TOKEN:-}" ]; then
  config="${BRIDGEBOT_CONFIG:-config/bridgebot.yaml}"
  [ -n "${BRIDGEBOT_CONFIG:-}" ] || [ -f "$config" ] || config=config/bridgebot.example.yaml
  if [ -z "${SLACK_APP_TOKEN:-}" ] && [ -z "${SLACK_SOCKET_MODE:-}" ]; then
    # The example config turns Socket Mode on unless told otherwise, and Socket Mode needs the
    # app-level token: without one, run on the bot token alone.
    export SLACK_SOCKET_MODE=false
    echo "run.sh: no SLACK_APP_TOKEN, so Socket Mode is off: DMs and notifications are sent," \
      "but Slack's events (uninstall, user changes, App Home) do not arrive" >&2
  fi
  exec "$bin" "$command" --config "$config"
else
  [ "$command" = run ] || { echo "run.sh: $command needs SLACK_APP_TOKEN or SLACK_BOT_TOKEN" >&2; exit 2; }
  exec "$bin" sandbox
fi
