#!/usr/bin/env bash
# Starts the local PostgreSQL cluster if it is down, makes sure the tests can
# log in over TCP as postgres/postgres, and prints the URL they use:
#
#   export KYC_TEST_POSTGRES_URL="$(scripts/postgres.sh)"
set -euo pipefail
log() { echo "postgres.sh: $*" >&2; }
as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

url="${KYC_TEST_POSTGRES_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  log "PostgreSQL is up"
else
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)"
  [[ -n "$version" ]] || { log "PostgreSQL is not installed (run scripts/deps.sh)"; exit 1; }
  log "starting PostgreSQL $version"
  if [[ $(id -u) -eq 0 ]]; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2
  else
    sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
# A password works whether the cluster trusts local TCP (CI) or asks for one
# (a stock Debian install).
as_postgres psql -q -c "alter user postgres with password 'postgres'" >/dev/null
echo "$url"
