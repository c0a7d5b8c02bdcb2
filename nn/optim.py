"""Optimizers: each `step()` moves every parameter against its gradient by one rule.

They work on the numbers directly (a `Tensor`'s array, a `Value`'s float) and give
each parameter its new numbers by assigning `.data`, which a Tensor counts as a change
(a graph recorded before the step then refuses to backprop). An update records no
graph, and the same optimizer trains a `Tensor` network or a `Value` one. The rules,
with g the gradient (plus weight_decay * p when weight decay is set), each of them as torch.optim's rule of that
name (tests/test_optim_oracle.py checks them step by step):

- SGD:      v = momentum * v + g (v = g without momentum);  p -= lr * v
- Momentum: v = momentum * v - lr * g;  p += v                      (the book's form)
- Nesterov: p += momentum^2 * v - (1 + momentum) * lr * g;  v = momentum * v - lr * g
- AdaGrad:  h += g^2;  p -= lr * g / (sqrt(h) + eps)
- RMSProp:  h = decay * h + (1 - decay) * g^2;  p -= lr * g / (sqrt(h) + eps)
- Adam:     m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
            p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

A Tensor's state (velocities, moments) lives in its parameter's own array library and
device (NumPy, CuPy, Dask, ...), computed with that library's functions (`xp.sqrt`), so a
model moved with `Module.to("cuda")` trains there with no copies. Build the optimizer after
moving the model, as in PyTorch: a parameter moved later raises `DeviceError`.

As in PyTorch, a step leaves alone a parameter whose gradient is None (not used by this step's loss)
and a frozen one (`requires_grad=False`): its numbers, its state and, in Adam, its count of steps.
Every setting (lr, momentum, betas, eps, weight_decay, ...) is checked when the optimizer is built.
"""
from __future__ import annotations

import numpy as np

from autograd import Tensor, Value, numbers_of
from autograd.backend import describe, library_of, namespace_of
from autograd.errors import DeviceError
from autograd.value import clear_grad

from .settings import real_number


def _zeros_like(p):
    """Optimizer state for one parameter: an array of the Tensor's library, dtype and device, a float for a Value."""
    return namespace_of(p.data).zeros_like(p.data) if isinstance(p, Tensor) else 0.0


def _sqrt(x):
    """The square root in x's own library (a float for a Value's state)."""
    return x ** 0.5 if isinstance(x, float) else namespace_of(x).sqrt(x)


def _move(p, step) -> None:
    """p - step as the parameter's new numbers: a new array in the Tensor's dtype (as fast as an update
    in place, BENCHMARKS.md), and its version goes up, so backward refuses a graph recorded before the step.
    `step` is a temporary each rule makes for this call alone: NumPy's new numbers are written into it."""
    if type(step) is np.ndarray and step.dtype == p.dtype and step.shape == p.shape:
        p.data = np.subtract(p.data, step, out=step)  # one array fewer to allocate and fill
        return
    new = p.data - step
    if isinstance(p, Tensor) and new.dtype != p.dtype:  # a float64 step for a float32 weight stays float32
        new = namespace_of(new).astype(new, p.dtype)
    p.data = new


class Optimizer:
    """Base: holds the parameters, clears their gradients, and applies `_update` to each."""

    state_names = ()  # the attributes holding one state array per parameter (velocity, moments, ...)

    def __init__(self, params, lr: float, weight_decay: float = 0.0):
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got no parameters; pass model.parameters()")
        for position, p in enumerate(self.params):
            if not isinstance(p, (Tensor, Value)):
                raise TypeError(f"{type(self).__name__}: parameter {position} is a {type(p).__name__}, "
                                "not a Tensor or Value")
        self.lr = self._setting(lr, "lr", 0.0, low_open=True)
        self.weight_decay = self._setting(weight_decay, "weight_decay", 0.0)
        # Each Tensor's array library, which holds its state: step() refuses a parameter moved since (Module.to).
        self._libraries = [library_of(p.data) if isinstance(p, Tensor) else None for p in self.params]
        self._lazy = "dask" in self._libraries

    def _setting(self, value, setting: str, low: float, high: float = float("inf"), **open_ends) -> float:
        return real_number(value, setting, low, high, owner=type(self).__name__, **open_ends)

    def zero_grad(self) -> None:
        """Clear every parameter's gradient (None for a Tensor, 0.0 for a Value)."""
        for p in self.params:
            clear_grad(p)

    def step(self) -> None:
        """Update every parameter that has a gradient and is not frozen."""
        for index, p in enumerate(self.params):
            if p.grad is None or (isinstance(p, Tensor) and not p.requires_grad):
                continue
            g = numbers_of(p.grad)  # a create_graph gradient is a node: the update needs its numbers
            if self._libraries[index] is not None and library_of(p.data) != self._libraries[index]:
                raise DeviceError(
                    f"{type(self).__name__}: parameter {index}{f' {p.name!r}' if p.name else ''} is now "
                    f"{describe(p.data)}, but the optimizer was built when it was a "
                    f"{self._libraries[index]} array, and its state lives there: "
                    "build the optimizer after moving the model (model.to(...), then the optimizer), as in PyTorch"
                )
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            self._update(index, p, g)
        if self._lazy:
            self._persist()

    def _persist(self) -> None:
        """Dask only records what to compute: without this, each step's new weights would be a graph holding
        every step before it (so step k costs k steps). Computing the new weights and state here, in one call
        (the forward and backward they share run once), keeps their numbers in memory, chunked as before."""
        import dask
        states = [getattr(self, name) for name in self.state_names if getattr(self, name) is not None]
        computed = iter(dask.persist(*[p.data for p in self.params], *[state for s in states for state in s]))
        for p in self.params:
            p.data = next(computed)  # the same numbers, computed (anything but a Dask array comes back as it was)
        for s in states:
            s[:] = [next(computed) for _ in s]

    def _update(self, index: int, p, g) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (PyTorch-style) momentum and weight decay."""

    state_names = ("velocity",)

    def __init__(self, params, lr: float = 0.01, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay)
        self.momentum = self._setting(momentum, "momentum", 0.0)
        self.velocity = [_zeros_like(p) for p in self.params] if momentum else None

    def _update(self, index, p, g):
        if self.momentum:
            self.velocity[index] = self.momentum * self.velocity[index] + g
            g = self.velocity[index]
        _move(p, self.lr * g)


class Momentum(Optimizer):
    """The book's momentum: v = momentum * v - lr * g; p += v."""

    state_names = ("velocity",)

    def __init__(self, params, lr: float = 0.01, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay)
        self.momentum = self._setting(momentum, "momentum", 0.0, 1.0, high_open=True)
        self.velocity = [_zeros_like(p) for p in self.params]

    def _update(self, index, p, g):
        self.velocity[index] = self.momentum * self.velocity[index] - self.lr * g
        _move(p, -self.velocity[index])


class Nesterov(Momentum):
    """Nesterov's accelerated gradient (ch. 6): momentum that looks one step ahead.

    In the form the book implements (Bengio et al. 2012, arXiv:1212.0901, eq. 7), which needs only
    the gradient at the current weights: p += momentum^2 * v - (1 + momentum) * lr * g, then
    v = momentum * v - lr * g. Deliberately, p moves with the velocity *before* this step's update,
    as in the paper and in torch.optim.SGD(nesterov=True), which it equals step for step; the
    book's code updates v first, which puts momentum^3 where the paper has momentum^2. Its state is
    Momentum's (one velocity per parameter); only the update differs.
    """

    def _update(self, index, p, g):
        velocity = self.velocity[index]
        _move(p, (1 + self.momentum) * self.lr * g - self.momentum * self.momentum * velocity)
        self.velocity[index] = self.momentum * velocity - self.lr * g


class AdaGrad(Optimizer):
    """Per-element learning rates that shrink with the sum of squared gradients."""

    state_names = ("square_sum",)

    def __init__(self, params, lr: float = 0.01, eps: float = 1e-7, weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay)
        self.eps = self._setting(eps, "eps", 0.0)
        self.square_sum = [_zeros_like(p) for p in self.params]

    def _update(self, index, p, g):
        self.square_sum[index] = self.square_sum[index] + g * g
        _move(p, self.lr * g / (_sqrt(self.square_sum[index]) + self.eps))


class RMSProp(Optimizer):
    """AdaGrad with a moving average of squared gradients, so old gradients fade."""

    state_names = ("square_average",)

    def __init__(self, params, lr: float = 0.01, decay_rate: float = 0.99, eps: float = 1e-7,
                 weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay)
        self.decay_rate = self._setting(decay_rate, "decay_rate", 0.0, 1.0, high_open=True)
        self.eps = self._setting(eps, "eps", 0.0)
        self.square_average = [_zeros_like(p) for p in self.params]

    def _update(self, index, p, g):
        self.square_average[index] = self.decay_rate * self.square_average[index] + (1 - self.decay_rate) * g * g
        _move(p, self.lr * g / (_sqrt(self.square_average[index]) + self.eps))


class Adam(Optimizer):
    """Adam (Kingma and Ba): momentum and RMSProp with bias-corrected averages."""

    state_names = ("first_moment", "second_moment")

    def __init__(self, params, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay)
        self.beta1 = self._setting(beta1, "beta1", 0.0, 1.0, high_open=True)
        self.beta2 = self._setting(beta2, "beta2", 0.0, 1.0, high_open=True)
        self.eps = self._setting(eps, "eps", 0.0)
        self.steps = [0] * len(self.params)  # per parameter, as PyTorch: one skipped while it had no gradient
        self.first_moment = [_zeros_like(p) for p in self.params]
        self.second_moment = [_zeros_like(p) for p in self.params]

    def _update(self, index, p, g):
        self.steps[index] += 1  # the bias correction counts the steps this parameter took
        m = self.first_moment[index] = self.beta1 * self.first_moment[index] + (1 - self.beta1) * g
        v = self.second_moment[index] = self.beta2 * self.second_moment[index] + (1 - self.beta2) * g * g
        m_hat = m / (1 - self.beta1 ** self.steps[index])
        v_hat = v / (1 - self.beta2 ** self.steps[index])
        _move(p, self.lr * m_hat / (_sqrt(v_hat) + self.eps))


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": AdaGrad, "rmsprop": RMSProp,
              "adam": Adam}
