"""Property tests for your own code: hypothesis strategies and gradient checks against central differences.

A test of an op, a layer or a loss you wrote yourself, in the style of JAX's `check_grads`::

    from hypothesis import given
    from autograd.testing import check_grads, tensors

    @given(tensors(shape=(3,)))
    def test_my_cube(x):
        check_grads(lambda t: my_cube(t).sum(), x)

Hypothesis searches for an input where backprop and the central difference disagree and
shrinks it to the smallest one it can find; the failure names the input, the element, both
gradients and that smallest input, and (where `viz` can draw) points at a picture of its graph
with both gradients on every edge. Needs hypothesis: `pip install 'scratchgrad[testing]'`.

Inputs are kept away from poles (log, division) and kinks (ReLU, ties of max) by default,
so that the central difference, which straddles a point by +-h, measures the same derivative
that backprop computes there: `reals`, `positives`, `away_from(points, margin)`.

Random expressions are *programs*: a list of steps, each applying an op to nodes chosen from
everything computed so far (leaves and earlier steps), so nodes get reused and graphs are
diamonds rather than trees. One interpreter runs a program on `Value`s, on `Tensor`s or on
`torch` tensors, so the same expression can be checked against the numerical derivative and
against PyTorch.
"""
from __future__ import annotations

import collections
import dataclasses
import functools
import operator
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

from . import backend
from .errors import GradcheckError
from .functional import _as_leaf, gradgradcheck
from .graph import grads_restored, no_grad, topological_order
from .numerical import _in_library_of, _weighted_output, gradcheck, numerical_grad
from .tensor import Tensor
from .value import Value, clear_grad

__all__ = [
    "reals", "positives", "away_from", "values", "arrays", "tensors", "shapes", "broadcastable_shapes",
    "programs", "tensor_program_inputs", "value_program_inputs", "Program", "ExpressionOp",
    "ELEMENTWISE_OPS", "VALUE_OPS", "TENSOR_OPS", "check_grads", "compare_node_gradients", "NodeGradients",
    "EdgeGradients", "HypothesisNotInstalledError", "BOUND", "MARGIN", "STEP",
]


class HypothesisNotInstalledError(ImportError):
    """autograd.testing's strategies need the `hypothesis` package, which is not installed."""


def _hypothesis():
    """(hypothesis.strategies, hypothesis.extra.numpy), imported on first use: autograd itself needs neither."""
    try:
        from hypothesis import strategies
        from hypothesis.extra import numpy as hypothesis_numpy
    except ImportError as err:
        raise HypothesisNotInstalledError(
            "autograd.testing's strategies need hypothesis, which is not installed: "
            "pip install 'scratchgrad[testing]' (or pip install 'hypothesis>=6.80')"
        ) from err
    return strategies, hypothesis_numpy


# ---- numbers ----------------------------------------------------------------
#: Inputs are drawn from [-BOUND, BOUND] unless asked otherwise: large enough to matter, small enough for exp.
BOUND = 3.0
#: How close an input may come to a pole or kink; large against the central-difference step STEP.
MARGIN = 0.1
#: Central-difference step: float64 rounding noise (~1e-16 / h) and truncation error (~h^2) both stay below 1e-9.
STEP = 1e-6


def reals(low: float = -BOUND, high: float = BOUND, specials=(), width: int = 64):
    """Finite floats in [low, high]; `specials` (e.g. a kink at 0.0) are drawn too, and often, when given."""
    st, _ = _hypothesis()
    floats = st.floats(low, high, allow_nan=False, allow_infinity=False, width=width)
    return st.one_of(st.sampled_from(tuple(specials)), floats) if specials else floats


def positives(low: float = MARGIN, high: float = BOUND, width: int = 64):
    """Floats in [low, high], away from 0: for log, powers with real exponents, and the like."""
    return reals(low, high, width=width)


def away_from(points, margin: float = MARGIN, low: float = -BOUND, high: float = BOUND, width: int = 64):
    """Floats in [low, high] at least `margin` from each of `points` (the kinks and poles of what you test).

    `away_from([0.0])` keeps ReLU off its kink and 1/x off its pole.
    """
    st, _ = _hypothesis()
    gaps = [(low, high)]
    for point in points:  # each point cuts its (point - margin, point + margin) out of every gap
        gaps = [(a, b) for gap_low, gap_high in gaps
                for a, b in ((gap_low, min(gap_high, point - margin)), (max(gap_low, point + margin), gap_high))
                if a <= b]
    if not gaps:
        raise ValueError(f"no float in [{low}, {high}] is {margin} away from all of {list(points)}: "
                         "make the margin smaller or the range wider")
    return st.one_of(*(reals(a, b, width=width) for a, b in gaps))


def values(elements=None, name: str | None = None):
    """`Value` leaves whose numbers come from `elements` (default `reals()`)."""
    return (reals() if elements is None else elements).map(lambda x: Value(x, name=name))


# ---- shapes, arrays and tensors -----------------------------------------------
def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4):
    """Array shapes, 0-d to 3-d with sides 1 to 4 unless asked otherwise."""
    _, hnp = _hypothesis()
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3, max_side: int = 4):
    """`num_shapes` shapes that broadcast together: draws have `.input_shapes` and `.result_shape`."""
    _, hnp = _hypothesis()
    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims,
                                             max_side=max_side)


def arrays(shape, elements=None, dtype="float64"):
    """NumPy arrays of `shape` (a shape or a strategy for one) with elements from `elements` (default `reals()`)."""
    _, hnp = _hypothesis()
    dtype = np.dtype(dtype)
    if elements is None:
        elements = reals(width=8 * dtype.itemsize)
    return hnp.arrays(dtype, shape, elements=elements)


def tensors(shape=None, dtype="float64", elements=None, requires_grad: bool = True, name: str | None = None,
            library=None, device=None):
    """`Tensor` leaves (requiring grad unless asked otherwise) of `shape` (a shape, a strategy for one, or
    None for any of `shapes()`), elements from `elements` (default `reals()`), in NumPy or in `library`
    ("torch", "cupy", "array_api_strict", a module: anything `Tensor.to` takes) on `device`."""
    shape = shapes() if shape is None else shape

    def tensor(array):
        data = array if library is None else backend.move(array, library, device)
        return Tensor(data, requires_grad=requires_grad, name=name, dtype=dtype)

    return arrays(shape, elements, dtype).map(tensor)


# ---- gradient checks --------------------------------------------------------
def check_grads(f: Callable, *inputs, order: int = 1, rtol: float = 1e-5, atol: float | None = None,
                eps: float = STEP, seed: int = 0, picture=True) -> None:
    """Check backprop's derivatives of `f(*inputs)` against central differences (JAX's `check_grads`).

    `inputs` are `Value`s, `Tensor`s (float64, of any array library), floats or arrays (made into
    leaves that require grad). `f` returns a `Value` or a `Tensor`; a non-scalar output is folded
    into one number with fixed random weights, so every output element is checked. `order=2` also
    checks second derivatives (the gradient of <grad f, v> for fixed random directions v).

    `atol=None` scales the tolerance to the output's magnitude: each evaluation of f is off by a few
    units in the last place of its terms, and dividing by the step magnifies that by 1/eps.

    Returns None, or raises `GradcheckError` naming the input, the element, backprop's and the
    numerical gradient, and the inputs (the smallest failing ones, when hypothesis shrank a failure).
    With `picture` (True: into a temporary folder; or a path) and where `viz` can draw, that last
    failing graph is drawn with both gradients on every edge and the wrong ones marked.
    """
    if order not in (1, 2):
        raise ValueError(f"check_grads checks first (order=1) or first and second (order=2) derivatives; "
                         f"got order={order!r}")
    leaves = [_as_leaf(x) for x in inputs]
    if atol is None:
        atol = _scaled_atol(f, leaves, eps, seed)
    try:
        gradcheck(f, *leaves, eps=eps, atol=atol, rtol=rtol, seed=seed)
    except GradcheckError as err:
        raise GradcheckError(_failure_message(f, leaves, 1, err, picture, eps, atol, rtol, seed)) from None
    if order == 2:
        try:
            gradgradcheck(_folded(f, leaves, seed), *leaves, eps=eps, atol=atol, rtol=rtol, seed=seed)
        except GradcheckError as err:
            raise GradcheckError(_failure_message(f, leaves, 2, err, picture, eps, atol, rtol, seed)) from None


def _output_weights(out, seed: int):
    """The fixed weights `gradcheck` folds a non-scalar output with (None for one number)."""
    if isinstance(out, Tensor) and out.size != 1:
        return np.random.default_rng(seed).uniform(0.5, 1.5, size=out.shape)
    return None


def _scaled_atol(f, leaves, eps: float, seed: int) -> float:
    """Absolute error allowed in a central difference of f, whose (weighted) terms add up to some magnitude."""
    with no_grad():
        out = f(*leaves)
    data = out.data if isinstance(out, (Value, Tensor)) else out
    numbers_out = np.abs(backend.to_numpy(data) if backend.is_other_library_array(data) else np.asarray(data))
    weights = _output_weights(out, seed)
    magnitude = float(np.sum(numbers_out if weights is None else numbers_out * weights))
    return 1e-8 + 1e-14 * magnitude / eps


def _folded(f, leaves, seed: int):
    """f with a non-scalar output folded into one number (second derivatives need a scalar function)."""
    with no_grad():
        weights = _output_weights(f(*leaves), seed)
    if weights is None:
        return f

    def folded(*xs):
        out = f(*xs)
        return (out * Tensor(backend.move(weights, backend.namespace_of(out.data), out.device),
                             dtype=out.dtype)).sum()

    return folded


def _failure_message(f, leaves, order, err, picture, eps, atol, rtol, seed) -> str:
    what = "gradient" if order == 1 else "second derivative (gradient of <grad f, v>)"
    lines = [f"check_grads({_function_name(f)}): the {what} is wrong: {err}",
             "inputs of this check (when hypothesis shrank a failure: the smallest failing inputs):"]
    lines += [f"  input {position}: {leaf!r}" for position, leaf in enumerate(leaves)]
    if order == 1 and _is_final_example():  # while hypothesis still shrinks, the search for the culprit waits
        suspects = compare_node_gradients(f, *leaves, eps=eps, atol=atol, rtol=rtol, seed=seed).suspects
        if suspects:
            ops = " or ".join(sorted({repr(node.op) for node in suspects}))
            lines.append(f"backprop and the numerical gradient agree on the output of op {ops} and disagree on "
                         "its inputs: look at that op's backward")
        path = _draw_failure(f, leaves, picture, eps, atol, rtol, seed)
        if path is not None:
            lines.append(f"picture of this graph, backprop and numerical gradient on every edge, wrong ones marked: "
                         f"{path}")
    return "\n".join(lines)


def _function_name(f) -> str:
    return getattr(f, "__name__", type(f).__name__)


def _is_final_example() -> bool:
    """False while hypothesis is still shrinking a failure (its last replay is the smallest input); else True."""
    try:
        from hypothesis.control import current_build_context
        from hypothesis.errors import InvalidArgument
    except ImportError:
        return True
    try:
        return current_build_context().is_final
    except InvalidArgument:  # not inside a hypothesis test: every failure is worth a picture
        return True


def _draw_failure(f, leaves, picture, eps, atol, rtol, seed):
    """Where the failing graph's picture went, or None (not asked for, or no viz)."""
    if picture is False or picture is None:
        return None
    try:
        import viz  # optional here: autograd never needs viz, but a failure reads better with a picture
    except ImportError:
        return None
    if picture is True:
        file_name = re.sub(r"[^A-Za-z0-9_]+", "_", _function_name(f)).strip("_") or "f"
        picture = Path(tempfile.gettempdir()) / "scratchgrad-check-grads" / f"{file_name}.png"
    try:
        return viz.render_gradcheck(f, *leaves, path=picture, eps=eps, atol=atol, rtol=rtol, seed=seed)
    except viz.GraphvizNotFoundError as missing:
        return missing.dot_source_path  # no `dot`: the DOT source, which any Graphviz viewer opens


class EdgeGradients(NamedTuple):
    """What came back along one edge: backprop's share, the numerical share (None where it cannot be
    measured), and the index of the worst wrong element (None when the two agree)."""

    backprop: object
    numerical: object
    wrong: tuple | None


@dataclass
class NodeGradients:
    """Backprop's and the numerical gradient of one check, for every node of the graph that wants a gradient,
    and for every edge into a node.

    `root`: the output of f, whose graph the nodes are (constants left out). `backprop[node]` and
    `numerical[node]`: d(folded output)/d node, as floats or NumPy arrays; `numerical` is None for an
    intermediate `Value` other than the output (its op cannot be rerun alone). `wrong[node]`: the worst element's index
    (() for a number) where the two disagree beyond atol + rtol * |numerical|.
    `edges[(consumer, position)]`: an `EdgeGradients` for the edge from `consumer.parents[position]` into
    `consumer`, the share of the gradient that came back through that one use (a value's gradient is the
    sum of its edges' shares). Its numerical share is measured by rerunning the consumer's op with only
    that input nudged; into a `Value` op it is known only where the value has that one use.
    """

    root: object
    backprop: dict = dataclasses.field(default_factory=dict)
    numerical: dict = dataclasses.field(default_factory=dict)
    wrong: dict = dataclasses.field(default_factory=dict)
    edges: dict = dataclasses.field(default_factory=dict)

    @property
    def suspects(self) -> list:
        """The ops whose backward to look at: nodes whose own gradient is right while the share they send
        back along an edge is wrong. A node without a numerical gradient (an intermediate `Value`) is not judged."""
        return [node for node in self.backprop if node not in self.wrong and self.numerical[node] is not None
                and any(self.edges[node, position].wrong is not None
                        for position in range(len(node.parents)) if (node, position) in self.edges)]


def compare_node_gradients(f: Callable, *inputs, eps: float = STEP, atol: float = 1e-5, rtol: float = 1e-3,
                           seed: int = 0) -> NodeGradients:
    """Backprop's and the numerical gradient at every node and on every edge of f's graph, and where they disagree.

    Leaves (the inputs, and any weights f closes over) are nudged and f is run again, as `gradcheck`
    does; an intermediate `Tensor` is nudged and only the ops after it are rerun; an edge's share is
    measured by nudging its input for that one op. A wrong backward shows where the two part: on the
    edges into the op whose backward is wrong (`suspects`). The inputs' and weights' own `.grad` are
    left as they were.
    """
    leaves = [_as_leaf(x) for x in inputs]
    out = f(*leaves)
    weights = _output_weights(out, seed)
    order = topological_order(out)
    # Leaves that come back when f runs again are inputs or weights; the others are constants f makes anew
    # each call (the 2 in x * 2), which no nudge of ours reaches.
    kept_leaves = {node for node in topological_order(f(*leaves)) if not node.parents}
    result = NodeGradients(out)
    edge_shares = {}
    with grads_restored(out):  # every node's old gradient comes back: the inputs', and weights' f closes over
        for node in order:
            clear_grad(node)
        if isinstance(out, Value):
            out.backward()
        elif out.requires_grad:
            out.backward(None if weights is None else _in_library_of(out, weights))
        for node in order:
            if (isinstance(node, Tensor) and not node.requires_grad) or not (node.parents or node in kept_leaves):
                continue  # a constant: nobody asked for its gradient
            result.backprop[node] = _host_gradient(node)
            if node.parents:
                edge_shares.update(((node, position), share) for position, share in enumerate(_shares(node)))
    for node, analytic in result.backprop.items():
        if not node.parents:
            numeric = numerical_grad(lambda _: _weighted_output(f(*leaves), weights), node, h=eps)
        elif isinstance(node, Tensor):
            numeric = numerical_grad(_nudging_node(node, order, weights), backend.to_numpy(node.data), h=eps)
        elif node is out:
            numeric = 1.0  # d out / d out: the output moves by exactly its own nudge
        else:
            numeric = None
        result.numerical[node] = numeric
        worst = _worst_mismatch(analytic, numeric, atol, rtol)
        if worst is not None:
            result.wrong[node] = worst
    uses = collections.Counter(consumer.parents[position] for consumer, position in edge_shares)
    for (consumer, position), share in edge_shares.items():
        parent = consumer.parents[position]
        if parent not in result.backprop:
            continue  # a constant's edge carries no gradient
        if isinstance(consumer, Tensor):
            numeric = numerical_grad(_nudging_one_use(consumer, position, order, weights),
                                     backend.to_numpy(parent.data), h=eps)
        else:
            numeric = result.numerical[parent] if uses[parent] == 1 else None  # one use: the share is the whole
        result.edges[consumer, position] = EdgeGradients(share, numeric, _worst_mismatch(share, numeric, atol, rtol))
    return result


def _host_gradient(node):
    """node.grad as a float (Value) or a float64 NumPy array (zeros where backprop sent nothing)."""
    if isinstance(node, Value):
        return float(node.grad.data if isinstance(node.grad, Value) else node.grad)
    if node.grad is None:
        return np.zeros(node.shape)
    return np.asarray(backend.to_numpy(node.grad), dtype=np.float64)


def _shares(node) -> list:
    """What backprop sent from `node` to each of its parents (its op's rule on node's gradient), on the host."""
    if isinstance(node, Value):
        return [local * _host_gradient(node) for local in node.local_grads]
    if node.grad is None:
        return [np.zeros(parent.shape) for parent in node.parents]
    sent = node._op.backward(node._ctx, node.grad, *[parent.data for parent in node.parents], node.data)
    return [np.zeros(parent.shape) if share is None else np.asarray(backend.to_numpy(share), dtype=np.float64)
            for parent, share in zip(node.parents, sent)]


def _on_device_of(node: Tensor, array: np.ndarray) -> Tensor:
    """`array` (NumPy numbers being nudged) as a Tensor in `node`'s array library, on its device."""
    xp = backend.namespace_of(node.data)
    return Tensor._wrap(array if xp is backend.numpy_namespace else backend.move(array, xp, node.device))


def _output_after(order: list, changed: dict, weights):
    """The folded output once the nodes in `changed` (node -> Tensor) hold other numbers: only the ops
    after them run again."""
    with no_grad():
        for node in order:
            if node not in changed and any(parent in changed for parent in node.parents):
                changed[node] = node._op(*[changed.get(parent, parent) for parent in node.parents])
    root = order[-1]
    return _weighted_output(changed.get(root, root), weights)


def _nudging_node(node: Tensor, order: list, weights):
    """The folded output as a function of `node`'s numbers (a NumPy array)."""
    return lambda array: _output_after(order, {node: _on_device_of(node, array)}, weights)


def _nudging_one_use(consumer: Tensor, position: int, order: list, weights):
    """The folded output as a function of the numbers `consumer` reads at `position` (its other uses keep theirs)."""
    def output_at(array):
        operands = list(consumer.parents)
        operands[position] = _on_device_of(operands[position], array)
        with no_grad():
            return _output_after(order, {consumer: consumer._op(*operands)}, weights)

    return output_at


def _worst_mismatch(analytic, numeric, atol: float, rtol: float):
    """The index of the element furthest beyond atol + rtol * |numeric| (() for a number), or None if all agree."""
    if numeric is None:
        return None
    analytic, numeric = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    excess = np.where(np.isnan(excess), np.inf, excess)  # a nan gradient is wrong
    if not (excess > 0).any():
        return None
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), excess.shape))


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
#: `Program.assume_tame` rules out, and ReLU, whose kink it rules out.
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
        """Every node: the leaves, then one per step."""
        nodes = list(leaves)
        for name, operands in self.steps:
            op = self.ops[name]
            apply = op.torch_apply if torch and op.torch_apply else op.apply
            nodes.append(apply(*(nodes[i] for i in operands)))
        return nodes

    def output(self, leaves, torch: bool = False):
        """The sum of every step's node, so that each step counts (broadcast together for tensors)."""
        return functools.reduce(operator.add, self.run(leaves, torch)[self.num_leaves:])

    def assume_tame(self, leaves, away_from_kinks: bool = True) -> None:
        """Reject (hypothesis `assume`) draws whose values grow past 1e3, and, when asked,
        those that put a ReLU or max within 1e-3 of its kink."""
        from hypothesis import assume

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


def programs(ops: dict | None = None, num_leaves: int = 3, min_steps: int = 2, max_steps: int = 8):
    """Random expressions (`Program`s) over `num_leaves` inputs; each step's operands are any earlier nodes.

    `ops` is a table of `ExpressionOp`s (default `TENSOR_OPS`; `VALUE_OPS` for scalars); add your own
    op to a copy of a table to test it inside random graphs.
    """
    st, _ = _hypothesis()
    ops = TENSOR_OPS if ops is None else ops

    @st.composite
    def program(draw) -> Program:
        steps = []
        for step in range(draw(st.integers(min_steps, max_steps))):
            name = draw(st.sampled_from(sorted(ops)))
            available = num_leaves + step
            steps.append((name, tuple(draw(st.integers(0, available - 1)) for _ in range(ops[name].arity))))
        return Program(num_leaves, tuple(steps), ops)

    return program()


#: Inputs for random expressions: smaller than for single ops, as each input costs a numerical pass per element.
EXPRESSION_BOUND = 2.0


def tensor_program_inputs(num_leaves: int = 3, max_side: int = 3, ops: dict | None = None):
    """(program, list of NumPy input arrays with mutually broadcastable shapes)."""
    st, _ = _hypothesis()

    @st.composite
    def program_and_inputs(draw):
        drawn = draw(broadcastable_shapes(num_leaves, max_side=max_side))
        inputs = [draw(arrays(shape, reals(-EXPRESSION_BOUND, EXPRESSION_BOUND))) for shape in drawn.input_shapes]
        return draw(programs(ops, num_leaves)), inputs

    return program_and_inputs()


def value_program_inputs(num_leaves: int = 3, ops: dict | None = None):
    """(program, list of input floats)."""
    st, _ = _hypothesis()
    numbers_in = st.lists(reals(-EXPRESSION_BOUND, EXPRESSION_BOUND), min_size=num_leaves, max_size=num_leaves)
    return st.tuples(programs(VALUE_OPS if ops is None else ops, num_leaves), numbers_in)

