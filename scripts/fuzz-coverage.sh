#!/usr/bin/env bash
# How much of each reader the fuzz corpora reach: builds the fuzz targets with clang's
# source-based coverage (no sanitizers) into ./build-cov, replays the seeds, the saved inputs
# and the inputs kept by fuzzing runs (build-asan/fuzz/work/), and prints llvm-cov's line
# coverage of the readers' sources.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cov=${TWINFORGE_COV_BUILD_DIR:-build-cov}
asan=${TWINFORGE_ASAN_BUILD_DIR:-build-asan}
flags="-fprofile-instr-generate -fcoverage-mapping"
TWINFORGE_BUILD_DIR=$cov CC=clang CXX=clang++ ./scripts/build.sh -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
  -DCMAKE_SHARED_LINKER_FLAGS="$flags" -DTWINFORGE_FUZZ=ON -DTWINFORGE_BUILD_GUI=OFF -DTWINFORGE_BUILD_TESTS=OFF
fz="$(cd "$cov" && pwd)/fuzz"
prof="$fz/profiles"
rm -rf "$prof" "$fz/seeds" && mkdir -p "$prof" "$fz/seeds/pipeline" "$fz/seeds/h5"
cp resources/pipelines/*.yaml tests/fixtures/*.yaml "$fz/seeds/pipeline/"
LLVM_PROFILE_FILE="$prof/make_seeds.profraw" "$fz/make_seeds" "$fz/seeds/h5" >/dev/null
declare -A SEEDS=([fuzz_pipeline]=pipeline [fuzz_h5_info]=h5 [fuzz_shower_file]=h5)
# target -> the sources it is there to exercise
declare -A SOURCES=(
  [fuzz_pipeline]="core/config/Node.cpp core/config/ComponentSyntax.cpp core/pipeline/PipelineLoader.cpp core/pipeline/Interpolation.cpp core/registry/Schema.cpp core/pipeline/Graph.cpp"
  [fuzz_h5_info]="core/io/Hdf5.cpp core/data/ShowerFile.cpp plugins/calo/CaloPlugin.cpp plugins/synthetic/SyntheticPlugin.cpp core/components/Builtins.cpp"
  [fuzz_shower_file]="core/data/ShowerFile.cpp core/io/Hdf5.cpp")
for t in fuzz_pipeline fuzz_h5_info fuzz_shower_file; do
  dirs=("$fz/seeds/${SEEDS[$t]}")
  [ -d "fuzz/corpus/$t" ] && dirs+=("$root/fuzz/corpus/$t")
  [ -d "$asan/fuzz/work/$t" ] && dirs+=("$(cd "$asan/fuzz/work/$t" && pwd)")
  files=$(find "${dirs[@]}" -type f | wc -l)
  # -runs=0 replays the folders' inputs once and stops.
  LLVM_PROFILE_FILE="$prof/$t-%p.profraw" "$fz/$t" -runs=0 "${dirs[@]}" >/dev/null 2>&1 || true
  llvm-profdata merge -sparse "$prof/$t"-*.profraw -o "$prof/$t.profdata"
  objs=("$fz/$t" -object "$cov/lib/libtwinforge_core.so")
  for p in "$cov"/plugins/*.so; do objs+=(-object "$p"); done
  srcs=()
  for s in ${SOURCES[$t]}; do srcs+=("$root/$s"); done
  echo "== $t: $files inputs"
  llvm-cov report "${objs[@]}" -instr-profile="$prof/$t.profdata" "${srcs[@]}" 2>/dev/null | \
    awk 'NR==1 {print "file                                       lines  missed  line-coverage"; next}
      /^[A-Za-z]/ {printf "%-42s %7s %7s %8s\n", $1, $8, $9, $10}'
done
