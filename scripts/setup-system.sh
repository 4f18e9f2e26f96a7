#!/usr/bin/env bash
# Installs the Debian packages exhunt's tests and benchmarks use, when they are missing.
# Idempotent and quiet when everything is present; needs root (or sudo) only when installing.
#   ripgrep: reference tool for `npm run bench`
#   time:    /usr/bin/time, peak RSS of reference tools in `npm run bench`
set -euo pipefail
need=()
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-system: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
