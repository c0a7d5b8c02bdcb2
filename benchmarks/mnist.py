"""Workload 2: the book's two-layer MNIST training step (784-50-10, batch 100, ReLU,
softmax cross entropy, SGD lr 0.1, float64) on four engines.

Every competitor starts from the same weights and trains on the same mini-batches;
a step is forward, backward and the SGD update, including whatever zeroing of
gradients the engine needs.
"""
from __future__ import annotations

import statistics
import time

import numpy as np

from .data import batches, mnist
from .hand_numpy import TwoLayerNet, init_params

LEARNING_RATE = 0.1


class _Cycle:
    """Hands out the prepared mini-batches in turn, forever."""

    def __init__(self, items):
        self.items, self.position = items, 0

    def next(self):
        item = self.items[self.position]
        self.position = (self.position + 1) % len(self.items)
        return item


def numpy_stepper(params, data, net_class=TwoLayerNet):
    """A step of a network written by hand in NumPy (`net_class(params)` with `sgd_step(x, t, lr)`)."""
    net = net_class({k: v.copy() for k, v in params.items()})
    cycle = _Cycle(data)

    def step():
        net.sgd_step(*cycle.next(), lr=LEARNING_RATE)
    step.weights = lambda: net.params  # each stepper's step.weights(): W (in, out), b, as NumPy arrays
    return step


class OurTwoLayerNet:
    """The same net in scratchgrad's nn: Linear (one fused x @ W + b node), ReLU, Linear,
    fused softmax cross entropy, SGD."""

    def __init__(self, params):
        import nn
        hidden = params["W1"].shape[1]
        self.model = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))
        first, _, second = self.model.layers
        self.params = {"W1": first.W, "b1": first.b, "W2": second.W, "b2": second.b}
        for name, tensor in self.params.items():
            tensor.data = params[name].copy()
        self.optimizer = nn.optim.SGD(self.model.parameters(), lr=LEARNING_RATE)

    def loss(self, x, t):
        from nn.functional import cross_entropy
        return cross_entropy(self.model(x), t)

    def step(self, x, t):
        self.optimizer.zero_grad()
        self.loss(x, t).backward()
        self.optimizer.step()


def our_stepper(params, data):
    net = OurTwoLayerNet(params)
    cycle = _Cycle(data)

    def step():
        net.step(*cycle.next())
    step.weights = lambda: {name: tensor.data for name, tensor in net.params.items()}
    return step, net, cycle


def torch_stepper(params, data):
    import torch
    import torch.nn.functional as F
    # PyTorch's own layout, weights (out, in), so F.linear runs as one fused addmm, as nn.Linear does:
    # about 15% faster here than x @ W + b.
    weights = {k: torch.tensor((v.T if k.startswith("W") else v).copy(), requires_grad=True) for k, v in params.items()}
    optimizer = torch.optim.SGD(list(weights.values()), lr=LEARNING_RATE)
    cycle = _Cycle([(torch.from_numpy(x), torch.from_numpy(t)) for x, t in data])

    def step():
        x, t = cycle.next()
        optimizer.zero_grad()
        hidden = F.relu(F.linear(x, weights["W1"], weights["b1"]))
        F.cross_entropy(F.linear(hidden, weights["W2"], weights["b2"]), t).backward()
        optimizer.step()
    step.weights = lambda: {k: (w.detach().numpy().T if k.startswith("W") else w.detach().numpy())
                            for k, w in weights.items()}
    return step


def dezero_stepper(params, data):
    np.int = int  # DeZero 0.0.13 still names np.int, which NumPy 2 removed
    import dezero
    import dezero.functions as F
    weights = {k: dezero.Parameter(v.copy(), name=k) for k, v in params.items()}
    cycle = _Cycle(data)
    lr = LEARNING_RATE

    def step():
        x, t = cycle.next()
        hidden = F.relu(F.linear(x, weights["W1"], weights["b1"]))
        loss = F.softmax_cross_entropy(F.linear(hidden, weights["W2"], weights["b2"]), t)
        for w in weights.values():
            w.cleargrad()
        loss.backward()
        for w in weights.values():  # what dezero.optimizers.SGD.update_one does, without a Model around the weights
            w.data -= lr * w.grad.data
    step.weights = lambda: {k: w.data for k, w in weights.items()}
    return step


def _setup(batch_size=100, hidden=50, count=20):
    images, labels, source = mnist()
    params = init_params(hidden_size=hidden)
    return params, batches(images, labels, batch_size, count), source


def run_default_threads(quick: bool = False) -> dict:
    """Ours vs hand NumPy with the BLAS's default thread count, plus our forward/backward split."""
    params, data, source = _setup()
    steps = {"numpy": numpy_stepper(params, data)}
    ours, net, cycle = our_stepper(params, data)
    steps["ours"] = ours
    rounds = 7 if quick else 41
    result = {"step_s": _medians(steps, rounds), "data": source}
    result.update(_forward_backward(net, cycle, 50 if quick else 200))
    return result


def _all_steppers(params, data) -> dict:
    """A step function per installed competitor, each on its own copy of the weights."""
    steps = {"numpy": numpy_stepper(params, data), "ours": our_stepper(params, data)[0]}
    try:
        import torch
        torch.set_num_threads(1)
        steps["pytorch"] = torch_stepper(params, data)
    except ImportError:
        pass
    try:
        steps["dezero"] = dezero_stepper(params, data)
    except ImportError:
        pass
    return steps


def run_single_thread(quick: bool = False) -> dict:
    """The four-way table; the caller sets OMP_NUM_THREADS=1 before NumPy loads."""
    params, data, source = _setup()
    rounds = 7 if quick else 25
    return {"step_s": _medians(_all_steppers(params, data), rounds), "data": source,
            "weight_gap_after_5_steps": check_agreement()}


def _medians(steps, rounds):
    from .harness import medians, time_interleaved
    return medians(time_interleaved(steps, rounds, min_sample_s=0.05, warmup=5))


def _forward_backward(net, cycle, repeats):
    forward, backward = [], []
    for _ in range(repeats):
        net.optimizer.zero_grad()
        start = time.perf_counter()
        loss = net.loss(*cycle.next())
        middle = time.perf_counter()
        loss.backward()
        end = time.perf_counter()
        net.optimizer.step()
        forward.append(middle - start)
        backward.append(end - middle)
    return {"ours_forward_s": statistics.median(forward), "ours_backward_s": statistics.median(backward)}


def check_agreement(steps: int = 5) -> dict:
    """Largest difference of each competitor's weights from hand NumPy's after the same few steps."""
    from .harness import weight_gaps
    params, data, _ = _setup(count=steps)
    return weight_gaps(_all_steppers(params, data), steps, reference="numpy")
