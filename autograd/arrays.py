"""How numbers come into a Tensor, and how its `.data` shows them.

A tensor's NumPy array is read-only, so no write can change what a recorded graph saved for
backward: `t.data[0] = 1` raises NumPy's "assignment destination is read-only". New numbers come
in through `t.data = array`, or `t.data -= step` (a new array, see TensorArray), which counts as a
change (the version goes up), and backward refuses a graph whose inputs or outputs changed after
it was recorded. (Other libraries' arrays have no read-only flag: there only `t.data = ...` is
detected.)
"""
from __future__ import annotations

import operator

import numpy as np

from . import backend
from .backend import namespace_of
from .errors import MixedNodeError
from .value import Value

_FLOAT_DTYPES = (np.float16, np.float32, np.float64)


def _new_array_when_read_only(operation, in_place):
    """TensorArray's `x op= y`: `x op y`, a new array, on a tensor's read-only numbers; in place on a copy."""
    def operator_(self, other):
        if self.flags.writeable:
            return in_place(self, other)
        return operation(self.view(np.ndarray), other)
    return operator_


class TensorArray(np.ndarray):
    """What `Tensor.data` gives for a NumPy tensor: the tensor's own read-only array, seen through a
    subclass whose in-place operators (-=, +=, *=, /=, ...) make a new array instead of failing.

    So `p.data -= lr * p.grad`, the update line of micrograd and the book, works: Python computes
    `p.data - lr * p.grad` and assigns it to `p.data`, which counts as a change (the version goes up,
    and backward refuses a graph recorded before it), while the old array, which a graph may have
    saved, stays as it was. Writing into the array (`t.data[0] = 1`) is still refused; arithmetic
    on it gives plain NumPy arrays, and it prints as one. A writable copy (`t.data.copy()`) changes
    in place as any NumPy array does. As with a Python number, `d = t.data; d -= step` makes `d` a
    new array and leaves `t` as it was: assign it back (`t.data = d`).
    """

    __iadd__ = _new_array_when_read_only(operator.add, np.ndarray.__iadd__)
    __isub__ = _new_array_when_read_only(operator.sub, np.ndarray.__isub__)
    __imul__ = _new_array_when_read_only(operator.mul, np.ndarray.__imul__)
    __itruediv__ = _new_array_when_read_only(operator.truediv, np.ndarray.__itruediv__)
    __ifloordiv__ = _new_array_when_read_only(operator.floordiv, np.ndarray.__ifloordiv__)
    __imod__ = _new_array_when_read_only(operator.mod, np.ndarray.__imod__)
    __ipow__ = _new_array_when_read_only(operator.pow, np.ndarray.__ipow__)
    __imatmul__ = _new_array_when_read_only(operator.matmul, np.ndarray.__imatmul__)

    def __array_wrap__(self, array, context=None, return_scalar=False):
        array = array.view(np.ndarray)  # results are the learner's own plain arrays
        return array[()] if return_scalar else array

    def __repr__(self):
        return repr(self.view(np.ndarray))


def read_only(array):
    """A read-only view: the tensor's array is fixed, and the caller's own array stays writable."""
    if type(array) is not np.ndarray:
        return array  # other libraries have no read-only flag
    view = array.view()
    view.setflags(write=False)
    return view


def as_gradient(grad, data, owned: bool):
    """`grad` as the gradient of a node holding `data`: an array in data's dtype, which for a leaf is its own (as in
    PyTorch), so an in-place edit of one `.grad` reaches no other. `owned`: nothing else holds grad, which is kept."""
    if backend.is_numpy(data):
        if owned and type(grad) is np.ndarray and grad.dtype == data.dtype:
            return grad
        return np.array(grad, dtype=data.dtype)  # NumPy scalars too become arrays
    xp = namespace_of(grad)
    if grad.dtype != data.dtype:
        return xp.astype(grad, data.dtype)
    return grad if owned else xp.asarray(grad, copy=True)


def as_float_array(data, dtype) -> np.ndarray:
    """Validate and convert constructor input: numbers only; ints and bools become float64."""
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.type not in _FLOAT_DTYPES:
            raise TypeError(f"Tensor dtype must be float16, float32 or float64; got {dtype}")
    if isinstance(data, (str, bytes)) or data is None:
        raise TypeError(f"Tensor data must be numbers; got {type(data).__name__} {data!r}")
    if backend.is_other_library_array(data):
        return _as_float_array_of_library(data, dtype)
    try:
        array = np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"Tensor data must be a rectangular array of numbers; "
                        f"got {type(data).__name__}: {err}") from err
    kind = array.dtype.kind
    if kind in "biu":
        return array.astype(np.float64)
    if kind == "f":
        return array
    values = [item for item in array.flat if isinstance(item, Value)] if kind == "O" else []
    if values:  # `Tensor * Value` lands here too: the Value is lifted like any operand
        raise MixedNodeError(f"a Tensor got a Value ({values[0]!r}) as data or as an operand; {MixedNodeError.advice}")
    raise TypeError(
        f"Tensor data must be real numbers; got an array of dtype {array.dtype} "
        f"({'complex numbers' if kind == 'c' else 'not numbers'}) from {type(data).__name__}"
    )


def _as_float_array_of_library(array, dtype):
    """as_float_array for an array of another Array API library: kept there, on its device."""
    xp = namespace_of(array)
    if dtype is not None:
        return xp.astype(array, getattr(xp, dtype.name))
    if xp.isdtype(array.dtype, ("bool", "integral")):
        return xp.astype(array, xp.float64)
    if xp.isdtype(array.dtype, "real floating"):
        return array
    raise TypeError(f"Tensor data must be real numbers; got an array of dtype {array.dtype} "
                    f"from {type(array).__name__}")
