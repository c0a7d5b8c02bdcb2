"""Workload 5: the book's point, numerical gradient vs backprop on the two-layer net.

Chapter 4 of the book takes the gradient by central differences (two forward
passes per parameter: 2 x 39,760 for 784-50-10); chapter 5 gets the same
gradient from one forward and one backward pass. The book checks one against the
other on three samples; so do we, and time both.
"""
from __future__ import annotations

import time

import numpy as np

from .data import mnist
from .hand_numpy import TwoLayerNet, init_params
from .mnist import OurTwoLayerNet


def run(quick: bool = False) -> dict:
    images, labels, _ = mnist()
    x, t = images[:3], labels[:3]
    params = init_params()
    net = TwoLayerNet({k: v.copy() for k, v in params.items()})
    ours = OurTwoLayerNet(params)

    start = time.perf_counter()
    numerical = net.numerical_gradient(x, t)
    numerical_s = time.perf_counter() - start

    def best_of(function, repeats=20):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            result = function()
            times.append(time.perf_counter() - start)
        return min(times), result

    def our_gradient():
        ours.optimizer.zero_grad()
        ours.loss(x, t).backward()
        return {k: p.grad for k, p in ours.params.items()}

    numpy_s, by_hand = best_of(lambda: net.gradient(x, t))
    ours_s, by_engine = best_of(our_gradient)
    count = sum(p.size for p in params.values())
    return {
        "parameters": count,
        "numerical_s": numerical_s,
        "backprop_numpy_s": numpy_s,
        "backprop_ours_s": ours_s,
        # the book's check: mean absolute difference per parameter, around 1e-10 or smaller
        "mean_abs_diff_numerical_vs_ours": {k: float(np.abs(numerical[k] - by_engine[k]).mean()) for k in params},
        "max_abs_diff_numpy_vs_ours": max(float(np.abs(by_hand[k] - by_engine[k]).max()) for k in params),
    }
