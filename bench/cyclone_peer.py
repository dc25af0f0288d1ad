#!/usr/bin/python3
"""Python peers of bench/cyclone_bench.cpp, doing the same work with what a scientist would
use in Python: Debian's python3-torch (VGG_V1 inference), python3-netcdf4 (reading packed
fields) and python3-scipy (the TempestExtremes recipe, vectorised with scipy.ndimage).

  cyclone_peer.py infer WIDTH PATCHES BATCH THREADS
  cyclone_peer.py read FILE VAR
  cyclone_peer.py baseline FILE
"""
import math
import sys
import time


def infer(width, n, batch, threads):
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    layers, c, w = [], 4, width
    for stage, (convs, k) in enumerate([(3, 3), (2, 3), (2, 2), (3, 2)]):
        for _ in range(convs):
            if stage < 3 and k % 2 == 0:  # Keras 'same' with an even kernel: pad after
                layers.append(nn.ZeroPad2d((0, k - 1, 0, k - 1)))
            layers += [nn.Conv2d(c, w, k, padding=(k // 2 if stage < 3 and k % 2 else 0)), nn.ReLU()]
            c = w
        layers.append(nn.MaxPool2d(2, 2))
        if stage < 3:
            w *= 2
    feats = nn.Sequential(*layers)
    flat = feats(torch.zeros(1, 4, 40, 40)).numel()
    head, d = [], flat
    for m in (8, 4, 2, 1):
        head += [nn.Linear(d, m * width), nn.ReLU()]
        d = m * width
    head.append(nn.Linear(d, 3))
    net = nn.Sequential(feats, nn.Flatten(), *head).eval()
    x = torch.rand(n, 4, 40, 40)
    with torch.no_grad():
        net(x[:batch])
        t0 = time.perf_counter()
        for b in range(0, n, batch):
            net(x[b:b + batch])
        secs = time.perf_counter() - t0
    print(f"python3-torch {torch.__version__} infer width {width}: {n} patches in {secs:.3f} s, {n / secs:.0f} patches/s")


def read(path, var):
    import netCDF4
    import numpy as np

    t0 = time.perf_counter()
    d = netCDF4.Dataset(path)
    v = d.variables[var]
    lat = d.variables["latitude"][:]
    total = 0.0
    for t in range(v.shape[0]):
        f = np.ma.filled(v[t].astype(np.float32), np.nan)  # masked and unpacked by netCDF4
        if lat[0] > lat[-1]:
            f = f[::-1]  # ascending latitude, as TwinForge's reader returns it
        total += float(f[0, 0])
    secs = time.perf_counter() - t0
    print(f"python3-netcdf4 read {var}: {v.shape[0]} fields of {v.shape[1]} x {v.shape[2]} in {secs:.3f} s, "
          f"{1000 * secs / v.shape[0]:.2f} ms per field (check {total:.1f})")


def great_circle_deg(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians((lon2 - lon1 + 540) % 360 - 180)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(a))))


def closed(field, lat, lon, i0, j0, delta, dist, sign, res):
    """The region connected to (i0, j0) where sign*field < sign*v0 + delta stays within dist
    (a window a little larger than dist: touching its edge means it reaches further)."""
    import numpy as np
    from scipy import ndimage

    h = int(math.ceil(dist / res)) + 2
    a0, a1 = max(0, i0 - h), min(field.shape[0], i0 + h + 1)
    b0, b1 = max(0, j0 - h), min(field.shape[1], j0 + h + 1)
    win = sign * field[a0:a1, b0:b1]
    mask = win < sign * field[i0, j0] + delta
    labels, _ = ndimage.label(mask)  # 4-connected
    comp = labels == labels[i0 - a0, j0 - b0]
    ii, jj = np.nonzero(comp)
    if (a0 > 0 and ii.min() == 0) or (b0 > 0 and jj.min() == 0) or \
       (a1 < field.shape[0] and ii.max() == a1 - a0 - 1) or (b1 < field.shape[1] and jj.max() == b1 - b0 - 1):
        return False
    for i, j in zip(ii + a0, jj + b0):
        if great_circle_deg(lat[i0], lon[j0], lat[i], lon[j]) > dist:
            return False
    return True


def baseline(path):
    import netCDF4
    import numpy as np
    from scipy import ndimage

    d = netCDF4.Dataset(path)
    lat = d.variables["latitude"][:].astype(float)
    lon = d.variables["longitude"][:].astype(float)
    flip = lat[0] > lat[-1]
    if flip:
        lat = lat[::-1]
    res = abs(lat[1] - lat[0])
    steps = d.variables["msl"].shape[0]
    secs, count = 0.0, 0
    for t in range(steps):
        def get(name):
            f = np.ma.filled(d.variables[name][t].astype(np.float64), np.nan)
            return f[::-1] if flip else f
        msl, warm = get("msl"), 0.5 * (get("t_300") + get("t_500"))
        t0 = time.perf_counter()
        cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], bool)  # 4 neighbours, as TempestExtremes
        is_min = ndimage.minimum_filter(msl, footprint=cross, mode="nearest") == msl
        is_min &= (np.abs(lat) <= 50)[:, None]
        ii, jj = np.nonzero(is_min)
        # TempestExtremes' merge (with a k-d tree, as it does): dropped when any lower
        # candidate lies within 6 degrees of great-circle distance
        from scipy.spatial import cKDTree
        phi, lam = np.radians(lat[ii]), np.radians(lon[jj])
        xyz = np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=1)
        vals = msl[ii, jj]
        near = cKDTree(xyz).query_ball_point(xyz, 2 * math.sin(math.radians(6.0) / 2))
        kept = [(ii[k], jj[k]) for k in range(len(ii)) if not any(vals[m] < vals[k] for m in near[k])]
        nodes = []
        for i, j in kept:
            if not closed(msl, lat, lon, i, j, 200.0, 5.5, 1, res):
                continue
            h = int(math.ceil(1.1 / res)) + 1
            best, bi, bj = -np.inf, i, j
            for a in range(max(0, i - h), min(len(lat), i + h + 1)):
                for b in range(max(0, j - h), min(len(lon), j + h + 1)):
                    if great_circle_deg(lat[i], lon[j], lat[a], lon[b]) <= 1.1 and warm[a, b] > best:
                        best, bi, bj = warm[a, b], a, b
            if closed(warm, lat, lon, bi, bj, 0.4, 8.0, -1, res):
                nodes.append((i, j))
        secs += time.perf_counter() - t0
        count += len(nodes)
    print(f"python3-scipy baseline: {count} nodes in {steps} steps, {1000 * secs / steps:.2f} ms per step")


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "infer" and len(sys.argv) == 6:
        infer(*(int(a) for a in sys.argv[2:6]))
    elif mode == "read" and len(sys.argv) == 4:
        read(sys.argv[2], sys.argv[3])
    elif mode == "baseline" and len(sys.argv) == 3:
        baseline(sys.argv[2])
    else:
        sys.exit(__doc__)
