#!/usr/bin/env bash
# Calorimeter benchmarks against Debian's python3-h5py and python3-torch, in one run:
#  1. shower-file read throughput: calo_read_bench (the reader calo.ShowerReader runs) vs h5py;
#  2. 3DGAN generator inference (small preset, batch 128, CPU): calo.Generate vs the same
#     network in python3-torch, and the speed-up over the toy Monte Carlo it replaces.
# Needs a build (scripts/build.sh). Usage: bench/calo_bench.sh [EVENTS] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TWINFORGE_BUILD_DIR:-build}/bin
PY=/usr/bin/python3
N=${1:-2000}
THREADS=${2:-$(nproc)}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "== toy Monte Carlo: $N showers"
"$BIN/twinforge-run" resources/pipelines/calo-toymc.yaml -w "$TMP" --set events="$N" \
  --set toymc_pipeline.steps.showers.file=mc.h5 | grep -E "showers finished" | tee "$TMP/mc.log"
mc_secs=$(awk '{print $(NF-1)}' "$TMP/mc.log")

echo "== read $N showers ($(du -m "$TMP/mc.h5" | cut -f1) MB) into memory, 5 interleaved pairs"
for _ in 1 2 3 4 5; do
  # The first read of each process (later ones reuse memory already faulted in).
  a=$("$BIN/calo_read_bench" "$TMP/mc.h5" 1 | tee /dev/stderr | grep -oE "[0-9]+ MB/s" | awk '{print $1}')
  b=$($PY bench/calo_peer.py read "$TMP/mc.h5" 1 | tee /dev/stderr | grep -oE "[0-9]+ MB/s" | awk '{print $1}')
  awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f\n", a / b}' >>"$TMP/read"
done
echo "read throughput twinforge/h5py, median: $(sort -n "$TMP/read" | sed -n 3p)"

echo "== generator inference: $N showers, batch 128, $THREADS threads"
cat >"$TMP/gen.yaml" <<YAML
gen:
  steps:
    mc: {_target_: calo.ToyMC, file: small.h5, events: 64}
    read: {_target_: calo.ShowerReader}
    train: {_target_: calo.GAN3DTrainer, epochs: 0, seed: 1}
    generate: {_target_: calo.Generate, inputs: {model: train.model}, events: $N, file: gen.h5, batch_size: 128}
YAML
for _ in 1 2 3; do
  a=$(OMP_NUM_THREADS=$THREADS "$BIN/twinforge-run" "$TMP/gen.yaml" -w "$TMP" --threads "$THREADS" 2>&1 |
      grep -oE "[0-9.]+ showers/s" | awk '{print $1}')
  echo "twinforge generated $N showers: $a showers/s" >&2
  # Python as Debian ships it, and with glibc's huge-page tunable (the kernel feature
  # twinforge-run's allocator asks for), so the ratio with the same memory settings shows too.
  b=$($PY bench/calo_peer.py generate "$N" "$THREADS" | tee /dev/stderr | grep -oE "[0-9.]+ showers/s" | awk '{print $1}')
  c=$(GLIBC_TUNABLES=glibc.malloc.hugetlb=1 $PY bench/calo_peer.py generate "$N" "$THREADS" |
      sed 's/^python/python (huge pages)/' | tee /dev/stderr | grep -oE "[0-9.]+ showers/s" | awk '{print $1}')
  awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f\n", a / b}' >>"$TMP/gen"
  awk -v a="$a" -v c="$c" 'BEGIN {printf "%.2f\n", a / c}' >>"$TMP/genhp"
  echo "$a" >>"$TMP/genrate"
done
rate=$(sort -n "$TMP/genrate" | sed -n 2p)
echo "generator twinforge/python, median: $(sort -n "$TMP/gen" | sed -n 2p); against python with huge pages: $(sort -n "$TMP/genhp" | sed -n 2p)"
awk -v r="$rate" -v n="$N" -v s="$mc_secs" 'BEGIN {printf "fast simulation: %.0f showers/s against the toy Monte Carlo %.0f showers/s: %.1fx\n", r, n / s, r * s / n}'
