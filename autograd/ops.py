"""The Tensor op table: every operation's forward and backward, side by side, each registered as
Tensor methods beside its class (`@tensor_method("exp")` makes `Exp` the method `t.exp()`).

The protocol is `Op`'s (tensor.py): `forward(ctx, *arrays)` computes the result, `backward(ctx, g,
*inputs, out)` the vector-Jacobian product, one gradient per input (None where
`ctx.needs_input_grad` says nobody wants it).

Each rule is one formula on `xp`, read as NumPy code with `xp` where NumPy code has `np`:
`xp = namespace_of(a)` is the namespace of the operands (NumPy, CuPy, PyTorch, Dask,
array_api_strict; see backend.py), and only the Python Array API standard's functions are used
(`xp.sum(x, axis=...)`, `xp.reshape`, `xp.permute_dims`), since a standard array has no `.sum()`
method. Under `create_graph=True` the rules are fed Tensors, whose namespace records ops, so the
same rule builds the derivative's own graph (higher derivatives); a rule that needs another op
calls it (`ScatterAdd(...)(g)`), which computes on arrays and records on Tensors.

Broadcasting is undone in backward by summing the gradient back to each input's shape.
Most ops are primitives; Affine, Sigmoid, Softplus, Softmax, LogSoftmax and
SoftmaxCrossEntropy are fused for speed or numerical stability, and say which.
The book's chapters are cited as "ch. N" (Saito, *Deep Learning from Scratch*).

To add an op: write its class here (or anywhere) with `forward` and `backward`, put
`@tensor_method("name")` above it for a Tensor method, and give it a case in the PyTorch sweep
(tests/test_oracle_sweep.py), which fails until it has one.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .backend import device_of, index_for, mask_for, move, namespace_of, resolve
from .errors import ShapeError
from .tensor import Op, Tensor, constant_like, tensor_method


# ---- helpers the rules share: each takes an array or a Tensor -------------------------------
def _sum_to_shape(grad, shape):
    """Undo broadcasting: sum `grad` over the axes that broadcasting added or stretched."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    stretched = tuple(i + extra for i, size in enumerate(shape) if size == 1 and grad.shape[i + extra] != 1)
    xp = namespace_of(grad)
    return xp.reshape(xp.sum(grad, axis=tuple(range(extra)) + stretched, keepdims=True), shape)


def _reduced_shape(shape, axis):
    """The shape a reduction over `axis` leaves with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))}
    return tuple(1 if i in axes else size for i, size in enumerate(shape))


def _stable_sigmoid(a):
    """1 / (1 + exp(-a)) through exp(-|a|), which never overflows (1 / (1 + exp(1000)) would)."""
    xp = namespace_of(a)
    e = xp.exp(-xp.abs(a))
    r = 1.0 / (1.0 + e)
    return xp.where(a >= 0, r, e * r)


def _softmax(a, axis):
    """Softmax of an array, with the maximum subtracted so exp cannot overflow."""
    if a.shape[axis] == 0:  # an empty axis: nothing to normalise, and max() has no value
        return a * 1.0
    xp = namespace_of(a)
    e = xp.exp(a - xp.max(a, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


# ---- elementwise arithmetic (with broadcasting) ----------------------------------------------
@tensor_method("__add__", reflected="__radd__")
class Add(Op):
    """a + b, broadcasting as NumPy does."""

    name = "+"

    def forward(self, ctx, a, b):
        return a + b

    def backward(self, ctx, g, a, b, out):
        need_a, need_b = ctx.needs_input_grad
        return (_sum_to_shape(g, a.shape) if need_a else None,
                _sum_to_shape(g, b.shape) if need_b else None)


@tensor_method("__sub__", reflected="__rsub__")
class Sub(Op):
    """a - b, broadcasting as NumPy does."""

    name = "-"

    def forward(self, ctx, a, b):
        return a - b

    def backward(self, ctx, g, a, b, out):
        need_a, need_b = ctx.needs_input_grad
        return (_sum_to_shape(g, a.shape) if need_a else None,
                _sum_to_shape(-g, b.shape) if need_b else None)


@tensor_method("__mul__", reflected="__rmul__")
class Mul(Op):
    """a * b, elementwise, broadcasting as NumPy does."""

    name = "*"

    def forward(self, ctx, a, b):
        return a * b

    def backward(self, ctx, g, a, b, out):
        need_a, need_b = ctx.needs_input_grad
        return (_sum_to_shape(g * b, a.shape) if need_a else None,
                _sum_to_shape(g * a, b.shape) if need_b else None)


@tensor_method("__truediv__", reflected="__rtruediv__")
class Div(Op):
    """a / b, elementwise, broadcasting as NumPy does (IEEE: 1 / 0 is inf)."""

    name = "/"

    def forward(self, ctx, a, b):
        return a / b

    def backward(self, ctx, g, a, b, out):
        need_a, need_b = ctx.needs_input_grad
        return (_sum_to_shape(g / b, a.shape) if need_a else None,
                _sum_to_shape(-g * out / b, b.shape) if need_b else None)


@tensor_method("__neg__")
class Neg(Op):
    """-a."""

    name = "neg"

    def forward(self, ctx, a):
        return -a

    def backward(self, ctx, g, a, out):
        return (-g,)


class PowConst(Op):
    """x ** c for a fixed number c; its name carries c ("**2", "**0.5")."""

    def __init__(self, exponent: float):
        self.exponent = exponent
        self.name = f"**{exponent:g}"

    def forward(self, ctx, a):
        return a ** self.exponent

    def backward(self, ctx, g, a, out):
        if self.exponent == 0:  # x**0 is constant; 0 * x**-1 would be nan at x = 0
            return (g * 0.0,)
        return (g * (self.exponent * a ** (self.exponent - 1)),)


@tensor_method("__rpow__")
def _rpow(x, base):
    return Pow()(constant_like(base, x), x)


@tensor_method("__pow__")
def _pow(x, exponent):
    """x ** exponent: a number gives PowConst (one input), a tensor Pow."""
    if isinstance(exponent, numbers.Real):
        return PowConst(float(exponent))(x)
    return Pow()(x, constant_like(exponent, x))


class Pow(Op):
    """x ** y with a tensor exponent: d/dx = y x^(y-1), d/dy = x^y ln x.

    At base 0 the formulas give 0 * inf = nan where the derivative is plain: as in PyTorch,
    d/dx = 0 where x = 0 and y = 0, and d/dy = 0 where x = 0 and y >= 0 (0^y is constant there).
    """

    name = "**"

    def forward(self, ctx, a, b):
        return a ** b

    def backward(self, ctx, g, a, b, out):
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        xp = namespace_of(g)
        with np.errstate(divide="ignore", invalid="ignore"):  # the inf and nan at base 0 are masked out
            base_is_zero = xp.equal(a, 0.0)
            if need_a:
                constant_in_x = base_is_zero & xp.equal(b, 0.0)
                grad_a = _sum_to_shape(xp.where(constant_in_x, 0.0, g * b * a ** (b - 1)), a.shape)
            if need_b:
                constant_in_y = base_is_zero & xp.greater_equal(b, 0.0)
                grad_b = _sum_to_shape(xp.where(constant_in_y, 0.0, g * out * xp.log(a)), b.shape)
        return grad_a, grad_b


# ---- elementwise functions ------------------------------------------------------------------
@tensor_method("exp")
class Exp(Op):
    """e ** x, elementwise; its derivative is itself."""

    name = "exp"

    def forward(self, ctx, a):
        return namespace_of(a).exp(a)

    def backward(self, ctx, g, a, out):
        return (g * out,)


@tensor_method("log")
class Log(Op):
    """The natural logarithm, elementwise (IEEE: log(0) is -inf)."""

    name = "log"

    def forward(self, ctx, a):
        return namespace_of(a).log(a)

    def backward(self, ctx, g, a, out):
        return (g / a,)


@tensor_method("tanh")
class Tanh(Op):
    """tanh(x), elementwise; its derivative is 1 - tanh(x) ** 2."""

    name = "tanh"

    def forward(self, ctx, a):
        return namespace_of(a).tanh(a)

    def backward(self, ctx, g, a, out):
        return (g * (1.0 - out * out),)


@tensor_method("sigmoid")
class Sigmoid(Op):
    """Fused for stability: exp(-|x|) never overflows, where 1/(1+exp(-x)) would at x = -1000."""

    name = "sigmoid"

    def forward(self, ctx, a):
        return _stable_sigmoid(a)

    def backward(self, ctx, g, a, out):
        return (g * (out * (1.0 - out)),)


@tensor_method("relu")
class Relu(Op):
    """max(x, 0), elementwise (ch. 3)."""

    name = "relu"

    def forward(self, ctx, a):
        return namespace_of(a).maximum(a, 0.0)

    def backward(self, ctx, g, a, out):
        # 0 where x <= 0; not `x > 0`: as in PyTorch, a nan input passes its gradient on. The mask as numbers
        # (the standard multiplies no booleans with floats), cheaper than a where() (BENCHMARKS.md, section 10).
        xp = namespace_of(g)
        return (g * xp.astype(~xp.less_equal(a, 0.0), g.dtype),)


class Step(Op):
    """The step function (ch. 3): 1 where x > 0, else 0.

    Its derivative is 0 everywhere it exists (it does not at x = 0), so backward sends a
    zero gradient: a network of steps cannot learn by gradient descent, which is why the
    book moves to the sigmoid.
    """

    name = "step"

    def forward(self, ctx, a):
        xp = namespace_of(a)
        return xp.where(a > 0, 1.0, xp.where(a <= 0, 0.0, a))  # nan is neither, and stays nan

    def backward(self, ctx, g, a, out):
        return (g * 0.0,)


class Softplus(Op):
    """log(1 + exp(x)), fused for stability: exp(x) overflows at x = 1000, logaddexp does not."""

    name = "softplus"

    def forward(self, ctx, a):
        return namespace_of(a).logaddexp(0.0, a)

    def backward(self, ctx, g, a, out):
        return (g * Sigmoid()(a),)  # d/dx log(1 + e^x) is the sigmoid


class Cast(Op):
    """x in another floating dtype; its gradient comes back in x's own."""

    name = "astype"

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, ctx, x):
        return namespace_of(x).astype(x, self.dtype)

    def backward(self, ctx, g, x, out):
        return (Cast(x.dtype)(g),)


class Where(Op):
    """Pick from a where `condition` holds, else from b; the condition gets no gradient."""

    name = "where"

    def __init__(self, condition):
        self.condition = condition  # a boolean array of the operands' library

    def forward(self, ctx, a, b):
        return namespace_of(a, b).where(self.condition, a, b)

    def backward(self, ctx, g, a, b, out):
        need_a, need_b = ctx.needs_input_grad
        xp = namespace_of(g)
        return (_sum_to_shape(xp.where(self.condition, g, 0.0), a.shape) if need_a else None,
                _sum_to_shape(xp.where(self.condition, 0.0, g), b.shape) if need_b else None)


def where(condition, a, b) -> Tensor:
    """Elementwise `a if condition else b`; the gradient flows only to the chosen side."""
    if not isinstance(a, Tensor):  # a number takes the other side's dtype, so float32 stays float32
        a = constant_like(a, b) if isinstance(b, Tensor) else Tensor(a)
    b = constant_like(b, a)
    condition = condition.data != 0 if isinstance(condition, Tensor) else mask_for(a.data, condition)
    return Where(condition)(a, b)


# ---- matrix products --------------------------------------------------------------------------
@tensor_method("__matmul__", reflected="__rmatmul__")
class MatMul(Op):
    """a @ b for 1-D, 2-D and batched (N-D) operands, as `np.matmul`."""

    name = "@"

    def forward(self, ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(f"matmul needs at least 1-D operands; got {a.shape} @ {b.shape}; use * for scalars")
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise ShapeError(
                f"matmul {a.shape} @ {b.shape}: the last axis of the left ({a.shape[-1]}) must equal "
                f"the {'second-to-last' if b.ndim > 1 else 'only'} axis of the right "
                f"({b.shape[-2 if b.ndim > 1 else 0]}); transpose one of them?"
            )
        return a @ b

    def backward(self, ctx, g, a, b, out):
        need_a, need_b = ctx.needs_input_grad
        # Treat a 1-D left operand as a row and a 1-D right one as a column, as matmul does.
        xp = namespace_of(g)
        a2 = xp.reshape(a, (1, a.shape[0])) if a.ndim == 1 else a
        b2 = xp.reshape(b, (b.shape[0], 1)) if b.ndim == 1 else b
        batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])  # shapes only: plain tuples
        g2 = xp.reshape(g, batch + (a2.shape[-2], b2.shape[-1]))
        grad_a = xp.reshape(_sum_to_shape(g2 @ xp.matrix_transpose(b2), a2.shape), a.shape) if need_a else None
        grad_b = xp.reshape(_sum_to_shape(xp.matrix_transpose(a2) @ g2, b2.shape), b.shape) if need_b else None
        return grad_a, grad_b


class Affine(Op):
    """x @ W + b as one node (the book's Affine layer, ch. 5), W of shape (in, out), b of shape (out,).

    Fused for speed: one node instead of two, and the bias gradient is one sum over the
    batch instead of a broadcast to undo. x may have any number of leading axes.
    """

    name = "affine"

    def forward(self, ctx, x, W, b):
        return namespace_of(x, W).matmul(x, W) + b

    def backward(self, ctx, g, x, W, b, out):
        need_x, need_W, need_b = ctx.needs_input_grad
        xp = namespace_of(g)
        rows = xp.reshape(g, (-1, W.shape[1]))  # every leading axis counts as a sample
        return (xp.matmul(g, W.T) if need_x else None,
                xp.matmul(xp.reshape(x, (-1, W.shape[0])).T, rows) if need_W else None,
                xp.sum(rows, axis=0) if need_b else None)


# ---- reductions -------------------------------------------------------------------------------
@tensor_method("sum")
class Sum(Op):
    """The sum over `axis` (an int, a tuple or a list of them; every axis by default)."""

    name = "sum"

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = tuple(axis) if isinstance(axis, list) else axis, keepdims

    def forward(self, ctx, a):
        return namespace_of(a).sum(a, axis=self.axis, keepdims=self.keepdims)

    def backward(self, ctx, g, a, out):
        xp = namespace_of(g)
        return (xp.broadcast_like(xp.reshape(g, _reduced_shape(a.shape, self.axis)), a),)


@tensor_method("mean")
def mean(x, axis=None, keepdims=False):
    """The average over `axis` (all elements by default): a sum times 1 / count."""
    axis = tuple(axis) if isinstance(axis, list) else axis
    count = math.prod(size for size, kept in zip(x.shape, _reduced_shape(x.shape, axis)) if kept == 1)
    return x.sum(axis, keepdims) * (1.0 / count if count else float("nan"))  # the mean of nothing is nan


@tensor_method("max")
class Max(Op):
    """Largest element along `axis`. On ties the gradient is split evenly among the
    tied elements (as `torch.amax`), so it still sums to the upstream gradient."""

    name = "max"

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = tuple(axis) if isinstance(axis, list) else axis, keepdims

    def forward(self, ctx, a):
        if 0 in [size for size, kept in zip(a.shape, _reduced_shape(a.shape, self.axis)) if kept == 1]:
            raise ShapeError(f"max over an axis of length 0 (shape {a.shape}, axis {self.axis}) has no value")
        return namespace_of(a).max(a, axis=self.axis, keepdims=self.keepdims)

    def backward(self, ctx, g, a, out):
        kept_shape = _reduced_shape(a.shape, self.axis)
        xp = namespace_of(g)
        # As numbers (the standard multiplies no booleans with floats), so ties can share the gradient.
        is_max = xp.astype(xp.equal(a, xp.reshape(out, kept_shape)), g.dtype)
        share = is_max / xp.sum(is_max, axis=self.axis, keepdims=True)
        return (xp.reshape(g, kept_shape) * share,)  # broadcasts g over each reduced axis


class Softmax(Op):
    """exp(x) / sum(exp(x)) along an axis, with the maximum subtracted first (no overflow at x = 1010).

    Fused for speed and stability: one node, and backward y * (g - sum(g * y)) needs only the output.
    """

    name = "softmax"

    def __init__(self, axis: int = -1):
        self.axis = axis

    def forward(self, ctx, a):
        return _softmax(a, self.axis)

    def backward(self, ctx, g, a, out):
        return (out * (g - namespace_of(g).sum(g * out, axis=self.axis, keepdims=True)),)


class LogSoftmax(Op):
    """log(softmax(x)) as x - max - log(sum(exp(x - max))): fused for stability (softmax can round to 0)."""

    name = "log_softmax"

    def __init__(self, axis: int = -1):
        self.axis = axis

    def forward(self, ctx, a):
        xp = namespace_of(a)
        if a.shape[self.axis] == 0:  # an empty axis: an empty result, as in NumPy and PyTorch
            return xp.asarray(a, copy=True)
        shifted = a - xp.max(a, axis=self.axis, keepdims=True)
        return shifted - xp.log(xp.sum(xp.exp(shifted), axis=self.axis, keepdims=True))

    def backward(self, ctx, g, a, out):
        xp = namespace_of(g)
        return (g - xp.exp(out) * xp.sum(g, axis=self.axis, keepdims=True),)


class SoftmaxCrossEntropy(Op):
    """Softmax followed by cross entropy, averaged over the batch (the book's Softmax-with-Loss, ch. 5).

    Fused for stability and speed: the log-softmax never takes log(0) and never overflows
    (logits of 1000 are fine), and the gradient is simply (softmax(x) - t) / N from the softmax
    forward kept, as the book's layer keeps y. `targets` are class labels (`labels=True`) or
    constant rows of probabilities.
    """

    name = "softmax_cross_entropy"

    def __init__(self, targets, labels: bool):
        self.targets, self.labels = targets, labels  # in the logits' array library

    def forward(self, ctx, logits):
        xp = namespace_of(logits, self.targets)
        shifted = logits - xp.max(logits, axis=1, keepdims=True)
        exps = xp.exp(shifted)
        totals = xp.sum(exps, axis=1, keepdims=True)
        ctx.saved = exps / totals  # the softmax, for backward
        log_probabilities = shifted - xp.log(totals)
        if self.labels:  # each row's number at its label (where a one-hot product would turn a -inf into nan)
            total = xp.sum(xp.pick_in_rows(log_probabilities, self.targets))
        else:
            total = xp.sum(self.targets * log_probabilities)
        return xp.asarray(-total / logits.shape[0], dtype=logits.dtype)

    def backward(self, ctx, g, logits, out):
        return (g * SoftmaxCrossEntropyGradient(self.targets, self.labels, ctx.saved)(logits),)


class SoftmaxCrossEntropyGradient(Op):
    """(softmax(x) * sum(t) - t) / N, the gradient of SoftmaxCrossEntropy, as an op of its own (for higher
    derivatives); it is (y - t) / N as the book says when each row of t sums to 1. Its forward takes the
    softmax that SoftmaxCrossEntropy's forward kept (backward checks that x has not changed since)."""

    name = "softmax_cross_entropy_gradient"

    def __init__(self, targets, labels: bool, probabilities):
        self.targets, self.labels, self.probabilities = targets, labels, probabilities

    def forward(self, ctx, logits):
        xp, batch = namespace_of(logits), logits.shape[0]
        if not self.labels:
            return (self.probabilities * xp.sum(self.targets, axis=1, keepdims=True) - self.targets) * (1.0 / batch)
        return (self.probabilities - xp.one_hot(self.targets, logits.shape[1], logits.dtype)) * (1.0 / batch)

    def backward(self, ctx, g, logits, out):
        # The Jacobian of softmax times the targets' row totals, over N: Softmax's own rule, on a softmax recorded anew.
        xp, probabilities = namespace_of(g), Softmax(axis=1)(logits)
        row_mass = 1.0 if self.labels else xp.sum(self.targets, axis=1, keepdims=True)
        return (probabilities * (g - xp.sum(g * probabilities, axis=1, keepdims=True)) * (row_mass / logits.shape[0]),)


# ---- shape ------------------------------------------------------------------------------------
@tensor_method("reshape")
class Reshape(Op):
    """The same numbers in another shape: `t.reshape(2, 3)` or `t.reshape((2, 3))`."""

    name = "reshape"

    def __init__(self, *shape):
        self.shape = tuple(shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape)

    def forward(self, ctx, a):
        return namespace_of(a).reshape(a, self.shape)

    def backward(self, ctx, g, a, out):
        return (namespace_of(g).reshape(g, a.shape),)


@tensor_method("transpose")
class Transpose(Op):
    """The axes in another order: `t.transpose(1, 0, 2)`; reversed when none are given (as NumPy's .T)."""

    name = "transpose"

    def __init__(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        self.axes = tuple(axes) if axes else None

    def forward(self, ctx, a):
        return namespace_of(a).permute_dims(a, self._permutation(a.ndim))

    def backward(self, ctx, g, a, out):
        # Undo with the inverse permutation; negative axes first made positive, or sorting would not invert them.
        permutation = self._permutation(g.ndim)
        return (namespace_of(g).permute_dims(g, tuple(sorted(range(g.ndim), key=permutation.__getitem__))),)

    def _permutation(self, ndim: int) -> tuple:
        return tuple(reversed(range(ndim))) if self.axes is None else tuple(axis % ndim for axis in self.axes)


Tensor.T = property(Transpose(), doc="The axes reversed (as NumPy's .T).")


@tensor_method("broadcast_to")
class BroadcastTo(Op):
    """The numbers repeated to `shape`, as NumPy broadcasts."""

    name = "broadcast_to"

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, ctx, a):
        return namespace_of(a).broadcast_to(a, self.shape)

    def backward(self, ctx, g, a, out):
        return (_sum_to_shape(g, a.shape),)


class GetItem(Op):
    """x[index] with slices, integers, masks and integer arrays."""

    name = "getitem"

    def __init__(self, index):
        self.index = index

    def forward(self, ctx, a):
        return namespace_of(a).pick(a, self.index)

    def backward(self, ctx, g, a, out):
        return (ScatterAdd(self.index, a.shape)(g),)


@tensor_method("__getitem__")
def _getitem(x, index):
    """x[index] with ints, slices, integer arrays (repeats add up in backward) and NumPy bool masks.

    A Tensor in the index is read as integer positions; masks must be NumPy bool
    arrays, since a Tensor holds floats and True/False would become 1/0.
    """
    parts = tuple(_positions(part) for part in index) if isinstance(index, tuple) else _positions(index)
    return GetItem(index_for(x.data, parts))(x)


def _positions(index):
    """A Tensor in an index as the integer positions it holds; anything else as it is."""
    if not isinstance(index, Tensor):
        return index
    xp = namespace_of(index.data)
    positions = xp.astype(index.data, xp.int64)
    if not bool(xp.all(positions == index.data)):
        raise IndexError(
            f"a Tensor used as an index must hold whole numbers; got {index.numpy().ravel()[:6]}... "
            "(for a boolean mask index with a NumPy bool array, e.g. x[x.data > 0])"
        )
    return positions


class ScatterAdd(Op):
    """Zeros of `shape` with g added at `index` (repeated indices add up): the adjoint of indexing."""

    name = "scatter_add"

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, ctx, g):
        return namespace_of(g).scatter_add(self.shape, self.index, g)

    def backward(self, ctx, g, a, out):
        return (GetItem(self.index)(g),)


class Concatenate(Op):
    name = "concatenate"

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, ctx, *arrays):
        return namespace_of(*arrays).concat(arrays, axis=self.axis)

    def backward(self, ctx, g, *inputs_and_out):
        inputs = inputs_and_out[:-1]
        axis = self.axis % g.ndim
        grads, start = [], 0
        for x, needed in zip(inputs, ctx.needs_input_grad):
            stop = start + x.shape[axis]
            grads.append(g[(slice(None),) * axis + (slice(start, stop), ...)] if needed else None)
            start = stop
        return tuple(grads)


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (as `np.concatenate`; axis=None joins them flattened)."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if axis is None:
        return Concatenate(0)(*[t.reshape(-1) for t in tensors])
    return Concatenate(axis)(*tensors)


class Stack(Op):
    name = "stack"

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, ctx, *arrays):
        return namespace_of(*arrays).stack(arrays, axis=self.axis)

    def backward(self, ctx, g, *inputs_and_out):
        axis = self.axis % g.ndim
        return tuple(g[(slice(None),) * axis + (i, ...)] if needed else None
                     for i, needed in enumerate(ctx.needs_input_grad))


def stack(tensors, axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis (as `np.stack`)."""
    return Stack(axis)(*[t if isinstance(t, Tensor) else Tensor(t) for t in tensors])


# ---- between array libraries ------------------------------------------------------------------
class To(Op):
    """A copy in another array library or on another device (`Tensor.to`): the one way across, since no
    op moves numbers by itself. Its gradient is the same copy the other way."""

    name = "to"

    def __init__(self, target, device=None):
        self.target, self.device = target, device

    def forward(self, ctx, a):
        ctx.saved = namespace_of(a), device_of(a)  # where the gradient goes back to
        return move(a, self.target, self.device)

    def backward(self, ctx, g, a, out):
        return (To(*ctx.saved)(g),)


@tensor_method("to")
def _to(x, target, device=None) -> Tensor:
    """This tensor in another array library or on another device, as a differentiable copy: `t.to("cuda")`
    (CuPy), `t.to("torch", device="cuda:0")`, `t.to(dask.array)`, `t.to("numpy")` back to the host.

    Gradients flow back through it to the original library; a tensor already there is returned as it is.
    """
    if resolve(target) is namespace_of(x.data) and (device is None or str(device) == str(x.device)):
        return x
    return To(target, device)(x)
