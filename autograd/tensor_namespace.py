"""The Array API on Tensors: what `namespace_of(tensor)` answers, so that an op's backward rule, fed Tensors
under `create_graph=True`, records each of its steps and builds the derivative's own graph.

Each Tensor method is a function here (`xp.exp(t)` is `t.exp()`, `xp.sum(t, axis=0)` is `t.sum(0)`), so an op
registered with `tensor_method` is here as well. Below are the standard's names that differ from the methods',
and what rules read from numbers rather than from the graph: comparisons give plain boolean arrays (masks),
and `astype` makes a mask a constant Tensor.
"""
from __future__ import annotations

from . import ops
from .backend import ArrayNamespace, namespace_of
from .tensor import Tensor, is_tensor, numbers_of


def _comparison(name: str):
    """The standard's comparison `name` on the numbers of Tensors: a mask, read from numbers, outside the graph."""
    def compare(x, y):
        x, y = numbers_of(x), numbers_of(y)
        return getattr(namespace_of(x), name)(x, y)
    compare.__name__ = name
    return staticmethod(compare)


class TensorNamespace(ArrayNamespace):
    """An ArrayNamespace whose functions are Tensor methods and recorded ops (one piece of a batch at a time)."""

    def __init__(self):
        super().__init__(None)

    def __getattr__(self, name):  # a Tensor method as a function: xp.exp(t) is t.exp()
        method = getattr(Tensor, name)
        setattr(self, name, method)
        return method

    def __repr__(self):
        return "tensor_namespace (Tensor methods, recording ops)"

    where = staticmethod(ops.where)
    concat = staticmethod(ops.concatenate)

    @staticmethod
    def matmul(x, y):
        return x @ y

    @staticmethod
    def permute_dims(x, axes):
        return x.transpose(axes)

    @staticmethod
    def matrix_transpose(x):
        return x.transpose(tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))

    @staticmethod
    def astype(x, dtype):
        """A Tensor in another dtype (recorded), or a mask of booleans as a constant Tensor of numbers."""
        if is_tensor(x):
            return x if x.dtype == dtype else ops.Cast(dtype)(x)
        return Tensor._wrap(namespace_of(x).astype(x, dtype))

    equal, less_equal, greater_equal = (_comparison(name) for name in ("equal", "less_equal", "greater_equal"))


tensor_namespace = TensorNamespace()
