#!/usr/bin/env python3
"""For tests/core/data/test_strain_file.cpp. Usage:
  strain_reference.py write FILE   write a small file with h5py the way GWOSC publishes them
                                   (fixed-length byte strings, int32 masks, GWOSCmeta)
  strain_reference.py gwpy FILE    read FILE with gwpy's own GWOSC reader; print what it found"""
import sys
import numpy as np

mode, path = sys.argv[1], sys.argv[2]
if mode == "write":
    import h5py
    rate, gps, dur = 4096, 1126259446, 4
    t = np.arange(rate * dur) / rate
    x = 1e-21 * np.sin(2 * np.pi * 35.0 * t)
    x[rate * 2 + 100: rate * 2 + 300] = np.nan  # a gap
    with h5py.File(path, "w") as f:
        m = f.create_group("meta")
        m["Description"] = np.bytes_(b"Strain data time series from LIGO")
        m["DescriptionURL"] = np.bytes_(b"http://www.gw-openscience.org/")
        m["Detector"] = np.bytes_(b"L1")
        m["Duration"] = dur
        m["GPSstart"] = gps
        m["Observatory"] = np.bytes_(b"L")
        m["Type"] = np.bytes_(b"StrainTimeSeries")
        m["UTCstart"] = np.bytes_(b"2015-09-14T09:50:29")
        s = f.create_group("strain")
        d = s.create_dataset("Strain", data=x, compression="gzip")
        d.attrs["Npoints"] = x.size
        d.attrs["Xlabel"] = np.bytes_(b"GPS time")
        d.attrs["Xspacing"] = 1.0 / rate
        d.attrs["Xstart"] = gps
        d.attrs["Xunits"] = np.bytes_(b"second")
        d.attrs["Yunits"] = np.bytes_(b"")
        s["GWOSCmeta"] = np.bytes_(b"GWOSC-4KHZ_R1_STRAIN")
        q = f.create_group("quality/simple")
        mask = np.array([127, 127, 0, 3], dtype=np.int32)  # second 2: no data; 3: CBC_CAT1 only
        dq = q.create_dataset("DQmask", data=mask)
        for k, v in (("Xstart", gps), ("Xspacing", 1.0), ("Npoints", 4)):
            dq.attrs[k] = v
        dq.attrs["Xunits"] = np.bytes_(b"second")
        q["DQShortnames"] = np.array([b"DATA", b"CBC_CAT1", b"CBC_CAT2", b"CBC_CAT3", b"BURST_CAT1", b"BURST_CAT2", b"BURST_CAT3"])
        q["DQDescriptions"] = np.array([b"Science data available"] * 7)
        q["GWOSCmeta"] = np.bytes_(b"GWOSC-4KHZ_R1_DQMASK")
        i = f.create_group("quality/injections")
        inj = i.create_dataset("Injmask", data=np.array([31, 31, 31, 30], dtype=np.int32))
        for k, v in (("Xstart", gps), ("Xspacing", 1.0), ("Npoints", 4)):
            inj.attrs[k] = v
        inj.attrs["Xunits"] = np.bytes_(b"second")
        i["InjShortnames"] = np.array([b"NO_CBC_HW_INJ", b"NO_BURST_HW_INJ", b"NO_DETCHAR_HW_INJ", b"NO_CW_HW_INJ", b"NO_STOCH_HW_INJ"])
        i["InjDescriptions"] = np.array([b"no injection"] * 5)
elif mode == "gwpy":
    from gwpy.timeseries import TimeSeries, StateVector
    ts = TimeSeries.read(path, format="hdf5.gwosc")
    print("name", ts.name)
    print("t0 %.9f" % ts.t0.value)
    print("rate %.9f" % ts.sample_rate.value)
    print("size", ts.size)
    print("sum %.17g" % float(np.nansum(ts.value)))
    sv = StateVector.read(path, format="hdf5.gwosc")
    print("bits", ",".join(str(b) for b in sv.bits))
    print("dqsum", int(np.sum(sv.value)))
