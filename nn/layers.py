"""Layers on `Tensor`: `Linear`, `Flatten`, `Maxout`, and the book's chapters 6-8: `Conv2d`, `ConvTranspose2d`,
`MaxPool2d`, `AvgPool2d`, `Dropout`, `BatchNorm1d/2d`. (The activation modules are in `nn.activations`,
`Sequential` in `nn.sequential`.)

A layer with weights computes in their dtype: it casts floating inputs of another dtype to it, as Keras
does (PyTorch raises instead), so float64 data runs a `dtype=np.float32` model in float32 and the
gradient goes back to the input in the input's own dtype. Every setting is checked when the layer is
built (`nn.settings`): a bad one raises `SettingError` naming it, its value and what is allowed."""
from __future__ import annotations

import math

import numpy as np

from autograd import ShapeError, Tensor, as_tensor

from . import functional as F
from . import init as initialisers
from .activations import activation_module
from .module import Module
from .settings import floating_dtype, pair_of_whole_numbers, real_number, whole_number


# ---- layers with weights ------------------------------------------------------
class Linear(Module):
    """y = x @ W + b, with W of shape (in_features, out_features) and b of shape (out_features,).

    `init` draws W: "xavier" (default, std 1/sqrt(in)), "he", "normal" (std 0.01, the
    book's weight_init_std), a standard deviation, or a function (shape, rng).
    The bias starts at zero. `activation` (a name or module) is applied after the
    affine map, as Keras' Dense(..., activation=...) does.
    """

    def __init__(self, in_features: int, out_features: int, init="xavier", bias: bool = True,
                 activation=None, dtype=np.float64, seed=None, name: str | None = None):
        dtype = floating_dtype(dtype, type(self).__name__)
        self.in_features = whole_number(in_features, "in_features", owner="Linear")
        self.out_features = whole_number(out_features, "out_features", owner="Linear")
        rng = initialisers.generator(seed)
        weights = initialisers.get(init)((self.in_features, self.out_features), rng)
        self.W = Tensor(np.asarray(weights, dtype=dtype), requires_grad=True, name="W")
        self.b = Tensor(np.zeros(self.out_features, dtype=dtype), requires_grad=True, name="b") if bias else None
        self.activation = activation_module(activation)
        self.name = name

    def pre_activation(self, x) -> Tensor:
        """x @ W + b, before the activation (the logits when the activation is softmax)."""
        x = as_tensor(x)
        if x.dtype != self.W.dtype:  # the usual case, the dtypes alike, needs no look at x's library
            x = F._in_dtype(x, self.W)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ShapeError(
                f"{self.name or 'Linear'} (Linear({self.in_features}, {self.out_features})) expects inputs "
                f"whose last axis has {self.in_features} features; got shape {x.shape}"
                + (f", whose last axis has {x.shape[-1]}" if x.ndim else " (a scalar)")
            )
        return F.linear(x, self.W, self.b)

    def forward(self, x) -> Tensor:
        y = self.pre_activation(x)
        return self.activation(y) if self.activation is not None else y

    def extra_repr(self):
        extras = "" if self.b is not None else ", bias=False"
        if self.activation is not None:
            extras += f", activation={type(self.activation).__name__}"
        return f"{self.in_features}, {self.out_features}{extras}"


class Maxout(Module):
    """Maxout (Goodfellow et al.): each of `out_features` units is the largest of `pieces` affine maps."""

    def __init__(self, in_features: int, out_features: int, pieces: int = 2, init="xavier",
                 dtype=np.float64, seed=None, name: str | None = None):
        dtype = floating_dtype(dtype, type(self).__name__)
        self.in_features = whole_number(in_features, "in_features", owner="Maxout")
        self.out_features = whole_number(out_features, "out_features", owner="Maxout")
        self.pieces = whole_number(pieces, "pieces", owner="Maxout")
        rng = initialisers.generator(seed)
        weights = initialisers.get(init)((self.in_features, self.out_features * self.pieces), rng)
        self.W = Tensor(np.asarray(weights, dtype=dtype), requires_grad=True, name="W")
        self.b = Tensor(np.zeros(self.out_features * self.pieces, dtype=dtype), requires_grad=True, name="b")
        self.name = name

    def forward(self, x) -> Tensor:
        x = F._in_dtype(x, self.W)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ShapeError(f"{self.name or 'Maxout'} expects {self.in_features} input features; got shape {x.shape}")
        return F.maxout(x, self.W, self.b, self.pieces)

    def extra_repr(self):
        return f"{self.in_features}, {self.out_features}, pieces={self.pieces}"


class Flatten(Module):
    """(batch, d1, d2, ...) -> (batch, d1 * d2 * ...). `input_shape` (one sample's) lets `summary` start."""

    def __init__(self, input_shape=None, name: str | None = None):
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        self.name = name

    def forward(self, x) -> Tensor:
        x = as_tensor(x)
        if x.ndim == 0:
            raise ShapeError("Flatten needs a batch (N, ...) with samples on axis 0; got a scalar")
        return x.reshape((x.shape[0], math.prod(x.shape[1:])))  # not -1, which an empty batch leaves unknown


# ---- convolution and pooling (ch. 7) ------------------------------------------------
def _conv_weights(init, fan_in: int, count: int, shape, rng, dtype) -> Tensor:
    """Kernels of `shape` drawn by `init` as a (fan_in, count) matrix, so "he" and "xavier" see the true fan-in."""
    weights = np.asarray(initialisers.get(init)((fan_in, count), rng))
    return Tensor(weights.T.reshape(shape).astype(dtype), requires_grad=True, name="W")


class Conv2d(Module):
    """2-D convolution: W of shape (out_channels, in_channels, kh, kw), b of shape (out_channels,).

    `init` draws W as in `Linear`, with fan-in in_channels * kh * kw ("he" by default, for
    ReLU networks); a function gets the shape (fan_in, out_channels). The bias starts at zero.
    `input_shape` (one sample's, (C, H, W)) lets `summary` start from this layer.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, bias: bool = True,
                 init="he", dtype=np.float64, seed=None, name: str | None = None, input_shape=None):
        dtype = floating_dtype(dtype, type(self).__name__)
        self.in_channels, self.out_channels = _channels(self, in_channels, out_channels)
        self.kernel_size, self.stride, self.padding = _window(self, kernel_size, stride, padding)
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        self.W = _conv_weights(init, fan_in, self.out_channels,
                               (self.out_channels, self.in_channels, *self.kernel_size),
                               initialisers.generator(seed), dtype)
        self.b = Tensor(np.zeros(self.out_channels, dtype=dtype), requires_grad=True, name="b") if bias else None
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        self.name = name

    def forward(self, x) -> Tensor:
        return F.conv2d(F._in_dtype(x, self.W), self.W, self.b, self.stride, self.padding)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}" + ("" if self.b is not None else ", bias=False"))


class ConvTranspose2d(Module):
    """Transposed convolution (conv2d's adjoint): W of shape (in_channels, out_channels, kh, kw), as PyTorch."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, bias: bool = True,
                 init="he", dtype=np.float64, seed=None, name: str | None = None):
        dtype = floating_dtype(dtype, type(self).__name__)
        self.in_channels, self.out_channels = _channels(self, in_channels, out_channels)
        self.kernel_size, self.stride, self.padding = _window(self, kernel_size, stride, padding)
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        weights = _conv_weights(init, fan_in, self.out_channels,
                                (self.out_channels, self.in_channels, *self.kernel_size),
                                initialisers.generator(seed), dtype)
        self.W = Tensor(weights.data.transpose(1, 0, 2, 3), requires_grad=True, name="W")
        self.b = Tensor(np.zeros(self.out_channels, dtype=dtype), requires_grad=True, name="b") if bias else None
        self.name = name

    def forward(self, x) -> Tensor:
        return F.conv_transpose2d(F._in_dtype(x, self.W), self.W, self.b, self.stride, self.padding)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}" + ("" if self.b is not None else ", bias=False"))


def _channels(layer: Module, in_channels, out_channels) -> tuple:
    """A convolution's (in_channels, out_channels), checked."""
    owner = type(layer).__name__
    return (whole_number(in_channels, "in_channels", owner=owner),
            whole_number(out_channels, "out_channels", owner=owner))


def _window(layer: Module, kernel_size, stride, padding) -> tuple:
    """A convolution's (kernel_size, stride, padding) as checked pairs."""
    owner = type(layer).__name__
    return (pair_of_whole_numbers(kernel_size, "kernel_size", 1, owner),
            pair_of_whole_numbers(stride, "stride", 1, owner), pair_of_whole_numbers(padding, "padding", 0, owner))


class _Pooling(Module):
    function = None

    def __init__(self, kernel_size, stride=None, padding=0, name: str | None = None):
        F._pool_window(type(self).__name__, kernel_size, stride, padding)  # checked now, kept as given (for repr)
        self.kernel_size, self.stride, self.padding = kernel_size, kernel_size if stride is None else stride, padding
        self.name = name

    def forward(self, x) -> Tensor:
        return self.function(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pooling):
    """Max pooling over kh x kw windows of each channel (see `functional.max_pool2d`)."""

    function = staticmethod(F.max_pool2d)


class AvgPool2d(_Pooling):
    """Average pooling over kh x kw windows of each channel, padding counted as zeros."""

    function = staticmethod(F.avg_pool2d)


# ---- regularisation (ch. 6) -----------------------------------------------------------
class Dropout(Module):
    """Inverted dropout in training mode (kept units scaled by 1 / (1 - p)), the identity in eval mode.

    `seed` gives the masks a generator of their own; by default they come from nn's
    generator (`nn.manual_seed`).
    """

    def __init__(self, p: float = 0.5, seed=None, name: str | None = None):
        self.p = real_number(p, "p (the probability of dropping a unit)", 0.0, 1.0, owner="Dropout")
        self._rng = None if seed is None else initialisers.generator(seed)
        self.name = name

    def forward(self, x) -> Tensor:
        return F.dropout(x, self.p, self.training, self._rng)

    def extra_repr(self):
        return f"p={self.p}"


class _BatchNorm(Module):
    """Learnt weight (ones) and bias (zeros) per channel; running_mean and running_var as buffers.

    `momentum=None` makes the running statistics cumulative averages of every training batch's, as in
    PyTorch: batch k moves them by 1 / k, which the buffer `num_batches_tracked` counts (it exists only
    then, so that files saved from models with a momentum keep loading).
    """

    expected_dims = ()

    def __init__(self, num_features: int, momentum: float | None = 0.1, eps: float = 1e-5, dtype=np.float64,
                 name: str | None = None):
        owner = type(self).__name__
        dtype = floating_dtype(dtype, owner)
        self.num_features = whole_number(num_features, "num_features", owner=owner)
        self.momentum = None if momentum is None else real_number(momentum, "momentum (or None)", 0.0, 1.0,
                                                                  owner=owner)
        self.eps = real_number(eps, "eps", 0.0, low_open=True, owner=owner)
        self.weight = Tensor(np.ones(self.num_features, dtype=dtype), requires_grad=True, name="weight")
        self.bias = Tensor(np.zeros(self.num_features, dtype=dtype), requires_grad=True, name="bias")
        self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dtype))
        self.register_buffer("running_var", np.ones(self.num_features, dtype=dtype))
        if momentum is None:
            self.register_buffer("num_batches_tracked", np.zeros((), dtype=dtype))
        self.name = name

    def forward(self, x) -> Tensor:
        x = F._in_dtype(x, self.weight)
        if x.ndim not in self.expected_dims or x.shape[1] != self.num_features:
            layouts = " or ".join(["(N, C)", "(N, C, L)", "(N, C, H, W)"][d - 2] for d in self.expected_dims)
            raise ShapeError(f"{self.name or type(self).__name__}({self.num_features}) expects inputs {layouts} "
                             f"with C = {self.num_features}; got shape {x.shape}")
        cumulative = self.momentum is None
        momentum = 1.0 / (self.num_batches_tracked.item() + 1.0) if cumulative else self.momentum
        y = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, self.training, momentum,
                         self.eps)
        if cumulative and self.training:  # counted once the batch was taken: one that raised above counts not
            self.num_batches_tracked.data = self.num_batches_tracked.data + 1
        return y

    def extra_repr(self):
        return f"{self.num_features}, momentum={self.momentum}, eps={self.eps}"


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of features (N, C) or sequences (N, C, L), per channel C (ch. 6)."""

    expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of images (N, C, H, W), per channel C (ch. 6)."""

    expected_dims = (4,)
