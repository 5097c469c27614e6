#!/usr/bin/env bash
# The README's sandbox walk-through, run as written: `bridgebot sandbox`, then the `bridgebot send`
# command copied out of README.md (only the binary's path and the port differ: the sandbox listens
# on a free port here), then the DM the README promises must be printed: Bob gets a DM naming
# <@alice> and Alice gets her copy.
# Usage: sandbox_walkthrough.sh BRIDGEBOT_BINARY README_FILE
set -euo pipefail
bin="$1"
readme="$2"
work="$(mktemp -d)"
sandbox_pid=""
cleanup() {
  [ -z "$sandbox_pid" ] || kill "$sandbox_pid" 2>/dev/null || true
  [ -z "$sandbox_pid" ] || wait "$sandbox_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- sandbox output ---" >&2
  cat "$work/sandbox.out" >&2 || true
  exit 1
}

# The send command of the walk-through: from the line starting with build/release/bot/bridgebot send
# to the first line that does not end with a backslash.
send_command="$(awk '/^build\/release\/bot\/bridgebot send /{on=1} on{print} on && !/\\$/{exit}' "$readme")"
[ -n "$send_command" ] || fail "README.md has no 'build/release/bot/bridgebot send' command"
grep -q -- "--api http://127.0.0.1:8080" <<<"$send_command" ||
  fail "the README's send command does not use the sandbox's address: $send_command"

cd "$work"
"$bin" sandbox --listen 127.0.0.1:0 --store "$work/sandbox.db" >"$work/sandbox.out" 2>&1 &
sandbox_pid=$!
api=""
for _ in $(seq 1 300); do
  api="$(grep -o 'the bridge on http://127.0.0.1:[0-9]*' "$work/sandbox.out" | head -1 | sed 's/the bridge on //')" || true
  [ -n "$api" ] && break
  kill -0 "$sandbox_pid" 2>/dev/null || fail "the sandbox exited"
  sleep 0.1
done
[ -n "$api" ] || fail "the sandbox did not print its address"

command="${send_command//build\/release\/bot\/bridgebot/\"$bin\"}"
command="${command//http:\/\/127.0.0.1:8080/$api}"
echo "running: $command"
eval "$command" || fail "the README's send command failed"

# Bob's DM names Alice as Slack shows a mention, with the text on the next line; Alice gets her
# copy naming Bob.
dm_to_bob() { grep -A1 '^\[slack\] DM with @bob .*<@alice>' "$work/sandbox.out" | grep -q 'can you look at the release notes?'; }
copy_to_alice() { grep -q '^\[slack\] DM with @alice .*<@bob>' "$work/sandbox.out"; }
for _ in $(seq 1 300); do
  dm_to_bob && copy_to_alice && break
  sleep 0.1
done
dm_to_bob || fail "no DM to bob naming <@alice> with the message text"
copy_to_alice || fail "no copy to alice naming <@bob>"
grep '^\[slack\]' "$work/sandbox.out"
echo "PASS"
