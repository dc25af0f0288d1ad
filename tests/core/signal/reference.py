#!/usr/bin/env python3
"""Reference numbers for tests/core/signal/test_signal.cpp, from scipy and (where importable)
gwpy, on the input the test wrote. Usage: reference.py DIR. Reads DIR/input.f64 (float64,
little-endian) and DIR/params.txt (rate, t0), writes DIR/<name>.f64 and DIR/info.txt."""
import sys, os
import numpy as np
from scipy import signal

d = sys.argv[1]
x = np.fromfile(os.path.join(d, "input.f64"), dtype="<f8")
rate, t0 = (float(v) for v in open(os.path.join(d, "params.txt")).read().split())
info = []

def out(name, a):
    np.asarray(a, dtype="<f8").tofile(os.path.join(d, name + ".f64"))

# Welch, as the C++ calls it: 4 s segments, half overlap, periodic Hann, median and mean.
nper = int(4 * rate)
for avg in ("median", "mean"):
    f, p = signal.welch(x, fs=rate, window="hann", nperseg=nper, noverlap=nper // 2, average=avg)
    out("welch_" + avg, p)
# Zero-phase Butterworth band-pass (order 8, 30-400 Hz) and high-pass (order 5, 15 Hz).
out("bandpass", signal.sosfiltfilt(signal.butter(8, [30, 400], btype="bandpass", fs=rate, output="sos"), x))
out("highpass", signal.sosfiltfilt(signal.butter(5, 15, btype="highpass", fs=rate, output="sos"), x))
out("lowpass", signal.sosfiltfilt(signal.butter(4, 200, btype="lowpass", fs=rate, output="sos"), x))
b, a = signal.iirnotch(60.0, 30.0, fs=rate)
out("notch", signal.filtfilt(b, a, x))
out("resample_down", signal.resample(x, len(x) * 1024 // int(rate)))
out("resample_up", signal.resample(x[:4096], 4096 * 3))

try:
    from gwpy.timeseries import TimeSeries
    from gwpy.signal.qtransform import q_scan
except ImportError:
    info.append("gwpy no")
else:
    import gwpy
    info.append("gwpy " + gwpy.__version__)
    ts = TimeSeries(x, sample_rate=rate, t0=t0)
    out("gwpy_asd", ts.asd(4, method="median").value)           # overlap: Hann's recommended 2 s
    out("gwpy_asd_full", ts.asd().value)                         # one segment of the whole series
    w = ts.whiten()                                              # gwpy's defaults: 2 s FFT, no overlap
    out("gwpy_whiten", w.value)
    out("gwpy_whiten_hp", ts.whiten(4, 2, fduration=1, highpass=20).value)
    # The Q-scan of the whitened series: the loudest plane's rows, tile by tile.
    qgram, far = q_scan(w, qrange=(4, 64), mismatch=0.2)
    info.append("q %.17g" % qgram.plane.q)
    info.append("peak %.9g %.17g %.17g" % (qgram.peak["energy"], qgram.peak["time"], qgram.peak["frequency"]))
    info.append("rows %d" % len(qgram.energies))
    freqs = qgram.plane.frequencies
    for i, e in enumerate(qgram.energies):
        info.append("row %d %.17g %d" % (i, freqs[i], e.size))
    out("gwpy_q_rows", np.concatenate([e.value for e in qgram.energies]))
    # That plane as an image: 400 columns over 7.5-8.5 s, 100 log-spaced frequencies. The same
    # series starting at GPS 0: numpy's arange steps by (start + step) - start, which at GPS
    # 1.1e9 is 0.00250005722 s for 0.0025, so gwpy would sample its columns up to 23 us late.
    qgram0, _ = q_scan(TimeSeries(w.value, sample_rate=rate, t0=0), qrange=(4, 64), mismatch=0.2)
    img = qgram0.interpolate(tres=1 / 400, fres=100, logf=True, outseg=(7.5, 8.5))
    info.append("q_image %d %d %.17g %.17g %.17g" % (img.shape + (img.frequencies.value[0], img.frequencies.value[-1], img.times.value[1] - img.times.value[0])))
    out("gwpy_q_image", img.value)
    # gwpy's q_transform (whitening inside) of the raw series: its loudest tile.
    qt = ts.q_transform(qrange=(4, 64))
    i, j = np.unravel_index(np.argmax(qt.value), qt.shape)
    info.append("qt_peak %.9g %.17g %.17g" % (qt.value[i, j], qt.times.value[i], qt.frequencies.value[j]))
open(os.path.join(d, "info.txt"), "w").write("\n".join(info) + "\n")
