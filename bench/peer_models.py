"""The models and data of the training benchmarks, for the Python peers (train_peer.py,
ddp_peer.py); bench/train_bench.cpp builds the same ones in C++.

  net, x, y, batch = peer_models.make(name)   # name: mlp-small, mlp or cnn3d
"""
import torch
from torch import nn


def make(name):
    if name == "mlp-small":
        net = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
        return net, torch.randn(4096, 8), torch.randn(4096, 1), 64
    if name == "mlp":
        net = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1))
        return net, torch.randn(4096, 64), torch.randn(4096, 1), 128
    if name == "cnn3d":
        net = nn.Sequential(nn.Conv3d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv3d(8, 16, 3, stride=2, padding=1),
                            nn.ReLU(), nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(16, 1))
        return net, torch.randn(512, 1, 16, 16, 16), torch.randn(512, 1), 32
    raise SystemExit(f"unknown model {name!r}: expected mlp-small, mlp or cnn3d")
