"""`Tensor`: a NumPy array that remembers how it was computed.

Every operation is a small `Op` subclass whose `forward` (on arrays) and `backward`
(a vector-Jacobian product) stand side by side. Backward rules use only operators
and methods that NumPy arrays and Tensors share (`*`, `@`, `.T`, `.sum`,
`.reshape`, `.transpose`, indexing) plus the helpers below that dispatch on the
type, so the same rule can later run on Tensors to differentiate a derivative.

Broadcasting is undone in backward by summing the gradient back to each input's
shape. Gradients are computed only for inputs that need them: a batch of data
never gets a gradient unless it asked for one.

Floating-point faults follow NumPy (IEEE): log(0) = -inf, 0/0 = nan, with NumPy's
RuntimeWarning.

A tensor's array is read-only, so no write can change what a recorded graph saved for
backward: `t.data[0] = 1` raises NumPy's "assignment destination is read-only". New
numbers come in through `t.data = array`, which counts as a change (the version goes
up), and backward refuses a graph whose inputs or outputs changed after it was recorded.
"""
from __future__ import annotations

import contextlib
import copy
import math
import numbers

import numpy as np

from .errors import AnomalyError, BackwardError, ShapeError
from .graph import _anomaly_mode, _grad_enabled, enable_grad, topological_order

_FLOAT_DTYPES = (np.float16, np.float32, np.float64)


# ---- helpers shared by the backward rules (arrays or Tensors) -------------
def _array_of(x):
    """The array behind x: backward rules read masks and counts from data, never from the graph."""
    return x.data if isinstance(x, Tensor) else x


def _sum_to_shape(grad, shape):
    """Undo broadcasting: sum `grad` over the axes that broadcasting added or stretched."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    stretched = tuple(i + extra for i, size in enumerate(shape) if size == 1 and grad.shape[i + extra] != 1)
    return grad.sum(axis=tuple(range(extra)) + stretched, keepdims=True).reshape(shape)


def _broadcast_to(grad, shape):
    if isinstance(grad, Tensor):
        return grad.broadcast_to(shape)
    return np.broadcast_to(grad, shape)


def _swap_last_two(x):
    axes = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
    return x.transpose(axes)


def _log(x):
    return x.log() if isinstance(x, Tensor) else np.log(x)


def _where(condition, x, y):
    """np.where for a backward rule: on Tensors it records the choice (for higher derivatives)."""
    if isinstance(y, Tensor):
        return Where(condition)(y._lift(x), y)
    return np.where(condition, x, y)


def _reduced_shape(shape, axis):
    """The shape a reduction over `axis` leaves with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))}
    return tuple(1 if i in axes else size for i, size in enumerate(shape))


class Op:
    """One differentiable operation.

    Subclasses define `forward(*arrays) -> array` and, beside it,
    `backward(grad, *inputs, out) -> one gradient per input` (None where
    `needs_input_grad` says no gradient is wanted). Calling an instance on
    tensors runs forward and records the result node.
    """

    symbol = "?"
    needs_input_grad: tuple = ()
    # True when backward returns only new arrays that nothing else holds: a leaf then keeps its
    # gradient as it is instead of copying it (W1's 784x50 gradient: 8 us of a 400 us MNIST step).
    fresh_gradients = False

    def __call__(self, *inputs) -> "Tensor":
        if self.needs_input_grad:  # this instance already backs a node: a reused op records a fresh copy
            fresh = copy.copy(self)
            fresh.needs_input_grad = ()
            return fresh(*inputs)
        try:
            data = self.forward(*[t._data for t in inputs])
        except ShapeError:
            raise
        except ValueError as err:
            shapes = ", ".join(str(t.shape) for t in inputs)
            raise ShapeError(f"{type(self).__name__} ('{self.symbol}') cannot take inputs of shapes {shapes}: {err}") from err
        if type(data) is not np.ndarray:  # full reductions and scalar indexing give NumPy scalars; keep .data an array
            data = np.asarray(data)
        data.flags.writeable = False  # what a graph saved for backward cannot be changed behind its back
        if _anomaly_mode.get():
            _check_finite(data, self, inputs, "forward result")
        out = Tensor._wrap(data)
        if _grad_enabled.get():
            needs = tuple(t.requires_grad for t in inputs)
            if True in needs:
                self.needs_input_grad = needs
                out.requires_grad = True
                out.parents = inputs
                out._op = self
                out._saved_versions = tuple(t._version for t in inputs)
        return out

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, grad, *inputs_and_out):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


# ---- elementwise arithmetic (with broadcasting) ----------------------------
class Add(Op):
    symbol = "+"

    def forward(self, a, b):
        return a + b

    def backward(self, g, a, b, out):
        need_a, need_b = self.needs_input_grad
        return (_sum_to_shape(g, a.shape) if need_a else None,
                _sum_to_shape(g, b.shape) if need_b else None)


class Sub(Op):
    symbol = "−"

    def forward(self, a, b):
        return a - b

    def backward(self, g, a, b, out):
        need_a, need_b = self.needs_input_grad
        return (_sum_to_shape(g, a.shape) if need_a else None,
                _sum_to_shape(-g, b.shape) if need_b else None)


class Mul(Op):
    symbol = "×"
    fresh_gradients = True

    def forward(self, a, b):
        return a * b

    def backward(self, g, a, b, out):
        need_a, need_b = self.needs_input_grad
        return (_sum_to_shape(g * b, a.shape) if need_a else None,
                _sum_to_shape(g * a, b.shape) if need_b else None)


class Div(Op):
    symbol = "÷"
    fresh_gradients = True

    def forward(self, a, b):
        return a / b

    def backward(self, g, a, b, out):
        need_a, need_b = self.needs_input_grad
        return (_sum_to_shape(g / b, a.shape) if need_a else None,
                _sum_to_shape(-g * out / b, b.shape) if need_b else None)


class Neg(Op):
    symbol = "−"
    fresh_gradients = True

    def forward(self, a):
        return -a

    def backward(self, g, a, out):
        return (-g,)


class PowConst(Op):
    """x ** c for a fixed number c."""

    fresh_gradients = True

    def __init__(self, exponent: float):
        self.exponent = exponent
        self.symbol = "x²" if exponent == 2 else f"x^{exponent:g}"

    def forward(self, a):
        return a ** self.exponent

    def backward(self, g, a, out):
        if self.exponent == 0:  # x**0 is constant; 0 * x**-1 would be nan at x = 0
            return (g * 0.0,)
        return (g * (self.exponent * a ** (self.exponent - 1)),)


class Pow(Op):
    """x ** y with a tensor exponent: d/dx = y x^(y-1), d/dy = x^y ln x.

    At base 0 the formulas give 0 * inf = nan where the derivative is plain: as in PyTorch,
    d/dx = 0 where x = 0 and y = 0, and d/dy = 0 where x = 0 and y >= 0 (0^y is constant there).
    """

    symbol = "**"
    fresh_gradients = True

    def forward(self, a, b):
        return a ** b

    def backward(self, g, a, b, out):
        need_a, need_b = self.needs_input_grad
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore"):  # the inf and nan at base 0 are masked out
            base_is_zero = _array_of(a) == 0
            if need_a:
                constant_in_x = base_is_zero & (_array_of(b) == 0)
                grad_a = _sum_to_shape(_where(constant_in_x, 0.0, g * b * a ** (b - 1)), a.shape)
            if need_b:
                constant_in_y = base_is_zero & (_array_of(b) >= 0)
                grad_b = _sum_to_shape(_where(constant_in_y, 0.0, g * out * _log(a)), b.shape)
        return grad_a, grad_b


# ---- elementwise functions ------------------------------------------------
class Exp(Op):
    symbol = "exp"
    fresh_gradients = True

    def forward(self, a):
        return np.exp(a)

    def backward(self, g, a, out):
        return (g * out,)


class Log(Op):
    symbol = "log"
    fresh_gradients = True

    def forward(self, a):
        return np.log(a)

    def backward(self, g, a, out):
        return (g / a,)


class Tanh(Op):
    symbol = "tanh"
    fresh_gradients = True

    def forward(self, a):
        return np.tanh(a)

    def backward(self, g, a, out):
        return (g * (1.0 - out * out),)


class Sigmoid(Op):
    """Fused for stability: exp(-|x|) never overflows, where 1/(1+exp(-x)) would at x = -1000."""

    symbol = "σ"
    fresh_gradients = True

    def forward(self, a):
        e = np.exp(-np.abs(a))
        r = 1.0 / (1.0 + e)
        return np.where(a >= 0, r, e * r)

    def backward(self, g, a, out):
        return (g * (out * (1.0 - out)),)


class Relu(Op):
    symbol = "ReLU"
    fresh_gradients = True

    def forward(self, a):
        return np.maximum(a, 0.0)

    def backward(self, g, a, out):
        return (g * ~(_array_of(a) <= 0),)  # not `> 0`: as in PyTorch, a nan input passes its gradient on


class Where(Op):
    """Pick from a where `condition` holds, else from b; the condition gets no gradient."""

    symbol = "where"
    fresh_gradients = True

    def __init__(self, condition):
        self.condition = np.asarray(condition, dtype=bool)

    def forward(self, a, b):
        return np.where(self.condition, a, b)

    def backward(self, g, a, b, out):
        need_a, need_b = self.needs_input_grad
        return (_sum_to_shape(g * self.condition, a.shape) if need_a else None,
                _sum_to_shape(g * ~self.condition, b.shape) if need_b else None)


# ---- matrix product ---------------------------------------------------------
class MatMul(Op):
    """a @ b for 1-D, 2-D and batched (N-D) operands, as `np.matmul`."""

    symbol = "@"

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(f"matmul needs at least 1-D operands; got {a.shape} @ {b.shape}; use * for scalars")
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise ShapeError(
                f"matmul {a.shape} @ {b.shape}: the last axis of the left ({a.shape[-1]}) must equal "
                f"the {'second-to-last' if b.ndim > 1 else 'only'} axis of the right "
                f"({b.shape[-2 if b.ndim > 1 else 0]}); transpose one of them?"
            )
        return a @ b

    def backward(self, g, a, b, out):
        need_a, need_b = self.needs_input_grad
        # Treat a 1-D left operand as a row and a 1-D right one as a column, as matmul does.
        a2 = a.reshape((1, a.shape[0])) if a.ndim == 1 else a
        b2 = b.reshape((b.shape[0], 1)) if b.ndim == 1 else b
        batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
        g2 = g.reshape(batch + (a2.shape[-2], b2.shape[-1]))
        grad_a = _sum_to_shape(g2 @ _swap_last_two(b2), a2.shape).reshape(a.shape) if need_a else None
        grad_b = _sum_to_shape(_swap_last_two(a2) @ g2, b2.shape).reshape(b.shape) if need_b else None
        return grad_a, grad_b


# ---- reductions -----------------------------------------------------------
class Sum(Op):
    symbol = "Σ"

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        return a.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, g, a, out):
        return (_broadcast_to(g.reshape(_reduced_shape(a.shape, self.axis)), a.shape),)


class Max(Op):
    """Largest element along `axis`. On ties the gradient is split evenly among the
    tied elements (as `torch.amax`), so it still sums to the upstream gradient."""

    symbol = "max"
    fresh_gradients = True

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        if 0 in [size for size, kept in zip(a.shape, _reduced_shape(a.shape, self.axis)) if kept == 1]:
            raise ShapeError(f"max over an axis of length 0 (shape {a.shape}, axis {self.axis}) has no value")
        return a.max(axis=self.axis, keepdims=self.keepdims)

    def backward(self, g, a, out):
        kept_shape = _reduced_shape(a.shape, self.axis)
        is_max = _array_of(a) == _array_of(out).reshape(kept_shape)
        share = is_max / is_max.sum(axis=self.axis, keepdims=True)
        return (_broadcast_to(g.reshape(kept_shape), a.shape) * share.astype(a.dtype, copy=False),)


# ---- shape ----------------------------------------------------------------
class Reshape(Op):
    symbol = "reshape"

    def __init__(self, shape):
        self.shape = shape

    def forward(self, a):
        return a.reshape(self.shape)

    def backward(self, g, a, out):
        return (g.reshape(a.shape),)


class Transpose(Op):
    symbol = "ᵀ"

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, a):
        return a.transpose(self.axes)

    def backward(self, g, a, out):
        if self.axes is None:
            return (g.transpose(),)
        # Undo with the inverse permutation; negative axes first made positive, or argsort would not invert them.
        return (g.transpose(tuple(np.argsort([axis % g.ndim for axis in self.axes]).tolist())),)


class BroadcastTo(Op):
    symbol = "broadcast"

    def __init__(self, shape):
        self.shape = shape

    def forward(self, a):
        return np.broadcast_to(a, self.shape)

    def backward(self, g, a, out):
        return (_sum_to_shape(g, a.shape),)


class GetItem(Op):
    """x[index] with slices, integers, masks and integer arrays."""

    symbol = "[]"
    fresh_gradients = True

    def __init__(self, index):
        self.index = index

    def forward(self, a):
        return a[self.index]

    def backward(self, g, a, out):
        return (_scatter_add(g, self.index, a.shape),)


class ScatterAdd(Op):
    """Zeros of `shape` with g added at `index` (repeated indices add up): the adjoint of indexing."""

    symbol = "scatter+"

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, g):
        result = np.zeros(self.shape, dtype=g.dtype)
        if _is_basic_index(self.index):
            result[self.index] = g  # slices and integers never repeat an element: plain assignment
        else:
            np.add.at(result, self.index, g)  # integer arrays may repeat: y[[0, 0]] sends two gradients to y[0]
        return result

    def backward(self, g, a, out):
        return (g[self.index],)


def _scatter_add(g, index, shape):
    if isinstance(g, Tensor):
        return ScatterAdd(index, shape)(g)
    return ScatterAdd(index, shape).forward(g)


def _is_basic_index(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, numbers.Integral)) for p in parts)


class Concatenate(Op):
    symbol = "concat"

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *arrays):
        return np.concatenate(arrays, axis=self.axis)

    def backward(self, g, *inputs_and_out):
        inputs = inputs_and_out[:-1]
        axis = self.axis % g.ndim
        grads, start = [], 0
        for x, needed in zip(inputs, self.needs_input_grad):
            stop = start + x.shape[axis]
            grads.append(g[(slice(None),) * axis + (slice(start, stop),)] if needed else None)
            start = stop
        return tuple(grads)


class Stack(Op):
    symbol = "stack"

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *arrays):
        return np.stack(arrays, axis=self.axis)

    def backward(self, g, *inputs_and_out):
        axis = self.axis % g.ndim
        return tuple(g[(slice(None),) * axis + (i,)] if needed else None
                     for i, needed in enumerate(self.needs_input_grad))


# ---- the Tensor -----------------------------------------------------------
_new_tensor = object.__new__


class Tensor:
    """An n-dimensional array node of a computational graph.

    `Tensor(data)` wraps `data` without copying when it already is a float array
    (as `np.asarray` does). Integers and booleans become float64; float16/32/64
    are kept. `requires_grad=True` marks a leaf whose gradient you want.

    `backward()` may be called more than once: leaves add each call's gradient
    to `.grad`, as in PyTorch; intermediate nodes show the latest call's only.
    """

    __slots__ = ("_data", "_version", "_saved_versions", "grad", "requires_grad", "name", "parents", "_op",
                 "__weakref__")
    __array_ufunc__ = None  # make NumPy hand `ndarray * Tensor` to Tensor.__rmul__

    def __init__(self, data, requires_grad: bool = False, name: str | None = None, dtype=None):
        self._data = _read_only(_as_float_array(data, dtype))
        self._version = 0
        self._saved_versions = ()
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self.parents = ()
        self._op = None

    @staticmethod
    def _wrap(array) -> "Tensor":
        """A fresh node around an array an op already produced (no validation, no copy)."""
        out = _new_tensor(Tensor)
        out._data = array
        out._version = 0
        out._saved_versions = ()
        out.grad = None
        out.requires_grad = False
        out.name = None
        out.parents = ()
        out._op = None
        return out

    def _lift(self, other) -> "Tensor":
        """Wrap a number or array as a constant in this tensor's dtype (so float32 stays float32)."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, numbers.Real) or (isinstance(other, np.ndarray) and other.dtype.kind in "biu"):
            return Tensor._wrap(np.asarray(other, dtype=self.data.dtype))
        return Tensor(other)

    # ---- properties -------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The array itself (not a copy), read-only: set `t.data = new_array` to change the numbers."""
        return self._data

    @data.setter
    def data(self, array) -> None:
        # A change: backward refuses any graph recorded with the old numbers.
        self._data = _read_only(_as_float_array(array, None))
        self._version += 1

    @property
    def op(self) -> str:
        """The symbol of the operation that made this tensor ('' for a leaf)."""
        return self._op.symbol if self._op is not None else ""

    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def T(self) -> "Tensor":
        return Transpose()(self)

    def __len__(self):
        return len(self.data)

    # ---- arithmetic -------------------------------------------------------
    def __add__(self, other):
        return Add()(self, self._lift(other))

    def __radd__(self, other):
        return Add()(self._lift(other), self)

    def __sub__(self, other):
        return Sub()(self, self._lift(other))

    def __rsub__(self, other):
        return Sub()(self._lift(other), self)

    def __mul__(self, other):
        return Mul()(self, self._lift(other))

    def __rmul__(self, other):
        return Mul()(self._lift(other), self)

    def __truediv__(self, other):
        return Div()(self, self._lift(other))

    def __rtruediv__(self, other):
        return Div()(self._lift(other), self)

    def __neg__(self):
        return Neg()(self)

    def __pow__(self, exponent):
        if isinstance(exponent, numbers.Real):
            return PowConst(float(exponent))(self)
        return Pow()(self, self._lift(exponent))

    def __rpow__(self, base):
        return Pow()(self._lift(base), self)

    def __matmul__(self, other):
        return MatMul()(self, self._lift(other))

    def __rmatmul__(self, other):
        return MatMul()(self._lift(other), self)

    # ---- functions --------------------------------------------------------
    def exp(self):
        return Exp()(self)

    def log(self):
        return Log()(self)

    def tanh(self):
        return Tanh()(self)

    def sigmoid(self):
        return Sigmoid()(self)

    def relu(self):
        return Relu()(self)

    def sum(self, axis=None, keepdims=False):
        return Sum(_normalize_axis(axis), keepdims)(self)

    def mean(self, axis=None, keepdims=False):
        axis = _normalize_axis(axis)
        count = math.prod(size for size, kept in zip(self.shape, _reduced_shape(self.shape, axis)) if kept == 1)
        return self.sum(axis, keepdims) * (1.0 / count if count else float("nan"))  # the mean of nothing is nan

    def max(self, axis=None, keepdims=False):
        """Largest element; on ties the gradient is shared evenly among the tied elements."""
        return Max(_normalize_axis(axis), keepdims)(self)

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return Reshape(tuple(shape))(self)

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return Transpose(tuple(axes) if axes else None)(self)

    def broadcast_to(self, shape):
        return BroadcastTo(tuple(shape))(self)

    def __getitem__(self, index):
        """x[index] with ints, slices, integer arrays (repeats add up in backward) and NumPy bool masks.

        A Tensor in the index is read as integer positions; masks must be NumPy bool
        arrays, since a Tensor holds floats and True/False would become 1/0.
        """
        return GetItem(_plain_index(index))(self)

    # ---- conversion -------------------------------------------------------
    def detach(self) -> "Tensor":
        """The same data as a new leaf outside the graph (no copy)."""
        return Tensor._wrap(self.data)

    def numpy(self) -> np.ndarray:
        """The array itself, read-only (`np.array(t.numpy())` for a copy you can write to)."""
        return self.data

    def item(self) -> float:
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element; this one has shape {self.shape}")
        return float(self.data.reshape(()))

    def __float__(self):
        return self.item()

    # ---- backward ---------------------------------------------------------
    def backward(self, grad=None, create_graph: bool = False) -> None:
        """Fill `.grad` of every tensor this one depends on (that requires grad) with d(self)/d(it).

        `grad` is the gradient of some final scalar with respect to this tensor; it
        may be left out only when this tensor has a single element (then it is 1).
        With `create_graph=True` the gradients are Tensors with a graph of their own,
        so they can be differentiated again; the backward rules then run on Tensors.
        """
        if not self.requires_grad:
            raise BackwardError(
                f"backward() on a tensor{_called(self)} of shape {self.shape} that does not require grad: "
                "no input of the computation had requires_grad=True (or it ran inside no_grad())"
            )
        if grad is None:
            if self.data.size != 1:
                raise BackwardError(
                    f"backward() without grad works only for a single-element output; this one{_called(self)} "
                    f"has shape {self.shape}: reduce it first (e.g. .sum()) or pass grad of shape {self.shape}"
                )
            grad = np.ones_like(self.data)
        elif not (create_graph and isinstance(grad, Tensor)):
            grad = np.asarray(_array_of(grad), dtype=self.data.dtype)
        if grad.shape != self.shape:
            raise BackwardError(
                f"backward(grad) needs grad of the output's shape {self.shape}; got shape {grad.shape}"
            )
        if create_graph and not isinstance(grad, Tensor):
            grad = Tensor._wrap(grad)
        order = topological_order(self)
        for node in order:
            if node.parents:  # an intermediate keeps only the latest pass's gradient
                node.grad = None
                _check_versions(node)
        _accumulate(self, grad)
        with enable_grad() if create_graph else contextlib.nullcontext():
            for node in reversed(order):
                if not node.parents or node.grad is None:
                    continue
                if create_graph:  # the same rules, fed nodes instead of arrays, record the derivative's graph
                    parent_grads = node._op.backward(node.grad, *node.parents, node)
                else:
                    parent_grads = node._op.backward(node.grad, *[p._data for p in node.parents], node._data)
                if _anomaly_mode.get():
                    for parent_grad in parent_grads:
                        if parent_grad is not None:
                            _check_finite(_array_of(parent_grad), node._op, node.parents, "backward gradients")
                owned = node._op.fresh_gradients and _all_distinct(parent_grads)
                for parent, parent_grad in zip(node.parents, parent_grads):
                    if parent_grad is not None:
                        _accumulate(parent, parent_grad, owned)

    def __repr__(self):
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20, prefix="Tensor(")
        extras = "".join([
            f", dtype={self.dtype}" if self.dtype != np.float64 else "",
            ", requires_grad=True" if self.requires_grad else "",
            f", name={self.name!r}" if self.name else "",
        ])
        return f"Tensor({body}{extras})"


def _all_distinct(grads) -> bool:
    """True when no array appears twice among one op's gradients (None aside)."""
    arrays = [id(g) for g in grads if g is not None]
    return len(set(arrays)) == len(arrays)


def _accumulate(node: Tensor, grad, owned: bool = False) -> None:
    """Add `grad` to node.grad; `owned`: grad is a new array of the node's own (see Op.fresh_gradients)."""
    total = grad if node.grad is None else node.grad + grad
    if isinstance(total, Tensor):  # create_graph: the gradient is a node of its own graph
        node.grad = total
    elif node.parents:
        node.grad = np.asarray(total)  # arithmetic on 0-d arrays gives NumPy scalars; .grad is always an array
    elif (total is grad and not (owned and total.base is None)) or type(total) is not np.ndarray \
            or total.dtype != node.data.dtype:
        # A leaf owns its gradient, an array in its own dtype (as in PyTorch): rules hand on views and
        # shared arrays (a + b gives both the same one), which an in-place edit of one .grad would corrupt.
        node.grad = np.array(total, dtype=node.data.dtype)
    else:
        node.grad = total


def _check_versions(node: Tensor) -> None:
    """Refuse to backprop through an op whose input or output was given new numbers after the op ran."""
    for position, (parent, saved) in enumerate(zip(node.parents, node._saved_versions)):
        if parent._version != saved:
            raise BackwardError(
                f"input {position}{_called(parent)} (shape {parent.shape}) of op '{node.op}' was changed in place "
                f"after the op used it (version {saved} -> {parent._version}), so its gradient would be wrong: "
                "run the forward pass again after changing it, or change a copy"
            )
    if node._version != 0:  # backward rules read the output too (exp's gradient is its output)
        raise BackwardError(
            f"the output{_called(node)} (shape {node.shape}) of op '{node.op}' was changed after the op made it "
            f"(version 0 -> {node._version}), so the gradients through it would be wrong: "
            "run the forward pass again, or change a copy (t.detach() shares the numbers, np.array(t.data) copies)"
        )


def _check_finite(array, op: Op, inputs, what: str) -> None:
    if not np.all(np.isfinite(array)):
        found = "nan" if np.isnan(array).any() else "inf"
        described = ", ".join(f"{t.shape}{_called(t)}" for t in inputs)
        raise AnomalyError(f"{type(op).__name__} ('{op.symbol}') gave {found} in its {what}; inputs: {described}")


def _called(t: Tensor) -> str:
    return f" {t.name!r}" if t.name else ""


def _normalize_axis(axis):
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def _plain_index(index):
    """Turn Tensors inside an index into integer arrays (a Tensor holds floats, so it cannot be a mask)."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Tensor):
        positions = index.data.astype(np.intp)
        if not np.array_equal(positions, index.data):
            raise IndexError(
                f"a Tensor used as an index must hold whole numbers; got {index.data.ravel()[:6]}... "
                "(for a boolean mask index with a NumPy bool array, e.g. x[x.data > 0])"
            )
        return positions
    return index


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view: the tensor's array is fixed, and the caller's own array stays writable."""
    view = array.view()
    view.flags.writeable = False
    return view


def _as_float_array(data, dtype) -> np.ndarray:
    """Validate and convert constructor input: numbers only; ints and bools become float64."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.type not in _FLOAT_DTYPES:
            raise TypeError(f"Tensor dtype must be float16, float32 or float64; got {dtype}")
    if isinstance(data, (str, bytes)) or data is None:
        raise TypeError(f"Tensor data must be numbers; got {type(data).__name__} {data!r}")
    try:
        array = np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"Tensor data must be a rectangular array of numbers; got {type(data).__name__}: {err}") from err
    kind = array.dtype.kind
    if kind in "biu":
        return array.astype(np.float64)
    if kind == "f":
        return array
    raise TypeError(
        f"Tensor data must be real numbers; got an array of dtype {array.dtype} "
        f"({'complex numbers' if kind == 'c' else 'not numbers'}) from {type(data).__name__}"
    )


def tensor(data, requires_grad: bool = False, name: str | None = None, dtype=None) -> Tensor:
    """Same as `Tensor(...)`: the spelling PyTorch users reach for."""
    return Tensor(data, requires_grad=requires_grad, name=name, dtype=dtype)


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (as `np.concatenate`; axis=None joins them flattened)."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if axis is None:
        return Concatenate(0)(*[t.reshape(-1) for t in tensors])
    return Concatenate(axis)(*tensors)


def stack(tensors, axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis (as `np.stack`)."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    return Stack(axis)(*tensors)


def where(condition, a, b) -> Tensor:
    """Elementwise `a if condition else b`; the gradient flows only to the chosen side."""
    if not isinstance(a, Tensor):  # a number takes the other side's dtype, so float32 stays float32
        a = b._lift(a) if isinstance(b, Tensor) else Tensor(a)
    return Where(_array_of(condition))(a, a._lift(b))
