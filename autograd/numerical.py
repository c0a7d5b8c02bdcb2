"""Numerical derivatives by central differences, and a checker that holds backprop to them.

The central difference (f(x + h) - f(x - h)) / 2h has error O(h^2); the book (ch. 4) uses
h = 1e-4, small enough for accuracy and large enough to avoid rounding noise.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import backend
from .backend import namespace_of
from .errors import GradcheckError
from .graph import grads_restored, no_grad
from .tensor import Tensor
from .value import Value, clear_grad


def _as_scalar(y) -> float:
    """The single number a function returned (float, Value, one-element Tensor or array)."""
    if isinstance(y, Value):
        return y.data
    if isinstance(y, Tensor):
        y = y.data
    array = backend.to_numpy(y) if backend.is_other_library_array(y) else np.asarray(y)
    if array.size != 1:
        raise ValueError(
            f"numerical_grad needs f to return one number; it returned shape {array.shape}: "
            "reduce the output first (e.g. .sum())"
        )
    return float(array.reshape(()))


def numerical_grad(f, x, h: float = 1e-4):
    """Central-difference gradient of scalar-valued `f` at `x`.

    `x` may be a float (returns a float), a NumPy array (returns an array of its
    shape), a `Value` or a `Tensor` (f receives the same object with its data
    nudged, and its data is restored afterwards).
    """
    with no_grad():
        if isinstance(x, Value):
            original = x.data
            try:
                x.data = original + h
                upper = _as_scalar(f(x))
                x.data = original - h
                lower = _as_scalar(f(x))
            finally:
                x.data = original
            return (upper - lower) / (2 * h)
        if isinstance(x, numbers.Real):
            return (_as_scalar(f(x + h)) - _as_scalar(f(x - h))) / (2 * h)
        if isinstance(x, Tensor):
            return _tensor_central_difference(f, x, h)
        array = np.array(x, dtype=np.float64)  # a copy: the caller's array is never touched
        return _array_central_difference(f, array, h)


def _tensor_central_difference(f, x: Tensor, h: float) -> np.ndarray:
    """Nudge a writable NumPy copy of the tensor's (read-only) array; the tensor gets its own array back after.
    A tensor of another library sees each nudged copy moved into its library (a check, not a hot path)."""
    original, version = x._data, x._version
    nudged = np.array(backend.to_numpy(original))
    xp, device = namespace_of(original), backend.device_of(original)

    def f_at_nudged(_):
        if xp is not backend.numpy_namespace:
            x._data = backend.move(nudged, xp, device)
        return f(x)

    x._data = nudged
    try:
        return _array_central_difference(f_at_nudged, nudged, h)
    finally:
        x._data, x._version = original, version  # the same numbers as before: no change to report


def _array_central_difference(f, array: np.ndarray, h: float) -> np.ndarray:
    """Nudge each element of `array` in place by +-h, call f(array), and put the element back."""
    grad = np.zeros(array.shape, dtype=np.float64)
    for index in np.ndindex(array.shape):
        original = array[index]
        try:
            array[index] = original + h
            upper = _as_scalar(f(array))
            array[index] = original - h
            lower = _as_scalar(f(array))
        finally:
            array[index] = original
        grad[index] = (upper - lower) / (2 * h)
    return grad


def gradcheck(f, *inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0) -> bool:
    """Check backprop's gradient of `f(*inputs)` against central differences.

    `inputs` are `Tensor`s (float64, requires_grad=True) or `Value`s. A
    non-scalar output is reduced to one number with fixed random weights, so
    every output element is checked. Returns True, or raises `GradcheckError`
    naming the input, the worst element, both gradients and their difference.
    The inputs' `.grad` are left as they were.
    """
    for position, x in enumerate(inputs):
        if isinstance(x, Tensor):
            if backend.dtype_name(x.dtype) != "float64":
                raise TypeError(
                    f"gradcheck needs float64 inputs (float32 rounding swamps a {eps:g} step); "
                    f"input {position}{_label(x)} is {x.dtype}: use Tensor(x.data, dtype='float64')"
                )
            if not x.requires_grad:
                raise ValueError(f"gradcheck input {position}{_label(x)} has requires_grad=False; set it to True")
        elif not isinstance(x, Value):
            raise TypeError(f"gradcheck inputs must be Tensor or Value; input {position} is {type(x).__name__}")

    with grads_restored(*inputs):
        for x in inputs:
            clear_grad(x)
        out = f(*inputs)
        if not isinstance(out, (Tensor, Value)):
            raise TypeError(f"gradcheck needs f to return a Tensor or Value (a graph to backprop); it returned "
                            f"{type(out).__name__}: build the result from the inputs with autograd ops")
        weights = None
        if isinstance(out, Tensor) and out.size != 1:
            weights = np.random.default_rng(seed).uniform(0.5, 1.5, size=out.shape)
        with grads_restored(out):  # f may close over tensors that require grad (a model's weights): theirs are kept
            if isinstance(out, Value):
                out.backward()
            elif out.requires_grad:  # an output with no graph has a zero backprop gradient, which the check will judge
                out.backward(None if weights is None else _in_library_of(out, weights))
            analytic = [np.zeros(x.shape) if x.grad is None else np.asarray(_host(x.grad), dtype=np.float64)
                        for x in inputs]
        for position, x in enumerate(inputs):
            numeric = numerical_grad(lambda _: _weighted_output(f(*inputs), weights), x, h=eps)
            _compare(position, x, analytic[position], np.asarray(numeric, dtype=np.float64), atol, rtol)
    return True


def _weighted_output(out, weights):
    """A non-scalar output folded into one number with fixed random weights, so every element counts."""
    if weights is None:
        return out
    return float(np.sum(backend.to_numpy(out.data) * weights))


def _host(grad):
    return backend.to_numpy(grad) if backend.is_other_library_array(grad) else grad  # a Value's grad is a float


def _in_library_of(out: Tensor, weights: np.ndarray):
    """The output weights as an array of out's library and dtype (no op mixes libraries)."""
    moved = backend.move(weights, namespace_of(out.data), out.device)
    return namespace_of(moved).astype(moved, out.dtype)


def _compare(position, x, analytic, numeric, atol, rtol):
    if analytic.shape != numeric.shape:  # checked first: shapes that do not broadcast cannot even be subtracted
        raise GradcheckError(
            f"input {position}{_label(x)}: backprop gave a gradient of shape {analytic.shape}, "
            f"the input has shape {numeric.shape}"
        )
    difference = np.abs(analytic - numeric)
    allowed = atol + rtol * np.abs(numeric)
    bad = ~(difference <= allowed)  # `~(<=)` so that a nan counts as a failure
    if bad.any():
        excess = np.where(np.isnan(difference), np.inf, difference - allowed)
        worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), difference.shape))
        # float() so the message reads 1.5, not NumPy 2's np.float64(1.5)
        raise GradcheckError(
            f"gradient mismatch for input {position}{_label(x)} at index {worst}: "
            f"backprop {float(analytic[worst])!r}, numerical {float(numeric[worst])!r}, "
            f"difference {float(difference[worst])!r} > atol + rtol*|numerical| = {float(allowed[worst])!r} "
            f"({int(bad.sum())} of {bad.size} elements off)"
        )


def _label(x) -> str:
    return f" ({x.name!r})" if getattr(x, "name", None) else ""
