"""`Value`: one number that remembers how it was computed.

Every op computes, in its forward pass, the local derivative of its result with respect
to each input and keeps them on the result node (`local_grads`, aligned with `parents`),
as the book draws them on the edges of its computational graphs (ch. 5). Backward is then
one generic loop that multiplies local derivatives along the edges (the chain rule) and
needs no per-node closure.

Each op is one method and, right below it, its *rule*: rule(*inputs, out) -> the local
derivatives, written with plain arithmetic so that the same rule works on floats (the
ordinary forward pass) and on `Value` nodes (to build the derivative's own graph for
higher-order derivatives).

Floating-point faults follow IEEE like NumPy rather than raising: 1/0 = inf,
0/0 = nan, log(0) = -inf, log(-1) = nan, exp(1000) = inf, and a negative base to a
fractional power is nan (as in NumPy and PyTorch).
"""
from __future__ import annotations

import functools
import math
import numbers
import operator

import numpy as np

from .errors import AnomalyError, MixedNodeError
from .graph import _anomaly_mode, _grad_enabled, enable_grad, topological_order


# ---- float arithmetic that follows IEEE (Python's math raises where NumPy gives inf or nan) ----
def _ieee(numpy_function, *args) -> float:
    """Redo an operation Python's `math` refused (1/0, log(0), exp overflow) with NumPy's IEEE result."""
    with np.errstate(all="ignore"):
        return float(numpy_function(*(np.float64(a) for a in args)))


def _div(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        return _ieee(np.divide, a, b)


def _pow(base, exponent):
    if isinstance(base, Value) or isinstance(exponent, Value):
        return base ** exponent
    try:
        result = math.pow(base, exponent)
    except (ValueError, OverflowError, ZeroDivisionError):
        return _ieee(np.power, base, exponent)
    return result


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(x):
    if isinstance(x, Value):
        return x.log()
    if x > 0:
        return math.log(x)
    return _ieee(np.log, x)


def _sigmoid(x: float) -> float:
    # Two forms so that exp never overflows: exp(-x) for x >= 0, exp(x) otherwise.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


_new_node = object.__new__
_recording = _grad_enabled.get  # bound once: one attribute lookup fewer per node
# The module call whose forward is running: (a weak reference to the module, the call around it) or None;
# set by nn.Module.__call__. Each graph node made meanwhile keeps it as `made_in`, so viz.explore can fold
# the graph by module. A plain global, not a ContextVar: reading it is the only cost an op pays.
module_call = None


# ---- the makers of result nodes --------------------------------------------------------------
# One per arity, with the inputs spelled out: the rule gets the floats directly, with no tuple
# packing or *-unpacking on the path every x * y takes (BENCHMARKS.md has the cost of each).
def _unary_result(data: float, op: str, x: "Value", rule) -> "Value":
    """The node for a one-input `op`; records the graph only while grad is enabled."""
    out = _new_node(Value)
    out.data = data
    out.grad = 0.0
    out.name = None
    out.op = op
    if _recording():
        out.parents = (x,)
        out.local_grads = rule(x.data, data)
        out._rule = rule
        if module_call is not None:
            out.made_in = module_call
    else:
        out.parents = out.local_grads = ()
        out._rule = None
    return out


def _binary_result(data: float, op: str, a: "Value", b: "Value", rule) -> "Value":
    """The node for a two-input `op`; records the graph only while grad is enabled."""
    out = _new_node(Value)
    out.data = data
    out.grad = 0.0
    out.name = None
    out.op = op
    if _recording():
        out.parents = (a, b)
        out.local_grads = rule(a.data, b.data, data)
        out._rule = rule
        if module_call is not None:
            out.made_in = module_call
    else:
        out.parents = out.local_grads = ()
        out._rule = None
    return out


def result_node(data: float, op: str, parents: tuple, rule, parents_data) -> "Value":
    """The node for an op with any number of inputs: weighted_sum here, and how an op defined elsewhere
    (nn.functional's step and clip) joins a Value graph; `rule(*parents_data, data)` gives its local derivatives."""
    out = _new_node(Value)
    out.data = data
    out.grad = 0.0
    out.name = None
    out.op = op
    if _recording():
        out.parents = parents
        out.local_grads = rule(*parents_data, data)
        out._rule = rule
        if module_call is not None:
            out.made_in = module_call
    else:
        out.parents = out.local_grads = ()
        out._rule = None
    return out


class Value:
    """A scalar node of a computational graph.

    >>> apple = Value(100.0, name="apple")
    >>> price = apple * 2 * 1.1
    >>> price.backward()
    >>> round(apple.grad, 10)
    2.2

    `backward()` may be called more than once. Leaves (values you created) add
    each call's gradient to `.grad`, as in PyTorch, so zero them between steps;
    intermediate nodes always show the gradient of the latest call only.
    """

    # made_in: the module call that made this node (see `module_call`); unset outside any module's forward
    __slots__ = ("data", "grad", "name", "op", "parents", "local_grads", "_rule", "made_in", "__weakref__")
    __array_ufunc__ = None  # make NumPy hand `ndarray + Value` back to us instead of looping over elements

    def __init__(self, data, name: str | None = None):
        if type(data) is not float:
            data = _as_float(data)
        self.data = data
        self.grad = 0.0
        self.name = name
        self.op = ""
        self.parents = ()
        self.local_grads = ()
        self._rule = None

    # ---- arithmetic: each op, then its local derivatives -------------------------------------
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return _binary_result(self.data + other.data, "+", self, other, Value._add_rule)

    @staticmethod
    def _add_rule(a, b, out):
        return 1.0, 1.0

    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return _binary_result(self.data - other.data, "-", self, other, Value._sub_rule)

    @staticmethod
    def _sub_rule(a, b, out):
        return 1.0, -1.0

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return _binary_result(self.data * other.data, "*", self, other, Value._mul_rule)

    @staticmethod
    def _mul_rule(a, b, out):
        return b, a

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return _binary_result(_div(self.data, other.data), "/", self, other, Value._div_rule)

    @staticmethod
    def _div_rule(a, b, out):
        return _div(1.0, b), -_div(out, b)

    def __neg__(self):
        return _unary_result(-self.data, "neg", self, Value._neg_rule)

    @staticmethod
    def _neg_rule(a, out):
        return (-1.0,)

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            return _binary_result(_pow(self.data, exponent.data), "**", self, exponent, Value._pow_rule)
        exponent = _as_float(exponent)
        rule = functools.partial(Value._pow_const_rule, exponent)
        return _unary_result(_pow(self.data, exponent), f"**{exponent:g}", self, rule)

    @staticmethod
    def _pow_rule(base, exponent, out):
        # At base 0, as in PyTorch: 0^y is constant in x where y = 0 and in y where y >= 0, not 0 * inf = nan.
        d_base = 0.0 if float(base) == 0 and float(exponent) == 0 else exponent * _pow(base, exponent - 1)
        d_exponent = 0.0 if float(base) == 0 and float(exponent) >= 0 else out * _log(base)
        return d_base, d_exponent

    @staticmethod
    def _pow_const_rule(exponent, base, out):
        if exponent == 0:  # x**0 is constant; 0 * x**-1 would be nan at x = 0
            return (0.0,)
        return (exponent * _pow(base, exponent - 1),)

    def __radd__(self, other):
        return Value(other) + self

    def __rsub__(self, other):
        return Value(other) - self

    def __rmul__(self, other):
        return Value(other) * self

    def __rtruediv__(self, other):
        return Value(other) / self

    def __rpow__(self, base):
        return Value(base) ** self

    # ---- functions: each op, then its local derivative ----------------------------------------
    def exp(self):
        return _unary_result(_exp(self.data), "exp", self, Value._exp_rule)

    @staticmethod
    def _exp_rule(x, out):
        return (out,)  # e^x is its own derivative

    def log(self):
        return _unary_result(_log(self.data), "log", self, Value._log_rule)

    @staticmethod
    def _log_rule(x, out):
        return (_div(1.0, x),)

    def tanh(self):
        return _unary_result(math.tanh(self.data), "tanh", self, Value._tanh_rule)

    @staticmethod
    def _tanh_rule(x, out):
        return (1.0 - out * out,)

    def sigmoid(self):
        return _unary_result(_sigmoid(self.data), "sigmoid", self, Value._sigmoid_rule)

    @staticmethod
    def _sigmoid_rule(x, out):
        return (out * (1.0 - out),)

    def relu(self):
        x = self.data
        return _unary_result(0.0 if x <= 0 else x, "relu", self, Value._relu_rule)  # nan stays nan, as in NumPy

    @staticmethod
    def _relu_rule(x, out):
        return (0.0 if x <= 0 else 1.0,)  # as in PyTorch, a nan input passes its gradient on

    @staticmethod
    def weighted_sum(weights, inputs, bias=0.0) -> "Value":
        """w_1 x_1 + ... + w_n x_n + b as one node with 2n + 1 parents.

        A neuron's pre-activation as one fused node: 2n fewer nodes to build and
        walk than n products and n sums, and one circle in a picture.
        """
        if len(weights) != len(inputs):
            raise ValueError(
                f"weighted_sum needs as many weights as inputs; got {len(weights)} weights "
                f"and {len(inputs)} inputs"
            )
        parents = (*weights, *inputs, bias)
        # The type check rides in the comprehension that reads the floats (a separate pass costs more).
        parents_data = [p.data for p in parents if type(p) is Value]
        if len(parents_data) != len(parents):  # plain numbers (or Value subclasses) among them
            parents = tuple(v if isinstance(v, Value) else Value(v) for v in parents)
            parents_data = [p.data for p in parents]
        weights_data, inputs_data = parents_data[:len(weights)], parents_data[len(weights):-1]
        try:
            total = math.fsum(map(operator.mul, weights_data, inputs_data))  # exactly rounded, in any order
        except (OverflowError, ValueError):  # fsum refuses to overflow or to add inf - inf; IEEE gives inf or nan
            total = sum(map(operator.mul, weights_data, inputs_data))
        return result_node(total + parents_data[-1], "weighted_sum", parents, Value._weighted_sum_rule, parents_data)

    @staticmethod
    def _weighted_sum_rule(*inputs_and_out):
        # inputs are (w_1..w_n, x_1..x_n, b): d/dw_i = x_i, d/dx_i = w_i, d/db = 1.
        n = (len(inputs_and_out) - 2) // 2
        weights, inputs = inputs_and_out[:n], inputs_and_out[n:2 * n]
        return (*inputs, *weights, 1.0)

    # ---- comparisons (on the data; they record no graph) ------------------
    def __lt__(self, other):
        return self.data < (other.data if isinstance(other, Value) else other)

    def __le__(self, other):
        return self.data <= (other.data if isinstance(other, Value) else other)

    def __gt__(self, other):
        return self.data > (other.data if isinstance(other, Value) else other)

    def __ge__(self, other):
        return self.data >= (other.data if isinstance(other, Value) else other)

    def __float__(self):
        return self.data

    # ---- backward ---------------------------------------------------------
    def backward(self, create_graph: bool = False) -> None:
        """Set `grad` on every node this one depends on to d(self)/d(node).

        With `create_graph=True` the gradients are themselves `Value` nodes whose
        graph can be differentiated again (second and higher derivatives).
        """
        order = topological_order(self)
        for node in order:
            if node.parents:  # an intermediate keeps only the latest pass's gradient
                node.grad = 0.0
        self.grad += 1.0
        checking = _anomaly_mode.get()
        if checking:
            _check_finite(order, "data", "forward value")
        if create_graph:
            _backward_creating_graph(order)
        else:
            for node in reversed(order):
                upstream = node.grad
                for parent, local in zip(node.parents, node.local_grads):
                    parent.grad += local * upstream
        if checking:
            _check_finite(reversed(order), "grad", "gradient")

    def __repr__(self):
        name = f", name={self.name!r}" if self.name else ""
        # After backward(create_graph=True) the gradient is itself a Value: show its number.
        return f"Value(data={self.data:.6g}, grad={float(self.grad):.6g}{name})"


def clear_grad(node) -> None:
    """Forget the gradient of `node`, a Value or a Tensor: each kind starts at its own, 0.0 for a Value (its backward
    adds into it, micrograd's way) and None for a Tensor (no gradient yet, PyTorch's way)."""
    node.grad = 0.0 if isinstance(node, Value) else None


def _backward_creating_graph(order) -> None:
    """The chain-rule sweep of `backward`, done in `Value` arithmetic so that it records its own graph.

    Each node's local derivatives are recomputed by its rule on the parent nodes
    (not their floats), so no derivative rule is written twice.
    """
    with enable_grad():
        for node in reversed(order):
            if not node.parents:
                continue
            upstream = node.grad
            for parent, local in zip(node.parents, node._rule(*node.parents, node)):
                # Multiplying by a plain 1.0 would add a node that computes nothing.
                contribution = upstream if _is_one(local) else local if _is_one(upstream) else local * upstream
                parent.grad = contribution if _is_zero(parent.grad) else parent.grad + contribution


def _check_finite(nodes, attribute: str, what: str) -> None:
    """Raise AnomalyError at the first node (in the order given) whose data or grad is nan or inf."""
    for node in nodes:
        number = float(getattr(node, attribute))
        if not math.isfinite(number):
            made_by = f"op '{node.op}' on inputs {[p.data for p in node.parents]}" if node.parents else "a leaf"
            label = f" {node.name!r}" if node.name else ""
            raise AnomalyError(f"{what} of node{label} is {number} (made by {made_by})")


def _is_one(x) -> bool:
    return type(x) is float and x == 1.0


def _is_zero(x) -> bool:
    # Only a plain 0.0 may be dropped: a Value that happens to be 0 still carries a graph.
    return type(x) is float and x == 0.0


def _as_float(data) -> float:
    """Convert an int, bool or NumPy scalar to float; refuse anything that is not a real number."""
    if isinstance(data, (numbers.Real, np.bool_)):  # NumPy's bool, unlike Python's, is no numbers.Real
        return float(data)
    if isinstance(data, np.ndarray) and data.ndim == 0 and np.issubdtype(data.dtype, np.number) \
            and not np.iscomplexobj(data):
        return float(data)
    if isinstance(data, Value):
        raise TypeError("Value(...) got a Value; use it directly, or Value(v.data) for a new leaf")
    from .tensor import is_tensor  # tensor.py imports this module: here only for the error message

    if is_tensor(data):
        raise MixedNodeError(f"a Value got a Tensor of shape {data.shape} as data or as an operand; "
                             f"{MixedNodeError.advice}")
    if isinstance(data, np.ndarray):
        raise TypeError(
            f"Value holds one number but got an array of shape {data.shape}; use Tensor for arrays"
        )
    raise TypeError(
        f"Value holds a real number (int, float or NumPy scalar); got {type(data).__name__} {data!r}"
    )
