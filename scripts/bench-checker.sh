#!/usr/bin/env bash
# Times `kyc check --json` and the OpenCV peer on the same images in one run
# and prints the ratio. Both run single-process, pinned to one core, over the
# same file list, alternating for ROUNDS rounds (default 3); each side's
# median round is reported, as wall time and as CPU time (user + system of
# the process and its children), the steadier of the two on a shared machine.
#
#   scripts/bench-checker.sh [IMAGE_DIR] [PEER_PYTHON] [KIND]
#
# Defaults: the MIDV-500 frames (1080x1920), /work/.peer/bin/python
# (python3 -m venv /work/.peer && /work/.peer/bin/pip install opencv-python-headless numpy)
# and `identity`. Set ROUNDS, KYC_BIN, PEER_SCRIPT, EXTRA_ARGS (e.g. "--as-of 2018-06-01").
set -euo pipefail
dir=${1:-/work/shared/datasets/midv500_id_quads}
py=${2:-/work/.peer/bin/python}
kind=${3:-identity}
peer=${PEER_SCRIPT:-/work/shared/peers/opencv_peer.py}
here=$(cd "$(dirname "$0")/.." && pwd)
kyc=${KYC_BIN:-$here/target/release/kyc}
[ -x "$kyc" ] || (cd "$here" && cargo build --release -p kyc)
mapfile -t files < <(find -L "$dir" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | sort)
[ "${#files[@]}" -gt 0 ] || { echo "no images in $dir" >&2; exit 1; }
# Warm the page cache so neither side pays for disk reads.
cat "${files[@]}" > /dev/null

export OMP_THREAD_LIMIT=1 OMP_NUM_THREADS=1
python3 - "$kyc" "$py" "$peer" "$kind" "${ROUNDS:-3}" "${EXTRA_ARGS:-}" "${files[@]}" <<'PY'
import json, resource, statistics, subprocess, sys, time
kyc, py, peer, kind, rounds, extra, *files = sys.argv[1:]
extra = extra.split()
sides = {
    "kyc": ["taskset", "-c", "0", kyc, "check", "--kind", kind, "--json", *extra, *files],
    "peer": ["taskset", "-c", "0", py, peer, "check", "--kind", kind, "--json", *extra, *files],
}
runs = {side: [] for side in sides}
for _ in range(int(rounds)):
    for side, cmd in sides.items():
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        elapsed = [json.loads(l)["elapsed_ms"] for l in out.splitlines() if l.strip()]
        runs[side].append((wall, cpu, elapsed))
        with open(f"/tmp/bench-{side}.jsonl", "w") as f:
            f.write(out)
n = len(files)
print(f"images: {n}, kind {kind}, {rounds} alternating rounds, one core each side (taskset -c 0)")
med = {}
for side in sides:
    wall = statistics.median(r[0] for r in runs[side])
    cpu = statistics.median(r[1] for r in runs[side])
    el = sorted(runs[side][-1][2])
    med[side] = (wall, cpu)
    print(f"{side:5}: wall {1000*wall/n:7.1f} ms/image, CPU {1000*cpu/n:7.1f} ms/image "
          f"(whole process, start-up included); own elapsed_ms median {el[len(el)//2]}, "
          f"mean {sum(el)/len(el):.1f}, max {el[-1]}")
print(f"peer / kyc: wall {med['peer'][0]/med['kyc'][0]:.2f}x, CPU {med['peer'][1]/med['kyc'][1]:.2f}x "
      "(above 1: kyc is faster)")
# Each side's own per-image time (elapsed_ms, no process start-up: the
# figure a long-running service sees), summed over the images, median
# round: the peer pays ~0.3 s of Python and OpenCV imports per process.
own = {side: statistics.median(sum(r[2]) for r in runs[side]) for side in sides}
print(f"own elapsed_ms per image, median round: kyc {own['kyc']/n:.1f}, peer {own['peer']/n:.1f}; "
      f"peer / kyc {own['peer']/own['kyc']:.2f}x")
# Each round's own ratio (its two runs were back to back): the spread says
# how much the machine drifted during the run.
ratios = sorted(p[1] / k[1] for p, k in zip(runs["peer"], runs["kyc"]))
print(f"CPU ratio per round: median {statistics.median(ratios):.2f}x, "
      f"range {ratios[0]:.2f}x-{ratios[-1]:.2f}x over {len(ratios)} rounds")
PY
