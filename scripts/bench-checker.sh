#!/usr/bin/env bash
# Times `kyc check --json` and the OpenCV peer on the same images in one run
# and prints the ratio. Both run single-process over the same file list.
#
#   scripts/bench-checker.sh [IMAGE_DIR] [PEER_PYTHON]
#
# Defaults: the MIDV-500 frames (1080x1920) and /work/.peer/bin/python
# (python3 -m venv /work/.peer && /work/.peer/bin/pip install opencv-python-headless numpy).
set -euo pipefail
dir=${1:-/work/shared/datasets/midv500_id_quads}
py=${2:-/work/.peer/bin/python}
peer=${PEER_SCRIPT:-/work/shared/peers/opencv_peer.py}
here=$(cd "$(dirname "$0")/.." && pwd)
kyc=${KYC_BIN:-$here/target/release/kyc}
[ -x "$kyc" ] || (cd "$here" && cargo build --release -p kyc)
mapfile -t files < <(find -L "$dir" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | sort)
n=${#files[@]}
[ "$n" -gt 0 ] || { echo "no images in $dir" >&2; exit 1; }

now() { date +%s.%N; }
# Warm the page cache so neither side pays for disk reads.
cat "${files[@]}" > /dev/null

t0=$(now); RAYON_NUM_THREADS=1 taskset -c 0 "$kyc" check --kind identity --json "${files[@]}" > /tmp/bench-kyc.jsonl; t1=$(now)
t2=$(now); OMP_NUM_THREADS=1 taskset -c 0 "$py" "$peer" check --kind identity --json "${files[@]}" > /tmp/bench-peer.jsonl; t3=$(now)

awk -v n="$n" -v k="$(echo "$t1 - $t0" | bc)" -v p="$(echo "$t3 - $t2" | bc)" 'BEGIN {
  printf "images: %d (one core each side, taskset -c 0)\n", n
  printf "kyc check --json : %7.1f ms/image (%.2f s total)\n", 1000*k/n, k
  printf "opencv peer      : %7.1f ms/image (%.2f s total, includes Python start-up)\n", 1000*p/n, p
  printf "peer / kyc       : %.2fx\n", p/k
}'
# The per-image times each side reports, which exclude process start-up.
for side in kyc peer; do
  python3 -c "import json,sys; v=[json.loads(l)['elapsed_ms'] for l in open('/tmp/bench-$side.jsonl')]; v.sort(); print('$side reported elapsed_ms: mean %.1f, median %d, max %d' % (sum(v)/len(v), v[len(v)//2], v[-1]))"
done
