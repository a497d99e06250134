#!/usr/bin/env bash
# Certificate PDFs embed a Chinese font from Debian's fonts-wqy-microhei (nothing is
# fetched at run time). Installs the package when it is missing; needs root (CI runs as root).
set -euo pipefail
FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
if [ -f "$FONT" ] || { command -v fc-list >/dev/null 2>&1 && fc-list | grep -qi 'wqy-microhei'; }; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "fonts-wqy-microhei is missing: run 'sudo apt-get install fonts-wqy-microhei' for the certificate PDFs" >&2
  exit 1
fi
echo "Installing Debian's fonts-wqy-microhei for the certificate PDFs…"
apt-get -o DPkg::Lock::Timeout=300 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq fonts-wqy-microhei >/dev/null
