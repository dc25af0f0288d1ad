#!/usr/bin/env python3
"""The Python peers of bench/gw_bench.cpp on the same raw float64 file.
  gw_peer.py make FILE RATE SECONDS    write design-curve-like coloured noise (numpy, seeded)
  gw_peer.py asd FILE RATE             scipy.signal.welch, median, 4 s / 2 s, Hann (density)
  gw_peer.py gwpy-asd FILE RATE        gwpy TimeSeries.asd(4, 2, method='median')
  gw_peer.py gwpy-whiten FILE RATE     gwpy TimeSeries.whiten() (defaults)
  gw_peer.py gwpy-q FILE RATE SECONDS  gwpy TimeSeries.q_transform() on the first SECONDS
Prints "<name>: <ms> ms" (best of 3 after one warm-up)."""
import sys, time
import numpy as np

def best_ms(fn, repeats=3):
    fn()
    best = 1e300
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, (time.perf_counter() - t) * 1e3)
    return best

what, path, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
if what == "make":
    n = int(rate * float(sys.argv[4]))
    rng = np.random.default_rng(1)
    f = np.fft.rfftfreq(n, 1 / rate)
    x = f.clip(10) / 215.0
    psd = 1e-49 * (x ** -4.14 - 5 / x ** 2 + 111 * (1 - x ** 2 + x ** 4 / 2) / (1 + x ** 2 / 2))
    X = np.sqrt(psd * rate * n / 4) * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size))
    X[0] = 0
    np.fft.irfft(X, n).astype("<f8").tofile(path)
    sys.exit(0)
data = np.fromfile(path, dtype="<f8")
if what == "asd":
    from scipy import signal
    n = int(4 * rate)
    ms = best_ms(lambda: signal.welch(data, fs=rate, window="hann", nperseg=n, noverlap=n // 2, average="median"))
    print("asd: %.1f ms for %.0f s" % (ms, data.size / rate))
else:
    from gwpy.timeseries import TimeSeries
    ts = TimeSeries(data, sample_rate=rate, t0=0)
    if what == "gwpy-asd":
        ms = best_ms(lambda: ts.asd(4, 2, method="median"))
        print("asd: %.1f ms for %.0f s" % (ms, data.size / rate))
    elif what == "gwpy-whiten":
        ms = best_ms(lambda: ts.whiten())
        print("whiten: %.1f ms for %.0f s" % (ms, data.size / rate))
    elif what == "gwpy-q":
        secs = float(sys.argv[4])
        part = ts[: int(secs * rate)]
        ms = best_ms(lambda: part.q_transform())
        print("qscan: %.1f ms for %.0f s" % (ms, secs))
