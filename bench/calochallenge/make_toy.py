"""Toy showers in a CaloChallenge file layout (showers (N, voxels), incident_energies (N, 1),
MeV) on a binning XML: a Gaussian longitudinal profile, exponential lateral falloff, gamma
angular fluctuations and log-normal voxel noise. For comparing evaluations, not physics.

usage: make_toy.py OUT.h5 BINNING.xml PARTICLE EVENTS SEED DEPTH SPREAD
"""
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np


def layers(xml_file, particle):
    out = []
    for b in ET.parse(xml_file).getroot():
        if b.attrib["name"] != particle:
            continue
        for layer in b:
            r = np.array([float(x) for x in layer.attrib["r_edges"].split(",")])
            out.append((len(r) - 1, int(layer.attrib["n_bin_alpha"]), r))
    return out


def make(path, xml_file, particle, n, seed, depth, spread):
    rng = np.random.default_rng(seed)
    geometry = layers(xml_file, particle)
    # Dataset 1 has discrete energies 2^8 .. 2^22 MeV, datasets 2 and 3 log-uniform 1 GeV .. 1 TeV.
    einc = 2.0 ** rng.integers(8, 23, size=n) if particle != "electron" else 10 ** rng.uniform(3, 6, size=n)
    nl = len(geometry)
    z = np.arange(nl) + 0.5
    peak = depth * 0.3 * nl * (1 + 0.1 * rng.standard_normal(n))
    profile = np.exp(-0.5 * ((z[None, :] - peak[:, None]) / (0.25 * nl)) ** 2)
    profile *= (np.array([nr for nr, _, _ in geometry]) > 0)[None, :]
    profile /= profile.sum(1, keepdims=True)
    deposit = einc * rng.uniform(0.85, 1.0, size=n)
    cols = []
    for li, (nr, na, r) in enumerate(geometry):
        if nr <= 0:
            continue
        mid, width = 0.5 * (r[1:] + r[:-1]), np.diff(r)
        lateral = np.tile(np.exp(-mid / (spread * 0.15 * r[-1])) * width, na)
        e = lateral[None, :] * rng.gamma(2.0, 1.0, size=(n, na * nr))
        e /= e.sum(1, keepdims=True)
        e *= (deposit * profile[:, li])[:, None] * rng.lognormal(0, 0.3, size=e.shape)
        cols.append(e)
    with h5py.File(path, "w") as f:
        f["showers"] = np.concatenate(cols, 1).astype(np.float32)
        f["incident_energies"] = einc.reshape(-1, 1).astype(np.float32)


if __name__ == "__main__":
    out, xml_file, particle, n, seed, depth, spread = sys.argv[1:8]
    make(out, xml_file, particle, int(n), int(seed), float(depth), float(spread))
