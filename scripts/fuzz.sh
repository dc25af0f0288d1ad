#!/usr/bin/env bash
# Coverage-guided fuzzing of TwinForge's readers with libFuzzer (the build of scripts/sanitize.sh:
# clang, AddressSanitizer, UndefinedBehaviorSanitizer).
#   scripts/fuzz.sh               each target for 60 s (new inputs kept in build-asan/fuzz/work/)
#   scripts/fuzz.sh 600           each target for 10 minutes
#   scripts/fuzz.sh 600 fuzz_h5_info   one target
#   scripts/fuzz.sh --regress     every seed and saved input once, through every target (CI)
# Seeds are written fresh: the project's own pipeline files, and small HDF5 files of every
# layout from fuzz/make_seeds. Inputs that once crashed live in fuzz/corpus/<target>/.
# A crash leaves its input in build-asan/fuzz/found/; minimise it (-minimize_crash=1), add it
# to fuzz/corpus/<target>/ and fix the reader: the regression keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${TWINFORGE_ASAN_BUILD_DIR:-build-asan}
[ -f "$build/build.ninja" ] || { echo "fuzz: no $build; run scripts/sanitize.sh first" >&2; exit 2; }
cmake --build "$build" --target fuzz_pipeline fuzz_h5_info fuzz_shower_file make_seeds twinforge_calo twinforge_synthetic >/dev/null
source scripts/sanitizer-env.sh
# Leaks of one input would be reported at exit; libFuzzer checks them itself per input.
fz="$(cd "$build" && pwd)/fuzz"
seeds="$fz/seeds"
rm -rf "$seeds" && mkdir -p "$seeds/pipeline" "$seeds/h5"
cp resources/pipelines/*.yaml tests/fixtures/*.yaml "$seeds/pipeline/"
"$fz/make_seeds" "$seeds/h5" >/dev/null

# target -> seed folder, dictionary, longest input
declare -A SEEDS=([fuzz_pipeline]=pipeline [fuzz_h5_info]=h5 [fuzz_shower_file]=h5)
declare -A DICT=([fuzz_pipeline]=pipeline.dict [fuzz_h5_info]=h5.dict [fuzz_shower_file]=h5.dict)
declare -A MAXLEN=([fuzz_pipeline]=8192 [fuzz_h5_info]=16384 [fuzz_shower_file]=16384)
targets=(fuzz_pipeline fuzz_h5_info fuzz_shower_file)

if [ "${1:-}" = "--regress" ]; then
  total=0
  for t in "${targets[@]}"; do
    inputs=("$seeds/${SEEDS[$t]}"/*)
    [ -d "fuzz/corpus/$t" ] && inputs+=("$root/fuzz/corpus/$t"/*)
    # Given files (not folders) libFuzzer runs each once and stops at the first failure.
    "$fz/$t" -rss_limit_mb=4096 -timeout=60 -artifact_prefix="$fz/regress-$t-" "${inputs[@]}" \
      >"$fz/$t.regress.log" 2>&1 || {
      tail -40 "$fz/$t.regress.log"
      echo "fuzz: $t failed on a saved input (log: $fz/$t.regress.log)" >&2
      exit 1
    }
    echo "fuzz: $t: ${#inputs[@]} inputs replayed"
    total=$((total + ${#inputs[@]}))
  done
  echo "fuzz: regression passed ($total inputs)"
  exit 0
fi

seconds=${1:-60}
[ $# -gt 1 ] && targets=("${@:2}")
mkdir -p "$fz/found"
for t in "${targets[@]}"; do
  work="$fz/work/$t"
  mkdir -p "$work"
  saved=()
  [ -d "fuzz/corpus/$t" ] && saved=("$root/fuzz/corpus/$t")
  echo "fuzz: $t for $seconds s"
  # Fork mode goes on after a crash (HDF5's own crashes would otherwise stop every run at the
  # first one): each crash, leak or hang is saved under found/ for triage.
  "$fz/$t" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 -max_total_time="$seconds" -timeout=20 \
    -rss_limit_mb=4096 -max_len="${MAXLEN[$t]}" -dict="$root/fuzz/${DICT[$t]}" -artifact_prefix="$fz/found/$t-" \
    "$work" "$seeds/${SEEDS[$t]}" "${saved[@]}" >"$fz/$t.log" 2>&1 || true
  grep -E "^#[0-9]+: cov" "$fz/$t.log" | tail -1 | sed "s/^/fuzz: $t: /"
  echo "fuzz: $t: $(grep -c "deadly signal\|ERROR: AddressSanitizer\|ERROR: LeakSanitizer" "$fz/$t.log" || true) crash/leak reports, $(ls "$work" | wc -l) inputs kept"
done
ls "$fz/found" 2>/dev/null | sed 's/^/fuzz: found: /'
