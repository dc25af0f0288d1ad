#!/usr/bin/env bash
# GW-twin benchmarks against the field's Python tools on the same data, in one run:
#  1. ASD (Welch, median, 4 s segments, 2 s overlap, Hann) of one hour at 4096 Hz (14.7 M
#     samples) against Debian's python3-scipy (scipy.signal.welch) and gwpy (TimeSeries.asd);
#  2. whitening that hour with gwpy's defaults against gwpy's TimeSeries.whiten;
#  3. the Q-transform of 64 s (whitening, Omega's tiling, the 1000-column image) against gwpy's
#     TimeSeries.q_transform;
#  4. the strain viewer's redraw after a zoom on the hour (offscreen);
#  5. denoiser inference (1-D U-Net, 1 s windows at 4096 Hz, half-overlapping) in seconds of strain per second.
# gwpy comes from PyPI in a cached virtual environment (tests/core/signal/gwpy-requirements.txt).
# Needs a build (scripts/build.sh). Usage: bench/gw_bench.sh [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TWINFORGE_BUILD_DIR:-build}/bin
PY=/usr/bin/python3
GWPY=$(scripts/pypi-venv.sh tests/core/signal/gwpy-requirements.txt gwpy-venv "${TWINFORGE_GWPY_VENV:-}")/bin/python
THREADS=${1:-$(nproc)}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { grep -oE "[0-9.]+ ms" | head -1 | awk '{print $1}'; }

RATE=4096
$PY bench/gw_peer.py make "$TMP/hour.f64" $RATE 3600
echo "== one hour at $RATE Hz ($(du -h "$TMP/hour.f64" | cut -f1)); best of 3 per process, 3 interleaved pairs each"

pairs() {  # name, our command, peer command, peer name
  local name=$1 ours=$2 peer=$3 peername=$4
  : >"$TMP/$name"
  for _ in 1 2 3; do
    # (echo, not tee /dev/stderr: with output sent to a file, tee's own open of /dev/stderr
    # starts at offset 0 and overwrites what was written)
    out=$(eval "$ours"); echo "  twinforge $out"; a=$(echo "$out" | ms)
    out=$(eval "$peer"); echo "  peer      $out"; b=$(echo "$out" | ms)
    awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f\n", b / a}' >>"$TMP/$name"
  done
  echo "$name: speed-up over $peername, median: $(median <"$TMP/$name")"
}

pairs asd-scipy "$BIN/gw_bench asd $TMP/hour.f64 $RATE" "$PY bench/gw_peer.py asd $TMP/hour.f64 $RATE" "python3-scipy welch"
pairs asd-gwpy "$BIN/gw_bench asd $TMP/hour.f64 $RATE" "$GWPY bench/gw_peer.py gwpy-asd $TMP/hour.f64 $RATE" "gwpy asd"
pairs whiten-gwpy "$BIN/gw_bench whiten $TMP/hour.f64 $RATE" "$GWPY bench/gw_peer.py gwpy-whiten $TMP/hour.f64 $RATE" "gwpy whiten"
pairs q-gwpy "$BIN/gw_bench qscan $TMP/hour.f64 $RATE 64" "$GWPY bench/gw_peer.py gwpy-q $TMP/hour.f64 $RATE 64" "gwpy q_transform"

echo "== strain viewer redraw"
QT_QPA_PLATFORM=offscreen "$BIN/strain_redraw" 2>/dev/null
echo "== denoiser inference, $THREADS threads"
for w in 8 32; do "$BIN/gw_bench" denoise $RATE $w "$THREADS"; done
