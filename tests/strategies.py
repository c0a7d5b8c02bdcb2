"""Hypothesis strategies and gradient checks shared by the engine's tests (and free for any test to import).

Inputs are kept away from poles (log, division) and kinks (ReLU, ties of max) so
that the central difference, which straddles a point by +-h, measures the same
derivative that backprop computes there.

Random expressions are *programs*: a list of steps, each applying an op to
nodes chosen from everything computed so far (leaves and earlier steps), so
nodes get reused and graphs are diamonds rather than trees. One interpreter runs
a program on `Value`s, on `Tensor`s or on `torch` tensors, which is what lets the
same expression be checked against the numerical derivative and against PyTorch.
"""
from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Callable

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd import Tensor, Value, numerical_grad

# ---- numbers ----------------------------------------------------------------
BOUND = 3.0
#: How close an input may come to a pole or kink; large against the step h = 1e-6 below.
MARGIN = 0.1


def reals(low: float = -BOUND, high: float = BOUND) -> st.SearchStrategy[float]:
    """Finite floats in [low, high]."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def positives(low: float = MARGIN, high: float = BOUND) -> st.SearchStrategy[float]:
    """Floats in [low, high], away from 0: for log, powers with real exponents, and the like."""
    return reals(low, high)


def nonzeros(margin: float = MARGIN, bound: float = BOUND) -> st.SearchStrategy[float]:
    """Floats with margin <= |x| <= bound: away from the pole of 1/x and the kink of ReLU."""
    return st.one_of(reals(-bound, -margin), reals(margin, bound))


#: Named input domains, for tables of ops.
DOMAINS = {"real": reals(), "positive": positives(), "nonzero": nonzeros()}


# ---- shapes and arrays --------------------------------------------------------
#: Two shapes that broadcast together (0-d to 3-d, sides up to 4): `.input_shapes`, `.result_shape`.
broadcastable_pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)

#: One shape, 0-d to 3-d, sides up to 4.
small_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


def float_arrays(shape, elements: st.SearchStrategy[float] = None, dtype=np.float64) -> st.SearchStrategy[np.ndarray]:
    """Arrays of `shape` (a shape or a strategy for one) with elements from `elements` (default `reals()`)."""
    return hnp.arrays(dtype, shape, elements=reals() if elements is None else elements)


def distinct_arrays(shape, gap: float = 0.01) -> st.SearchStrategy[np.ndarray]:
    """Arrays whose elements differ pairwise by at least `gap` (multiples of it in [-3, 3]): no near-ties for max."""
    steps = int(BOUND / gap)
    return hnp.arrays(np.float64, shape, elements=st.integers(-steps, steps).map(lambda k: k * gap), unique=True)


@st.composite
def matmul_operands(draw):
    """Left and right operands of every kind np.matmul takes: vectors, matrices, batches that broadcast."""
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    batches = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3))
    left = draw(st.sampled_from(["vector", "matrix", "batch"]))
    right = draw(st.sampled_from(["vector", "matrix", "batch"]))
    a_shape = {"vector": (k,), "matrix": (n, k), "batch": batches.input_shapes[0] + (n, k)}[left]
    b_shape = {"vector": (k,), "matrix": (k, m), "batch": batches.input_shapes[1] + (k, m)}[right]
    return draw(float_arrays(a_shape)), draw(float_arrays(b_shape))


def reduction_axes(ndim: int) -> st.SearchStrategy:
    """An `axis` argument valid for an array of `ndim` dimensions: None, an int (negative too) or a tuple."""
    if ndim == 0:
        return st.none()
    return st.one_of(st.none(), st.integers(-ndim, ndim - 1), hnp.valid_tuple_axes(ndim, min_size=1))


# ---- gradient checks --------------------------------------------------------
#: Central-difference step: float64 rounding noise (~1e-16 / h) and truncation error (~h^2) both stay below 1e-9.
STEP = 1e-6


def output_weights(shape) -> np.ndarray:
    """Fixed weights in [0.5, 1.5] that fold an output into one number so that every element counts differently."""
    return np.random.default_rng(12345).uniform(0.5, 1.5, size=shape)


def _tolerance(total_magnitude: float) -> float:
    """Absolute error allowed in a central difference of a function whose terms add up to `total_magnitude`.

    Each evaluation is off by a few ulps of the summed terms; dividing the
    difference by 2h magnifies that by 1/h.
    """
    return 1e-8 + 1e-14 * total_magnitude / STEP


def assert_tensor_grads_match_numerical(f: Callable, *arrays: np.ndarray, rtol: float = 1e-5) -> Tensor:
    """Backprop through `f(*tensors)` (all requiring grad) and compare every input's gradient with
    the central difference of sum(f(...) * weights). Returns the output for further checks."""
    leaves = [Tensor(np.array(a, dtype=np.float64), requires_grad=True, name=f"x{i}") for i, a in enumerate(arrays)]
    out = f(*leaves)
    weights = output_weights(out.shape)
    out.backward(weights)
    atol = _tolerance(float(np.sum(np.abs(out.data * weights))))
    for position, leaf in enumerate(leaves):
        def folded(nudged, position=position):
            inputs = [Tensor(nudged if j == position else a) for j, a in enumerate(arrays)]
            return np.sum(f(*inputs).data * weights)

        numeric = numerical_grad(folded, arrays[position], h=STEP)
        # An input the output does not depend on gets no gradient (None): the numerical one must then be 0.
        analytic = np.zeros(leaf.shape) if leaf.grad is None else leaf.grad
        assert analytic.shape == leaf.shape, f"input {position}: gradient shape {analytic.shape} != {leaf.shape}"
        np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol, err_msg=f"gradient of input {position}")
    return out


def assert_value_grads_match_numerical(f: Callable, *numbers: float, rtol: float = 1e-5) -> Value:
    """Backprop through `f(*values)` and compare each input's gradient with the central difference."""
    leaves = [Value(x) for x in numbers]
    out = f(*leaves)
    out.backward()
    atol = _tolerance(abs(out.data))
    for position, leaf in enumerate(leaves):
        def nudged_f(x, position=position):
            return f(*[Value(x if j == position else other) for j, other in enumerate(numbers)])

        numeric = numerical_grad(nudged_f, numbers[position], h=STEP)
        assert abs(leaf.grad - numeric) <= atol + rtol * abs(numeric), (
            f"gradient of input {position}: backprop {leaf.grad!r}, numerical {numeric!r}"
        )
    return out


# ---- random expressions -----------------------------------------------------
@dataclass(frozen=True)
class ExpressionOp:
    """One step of a random expression.

    `apply` works alike on `Value`, `Tensor` and `torch.Tensor` operands;
    `torch_apply` replaces it where torch spells the op differently. `kink_distance`
    (given the operands' data) says how far the step is from a point where it is
    not differentiable, so numerical checks can skip such draws.
    """

    arity: int
    apply: Callable
    torch_apply: Callable | None = None
    kink_distance: Callable | None = None


def _sum_last(a):
    return a.sum(-1, True) if a.ndim else a  # positional (axis, keepdims) reads the same in NumPy style and torch


def _max_last(a):
    return a.max(-1, True) if a.ndim else a


def _torch_max_last(a):
    return a.amax(-1, True) if a.ndim else a  # amax, like our max, shares the gradient among ties


def _top_two_gap(data) -> float:
    data = np.asarray(data)
    if data.ndim == 0 or data.shape[-1] < 2:
        return np.inf
    top = np.sort(data, axis=-1)
    return float(np.min(top[..., -1] - top[..., -2]))


#: Elementwise steps, valid for Value, Tensor and torch. Each is safe by construction
#: (denominators >= 1, logs of numbers >= 1, positive bases) except exp, whose overflow
#: `assume_tame` rules out, and ReLU, whose kink it rules out.
ELEMENTWISE_OPS = {
    "add": ExpressionOp(2, operator.add),
    "sub": ExpressionOp(2, operator.sub),
    "mul": ExpressionOp(2, operator.mul),
    "div": ExpressionOp(2, lambda a, b: a / (b * b + 1.0)),
    "pow": ExpressionOp(2, lambda a, b: (a * a + 0.5) ** b.tanh()),
    "neg": ExpressionOp(1, operator.neg),
    "square": ExpressionOp(1, lambda a: a ** 2),
    "cube": ExpressionOp(1, lambda a: a ** 3),
    "affine": ExpressionOp(1, lambda a: 2.5 * a - 1.0),
    "reciprocal": ExpressionOp(1, lambda a: 1.0 / (a * a + 1.0)),
    "from_constant": ExpressionOp(1, lambda a: 3.0 - 2.0 ** a),
    "exp": ExpressionOp(1, lambda a: a.exp()),
    "log": ExpressionOp(1, lambda a: (a * a + 1.0).log()),
    "tanh": ExpressionOp(1, lambda a: a.tanh()),
    "sigmoid": ExpressionOp(1, lambda a: a.sigmoid()),
    "relu": ExpressionOp(1, lambda a: a.relu(), kink_distance=lambda a: float(np.min(np.abs(a)))),
}

#: Steps for scalar `Value` expressions: the elementwise ones and the fused neuron sum.
VALUE_OPS = {
    **ELEMENTWISE_OPS,
    "weighted_sum": ExpressionOp(
        3,
        lambda a, b, c: Value.weighted_sum([a, b], [c, a], b),
        torch_apply=lambda a, b, c: a * c + b * a + b,
    ),
}

#: Steps for `Tensor` expressions: elementwise ones plus reductions that keep the
#: dimensions, so every node still broadcasts against every other.
TENSOR_OPS = {
    **ELEMENTWISE_OPS,
    "sum_last": ExpressionOp(1, _sum_last),
    "mean_all": ExpressionOp(1, lambda a: a.mean()),
    "max_last": ExpressionOp(1, _max_last, torch_apply=_torch_max_last, kink_distance=_top_two_gap),
}


@dataclass(frozen=True)
class Program:
    """A random expression: `steps` of (op name, operand positions) over `num_leaves` inputs."""

    num_leaves: int
    steps: tuple
    ops: dict

    def run(self, leaves, torch: bool = False) -> list:
        """Every node: the leaves, then one per step. The output is the sum of all step nodes."""
        nodes = list(leaves)
        for name, operands in self.steps:
            op = self.ops[name]
            apply = op.torch_apply if torch and op.torch_apply else op.apply
            nodes.append(apply(*(nodes[i] for i in operands)))
        return nodes

    def output(self, leaves, torch: bool = False):
        """The sum of every step's node, so that each step counts (broadcast together for tensors)."""
        return functools.reduce(operator.add, self.run(leaves, torch)[self.num_leaves:])

    def assume_tame(self, leaves, away_from_kinks: bool) -> None:
        """Reject (hypothesis `assume`) draws whose values grow past 1e3, and, when asked,
        those that put a ReLU or max within 1e-3 of its kink."""
        nodes = self.run(leaves)
        assume(all(np.all(np.abs(node.data) < 1e3) for node in nodes))
        if away_from_kinks:
            for name, operands in self.steps:
                kink = self.ops[name].kink_distance
                if kink is not None:
                    assume(kink(*(nodes[i].data for i in operands)) > 1e-3)

    def __repr__(self):
        names = [f"x{i}" for i in range(self.num_leaves)]
        for name, operands in self.steps:
            names.append(f"{name}({', '.join(names[i] for i in operands)})")
        return "Program(" + "; ".join(f"n{i} = {text}" for i, text in enumerate(names) if i >= self.num_leaves) + ")"


@st.composite
def programs(draw, ops: dict, num_leaves: int, min_steps: int = 2, max_steps: int = 8) -> Program:
    """A random expression over `num_leaves` inputs; each step's operands are any earlier nodes."""
    steps = []
    for step in range(draw(st.integers(min_steps, max_steps))):
        name = draw(st.sampled_from(sorted(ops)))
        available = num_leaves + step
        steps.append((name, tuple(draw(st.integers(0, available - 1)) for _ in range(ops[name].arity))))
    return Program(num_leaves, tuple(steps), ops)


#: Inputs for random expressions: smaller than for single ops, as each input costs a numerical pass per element.
EXPRESSION_ELEMENTS = reals(-2.0, 2.0)


@st.composite
def tensor_program_inputs(draw, num_leaves: int = 3, max_side: int = 3):
    """(program, list of input arrays with mutually broadcastable shapes)."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=num_leaves, min_dims=0, max_dims=3, max_side=max_side))
    arrays = [draw(float_arrays(shape, EXPRESSION_ELEMENTS)) for shape in shapes.input_shapes]
    return draw(programs(TENSOR_OPS, num_leaves)), arrays


@st.composite
def value_program_inputs(draw, num_leaves: int = 3):
    """(program, list of input floats)."""
    numbers = draw(st.lists(EXPRESSION_ELEMENTS, min_size=num_leaves, max_size=num_leaves))
    return draw(programs(VALUE_OPS, num_leaves)), numbers
