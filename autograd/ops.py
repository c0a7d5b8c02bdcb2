"""The Tensor op table: every operation's forward and backward, side by side.

An `Op` is a pure description: its constructor takes the op's settings (an axis, an
exponent, an index) and nothing changes it afterwards. Each call gets a `Context` of
its own, which `forward` may fill and `backward` reads, as in PyTorch's
`autograd.Function`:

- `forward(ctx, *arrays) -> array` computes the result from the inputs' arrays;
- `backward(ctx, g, *inputs, out) -> one gradient per input` is the vector-Jacobian
  product: g is d(final)/d(out), the result is d(final)/d(input) for each input
  (None where `ctx.needs_input_grad` says nobody wants it).

Rules read as NumPy code with `xp` where NumPy code has `np`: `xp = namespace_of(a)` is
the array library of the operands (NumPy, CuPy, PyTorch, Dask, array_api_strict; see
backend.py), and only the Python Array API standard's functions are used (`xp.sum(x,
axis=...)`, `xp.reshape`, `xp.permute_dims`), since a standard array has no `.sum()` method.
The backward driver feeds arrays, or Tensors under `create_graph=True`; a Tensor's
namespace records ops, so the same rule also builds the derivative's own graph (higher
derivatives).

Broadcasting is undone in backward by summing the gradient back to each input's shape.
Most ops are primitives; Affine, Sigmoid, Softplus, Softmax, LogSoftmax and
SoftmaxCrossEntropy are fused for speed or numerical stability, and say which.
The book's chapters are cited as "ch. N" (Saito, *Deep Learning from Scratch*).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .backend import NUMPY, device_of, library_of, move, namespace_of
from .errors import ShapeError


class Context:
    """What one call of an op leaves for its backward: which inputs want a gradient, the inputs'
    versions when the op read them (to catch later in-place changes), and anything `forward` saved."""

    __slots__ = ("needs_input_grad", "input_versions", "saved")

    def __init__(self, needs_input_grad: tuple = (), input_versions: tuple = ()):
        self.needs_input_grad = needs_input_grad
        self.input_versions = input_versions
        self.saved = None


class Op:
    """One differentiable operation; call an instance on Tensors to run it and record the result.

    `name` is the op's one ASCII name, shown as `tensor.op` (viz draws it with a glyph).
    `fresh_gradients`: backward returns only new arrays that nothing else holds, so a leaf
    may keep its gradient as it is instead of copying it (see Tensor's `_accumulate`).
    """

    name = "?"
    fresh_gradients = False

    def __call__(self, *inputs):
        return inputs[0]._record(self, inputs)  # the Tensor runs forward and keeps the graph (tensor.py)

    def forward(self, ctx: Context, *arrays):
        raise NotImplementedError

    def backward(self, ctx: Context, g, *inputs_and_out):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


# ---- helpers the rules share: each takes an array or a Tensor -------------------------------
def _on_arrays(x) -> bool:
    """True for arrays of any library (and NumPy scalars), False for Tensors (a rule run under create_graph)."""
    return not hasattr(x, "_record")


def _array_of(x):
    """The array behind x: rules read masks and counts from numbers, never from the graph."""
    return x if _on_arrays(x) else x.data


def _run(op, *inputs):
    """Call `op` on arrays (a first-order backward) or on Tensors, recording it (under create_graph)."""
    return op.forward(None, *inputs) if _on_arrays(inputs[0]) else op(*inputs)


def _sum_to_shape(grad, shape):
    """Undo broadcasting: sum `grad` over the axes that broadcasting added or stretched."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    stretched = tuple(i + extra for i, size in enumerate(shape) if size == 1 and grad.shape[i + extra] != 1)
    xp = namespace_of(grad)
    return xp.reshape(xp.sum(grad, axis=tuple(range(extra)) + stretched, keepdims=True), shape)


def _stretch(g, like):
    """g broadcast to the shape of `like`, whose gradient it becomes: a view, except on Dask, where a broadcast
    is one task the size of the whole input (out-of-core data would not fit); adding zeros in like's chunks
    keeps it chunk by chunk."""
    xp = namespace_of(g)
    if type(g) is not np.ndarray and library_of(g) == "dask":
        return g + xp.zeros_like(_array_of(like))
    return xp.broadcast_to(g, like.shape)


def _sigmoid(x):
    return _stable_sigmoid(x) if _on_arrays(x) else x.sigmoid()


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


def _softmax_of(x, axis):
    """Softmax of an array or a Tensor, with the maximum subtracted so exp cannot overflow."""
    numbers = _array_of(x)
    if numbers.shape[axis] == 0:  # an empty axis: nothing to normalise, and max() has no value
        return x * 1.0
    xp = namespace_of(x)
    e = xp.exp(x - namespace_of(numbers).max(numbers, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


# ---- elementwise arithmetic (with broadcasting) ----------------------------------------------
class Add(Op):
    name = "+"

    def forward(self, ctx, a, b):
        return a + b

    def backward(self, ctx, g, a, b, out):
        need_a, need_b = ctx.needs_input_grad
        return (_sum_to_shape(g, a.shape) if need_a else None,
                _sum_to_shape(g, b.shape) if need_b else None)


class Sub(Op):
    name = "-"

    def forward(self, ctx, a, b):
        return a - b

    def backward(self, ctx, g, a, b, out):
        need_a, need_b = ctx.needs_input_grad
        return (_sum_to_shape(g, a.shape) if need_a else None,
                _sum_to_shape(-g, b.shape) if need_b else None)


class Mul(Op):
    name = "*"
    fresh_gradients = True

    def forward(self, ctx, a, b):
        return a * b

    def backward(self, ctx, g, a, b, out):
        need_a, need_b = ctx.needs_input_grad
        return (_sum_to_shape(g * b, a.shape) if need_a else None,
                _sum_to_shape(g * a, b.shape) if need_b else None)


class Div(Op):
    name = "/"
    fresh_gradients = True

    def forward(self, ctx, a, b):
        return a / b

    def backward(self, ctx, g, a, b, out):
        need_a, need_b = ctx.needs_input_grad
        return (_sum_to_shape(g / b, a.shape) if need_a else None,
                _sum_to_shape(-g * out / b, b.shape) if need_b else None)


class Neg(Op):
    name = "neg"
    fresh_gradients = True

    def forward(self, ctx, a):
        return -a

    def backward(self, ctx, g, a, out):
        return (-g,)


class PowConst(Op):
    """x ** c for a fixed number c; its name carries c ("**2", "**0.5")."""

    fresh_gradients = True

    def __init__(self, exponent: float):
        self.exponent = exponent
        self.name = f"**{exponent:g}"

    def forward(self, ctx, a):
        return a ** self.exponent

    def backward(self, ctx, g, a, out):
        if self.exponent == 0:  # x**0 is constant; 0 * x**-1 would be nan at x = 0
            return (g * 0.0,)
        return (g * (self.exponent * a ** (self.exponent - 1)),)


class Pow(Op):
    """x ** y with a tensor exponent: d/dx = y x^(y-1), d/dy = x^y ln x.

    At base 0 the formulas give 0 * inf = nan where the derivative is plain: as in PyTorch,
    d/dx = 0 where x = 0 and y = 0, and d/dy = 0 where x = 0 and y >= 0 (0^y is constant there).
    """

    name = "**"
    fresh_gradients = True

    def forward(self, ctx, a, b):
        return a ** b

    def backward(self, ctx, g, a, b, out):
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        xp = namespace_of(g)
        with np.errstate(divide="ignore", invalid="ignore"):  # the inf and nan at base 0 are masked out
            base_is_zero = _array_of(a) == 0
            if need_a:
                constant_in_x = base_is_zero & (_array_of(b) == 0)
                grad_a = _sum_to_shape(xp.where(constant_in_x, 0.0, g * b * a ** (b - 1)), a.shape)
            if need_b:
                constant_in_y = base_is_zero & (_array_of(b) >= 0)
                grad_b = _sum_to_shape(xp.where(constant_in_y, 0.0, g * out * xp.log(a)), b.shape)
        return grad_a, grad_b


# ---- elementwise functions ------------------------------------------------------------------
class Exp(Op):
    name = "exp"
    fresh_gradients = True

    def forward(self, ctx, a):
        return namespace_of(a).exp(a)

    def backward(self, ctx, g, a, out):
        return (g * out,)


class Log(Op):
    name = "log"
    fresh_gradients = True

    def forward(self, ctx, a):
        return namespace_of(a).log(a)

    def backward(self, ctx, g, a, out):
        return (g / a,)


class Tanh(Op):
    name = "tanh"
    fresh_gradients = True

    def forward(self, ctx, a):
        return namespace_of(a).tanh(a)

    def backward(self, ctx, g, a, out):
        return (g * (1.0 - out * out),)


class Sigmoid(Op):
    """Fused for stability: exp(-|x|) never overflows, where 1/(1+exp(-x)) would at x = -1000."""

    name = "sigmoid"
    fresh_gradients = True

    def forward(self, ctx, a):
        return _stable_sigmoid(a)

    def backward(self, ctx, g, a, out):
        return (g * (out * (1.0 - out)),)


class Relu(Op):
    name = "relu"
    fresh_gradients = True

    def forward(self, ctx, a):
        return namespace_of(a).maximum(a, 0.0)

    def backward(self, ctx, g, a, out):
        # 0 where x <= 0; not `x > 0`: as in PyTorch, a nan input passes its gradient on. The mask as numbers
        # (the standard multiplies no booleans with floats), cheaper than a where() (BENCHMARKS.md, section 10).
        passes = ~(_array_of(a) <= 0)
        return (g * namespace_of(passes).astype(passes, _array_of(g).dtype),)


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
        return (g * _sigmoid(a),)  # d/dx log(1 + e^x) is the sigmoid


class Where(Op):
    """Pick from a where `condition` holds, else from b; the condition gets no gradient."""

    name = "where"
    fresh_gradients = True

    def __init__(self, condition):
        self.condition = condition  # a boolean array of the operands' library

    def forward(self, ctx, a, b):
        return namespace_of(a, b).where(self.condition, a, b)

    def backward(self, ctx, g, a, b, out):
        need_a, need_b = ctx.needs_input_grad
        xp = namespace_of(g)
        return (_sum_to_shape(xp.where(self.condition, g, 0.0), a.shape) if need_a else None,
                _sum_to_shape(xp.where(self.condition, 0.0, g), b.shape) if need_b else None)


# ---- matrix products --------------------------------------------------------------------------
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
    fresh_gradients = True  # dX, dW, db are new arrays: the weights keep them without a copy

    def forward(self, ctx, x, W, b):
        return x @ W + b

    def backward(self, ctx, g, x, W, b, out):
        need_x, need_W, need_b = ctx.needs_input_grad
        xp = namespace_of(g)
        rows = xp.reshape(g, (-1, W.shape[1]))  # every leading axis counts as a sample
        return (g @ W.T if need_x else None,
                xp.reshape(x, (-1, W.shape[0])).T @ rows if need_W else None,
                xp.sum(rows, axis=0) if need_b else None)


# ---- reductions -------------------------------------------------------------------------------
class Sum(Op):
    name = "sum"

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, ctx, a):
        return namespace_of(a).sum(a, axis=self.axis, keepdims=self.keepdims)

    def backward(self, ctx, g, a, out):
        return (_stretch(namespace_of(g).reshape(g, _reduced_shape(a.shape, self.axis)), a),)


class Max(Op):
    """Largest element along `axis`. On ties the gradient is split evenly among the
    tied elements (as `torch.amax`), so it still sums to the upstream gradient."""

    name = "max"
    fresh_gradients = True

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, ctx, a):
        if 0 in [size for size, kept in zip(a.shape, _reduced_shape(a.shape, self.axis)) if kept == 1]:
            raise ShapeError(f"max over an axis of length 0 (shape {a.shape}, axis {self.axis}) has no value")
        return namespace_of(a).max(a, axis=self.axis, keepdims=self.keepdims)

    def backward(self, ctx, g, a, out):
        kept_shape = _reduced_shape(a.shape, self.axis)
        ap, xp = namespace_of(_array_of(a)), namespace_of(g)
        # As numbers (the standard multiplies no booleans with floats), so ties can share the gradient.
        is_max = ap.astype(_array_of(a) == ap.reshape(_array_of(out), kept_shape), a.dtype)
        share = is_max / ap.sum(is_max, axis=self.axis, keepdims=True)
        return (xp.reshape(g, kept_shape) * share,)  # broadcasts g over each reduced axis


class Softmax(Op):
    """exp(x) / sum(exp(x)) along an axis, with the maximum subtracted first (no overflow at x = 1010).

    Fused for speed and stability: one node, and backward y * (g - sum(g * y)) needs only the output.
    """

    name = "softmax"

    def __init__(self, axis: int = -1):
        self.axis = axis

    def forward(self, ctx, a):
        return _softmax_of(a, self.axis)

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
    (logits of 1000 are fine), and the gradient is simply (softmax(x) - t) / N. `targets`
    are class labels (`labels=True`) or constant rows of probabilities.
    """

    name = "softmax_cross_entropy"

    def __init__(self, targets, labels: bool):
        self.targets, self.labels = targets, labels  # in the logits' array library

    def forward(self, ctx, logits):
        xp = namespace_of(logits, self.targets)
        shifted = logits - xp.max(logits, axis=1, keepdims=True)
        exps = xp.exp(shifted)
        totals = xp.sum(exps, axis=1, keepdims=True)
        ctx.saved = exps / totals  # the softmax, kept for backward as the book's layer keeps y
        log_probabilities = shifted - xp.log(totals)
        batch = logits.shape[0]
        if self.labels and xp is NUMPY:  # NumPy picks each row's label directly, with no one-hot to build
            return np.asarray(-log_probabilities[np.arange(batch), self.targets].sum() / batch, dtype=logits.dtype)
        targets = self._one_hot(logits) if self.labels else self.targets
        return xp.asarray(-xp.sum(targets * log_probabilities) / batch, dtype=logits.dtype)

    def backward(self, ctx, g, logits, out):
        batch = logits.shape[0]
        if self.labels and type(logits) is np.ndarray:
            # The book's (y - t) / N from the kept softmax, without building a one-hot (a quarter of the time).
            grad = ctx.saved * (g / batch)
            grad[np.arange(batch), self.targets] -= g / batch
            return (grad,)
        probabilities = _softmax_of(logits, axis=1)  # under create_graph: recomputed, so it is a graph too
        targets = self._one_hot(_array_of(logits)) if self.labels else self.targets
        # (y * sum(t) - t) / N; it is (y - t) / N as the book says when each row of t sums to 1.
        row_mass = namespace_of(targets).sum(targets, axis=1, keepdims=True)
        return (g * (probabilities * row_mass - targets) * (1.0 / batch),)

    def _one_hot(self, logits):
        xp = namespace_of(logits)
        classes = xp.arange(logits.shape[1], device=device_of(logits))
        return xp.astype(self.targets[:, None] == classes, logits.dtype)


# ---- shape ------------------------------------------------------------------------------------
class Reshape(Op):
    name = "reshape"

    def __init__(self, shape):
        self.shape = shape

    def forward(self, ctx, a):
        return namespace_of(a).reshape(a, self.shape)

    def backward(self, ctx, g, a, out):
        return (namespace_of(g).reshape(g, a.shape),)


class Transpose(Op):
    name = "transpose"

    def __init__(self, axes=None):
        self.axes = axes  # None reverses the axes, as NumPy's .T

    def forward(self, ctx, a):
        return namespace_of(a).permute_dims(a, self._permutation(a.ndim))

    def backward(self, ctx, g, a, out):
        # Undo with the inverse permutation; negative axes first made positive, or sorting would not invert them.
        permutation = self._permutation(g.ndim)
        return (namespace_of(g).permute_dims(g, tuple(sorted(range(g.ndim), key=permutation.__getitem__))),)

    def _permutation(self, ndim: int) -> tuple:
        return tuple(reversed(range(ndim))) if self.axes is None else tuple(axis % ndim for axis in self.axes)


class BroadcastTo(Op):
    name = "broadcast_to"

    def __init__(self, shape):
        self.shape = shape

    def forward(self, ctx, a):
        return namespace_of(a).broadcast_to(a, self.shape)

    def backward(self, ctx, g, a, out):
        return (_sum_to_shape(g, a.shape),)


class GetItem(Op):
    """x[index] with slices, integers, masks and integer arrays."""

    name = "getitem"
    fresh_gradients = True

    def __init__(self, index):
        self.index = index

    def forward(self, ctx, a):
        return _pick(a, self.index)

    def backward(self, ctx, g, a, out):
        return (_run(ScatterAdd(self.index, a.shape), g),)


def _pick(x, index):
    """x[index]; an integer array alone picks whole rows, which the standard spells xp.take(x, index, axis=0)."""
    if type(x) is not np.ndarray and _on_arrays(x) and getattr(index, "ndim", 0) == 1 \
            and namespace_of(index).isdtype(index.dtype, "integral"):
        return namespace_of(x).take(x, index, axis=0)
    return x[index]


class ScatterAdd(Op):
    """Zeros of `shape` with g added at `index` (repeated indices add up): the adjoint of indexing."""

    name = "scatter_add"

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, ctx, g):
        xp, device = namespace_of(g), device_of(g)
        if _is_basic_index(self.index):
            result = xp.zeros(self.shape, dtype=g.dtype, device=device)
            result[self.index] = g  # slices and integers never repeat an element: plain assignment
            return result
        if xp is NUMPY:
            result = np.zeros(self.shape, dtype=g.dtype)
            np.add.at(result, self.index, g)  # integer arrays may repeat: y[[0, 0]] sends two gradients to y[0]
            return result
        # The standard has no scatter-add: a one-hot matrix of where each entry of g goes adds repeats up
        # (memory: entries x elements, so fine for the index sizes a gradient check uses, not for embeddings).
        size = math.prod(self.shape)
        destinations = xp.reshape(_pick(xp.reshape(xp.arange(size, device=device), self.shape), self.index), (-1, 1))
        one_hot = xp.astype(destinations == xp.arange(size, device=device), g.dtype)
        return xp.reshape(xp.reshape(g, (1, -1)) @ one_hot, self.shape)

    def backward(self, ctx, g, a, out):
        return (_pick(g, self.index),)


def _is_basic_index(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, numbers.Integral)) for p in parts)


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


# ---- between array libraries ------------------------------------------------------------------
class To(Op):
    """A copy in another array library or on another device (`Tensor.to`): the one way across, since no
    op moves numbers by itself. Its gradient is the same copy the other way."""

    name = "to"

    def __init__(self, target, device=None):
        self.target, self.device = target, device

    def forward(self, ctx, a):
        return move(a, self.target, self.device)

    def backward(self, ctx, g, a, out):
        home = _array_of(a)
        return (_run(To(namespace_of(home), device_of(home)), g),)
