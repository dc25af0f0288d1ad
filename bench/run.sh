#!/usr/bin/env bash
# Runs the engine benchmarks and their Python peers on the same inputs, in one go, and prints
# ratios. Needs a build (scripts/build.sh) and Debian's python3-yaml, python3-omegaconf and
# python3-torch (apt-get install python3-omegaconf python3-torch). Not part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# Every process with one OpenBLAS thread, as twinforge-run sets for itself (core/exec/Threads.h):
# OpenBLAS's spinning pool beside LibTorch's threads would oversubscribe the cores.
export OPENBLAS_NUM_THREADS=1
BIN=${TWINFORGE_BUILD_DIR:-build}/bin
PY=/usr/bin/python3   # Debian's interpreter, which has Debian's packages
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

"$BIN/pipeline_bench" gen 200 "$TMP/p200.yaml"
echo "== load + validate a 200-step pipeline (in-process, median of 30)"
ours=$("$BIN/pipeline_bench" load "$TMP/p200.yaml" 30 | tee /dev/stderr | awk '{print $(NF-1)}')
peer=$($PY bench/peer_pipeline.py load "$TMP/p200.yaml" 30 | tee /dev/stderr | awk '{print $(NF-1)}')
awk -v a="$ours" -v b="$peer" 'BEGIN {printf "ratio PyYAML+OmegaConf / TwinForge: %.1fx\n", b / a}'

echo "== executor overhead per step (in-process, 200 no-op steps, median of 30)"
"$BIN/pipeline_bench" exec 200 30
$PY bench/peer_pipeline.py exec 200 30

echo "== whole process: twinforge-run --list-components vs python3 -c 'import torch' (median of 5)"
time_cmd() {  # median wall seconds of 5 runs
  for _ in 1 2 3 4 5; do
    /usr/bin/time -f "%e" "$@" >/dev/null 2>>"$TMP/t" || true
  done
  sort -n "$TMP/t" | sed -n 3p
  rm -f "$TMP/t"
}
a=$(time_cmd "$BIN/twinforge-run" --list-components)
b=$(time_cmd $PY -c "import torch")
echo "twinforge-run --list-components: ${a} s; import torch: ${b} s"

echo "== training throughput: TwinForge's trainer vs the same loop in python3-torch (in-process steps/s, 5 interleaved pairs)"
# The number before "steps/s", wherever the line puts it (train_bench's line also says ranks=N).
source bench/common.sh
pair() {  # model threads epochs
  local ratios=()
  for _ in 1 2 3 4 5; do
    a=$("$BIN/train_bench" "$1" "$2" "$3" | steps_per_s)
    b=$($PY bench/train_peer.py "$1" "$2" "$3" | steps_per_s)
    ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", a / b}')")
    echo "  $1 threads=$2: twinforge $a steps/s, python $b steps/s" >&2
  done
  printf '%s\n' "${ratios[@]}" | sort -n | sed -n 3p | xargs printf "%s threads=%s: median ratio twinforge/python %s\n" "$1" "$2"
}
pair mlp-small 1 40
pair mlp 1 8
pair cnn3d 1 10
pair cnn3d 2 10
echo "== data parallel"; bench/run_dist.sh
echo "== calorimeter: shower reading and 3DGAN inference"; bench/calo_bench.sh
