"""Workload 8: training steps on a GPU, scratchgrad on CuPy against hand-written CuPy, PyTorch CUDA
and DeZero on CuPy (issue 14).

Two steps, each forward + backward + SGD update (lr 0.1, softmax cross entropy, ReLU), every
engine from the same weights on the same mini-batches, copied to the device once:

- "mlp": float32, MLP 784-1000-1000-10, batch 1000 (the step issue 14 measured);
- "mnist": section 2's step, the book's two-layer net 784-50-10, batch 100, float64.

The steps are written once over an array module `xp` (cupy on a GPU) and a `synchronize`
function, so the same code runs with xp=numpy on any machine: tests/test_benchmarks_gpu.py
checks there that every engine's step computes the same loss and weights. A GPU works
asynchronously, so every timed step ends with `synchronize()` (the device's, which waits for
CuPy's and PyTorch's streams alike): a step is timed until its work is done.

Without a GPU (no CuPy, or CuPy finds no device) `run` returns the reason, and the report
says the section was skipped and why.
"""
from __future__ import annotations

import functools

import numpy as np

from .data import batches, mnist
from .hand_numpy import Affine
from .mnist import LEARNING_RATE, _Cycle

# name: (layer sizes, batch size, dtype, how the weights are drawn)
WORKLOADS = {
    "mlp": ((784, 1000, 1000, 10), 1000, "float32", "he"),
    "mnist": ((784, 50, 10), 100, "float64", "book"),
}
AGREEMENT_STEPS = 5


# ---- the machine ----------------------------------------------------------------------------
def unavailable_reason() -> str | None:
    """Why this section cannot run here (no CuPy, or no GPU CuPy can see), or None when it can."""
    try:
        import cupy
    except ImportError:
        return "CuPy is not installed (it needs an NVIDIA GPU; e.g. pip install cupy-cuda12x)"
    except Exception as err:  # CuPy installed without its CUDA libraries raises at import
        return f"CuPy cannot load: {err}"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:  # CUDARuntimeError: no driver, no device
        return f"CuPy finds no GPU ({err})"
    return None if count else "CuPy finds no GPU"


def cupy_synchronize() -> None:
    """Wait until the GPU has finished all work queued so far, by any library (cudaDeviceSynchronize)."""
    import cupy
    cupy.cuda.runtime.deviceSynchronize()


def no_synchronize() -> None:
    """NumPy finishes each call before returning: nothing to wait for."""


def params_for(workload: str, seed: int = 0) -> dict:
    """Host NumPy weights W1, b1, W2, b2, ... (W of shape (in, out)) for a workload."""
    sizes, _, dtype, init = WORKLOADS[workload]
    return make_params(sizes, dtype, init, seed)


def make_params(sizes, dtype: str, init: str, seed: int = 0) -> dict:
    """Weights for layers of `sizes`, zero biases: "book" draws 0.01 * randn (section 2's, hand_numpy.init_params'
    numbers for two layers), "he" randn * sqrt(2 / fan_in), for the deeper ReLU net."""
    rng = np.random.default_rng(seed)
    params = {}
    for number, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:]), start=1):
        std = 0.01 if init == "book" else np.sqrt(2.0 / fan_in)
        params[f"W{number}"] = (std * rng.standard_normal((fan_in, fan_out))).astype(dtype)
        params[f"b{number}"] = np.zeros(fan_out, dtype=dtype)
    return params


def data_for(workload: str, count: int) -> tuple[list, str]:
    """`count` host mini-batches (x in the workload's dtype, integer labels) and where the images came from."""
    _, batch, dtype, _ = WORKLOADS[workload]
    images, labels, source = mnist()
    return [(x.astype(dtype), t) for x, t in batches(images, labels, batch, count)], source


def _layer_count(params: dict) -> int:
    return len(params) // 2


# ---- hand-written, over xp ---------------------------------------------------------------------
class _Relu:
    """max(x, 0); backward passes dout where the output is positive (one kernel each way on a GPU)."""

    def __init__(self, xp):
        self.xp, self.out = xp, None

    def forward(self, x):
        self.out = self.xp.maximum(x, 0)
        return self.out

    def backward(self, dout):
        return dout * (self.out > 0)


class _SoftmaxWithLoss:
    """The book's SoftmaxWithLoss (hand_numpy.py) in xp: loss -mean(log(y[t] + 1e-7)), backward (y - t) / N.
    hand_numpy's own indexes with np.arange, a host array, which a GPU array would copy over every step."""

    def __init__(self, xp):
        self.xp, self.y, self.t, self.rows = xp, None, None, None

    def forward(self, x, t):
        xp = self.xp
        e = xp.exp(x - x.max(axis=1, keepdims=True))
        self.y, self.t = e / e.sum(axis=1, keepdims=True), t
        self.rows = xp.arange(len(t))
        return -xp.log(self.y[self.rows, t] + 1e-7).sum() / len(t)

    def backward(self):
        dx = self.y.copy()
        dx[self.rows, self.t] -= 1
        dx /= len(self.t)
        return dx


class HandMLP:
    """Affine (hand_numpy's, operators only, so it runs on any xp) and ReLU layers, softmax with loss;
    backprop by hand and SGD in place, as hand_numpy.TwoLayerNet, for any number of layers."""

    def __init__(self, xp, params: dict):
        self.params = params
        count = _layer_count(params)
        self.layers = []
        for number in range(1, count + 1):
            self.layers.append(Affine(params[f"W{number}"], params[f"b{number}"], needs_input_grad=number > 1))
            if number < count:
                self.layers.append(_Relu(xp))
        self.last_layer = _SoftmaxWithLoss(xp)
        self.last_loss = None

    def sgd_step(self, x, t, lr: float) -> None:
        for layer in self.layers:
            x = layer.forward(x)
        self.last_loss = self.last_layer.forward(x, t)
        dout = self.last_layer.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        affines = [layer for layer in self.layers if isinstance(layer, Affine)]
        for number, layer in enumerate(affines, start=1):
            self.params[f"W{number}"] -= lr * layer.dW
            self.params[f"b{number}"] -= lr * layer.db


# ---- the steppers: each returns step() with step.weights() -> {name: host array} and step.loss() -> float
def to_device(xp, params: dict, data: list) -> tuple[dict, list]:
    """Copies of the host weights and mini-batches in xp (on its current device)."""
    return ({name: xp.asarray(array.copy()) for name, array in params.items()},
            [(xp.asarray(x), xp.asarray(t)) for x, t in data])


def _host(array) -> np.ndarray:
    from autograd.backend import to_numpy
    return to_numpy(array)


def hand_stepper(xp, params: dict, data: list):
    params, data = to_device(xp, params, data)
    net, cycle = HandMLP(xp, params), _Cycle(data)

    def step():
        net.sgd_step(*cycle.next(), lr=LEARNING_RATE)
    step.weights = lambda: {name: _host(array) for name, array in net.params.items()}
    step.loss = lambda: float(net.last_loss)
    return step


def our_stepper(xp, params: dict, data: list):
    """scratchgrad's nn: Linear layers (x @ W + b, one fused node each), ReLU, fused softmax cross entropy,
    SGD; the model is built on the host as usual and moved with `Module.to(xp)`."""
    import nn
    from nn.functional import cross_entropy
    count = _layer_count(params)
    layers = []
    for number in range(1, count + 1):
        W = params[f"W{number}"]
        layers.append(nn.Linear(*W.shape, dtype=W.dtype))
        layers += [nn.ReLU()] if number < count else []
    model = nn.Sequential(*layers)
    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    for number, layer in enumerate(linears, start=1):
        layer.W.data, layer.b.data = params[f"W{number}"], params[f"b{number}"]
    model.to(xp)
    optimizer = nn.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    cycle = _Cycle(to_device(xp, {}, data)[1])
    last = {}

    def step():
        x, t = cycle.next()
        optimizer.zero_grad()
        loss = last["loss"] = cross_entropy(model(x), t)
        loss.backward()
        optimizer.step()
    step.weights = lambda: {name: _host(getattr(layer, kind).data) for number, layer in enumerate(linears, start=1)
                            for kind, name in (("W", f"W{number}"), ("b", f"b{number}"))}
    step.loss = lambda: last["loss"].item()
    return step


def torch_stepper(device: str, params: dict, data: list):
    """PyTorch on `device` ("cuda", or "cpu" in the tests), weights in its (out, in) layout for F.linear."""
    import torch
    import torch.nn.functional as F
    weights = {name: torch.tensor(array.T.copy() if array.ndim == 2 else array.copy(), device=device,
                                  requires_grad=True) for name, array in params.items()}
    optimizer = torch.optim.SGD(list(weights.values()), lr=LEARNING_RATE)
    cycle = _Cycle([(torch.tensor(x, device=device), torch.tensor(t, device=device)) for x, t in data])
    count = _layer_count(params)
    last = {}

    def step():
        x, t = cycle.next()
        optimizer.zero_grad()
        for number in range(1, count + 1):
            x = F.linear(x, weights[f"W{number}"], weights[f"b{number}"])
            x = F.relu(x) if number < count else x
        loss = last["loss"] = F.cross_entropy(x, t)
        loss.backward()
        optimizer.step()
    step.weights = lambda: {name: (w.detach().cpu().numpy().T if w.ndim == 2 else w.detach().cpu().numpy())
                            for name, w in weights.items()}
    step.loss = lambda: last["loss"].item()
    return step


def dezero_stepper(xp, params: dict, data: list):
    """DeZero 0.0.13 on xp's arrays (its functions pick NumPy or CuPy by the array, dezero.cuda)."""
    np.int = int  # DeZero 0.0.13 still names np.int, which NumPy 2 removed
    import dezero
    import dezero.functions as F
    params, data = to_device(xp, params, data)
    weights = {name: dezero.Parameter(array, name=name) for name, array in params.items()}
    cycle = _Cycle(data)
    count = _layer_count(params)
    last = {}

    def step():
        x, t = cycle.next()
        for number in range(1, count + 1):
            x = F.linear(x, weights[f"W{number}"], weights[f"b{number}"])
            x = F.relu(x) if number < count else x
        loss = last["loss"] = F.softmax_cross_entropy(x, t)
        for w in weights.values():
            w.cleargrad()
        loss.backward()
        for w in weights.values():  # dezero.optimizers.SGD's update, without a Model around the weights
            w.data -= LEARNING_RATE * w.grad.data
    step.weights = lambda: {name: _host(w.data) for name, w in weights.items()}
    step.loss = lambda: float(last["loss"].data)
    return step


def steppers(xp, params: dict, data: list, torch_device: str | None = "cuda") -> dict:
    """A step function per installed engine, each on its own copy of the weights; PyTorch on
    `torch_device` (None leaves it out)."""
    steps = {"hand": hand_stepper(xp, params, data), "ours": our_stepper(xp, params, data)}
    if torch_device is not None:
        try:
            steps["pytorch"] = torch_stepper(torch_device, params, data)
        except ImportError:
            pass
    try:
        steps["dezero"] = dezero_stepper(xp, params, data)
    except ImportError:
        pass
    return steps


def measure(xp, workload: str, synchronize, rounds: int, torch_device: str | None = "cuda") -> dict:
    """Median seconds per step of every engine on one workload, each step waited for (synchronize)."""
    from .harness import medians, time_interleaved, weight_gaps
    params = params_for(workload)
    data, source = data_for(workload, 10)
    gaps = weight_gaps(steppers(xp, params, data[:AGREEMENT_STEPS], torch_device), AGREEMENT_STEPS, reference="hand")

    def synchronized(step):
        def run():
            step()
            synchronize()
        return run
    timed = {name: synchronized(step) for name, step in steppers(xp, params, data, torch_device).items()}
    sizes, batch, dtype, _ = WORKLOADS[workload]
    return {"step_s": medians(time_interleaved(timed, rounds, min_sample_s=0.05, warmup=5)),
            f"weight_gap_after_{AGREEMENT_STEPS}_steps": gaps,
            "shape": "-".join(map(str, sizes)), "batch": batch, "dtype": dtype, "data": source}


def run(quick: bool = False) -> dict:
    """Both workloads on the GPU, or {"skipped": reason} where there is none."""
    reason = unavailable_reason()
    if reason is not None:
        return {"skipped": reason}
    import cupy

    from .harness import package_version
    torch_device = None
    try:
        import torch
        torch_device = "cuda" if torch.cuda.is_available() else None
    except ImportError:
        pass
    properties = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = properties["name"]
    result = {"device": name.decode() if isinstance(name, bytes) else str(name), "cupy": cupy.__version__,
              "torch": package_version("torch") if torch_device else "not installed or no CUDA",
              "dezero": package_version("dezero")}
    rounds = 7 if quick else 30
    measure_on_gpu = functools.partial(measure, cupy, synchronize=cupy_synchronize, rounds=rounds,
                                       torch_device=torch_device)
    for workload in WORKLOADS:
        result[workload] = measure_on_gpu(workload)
    return result
