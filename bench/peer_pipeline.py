#!/usr/bin/python3
"""Python peer of pipeline_bench, on the same files: what an itwinai-style stack pays.

  peer_pipeline.py load FILE REPEAT   PyYAML + OmegaConf: parse, resolve ${...}, to a container
  peer_pipeline.py exec STEPS REPEAT  a plain Python loop over no-op step objects (the floor
                                      of any Python pipeline runner; no validation, no events)
Needs Debian's python3-yaml and python3-omegaconf; run with /usr/bin/python3.
"""
import statistics
import sys
import time

import yaml
from omegaconf import OmegaConf


def load(path, repeat):
    ms = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        with open(path) as f:
            raw = yaml.safe_load(f)
        cfg = OmegaConf.create(raw)
        resolved = OmegaConf.to_container(cfg, resolve=True)
        ms.append((time.perf_counter() - t0) * 1e3)
    steps = len(resolved["pipeline"]["steps"])
    print(f"load+resolve {steps} steps: median {statistics.median(ms):.3f} ms")


class Noop:
    def execute(self, *args):
        return args


def execute(n, repeat):
    steps = [Noop() for _ in range(n)]
    us = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = ()
        for s in steps:
            out = s.execute(*out)
        us.append((time.perf_counter() - t0) * 1e6 / n)
    print(f"python loop per no-op step: median {statistics.median(us):.3f} us")


if __name__ == "__main__":
    mode, arg, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    load(arg, repeat) if mode == "load" else execute(int(arg), repeat)
