#!/usr/bin/env bash
# Runs kyc on the embedded default (SQLite and an encrypted local object
# store in ./data), installing Tesseract for OCR first if it is missing.
# Extra arguments go to `kyc serve` (e.g. --listen 0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --runtime || echo "run.sh: could not install Tesseract; OCR checks will go to review" >&2
export OMP_THREAD_LIMIT=1
exec cargo run --release --quiet -- serve "$@"
