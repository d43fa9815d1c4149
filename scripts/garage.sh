#!/usr/bin/env bash
# Starts a single-node Garage S3 server for the kyc-vault S3 tests and prints
# the environment they read:
#
#   eval "$(scripts/garage.sh)"        # start (or reuse) and export settings
#   cargo test -p kyc-vault
#   scripts/garage.sh --stop           # stop the server this script started
#
# Usage: scripts/garage.sh [--stop] [WORKDIR]   (default: $TMPDIR/kyc-garage)
# Safe to run repeatedly: every step checks what already exists. Progress goes
# to stderr; stdout carries only the `export` lines.
set -euo pipefail

stop=0
if [[ "${1:-}" == "--stop" ]]; then
  stop=1
  shift
fi
dir="${1:-${TMPDIR:-/tmp}/kyc-garage}"
garage_bin="${GARAGE:-$(command -v garage || echo "$HOME/.cargo/bin/garage")}"
config="$dir/garage.toml"
pidfile="$dir/garage.pid"
s3_port=3900
rpc_port=3901
bucket=kyc-docs
key_name=kyc

log() { echo "garage.sh: $*" >&2; }

if (( stop )); then
  if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill "$(cat "$pidfile")"
    log "stopped garage (pid $(cat "$pidfile"))"
  else
    log "no garage started from $dir is running"
  fi
  rm -f "$pidfile"
  exit 0
fi

if [[ ! -x "$garage_bin" ]]; then
  log "garage binary not found (tried $garage_bin); install with: cargo install garage@2.5.0 --locked"
  exit 1
fi

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
garage() { "$garage_bin" -c "$config" "$@"; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

mkdir -p "$dir/meta" "$dir/data"
chmod 700 "$dir"

# Secrets are generated once per working directory and reused, so a second
# run talks to the same node and keeps the same test credentials.
if [[ ! -f "$config" ]]; then
  cat >"$config" <<TOML
metadata_dir = "$dir/meta"
data_dir = "$dir/data"
db_engine = "sqlite"
replication_factor = 1

rpc_bind_addr = "127.0.0.1:$rpc_port"
rpc_public_addr = "127.0.0.1:$rpc_port"
rpc_secret = "$(random_hex 32)"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$s3_port"
root_domain = ".s3.garage.localhost"
TOML
  chmod 600 "$config"
fi
if [[ ! -f "$dir/credentials" ]]; then
  printf 'GK%s %s\n' "$(random_hex 12)" "$(random_hex 32)" >"$dir/credentials"
  chmod 600 "$dir/credentials"
fi
read -r key_id secret_key <"$dir/credentials"

if listening "$s3_port"; then
  log "something already listens on 127.0.0.1:$s3_port; reusing it"
else
  log "starting garage server (log: $dir/garage.log)"
  nohup "$garage_bin" -c "$config" server >>"$dir/garage.log" 2>&1 &
  echo $! >"$pidfile"
fi

for _ in $(seq 1 60); do
  if listening "$s3_port" && garage status >/dev/null 2>&1; then
    break
  fi
  sleep 0.5
done
if ! garage status >/dev/null 2>&1; then
  log "garage did not come up; see $dir/garage.log"
  exit 1
fi

if garage status 2>/dev/null | grep -q "NO ROLE ASSIGNED"; then
  node_id="$(garage node id -q 2>/dev/null | cut -d@ -f1)"
  log "assigning layout to node ${node_id:0:16}"
  garage layout assign -z dc1 -c 1G "$node_id" >&2
  version="$(garage layout show 2>/dev/null | sed -n 's/.*[Cc]urrent cluster layout version: *\([0-9]*\).*/\1/p')"
  garage layout apply --version "$(( ${version:-0} + 1 ))" >&2
fi

if ! garage key info "$key_name" >/dev/null 2>&1; then
  log "importing key $key_name"
  garage key import --yes -n "$key_name" "$key_id" "$secret_key" >&2
fi
if ! garage bucket info "$bucket" >/dev/null 2>&1; then
  log "creating bucket $bucket"
  garage bucket create "$bucket" >&2
fi
garage bucket allow --read --write --owner "$bucket" --key "$key_name" >&2

cat <<ENV
export KYC_TEST_S3_ENDPOINT=http://127.0.0.1:$s3_port
export KYC_TEST_S3_BUCKET=$bucket
export KYC_TEST_S3_REGION=garage
export AWS_ACCESS_KEY_ID=$key_id
export AWS_SECRET_ACCESS_KEY=$secret_key
ENV
