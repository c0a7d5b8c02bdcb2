"""Networks of scalar `Value`s: the perceptron and logic gates, and micrograd-style Neuron/Layer/MLP.

One `Value` per weight makes every multiplication visible in the graph, which is
the point for teaching; a neuron's w.x + b is one fused node
(`Value.weighted_sum`) so a picture shows one circle per neuron and backward has
2n fewer nodes to walk.
"""
from __future__ import annotations

import math
import numbers

from autograd import Value

from . import init as initialisers
from .activations import ACTIVATIONS
from .module import Module

# The activations of nn.activations.ACTIVATIONS that are defined on one number (the rest need a Tensor:
# softmax and log_softmax a whole row, softplus a fused array op, prelu a weight Tensor).
_TENSOR_ONLY = {"softmax", "log_softmax", "softplus", "prelu"}
_SCALAR_ACTIVATIONS = sorted(set(ACTIVATIONS) - _TENSOR_ONLY)


def _inputs(arguments, expected: int, owner: str) -> list:
    """The input vector from `f(x1, x2)` or `f((x1, x2))` calls alike."""
    x = arguments[0] if len(arguments) == 1 and not isinstance(arguments[0], (numbers.Real, Value)) else arguments
    x = list(x)
    if len(x) != expected:
        raise ValueError(f"{owner} takes {expected} inputs; got {len(x)}: {x!r}")
    return x


class Perceptron(Module):
    """Rosenblatt's perceptron: 1 if w.x + b > 0 else 0 (the step activation).

    >>> AND = Perceptron(w=(0.5, 0.5), b=-0.7)
    >>> [AND(0, 0), AND(1, 0), AND(0, 1), AND(1, 1)]
    [0, 0, 0, 1]
    """

    def __init__(self, w=(0.5, 0.5), b: float = -0.7):
        self.w = [Value(float(wi), name=f"w{i + 1}") for i, wi in enumerate(w)]
        self.b = Value(float(b), name="b")

    def forward(self, *x) -> int:
        """The output (0 or 1) for inputs given as `p(x1, x2)` or `p((x1, x2))`."""
        x = _inputs(x, len(self.w), "Perceptron")
        total = math.fsum(w.data * float(xi) for w, xi in zip(self.w, x)) + self.b.data
        return 1 if total > 0 else 0

    def extra_repr(self):
        return f"w={tuple(w.data for w in self.w)}, b={self.b.data}"


AND = Perceptron(w=(0.5, 0.5), b=-0.7)
NAND = Perceptron(w=(-0.5, -0.5), b=0.7)
OR = Perceptron(w=(0.5, 0.5), b=-0.2)


def XOR(*x) -> int:
    """XOR as a two-layer perceptron: AND(NAND(x1, x2), OR(x1, x2)), since no single line separates it."""
    x1, x2 = _inputs(x, 2, "XOR")
    return AND(NAND(x1, x2), OR(x1, x2))


class Neuron(Module):
    """activation(w.x + b) on Values; weights drawn uniformly from [-1, 1) as in micrograd, bias 0."""

    def __init__(self, nin: int, activation="relu", seed=None):
        if isinstance(activation, str) and activation not in _SCALAR_ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; use one of {_SCALAR_ACTIVATIONS} "
                             "or a function of a Value")
        rng = initialisers.generator(seed)
        self.w = [Value(float(wi)) for wi in initialisers.uniform((nin,), rng)]
        self.b = Value(0.0)
        self.activation = activation
        self._activate = ACTIVATIONS[activation]().forward if isinstance(activation, str) else activation

    def forward(self, x) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron takes {len(self.w)} inputs; got {len(x)}")
        return self._activate(Value.weighted_sum(self.w, x, self.b))

    def extra_repr(self):
        return f"{len(self.w)}, activation={self.activation!r}"


class Layer(Module):
    """`nout` neurons reading the same inputs; returns a list, or one Value when nout == 1 (micrograd's way)."""

    def __init__(self, nin: int, nout: int, activation="relu", seed=None):
        rng = initialisers.generator(seed)
        self.neurons = [Neuron(nin, activation, seed=rng) for _ in range(nout)]

    def forward(self, x):
        outputs = [neuron(x) for neuron in self.neurons]
        return outputs[0] if len(outputs) == 1 else outputs

    def __repr__(self):
        return f"Layer({len(self.neurons[0].w)}, {len(self.neurons)}, activation={self.neurons[0].activation!r})"


class MLP(Module):
    """A multilayer perceptron on Values: ReLU hidden layers and a linear last layer (micrograd's convention).

    >>> MLP(3, [4, 4, 1]).num_parameters()
    41
    """

    def __init__(self, nin: int, nouts, activation="relu", seed=None):
        rng = initialisers.generator(seed)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], activation if i < last else "linear", seed=rng)
                       for i in range(len(nouts))]

    def forward(self, x):
        for layer in self.layers:
            x = [neuron(x) for neuron in layer.neurons]  # a list even for one unit, so the next layer can read it
        return x[0] if len(x) == 1 else x

    def __repr__(self):
        return "MLP(" + ", ".join(repr(layer) for layer in self.layers) + ")"
