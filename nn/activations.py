"""Activations as modules, one per function of `nn.functional`, and `ACTIVATIONS`, the one table of them by name.

`nn.layers` builds a Linear's `activation="relu"` from the table, `nn.scalar` a Neuron's (those that work on a
`Value`); both rest on this floor, which rests only on `nn.functional` and `nn.module`."""
from __future__ import annotations

import numpy as np

from autograd import Tensor

from . import functional as F
from .module import Module
from .settings import SettingError, floating_dtype, real_number, whole_number


class Activation(Module):
    """A module that applies one function of nn.functional: `function`, or its own `forward` with settings."""

    function = None

    def forward(self, x):
        return self.function(x)


class Identity(Activation):
    """y = x (the book's identity_function, for regression outputs)."""

    function = staticmethod(F.identity)


class Step(Activation):
    """1 where x > 0 else 0; its gradient is zero (see `functional.step`)."""

    function = staticmethod(F.step)


class Sigmoid(Activation):
    """1 / (1 + exp(-x))."""

    function = staticmethod(F.sigmoid)


class Tanh(Activation):
    """tanh(x)."""

    function = staticmethod(F.tanh)


class ReLU(Activation):
    """max(0, x)."""

    function = staticmethod(F.relu)


class ELU(Activation):
    """x where x > 0, else alpha * (exp(x) - 1)."""

    def __init__(self, alpha: float = 1.0):
        self.alpha = real_number(alpha, "alpha", owner="ELU")

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class LeakyReLU(Activation):
    """x where x > 0, else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01):
        self.negative_slope = real_number(negative_slope, "negative_slope", owner="LeakyReLU")

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class PReLU(Activation):
    """Leaky ReLU with a learnt slope: one shared slope, or one per channel (num_parameters, axis 1)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype=np.float64):
        dtype = floating_dtype(dtype, type(self).__name__)
        num_parameters = whole_number(num_parameters, "num_parameters", owner="PReLU")
        init = real_number(init, "init", owner="PReLU")
        self.weight = Tensor(np.full(num_parameters, init, dtype=dtype), requires_grad=True, name="slope")

    def forward(self, x):
        return F.prelu(F._in_dtype(x, self.weight), self.weight)

    def extra_repr(self):
        return f"num_parameters={self.weight.shape[0]}"


class SELU(Activation):
    """Scaled ELU with the self-normalising constants."""

    function = staticmethod(F.selu)


class GELU(Activation):
    """x * Phi(x) in its tanh form."""

    function = staticmethod(F.gelu)


class Softplus(Activation):
    """log(1 + exp(x))."""

    function = staticmethod(F.softplus)


class Softsign(Activation):
    """x / (1 + |x|)."""

    function = staticmethod(F.softsign)


class Swish(Activation):
    """x * sigmoid(x)."""

    function = staticmethod(F.swish)


class HardSigmoid(Activation):
    """clip(0.2 x + 0.5, 0, 1)."""

    function = staticmethod(F.hard_sigmoid)


class Exponential(Activation):
    """exp(x)."""

    function = staticmethod(F.exponential)


class Softmax(Activation):
    """Probabilities along `axis`, computed stably."""

    def __init__(self, axis: int = -1):
        self.axis = whole_number(axis, "axis", smallest=None, owner="Softmax")

    def forward(self, x):
        return F.softmax(x, self.axis)


class LogSoftmax(Activation):
    """log(softmax(x)) along `axis`, computed stably."""

    def __init__(self, axis: int = -1):
        self.axis = whole_number(axis, "axis", smallest=None, owner="LogSoftmax")

    def forward(self, x):
        return F.log_softmax(x, self.axis)


# The one table of activations by name (Keras' names, and the book's "identity"), for
# `activation="relu"` in nn.Linear and nn.Neuron alike (a Neuron takes those that work on a Value).
ACTIVATIONS = {
    "identity": Identity, "linear": Identity, "step": Step, "sigmoid": Sigmoid, "tanh": Tanh,
    "relu": ReLU, "leaky_relu": LeakyReLU, "prelu": PReLU, "elu": ELU, "selu": SELU, "gelu": GELU,
    "softplus": Softplus, "softsign": Softsign, "swish": Swish, "silu": Swish,
    "hard_sigmoid": HardSigmoid, "exponential": Exponential, "softmax": Softmax, "log_softmax": LogSoftmax,
}


def activation_module(activation) -> Module | None:
    """A module for an activation given by name (Keras' names: "relu", "softmax", ...) or as a module."""
    if activation is None or isinstance(activation, Module):
        return activation
    if isinstance(activation, str) and activation.lower() in ACTIVATIONS:
        return ACTIVATIONS[activation.lower()]()
    raise SettingError(f"unknown activation {activation!r}: activation must be a Module or one of "
                       f"{sorted(ACTIVATIONS)}")
