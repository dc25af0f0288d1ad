#!/usr/bin/env bash
# Training throughput under Debian's reference BLAS and under OpenBLAS in one run, each figure
# also as a fraction of the machine's measured peak, with three peers on the same models:
#   - TwinForge's trainer (train_bench, Debian's LibTorch 1.13);
#   - the same loop in Debian's python3-torch 1.13 (the same LibTorch and BLAS underneath);
#   - the same loop in PyPI's PyTorch 2.x (its own MKL and oneDNN; scripts/torch2-venv.sh).
# Debian's alternatives point libblas.so.3 at OpenBLAS once libopenblas0-pthread is installed;
# LD_LIBRARY_PATH points it back at the reference BLAS for the "reference" rows, with no root.
# Peak: the best single-precision 2048^3 product through the same BLAS (gemm_peak).
# Needs a build (scripts/build.sh), python3-torch and libopenblas0-pthread.
# Usage: [ITWINAI=1] bench/blas_bench.sh [REPS]   (repetitions per pair, interleaved; medians)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TWINFORGE_BUILD_DIR:-build}/bin
PY=/usr/bin/python3
PY2="$(scripts/torch2-venv.sh)/bin/python"
REPS=${1:-3}
REF_DIRS=/usr/lib/x86_64-linux-gnu/blas:/usr/lib/x86_64-linux-gnu/lapack
source bench/common.sh
# Floating-point operations per optimizer step: forward multiply-adds x 2 x 3 (forward, and
# backward for inputs and weights), the first layer's input gradient left out.
flop_per_step() {
  case $1 in
    mlp-small) echo $(( 64 * 2 * (3 * (64 * 64 + 64) + 2 * 8 * 64) )) ;;
    mlp) echo $(( 128 * 2 * (3 * (256 * 256 + 256) + 2 * 64 * 256) )) ;;
    cnn3d) echo $(( 32 * 2 * (3 * 16 * 8 * 27 * 512 + 2 * 8 * 27 * 4096) )) ;;
  esac
}

declare -A peak
for blas in reference openblas; do
  env=()
  [ $blas = reference ] && env=(LD_LIBRARY_PATH=$REF_DIRS)
  for t in 1 2; do
    peak[$blas,$t]=$(env "${env[@]}" "$BIN/gemm_peak" $t 2048 5 | tee /dev/stderr | value_before GFLOP/s)
  done
done
pypeak=$("$PY2" -c '
import time, torch
torch.set_num_threads(1)
a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
a @ b
best = min((lambda t0: (a @ b, time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(5))
print("%.1f" % (2 * 2048 ** 3 / best / 1e9))')
echo "PyPI PyTorch's own sgemm, 1 thread: $pypeak GFLOP/s" >&2

echo "| BLAS | model | TwinForge steps/s | python3-torch 1.13 | PyPI PyTorch 2.x | TwinForge / 1.13 | TwinForge / 2.x | TwinForge GFLOP/s | of the 1-core peak |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for blas in reference openblas; do
  env=(OPENBLAS_NUM_THREADS=1)
  [ $blas = reference ] && env+=(LD_LIBRARY_PATH=$REF_DIRS)
  for spec in "mlp-small 40" "mlp 8" "cnn3d 10"; do
    set -- $spec
    : >/tmp/tf-blas-a && : >/tmp/tf-blas-b && : >/tmp/tf-blas-c
    for _ in $(seq "$REPS"); do
      env "${env[@]}" "$BIN/train_bench" "$1" 1 "$2" 2>/dev/null | steps_per_s >>/tmp/tf-blas-a
      env "${env[@]}" $PY bench/train_peer.py "$1" 1 "$2" | steps_per_s >>/tmp/tf-blas-b
      "$PY2" bench/train_peer.py "$1" 1 "$2" | steps_per_s >>/tmp/tf-blas-c
    done
    a=$(med </tmp/tf-blas-a) b=$(med </tmp/tf-blas-b) c=$(med </tmp/tf-blas-c)
    awk -v blas=$blas -v m="$1" -v a="$a" -v b="$b" -v c="$c" -v f="$(flop_per_step "$1")" -v p="${peak[openblas,1]}" \
      'BEGIN {g = a * f / 1e9; printf "| %s | %s | %.0f | %.0f | %.0f | %.2f× | %.2f× | %.1f | %.0f %% |\n", blas, m, a, b, c, a / b, a / c, g, 100 * g / p}'
  done
done
echo
echo "peak sgemm 2048^3 (GFLOP/s): reference ${peak[reference,1]} (1 thread), ${peak[reference,2]} (2);" \
  "OpenBLAS ${peak[openblas,1]} (1), ${peak[openblas,2]} (2); PyPI PyTorch's MKL $pypeak (1)"
rm -f /tmp/tf-blas-a /tmp/tf-blas-b /tmp/tf-blas-c

# itwinai's own TorchTrainer on the same models (ITWINAI=1; a venv from
# bench/peer/requirements-itwinai.txt is made on first use in ~/.cache/twinforge).
if [ "${ITWINAI:-0}" = 1 ]; then
  venv=$(scripts/pypi-venv.sh bench/peer/requirements-itwinai.txt itwinai-venv)
  echo
  echo "| model | TwinForge steps/s (OpenBLAS) | itwinai TorchTrainer steps/s | TwinForge / itwinai |"
  echo "| --- | --- | --- | --- |"
  for spec in "mlp-small 40" "mlp 8" "cnn3d 10"; do
    set -- $spec
    : >/tmp/tf-blas-a && : >/tmp/tf-blas-b
    for _ in $(seq "$REPS"); do
      OPENBLAS_NUM_THREADS=1 "$BIN/train_bench" "$1" 1 "$2" 2>/dev/null | steps_per_s >>/tmp/tf-blas-a
      "$venv/bin/python" bench/peer/itwinai_mlp.py "$1" 1 "$2" 2>/dev/null | steps_per_s >>/tmp/tf-blas-b
    done
    a=$(med </tmp/tf-blas-a) b=$(med </tmp/tf-blas-b)
    awk -v m="$1" -v a="$a" -v b="$b" 'BEGIN {printf "| %s | %.0f | %.0f | %.2f× |\n", m, a, b, a / b}'
  done
  rm -f /tmp/tf-blas-a /tmp/tf-blas-b
fi
