#!/usr/bin/env bash
# The deployment tests (tests/deploy) check the shipped files with Debian's own tools:
# systemd-analyze (systemd) for the units, haproxy and nginx for the load-balancer
# configuration, openssl for a throwaway certificate, PostgreSQL for a primary and a
# streaming replica. Installs what is missing; needs root (CI runs as root).
set -euo pipefail
missing=()
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
[ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# A primary and a streaming replica for the read-replica test.
ls /usr/lib/postgresql/*/bin/pg_basebackup >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "missing for the deployment tests: run 'sudo apt-get install ${missing[*]}'" >&2
  exit 1
fi
echo "Installing Debian's ${missing[*]} for the deployment tests…"
apt-get -o DPkg::Lock::Timeout=300 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
