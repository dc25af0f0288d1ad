#!/usr/bin/env bash
# Data-parallel benchmarks (training-core issue): TwinForge with 2 Gloo ranks against 1 rank
# at the same per-rank batch, against PyTorch's DistributedDataParallel (Debian python3-torch)
# on the same model, batch and threads, and the gradient all-reduce against a bare c10d loop.
# Each rank uses 1 thread. Needs a build (scripts/build.sh) and python3-torch.
set -euo pipefail
cd "$(dirname "$0")/.."
# Every process with one OpenBLAS thread, as twinforge-run sets for itself (core/exec/Threads.h):
# OpenBLAS's spinning pool beside LibTorch's threads would oversubscribe the cores.
export OPENBLAS_NUM_THREADS=1
BIN=${TWINFORGE_BUILD_DIR:-build}/bin
PY=/usr/bin/python3
REPS=${REPS:-5}

two() { bench/two_ranks.sh "$@"; }  # rank 0's output
source bench/common.sh
sps() { value_before samples/s; }

for spec in "mlp 12" "cnn3d 6" "mlp-small 10"; do
  set -- $spec
  model=$1 epochs=$2
  : >"/tmp/tf-dp-eff" && : >"/tmp/tf-dp-ddp" && : >"/tmp/tf-dp-ddpm"
  for _ in $(seq "$REPS"); do
    one=$("$BIN/train_bench" "$model" 1 "$epochs" | sps)
    ours=$(two "$BIN/train_bench" "$model" 1 "$epochs" | sps)
    ddp=$(two $PY bench/ddp_peer.py "$model" 1 "$epochs" | sps)
    # The same glibc settings twinforge-run applies (core/exec/Allocator.h), given to Python.
    ddpm=$(MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=536870912 two $PY bench/ddp_peer.py "$model" 1 "$epochs" | sps)
    echo "  $model: 1 rank $one, 2 ranks $ours, python DDP 2 ranks $ddp (with tuned malloc $ddpm) samples/s" >&2
    awk -v a="$ours" -v b="$one" 'BEGIN {printf "%.2f\n", a / b}' >>/tmp/tf-dp-eff
    awk -v a="$ours" -v b="$ddp" 'BEGIN {printf "%.2f\n", a / b}' >>/tmp/tf-dp-ddp
    awk -v a="$ours" -v b="$ddpm" 'BEGIN {printf "%.2f\n", a / b}' >>/tmp/tf-dp-ddpm
  done
  echo "$model: 2 ranks / 1 rank median $(med </tmp/tf-dp-eff)x; TwinForge / PyTorch DDP median $(med </tmp/tf-dp-ddp)x" \
    "($(med </tmp/tf-dp-ddpm)x against DDP with the same malloc settings)"
done
rm -f /tmp/tf-dp-eff /tmp/tf-dp-ddp /tmp/tf-dp-ddpm

echo "== gradient all-reduce: DataParallel vs a bare c10d all-reduce of the same bytes (2 ranks)"
for spec in "0.33 300" "4 100" "25 30" "100 10"; do set -- $spec; two "$BIN/allreduce_bench" "$1" "$2"; done
