"""The floor: the book's two-layer net with backprop written by hand in NumPy.

Affine, Relu and SoftmaxWithLoss layers as in chapter 5 of the book, each with
forward and backward; `TwoLayerNet.gradient` runs them forward and back, and
`numerical_gradient` is chapter 4's central difference over every parameter.
Written tight on purpose, so that it is a fair floor for the engine: the first
Affine skips dx (the input needs no gradient), and updates happen in place.
"""
from __future__ import annotations

import numpy as np


class Affine:
    """Y = X W + b; backward: dX = dY W^T, dW = X^T dY, db = sum of dY over the batch."""

    def __init__(self, W: np.ndarray, b: np.ndarray, needs_input_grad: bool = True):
        self.W, self.b = W, b
        self.needs_input_grad = needs_input_grad
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T if self.needs_input_grad else None


class Relu:
    """max(x, 0); backward passes dout where x > 0 and 0 elsewhere (the book's mask)."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


def softmax(x):
    shifted = x - x.max(axis=1, keepdims=True)  # subtracting the max keeps exp from overflowing
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


class SoftmaxWithLoss:
    """Softmax and cross entropy against integer labels; backward gives (y - t) / N."""

    def __init__(self):
        self.y = self.t = None

    def forward(self, x, t):
        self.y, self.t = softmax(x), t
        rows = np.arange(len(t))
        return -np.log(self.y[rows, t] + 1e-7).sum() / len(t)

    def backward(self):
        dx = self.y.copy()
        dx[np.arange(len(self.t)), self.t] -= 1
        dx /= len(self.t)
        return dx


class TwoLayerNet:
    """Affine - Relu - Affine - SoftmaxWithLoss, with parameters W1, b1, W2, b2 in `params`."""

    def __init__(self, params: dict):
        self.params = params
        self.layers = [Affine(params["W1"], params["b1"], needs_input_grad=False), Relu(),
                       Affine(params["W2"], params["b2"])]
        self.last_layer = SoftmaxWithLoss()

    def loss(self, x, t) -> float:
        for layer in self.layers:
            x = layer.forward(x)
        return self.last_layer.forward(x, t)

    def gradient(self, x, t) -> dict:
        """Backprop: one forward pass, then the layers' backward methods in reverse order."""
        self.loss(x, t)
        dout = self.last_layer.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        first, _, second = self.layers
        return {"W1": first.dW, "b1": first.db, "W2": second.dW, "b2": second.db}

    def sgd_step(self, x, t, lr: float = 0.1) -> None:
        for name, grad in self.gradient(x, t).items():
            self.params[name] -= lr * grad

    def numerical_gradient(self, x, t, h: float = 1e-4) -> dict:
        """Chapter 4's way: nudge each parameter by +-h and difference the loss (2 forward passes each)."""
        grads = {}
        for name, param in self.params.items():
            grad = np.zeros_like(param)
            flat, flat_grad = param.reshape(-1), grad.reshape(-1)
            for i in range(flat.size):
                original = flat[i]
                flat[i] = original + h
                upper = self.loss(x, t)
                flat[i] = original - h
                lower = self.loss(x, t)
                flat[i] = original
                flat_grad[i] = (upper - lower) / (2 * h)
            grads[name] = grad
        return grads


def init_params(input_size=784, hidden_size=50, output_size=10, weight_init_std=0.01, seed=0) -> dict:
    """The book's initialisation: Gaussian weights scaled by 0.01, zero biases, float64."""
    rng = np.random.default_rng(seed)
    return {
        "W1": weight_init_std * rng.standard_normal((input_size, hidden_size)),
        "b1": np.zeros(hidden_size),
        "W2": weight_init_std * rng.standard_normal((hidden_size, output_size)),
        "b2": np.zeros(output_size),
    }
