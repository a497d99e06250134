#!/usr/bin/env bash
# The accessibility audit (tests/browser/test_axe.py) injects axe-core into pages from
# tests/browser/axe/node_modules; the version is pinned in package.json and package-lock.json
# there. Installs Debian's nodejs and npm when missing (needs root; CI runs as root), then
# `npm ci` when axe-core is missing or is not the pinned version. Nothing is fetched at run
# time of the application.
set -euo pipefail
DIR="$(cd "$(dirname "$0")/.." && pwd)/tests/browser/axe"
WANTED="$(sed -n 's/^ *"axe-core": *"\([^"]*\)".*/\1/p' "$DIR/package.json")"
INSTALLED="$DIR/node_modules/axe-core/package.json"
if [ -f "$DIR/node_modules/axe-core/axe.min.js" ] && [ -f "$INSTALLED" ] \
   && [ "$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$INSTALLED" | head -n 1)" = "$WANTED" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" != "0" ]; then
    echo "npm is missing: run 'sudo apt-get install nodejs npm' for the accessibility audit" >&2
    exit 1
  fi
  echo "Installing Debian's nodejs and npm for the accessibility audit…"
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq nodejs npm >/dev/null
fi
echo "Installing axe-core $WANTED for the accessibility audit…"
npm ci --prefix "$DIR" --ignore-scripts --no-audit --no-fund --loglevel=error
