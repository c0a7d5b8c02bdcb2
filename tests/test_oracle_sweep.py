"""PyTorch float64 as the oracle of every public differentiable function, found by enumerating the API.

At collection time the public API is listed: `Tensor`'s and `Value`'s methods and
operators, `autograd.__all__`, the functions of `nn.functional` and the modules in
`nn.__all__`. Every name must have cases in SPECS (how to call it here and in
PyTorch) or a one-line reason in NOT_DIFFERENTIABLE, so a function added later
fails `test_every_public_function_has_an_oracle_or_a_reason` until it gets one.

Each case is then checked against PyTorch four ways: at random points (the value,
and the gradient with respect to every argument for a random upstream gradient),
at special points (0, kinks, +-large, nan, inf: PyTorch's convention is the
expected one), in float32 (dtypes kept, values close), and to second order (the
gradient of <first gradient, v> for a fixed v).
"""
from __future__ import annotations

import inspect
import math
import operator
import zlib
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import oracle
import pytest
from strategies import output_weights
from test_torch_oracle import FORWARD, GRADIENT

import autograd
import nn
from autograd import ShapeError, Tensor, Value, concatenate, grad, hessian, hvp, stack, value_and_grad, where
from nn import functional as F
from nn.settings import pair_of_whole_numbers

RANDOM_POINTS = 5  # random draws per case and check
FLOAT32 = dict(rtol=1e-5, atol=1e-5)  # atol: float32 sums of terms ~5 that cancel lose ~1e-6
nan, inf = math.nan, math.inf


# ---- random arguments -----------------------------------------------------------------
def real(rng, shape):
    return rng.uniform(-3.0, 3.0, shape)


def positive(rng, shape):
    """Away from 0: for logs and real powers."""
    return rng.uniform(0.2, 3.0, shape)


def away_from_zero(rng, shape):
    """Either sign, away from 0: for denominators."""
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 3.0, shape)


def probability(rng, shape):
    return rng.uniform(0.05, 0.95, shape)


def distribution(rng, shape):
    """Rows of positive numbers that sum to 1 along the last axis."""
    p = rng.uniform(0.1, 1.0, shape)
    return p / p.sum(axis=-1, keepdims=True)


def fixed(*shapes, domain=real, domains=None):
    """A draw of one array per shape, from `domain` (or one domain per argument)."""
    domains = domains or (domain,) * len(shapes)
    return lambda rng: tuple(d(rng, shape) for d, shape in zip(domains, shapes))


ELEMENTWISE_SHAPES = [(), (3,), (2, 3), (2, 1, 3)]
BROADCAST_PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((2, 3), ()), ((2, 2, 3), (2, 1, 3))]
MATMUL_PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)),
                ((2, 1, 2, 3), (3, 3, 2))]


def any_shape(domain=real, shapes=ELEMENTWISE_SHAPES):
    """One array of a shape picked from `shapes` (by default 0-d to 3-d)."""
    return lambda rng: (domain(rng, shapes[rng.integers(len(shapes))]),)


def pick_pair(pairs, domain_a=real, domain_b=real):
    """Two arrays whose shapes are one of `pairs` (broadcasting or matmul partners)."""
    def draw(rng):
        shape_a, shape_b = pairs[rng.integers(len(pairs))]
        return domain_a(rng, shape_a), domain_b(rng, shape_b)
    return draw


def scalars(count=1, domain=real, domains=None):
    """Arguments for Values: 0-d arrays."""
    return fixed(*[()] * count, domain=domain, domains=domains)


#: Where elementwise functions are checked beyond random points: 0, hard_sigmoid's kinks,
#: values where exp, sigmoid or softplus would overflow if written naively, nan and inf.
SPECIAL_POINTS = (0.0, 2.5, -2.5, 30.0, -30.0, 800.0, -800.0, nan, inf, -inf)
#: elu's gradient at nan has no one PyTorch answer: nan where the nan falls in a lane of PyTorch's vector
#: loop, 1 (the positive side's) in its scalar tail, so it depends on the array's length and the CPU.
#: elu's gradient is checked off nan; its value at nan in test_elu_and_selu_of_nan_are_nan.
ELU_POINTS = tuple(x for x in SPECIAL_POINTS if not math.isnan(x))


def points(*columns):
    """Special points of a function of several arguments: one tuple of 1-d arrays, one array per argument."""
    return (tuple(np.array(column, dtype=np.float64) for column in columns),)


def scalar_points(*columns):
    """The same points one at a time, as 0-d arrays (for Values)."""
    return tuple(tuple(np.array(x) for x in row) for row in zip(*columns))


# ---- a case: one way of calling one public function ------------------------------------
@dataclass(frozen=True)
class Case:
    """How to call the public function `name` here (`ours`) and in PyTorch (`theirs`).

    `draw(rng)` gives the differentiable arguments as float64 arrays; they become
    Tensors that require grad (Values when `scalar`), and leaf tensors in torch.
    `theirs(torch, *args)` may be left out when `ours` spells the same on torch tensors.
    """

    name: str
    ours: Callable
    draw: Callable
    theirs: Callable | None = None
    variant: str = ""
    special: tuple = ()  # tuples of arrays (one per argument) where PyTorch's convention is checked
    scalar: bool = False  # the arguments are Values
    differentiable: bool = True  # False: the result is a plain array, so only values are compared
    second_order: bool = True
    float32: bool = True
    tolerance: dict | None = None  # overrides FORWARD / GRADIENT (e.g. softplus's threshold)

    @property
    def id(self) -> str:
        return f"{self.name}:{self.variant}" if self.variant else self.name

    def reference(self, torch, *args):
        return self.theirs(torch, *args) if self.theirs else self.ours(*args)


def elementwise(name, ours, theirs=None, *, domain=real, special=SPECIAL_POINTS, on_values=True, variant="",
                **options) -> list:
    """A Tensor case on random shapes and, for functions that take a Value too, a Value case."""
    cases = [Case(name, ours, any_shape(domain), theirs, variant, points(special), **options)]
    if on_values:
        cases.append(Case(name, ours, scalars(1, domain), theirs, _joined(variant, "Value"),
                          scalar_points(special), scalar=True, float32=False, **options))
    return cases


def _joined(*words):
    return "_".join(w for w in words if w)


def _F(torch):
    return torch.nn.functional


def _torch_dims(axis, ndim):
    return tuple(range(ndim)) if axis is None else axis


# ---- Tensor and Value methods ------------------------------------------------------------
POW_BASES = (0.0, 0.0, 0.0, 0.0, 0.0, 2.0, -2.0, 1.0)
POW_EXPONENTS = (0.0, 1.0, 2.0, 0.5, -1.0, 0.0, 2.0, 0.0)  # 0 ** y and x ** 0: PyTorch's zero derivatives
LEFT = np.random.default_rng(7).uniform(-1.0, 1.0, (2, 3))  # a constant left operand for `array @ tensor`


def arithmetic_cases(kind: str, pair, single) -> list:
    """The operators that Tensor and Value share; `pair(domain_a, domain_b)` and `single(domain)` make the draws."""
    scalar = kind == "Value"
    at = scalar_points if scalar else points
    name = f"{kind}.%s"
    cases = [
        Case(name % "__add__", operator.add, pair()),
        Case(name % "__radd__", lambda a: 1.5 + a, single()),
        Case(name % "__sub__", operator.sub, pair()),
        Case(name % "__rsub__", lambda a: 1.5 - a, single()),
        Case(name % "__mul__", operator.mul, pair(), special=at((0.0, inf, nan), (inf, 0.0, 1.0))),
        Case(name % "__rmul__", lambda a: 1.5 * a, single()),
        Case(name % "__truediv__", operator.truediv, pair(real, away_from_zero),
             special=at((1.0, 0.0, -1.0, inf), (0.0, 0.0, 0.0, inf))),
        Case(name % "__rtruediv__", lambda a: 1.5 / a, single(away_from_zero),
             special=at((0.0, inf, -inf))),
        Case(name % "__neg__", operator.neg, single()),
        Case(name % "__pow__", lambda a: a ** 2, single(), variant="square", special=at(SPECIAL_POINTS)),
        Case(name % "__pow__", lambda a: a ** 3, single(), variant="cube"),
        Case(name % "__pow__", lambda a: a ** 0.5, single(positive), variant="sqrt",
             special=at((0.0, inf))),
        Case(name % "__pow__", lambda a: a ** -1, single(away_from_zero), variant="reciprocal",
             special=at((0.0,))),
        Case(name % "__pow__", lambda a: a ** 0, single(), variant="zeroth", special=at((0.0, inf, nan))),
        Case(name % "__pow__", operator.pow, pair(positive, real), variant="node_exponent",
             special=at(POW_BASES, POW_EXPONENTS)),
        Case(name % "__rpow__", lambda a: 2.0 ** a, single(), special=at((0.0, 800.0, -800.0))),
        Case(name % "__rpow__", lambda a: 0.0 ** a, single(positive), variant="zero_base",
             special=at((0.0, 1.0, 2.5)), second_order=False),
    ]
    return [replace(case, scalar=scalar, float32=not scalar) for case in cases]


def tensor_cases() -> list:
    pair = lambda a=real, b=real: pick_pair(BROADCAST_PAIRS, a, b)  # noqa: E731
    cases = arithmetic_cases("Tensor", pair, any_shape)
    cases += [
        Case("Tensor.__matmul__", operator.matmul, pick_pair(MATMUL_PAIRS)),
        Case("Tensor.__rmatmul__", lambda b: LEFT.astype(b.dtype) @ b, any_shape(shapes=[(3,), (3, 4)]),
             theirs=lambda torch, b: torch.from_numpy(LEFT).to(b.dtype) @ b),
        Case("Tensor.__getitem__", lambda x: x[1:, ::-1], fixed((3, 4)), variant="slices",
             theirs=lambda torch, x: x[1:].flip(1)),
        Case("Tensor.__getitem__", lambda x: x[1, 2], fixed((3, 4)), variant="integers"),
        Case("Tensor.__getitem__", lambda x: x[np.array([0, 2, 0])], fixed((3, 4)), variant="repeated_rows",
             theirs=lambda torch, x: x[torch.tensor([0, 2, 0])]),
        Case("Tensor.__getitem__", lambda x: x[MASK], fixed((3, 4)), variant="mask",
             theirs=lambda torch, x: x[torch.from_numpy(MASK)]),
        Case("Tensor.T", lambda x: x.T, any_shape(shapes=[(2, 3), (2, 3, 4)]),
             theirs=lambda torch, x: x.permute(tuple(reversed(range(x.ndim))))),
        Case("Tensor.transpose", lambda x: x.transpose(), fixed((2, 3, 4)), variant="reversed",
             theirs=lambda torch, x: x.permute(2, 1, 0)),
        Case("Tensor.transpose", lambda x: x.transpose(-1, 0, 1), fixed((2, 3, 4)), variant="negative_axes",
             theirs=lambda torch, x: x.permute(2, 0, 1)),
        Case("Tensor.reshape", lambda x: x.reshape(3, -1), fixed((2, 3, 2))),
        Case("Tensor.broadcast_to", lambda x: x.broadcast_to((4, 2, 3)), any_shape(shapes=[(2, 1), (3,), ()])),
        Case("Tensor.exp", lambda x: x.exp(), any_shape(), special=points(SPECIAL_POINTS)),
        Case("Tensor.log", lambda x: x.log(), any_shape(positive), special=points((0.0, -1.0, inf, nan, 1e-300))),
        Case("Tensor.tanh", lambda x: x.tanh(), any_shape(), special=points(SPECIAL_POINTS)),
        Case("Tensor.sigmoid", lambda x: x.sigmoid(), any_shape(), special=points(SPECIAL_POINTS)),
        Case("Tensor.relu", lambda x: x.relu(), any_shape(), special=points(SPECIAL_POINTS)),
        Case("Tensor.to", lambda x: (x.to("array_api_strict") * 2.0).to("numpy"), any_shape(),
             theirs=lambda torch, x: x * 2.0, special=points(SPECIAL_POINTS)),  # there and back, gradients too
    ]
    for method in ("sum", "mean", "max"):
        cases += reduction_cases(method)
    return cases


MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])
TIES = np.array([[[1.0, 2.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0], [2.0, 1.0, 2.0, 2.0]],
                 [[1.0, 1.0, 1.0, 1.0], [2.0, 0.0, 0.0, 2.0], [nan, 1.0, 0.0, 0.0]]])


def reduction_cases(method: str) -> list:
    """sum/mean/max over every kind of axis, keepdims or not, and over empty axes; max also at ties."""
    torch_name = "amax" if method == "max" else method  # amax, like our max, shares the gradient among ties
    cases = []
    for axis, keepdims in ((None, False), (0, False), (-1, True), ((0, 2), False), (None, True)):
        cases.append(Case(
            f"Tensor.{method}", lambda x, a=axis, k=keepdims: getattr(x, method)(a, k), fixed((2, 3, 4)),
            theirs=lambda torch, x, a=axis, k=keepdims: getattr(torch, torch_name)(x, dim=_torch_dims(a, x.ndim),
                                                                                    keepdim=k),
            variant=f"axis={axis},keepdims={keepdims}",
            special=((TIES,),) if method == "max" else ()))
    # An empty batch keeps its shape; mean over an empty axis is nan, as in NumPy and PyTorch.
    empty_axes = [((0, 3), 1)] + ([] if method == "max" else [((2, 0), 1), ((0,), None)])
    for shape, axis in empty_axes:
        cases.append(Case(
            f"Tensor.{method}", lambda x, a=axis: getattr(x, method)(a), fixed(shape),
            theirs=lambda torch, x, a=axis: getattr(torch, torch_name)(x, dim=_torch_dims(a, x.ndim)),
            variant=f"empty_{shape}_axis={axis}"))
    return cases


def value_cases() -> list:
    cases = arithmetic_cases("Value", lambda a=real, b=real: scalars(2, domains=(a, b)),
                             lambda a=real: scalars(1, a))
    for method in ("exp", "tanh", "sigmoid", "relu"):
        cases.append(Case(f"Value.{method}", operator.methodcaller(method), scalars(), scalar=True, float32=False,
                          special=scalar_points(SPECIAL_POINTS)))
    cases += [
        Case("Value.log", lambda x: x.log(), scalars(domain=positive), scalar=True, float32=False,
             special=scalar_points((0.0, -1.0, inf, nan, 1e-300))),
        Case("Value.weighted_sum", lambda w1, w2, x1, x2, b: Value.weighted_sum([w1, w2], [x1, x2], b), scalars(5),
             theirs=lambda torch, w1, w2, x1, x2, b: w1 * x1 + w2 * x2 + b, scalar=True, float32=False),
    ]
    return cases


# ---- autograd's functions --------------------------------------------------------------------
COND = np.array([[True, False, True], [False, True, True]])


def smooth(x):
    """A smooth function of a Tensor (or torch tensor) for the transforms: non-zero derivatives of all orders."""
    return (x.tanh() * x ** 2 + (0.3 * x).exp()).sum()


def smooth_scalar(x):
    """`smooth` for a Value (no .sum())."""
    return x.tanh() * x ** 2 + (0.3 * x).exp()


def smooth_of_two(x, y):
    return (x.tanh() * y).sum() + (0.5 * x * y).exp().sum()


DIRECTION = np.random.default_rng(11).uniform(-1.0, 1.0, (2, 3))  # v of the Hessian-vector product


def autograd_cases() -> list:
    jacobian = lambda torch, f, *xs: torch.autograd.functional.jacobian(f, xs if len(xs) > 1 else xs[0],  # noqa: E731
                                                                        create_graph=True)
    return [
        Case("autograd.concatenate", lambda *ts: concatenate(ts, axis=0), fixed((2, 3), (1, 3), (3, 3)),
             theirs=lambda torch, *ts: torch.cat(ts, dim=0), variant="axis=0"),
        Case("autograd.concatenate", lambda *ts: concatenate(ts, axis=-1), fixed((2, 3), (2, 1)),
             theirs=lambda torch, *ts: torch.cat(ts, dim=-1), variant="axis=-1"),
        Case("autograd.concatenate", lambda *ts: concatenate(ts, axis=None), fixed((2, 3), (4,), (1, 1, 2)),
             theirs=lambda torch, *ts: torch.cat([t.reshape(-1) for t in ts]), variant="axis=None"),
        Case("autograd.stack", lambda *ts: stack(ts, axis=0), fixed((2, 3), (2, 3), (2, 3)),
             theirs=lambda torch, *ts: torch.stack(ts, dim=0), variant="axis=0"),
        Case("autograd.stack", lambda *ts: stack(ts, axis=-1), fixed((2, 3), (2, 3)),
             theirs=lambda torch, *ts: torch.stack(ts, dim=-1), variant="axis=-1"),
        Case("autograd.where", lambda a, b: where(COND, a, b), fixed((2, 3), (3,)),
             theirs=lambda torch, a, b: torch.where(torch.from_numpy(COND), a, b)),
        Case("autograd.where", lambda b: where(COND, 0.5, b), fixed((2, 3)), variant="number",
             theirs=lambda torch, b: torch.where(torch.from_numpy(COND), 0.5, b)),
        Case("autograd.grad", lambda x: grad(smooth)(x), any_shape(),
             theirs=lambda torch, x: jacobian(torch, smooth, x)),
        Case("autograd.grad", lambda x: grad(smooth_scalar)(x), scalars(), scalar=True, float32=False,
             theirs=lambda torch, x: jacobian(torch, smooth_scalar, x), variant="Value"),
        Case("autograd.grad", lambda x, y: grad(smooth_of_two, argnums=(0, 1))(x, y), fixed((2, 3), (3,)),
             theirs=lambda torch, x, y: jacobian(torch, smooth_of_two, x, y), variant="argnums=(0,1)"),
        Case("autograd.value_and_grad", lambda x: value_and_grad(smooth)(x), any_shape(),
             theirs=lambda torch, x: (smooth(x), jacobian(torch, smooth, x))),
        Case("autograd.value_and_grad", lambda x: value_and_grad(smooth_scalar)(x), scalars(), scalar=True,
             float32=False, theirs=lambda torch, x: (smooth_scalar(x), jacobian(torch, smooth_scalar, x)),
             variant="Value"),
        # On a Tensor, hessian returns a plain array (built row by row), so only its value is compared.
        Case("autograd.hessian", lambda x: hessian(smooth)(x), any_shape(), differentiable=False,
             theirs=lambda torch, x: torch.autograd.functional.hessian(smooth, x)),
        Case("autograd.hessian", lambda x: hessian(smooth_scalar)(x), scalars(), scalar=True, float32=False,
             theirs=lambda torch, x: torch.autograd.functional.hessian(smooth_scalar, x, create_graph=True),
             variant="Value"),
        Case("autograd.hvp", lambda x: hvp(smooth)(x, DIRECTION.astype(x.dtype)), fixed((2, 3)),
             theirs=lambda torch, x: torch.autograd.functional.hvp(
                 smooth, x, torch.from_numpy(DIRECTION).to(x.dtype), create_graph=True)[1]),
        Case("autograd.hvp", lambda x: hvp(smooth_scalar)(x, 0.7), scalars(), scalar=True, float32=False,
             theirs=lambda torch, x: torch.autograd.functional.hvp(
                 smooth_scalar, x, torch.tensor(0.7, dtype=x.dtype), create_graph=True)[1], variant="Value"),
    ]


# ---- nn.functional ---------------------------------------------------------------------------
LABELS = np.array([0, 2, 1, 2])
DELTA = F.CROSS_ENTROPY_DELTA
TIED_WEIGHTS = np.repeat(np.array([[0.5, -1.0], [2.0, 0.25], [-0.5, 1.0]]), 3, axis=1)  # 3 equal pieces per unit


def activation_cases() -> list:
    # Not nan: torch's own spellings of hard_sigmoid disagree on its gradient there (hardsigmoid 0, relu6 0.2).
    hard_sigmoid_points = tuple(x for x in SPECIAL_POINTS if not math.isnan(x)) + (-3.0, 3.0)
    return [
        *elementwise("F.step", F.step, lambda torch, x: (x > 0).to(x.dtype) + 0 * x,
                     special=(0.0, 2.5, -2.5, 800.0, -800.0, nan)),  # + 0 * x: nan propagates, gradient 0
        *elementwise("F.identity", F.identity, lambda torch, x: x),
        *elementwise("F.sigmoid", F.sigmoid, lambda torch, x: torch.sigmoid(x)),
        *elementwise("F.tanh", F.tanh, lambda torch, x: torch.tanh(x)),
        *elementwise("F.relu", F.relu, lambda torch, x: torch.relu(x)),
        *elementwise("F.leaky_relu", F.leaky_relu, lambda torch, x: _F(torch).leaky_relu(x)),
        *elementwise("F.leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda torch, x: _F(torch).leaky_relu(x, 0.2),
                     variant="slope=0.2"),
        *elementwise("F.elu", F.elu, lambda torch, x: _F(torch).elu(x), special=ELU_POINTS),
        *elementwise("F.elu", lambda x: F.elu(x, 0.5), lambda torch, x: _F(torch).elu(x, 0.5), variant="alpha=0.5",
                     special=ELU_POINTS),
        *elementwise("F.selu", F.selu, lambda torch, x: _F(torch).selu(x), special=ELU_POINTS),
        *elementwise("F.gelu", F.gelu, lambda torch, x: _F(torch).gelu(x, approximate="tanh")),
        # PyTorch's softplus returns x itself above 20, so agreement there is to ~1e-9.
        *elementwise("F.softplus", F.softplus, lambda torch, x: _F(torch).softplus(x), on_values=False,
                     tolerance=dict(rtol=1e-8, atol=1e-8)),
        *elementwise("F.softsign", F.softsign, lambda torch, x: _F(torch).softsign(x)),
        *elementwise("F.swish", F.swish, lambda torch, x: _F(torch).silu(x)),
        # hardsigmoid(1.2 x), spelled relu6(1.2 x + 3) / 6: torch's hardsigmoid has no second derivative
        # and rounds 1/6 to float32 in its gradient. Its gradient is 0 at both kinks (+-2.5).
        *elementwise("F.hard_sigmoid", F.hard_sigmoid,
                     lambda torch, x: _F(torch).hardtanh(1.2 * x + 3.0, 0.0, 6.0) / 6.0, special=hard_sigmoid_points),
        *elementwise("F.exponential", F.exponential, lambda torch, x: torch.exp(x)),
        Case("F.prelu", F.prelu, fixed((4, 3), (3,)), lambda torch, x, w: _F(torch).prelu(x, w),
             special=((np.array([[0.0, 0.0, 0.0], [nan, 2.0, -2.0]]), np.array([0.25, -0.5, 1.5])),)),
        Case("F.prelu", F.prelu, fixed((4, 3), (1,)), lambda torch, x, w: _F(torch).prelu(x, w),
             variant="shared_slope"),
        Case("F.prelu", F.prelu, scalars(2), lambda torch, x, w: _F(torch).prelu(x.reshape(1), w.reshape(1))[0],
             variant="Value", scalar=True, float32=False,
             special=scalar_points((0.0, 0.0, nan, -800.0), (0.25, -0.5, 0.25, 0.25))),
    ]


def softmax_cases(name: str, ours: Callable, torch_name: str) -> list:
    extremes = np.array([[800.0, -800.0, 0.0], [-inf, 0.0, 5.0], [1.0, 1.0, 1.0], [nan, 0.0, 1.0]])
    cases = []
    for shape, axis in (((2, 3), -1), ((3, 4), 0), ((2, 3, 4), 1), ((4,), -1), ((2, 0), -1), ((0, 3), -1)):
        cases.append(Case(name, lambda x, a=axis: ours(x, a), fixed(shape),
                          lambda torch, x, a=axis: getattr(_F(torch), torch_name)(x, dim=a),
                          variant=f"{shape}_axis={axis}", special=((extremes,),) if shape == (2, 3) else ()))
    return cases


def torch_maxout(torch, x, W, b, pieces=3):
    z = x @ W + b
    return torch.amax(z.reshape(z.shape[:-1] + (z.shape[-1] // pieces, pieces)), dim=-1)


def linear_cases() -> list:
    cases = []
    for bias_shape in ((2,), (1, 2), (4, 2), ()):
        cases.append(Case("F.linear", F.linear, fixed((4, 3), (3, 2), bias_shape),
                          lambda torch, x, W, b: x @ W + b, variant=f"bias{bias_shape}"))
    return cases + [
        Case("F.linear", F.linear, fixed((4, 3), (3, 2)), lambda torch, x, W: x @ W, variant="no_bias"),
        Case("F.linear", F.linear, fixed((2, 4, 3), (3, 2), (2,)), lambda torch, x, W, b: x @ W + b,
             variant="batch_of_batches"),
        Case("F.linear", F.linear, fixed((3,), (3, 2), (2,)), lambda torch, x, W, b: x @ W + b, variant="one_sample"),
        Case("F.maxout", lambda x, W, b: F.maxout(x, W, b, 3), fixed((4, 3), (3, 6), (6,)), torch_maxout,
             special=((np.ones((2, 3)), TIED_WEIGHTS, np.zeros(6)),)),
    ]


def book_cross_entropy_error(torch, y, t):
    return -(t * (y + DELTA).log()).sum() / y.shape[0]


def book_cross_entropy_error_labels(torch, y, labels=LABELS):
    return -(y[torch.arange(y.shape[0]), torch.from_numpy(labels)] + DELTA).log().sum() / y.shape[0]


def book_binary_cross_entropy(torch, p, t):
    return -(t * (p + DELTA).log() + (1 - t) * (1 - p + DELTA).log()).mean()


def loss_cases() -> list:
    return [
        Case("F.mse_loss", F.mse_loss, fixed((4, 3), (4, 3)), lambda torch, y, t: _F(torch).mse_loss(y, t)),
        Case("F.mse_loss", F.mse_loss, fixed((4,), (4,)), lambda torch, y, t: _F(torch).mse_loss(y, t),
             variant="vectors"),
        Case("F.sum_squares_error", F.sum_squares_error, fixed((4, 3), (4, 3)),
             lambda torch, y, t: 0.5 * ((y - t) ** 2).sum()),
        Case("F.binary_cross_entropy", F.binary_cross_entropy, fixed((4,), (4,), domain=probability),
             book_binary_cross_entropy, special=points((0.0, 1.0, 0.0, 1.0), (0.0, 1.0, 1.0, 0.0))),
        Case("F.cross_entropy_error", F.cross_entropy_error, fixed((4, 3), (4, 3), domain=distribution),
             book_cross_entropy_error, variant="soft_targets"),
        Case("F.cross_entropy_error", lambda y: F.cross_entropy_error(y, LABELS), fixed((4, 3), domain=distribution),
             book_cross_entropy_error_labels, variant="labels"),
        Case("F.cross_entropy_error", F.cross_entropy_error, fixed((3,), (3,), domain=distribution),
             lambda torch, y, t: -(t * (y + DELTA).log()).sum(), variant="one_sample"),
        Case("F.cross_entropy_error", lambda y: F.cross_entropy_error(y, 1), fixed((3,), domain=distribution),
             lambda torch, y: -(y[1] + DELTA).log(), variant="one_sample_label"),
        Case("F.cross_entropy", lambda z: F.cross_entropy(z, LABELS), fixed((4, 3)),
             lambda torch, z: _F(torch).cross_entropy(z, torch.from_numpy(LABELS)), variant="labels",
             special=((np.array([[1000.0, -1000.0, 0.0], [0.0, 0.0, 0.0], [-800.0, 800.0, 800.0],
                                 [30.0, -30.0, 0.0]]),),)),
        Case("F.cross_entropy", F.cross_entropy, fixed((4, 3), (4, 3), domains=(real, distribution)),
             lambda torch, z, t: _F(torch).cross_entropy(z, t), variant="soft_targets"),
        Case("F.cross_entropy", lambda z: F.cross_entropy(z, 1), fixed((3,)),
             lambda torch, z: _F(torch).cross_entropy(z, torch.tensor(1)), variant="one_sample_label"),
        Case("F.cross_entropy", F.cross_entropy, fixed((3,), (3,), domains=(real, distribution)),
             lambda torch, z, t: _F(torch).cross_entropy(z, t), variant="one_sample_soft"),
    ]


# ---- convolution, pooling, dropout, batch norm (ch. 6-7) -----------------------------------------
IMAGES = (2, 3, 6, 5)
STRIDES_AND_PADDINGS = ((1, 0), (2, 1), ((2, 1), (1, 0)), (3, 2))
#: Ties, zeros, -inf and a lone nan inside 2x2 windows: PyTorch routes each window's gradient to one element.
POOL_SPECIAL = np.array([[[[1.0, 1.0, 0.0, 0.0], [1.0, 0.5, 0.0, 0.0], [-inf, -inf, 2.0, nan],
                           [-inf, -inf, 2.0, 2.0]]]])
RUNNING_MEAN, RUNNING_VAR = np.array([0.5, -1.0, 0.0]), np.array([2.0, 0.5, 1.0])


def dropout_reference(torch, x, p=0.5, seed=0):
    """The same mask as ours (drawn from a NumPy generator of that seed), applied in torch."""
    keep = np.random.default_rng(seed).random(tuple(x.shape)) >= p
    return x * torch.from_numpy(keep / (1.0 - p)).to(x.dtype)


def convolution_cases() -> list:
    cases = []
    for stride, padding in STRIDES_AND_PADDINGS:
        at = f"stride={stride},padding={padding}"
        cases += [
            Case("F.conv2d", lambda x, W, b, s=stride, p=padding: F.conv2d(x, W, b, s, p),
                 fixed(IMAGES, (4, 3, 3, 2), (4,)), lambda torch, x, W, b, s=stride, p=padding:
                 _F(torch).conv2d(x, W, b, s, p), variant=at),
            Case("F.conv_transpose2d", lambda x, W, b, s=stride, p=padding: F.conv_transpose2d(x, W, b, s, p),
                 fixed(IMAGES, (3, 4, 3, 2), (4,)), lambda torch, x, W, b, s=stride, p=padding:
                 _F(torch).conv_transpose2d(x, W, b, s, p), variant=at),
            Case("F.im2col", lambda x, s=stride, p=padding: F.im2col(x, 3, 2, s, p), fixed(IMAGES),
                 lambda torch, x, s=stride, p=padding: _F(torch).unfold(x, (3, 2), padding=p, stride=s)
                 .transpose(1, 2).reshape(-1, 3 * 3 * 2), variant=at),
        ]
        steps, pads = pair_of_whole_numbers(stride, "", 1), pair_of_whole_numbers(padding, "", 0)
        rows, cols = [(size + 2 * pad - kernel) // step + 1 for size, kernel, step, pad in
                      zip(IMAGES[2:], (3, 2), steps, pads)]
        cases.append(Case(
            "F.col2im", lambda c, s=stride, p=padding: F.col2im(c, IMAGES, 3, 2, s, p),
            fixed((IMAGES[0] * rows * cols, 3 * 3 * 2)),
            lambda torch, c, s=stride, p=padding, n=rows * cols: _F(torch).fold(
                c.reshape(IMAGES[0], n, -1).transpose(1, 2), IMAGES[2:], (3, 2), padding=p, stride=s), variant=at))
    cases += [
        Case("F.conv2d", F.conv2d, fixed((2, 3, 5, 5), (4, 3, 3, 3)), lambda torch, x, W: _F(torch).conv2d(x, W),
             variant="no_bias"),
        Case("F.conv_transpose2d", F.conv_transpose2d, fixed((2, 3, 4, 4), (3, 2, 2, 2)),
             lambda torch, x, W: _F(torch).conv_transpose2d(x, W), variant="no_bias"),
    ]
    for function in ("max_pool2d", "avg_pool2d"):
        for kernel, stride, padding in ((2, None, 0), (3, 1, 1), ((3, 2), (2, 1), (1, 0)), (2, 3, 1)):
            cases.append(Case(
                f"F.{function}", lambda x, f=function, k=kernel, s=stride, p=padding: getattr(F, f)(x, k, s, p),
                fixed(IMAGES), lambda torch, x, f=function, k=kernel, s=stride, p=padding:
                getattr(_F(torch), f)(x, k, s, p), variant=f"kernel={kernel},stride={stride},padding={padding}",
                special=((POOL_SPECIAL,),) if kernel == 2 and stride is None else ()))
    return cases


def regularisation_cases() -> list:
    return [
        Case("F.dropout", lambda x: F.dropout(x, 0.5, seed_or_rng=0), fixed((4, 3, 2)), dropout_reference),
        Case("F.dropout", lambda x: F.dropout(x, 0.5, training=False), fixed((4, 3)),
             lambda torch, x: _F(torch).dropout(x, 0.5, training=False), variant="eval"),
        Case("F.batch_norm", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
             fixed((4, 3, 2, 2), (3,), (3,)), lambda torch, x, w, b: _F(torch).batch_norm(x, None, None, w, b, True),
             variant="training"),
        Case("F.batch_norm", lambda x: F.batch_norm(x, None, None, training=True), fixed((5, 3)),
             lambda torch, x: _F(torch).batch_norm(x, None, None, training=True), variant="training_no_affine"),
        Case("F.batch_norm", lambda x, w, b: F.batch_norm(x, RUNNING_MEAN, RUNNING_VAR, w, b),
             fixed((4, 3, 2), (3,), (3,)), lambda torch, x, w, b: _F(torch).batch_norm(
                 x, torch.from_numpy(RUNNING_MEAN).to(x.dtype), torch.from_numpy(RUNNING_VAR).to(x.dtype), w, b),
             variant="eval"),
    ]


# ---- nn's modules ----------------------------------------------------------------------------
def _set_parameter(module, path: str, leaf) -> None:
    """Put `leaf` where `module.named_parameters()` found the parameter called `path` (e.g. layers.0.w.2)."""
    *parents, last = path.split(".")
    owner = module
    for part in parents:
        owner = owner[int(part)] if part.isdigit() else getattr(owner, part)
    if last.isdigit():
        owner[int(last)] = leaf
    else:
        setattr(owner, last, leaf)


def module_case(name, build, input_shapes, theirs, variant="", scalar=False) -> Case:
    """A module called on inputs of `input_shapes`; its parameters are arguments too, so their gradients count."""
    parameter_shapes = [np.shape(p.data) for _, p in build().named_parameters()]
    count = len(input_shapes)

    def ours(*args):
        module = build()
        for (path, _), leaf in zip(module.named_parameters(), args[count:]):
            _set_parameter(module, path, leaf)
        out = module(list(args[:count])) if scalar else module(*args[:count])
        return tuple(out) if isinstance(out, list) else out

    return Case(name, ours, fixed(*input_shapes, *parameter_shapes), theirs, variant, scalar=scalar,
                float32=not scalar)


def torch_scalar_network(inputs, parameters, activations):
    """What Neuron, Layer and MLP compute, in torch: each neuron is act(sum w_i x_i + b), its weights then
    its bias in `named_parameters` order; `activations` has one entry per layer (a function per unit count)."""
    remaining = iter(parameters)
    x = list(inputs)
    for units, act in activations:
        layer = []
        for _ in range(units):
            weights = [next(remaining) for _ in x]
            layer.append(act(sum(w * xi for w, xi in zip(weights, x)) + next(remaining)))
        x = layer
    return x[0] if len(x) == 1 else tuple(x)


def module_cases() -> list:
    identity = lambda z: z  # noqa: E731
    return [
        module_case("nn.Linear", lambda: nn.Linear(3, 2), [(4, 3)], lambda torch, x, W, b: x @ W + b),
        module_case("nn.Linear", lambda: nn.Linear(3, 2, bias=False), [(4, 3)], lambda torch, x, W: x @ W,
                    variant="no_bias"),
        module_case("nn.Linear", lambda: nn.Linear(3, 2, activation="tanh"), [(4, 3)],
                    lambda torch, x, W, b: torch.tanh(x @ W + b), variant="tanh"),
        module_case("nn.Maxout", lambda: nn.Maxout(3, 2, pieces=3), [(4, 3)], torch_maxout),
        module_case("nn.Flatten", nn.Flatten, [(2, 3, 4)], lambda torch, x: x.reshape(2, -1)),
        module_case("nn.PReLU", lambda: nn.PReLU(3), [(4, 3)], lambda torch, x, w: _F(torch).prelu(x, w)),
        module_case("nn.PReLU", nn.PReLU, [(4, 3)], lambda torch, x, w: _F(torch).prelu(x, w), variant="shared"),
        module_case("nn.Sequential", lambda: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)), [(5, 3)],
                    lambda torch, x, W1, b1, W2, b2: torch.tanh(x @ W1 + b1) @ W2 + b2),
        module_case("nn.Conv2d", lambda: nn.Conv2d(3, 4, 3, padding=1), [IMAGES],
                    lambda torch, x, W, b: _F(torch).conv2d(x, W, b, padding=1)),
        module_case("nn.Conv2d", lambda: nn.Conv2d(3, 4, (3, 2), stride=2, bias=False), [IMAGES],
                    lambda torch, x, W: _F(torch).conv2d(x, W, stride=2), variant="no_bias"),
        module_case("nn.ConvTranspose2d", lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), [IMAGES],
                    lambda torch, x, W, b: _F(torch).conv_transpose2d(x, W, b, 2, 1)),
        module_case("nn.MaxPool2d", lambda: nn.MaxPool2d(2), [IMAGES], lambda torch, x: _F(torch).max_pool2d(x, 2)),
        module_case("nn.AvgPool2d", lambda: nn.AvgPool2d(3, 1, 1), [IMAGES],
                    lambda torch, x: _F(torch).avg_pool2d(x, 3, 1, 1)),
        module_case("nn.Dropout", lambda: nn.Dropout(0.5, seed=0), [(4, 3)], dropout_reference),
        module_case("nn.BatchNorm1d", lambda: nn.BatchNorm1d(3), [(5, 3)],
                    lambda torch, x, w, b: _F(torch).batch_norm(x, None, None, w, b, True)),
        module_case("nn.BatchNorm2d", lambda: nn.BatchNorm2d(3), [(4, 3, 2, 2)],
                    lambda torch, x, w, b: _F(torch).batch_norm(x, None, None, w, b, True)),
        module_case("nn.Neuron", lambda: nn.Neuron(3, "tanh", seed=0), [()] * 3,
                    lambda torch, *a: torch_scalar_network(a[:3], a[3:], [(1, torch.tanh)]), scalar=True),
        module_case("nn.Layer", lambda: nn.Layer(3, 2, "tanh", seed=0), [()] * 3,
                    lambda torch, *a: torch_scalar_network(a[:3], a[3:], [(2, torch.tanh)]), scalar=True),
        module_case("nn.MLP", lambda: nn.MLP(3, [4, 1], seed=0), [()] * 3,
                    lambda torch, *a: torch_scalar_network(a[:3], a[3:], [(4, torch.relu), (1, identity)]),
                    scalar=True),
    ]


def activation_module_cases(function_cases) -> list:
    """Each activation module in nn.ACTIVATIONS, checked as its function (the first Tensor case of it)."""
    cases, seen = [], set()
    for key, module_class in nn.ACTIVATIONS.items():
        function_case = next((c for c in function_cases if c.name == f"F.{key}" and not c.scalar), None)
        if module_class in seen or function_case is None or module_class is nn.PReLU:  # PReLU owns a weight
            continue
        seen.add(module_class)
        cases.append(replace(function_case, name=f"nn.{module_class.__name__}", variant="",
                             ours=lambda *args, cls=module_class: cls()(*args),
                             theirs=lambda torch, *args, c=function_case: c.reference(torch, *args)))
    return cases


_FUNCTION_CASES = activation_cases() + softmax_cases("F.softmax", F.softmax, "softmax") \
    + softmax_cases("F.log_softmax", F.log_softmax, "log_softmax") + linear_cases() + loss_cases() \
    + convolution_cases() + regularisation_cases()
CASES = tensor_cases() + value_cases() + autograd_cases() + _FUNCTION_CASES + module_cases() \
    + activation_module_cases(_FUNCTION_CASES)

#: Every public name with an oracle, and its cases.
SPECS = {}
for _case in CASES:
    SPECS.setdefault(_case.name, []).append(_case)

COMPARISON = "comparison: returns a bool, records no graph"
METADATA = "describes the node (shape, dtype, ...): not a function of its values"
NOT_DIFFERENTIABLE = {
    "Tensor.backward": "computes gradients; differentiated through by every second-order check",
    "Tensor.detach": "leaves the graph by design",
    "Tensor.item": "a Python float, outside the graph",
    "Tensor.numpy": "the raw array, outside the graph",
    "Tensor.data": METADATA, "Tensor.op": METADATA, "Tensor.shape": METADATA, "Tensor.ndim": METADATA,
    "Tensor.size": METADATA, "Tensor.dtype": METADATA, "Tensor.device": METADATA,
    "Value.backward": "computes gradients; differentiated through by every second-order check",
    "Value.__lt__": COMPARISON, "Value.__le__": COMPARISON, "Value.__gt__": COMPARISON, "Value.__ge__": COMPARISON,
    "autograd.Value": "the class; its methods and operators are enumerated one by one",
    "autograd.Tensor": "the class; its methods and operators are enumerated one by one",
    "autograd.tensor": "a constructor: makes a leaf from data",
    "autograd.Op": "the base class for defining ops, not an op itself",
    "autograd.Context": "the record one call of an op keeps for its backward, not an op",
    "autograd.tensor_method": "registers an op class as Tensor methods (each method is swept under its own name)",
    "autograd.is_tensor": "a type test, True or False: no numbers to differentiate",
    "autograd.as_tensor": "wraps numbers as a constant Tensor (no op); a Tensor passes through unchanged",
    "autograd.numbers_of": "the plain numbers behind a node, outside the graph",
    "autograd.no_grad": "a context manager (graph recording off)",
    "autograd.enable_grad": "a context manager (graph recording on)",
    "autograd.detect_anomaly": "a context manager (nan/inf checks)",
    "autograd.is_grad_enabled": "reports a flag",
    "autograd.topological_order": "walks a graph, computes nothing",
    "autograd.numerical_grad": "finite differences on plain numbers, the tests' other oracle",
    "autograd.gradcheck": "a checker that returns True or raises",
    "autograd.gradgradcheck": "a checker that returns True or raises",
    "autograd.ShapeError": "an exception class", "autograd.BackwardError": "an exception class",
    "autograd.GradcheckError": "an exception class", "autograd.AnomalyError": "an exception class",
    "autograd.DeviceError": "an exception class", "autograd.MixedNodeError": "an exception class",
    "autograd.set_num_threads": "a setting (threads for convolution and pooling), computes nothing",
    "autograd.get_num_threads": "reports a setting",
    "F.accuracy": "a count of correct argmaxes (a float, no gradient)",
    "nn.Module": "the abstract base of modules",
    "nn.Perceptron": "a step-function perceptron returning 0 or 1: non-differentiable by design",
    "nn.AND": "a Perceptron gate (0 or 1)", "nn.NAND": "a Perceptron gate (0 or 1)",
    "nn.OR": "a Perceptron gate (0 or 1)", "nn.XOR": "two layers of Perceptron gates (0 or 1)",
}


# ---- enumerating the public API ----------------------------------------------------------
def _is_operator(name: str) -> bool:
    """True for __add__, __radd__, __getitem__, __lt__ ...: the dunders Python's `operator` module names."""
    bare = name[2:-2]
    return bare in operator.__all__ or (bare.startswith("r") and bare[1:] in operator.__all__)


def public_members(cls, prefix: str) -> list:
    """Public methods and properties, and the operators, that `cls` defines (slots and object's own aside)."""
    names = []
    for name in dir(cls):
        if not any(name in vars(klass) for klass in cls.__mro__ if klass is not object):
            continue
        attribute = inspect.getattr_static(cls, name)
        if name.startswith("__") and name.endswith("__"):
            if _is_operator(name):
                names.append(f"{prefix}.{name}")
        elif not name.startswith("_") and (inspect.isfunction(attribute)
                                            or isinstance(attribute, (staticmethod, classmethod, property))):
            names.append(f"{prefix}.{name}")
    return names


def _is_network_piece(obj) -> bool:
    """Module classes, module instances (the gates AND, OR...) and functions of them (XOR) in nn's API."""
    return (isinstance(obj, type) and issubclass(obj, nn.Module)) or isinstance(obj, nn.Module) \
        or (inspect.isfunction(obj) and obj.__module__ in ("nn.scalar", "nn.layers"))


def enumerate_public_api() -> list:
    functional = [f"F.{name}" for name, obj in vars(F).items()
                  if inspect.isfunction(obj) and obj.__module__ == F.__name__ and not name.startswith("_")]
    return (public_members(Tensor, "Tensor") + public_members(Value, "Value")
            + [f"autograd.{name}" for name in autograd.__all__] + functional
            + [f"nn.{name}" for name in nn.__all__ if _is_network_piece(getattr(nn, name))])


ENUMERATED = enumerate_public_api()
oracle.SWEEP["enumerated"] = len(ENUMERATED)
oracle.SWEEP["with_spec"] = len(set(ENUMERATED) & set(SPECS))


def test_every_public_function_has_an_oracle_or_a_reason():
    enumerated = set(ENUMERATED)
    missing = sorted(enumerated - set(SPECS) - set(NOT_DIFFERENTIABLE))
    both = sorted(set(SPECS) & set(NOT_DIFFERENTIABLE))
    stale = sorted((set(SPECS) | set(NOT_DIFFERENTIABLE)) - enumerated)
    assert not missing, ("public functions with neither a PyTorch spec (SPECS) "
                         f"nor a reason (NOT_DIFFERENTIABLE): {missing}")
    assert not both, f"in both SPECS and NOT_DIFFERENTIABLE: {both}"
    assert not stale, f"table entries that are no longer public functions: {stale}"


def test_the_enumeration_finds_what_it_should():
    # A guard on the enumeration itself: an empty or half list would make the test above pass vacuously.
    for name in ("Tensor.__add__", "Tensor.__rpow__", "Tensor.__getitem__", "Tensor.T", "Tensor.max",
                 "Value.weighted_sum", "Value.__lt__", "autograd.hvp", "F.softmax", "F.accuracy", "nn.MLP", "nn.XOR"):
        assert name in ENUMERATED, name
    assert "Tensor.__init__" not in ENUMERATED and "Tensor.grad" not in ENUMERATED  # constructors and slots aside


# ---- running a case here and in PyTorch -----------------------------------------------------
def _our_leaves(case, arrays, dtype):
    if case.scalar:
        return [Value(float(a)) for a in arrays]
    return [Tensor(np.array(a, dtype=dtype), requires_grad=True) for a in arrays]


def _torch_leaves(torch, arrays, dtype):
    return [torch.tensor(np.asarray(a), dtype=dtype, requires_grad=True) for a in arrays]


def _as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _array(x) -> np.ndarray:
    """The numbers of our result or gradient: a Tensor's array, a Value's float, or a plain array."""
    return np.asarray(x.data if isinstance(x, (Tensor, Value)) else x)


def _our_grad(leaf):
    if isinstance(leaf, Value):
        return np.asarray(_array(leaf.grad))
    return np.zeros_like(leaf.data) if leaf.grad is None else _array(leaf.grad)


def _torch_grad(leaf):
    return np.zeros(tuple(leaf.shape), dtype=np.float64) if leaf.grad is None else leaf.grad.detach().numpy()


def _backprop(outputs, weights, create_graph=False) -> None:
    """Send the upstream gradient `weights` back from each of our outputs (a Value takes its weight as a factor)."""
    for out, w in zip(outputs, weights):
        if isinstance(out, Value):
            (out * float(w)).backward(create_graph=create_graph)
        else:
            out.backward(w.astype(out.dtype), create_graph=create_graph)


def assert_close(ours, theirs, what, tolerance) -> None:
    oracle.record()
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, PyTorch {theirs.shape}"
    np.testing.assert_allclose(ours.astype(np.float64), theirs.astype(np.float64), equal_nan=True,
                               err_msg=what, **tolerance)


def check_against_torch(torch, case, arrays, dtype=np.float64) -> None:
    """Our outputs and every argument's gradient against PyTorch's, in `dtype`, for one set of arguments."""
    torch_dtype = torch.float64 if dtype == np.float64 else torch.float32
    value_tolerance = FLOAT32 if dtype == np.float32 else case.tolerance or FORWARD
    grad_tolerance = FLOAT32 if dtype == np.float32 else case.tolerance or GRADIENT
    at = f"{case.id} at {[np.round(a, 4).tolist() for a in arrays]}"
    leaves, torch_leaves = _our_leaves(case, arrays, dtype), _torch_leaves(torch, arrays, torch_dtype)
    outputs = _as_tuple(case.ours(*leaves))
    torch_outputs = _as_tuple(case.reference(torch, *torch_leaves))
    assert len(outputs) == len(torch_outputs), f"{at}: {len(outputs)} outputs, PyTorch {len(torch_outputs)}"
    for i, (out, torch_out) in enumerate(zip(outputs, torch_outputs)):
        if dtype == np.float32:
            assert _array(out).dtype == np.float32, f"{at}: output {i} has dtype {_array(out).dtype}"
        assert_close(_array(out), torch_out.detach().numpy(), f"{at}: output {i}", value_tolerance)
    if not case.differentiable:
        return
    weights = [output_weights(_array(out).shape) for out in outputs]
    _backprop(outputs, weights)
    reaching = [(o, torch.from_numpy(w).to(torch_dtype)) for o, w in zip(torch_outputs, weights) if o.requires_grad]
    torch.autograd.backward([o for o, _ in reaching], [w for _, w in reaching])
    for i, (leaf, torch_leaf) in enumerate(zip(leaves, torch_leaves)):
        ours = _our_grad(leaf)
        if dtype == np.float32 and not case.scalar:
            assert ours.dtype == np.float32, f"{at}: gradient of argument {i} has dtype {ours.dtype}"
        assert_close(ours, _torch_grad(torch_leaf), f"{at}: gradient of argument {i}", grad_tolerance)


def _seeded(case):
    """A generator seeded by the case, so each case draws the same points on every run."""
    return np.random.default_rng(zlib.crc32(case.id.encode()))


def _ids(cases):
    return [case.id for case in cases]


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_random_points_match_pytorch(case, torch):
    rng = _seeded(case)
    for _ in range(RANDOM_POINTS):
        check_against_torch(torch, case, case.draw(rng))


SPECIAL_CASES = [case for case in CASES if case.special]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0), inf - inf: NumPy warns, the values are checked
@pytest.mark.parametrize("case", SPECIAL_CASES, ids=_ids(SPECIAL_CASES))
def test_special_points_match_pytorch(case, torch):
    for arrays in case.special:
        check_against_torch(torch, case, arrays)


def test_elu_and_selu_of_nan_are_nan(torch):
    x = np.array([nan, 1.0, -1.0])
    for ours, theirs in ((F.elu, _F(torch).elu), (F.selu, _F(torch).selu)):
        assert_close(ours(Tensor(x)).data, theirs(torch.from_numpy(x)).numpy(), f"{ours.__name__} at {x}", FORWARD)
        assert math.isnan(ours(Value(nan)).data)


FLOAT32_CASES = [case for case in CASES if case.float32]


@pytest.mark.parametrize("case", FLOAT32_CASES, ids=_ids(FLOAT32_CASES))
def test_float32_stays_float32_and_matches_pytorch(case, torch):
    rng = _seeded(case)
    for _ in range(RANDOM_POINTS):
        check_against_torch(torch, case, [a.astype(np.float32) for a in case.draw(rng)], dtype=np.float32)


# ---- second order ----------------------------------------------------------------------------
def _inner(first, v):
    """<first gradient, v>, or None when the first gradient is a constant (its derivative is 0)."""
    if isinstance(first, Value):
        return first * float(v)
    if isinstance(first, Tensor) and first.requires_grad:
        return (first * v).sum()
    return None


def our_second_order(case, arrays, weights, directions):
    """The gradient of <d(sum w * out)/d args, v>: backward with create_graph, then backward again."""
    leaves = _our_leaves(case, arrays, np.float64)
    _backprop(_as_tuple(case.ours(*leaves)), weights, create_graph=True)
    terms = [t for t in (_inner(leaf.grad, v) for leaf, v in zip(leaves, directions)) if t is not None]
    for leaf in leaves:
        leaf.grad = 0.0 if isinstance(leaf, Value) else None
    if terms:
        sum(terms[1:], terms[0]).backward()
    return [_our_grad(leaf) for leaf in leaves]


def torch_second_order(torch, case, arrays, weights, directions):
    leaves = _torch_leaves(torch, arrays, torch.float64)
    outputs = _as_tuple(case.reference(torch, *leaves))
    firsts = torch.autograd.grad(outputs, leaves, [torch.from_numpy(w) for w in weights], create_graph=True,
                                 allow_unused=True)
    terms = [(g * torch.from_numpy(np.asarray(v))).sum() for g, v in zip(firsts, directions)
             if g is not None and g.requires_grad]
    if not terms:
        return [np.zeros(np.shape(a)) for a in arrays]
    seconds = torch.autograd.grad(sum(terms), leaves, allow_unused=True)
    return [np.zeros(np.shape(a)) if s is None else s.numpy() for a, s in zip(arrays, seconds)]


SECOND_ORDER_CASES = [case for case in CASES if case.second_order and case.differentiable]


@pytest.mark.parametrize("case", SECOND_ORDER_CASES, ids=_ids(SECOND_ORDER_CASES))
def test_second_order_matches_pytorch(case, torch):
    rng = _seeded(case)
    for _ in range(RANDOM_POINTS):
        arrays = case.draw(rng)
        outputs = _as_tuple(case.ours(*_our_leaves(case, arrays, np.float64)))
        weights = [output_weights(_array(out).shape) for out in outputs]
        directions = [rng.uniform(-1.0, 1.0, np.shape(a)) for a in arrays]
        ours = our_second_order(case, arrays, weights, directions)
        theirs = torch_second_order(torch, case, arrays, weights, directions)
        for i, (mine, reference) in enumerate(zip(ours, theirs)):
            assert_close(mine, reference, f"{case.id}: second order, argument {i}", case.tolerance or GRADIENT)


# ---- conventions that are not a value or a gradient -------------------------------------------
def test_mse_loss_refuses_predictions_and_targets_of_different_shapes():
    # (N, 1) against (N,) would broadcast to (N, N): a silent, classic bug.
    with pytest.raises(ShapeError):
        F.mse_loss(Tensor(np.zeros((4, 1)), requires_grad=True), Tensor(np.zeros(4)))


def test_max_over_an_empty_axis_raises_like_pytorch(torch):
    with pytest.raises(IndexError):  # "amax(): Expected reduction dim 1 to have non-zero size"
        torch.amax(torch.zeros((2, 0)), dim=1)
    with pytest.raises(ShapeError):
        Tensor(np.zeros((2, 0)), requires_grad=True).max(axis=1)


@pytest.mark.parametrize("x", [0.7, -1.3])
def test_transforms_on_plain_floats_match_pytorch(x, torch):
    leaf = torch.tensor(x, dtype=torch.float64)
    expected_grad = torch.autograd.functional.jacobian(smooth_scalar, leaf).item()
    expected_hessian = torch.autograd.functional.hessian(smooth_scalar, leaf).item()
    expected_hvp = torch.autograd.functional.hvp(smooth_scalar, leaf, torch.tensor(0.7, dtype=torch.float64))[1]
    value, derivative = value_and_grad(smooth_scalar)(x)
    for ours, theirs, what in ((grad(smooth_scalar)(x), expected_grad, "grad"),
                               (value, smooth_scalar(leaf).item(), "value_and_grad's value"),
                               (derivative, expected_grad, "value_and_grad's gradient"),
                               (hessian(smooth_scalar)(x), expected_hessian, "hessian"),
                               (hvp(smooth_scalar)(x, 0.7), expected_hvp.item(), "hvp")):
        assert isinstance(ours, float), f"{what} of a float gave {type(ours).__name__}"
        assert_close(ours, theirs, what, GRADIENT)
