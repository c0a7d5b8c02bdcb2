"""Workload 1: micrograd's own demo step on scalar graphs.

`MLP(2, [16, 16, 1])` on 100 two-moons points, hinge loss plus L2 penalty, as in
micrograd's demo notebook: zero the gradients, forward, backward. The same loss
code runs on both engines; only the `Value` class and the MLP differ. The floor
is the same forward pass in plain Python floats (no graph, no backward).
"""
from __future__ import annotations

import gc
import random
import statistics
import time

from .data import moons
from .harness import medians, time_interleaved

LAYER_SIZES = (2, [16, 16, 1])


def demo_loss(model, value_class, points, labels, alpha: float = 1e-4):
    """micrograd's demo loss: mean hinge loss max(0, 1 - y * score) plus alpha * sum of squared parameters."""
    inputs = [[value_class(x) for x in point] for point in points]
    scores = [model(x) for x in inputs]
    losses = [(1 + -label * score).relu() for label, score in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def float_forward(weights, points, labels, alpha: float = 1e-4) -> float:
    """The same forward pass in plain floats: what the arithmetic costs with no graph at all."""
    total = 0.0
    for point, label in zip(points, labels):
        activations = point
        for depth, layer in enumerate(weights):
            last = depth == len(weights) - 1
            outputs = []
            for w, b in layer:
                z = sum(wi * xi for wi, xi in zip(w, activations)) + b
                outputs.append(z if last else (z if z > 0 else 0.0))
            activations = outputs
        total += max(0.0, 1 - label * activations[0])
    penalty = sum(wi * wi for layer in weights for w, b in layer for wi in (*w, b))
    return total / len(points) + alpha * penalty


def _micrograd_model():
    from micrograd.nn import MLP
    return MLP(*LAYER_SIZES)


def _our_model():
    from nn import MLP
    return MLP(*LAYER_SIZES)


def _copy_weights(source, target) -> None:
    """Give both engines the same starting weights, so their graphs take the same ReLU branches."""
    for s, t in zip(source.parameters(), target.parameters(), strict=True):
        t.data = s.data


def _weights_as_floats(model) -> list:
    """[[(w, b) per neuron] per layer] in floats, read through the model's flat parameter list."""
    flat = iter(p.data for p in model.parameters())
    sizes = [LAYER_SIZES[0], *LAYER_SIZES[1]]
    return [[([next(flat) for _ in range(nin)], next(flat)) for _ in range(nout)]
            for nin, nout in zip(sizes, sizes[1:])]


def run(quick: bool = False) -> dict:
    """Median seconds per step of each competitor, and our forward/backward split."""
    from micrograd.engine import Value as MicrogradValue

    from autograd import Value

    random.seed(1337)
    points, labels = moons(100)
    theirs = _micrograd_model()
    ours = _our_model()
    _copy_weights(theirs, ours)
    weights = _weights_as_floats(theirs)

    def micrograd_step():
        theirs.zero_grad()
        demo_loss(theirs, MicrogradValue, points, labels).backward()

    def our_step():
        ours.zero_grad()
        demo_loss(ours, Value, points, labels).backward()

    def floats():
        float_forward(weights, points, labels)

    def our_forward():
        return demo_loss(ours, Value, points, labels)

    loss_ours, loss_theirs = our_forward(), demo_loss(theirs, MicrogradValue, points, labels)
    if abs(loss_ours.data - loss_theirs.data) > 1e-9 * max(1.0, abs(loss_theirs.data)):
        raise RuntimeError(f"the engines disagree on the demo loss: ours {loss_ours.data}, "
                           f"micrograd {loss_theirs.data}")
    our_step(), micrograd_step()
    gradient_gap = max(abs(a.grad - b.grad) for a, b in zip(ours.parameters(), theirs.parameters()))
    if gradient_gap > 1e-9:
        raise RuntimeError(f"the engines disagree on the gradients by up to {gradient_gap}")

    rounds = 5 if quick else 15
    competitors = {"micrograd": micrograd_step, "ours": our_step, "floats": floats}
    step = medians(time_interleaved(competitors, rounds))
    step_gc_paused = medians(time_interleaved(competitors, rounds, pause_gc=True))

    forward_times, backward_times = [], []
    for _ in range(rounds):  # each backward needs a fresh graph, so time the two halves one pair at a time
        gc.collect()
        gc.disable()
        start = time.perf_counter()
        loss = our_forward()
        middle = time.perf_counter()
        loss.backward()
        forward_times.append(middle - start)
        backward_times.append(time.perf_counter() - middle)
        gc.enable()
    return {
        "step_s": step,
        "step_gc_paused_s": step_gc_paused,
        "ours_forward_s": statistics.median(forward_times),
        "ours_backward_s": statistics.median(backward_times),
        "nodes_ours": _node_count(loss_ours),
        "nodes_micrograd": _node_count_micrograd(loss_theirs),
        "gradient_gap": gradient_gap,
        "rounds": rounds,
    }


def _node_count(root) -> int:
    from autograd import topological_order
    return len(topological_order(root))


def _node_count_micrograd(root) -> int:
    seen, stack = {root}, [root]
    while stack:
        for parent in stack.pop()._prev:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return len(seen)
