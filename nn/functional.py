"""Activations, the affine map, softmax and losses as functions.

Most are composites: built from the engine's primitive ops, so their gradients come
from the primitives' rules, and those written only with operations that `Value` also
has (+, -, *, /, **, exp, tanh, sigmoid, relu) work on a `Value` as well as on a
`Tensor`. The few fused ones (affine, step, softplus, softmax, log_softmax and softmax
with cross entropy) call an op of the engine's op table, `autograd/ops.py`, where their
forward and backward stand side by side with the reason they are fused.

Anything that is not already a `Tensor` or `Value` (a list, an array, a number)
is taken as a constant `Tensor`.
"""
from __future__ import annotations

import math

import numpy as np

from autograd import ShapeError, Tensor, Value, as_tensor, numbers_of, where
from autograd.ops import Affine, LogSoftmax, Softmax, SoftmaxCrossEntropy, Softplus, Step
from autograd.value import _result as _value_result

# SELU's constants (Klambauer et al., 2017), as in PyTorch and Keras.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
CROSS_ENTROPY_DELTA = 1e-7  # the book's delta (ch. 4): log(y + 1e-7) never reaches log(0) = -inf


def _node(x):
    """A Tensor or Value as it is; anything else as a constant Tensor."""
    return x if isinstance(x, (Tensor, Value)) else Tensor(x)


def _tensor_only(x, function: str) -> Tensor:
    if isinstance(x, Value):
        raise TypeError(f"{function} works on Tensors, not on a single Value; use a Tensor of the inputs")
    return as_tensor(x)


# ---- the affine map ---------------------------------------------------------
def linear(x, W, b=None) -> Tensor:
    """y = x @ W + b with W of shape (in, out) and b of shape (out,): the book's convention.

    Any other bias that broadcasts ((1, out), (batch, out), a scalar) is added as it is.
    """
    x, W = _tensor_only(x, "linear"), _node(W)
    if b is None:
        return x @ W
    b = _node(b)
    if W.ndim == 2 and b.shape == (W.shape[1],) and x.ndim:  # the fused op's bias rule sums over samples
        return Affine()(x, W, b)
    return x @ W + b


# ---- activations --------------------------------------------------------------
def step(x):
    """1 where x > 0 else 0 (Heaviside); gradient 0. Works on a Value too."""
    if isinstance(x, Value):
        return _flat_node(x, float(np.heaviside(x.data, 0.0)), "step")
    return Step()(_node(x))


def _zero_slope(x, out):
    return (0.0,)


def _flat_node(x: Value, data: float, op: str) -> Value:
    """A node on x whose value does not move with x (local derivative 0): drawn in the graph, unlike a constant."""
    return _value_result(data, op, (x,), _zero_slope, (x.data,))


def identity(x):
    """The identity (the book's output activation for regression)."""
    return _node(x)


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow. Works on a Value too."""
    return _node(x).sigmoid()


def tanh(x):
    """Hyperbolic tangent. Works on a Value too."""
    return _node(x).tanh()


def relu(x):
    """max(0, x); gradient 1 where x > 0 else 0. Works on a Value too."""
    return _node(x).relu()


def _split_at_zero(x, nan_is_positive: bool):
    """(max(x, 0), min(x, 0)), with x = 0 on the negative side as in PyTorch: there the
    derivative is the negative side's (leaky_relu'(0) is the slope, elu'(0) is alpha).
    Each part carries x's gradient only where it is x, so exp(min(x, 0)) never overflows.
    PyTorch's elu asks `x <= 0` and its leaky_relu `x > 0`, so a nan goes to different sides."""
    positive = np.logical_not(x.data <= 0) if nan_is_positive else x.data > 0
    if isinstance(x, Value):
        return (x, Value(0.0)) if positive else (Value(0.0), x)
    return where(positive, x, 0.0), where(positive, 0.0, x)


def leaky_relu(x, negative_slope: float = 0.01):
    """x where x > 0, else negative_slope * x. Works on a Value too."""
    positive, negative = _split_at_zero(_node(x), nan_is_positive=False)
    return positive + negative_slope * negative


def prelu(x, weight):
    """Leaky ReLU whose negative slope `weight` is learnt: one shared slope, or one per channel
    (axis 1 of a batch, as in PyTorch: (N, C) features or (N, C, H, W) images); a Value for a Value."""
    x = _node(x)
    if isinstance(weight, Tensor) and weight.size > 1 and x.ndim > 2:
        weight = weight.reshape((weight.size,) + (1,) * (x.ndim - 2))  # line the slopes up with axis 1
    positive, negative = _split_at_zero(x, nan_is_positive=False)
    return positive + weight * negative


def elu(x, alpha: float = 1.0):
    """x where x > 0, else alpha * (exp(x) - 1). Works on a Value too."""
    positive, negative = _split_at_zero(_node(x), nan_is_positive=True)
    return positive + alpha * (negative.exp() - 1.0)


def selu(x):
    """Scaled ELU: SELU_SCALE * elu(x, SELU_ALPHA). Works on a Value too."""
    return SELU_SCALE * elu(x, SELU_ALPHA)


def gelu(x):
    """GELU, x * Phi(x), in its tanh form 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).

    The tanh form (Hendrycks and Gimpel) is built from engine operations; the exact
    form needs erf, which NumPy lacks. It differs from the exact one by under 1e-3.
    Works on a Value too.
    """
    x = _node(x)
    return 0.5 * x * (1.0 + (math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)).tanh())


def softplus(x) -> Tensor:
    """log(1 + exp(x)), a smooth ReLU; its derivative is the sigmoid."""
    return Softplus()(_tensor_only(x, "softplus"))


def _abs(x):
    return x.relu() + (-x).relu()


def softsign(x):
    """x / (1 + |x|). Works on a Value too."""
    x = _node(x)
    return x / (1.0 + _abs(x))


def swish(x):
    """x * sigmoid(x) (also called SiLU). Works on a Value too."""
    x = _node(x)
    return x * x.sigmoid()


def hard_sigmoid(x):
    """Keras' piecewise-linear sigmoid: 0 below -2.5, 1 above 2.5, 0.2 x + 0.5 between. Works on a Value too.

    At the kinks x = -2.5 and 2.5 the derivative is 0, as in PyTorch's hardsigmoid.
    """
    line = 0.2 * _node(x) + 0.5
    if isinstance(line, Value):
        inside = 0.0 < line.data < 1.0
        return line if inside else _flat_node(line, min(max(line.data, 0.0), 1.0), "clip")
    inside = (line.data > 0.0) & (line.data < 1.0)
    return where(inside, line, np.clip(line.data, 0.0, 1.0))


def exponential(x):
    """exp(x). Works on a Value too."""
    return _node(x).exp()


def softmax(x, axis: int = -1) -> Tensor:
    """Probabilities along `axis` (default the last): stable for any input size."""
    return Softmax(axis)(_tensor_only(x, "softmax"))


def log_softmax(x, axis: int = -1) -> Tensor:
    """log(softmax(x)) computed stably."""
    return LogSoftmax(axis)(_tensor_only(x, "log_softmax"))


def maxout(x, W, b, pieces: int) -> Tensor:
    """max over `pieces` affine maps: W has shape (in, out * pieces), pieces side by side per unit."""
    z = linear(x, W, b)
    units = z.shape[-1] // pieces
    return z.reshape(z.shape[:-1] + (units, pieces)).max(axis=-1)


# ---- losses -----------------------------------------------------------------
def _targets(t):
    """A Tensor target stays a node (it may want a gradient); anything else becomes an array, labels integers."""
    return t if isinstance(t, Tensor) else np.asarray(t)


def _target_like(y, t, loss: str):
    """A target of y's own shape, as a node: a Tensor target that requires grad gets its gradient too."""
    t = _node(t)
    if np.shape(t.data) != np.shape(y.data):
        raise ShapeError(
            f"{loss} needs predictions and targets of one shape; got {np.shape(y.data)} and {np.shape(t.data)} "
            "(broadcasting them would compare every prediction with every target): reshape one of them"
        )
    return t


def _as_labels(t: np.ndarray, n_samples: int, n_classes: int) -> np.ndarray:
    """Check class labels: integers in [0, n_classes), one per sample."""
    if t.dtype.kind == "f":
        if not np.all(t == np.round(t)):
            raise ValueError(f"class labels must be whole numbers; got {t.ravel()[:5]}...")
        t = t.astype(np.intp)
    elif t.dtype.kind not in "iub":
        raise TypeError(f"class labels must be integers; got dtype {t.dtype}")
    if t.shape != (n_samples,):
        raise ShapeError(f"expected {n_samples} labels (shape ({n_samples},)) or one-hot targets; got shape {t.shape}")
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(f"class labels must lie in [0, {n_classes}); got values from {t.min()} to {t.max()}")
    return t


def _is_one_hot_like(t: np.ndarray, y_shape) -> bool:
    return t.shape == tuple(y_shape)


def _one_sample_targets(t: np.ndarray, classes: int) -> np.ndarray:
    """Targets of a single sample: one label becomes shape (1,), a one-hot row shape (1, classes)."""
    return t.reshape((1,)) if t.size == 1 and classes > 1 else t.reshape((1, t.size))


def sum_squares_error(y, t):
    """The book's sum of squares error: 0.5 * sum((y - t)^2); y and t of one shape."""
    y = _node(y)
    return 0.5 * ((y - _target_like(y, t, "sum_squares_error")) ** 2).sum()


def mse_loss(y, t):
    """Mean squared error: mean((y - t)^2); y and t of one shape."""
    y = _node(y)
    return ((y - _target_like(y, t, "mse_loss")) ** 2).mean()


def cross_entropy_error(y, t):
    """The book's cross entropy on probabilities y: -sum(t * log(y + 1e-7)) / batch size.

    `y` is (classes,) for one sample or (batch, classes); `t` is one-hot (y's shape)
    or class labels (one per sample). The mean is over the batch.
    """
    y, t = _tensor_only(y, "cross_entropy_error"), _targets(t)
    if y.ndim == 1:
        y = y.reshape((1, y.shape[0]))
        t = t.reshape(_one_sample_targets(numbers_of(t), y.shape[1]).shape)
    batch = y.shape[0]
    # One-hot or soft targets: a Tensor that requires grad gets its gradient.
    if _is_one_hot_like(numbers_of(t), y.shape):
        return -(t * (y + CROSS_ENTROPY_DELTA).log()).sum() * (1.0 / batch)
    labels = _as_labels(numbers_of(t), batch, y.shape[1])
    return -(y[np.arange(batch), labels] + CROSS_ENTROPY_DELTA).log().sum() * (1.0 / batch)


def cross_entropy(logits, t) -> Tensor:
    """Cross entropy of softmax(logits) against targets, averaged over the batch.

    `logits` is (batch, classes) or (classes,); `t` holds class labels (batch,)
    or one-hot / probability rows of the logits' shape.
    """
    logits, t = _tensor_only(logits, "cross_entropy"), _targets(t)
    if logits.ndim == 1:
        logits = logits.reshape((1, logits.shape[0]))
        t = t.reshape(_one_sample_targets(numbers_of(t), logits.shape[1]).shape)
    if logits.ndim != 2:
        raise ShapeError(f"cross_entropy needs logits of shape (batch, classes); got {logits.shape}")
    if _is_one_hot_like(numbers_of(t), logits.shape):
        if isinstance(t, Tensor) and t.requires_grad:  # soft targets that learn (distillation): the unfused
            return -(t * log_softmax(logits, axis=1)).sum() * (1.0 / logits.shape[0])  # form, differentiable by t
        return SoftmaxCrossEntropy(numbers_of(t).astype(logits.dtype, copy=False), labels=False)(logits)
    labels = _as_labels(numbers_of(t), logits.shape[0], logits.shape[1])
    return SoftmaxCrossEntropy(labels, labels=True)(logits)


def binary_cross_entropy(p, t):
    """-mean(t log(p + 1e-7) + (1 - t) log(1 - p + 1e-7)) for probabilities p of the positive class."""
    p = _node(p)
    t = _target_like(p, t, "binary_cross_entropy")
    delta = CROSS_ENTROPY_DELTA
    return -(t * (p + delta).log() + (1.0 - t) * (1.0 - p + delta).log()).mean()


def accuracy(y, t) -> float:
    """Fraction of samples whose largest score is the target class.

    `y` holds scores or probabilities, (batch, classes) or (classes,) for one
    sample; with one column, > 0.5 means class 1. `t` holds labels or one-hot rows.
    """
    y = np.asarray(numbers_of(y))
    t = np.asarray(numbers_of(t))
    if y.ndim == 2 and y.shape[1] == 1:
        predicted = (y[:, 0] > 0.5).astype(np.intp)
    else:
        predicted = np.asarray(y.argmax(axis=-1))
    if t.shape == y.shape and y.shape[-1] > 1:
        t = t.argmax(axis=-1)
    if t.size != predicted.size:
        raise ShapeError(f"accuracy: {predicted.size} predictions but targets of shape {t.shape}")
    return float(np.mean(predicted.ravel() == t.ravel()))
