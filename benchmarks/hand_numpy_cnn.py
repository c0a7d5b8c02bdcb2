"""The book's convolutional layers (chapter 7) by hand in NumPy: the yardstick for the CNN step.

Written in the book's structure, one class per layer with forward and backward:
im2col unrolls every receptive field into a row, so that a convolution is one
matrix product; col2im adds the rows' gradients back into the image; pooling
takes the largest entry of each row and remembers where it was (argmax). Like
the book's SimpleConvNet, every layer computes its input's gradient, the first
convolution's included. Arrays keep the dtype of the parameters and the data.
"""
from __future__ import annotations

import numpy as np

from .hand_numpy import Relu, SoftmaxWithLoss


def output_size(size: int, kernel: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - kernel) // stride + 1


def im2col(x, kh, kw, stride=1, pad=0):
    """(N, C, H, W) -> (N * out_h * out_w, C * kh * kw): one row per place the filter visits."""
    n, c, h, w = x.shape
    out_h, out_w = output_size(h, kh, stride, pad), output_size(w, kw, stride, pad)
    padded = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    col = np.empty((n, c, kh, kw, out_h, out_w), dtype=x.dtype)
    # One slice per filter offset (kh * kw of them) instead of one per output position (out_h * out_w).
    for i in range(kh):
        for j in range(kw):
            col[:, :, i, j] = padded[:, :, i:i + stride * out_h:stride, j:j + stride * out_w:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * out_h * out_w, -1)


def col2im(col, shape, kh, kw, stride=1, pad=0):
    """im2col backwards: each row's entries are added to the pixels they came from."""
    n, c, h, w = shape
    out_h, out_w = output_size(h, kh, stride, pad), output_size(w, kw, stride, pad)
    col = col.reshape(n, out_h, out_w, c, kh, kw).transpose(0, 3, 4, 5, 1, 2)
    padded = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=col.dtype)
    for i in range(kh):
        for j in range(kw):
            padded[:, :, i:i + stride * out_h:stride, j:j + stride * out_w:stride] += col[:, :, i, j]
    return padded[:, :, pad:pad + h, pad:pad + w]


class Convolution:
    """W (FN, C, FH, FW), b (FN,): the image as im2col rows times the filters as columns."""

    def __init__(self, W, b, stride=1, pad=0):
        self.W, self.b, self.stride, self.pad = W, b, stride, pad
        self.x_shape = self.col = self.col_W = self.dW = self.db = None

    def forward(self, x):
        filters, _, fh, fw = self.W.shape
        n, _, h, w = x.shape
        out_h, out_w = output_size(h, fh, self.stride, self.pad), output_size(w, fw, self.stride, self.pad)
        self.x_shape = x.shape
        self.col = im2col(x, fh, fw, self.stride, self.pad)
        self.col_W = self.W.reshape(filters, -1).T
        out = self.col @ self.col_W + self.b
        return out.reshape(n, out_h, out_w, filters).transpose(0, 3, 1, 2)

    def backward(self, dout):
        filters, _, fh, fw = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, filters)
        self.db = dout.sum(axis=0)
        self.dW = (self.col.T @ dout).T.reshape(self.W.shape)
        return col2im(dout @ self.col_W.T, self.x_shape, fh, fw, self.stride, self.pad)


class Pooling:
    """Max pooling: im2col with one pooling window per row, then the row's maximum."""

    def __init__(self, pool_h, pool_w, stride=None, pad=0):
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride or pool_h, pad
        self.x_shape = self.arg_max = None

    def forward(self, x):
        n, c, h, w = x.shape
        out_h = output_size(h, self.pool_h, self.stride, self.pad)
        out_w = output_size(w, self.pool_w, self.stride, self.pad)
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad).reshape(-1, self.pool_h * self.pool_w)
        self.x_shape, self.arg_max = x.shape, col.argmax(axis=1)
        return col.max(axis=1).reshape(n, out_h, out_w, c).transpose(0, 3, 1, 2)

    def backward(self, dout):
        dout = dout.transpose(0, 2, 3, 1)
        window = self.pool_h * self.pool_w
        dmax = np.zeros((dout.size, window), dtype=dout.dtype)
        dmax[np.arange(dout.size), self.arg_max] = dout.ravel()  # only the maximum passes the gradient
        dcol = dmax.reshape(dout.shape[0] * dout.shape[1] * dout.shape[2], -1)
        return col2im(dcol, self.x_shape, self.pool_h, self.pool_w, self.stride, self.pad)


class Affine:
    """x @ W + b on the rows of x flattened (an image batch becomes (N, C * H * W))."""

    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.x_shape = self.dW = self.db = None

    def forward(self, x):
        self.x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return (dout @ self.W.T).reshape(self.x_shape)


class SimpleConvNet:
    """conv 30x5x5 - relu - pool 2x2 - affine 100 - relu - affine 10 - softmax with loss (the book's 7.5)."""

    def __init__(self, params: dict):
        self.params = params
        self.layers = {"Conv1": Convolution(params["W1"], params["b1"]), "Relu1": Relu(), "Pool1": Pooling(2, 2),
                       "Affine1": Affine(params["W2"], params["b2"]), "Relu2": Relu(),
                       "Affine2": Affine(params["W3"], params["b3"])}
        self.last_layer = SoftmaxWithLoss()

    def loss(self, x, t):
        for layer in self.layers.values():
            x = layer.forward(x)
        return self.last_layer.forward(x, t)

    def gradient(self, x, t) -> dict:
        self.loss(x, t)
        dout = self.last_layer.backward()
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)
        weighted = [self.layers[name] for name in ("Conv1", "Affine1", "Affine2")]
        grads = {}
        for number, layer in enumerate(weighted, start=1):
            grads[f"W{number}"], grads[f"b{number}"] = layer.dW, layer.db
        return grads

    def sgd_step(self, x, t, lr: float) -> None:
        for name, grad in self.gradient(x, t).items():
            self.params[name] -= lr * grad


def simple_conv_net_params(dtype=np.float64, weight_init_std=0.01, seed=0) -> dict:
    """The book's SimpleConvNet initialisation: Gaussian weights times 0.01, zero biases."""
    rng = np.random.default_rng(seed)
    shapes = {"W1": (30, 1, 5, 5), "b1": (30,), "W2": (30 * 12 * 12, 100), "b2": (100,),
              "W3": (100, 10), "b3": (10,)}
    return {name: (weight_init_std * rng.standard_normal(shape) if name.startswith("W")
                   else np.zeros(shape)).astype(dtype) for name, shape in shapes.items()}
