#!/usr/bin/env bash
# Installs a node the way docs/operations.md ("Install a node") says, in a throwaway
# prefix, and checks that it serves: Debian's python3 venv with `pip install '.[postgres]'`
# (no test tools), the non-root `onething` service user owning a 0700 data directory, a
# PostgreSQL role and database created with the documented commands on a throwaway
# cluster (password authentication over TCP), the environment file made from
# deploy/env.example, `onething-admin setup` and `check --deploy`, then the web node
# (`onething serve --no-worker`) answering /readyz and the worker, sweeper and
# housekeeping commands running as that user. Needs root (CI runs as root); creates the
# `onething` user when missing and removes it again. `make test-install` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

if [ "$(id -u)" != "0" ]; then
  echo "test-install.sh needs root (it creates the onething service user)" >&2
  exit 1
fi
scripts/ensure-fonts.sh
scripts/ensure-louis.sh
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PG_BIN" ]; then
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq postgresql >/dev/null
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/onething-install.XXXXXX")
chmod 0755 "$ROOT"
OPT=$ROOT/opt/onething ETC=$ROOT/etc/onething SRV=$ROOT/srv/onething
CREATED_USER=0
PIDS=()
cleanup() {
  local status=$?
  # Each background command runs in its own session (setsid): stop the whole group, since
  # runuser does not pass a signal on to the command it runs.
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -f "$ROOT/pg/data/postmaster.pid" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$ROOT/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$ROOT"
  if [ "$CREATED_USER" = 1 ]; then
    for _ in $(seq 1 40); do pgrep -u onething >/dev/null || break; sleep 1; done
    userdel onething || echo "could not remove the onething user" >&2
  fi
  if [ "$status" = 0 ]; then echo "test-install: OK"; else echo "test-install: FAILED" >&2; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
step() { echo "== $*"; }

step "2. the service user and the data directory"
if ! id onething >/dev/null 2>&1; then
  adduser --system --group --home /srv/onething --no-create-home onething >/dev/null
  CREATED_USER=1
fi
install -d -o onething -g onething -m 0700 "$SRV"
install -d -o onething -g onething -m 0700 "$SRV/uploads"

step "3. the release and the virtualenv (pip install '.[postgres]')"
install -d -m 0755 "$OPT/src"
git archive HEAD | tar -x -C "$OPT/src"
/usr/bin/python3 -m venv "$OPT/venv"
(cd "$OPT/src" && "$OPT/venv/bin/pip" install --quiet '.[postgres]')
for tool in pytest ruff playwright hypothesis; do
  if "$OPT/venv/bin/python" -c "import $tool" 2>/dev/null; then
    echo "test tool $tool was installed into the production virtualenv" >&2
    exit 1
  fi
done
"$OPT/venv/bin/python" -c "import psycopg" # the PostgreSQL driver is there
# The operator's own plug-ins (SMS gateway, payment provider), installed into the venv.
SITE=$("$OPT/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
cat > "$SITE/county_plugins.py" <<'EOF'
from onething.notifications.backends import SmsBackend
from onething.payments.backends import ChargeResult, PaymentBackend


class GatewaySmsBackend(SmsBackend):
    def send(self, mobile, text, *, message_id):
        print(f"gateway: SMS {message_id}")


class AcquirerPaymentBackend(PaymentBackend):
    name = "acquirer"

    def charge(self, *, amount_fen, reference, description):
        return ChargeResult(False, message="not in this test")
EOF
install -m 0755 "$OPT/src/deploy/onething-admin" "$ROOT/onething-admin"

step "4. the database: role and database (throwaway cluster)"
install -d -o postgres -g postgres -m 0700 "$ROOT/pg"
PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
runuser -u postgres -- "$PG_BIN/initdb" -D "$ROOT/pg/data" -U postgres --auth-local=trust \
  --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$ROOT/pg/data" -l "$ROOT/pg/server.log" -w start \
  -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $ROOT/pg -c fsync=off" >/dev/null
DB_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
# `createuser --pwprompt onething` asks for the password; the same without a prompt:
runuser -u postgres -- "$PG_BIN/psql" -q -h "$ROOT/pg" -p "$PG_PORT" -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE onething LOGIN PASSWORD '$DB_PASSWORD'" postgres
runuser -u postgres -- "$PG_BIN/createdb" -h "$ROOT/pg" -p "$PG_PORT" --owner=onething \
  --encoding=UTF8 --locale=C.UTF-8 --template=template0 onething
DATABASE_URL="postgres://onething:$DB_PASSWORD@127.0.0.1:$PG_PORT/onething"
"$PG_BIN/psql" -q "$DATABASE_URL" -c 'select 1' >/dev/null  # from the node, with the password

step "5. the environment file"
install -d -o root -g onething -m 0750 "$ETC"
SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
sed -e "s#^ONETHING_SECRET_KEY=.*#ONETHING_SECRET_KEY=$SECRET#" \
    -e "s#^ONETHING_ALLOWED_HOSTS=.*#ONETHING_ALLOWED_HOSTS=zwfw.example.gov.cn,127.0.0.1#" \
    -e "s#^FORWARDED_ALLOW_IPS=.*#FORWARDED_ALLOW_IPS=127.0.0.1#" \
    -e "s#^ONETHING_DATA_DIR=.*#ONETHING_DATA_DIR=$SRV#" \
    -e "s#^ONETHING_CATALOG_DIR=.*#ONETHING_CATALOG_DIR=$OPT/src/catalog#" \
    -e "s#^DATABASE_URL=.*#DATABASE_URL=$DATABASE_URL#" \
    -e "s#^ONETHING_SMS_BACKEND=.*#ONETHING_SMS_BACKEND=county_plugins.GatewaySmsBackend#" \
    -e "s#^ONETHING_PAYMENT_BACKEND=.*#ONETHING_PAYMENT_BACKEND=county_plugins.AcquirerPaymentBackend#" \
    "$OPT/src/deploy/env.example" > "$ETC/onething.env"
chown root:onething "$ETC/onething.env"
chmod 0640 "$ETC/onething.env"
export ONETHING_ENV_FILE=$ETC/onething.env ONETHING_BIN=$OPT/venv/bin/onething
admin() { "$ROOT/onething-admin" "$@"; }

step "6. onething-admin setup, check --deploy"
admin setup
admin check --deploy --fail-level WARNING
open=$(find "$SRV" \( ! -user onething -o -perm /0077 \) -print | grep -v "^$SRV/static" || true)
if [ -n "$open" ]; then
  echo "files in the data directory not the service user's alone:" >&2
  echo "$open" >&2
  exit 1
fi
[ "$(stat -c %a "$SRV")" = 700 ]

step "7. the web node, the worker, the sweeper and housekeeping as the service user"
WEB_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
setsid "$ROOT/onething-admin" serve --no-worker --host 127.0.0.1 --port "$WEB_PORT" --workers 2 \
  >"$ROOT/web.log" 2>&1 &
PIDS+=($!)
setsid "$ROOT/onething-admin" worker --no-reload >"$ROOT/worker.log" 2>&1 &
PIDS+=($!)
ready=""
for _ in $(seq 1 60); do
  ready=$(curl -s -H 'Host: zwfw.example.gov.cn' "http://127.0.0.1:$WEB_PORT/readyz" || true)
  [ "$ready" = '{"status": "ready"}' ] && break
  sleep 1
done
if [ "$ready" != '{"status": "ready"}' ]; then
  echo "/readyz never answered ready: $ready" >&2
  cat "$ROOT/web.log" >&2
  exit 1
fi
# Behind the proxy (X-Forwarded-Proto from 127.0.0.1, FORWARDED_ALLOW_IPS) the home page serves.
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: zwfw.example.gov.cn' \
  -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$WEB_PORT/")
[ "$code" = 200 ] || { echo "home page answered $code" >&2; cat "$ROOT/web.log" >&2; exit 1; }
admin deliveries retry
admin housekeeping
admin procedures run
kill -0 "${PIDS[1]}"  # the worker is still running
pgrep -u onething -f "onething worker --no-reload" >/dev/null  # running as the service user
pgrep -u onething -f "gunicorn" >/dev/null
