"""The inputs the workloads train on: two moons for the scalar step, MNIST for the tensor step."""
from __future__ import annotations

import numpy as np


def moons(count: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[list, list]:
    """nn's two moons as plain Python lists: points [[x, y], ...] and labels +-1.0 (micrograd's demo encoding)."""
    from nn.data import moons as nn_moons
    points, classes = nn_moons(count, noise, seed=seed)
    return points.tolist(), [2.0 * c - 1.0 for c in classes.tolist()]


def mnist(count: int | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """MNIST test images (shipped with scratchgrad) as float64 rows in [0, 1] and integer labels, plus where they
    came from."""
    from nn.data import load_mnist
    images, labels = load_mnist(normalize=False, flatten=True, split="test")
    return images[:count] / 255.0, labels[:count].astype(np.int64), "MNIST test set (10,000 images)"  # float64


def batches(images: np.ndarray, labels: np.ndarray, batch_size: int, count: int, seed: int = 0) -> list:
    """`count` random mini-batches (x, t), drawn once so that every competitor trains on the same ones."""
    rng = np.random.default_rng(seed)
    picks = [rng.choice(len(images), batch_size, replace=batch_size > len(images)) for _ in range(count)]
    return [(np.ascontiguousarray(images[p]), labels[p]) for p in picks]
