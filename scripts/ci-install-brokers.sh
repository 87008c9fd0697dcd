#!/usr/bin/env bash
# Installs what the interop tests (npm run test:interop) and two examples (npm run examples: request-response
# and shared-workers run on Mosquitto when it is installed) need and this machine lacks:
#   mosquitto (Debian's package also ships mosquitto_passwd), nats-server, openssl.
# Idempotent: does nothing (and prints nothing) when everything is there. Fails loudly, with apt's output.
# Needs root or password-less sudo only when something is missing. Usage: scripts/ci-install-brokers.sh [--check]
#   --check  only report what is missing (exit 1 if anything is).
# Installing Debian's mosquitto may start its system service on 127.0.0.1:1883; the tests never use it
# (they start their own brokers on ephemeral ports).
set -euo pipefail

# executable -> Debian package (Debian 12: mosquitto_passwd is in "mosquitto", not "mosquitto-clients")
declare -A package_of=(
  [mosquitto]=mosquitto
  [mosquitto_passwd]=mosquitto
  [nats-server]=nats-server
  [openssl]=openssl
)

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

missing=()
for exe in "${!package_of[@]}"; do
  have "$exe" || missing+=("${package_of[$exe]}")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "${1:-}" = "--check" ]; then
  echo "ci-install-brokers: missing packages: ${packages[*]}" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "ci-install-brokers: need root (or password-less sudo) to install: ${packages[*]}" >&2
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() {
  if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive "$@" >>"$log" 2>&1; then
    echo "ci-install-brokers: failed: $*" >&2
    cat "$log" >&2
    exit 1
  fi
}
run apt-get update -qq
run apt-get install -y -qq --no-install-recommends --no-upgrade "${packages[@]}"

for exe in "${!package_of[@]}"; do
  if ! have "$exe"; then
    echo "ci-install-brokers: $exe still missing after installing ${packages[*]}" >&2
    cat "$log" >&2
    exit 1
  fi
done
