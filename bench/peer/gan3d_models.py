"""The 3DGAN's networks in PyTorch, layer for layer as plugins/calo/Gan3dModel.h builds them,
for the Python peers (gan3d_peer.py trains them, ../calo_peer.py generates with the small one).
"""
import torch.nn as nn
import torch.nn.functional as F


def scaled(shape, div):
    return tuple((e + div - 1) // div for e in shape)


def leaky(x):
    return F.leaky_relu(x, 0.2)


class Generator(nn.Module):
    def __init__(self, shape, channels, latent=256, power=0.85):
        super().__init__()
        self.shape, self.channels, self.power = shape, channels, power
        g, g2 = channels, max(4, channels // 2)
        s8 = scaled(shape, 8)
        self.fc = nn.Linear(latent, g * s8[0] * s8[1] * s8[2])
        self.conv1, self.bn1 = nn.Conv3d(g, g, 3, padding=1), nn.BatchNorm3d(g)
        self.conv2, self.bn2 = nn.Conv3d(g, g2, 3, padding=1), nn.BatchNorm3d(g2)
        self.conv3 = nn.Conv3d(g2, 8, 3, padding=1)

    def forward(self, z):
        b, up = z.shape[0], lambda x, s: F.interpolate(x, size=s, mode="trilinear", align_corners=False)
        x = leaky(self.fc(z)).view(b, self.channels, *scaled(self.shape, 8))
        x = leaky(self.bn1(self.conv1(up(x, scaled(self.shape, 4)))))
        h = scaled(self.shape, 2)
        x = leaky(self.bn2(self.conv2(up(x, h))))
        x = self.conv3(x).view(b, 2, 2, 2, *h).permute(0, 4, 1, 5, 2, 6, 3).reshape(b, 1, 2 * h[0], 2 * h[1], 2 * h[2])
        x = F.relu(x[:, :, :self.shape[0], :self.shape[1], :self.shape[2]])
        return x * z[:, 0].clamp_min(0).pow(self.power).view(b, 1, 1, 1, 1)


def conv_out(n, k, s, p):
    return (n + 2 * p - k) // s + 1


class Discriminator(nn.Module):
    def __init__(self, shape, channels, power=0.85):
        super().__init__()
        d, self.power = channels, power
        self.conv1 = nn.Conv3d(1, d, 5, stride=2, padding=2)
        self.conv2 = nn.Conv3d(d, 2 * d, 3, stride=2, padding=1)
        self.conv3 = nn.Conv3d(2 * d, 4 * d, 3, stride=2, padding=1)
        f = 4 * d
        for e in shape:
            f *= conv_out(conv_out(conv_out(e, 5, 2, 2), 3, 2, 1), 3, 2, 1)
        self.fake, self.aux = nn.Linear(f, 1), nn.Linear(f, 2)

    def forward(self, x):
        h = leaky(self.conv3(leaky(self.conv2(leaky(self.conv1(x)))))).flatten(1)
        a = self.aux(h)
        ecal = x.clamp_min(0).pow(1.0 / self.power).sum((1, 2, 3, 4))
        return self.fake(h).squeeze(1), a[:, 0], a[:, 1], ecal
