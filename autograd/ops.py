"""The Tensor op table: every operation's forward and backward, side by side.

An `Op` is a pure description: its constructor takes the op's settings (an axis, an
exponent, an index) and nothing changes it afterwards. Each call gets a `Context` of
its own, which `forward` may fill and `backward` reads, as in PyTorch's
`autograd.Function`:

- `forward(ctx, *arrays) -> array` computes the result from NumPy arrays;
- `backward(ctx, g, *inputs, out) -> one gradient per input` is the vector-Jacobian
  product: g is d(final)/d(out), the result is d(final)/d(input) for each input
  (None where `ctx.needs_input_grad` says nobody wants it).

Backward rules are written with operators and methods that NumPy arrays and Tensors
share (`*`, `@`, `.T`, `.sum`, `.reshape`, indexing) and the helpers below, which look
at the type: the backward driver feeds arrays, or Tensors under `create_graph=True`,
so the same rule also records the derivative's own graph (higher derivatives).

Broadcasting is undone in backward by summing the gradient back to each input's shape.
Most ops are primitives; Affine, Sigmoid, Softplus, Softmax, LogSoftmax and
SoftmaxCrossEntropy are fused for speed or numerical stability, and say which.
The book's chapters are cited as "ch. N" (Saito, *Deep Learning from Scratch*).
"""
from __future__ import annotations

import numbers

import numpy as np

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
    """True for NumPy arrays and scalars (arithmetic on 0-d arrays gives np.float64), False for Tensors."""
    return isinstance(x, (np.ndarray, np.generic))


def _array_of(x):
    """The array behind x: rules read masks and counts from numbers, never from the graph."""
    return x if _on_arrays(x) else x.data


def _sum_to_shape(grad, shape):
    """Undo broadcasting: sum `grad` over the axes that broadcasting added or stretched."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    stretched = tuple(i + extra for i, size in enumerate(shape) if size == 1 and grad.shape[i + extra] != 1)
    return grad.sum(axis=tuple(range(extra)) + stretched, keepdims=True).reshape(shape)


def _broadcast_to(grad, shape):
    return np.broadcast_to(grad, shape) if _on_arrays(grad) else grad.broadcast_to(shape)


def _swap_last_two(x):
    axes = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
    return x.transpose(axes)


def _exp(x):
    return np.exp(x) if _on_arrays(x) else x.exp()


def _log(x):
    return np.log(x) if _on_arrays(x) else x.log()


def _sigmoid(x):
    return _stable_sigmoid(x) if _on_arrays(x) else x.sigmoid()


def _where(condition, x, y):
    """np.where for a rule: on Tensors it records the choice (for higher derivatives)."""
    if _on_arrays(y):
        return np.where(condition, x, y)
    return Where(condition)(y._lift(x), y)


def _reduced_shape(shape, axis):
    """The shape a reduction over `axis` leaves with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))}
    return tuple(1 if i in axes else size for i, size in enumerate(shape))


def _stable_sigmoid(a: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-a)) through exp(-|a|), which never overflows (1 / (1 + exp(1000)) would)."""
    e = np.exp(-np.abs(a))
    r = 1.0 / (1.0 + e)
    return np.where(a >= 0, r, e * r)


def _softmax_of(x, axis):
    """Softmax of an array or a Tensor, with the maximum subtracted so exp cannot overflow."""
    if _array_of(x).shape[axis] == 0:  # an empty axis: nothing to normalise, and max() has no value
        return x * 1.0
    e = _exp(x - _array_of(x).max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


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
        with np.errstate(divide="ignore", invalid="ignore"):  # the inf and nan at base 0 are masked out
            base_is_zero = _array_of(a) == 0
            if need_a:
                constant_in_x = base_is_zero & (_array_of(b) == 0)
                grad_a = _sum_to_shape(_where(constant_in_x, 0.0, g * b * a ** (b - 1)), a.shape)
            if need_b:
                constant_in_y = base_is_zero & (_array_of(b) >= 0)
                grad_b = _sum_to_shape(_where(constant_in_y, 0.0, g * out * _log(a)), b.shape)
        return grad_a, grad_b


# ---- elementwise functions ------------------------------------------------------------------
class Exp(Op):
    name = "exp"
    fresh_gradients = True

    def forward(self, ctx, a):
        return np.exp(a)

    def backward(self, ctx, g, a, out):
        return (g * out,)


class Log(Op):
    name = "log"
    fresh_gradients = True

    def forward(self, ctx, a):
        return np.log(a)

    def backward(self, ctx, g, a, out):
        return (g / a,)


class Tanh(Op):
    name = "tanh"
    fresh_gradients = True

    def forward(self, ctx, a):
        return np.tanh(a)

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
        return np.maximum(a, 0.0)

    def backward(self, ctx, g, a, out):
        # 0 where x <= 0; not `x > 0`: as in PyTorch, a nan input passes its gradient on.
        return (g * ~(_array_of(a) <= 0),)


class Step(Op):
    """The step function (ch. 3): 1 where x > 0, else 0.

    Its derivative is 0 everywhere it exists (it does not at x = 0), so backward sends a
    zero gradient: a network of steps cannot learn by gradient descent, which is why the
    book moves to the sigmoid.
    """

    name = "step"

    def forward(self, ctx, a):
        return np.heaviside(a, 0.0)  # nan stays nan

    def backward(self, ctx, g, a, out):
        return (g * 0.0,)


class Softplus(Op):
    """log(1 + exp(x)), fused for stability: exp(x) overflows at x = 1000, np.logaddexp does not."""

    name = "softplus"

    def forward(self, ctx, a):
        return np.logaddexp(0.0, a)

    def backward(self, ctx, g, a, out):
        return (g * _sigmoid(a),)  # d/dx log(1 + e^x) is the sigmoid


class Where(Op):
    """Pick from a where `condition` holds, else from b; the condition gets no gradient."""

    name = "where"
    fresh_gradients = True

    def __init__(self, condition):
        self.condition = np.asarray(condition, dtype=bool)

    def forward(self, ctx, a, b):
        return np.where(self.condition, a, b)

    def backward(self, ctx, g, a, b, out):
        need_a, need_b = ctx.needs_input_grad
        return (_sum_to_shape(g * self.condition, a.shape) if need_a else None,
                _sum_to_shape(g * ~self.condition, b.shape) if need_b else None)


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
        a2 = a.reshape((1, a.shape[0])) if a.ndim == 1 else a
        b2 = b.reshape((b.shape[0], 1)) if b.ndim == 1 else b
        batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
        g2 = g.reshape(batch + (a2.shape[-2], b2.shape[-1]))
        grad_a = _sum_to_shape(g2 @ _swap_last_two(b2), a2.shape).reshape(a.shape) if need_a else None
        grad_b = _sum_to_shape(_swap_last_two(a2) @ g2, b2.shape).reshape(b.shape) if need_b else None
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
        rows = g.reshape((-1, W.shape[1]))  # every leading axis counts as a sample
        return (g @ W.T if need_x else None,
                x.reshape((-1, W.shape[0])).T @ rows if need_W else None,
                rows.sum(axis=0) if need_b else None)


# ---- reductions -------------------------------------------------------------------------------
class Sum(Op):
    name = "sum"

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, ctx, a):
        return a.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, ctx, g, a, out):
        return (_broadcast_to(g.reshape(_reduced_shape(a.shape, self.axis)), a.shape),)


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
        return a.max(axis=self.axis, keepdims=self.keepdims)

    def backward(self, ctx, g, a, out):
        kept_shape = _reduced_shape(a.shape, self.axis)
        is_max = _array_of(a) == _array_of(out).reshape(kept_shape)
        share = is_max / is_max.sum(axis=self.axis, keepdims=True)
        return (_broadcast_to(g.reshape(kept_shape), a.shape) * share.astype(a.dtype, copy=False),)


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
        return (out * (g - (g * out).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Op):
    """log(softmax(x)) as x - max - log(sum(exp(x - max))): fused for stability (softmax can round to 0)."""

    name = "log_softmax"

    def __init__(self, axis: int = -1):
        self.axis = axis

    def forward(self, ctx, a):
        if a.shape[self.axis] == 0:  # an empty axis: an empty result, as in NumPy and PyTorch
            return a.copy()
        shifted = a - a.max(axis=self.axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))

    def backward(self, ctx, g, a, out):
        return (g - _exp(out) * g.sum(axis=self.axis, keepdims=True),)


class SoftmaxCrossEntropy(Op):
    """Softmax followed by cross entropy, averaged over the batch (the book's Softmax-with-Loss, ch. 5).

    Fused for stability and speed: the log-softmax never takes log(0) and never overflows
    (logits of 1000 are fine), and the gradient is simply (softmax(x) - t) / N. `targets`
    are class labels (`labels=True`) or constant rows of probabilities.
    """

    name = "softmax_cross_entropy"

    def __init__(self, targets: np.ndarray, labels: bool):
        self.targets, self.labels = targets, labels

    def forward(self, ctx, logits):
        shifted = logits - logits.max(axis=1, keepdims=True)
        exps = np.exp(shifted)
        totals = exps.sum(axis=1, keepdims=True)
        ctx.saved = exps / totals  # the softmax, kept for backward as the book's layer keeps y
        log_probabilities = shifted - np.log(totals)
        batch = logits.shape[0]
        if self.labels:
            picked = log_probabilities[np.arange(batch), self.targets]
            return np.asarray(-picked.sum() / batch, dtype=logits.dtype)
        return np.asarray(-(self.targets * log_probabilities).sum() / batch, dtype=logits.dtype)

    def backward(self, ctx, g, logits, out):
        batch = logits.shape[0]
        if self.labels and _on_arrays(logits):
            # The book's (y - t) / N from the kept softmax, without building a one-hot (a quarter of the time).
            grad = ctx.saved * (g / batch)
            grad[np.arange(batch), self.targets] -= g / batch
            return (grad,)
        probabilities = _softmax_of(logits, axis=1)  # under create_graph: recomputed, so it is a graph too
        if self.labels:
            one_hot = np.zeros(logits.shape, dtype=_array_of(logits).dtype)
            one_hot[np.arange(batch), self.targets] = 1.0
        else:
            one_hot = self.targets
        # (y * sum(t) - t) / N; it is (y - t) / N as the book says when each row of t sums to 1.
        row_mass = one_hot.sum(axis=1, keepdims=True)
        return (g * (probabilities * row_mass - one_hot) * (1.0 / batch),)


# ---- shape ------------------------------------------------------------------------------------
class Reshape(Op):
    name = "reshape"

    def __init__(self, shape):
        self.shape = shape

    def forward(self, ctx, a):
        return a.reshape(self.shape)

    def backward(self, ctx, g, a, out):
        return (g.reshape(a.shape),)


class Transpose(Op):
    name = "transpose"

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, ctx, a):
        return a.transpose(self.axes)

    def backward(self, ctx, g, a, out):
        if self.axes is None:
            return (g.transpose(),)
        # Undo with the inverse permutation; negative axes first made positive, or argsort would not invert them.
        return (g.transpose(tuple(np.argsort([axis % g.ndim for axis in self.axes]).tolist())),)


class BroadcastTo(Op):
    name = "broadcast_to"

    def __init__(self, shape):
        self.shape = shape

    def forward(self, ctx, a):
        return np.broadcast_to(a, self.shape)

    def backward(self, ctx, g, a, out):
        return (_sum_to_shape(g, a.shape),)


class GetItem(Op):
    """x[index] with slices, integers, masks and integer arrays."""

    name = "getitem"
    fresh_gradients = True

    def __init__(self, index):
        self.index = index

    def forward(self, ctx, a):
        return a[self.index]

    def backward(self, ctx, g, a, out):
        scatter = ScatterAdd(self.index, a.shape)
        return (scatter.forward(None, g) if _on_arrays(g) else scatter(g),)


class ScatterAdd(Op):
    """Zeros of `shape` with g added at `index` (repeated indices add up): the adjoint of indexing."""

    name = "scatter_add"

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, ctx, g):
        result = np.zeros(self.shape, dtype=g.dtype)
        if _is_basic_index(self.index):
            result[self.index] = g  # slices and integers never repeat an element: plain assignment
        else:
            np.add.at(result, self.index, g)  # integer arrays may repeat: y[[0, 0]] sends two gradients to y[0]
        return result

    def backward(self, ctx, g, a, out):
        return (g[self.index],)


def _is_basic_index(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, numbers.Integral)) for p in parts)


class Concatenate(Op):
    name = "concatenate"

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, ctx, *arrays):
        return np.concatenate(arrays, axis=self.axis)

    def backward(self, ctx, g, *inputs_and_out):
        inputs = inputs_and_out[:-1]
        axis = self.axis % g.ndim
        grads, start = [], 0
        for x, needed in zip(inputs, ctx.needs_input_grad):
            stop = start + x.shape[axis]
            grads.append(g[(slice(None),) * axis + (slice(start, stop),)] if needed else None)
            start = stop
        return tuple(grads)


class Stack(Op):
    name = "stack"

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, ctx, *arrays):
        return np.stack(arrays, axis=self.axis)

    def backward(self, ctx, g, *inputs_and_out):
        axis = self.axis % g.ndim
        return tuple(g[(slice(None),) * axis + (i,)] if needed else None
                     for i, needed in enumerate(ctx.needs_input_grad))
