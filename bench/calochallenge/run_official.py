"""Runs the CaloChallenge evaluation script (evaluate.py, unchanged) from a checkout of the
challenge's repository, for its histogram mode.

usage: run_official.py CODE_DIR evaluate.py-arguments...

hist-chi never calls torch, and its plots are not saved, so where PyPI's torch or LaTeX is
missing a stand-in module and plain text rendering let the script run; its numbers do not
depend on either.
"""
import os
import runpy
import sys
import types

import matplotlib.pyplot as plt
import sklearn.calibration  # noqa: F401  (imported before the stand-in, which they must not see)
import sklearn.isotonic  # noqa: F401
import sklearn.metrics  # noqa: F401

try:
    import torch  # noqa: F401
except ImportError:
    torch = types.ModuleType("torch")
    torch.set_default_dtype = lambda *a: None
    torch.float64 = None
    nn = types.ModuleType("torch.nn")
    nn.Module = object
    utils = types.ModuleType("torch.utils")
    data = types.ModuleType("torch.utils.data")
    data.TensorDataset = data.DataLoader = object
    torch.nn, torch.utils, utils.data = nn, utils, data
    resnet = types.ModuleType("resnet")
    resnet.generate_model = None
    sys.modules.update({"torch": torch, "torch.nn": nn, "torch.utils": utils, "torch.utils.data": data,
                        "resnet": resnet})

_rc = plt.rc
plt.rc = lambda group, **kw: None if group == "text" else _rc(group, **kw)  # no LaTeX needed

code = os.path.abspath(sys.argv[1])
sys.path.insert(0, code)
os.chdir(code)  # it opens binning_dataset_*.xml from the working folder
sys.argv = ["evaluate.py"] + sys.argv[2:]
runpy.run_path("evaluate.py", run_name="__main__")
