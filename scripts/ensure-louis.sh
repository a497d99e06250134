#!/usr/bin/env bash
# Braille downloads (盲文版) translate with Debian's liblouis: the lou_translate program
# (liblouis-bin) and the Chinese tables (liblouis-data, zhcn-g1.ctb). Nothing is fetched at
# run time. Installs the packages when missing; needs root (CI runs as root).
set -euo pipefail
TABLE=/usr/share/liblouis/tables/zhcn-g1.ctb
if command -v lou_translate >/dev/null 2>&1 && [ -f "$TABLE" ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "liblouis is missing: run 'sudo apt-get install liblouis-bin liblouis-data' for the Braille downloads" >&2
  exit 1
fi
echo "Installing Debian's liblouis-bin and liblouis-data for the Braille downloads…"
apt-get -o DPkg::Lock::Timeout=300 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq liblouis-bin liblouis-data >/dev/null
