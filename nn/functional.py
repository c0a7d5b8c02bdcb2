"""Activations, the affine map, softmax and losses as functions.

Most are composites: built from the engine's primitive ops, so their gradients come
from the primitives' rules, and those written only with operations that `Value` also
has (+, -, *, /, **, exp, tanh, sigmoid, relu) work on a `Value` as well as on a
`Tensor`. The few fused ones (affine, step, softplus, softmax, log_softmax and softmax
with cross entropy) call an op of the engine's op table, `autograd/ops.py`, where their
forward and backward stand side by side with the reason they are fused.

Anything that is not already a `Tensor` or `Value` (a list, an array, a number)
is taken as a constant `Tensor`.

Convolution, pooling, dropout and batch normalisation (the book's chapters 6-8) follow
PyTorch's names and layouts: images are (N, C, H, W), a convolution's weights
(out_channels, in_channels, kh, kw).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from autograd import ShapeError, Tensor, Value, as_tensor, backend, numbers_of, where
from autograd.backend import device_of, is_numpy, namespace_of
from autograd.convolution import Conv2d, Fold, MaxPool2d, Unfold, conv_output_size
from autograd.ops import (
    Affine,
    Cast,
    LogSoftmax,
    Softmax,
    SoftmaxCrossEntropy,
    Softplus,
    Step,
)
from autograd.value import result_node

from . import init as initialisers
from .settings import SettingError, pair_of_whole_numbers, real_number, whole_number

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


def _in_dtype(x, weights: Tensor) -> Tensor:
    """x as a Tensor in the floating dtype of a layer's `weights`, as Keras casts a layer's inputs: float64
    data into a float32 model runs in float32, not silently in float64 (PyTorch would refuse it instead).
    Integers, and arrays of another library (which the layer's op refuses by name), are left as they are."""
    x = as_tensor(x)
    xp = namespace_of(x.data)
    if type(x.data) is not type(weights.data) or x.dtype == weights.dtype or not xp.isdtype(x.dtype, "real floating"):
        return x
    return Cast(weights.dtype)(x) if x.requires_grad else Tensor(xp.astype(x.data, weights.dtype))


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
    return result_node(data, op, (x,), _zero_slope, (x.data,))


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
    if isinstance(x, Value):
        positive = not x.data <= 0 if nan_is_positive else x.data > 0
        return (x, Value(0.0)) if positive else (Value(0.0), x)
    positive = ~(x.data <= 0) if nan_is_positive else x.data > 0
    return where(positive, x, 0.0), where(positive, 0.0, x)


def leaky_relu(x, negative_slope: float = 0.01):
    """x where x > 0, else negative_slope * x. Works on a Value too."""
    negative_slope = real_number(negative_slope, "negative_slope", owner="leaky_relu")
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
    alpha = real_number(alpha, "alpha", owner="elu")
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
    return where(inside, line, namespace_of(line.data).clip(line.data, 0.0, 1.0))


def exponential(x):
    """exp(x). Works on a Value too."""
    return _node(x).exp()


def _axis_of(x: Tensor, axis, function: str) -> int:
    """`axis` checked against x: a whole number in [-x.ndim, x.ndim)."""
    axis = whole_number(axis, "axis", smallest=None, owner=function)
    if not -x.ndim <= axis < x.ndim:
        raise ShapeError(f"{function}: axis {axis} is out of range for x of shape {x.shape} ({x.ndim} axes)"
                         + (f": use an axis from {-x.ndim} to {x.ndim - 1}" if x.ndim else ""))
    return axis


def softmax(x, axis: int = -1) -> Tensor:
    """Probabilities along `axis` (default the last): stable for any input size."""
    x = _tensor_only(x, "softmax")
    return Softmax(_axis_of(x, axis, "softmax"))(x)


def log_softmax(x, axis: int = -1) -> Tensor:
    """log(softmax(x)) computed stably."""
    x = _tensor_only(x, "log_softmax")
    return LogSoftmax(_axis_of(x, axis, "log_softmax"))(x)


def maxout(x, W, b, pieces: int) -> Tensor:
    """max over `pieces` affine maps: W has shape (in, out * pieces), pieces side by side per unit."""
    pieces = whole_number(pieces, "pieces", owner="maxout")
    z = linear(x, W, b)
    units = z.shape[-1] // pieces
    return z.reshape(z.shape[:-1] + (units, pieces)).max(axis=-1)


# ---- losses -----------------------------------------------------------------
def _targets(t, y: Tensor):
    """A Tensor target stays a node (it may want a gradient); anything else becomes an array, labels integers.

    Targets given as NumPy arrays or lists are constants, as an index is, so they go to the predictions'
    array library (labels for a CuPy batch may come from NumPy); a Tensor target must live there already.
    """
    if isinstance(t, Tensor):
        return t
    if is_numpy(y.data):
        return np.asarray(t)
    if isinstance(t, (np.ndarray, np.generic, list, tuple, numbers.Real)):
        return backend.move(np.asarray(t), namespace_of(y.data), y.device)
    return t  # an array of another library: the loss's op then says where each one lives


def _target_like(y, t, loss: str):
    """A target of y's own shape, as a node: a Tensor target that requires grad gets its gradient too."""
    t = _node(_targets(t, y) if isinstance(y, Tensor) else t)
    if t.shape != y.shape:
        raise ShapeError(
            f"{loss} needs predictions and targets of one shape; got {y.shape} and {t.shape} "
            "(broadcasting them would compare every prediction with every target): reshape one of them"
        )
    return t


def _as_labels(t, n_samples: int, n_classes: int):
    """Check class labels: integers in [0, n_classes), one per sample."""
    xp = namespace_of(t)
    if not xp.isdtype(t.dtype, "integral"):  # integers, the usual labels, pass with one check
        if xp.isdtype(t.dtype, "real floating"):
            if not bool(xp.all(t == xp.round(t))):
                raise ValueError(f"class labels must be whole numbers; got {backend.to_numpy(t).ravel()[:5]}...")
            t = xp.astype(t, xp.int64)
        elif not xp.isdtype(t.dtype, "bool"):
            raise TypeError(f"class labels must be integers; got dtype {t.dtype}")
    if t.shape != (n_samples,):
        raise ShapeError(f"expected {n_samples} labels (shape ({n_samples},)) or one-hot targets; got shape {t.shape}")
    if n_samples and (int(xp.min(t)) < 0 or int(xp.max(t)) >= n_classes):
        raise ValueError(f"class labels must lie in [0, {n_classes}); got values from {int(xp.min(t))} "
                         f"to {int(xp.max(t))}")
    return t


def _is_one_hot_like(t, y_shape) -> bool:
    return t.shape == tuple(y_shape)


def _one_sample_targets(t, classes: int):
    """Targets of a single sample (a Tensor or an array): one label becomes shape (1,), a one-hot row (1, classes)."""
    size = math.prod(t.shape)
    shape = (1,) if size == 1 and classes > 1 else (1, size)
    return t.reshape(shape) if isinstance(t, Tensor) else namespace_of(t).reshape(t, shape)


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
    y = _tensor_only(y, "cross_entropy_error")
    t = _targets(t, y)
    if y.ndim == 1:
        y = y.reshape((1, y.shape[0]))
        t = _one_sample_targets(t, y.shape[1])
    batch = y.shape[0]
    # One-hot or soft targets: a Tensor that requires grad gets its gradient.
    if _is_one_hot_like(numbers_of(t), y.shape):
        return -(t * (y + CROSS_ENTROPY_DELTA).log()).sum() * (1.0 / batch)
    labels = _as_labels(numbers_of(t), batch, y.shape[1])
    if is_numpy(y.data):
        picked = y[np.arange(batch), labels]
    else:  # Dask indexes no two axes with arrays at once: pick each row's label through a mask instead
        xp = namespace_of(y.data)
        picked = where(labels[:, None] == xp.arange(y.shape[1], device=y.device), y, 0.0).sum(axis=1)
    return -(picked + CROSS_ENTROPY_DELTA).log().sum() * (1.0 / batch)


def cross_entropy(logits, t) -> Tensor:
    """Cross entropy of softmax(logits) against targets, averaged over the batch.

    `logits` is (batch, classes) or (classes,); `t` holds class labels (batch,)
    or one-hot / probability rows of the logits' shape.
    """
    logits = _tensor_only(logits, "cross_entropy")
    t = _targets(t, logits)
    if logits.ndim == 1:
        logits = logits.reshape((1, logits.shape[0]))
        t = _one_sample_targets(t, logits.shape[1])
    if logits.ndim != 2:
        raise ShapeError(f"cross_entropy needs logits of shape (batch, classes); got {logits.shape}")
    if _is_one_hot_like(numbers_of(t), logits.shape):
        if isinstance(t, Tensor) and t.requires_grad:  # soft targets that learn (distillation): the unfused
            return -(t * log_softmax(logits, axis=1)).sum() * (1.0 / logits.shape[0])  # form, differentiable by t
        rows = numbers_of(t)
        return SoftmaxCrossEntropy(namespace_of(rows).astype(rows, logits.dtype, copy=False), labels=False)(logits)
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
    y = backend.to_numpy(numbers_of(y))  # a count for a report: on the host, whatever library y came from
    t = backend.to_numpy(numbers_of(t))
    if y.ndim == 2 and y.shape[1] == 1:
        predicted = (y[:, 0] > 0.5).astype(np.intp)
    else:
        predicted = np.asarray(y.argmax(axis=-1))
    if t.shape == y.shape and y.shape[-1] > 1:
        t = t.argmax(axis=-1)
    if t.size != predicted.size:
        raise ShapeError(f"accuracy: {predicted.size} predictions but targets of shape {t.shape}")
    return float(np.mean(predicted.ravel() == t.ravel()))


# ---- convolution and pooling (ch. 7) ----------------------------------------------
def _require_images(function: str, x: Tensor, argument: str = "x") -> None:
    if x.ndim != 4:
        raise ShapeError(
            f"{function} needs {argument} of shape (N, C, H, W) (a batch of images with channels); got {x.shape}: "
            "reshape one image to (1, C, H, W), a batch of grayscale images (N, H, W) to (N, 1, H, W)"
        )


def _require_fit(function: str, image_shape, kernel, stride, padding) -> tuple:
    """(OH, OW), the output's height and width; a ShapeError when the kernel does not fit the padded image."""
    height, width = image_shape
    if kernel[0] > height + 2 * padding[0] or kernel[1] > width + 2 * padding[1]:
        raise ShapeError(
            f"{function}: a {kernel[0]}x{kernel[1]} kernel does not fit images of {height}x{width} with padding "
            f"{padding} (padded {height + 2 * padding[0]}x{width + 2 * padding[1]}): use a smaller kernel, more "
            "padding, or larger images"
        )
    return (conv_output_size(height, kernel[0], stride[0], padding[0]),
            conv_output_size(width, kernel[1], stride[1], padding[1]))


def _require_bias(function: str, b, channels: int) -> None:
    if b is not None and b.shape != (channels,):
        raise ShapeError(f"{function} needs a bias of shape ({channels},), one per output channel; got {b.shape}")


def im2col(x, kernel_h: int, kernel_w: int, stride=1, padding=0) -> Tensor:
    """The book's im2col (ch. 7): every kh x kw window of the images x (N, C, H, W) as one row.

    Returns (N * OH * OW, C * kh * kw): rows ordered by sample, then output row and column;
    each row holds the window channel by channel, row by row. A convolution is then one
    matrix product with the kernels laid out as columns (see `conv2d`). Differentiable
    to any order: its backward is `col2im`, its adjoint.
    """
    x = _tensor_only(x, "im2col")
    _require_images("im2col", x)
    kernel = pair_of_whole_numbers((kernel_h, kernel_w), "kernel size", 1, "im2col")
    stride = pair_of_whole_numbers(stride, "stride", 1, "im2col")
    padding = pair_of_whole_numbers(padding, "padding", 0, "im2col")
    rows, cols = _require_fit("im2col", x.shape[2:], kernel, stride, padding)
    columns = Unfold(kernel, stride, padding)(x)  # (N, C * kh * kw, OH * OW): one column per window
    return columns.transpose(0, 2, 1).reshape(x.shape[0] * rows * cols, x.shape[1] * kernel[0] * kernel[1])


def col2im(col, input_shape, kernel_h: int, kernel_w: int, stride=1, padding=0) -> Tensor:
    """The book's col2im (ch. 7): rows of windows, as `im2col` makes them, back to images of `input_shape`.

    Where windows overlap their numbers add up, so it is not im2col's inverse but its adjoint
    (transpose): <im2col(x), c> = <x, col2im(c)>, which is what backpropagation needs.
    Differentiable to any order: its backward is `im2col`.
    """
    col = _tensor_only(col, "col2im")
    input_shape = tuple(int(size) for size in input_shape)
    if len(input_shape) != 4:
        raise ShapeError(f"col2im needs input_shape (N, C, H, W); got {input_shape}")
    kernel = pair_of_whole_numbers((kernel_h, kernel_w), "kernel size", 1, "col2im")
    stride = pair_of_whole_numbers(stride, "stride", 1, "col2im")
    padding = pair_of_whole_numbers(padding, "padding", 0, "col2im")
    rows, cols = _require_fit("col2im", input_shape[2:], kernel, stride, padding)
    expected = (input_shape[0] * rows * cols, input_shape[1] * kernel[0] * kernel[1])
    if col.shape != expected:
        raise ShapeError(f"col2im: for images {input_shape} and a {kernel[0]}x{kernel[1]} kernel (stride {stride}, "
                         f"padding {padding}) col must have shape {expected}, as im2col makes it; got {col.shape}")
    columns = col.reshape(input_shape[0], rows * cols, expected[1]).transpose(0, 2, 1)  # rows back to Fold's columns
    return Fold(input_shape, kernel, stride, padding)(columns)


def conv2d(x, W, b=None, stride=1, padding=0) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch and the book) of images x (N, C, H, W) with
    kernels W (F, C, kh, kw) and a bias b (F,): the result is (N, F, OH, OW).

    Built as the book builds it (ch. 7): im2col (in PyTorch's unfold layout, one column per
    window) and one matrix product, fused into one op that makes the im2col matrix a few images
    at a time and keeps none of it for backward (`autograd.convolution.Conv2d`); its gradients,
    of any order, come from the rules of im2col, col2im and the product.
    `stride` and `padding` (zeros) are an int or a pair (height, width).
    """
    x, W = _tensor_only(x, "conv2d"), _tensor_only(W, "conv2d")
    _require_images("conv2d", x)
    _require_images("conv2d", W, "W (out_channels, in_channels, kh, kw)")
    stride = pair_of_whole_numbers(stride, "stride", 1, "conv2d")
    padding = pair_of_whole_numbers(padding, "padding", 0, "conv2d")
    filters, channels, kernel_h, kernel_w = W.shape
    if x.shape[1] != channels:
        raise ShapeError(f"conv2d: x has {x.shape[1]} channels (shape {x.shape}) but W expects {channels} "
                         f"(shape {W.shape}, (out_channels, in_channels, kh, kw)): check in_channels")
    b = None if b is None else _node(b)
    _require_bias("conv2d", b, filters)
    _require_fit("conv2d", x.shape[2:], (kernel_h, kernel_w), stride, padding)
    return Conv2d((kernel_h, kernel_w), stride, padding)(x, W, *([] if b is None else [b]))


def conv_transpose2d(x, W, b=None, stride=1, padding=0) -> Tensor:
    """The transposed convolution (conv2d's adjoint in x, PyTorch's conv_transpose2d): images x
    (N, C_in, H, W), kernels W (C_in, C_out, kh, kw), bias b (C_out,); the result is
    (N, C_out, (H - 1) * stride - 2 * padding + kh, ...). Each input pixel scatters its kernel-sized
    patch: one matrix product, then col2im."""
    x, W = _tensor_only(x, "conv_transpose2d"), _tensor_only(W, "conv_transpose2d")
    _require_images("conv_transpose2d", x)
    _require_images("conv_transpose2d", W, "W (in_channels, out_channels, kh, kw)")
    stride = pair_of_whole_numbers(stride, "stride", 1, "conv_transpose2d")
    padding = pair_of_whole_numbers(padding, "padding", 0, "conv_transpose2d")
    channels, filters, kernel_h, kernel_w = W.shape
    batch, in_channels, height, width = x.shape
    if in_channels != channels:
        raise ShapeError(f"conv_transpose2d: x has {in_channels} channels (shape {x.shape}) but W expects "
                         f"{channels} (shape {W.shape}, (in_channels, out_channels, kh, kw)): check in_channels")
    b = None if b is None else _node(b)
    _require_bias("conv_transpose2d", b, filters)
    out_h = (height - 1) * stride[0] - 2 * padding[0] + kernel_h
    out_w = (width - 1) * stride[1] - 2 * padding[1] + kernel_w
    if out_h < 1 or out_w < 1:
        raise ShapeError(f"conv_transpose2d: images of {height}x{width} with a {kernel_h}x{kernel_w} kernel, stride "
                         f"{stride} and padding {padding} give an empty output ({out_h}x{out_w}): use less padding")
    # Each pixel's patch of every output channel, as columns: (N, F * kh * kw, H * W), then added into place.
    columns = W.reshape(channels, -1).T @ x.reshape(batch, channels, height * width)
    y = Fold((batch, filters, out_h, out_w), (kernel_h, kernel_w), stride, padding)(columns)
    return y if b is None else y + b.reshape(1, filters, 1, 1)


def _pool_window(function: str, kernel_size, stride, padding) -> tuple:
    """A pooling's (kernel, stride, padding) as checked pairs; the stride defaults to the kernel (`function`, or
    the module, names the owner in errors)."""
    kernel = pair_of_whole_numbers(kernel_size, "kernel_size", 1, function)
    stride = kernel if stride is None else pair_of_whole_numbers(stride, "stride", 1, function)
    padding = pair_of_whole_numbers(padding, "padding", 0, function)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise SettingError(f"{function}: padding must be at most half the kernel {kernel} (as in PyTorch), "
                           f"or a window could hold only padding; got {padding}")
    return kernel, stride, padding


def _pooling_settings(function: str, x: Tensor, kernel_size, stride, padding) -> tuple:
    _require_images(function, x)
    kernel, stride, padding = _pool_window(function, kernel_size, stride, padding)
    return kernel, stride, padding, _require_fit(function, x.shape[2:], kernel, stride, padding)


def max_pool2d(x, kernel_size, stride=None, padding=0) -> Tensor:
    """The largest number in each window of each channel of x (N, C, H, W) (ch. 7).

    `stride` defaults to `kernel_size` (windows side by side); padding counts as -inf.
    On ties the gradient goes whole to the first largest element of the window (row by
    row), as in PyTorch; a nan is the largest.
    """
    x = _tensor_only(x, "max_pool2d")
    kernel, stride, padding, _ = _pooling_settings("max_pool2d", x, kernel_size, stride, padding)
    return MaxPool2d(kernel, stride, padding)(x)


def avg_pool2d(x, kernel_size, stride=None, padding=0) -> Tensor:
    """The mean of each window of each channel of x (N, C, H, W).

    `stride` defaults to `kernel_size`; padding counts as zeros in the mean (PyTorch's
    default, count_include_pad=True). Built from im2col and mean.
    """
    x = _tensor_only(x, "avg_pool2d")
    kernel, stride, padding, (rows, cols) = _pooling_settings("avg_pool2d", x, kernel_size, stride, padding)
    batch, channels, height, width = x.shape
    one_channel = x.reshape(batch * channels, 1, height, width)  # each channel pooled on its own
    windows = Unfold(kernel, stride, padding)(one_channel)  # (N * C, kh * kw, OH * OW)
    return windows.mean(axis=1).reshape(batch, channels, rows, cols)


# ---- regularisation (ch. 6) --------------------------------------------------------
def dropout(x, p: float = 0.5, training: bool = True, seed_or_rng=None) -> Tensor:
    """Inverted dropout, as PyTorch: in training each element is zeroed with probability p and
    the kept ones are scaled by 1 / (1 - p); outside training (`training=False`) x as it is.

    The book (ch. 6) keeps units unscaled in training and multiplies by (1 - p) at test time
    instead. Both give the next layer the same expected input; scaling in training, as PyTorch
    does, leaves the trained network usable as it is, with no dropout-specific step at test time.
    `seed_or_rng`: a seed or NumPy Generator for the mask (default: nn's generator, see
    `nn.manual_seed`).
    """
    x = _tensor_only(x, "dropout")
    p = real_number(p, "p (the probability of dropping a unit)", 0.0, 1.0, owner="dropout")
    if not training or p == 0.0:
        return x
    if p == 1.0:  # everything dropped; 1 / (1 - p) would divide by zero
        return x * 0.0
    keep = initialisers.generator(seed_or_rng).random(x.shape) >= p
    # Drawn by NumPy's seeded generator and copied to x's library: the Array API has no random module, and one
    # generator gives the same masks, so the same run, on every library (its cost: BENCHMARKS.md, section 10).
    mask = namespace_of(x.data).asarray(keep * (1.0 / (1.0 - p)), dtype=x.dtype, device=device_of(x.data))
    return x * mask


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation (ch. 6) with PyTorch's semantics: each channel (axis 1) of x, normalised
    over every other axis, then scaled by `weight` and shifted by `bias` (each (C,), or None).

    In training the batch's own mean and (biased) variance are used, and `running_mean`,
    `running_var` (Tensors of shape (C,), or None) get new numbers:
    running = (1 - momentum) * running + momentum * batch statistic, with the unbiased
    variance; an empty batch gives an empty output and leaves them alone, as in PyTorch.
    Otherwise (evaluation) the running statistics normalise. Built from the
    engine's primitives, so it is differentiable to any order.
    """
    x = _tensor_only(x, "batch_norm")
    momentum = real_number(momentum, "momentum", 0.0, 1.0, owner="batch_norm")
    eps = real_number(eps, "eps", 0.0, low_open=True, owner="batch_norm")
    if x.ndim < 2:
        raise ShapeError(f"batch_norm needs x of shape (N, C, ...) with channels on axis 1; got {x.shape}")
    channels = x.shape[1]
    for label, statistic in (("running_mean", running_mean), ("running_var", running_var),
                             ("weight", weight), ("bias", bias)):
        if statistic is not None and np.shape(numbers_of(statistic)) != (channels,):
            raise ShapeError(f"batch_norm: {label} must have shape ({channels},), one per channel of x {x.shape}; "
                             f"got {np.shape(numbers_of(statistic))}")
    axes = (0,) + tuple(range(2, x.ndim))
    per_channel = (1, channels) + (1,) * (x.ndim - 2)  # lines a (C,) vector up with axis 1
    xp = namespace_of(x.data)
    if training:
        count = math.prod(x.shape) // channels if channels else 0
        if count == 1:
            raise ValueError(f"batch_norm in training needs more than one value per channel; x has shape {x.shape}")
        if count == 0:  # an empty batch, as in PyTorch: an empty output, zero gradients, the statistics as they were
            return _affine_per_channel(x, weight, bias, per_channel)
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        variance = (centered * centered).mean(axis=axes, keepdims=True)
        _update_running(running_mean, xp.reshape(mean.data, (channels,)), momentum, "running_mean")
        _update_running(running_var, xp.reshape(variance.data, (channels,)) * (count / (count - 1)), momentum,
                        "running_var")
        normalised = centered / (variance + eps) ** 0.5
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm outside training normalises with running_mean and running_var; got None: "
                             "pass them, or training=True to use the batch's own statistics")
        mean = _per_channel(running_mean, x, per_channel)
        scale = 1.0 / xp.sqrt(_per_channel(running_var, x, per_channel) + eps)
        normalised = (x - mean) * xp.astype(scale, x.dtype, copy=False)
    return _affine_per_channel(normalised, weight, bias, per_channel)


def _affine_per_channel(normalised: Tensor, weight, bias, per_channel) -> Tensor:
    """normalised * weight + bias, each (C,) lined up with axis 1 (`per_channel`), either one None."""
    if weight is not None:
        normalised = normalised * _node(weight).reshape(per_channel)
    if bias is not None:
        normalised = normalised + _node(bias).reshape(per_channel)
    return normalised


def _per_channel(statistic, x: Tensor, shape):
    """A running statistic as an array of x's library and dtype, in `shape`; one of another library or
    device raises DeviceError (a module's buffers move with `Module.to`)."""
    array = numbers_of(statistic)
    xp = namespace_of(x.data, array) if hasattr(array, "shape") else namespace_of(x.data)
    return xp.reshape(xp.astype(xp.asarray(array, device=device_of(x.data)), x.dtype, copy=False), shape)


def _update_running(running, batch_statistic, momentum: float, label: str) -> None:
    """New numbers for a running statistic (its version goes up); never a write into an array someone holds."""
    if running is None:
        return
    if not isinstance(running, Tensor):
        raise TypeError(f"batch_norm in training updates {label}, so it must be a Tensor (it gets new numbers "
                        f"through .data); got {type(running).__name__}: wrap it, Tensor(array), or pass None")
    xp = namespace_of(running.data, batch_statistic)  # a statistic of another library or device: DeviceError
    running.data = xp.astype((1.0 - momentum) * running.data + momentum * batch_statistic, running.dtype, copy=False)
