"""Workload 7: the book's convolutional nets, SimpleConvNet (chapter 7) and DeepConvNet (chapter 8).

A step is forward, backward and a plain SGD update on a batch of 100 MNIST images
(1 x 28 x 28), every competitor from the same weights on the same mini-batches.
SimpleConvNet runs on four engines: the book's layers by hand in NumPy
(`hand_numpy_cnn.py`), scratchgrad, DeZero and PyTorch; DeepConvNet on ours and
PyTorch's. Each in float64 and float32, with one thread and with the default
thread count: `run` measures each thread setting in a child interpreter of its own
(`python -m benchmarks.cnn time {single,default}`), since NumPy and PyTorch read
the setting once, at import, and the memory of one step in a fresh process per
engine (`python -m benchmarks.cnn memory ENGINE NET DTYPE`), as memory.py does.
"""
from __future__ import annotations

import importlib.util
import json
import statistics
import subprocess
import sys
import time

import numpy as np

from .data import batches, mnist
from .hand_numpy_cnn import SimpleConvNet, simple_conv_net_params
from .memory import MIB, _peak_rss, _reset_peak_rss
from .mnist import LEARNING_RATE, _Cycle, numpy_stepper

DTYPES = ("float64", "float32")
BATCH = 100

# DeepConvNet's convolutions as (out_channels, padding); all 3x3, stride 1, ReLU after each, a 2x2 max
# pool after every second one; then affine 1024 -> 50, ReLU, dropout 0.5, affine 50 -> 10, dropout 0.5.
DEEP_CONVOLUTIONS = ((16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1))
DEEP_HIDDEN = 50


def image_batches(dtype: str, count: int) -> tuple[list, str]:
    """`count` mini-batches of 100 images (N, 1, 28, 28) in `dtype` with integer labels."""
    images, labels, source = mnist()
    picked = batches(images, labels, BATCH, count)
    return [(x.reshape(-1, 1, 28, 28).astype(dtype), t) for x, t in picked], source


def deep_conv_net_params(dtype: str, seed: int = 0) -> dict:
    """He initialisation, as the book's DeepConvNet: std sqrt(2 / inputs of one unit), zero biases."""
    rng = np.random.default_rng(seed)
    shapes, channels = [], 1
    for out_channels, _ in DEEP_CONVOLUTIONS:
        shapes.append((out_channels, channels, 3, 3))
        channels = out_channels
    shapes += [(channels * 4 * 4, DEEP_HIDDEN), (DEEP_HIDDEN, 10)]
    params = {}
    for number, shape in enumerate(shapes, start=1):
        fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0]
        params[f"W{number}"] = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)
        params[f"b{number}"] = np.zeros(shape[0] if len(shape) == 4 else shape[1], dtype=dtype)
    return params


# ---- the competitors: each stepper returns step() with step.weights() -> {name: array in the book's layout}
def book_stepper(params, data):
    return numpy_stepper(params, data, net_class=SimpleConvNet)


def our_model(net: str, params: dict, dropout: bool = True):
    """SimpleConvNet or DeepConvNet as nn.book builds them, holding copies of `params` (W1, b1, W2, ...)."""
    import nn
    dtype = params["W1"].dtype
    model = nn.book.simple_conv_net(dtype=dtype) if net == "simple" else nn.book.deep_conv_net(dtype=dtype)
    if not dropout:
        model.eval()  # dropout passes its input through; no other layer of these nets has a mode
    weighted = [layer for layer in model if hasattr(layer, "W")]
    for number, layer in enumerate(weighted, start=1):
        layer.W.data, layer.b.data = params[f"W{number}"].copy(), params[f"b{number}"].copy()
    return model, weighted


def our_stepper(params, data, net="simple", dropout=True):
    import nn
    from nn.functional import cross_entropy
    model, weighted = our_model(net, params, dropout)
    optimizer = nn.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    cycle = _Cycle(data)

    def loss():
        x, t = cycle.next()
        return cross_entropy(model(x), t)

    def step():
        optimizer.zero_grad()
        loss().backward()
        optimizer.step()
    step.weights = lambda: {name: getattr(layer, kind).data for number, layer in enumerate(weighted, start=1)
                            for kind, name in (("W", f"W{number}"), ("b", f"b{number}"))}
    step.loss, step.optimizer = loss, optimizer
    return step


def torch_stepper(params, data, net="simple", dropout=True):
    import torch
    import torch.nn.functional as F
    # PyTorch's layout: a Linear's weight is (out, in), so F.linear runs as one fused addmm.
    weights = {k: torch.tensor(v.T.copy() if v.ndim == 2 else v.copy(), requires_grad=True)
               for k, v in params.items()}
    optimizer = torch.optim.SGD(list(weights.values()), lr=LEARNING_RATE)
    cycle = _Cycle([(torch.from_numpy(x), torch.from_numpy(t)) for x, t in data])

    def simple(x):
        h = F.max_pool2d(F.relu(F.conv2d(x, weights["W1"], weights["b1"])), 2)
        h = F.relu(F.linear(h.flatten(1), weights["W2"], weights["b2"]))
        return F.linear(h, weights["W3"], weights["b3"])

    def deep(x):
        for number, (_, padding) in enumerate(DEEP_CONVOLUTIONS):
            x = F.relu(F.conv2d(x, weights[f"W{number + 1}"], weights[f"b{number + 1}"], padding=padding))
            x = F.max_pool2d(x, 2) if number % 2 else x
        last = len(DEEP_CONVOLUTIONS)
        x = F.dropout(F.relu(F.linear(x.flatten(1), weights[f"W{last + 1}"], weights[f"b{last + 1}"])), 0.5, dropout)
        return F.dropout(F.linear(x, weights[f"W{last + 2}"], weights[f"b{last + 2}"]), 0.5, dropout)

    forward = simple if net == "simple" else deep

    def step():
        x, t = cycle.next()
        optimizer.zero_grad()
        F.cross_entropy(forward(x), t).backward()
        optimizer.step()
    step.weights = lambda: {k: (w.detach().numpy().T if w.ndim == 2 else w.detach().numpy())
                            for k, w in weights.items()}
    return step


def dezero_stepper(params, data):
    np.int = int  # DeZero 0.0.13 still names np.int, which NumPy 2 removed
    import dezero
    import dezero.functions as F
    weights = {k: dezero.Parameter(v.copy(), name=k) for k, v in params.items()}
    cycle = _Cycle(data)

    def step():
        x, t = cycle.next()
        h = F.pooling(F.relu(F.conv2d(x, weights["W1"], weights["b1"])), 2, stride=2)
        h = F.relu(F.linear(F.reshape(h, (len(x), -1)), weights["W2"], weights["b2"]))
        loss = F.softmax_cross_entropy(F.linear(h, weights["W3"], weights["b3"]), t)
        for w in weights.values():
            w.cleargrad()
        loss.backward()
        for w in weights.values():  # dezero.optimizers.SGD's update, without a Model around the weights
            w.data -= LEARNING_RATE * w.grad.data
    step.weights = lambda: {k: w.data for k, w in weights.items()}
    return step


def _simple_steppers(params, data) -> dict:
    steps = {"book": book_stepper(params, data), "ours": our_stepper(params, data)}
    try:
        steps["pytorch"] = torch_stepper(params, data)
    except ImportError:
        pass
    try:
        steps["dezero"] = dezero_stepper(params, data)
    except ImportError:
        pass
    return steps


def weight_gap(params, data, steps: int = 5) -> dict:
    """Largest difference of each engine's weights from the book's layers' after the same few steps."""
    from .harness import weight_gaps
    return weight_gaps(_simple_steppers(params, data[:steps]), steps, reference="book")


def deep_weight_gap(params, data, steps: int = 3) -> float:
    """Ours vs PyTorch's DeepConvNet weights after the same steps, dropout left out (its masks are random)."""
    ours, theirs = our_stepper(params, data[:steps], "deep", False), torch_stepper(params, data[:steps], "deep", False)
    for _ in range(steps):
        ours()
        theirs()
    reference = theirs.weights()
    return max(float(np.abs(ours.weights()[k] - reference[k]).max()) for k in reference)


def forward_backward(params, data, net: str, repeats: int) -> dict:
    """Medians of our forward pass (with the loss) and of backward, timed apart."""
    step = our_stepper(params, data, net)
    forward, backward = [], []
    for _ in range(repeats):
        step.optimizer.zero_grad()
        start = time.perf_counter()
        loss = step.loss()
        middle = time.perf_counter()
        loss.backward()
        forward.append(middle - start)
        backward.append(time.perf_counter() - middle)
        step.optimizer.step()
    return {"forward_s": statistics.median(forward), "backward_s": statistics.median(backward)}


def _medians(steps, rounds):
    from .harness import medians, time_interleaved
    return medians(time_interleaved(steps, rounds, min_sample_s=0.1, warmup=2))


def measure_times(threads: str, quick: bool = False) -> dict:
    """Every step timing for one thread setting; the caller's environment already set the BLAS threads."""
    if threads == "single":
        try:
            import torch
            torch.set_num_threads(1)
        except ImportError:
            pass
    rounds = 5 if quick else 9
    result = {"simple": {}, "deep": {}}
    for dtype in DTYPES:
        data, source = image_batches(dtype, 20)
        params = simple_conv_net_params(dtype)
        result["simple"][dtype] = {"step_s": _medians(_simple_steppers(params, data), rounds),
                                   "weight_gap_after_5_steps": weight_gap(params, data)}
        deep_params = deep_conv_net_params(dtype)
        deep = {"ours": our_stepper(deep_params, data, "deep")}
        try:
            deep["pytorch"] = torch_stepper(deep_params, data, "deep")
            result["deep"][dtype] = {"step_s": _medians(deep, rounds), "weight_gap_after_3_steps":
                                     deep_weight_gap(deep_params, data)}
        except ImportError:
            result["deep"][dtype] = {"step_s": _medians(deep, rounds)}
        if threads == "single":
            repeats = 10 if quick else 20
            result["simple"][dtype]["ours_split"] = forward_backward(params, data, "simple", repeats)
            result["deep"][dtype]["ours_split"] = forward_backward(deep_params, data, "deep", repeats // 2)
    result["data"] = source
    return result


def measure_memory(engine: str, net: str, dtype: str, steps: int = 5) -> dict:
    """Peak RSS of `steps` training steps above the RSS before them (data and weights loaded)."""
    import psutil
    data, _ = image_batches(dtype, steps)
    params = simple_conv_net_params(dtype) if net == "simple" else deep_conv_net_params(dtype)
    stepper = our_stepper if engine == "ours" else torch_stepper
    step = stepper(params, data, net)
    before = psutil.Process().memory_info().rss
    since_setup = _reset_peak_rss()
    for _ in range(steps):
        step()
    peak = _peak_rss()
    return {"rss_before_mib": before / MIB, "peak_rss_mib": peak / MIB, "step_peak_mib": (peak - before) / MIB,
            "peak_is_of_steps_only": since_setup}


def run(quick: bool = False) -> dict:
    """Both thread settings and the memory figures, each in an interpreter of its own."""
    from .run import _environment
    result = {}
    for threads in ("single", "default"):
        command = [sys.executable, "-m", "benchmarks.cnn", "time", threads] + (["--quick"] if quick else [])
        output = subprocess.run(command, check=True, capture_output=True, text=True, env=_environment(threads))
        result[threads] = json.loads(output.stdout.strip().splitlines()[-1])
    for net in ("simple", "deep"):
        for dtype in DTYPES:
            for engine in ("ours", "pytorch") if importlib.util.find_spec("torch") else ("ours",):
                command = [sys.executable, "-m", "benchmarks.cnn", "memory", engine, net, dtype]
                output = subprocess.run(command, check=True, capture_output=True, text=True,
                                        env=_environment("single"))
                result.setdefault("memory", {}).setdefault(net, {}).setdefault(dtype, {})[engine] = \
                    json.loads(output.stdout.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    if sys.argv[1] == "time":
        print(json.dumps(measure_times(sys.argv[2], quick="--quick" in sys.argv)))
    else:
        print(json.dumps(measure_memory(*sys.argv[2:5])))
