#!/usr/bin/env bash
# The clock-skew fault test (tests/core/test_dbclock.py) runs a web node whose clock is
# off by a minute, with Debian's faketime (libfaketime). Test-only; installs the package
# when missing; needs root (CI runs as root).
set -euo pipefail
if command -v faketime >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "faketime is missing: run 'sudo apt-get install faketime' for the clock-skew test" >&2
  exit 1
fi
echo "Installing Debian's faketime for the clock-skew test…"
apt-get -o DPkg::Lock::Timeout=300 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq faketime >/dev/null
