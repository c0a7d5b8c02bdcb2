"""Derivatives as function transforms, as in JAX and HIPS autograd.

`grad(f)` is a function that computes df/dx. Transforms compose: `grad(grad(f))`
is the second derivative. They work by calling `backward(create_graph=True)`
whenever the input already is a graph node (as it is inside an outer transform),
so the derivative is itself differentiable; on plain floats and arrays they use
the ordinary backward and return plain floats and arrays.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from . import backend
from .backend import namespace_of
from .graph import enable_grad, grads_restored
from .numerical import gradcheck
from .tensor import Tensor
from .value import Value, clear_grad


def _as_leaf(x):
    """A fresh leaf for a plain number or array; a node passed in is used as it is.

    A Tensor that does not require grad is differentiated by all the same: a new leaf on
    its numbers that does (the transform asks for the derivative, whatever the flag says).
    """
    if isinstance(x, Value) or (isinstance(x, Tensor) and x.requires_grad):
        return x
    if isinstance(x, Tensor):
        return Tensor(x.data, requires_grad=True, name=x.name)
    if isinstance(x, numbers.Real):
        return Value(x)
    array = namespace_of(x).asarray(x, copy=True) if backend.is_other_library_array(x) else np.array(x)
    return Tensor(array, requires_grad=True)  # a copy: the caller's array is never touched


def _is_scalar_output(out) -> bool:
    return isinstance(out, Value) or (isinstance(out, Tensor) and out.size == 1)


def grad(f, argnums=0):
    """The function x -> df/dx for scalar-valued f (a float, `Value` or one-element `Tensor`).

    `argnums` picks the argument(s) to differentiate by (an int or a tuple of ints).
    Plain floats and arrays in give plain floats and arrays out; `Value`/`Tensor`
    in give nodes out that can be differentiated again, so `grad(grad(f))` is f''.
    """
    return _transform(f, argnums, with_value=False)


def value_and_grad(f, argnums=0):
    """Like `grad`, but the function returns (f(x), df/dx) from one forward pass."""
    return _transform(f, argnums, with_value=True)


def _transform(f, argnums, with_value):
    single = isinstance(argnums, int)
    positions = (argnums,) if single else tuple(argnums)

    def derivative(*args):
        for i in positions:
            if not -len(args) <= i < len(args):
                raise TypeError(f"grad(argnums={argnums}) needs at least {abs(i) + (i >= 0)} arguments; "
                                f"got {len(args)}")
        wanted = [i % len(args) for i in positions]
        given_nodes = [isinstance(args[i], (Value, Tensor)) for i in wanted]
        args = list(args)
        for i in set(wanted):  # one leaf per argument, however often argnums names it
            args[i] = _as_leaf(args[i])
        inputs = [args[i] for i in wanted]
        with enable_grad():
            out = f(*args)
            if not _is_scalar_output(out):
                shape = getattr(out, "shape", type(out).__name__)
                raise ValueError(f"grad needs f to return one number; it returned {shape}: reduce it (e.g. .sum())")
            # The derivative must itself be a graph when an input came from outside (an outer transform).
            create_graph = any(given_nodes)
            grads = _backward_keeping_grads(out, inputs, create_graph)
        if not create_graph:  # plain in, plain out: the one number f returned, as a float
            out = out.data if isinstance(out, Value) else out.item()
        result = grads[0] if single else tuple(grads)
        return (out, result) if with_value else result

    derivative.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    derivative.__doc__ = f"Derivative of {getattr(f, '__name__', 'f')} with respect to argument(s) {argnums}."
    return derivative


def _backward_keeping_grads(out, inputs, create_graph):
    """d out / d input for each input, via backward, restoring every `.grad` in the graph afterwards."""
    # A transform must not disturb what the caller's own backward() left in `.grad` (parameters, outer transforms).
    with grads_restored(*inputs, *([out] if isinstance(out, (Value, Tensor)) else [])):
        for x in inputs:
            clear_grad(x)
        if isinstance(out, (Value, Tensor)) and (isinstance(out, Value) or out.requires_grad):
            out.backward(create_graph=create_graph)
        grads = []
        for x in inputs:
            g = x.grad
            if g is None or (isinstance(g, float) and isinstance(x, Tensor)):
                g = namespace_of(x.data).zeros_like(x.data)
            if create_graph:  # a constant derivative still has to be a node an outer transform can walk
                g = g if isinstance(g, (Value, Tensor)) else (Value(g) if isinstance(x, Value) else Tensor._wrap(g))
            grads.append(g)
        return grads


def hvp(f):
    """The function (x, v) -> H(x) v, the Hessian of f times v, without ever forming H.

    It is the gradient of the directional derivative <grad f(x), v>: two backward
    passes, whatever the size of x.
    """
    def hessian_vector_product(x, v):
        if isinstance(v, numbers.Real):
            v = float(v)
        else:
            v = _float_array(v)
            v = namespace_of(v).astype(v, _float_array(_data_of(x)).dtype)
        return grad(lambda y: _inner(grad(f)(y), v))(x)

    return hessian_vector_product


def hessian(f):
    """The function x -> the matrix of second derivatives of scalar-valued f at x.

    For an array x of shape S the result has shape S + S; for a float, a float.
    Built one row at a time from Hessian-vector products (for small problems).
    """
    def hessian_at(x):
        if isinstance(x, (numbers.Real, Value)):
            return grad(grad(f))(x)
        x = _float_array(x.data if isinstance(x, Tensor) else x)
        xp, size = namespace_of(x), math.prod(x.shape)
        product = hvp(f)
        rows = []
        for k in range(size):
            unit = xp.zeros(size, dtype=x.dtype, device=backend.device_of(x))
            unit[k] = 1.0
            rows.append(xp.reshape(xp.asarray(product(x, xp.reshape(unit, x.shape))), (-1,)))
        return xp.reshape(xp.stack(rows), x.shape + x.shape)

    return hessian_at


def _data_of(x):
    return x.data if isinstance(x, (Value, Tensor)) else x


def _float_array(x):
    """x as an array in its own float dtype (float32 stays float32) and library; integers become float64."""
    array = x if backend.is_other_library_array(x) else np.asarray(x)
    xp = namespace_of(array)
    return array if xp.isdtype(array.dtype, "real floating") else xp.astype(array, xp.float64)


def _inner(g, v):
    """<g, v> as one scalar node (a Value product or a Tensor sum)."""
    return g * v if isinstance(g, Value) else (g * v).sum()


def gradgradcheck(f, *inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0) -> bool:
    """Check second derivatives: the gradient of <grad f, v> for fixed random directions v
    by backprop through backprop, against central differences (via `gradcheck`).

    `f` must return one number; `inputs` as for `gradcheck` (float64 Tensors that
    require grad, or Values). Returns True or raises `GradcheckError`.
    """
    rng = np.random.default_rng(seed)
    # Each direction is a constant in its input's own array library and device, as an index would be.
    directions = [float(rng.uniform(0.5, 1.5)) if isinstance(x, Value)
                  else Tensor(backend.move(rng.uniform(0.5, 1.5, x.shape), namespace_of(x.data), x.device))
                  for x in inputs]
    first_derivatives = grad(f, argnums=tuple(range(len(inputs))))

    def directional_derivative(*xs):
        total = None
        for g, v in zip(first_derivatives(*xs), directions):
            term = _inner(g, v)
            total = term if total is None else total + term
        return total

    return gradcheck(directional_derivative, *inputs, eps=eps, atol=atol, rtol=rtol, seed=seed)
