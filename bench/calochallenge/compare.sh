#!/usr/bin/env bash
# TwinForge's `calo.Validate protocol: calochallenge` against the CaloChallenge's own evaluation
# script on the same toy files, for each dataset. Needs a checkout of the challenge's
# repository (github.com/CaloChallenge/homepage); nothing of it is copied here.
#   bench/calochallenge/compare.sh CALOCHALLENGE_CHECKOUT [BUILD_DIR]
# Set NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL" on an AVX-512 machine to make numpy take
# float32 logarithms as the C library does (see docs/calorimeter.md).
set -euo pipefail
code="$(cd "$1/code" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${2:-$here/../../build}" && pwd)"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/twinforge/calochallenge-venv"
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q numpy h5py matplotlib scikit-learn; }
py="$venv/bin/python"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for spec in 1-photons:photon:1_photons:3000 1-pions:pion:1_pions:3000 2:electron:2:2000 3:electron:3:500; do
  IFS=: read -r ds particle xml events <<<"$spec"
  "$py" "$here/make_toy.py" "$work/ref.h5" "$code/binning_dataset_$xml.xml" "$particle" "$events" 1 1.0 1.0
  "$py" "$here/make_toy.py" "$work/gen.h5" "$code/binning_dataset_$xml.xml" "$particle" "$events" 2 1.05 1.1
  start=$(date +%s.%N)
  "$py" "$here/run_official.py" "$code" -i "$work/gen.h5" -r "$work/ref.h5" -m hist-chi -d "$ds" \
    --output_dir "$work/official" >"$work/official.log" 2>&1
  mid=$(date +%s.%N)
  cat >"$work/v.yaml" <<YAML
cmp:
  steps:
    validate: {_target_: calo.Validate, generated_file: $work/gen.h5, reference_file: $work/ref.h5,
               protocol: calochallenge, binning: $code/binning_dataset_$xml.xml, particle: $particle,
               max_events: 0, classifier: false, mc_floor: false}
YAML
  rm -rf "$work/ws" "$work/ref.pkl"
  "$build/bin/twinforge-run" "$work/v.yaml" -w "$work/ws" -q
  end=$(date +%s.%N)
  "$py" -c "print('dataset %-9s evaluate.py %6.1f s, twinforge-run %5.1f s: ' % ('$ds', $mid - $start, $end - $mid), end='')"
  "$py" "$here/compare.py" "$work/official.log" "$(ls "$work"/ws/mlruns/*/*/artifacts/steps/validate/report.json)" || status=1
done
exit $status
