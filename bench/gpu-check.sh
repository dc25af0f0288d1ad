#!/usr/bin/env bash
# The GPU check: TwinForge's trainer on `cuda` against the same models in PyTorch on the same
# GPU, in one run. Trains the 3DGAN (large preset, calo.GAN3DTrainer through twinforge-run),
# and train_bench's 3D CNN and MLP, in fp32 and bf16; then checks that a checkpoint written on
# the GPU resumes on the CPU. Without a GPU it runs the same steps on `cpu` at small sizes, so
# the script itself is tested wherever it runs.
#
#   bench/gpu-check.sh [OUT_DIR]
#
# PYTHON            a Python with torch (default python3): its LibTorch is the one to build against
# TWINFORGE_GPU_BUILD  a build against that same torch version (bin/twinforge-run, bin/train_bench,
#                   lib/, plugins/; bench/gpu-pack.sh makes one to carry); without it the script
#                   builds one into build-gpu/ (needs scripts/install-deps.sh's packages and, for
#                   a CUDA torch, the CUDA toolkit)
# TWINFORGE_GPU_DEPS   extra folder of shared libraries for that build (HDF5, yaml-cpp, curl)
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
OUT=$(mkdir -p "${1:-gpu-check-out}" && cd "${1:-gpu-check-out}" && pwd)
PYTHON=${PYTHON:-python3}
log() { echo "$*" | tee -a "$OUT/summary.txt"; }
: >"$OUT/summary.txt"

troot=$("$PYTHON" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
gpu=$("$PYTHON" -c 'import torch; print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")')
log "torch $("$PYTHON" -c 'import torch; print(torch.__version__)') from $troot; GPU: ${gpu:-none}"

BUILD=${TWINFORGE_GPU_BUILD:-}
if [ -z "$BUILD" ]; then
  BUILD=$here/build-gpu
  # torch's own folder first, so no other LibTorch on the system is picked up.
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_PREFIX_PATH="$troot;$troot/share/cmake" -DTWINFORGE_BUILD_GUI=OFF \
    -DTWINFORGE_BUILD_TESTS=OFF >"$OUT/configure.log"
  cmake --build "$BUILD" --target twinforge-run train_bench twinforge_calo twinforge_synthetic -j "$(nproc)" >"$OUT/build.log"
fi
libpath="$BUILD/lib:${TWINFORGE_GPU_DEPS:-}:$troot/lib"
tf() { LD_LIBRARY_PATH="$libpath" "$BUILD/bin/twinforge-run" "$@"; }
bench() { LD_LIBRARY_PATH="$libpath" "$BUILD/bin/train_bench" "$@"; }
tf --describe calo.GAN3DTrainer | grep -E "^  (device|precision) " | tee -a "$OUT/summary.txt"
# From here on a failed measurement is reported and the next one still runs.
set +e

if [ -n "$gpu" ]; then
  DEV=cuda EVENTS=1024 EPOCHS=10 PRESET=large CNN_EPOCHS=30 MLP_EPOCHS=20 THREADS=8 CK_EPOCHS=100
else
  DEV=cpu EVENTS=96 EPOCHS=1 PRESET=small CNN_EPOCHS=2 MLP_EPOCHS=2 THREADS=$(nproc) CK_EPOCHS=10
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source bench/common.sh

# 1. The 3DGAN: the same file for both.
"$PYTHON" bench/make_calo_file.py "$work/showers.h5" "$EVENTS" >/dev/null
gan_twinforge() {  # precision
  cat >"$work/gan.yaml" <<YAML
gan:
  steps:
    read: {_target_: calo.ShowerReader, file: $work/showers.h5}
    train: {_target_: calo.GAN3DTrainer, preset: $PRESET, epochs: $EPOCHS, batch_size: 64, seed: 1, device: $DEV, precision: $1}
YAML
  rm -rf "$work/ws"
  tf "$work/gan.yaml" -w "$work/ws" --threads "$THREADS" --run-id 00000000000000000000000000000001 >"$OUT/gan-twinforge-$1.log" 2>&1
  # Whole loop; then the epochs after the first, with and without their checkpoints.
  "$PYTHON" -c '
import json, sys
m = json.load(open(sys.argv[1]))["meta"]
e, steps = m["epoch_seconds"], m["optimizer_steps"]
per = steps / len(e)
later = sum(e[1:]) if len(e) > 1 else sum(e)
ck = m["checkpoint_seconds"] / len(e) * max(1, len(e) - 1)
print("%.2f %.2f %.2f" % (steps / m["train_seconds"], per * max(1, len(e) - 1) / later, per * max(1, len(e) - 1) / (later - ck)))' \
    "$work/ws/mlruns/0/00000000000000000000000000000001/artifacts/steps/train/metrics/meta.json"
}
for prec in fp32 bf16; do
  read -r a a2 a3 <<<"$(gan_twinforge $prec || echo failed failed failed)"
  "$PYTHON" bench/peer/gan3d_peer.py "$work/showers.h5" "$EPOCHS" 64 "$DEV" "$PRESET" $prec >>"$OUT/peer.log"
  b=$(tail -1 "$OUT/peer.log" | steps_per_s)
  b2=$(tail -1 "$OUT/peer.log" | value_before steady)
  log "3DGAN $PRESET $DEV $prec, $EVENTS showers, batch 64: whole loop twinforge $a steps/s (checkpoint each epoch), pytorch $b steps/s (none), ratio $(ratio "$a" "$b"); epochs after the first: twinforge $a2 ($a3 without its checkpoints), pytorch $b2, ratio $(ratio "$a2" "$b2") ($(ratio "$a3" "$b2"))"
done

# 2. train_bench's models, 3 interleaved pairs, median ratio.
pair() {  # model epochs precision
  local r=()
  for _ in 1 2 3; do
    a=$(bench "$1" "$THREADS" "$2" "$DEV" "$3" 2>/dev/null | steps_per_s)
    b=$(cd bench && "$PYTHON" train_peer.py "$1" "$THREADS" "$2" "$DEV" "$3" | steps_per_s)
    echo "  $1 $DEV $3: twinforge $a, pytorch $b steps/s" >>"$OUT/pairs.log"
    r+=("$(ratio "$a" "$b") $a $b")
  done
  m=$(printf '%s\n' "${r[@]}" | sort -n | sed -n 2p)
  log "$1 $DEV $3: median pair twinforge $(echo "$m" | cut -d' ' -f2) steps/s, pytorch $(echo "$m" | cut -d' ' -f3) steps/s, ratio $(echo "$m" | cut -d' ' -f1)"
}
for prec in fp32 bf16; do
  pair cnn3d "$CNN_EPOCHS" $prec
  pair mlp "$MLP_EPOCHS" $prec
done

# 3. Two data-parallel ranks on this machine (Gloo for the CPU tensors; where a GPU is visible
#    the NCCL group is made beside it), ending with the same loss as each other.
for r in 0 1; do
  MASTER_ADDR=127.0.0.1 MASTER_PORT=29621 WORLD_SIZE=2 RANK=$r LOCAL_RANK=$r LOCAL_WORLD_SIZE=2 \
    LD_LIBRARY_PATH="$libpath" "$BUILD/bin/train_bench" mlp 1 2 cpu >"$work/dp$r.log" 2>&1 &
done
wait
log "data parallel, 2 ranks on cpu: $(grep -h 'steps/s' "$work/dp0.log" || echo "FAILED: $(tail -3 "$work/dp0.log" "$work/dp1.log")")"

# 4. A checkpoint written on the device resumes with no GPU visible (device auto -> cpu).
cat >"$work/ckpt.yaml" <<YAML
ckpt:
  steps:
    read: {_target_: calo.ShowerReader, file: $work/showers.h5, events: 64}
    train: {_target_: calo.GAN3DTrainer, epochs: $CK_EPOCHS, batch_size: 16, checkpoint_every: 1, seed: 1, device: auto}
YAML
rm -rf "$work/ws2"
id=00000000000000000000000000000002
LD_LIBRARY_PATH="$libpath" "$BUILD/bin/twinforge-run" "$work/ckpt.yaml" -w "$work/ws2" --run-id $id >"$OUT/ckpt-first.log" 2>&1 &
pid=$!
for _ in $(seq 1200); do  # interrupted once the first checkpoint is there (a checkpoint every step)
  [ -n "$(find "$work/ws2" -name checkpoint.pt 2>/dev/null)" ] && break
  sleep 0.1
done
sleep 0.5
kill -INT $pid || true
wait $pid || true
CUDA_VISIBLE_DEVICES= tf --resume $id -w "$work/ws2" >"$OUT/ckpt-resume.log" 2>&1 || true
if grep -q "resuming from" "$OUT/ckpt-resume.log" && grep -q "run finished" "$OUT/ckpt-resume.log"; then
  log "checkpoint written on $DEV resumed with no GPU visible: $(grep -o 'resuming from.*' "$OUT/ckpt-resume.log" | head -1 | sed 's|.*checkpoint.pt: ||')"
else
  log "checkpoint resume on the CPU FAILED: see ckpt-first.log and ckpt-resume.log"
  status=1
fi
log "done: $OUT/summary.txt"
exit "${status:-0}"
