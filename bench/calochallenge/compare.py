"""Compares the separation powers evaluate.py printed with TwinForge's report.json.

usage: compare.py EVALUATE_LOG REPORT_JSON
"""
import json
import math
import re
import sys

official = {}
for line in open(sys.argv[1]):
    m = re.match(r"Separation power of (.*) histogram: (.*)$", line.strip())
    if m:
        official[m.group(1)] = float(m.group(2))
ours = json.load(open(sys.argv[2]))["calochallenge_separation_power"]
missing = [k for k in official if k not in ours]
worst, where = 0.0, None
for name, value in official.items():
    mine = ours.get(name)
    if mine is None or math.isnan(value):
        if not (mine is None and math.isnan(value)) and name not in missing:
            worst, where = math.inf, name
        continue
    if abs(mine - value) > worst:
        worst, where = abs(mine - value), name
print(f"{len(official)} histograms from evaluate.py, {len(ours)} in report.json, missing: {missing or 'none'}; "
      f"largest |difference| {worst:.2e} ({where})")
sys.exit(1 if missing or worst > 1e-3 else 0)
