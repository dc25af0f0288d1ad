#!/usr/bin/env bash
# Cyclone-twin benchmarks against Python peers, in one run (bench/cyclone_peer.py, run with
# /usr/bin/python3: Debian's python3-torch, python3-netcdf4, python3-scipy):
#  1. VGG_V1 inference in patches per second (width 16 and CMCC's 64; 4096 patches = the
#     sliding window over the example's 32 held-out fields), against python3-torch;
#  2. reading every time step of a packed field, against python3-netcdf4;
#  3. the baseline detector (DetectNodes' recipe) per time step, against the same recipe
#     vectorised with scipy.ndimage;
#  4. with TE_BIN=DIR (TempestExtremes' DetectNodes and StitchNodes, built beside the project,
#     not part of it): its candidate nodes on the same file and parameters, node by node, and
#     its time per step.
# Needs a build (scripts/build.sh). Usage: [TE_BIN=DIR] bench/cyclone_bench.sh [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TWINFORGE_BUILD_DIR:-build}/bin
PY=/usr/bin/python3
THREADS=${1:-$(nproc)}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== fields: the example pipeline's held-out file (161 x 321 cells, 32 steps, netCDF-4, int16)"
cat >"$TMP/fields.yaml" <<'EOF'
fields_pipeline:
  _target_: itwinai.pipeline.Pipeline
  steps:
    generate_test:
      _target_: cyclone.Synthetic
      file: cyclones-test.nc
      start: "2001-09-01 00:00"
      days: 8
      cyclones: 6
      seed: 1000
    baseline:
      _target_: cyclone.Baseline
      output: cyclones-test.baseline.tracks.csv
EOF
"$BIN/twinforge-run" "$TMP/fields.yaml" -q -w "$TMP"
FILE=$TMP/cyclones-test.nc
NODES=$(find "$TMP/mlruns" -name nodes.csv | head -1)

for width in 16 64; do
  echo "== VGG_V1 width $width: 4096 patches, batch 256, $THREADS threads, 3 interleaved pairs"
  for _ in 1 2 3; do
    a=$("$BIN/cyclone_bench" infer "$width" 4096 256 "$THREADS" | tee /dev/stderr | grep -oE "[0-9]+ patches/s" | awk '{print $1}')
    b=$($PY bench/cyclone_peer.py infer "$width" 4096 256 "$THREADS" | tee /dev/stderr | grep -oE "[0-9]+ patches/s" | awk '{print $1}')
    awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f\n", a / b}' >>"$TMP/infer$width"
  done
  echo "inference twinforge/python3-torch (patches/s), median: $(median <"$TMP/infer$width")"
done

echo "== read msl, every step, 5 interleaved pairs"
for _ in 1 2 3 4 5; do
  a=$("$BIN/cyclone_bench" read "$FILE" msl | tee /dev/stderr | grep -oE "[0-9.]+ ms per field" | awk '{print $1}')
  b=$($PY bench/cyclone_peer.py read "$FILE" msl | tee /dev/stderr | grep -oE "[0-9.]+ ms per field" | awk '{print $1}')
  awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f\n", b / a}' >>"$TMP/read"
done
echo "read speed-up over python3-netcdf4, median: $(median <"$TMP/read")"

echo "== baseline detector per step, 3 interleaved pairs"
for _ in 1 2 3; do
  a=$("$BIN/cyclone_bench" baseline "$FILE" | tee /dev/stderr | grep -oE "[0-9.]+ ms per step" | awk '{print $1}')
  b=$($PY bench/cyclone_peer.py baseline "$FILE" | tee /dev/stderr | grep -oE "[0-9.]+ ms per step" | awk '{print $1}')
  awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f\n", b / a}' >>"$TMP/base"
done
echo "baseline speed-up over python3-scipy, median: $(median <"$TMP/base")"

if [ -n "${TE_BIN:-}" ]; then
  echo "== TempestExtremes ($TE_BIN) on the same file and parameters"
  start=$(date +%s%N)
  "$TE_BIN/DetectNodes" --in_data "$FILE" --out "$TMP/te-nodes.txt" --searchbymin msl \
    --closedcontourcmd "msl,200.0,5.5,0;_AVG(t_300,t_500),-0.4,8.0,1.1" --mergedist 6.0 \
    --outputcmd "msl,min,0" --latname latitude --lonname longitude --regional --minlat -50 --maxlat 50 >"$TMP/te.log"
  te=$(( ($(date +%s%N) - start) / 1000000 ))
  "$TE_BIN/StitchNodes" --in "$TMP/te-nodes.txt" --out "$TMP/te-tracks.txt" --in_fmt "lon,lat,msl" \
    --range 8.0 --mintime 54h --maxgap 24h >"$TMP/te-stitch.log"
  start=$(date +%s%N)
  "$BIN/twinforge-run" "$TMP/fields.yaml" -q -w "$TMP"  # the fields are kept (same settings): the baseline runs
  tf=$(( ($(date +%s%N) - start) / 1000000 ))
  $PY - "$TMP/te-nodes.txt" "$NODES" "$TMP/te-tracks.txt" "$TMP/cyclones-test.baseline.tracks.csv" "$te" "$tf" <<'EOF'
import csv, sys
te_nodes, tf_nodes, te_tracks, tf_tracks, te_secs, tf_secs = sys.argv[1:7]
te, step = set(), -1
for line in open(te_nodes):
    p = line.split()
    if not line.startswith("\t"):
        step += 1
    else:
        te.add((step, round(float(p[3]), 2), round(float(p[2]) % 360, 2)))
ours = {(int(r["step"]), round(float(r["lat"]), 2), round(float(r["lon"]), 2)) for r in csv.DictReader(open(tf_nodes))}
both = te & ours
steps = step + 1
print(f"candidate nodes: TempestExtremes {len(te)}, TwinForge {len(ours)}, the same grid point and step {len(both)}; "
      f"only TempestExtremes {len(te - ours)}, only TwinForge {len(ours - te)}")
for s, la, lo in sorted(te - ours)[:5]: print(f"  only TempestExtremes: step {s} {la} N {lo} E")
for s, la, lo in sorted(ours - te)[:5]: print(f"  only TwinForge: step {s} {la} N {lo} E")
te_n = sum(1 for l in open(te_tracks) if l.startswith("start"))
tf_n = len({r["track_id"] for r in csv.DictReader(open(tf_tracks))})
print(f"tracks (StitchNodes --range 8 --mintime 54h --maxgap 24h): TempestExtremes {te_n}, TwinForge {tf_n}")
print(f"whole process for {steps} steps (read, detect, write): DetectNodes {float(te_secs) / 1000:.2f} s "
      f"({float(te_secs) / steps:.0f} ms per step); twinforge-run of the same file {float(tf_secs) / 1000:.2f} s "
      f"(detect and stitch, LibTorch's start-up included)")
EOF
fi
