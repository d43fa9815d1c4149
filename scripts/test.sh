#!/usr/bin/env bash
# The test command: installs and starts what the tests need (Tesseract,
# PostgreSQL, Garage), then runs every test of the workspace against them.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
KYC_TEST_POSTGRES_URL="$(scripts/postgres.sh)"
export KYC_TEST_POSTGRES_URL
eval "$(scripts/garage.sh)"
export OMP_THREAD_LIMIT=1

cargo test --workspace "$@"
