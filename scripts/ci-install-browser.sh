#!/usr/bin/env bash
# Installs Debian's Chromium for `npm run test:browser` when it is missing. Idempotent and quiet: does
# nothing when /usr/bin/chromium (or $CHROMIUM_PATH) already runs. Needs root (CI containers run as root)
# or sudo. Never use `npx playwright install`: the test drives the system Chromium with playwright-core.
set -euo pipefail

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium" ] && "$chromium" --version >/dev/null 2>&1; then
  echo "chromium present: $("$chromium" --version 2>/dev/null | head -n 1)"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "installing chromium with apt-get ..."
$sudo apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
version="$("$chromium" --version 2>/dev/null)" || { echo "chromium is still not runnable at $chromium" >&2; exit 1; }
echo "chromium installed: $version"
