#!/usr/bin/env bash
# Installs what kyc and its tests need on a Debian or Ubuntu machine, and
# only what is missing: Tesseract 5 with the five player languages, the
# OCR-B font MRZs are matched against, PostgreSQL (tests), and Garage (the
# S3 server the tests use).
#
#   scripts/deps.sh            # everything the tests need
#   scripts/deps.sh --runtime  # only what `kyc serve` uses (Tesseract)
set -euo pipefail

runtime_only=0
[[ "${1:-}" == "--runtime" ]] && runtime_only=1

log() { echo "deps.sh: $*" >&2; }
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*"; return 1; fi
}

packages=()
want() { dpkg -s "$1" >/dev/null 2>&1 || packages+=("$1"); }

want tesseract-ocr
want fonts-ocr-b
for lang in eng rus tur kaz aze aze-cyrl; do want "tesseract-ocr-$lang"; done
if (( ! runtime_only )); then
  want postgresql
  want pkg-config
  want libssl-dev
  want clang
  want libtesseract-dev
  want libleptonica-dev
fi

if ((${#packages[@]})); then
  log "installing ${packages[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
fi

if (( ! runtime_only )); then
  garage_bin="$(command -v garage || echo "$HOME/.cargo/bin/garage")"
  if [[ ! -x "$garage_bin" ]] || ! "$garage_bin" --version 2>/dev/null | grep -q '2\.5\.0'; then
    log "building Garage 2.5.0 (20-30 minutes, once; cached in ~/.cargo/bin)"
    cargo install garage@2.5.0 --locked >&2
  fi
fi
log "ok"
