"""`Tensor`: an array that remembers how it was computed, and the backward driver.

The ops themselves (each one's forward and backward side by side) are in `ops.py`;
this file holds the node: how a call of an op is recorded, how `backward()` walks
the graph in reverse topological order applying each op's rule (the chain rule), and
the checks around it. Gradients are computed only for inputs that need them: a batch
of data never gets a gradient unless it asked for one.

The array is NumPy's by default, or of any library that follows the Python Array API
standard (CuPy, PyTorch, Dask, array_api_strict: see backend.py); a tensor's ops run in
its array's library, and `t.to(...)` moves it to another.

A tensor's NumPy array is read-only, so no write can change what a recorded graph saved for
backward: `t.data[0] = 1` raises NumPy's "assignment destination is read-only". New
numbers come in through `t.data = array`, or `t.data -= step` (a new array, see TensorArray),
which counts as a change (the version goes up), and backward refuses a graph whose inputs
or outputs changed after it was recorded.
(Other libraries' arrays have no read-only flag: there only `t.data = ...` is detected.)

Floating-point faults follow NumPy (IEEE): log(0) = -inf, 0/0 = nan, with NumPy's
RuntimeWarning.
"""
from __future__ import annotations

import math
import numbers
import operator

import numpy as np

from . import backend
from . import value as value_module
from .backend import device_of, namespace_of
from .errors import AnomalyError, BackwardError, DeviceError, MixedNodeError, ShapeError
from .graph import _anomaly_mode, _grad_enabled, enable_grad, topological_order
from .ops import (
    Add,
    BroadcastTo,
    Concatenate,
    Context,
    Div,
    Exp,
    GetItem,
    Log,
    MatMul,
    Max,
    Mul,
    Neg,
    Op,
    Pow,
    PowConst,
    Relu,
    Reshape,
    Sigmoid,
    Stack,
    Sub,
    Sum,
    Tanh,
    To,
    Transpose,
    Where,
    _reduced_shape,
)
from .value import Value

_FLOAT_DTYPES = (np.float16, np.float32, np.float64)


# ---- what t.data shows -------------------------------------------------------
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


# ---- the Tensor -----------------------------------------------------------
_new_tensor = object.__new__


class Tensor:
    """An n-dimensional array node of a computational graph.

    `Tensor(data)` wraps `data` without copying when it already is a float array
    (as `np.asarray` does), in a read-only view: the tensor's numbers change only when
    `.data` is assigned. Integers and booleans become float64; float16/32/64 are kept.
    An array of another Array API library (CuPy, PyTorch, Dask, array_api_strict) stays
    in that library, on its device. `requires_grad=True` marks a leaf whose gradient you want.

    `backward()` may be called more than once: leaves add each call's gradient
    to `.grad`, as in PyTorch; intermediate nodes show the latest call's only.
    """

    # made_in: the module call that made this node (see value.module_call); unset outside any module's forward
    # _shown: (the array, its TensorArray view) that `.data` last gave, so t.data is t.data
    __slots__ = ("_data", "_shown", "_version", "grad", "requires_grad", "name", "parents", "_op", "_ctx", "made_in",
                 "__weakref__")
    __array_ufunc__ = None  # make NumPy hand `ndarray * Tensor` to Tensor.__rmul__

    def __init__(self, data, requires_grad: bool = False, name: str | None = None, dtype=None):
        if type(data) is not np.ndarray or data.dtype.kind != "f" or dtype is not None:  # a float array is kept as is
            data = _as_float_array(data, dtype)
        self._data = _read_only(data)
        self._shown = None
        self._version = 0
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self.parents = ()
        self._op = self._ctx = None

    @staticmethod
    def _wrap(array) -> "Tensor":
        """A fresh node around an array an op already produced (no validation, no copy)."""
        out = _new_tensor(Tensor)
        out._data = array
        out._shown = None
        out._version = 0
        out.grad = None
        out.requires_grad = False
        out.name = None
        out.parents = ()
        out._op = out._ctx = None
        return out

    def _record(self, op: Op, inputs: tuple) -> "Tensor":
        """Run `op` on the inputs' arrays and return the result node, which keeps the graph
        (its inputs, the op and the call's Context) while grad is enabled and an input wants a gradient."""
        needs = tuple([t.requires_grad for t in inputs]) if _grad_enabled.get() else ()
        ctx = Context(needs, tuple([t._version for t in inputs]) if True in needs else ())
        arrays = [t._data for t in inputs]
        for array in arrays:
            if type(array) is not np.ndarray:
                namespace_of(*arrays)  # raises DeviceError when inputs live in different libraries or devices
                break
        try:
            data = op.forward(ctx, *arrays)
        except (ShapeError, DeviceError):
            raise
        except ValueError as err:
            shapes = ", ".join(str(t.shape) for t in inputs)
            raise ShapeError(f"{type(op).__name__} ('{op.name}') cannot take inputs of shapes {shapes}: {err}") from err
        if type(data) is np.ndarray:
            data.setflags(write=False)  # what a graph saved for backward cannot be changed behind its back
        elif isinstance(data, np.generic):  # full reductions and scalar indexing give NumPy scalars
            data = np.asarray(data)
            data.setflags(write=False)
        if _anomaly_mode.get():
            _check_finite(data, op, inputs, "forward result")
        out = Tensor._wrap(data)
        if True in needs:
            out.requires_grad = True
            out.parents, out._op, out._ctx = inputs, op, ctx
            if value_module.module_call is not None:
                out.made_in = value_module.module_call
        return out

    def _lift(self, other) -> "Tensor":
        """Wrap a number or array as a constant in this tensor's dtype (so float32 stays float32)."""
        if isinstance(other, Tensor):
            return other
        if type(self._data) is not np.ndarray:
            return self._lift_into_namespace(other)
        if isinstance(other, numbers.Real) or (isinstance(other, np.ndarray) and other.dtype.kind in "biu"):
            constant = np.asarray(other, dtype=self.data.dtype)  # a new array: read-only like every tensor's
            constant.setflags(write=False)
            return Tensor._wrap(constant)
        return Tensor(other)

    def _lift_into_namespace(self, other) -> "Tensor":
        """A number, list or integer array of this tensor's library as a constant in its dtype, on its device."""
        xp = namespace_of(self._data)
        if isinstance(other, (numbers.Real, list, tuple)):
            return Tensor._wrap(xp.asarray(other, dtype=self.dtype, device=self.device))
        namespace_of(self._data, other)  # an array of another library or device: DeviceError, naming both
        if not xp.isdtype(other.dtype, "real floating"):
            return Tensor._wrap(xp.astype(other, self.dtype))
        return Tensor(other)

    def __array_namespace__(self, api_version=None):
        """The Array API functions the ops' rules call, recording ops on Tensors (see TensorFunctions)."""
        return TensorFunctions

    # ---- properties -------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The array itself (not a copy), read-only: `t.data = new_array` or `t.data -= step` give the tensor
        new numbers (a new array; see TensorArray), writing into it (`t.data[0] = 1`) raises."""
        array = self._data
        if type(array) is not np.ndarray:
            return array  # other libraries' arrays have no read-only flag to work around
        shown = self._shown
        if shown is None or shown[0] is not array:
            shown = self._shown = (array, array.view(TensorArray))
        return shown[1]

    @data.setter
    def data(self, array) -> None:
        # A change: backward refuses any graph recorded with the old numbers.
        if type(array) is not np.ndarray or array.dtype.kind != "f":  # an optimizer's float array needs no checks
            array = _as_float_array(array, None)
        self._data = _read_only(array)
        self._shown = None
        self._version += 1

    @property
    def op(self) -> str:
        """The name of the operation that made this tensor ('' for a leaf): "+", "*", "@", "sum", ..."""
        return self._op.name if self._op is not None else ""

    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        if type(self._data) is np.ndarray:
            return self._data.size
        return math.prod(self.shape)  # not the array's .size: a method in PyTorch, None for some Dask shapes

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def device(self):
        """Where the numbers live: "cpu" for NumPy, else the array library's device (a GPU for CuPy)."""
        return device_of(self._data)

    @property
    def T(self) -> "Tensor":
        return Transpose()(self)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        # Defined so that a 0-d tensor refuses iteration: Python's fallback through __getitem__ would give [].
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor (as in NumPy and PyTorch): use .item() for its number")
        return (self[index] for index in range(self.shape[0]))

    # ---- arithmetic -------------------------------------------------------
    def __add__(self, other):
        return Add()(self, self._lift(other))

    def __radd__(self, other):
        return Add()(self._lift(other), self)

    def __sub__(self, other):
        return Sub()(self, self._lift(other))

    def __rsub__(self, other):
        return Sub()(self._lift(other), self)

    def __mul__(self, other):
        return Mul()(self, self._lift(other))

    def __rmul__(self, other):
        return Mul()(self._lift(other), self)

    def __truediv__(self, other):
        return Div()(self, self._lift(other))

    def __rtruediv__(self, other):
        return Div()(self._lift(other), self)

    def __neg__(self):
        return Neg()(self)

    def __pow__(self, exponent):
        if isinstance(exponent, numbers.Real):
            return PowConst(float(exponent))(self)
        return Pow()(self, self._lift(exponent))

    def __rpow__(self, base):
        return Pow()(self._lift(base), self)

    def __matmul__(self, other):
        return MatMul()(self, self._lift(other))

    def __rmatmul__(self, other):
        return MatMul()(self._lift(other), self)

    # ---- functions --------------------------------------------------------
    def exp(self):
        return Exp()(self)

    def log(self):
        return Log()(self)

    def tanh(self):
        return Tanh()(self)

    def sigmoid(self):
        return Sigmoid()(self)

    def relu(self):
        return Relu()(self)

    def sum(self, axis=None, keepdims=False):
        return Sum(_normalize_axis(axis), keepdims)(self)

    def mean(self, axis=None, keepdims=False):
        axis = _normalize_axis(axis)
        count = math.prod(size for size, kept in zip(self.shape, _reduced_shape(self.shape, axis)) if kept == 1)
        return self.sum(axis, keepdims) * (1.0 / count if count else float("nan"))  # the mean of nothing is nan

    def max(self, axis=None, keepdims=False):
        """Largest element; on ties the gradient is shared evenly among the tied elements."""
        return Max(_normalize_axis(axis), keepdims)(self)

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return Reshape(tuple(shape))(self)

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return Transpose(tuple(axes) if axes else None)(self)

    def broadcast_to(self, shape):
        return BroadcastTo(tuple(shape))(self)

    def __getitem__(self, index):
        """x[index] with ints, slices, integer arrays (repeats add up in backward) and NumPy bool masks.

        A Tensor in the index is read as integer positions; masks must be NumPy bool
        arrays, since a Tensor holds floats and True/False would become 1/0.
        """
        index = _plain_index(index, self._data)
        if type(self._data) is not np.ndarray:
            index = _with_trailing_ellipsis(index)
        return GetItem(index)(self)

    # ---- conversion -------------------------------------------------------
    def detach(self) -> "Tensor":
        """The same data as a new leaf outside the graph (no copy)."""
        return Tensor._wrap(self._data)

    def numpy(self) -> np.ndarray:
        """The numbers as a NumPy array: for a NumPy tensor the array itself, read-only (`np.array(t.numpy())`
        for a copy you can write to); for other libraries their numbers on the host (Dask computes them)."""
        return self._data if type(self._data) is np.ndarray else backend.to_numpy(self._data)

    def to(self, target, device=None) -> "Tensor":
        """This tensor in another array library or on another device, as a differentiable copy: `t.to("cuda")`
        (CuPy), `t.to("torch", device="cuda:0")`, `t.to(dask.array)`, `t.to("numpy")` back to the host.

        Gradients flow back through it to the original library; a tensor already there is returned as it is.
        """
        xp = backend.resolve(target)
        if xp is namespace_of(self._data) and (device is None or str(device) == str(self.device)):
            return self
        return To(target, device)(self)

    def item(self) -> float:
        if math.prod(self.shape) != 1:
            raise ValueError(f"item() needs a tensor with one element; this one has shape {self.shape}")
        return float(namespace_of(self._data).reshape(self._data, ()))

    def __float__(self):
        return self.item()

    # ---- backward ---------------------------------------------------------
    def backward(self, grad=None, create_graph: bool = False) -> None:
        """Fill `.grad` of every tensor this one depends on (that requires grad) with d(self)/d(it).

        `grad` is the gradient of some final scalar with respect to this tensor; it
        may be left out only when this tensor has a single element (then it is 1).
        With `create_graph=True` the gradients are Tensors with a graph of their own,
        so they can be differentiated again; the backward rules then run on Tensors.
        """
        grad = self._first_gradient(grad, create_graph)
        order = topological_order(self)
        for node in order:
            if node.parents:  # an intermediate keeps only the latest pass's gradient
                node.grad = None
                if node._version or node._ctx.input_versions != tuple([p._version for p in node.parents]):
                    _refuse_changed(node)
        _accumulate(self, grad)
        if create_graph:
            with enable_grad():
                for node in reversed(order):
                    if node.parents and node.grad is not None:
                        _send_gradient_to_parents(node, True, _anomaly_mode.get())
            return
        anomaly = _anomaly_mode.get()  # read once: the sweep below is the per-node cost of every training step
        for node in reversed(order):
            if node.parents and node.grad is not None:
                _send_gradient_to_parents(node, False, anomaly)

    def _first_gradient(self, grad, create_graph: bool):
        """The gradient backward starts from: 1 for a one-element output, else `grad` checked for its shape."""
        if not self.requires_grad:
            raise BackwardError(
                f"backward() on a tensor{_called(self)} of shape {self.shape} that does not require grad: "
                "no input of the computation had requires_grad=True (or it ran inside no_grad())"
            )
        if grad is None:
            if self.size != 1:
                raise BackwardError(
                    f"backward() without grad works only for a single-element output; this one{_called(self)} "
                    f"has shape {self.shape}: reduce it first (e.g. .sum()) or pass grad of shape {self.shape}"
                )
            grad = namespace_of(self._data).ones_like(self._data)
        elif not (create_graph and isinstance(grad, Tensor)):
            grad = self._lift(grad.data if isinstance(grad, Tensor) else grad)._data
            if grad.dtype != self.dtype:
                grad = namespace_of(grad).astype(grad, self.dtype)
        if grad.shape != self.shape:
            raise BackwardError(
                f"backward(grad) needs grad of the output's shape {self.shape}; got shape {grad.shape}"
            )
        return Tensor._wrap(grad) if create_graph and not isinstance(grad, Tensor) else grad

    def __repr__(self):
        if backend.library_of(self._data) == "dask":
            body = repr(self._data)  # a Dask array is not computed just to be shown
        else:
            body = np.array2string(self.numpy(), precision=4, separator=", ", threshold=20, prefix="Tensor(")
        extras = "".join([
            f", device={self.device!r}" if type(self._data) is not np.ndarray else "",
            f", dtype={backend.dtype_name(self.dtype)}" if backend.dtype_name(self.dtype) != "float64" else "",
            ", requires_grad=True" if self.requires_grad else "",
            f", name={self.name!r}" if self.name else "",
        ])
        return f"Tensor({body}{extras})"


def _send_gradient_to_parents(node: Tensor, create_graph: bool, anomaly: bool) -> None:
    """One step of the chain rule: the op's backward turns node.grad into its inputs' gradients."""
    op, parents = node._op, node.parents
    if create_graph:  # the same rules, fed nodes instead of arrays, record the derivative's graph
        parent_grads = op.backward(node._ctx, node.grad, *parents, node)
    else:
        parent_grads = op.backward(node._ctx, node.grad, *[p._data for p in parents], node._data)
    if anomaly:
        for parent_grad in parent_grads:
            if parent_grad is not None:
                array = parent_grad.data if isinstance(parent_grad, Tensor) else parent_grad
                _check_finite(array, op, parents, "backward gradients")
    owned = op.fresh_gradients and (len(parent_grads) == 1 or _all_distinct(parent_grads))
    for parent, parent_grad in zip(parents, parent_grads):
        if parent_grad is not None:
            _accumulate(parent, parent_grad, owned)


def _all_distinct(grads) -> bool:
    """True when no array appears twice among one op's gradients (None aside)."""
    arrays = [id(g) for g in grads if g is not None]
    return len(set(arrays)) == len(arrays)


def _accumulate(node: Tensor, grad, owned: bool = False) -> None:
    """Add `grad` to node.grad; `owned`: grad is a new array of the node's own (see Op.fresh_gradients)."""
    total = grad if node.grad is None else node.grad + grad
    if node.parents and type(total) is np.ndarray and type(node._data) is np.ndarray:
        node.grad = total  # the usual case first: an intermediate's NumPy gradient
    elif isinstance(total, Tensor):  # create_graph: the gradient is a node of its own graph
        node.grad = total
    elif type(node._data) is not np.ndarray:
        _accumulate_other_library(node, total, grad, owned)
    elif node.parents:
        node.grad = np.asarray(total)  # arithmetic on 0-d arrays gives NumPy scalars; .grad is always an array
    elif (total is grad and not (owned and total.base is None)) or type(total) is not np.ndarray \
            or total.dtype != node._data.dtype:
        # A leaf owns its gradient, an array in its own dtype (as in PyTorch): rules hand on views and
        # shared arrays (a + b gives both the same one), which an in-place edit of one .grad would corrupt.
        node.grad = np.array(total, dtype=node.data.dtype)
    else:
        node.grad = total


def _accumulate_other_library(node: Tensor, total, grad, owned: bool) -> None:
    """_accumulate for arrays of other libraries: the same rule, told by the standard's means (no .base)."""
    xp = namespace_of(total)
    if total.dtype != node.dtype:
        total = xp.astype(total, node.dtype)
    elif not node.parents and total is grad and not owned:
        total = xp.asarray(total, copy=True)
    node.grad = total


def _refuse_changed(node: Tensor) -> None:
    """Refuse to backprop through an op whose input or output was given new numbers after the op ran."""
    for position, (parent, saved) in enumerate(zip(node.parents, node._ctx.input_versions)):
        if parent._version != saved:
            raise BackwardError(
                f"input {position}{_called(parent)} (shape {parent.shape}) of op '{node.op}' was changed in place "
                f"after the op used it (version {saved} -> {parent._version}), so its gradient would be wrong: "
                "run the forward pass again after changing it, or change a copy"
            )
    if node._version != 0:  # backward rules read the output too (exp's gradient is its output)
        raise BackwardError(
            f"the output{_called(node)} (shape {node.shape}) of op '{node.op}' was changed after the op made it "
            f"(version 0 -> {node._version}), so the gradients through it would be wrong: "
            "run the forward pass again, or change a copy (t.detach() shares the numbers, np.array(t.data) copies)"
        )


def _check_finite(array, op: Op, inputs, what: str) -> None:
    xp = namespace_of(array)
    if not bool(xp.all(xp.isfinite(array))):
        found = "nan" if bool(xp.any(xp.isnan(array))) else "inf"
        described = ", ".join(f"{t.shape}{_called(t)}" for t in inputs)
        raise AnomalyError(f"{type(op).__name__} ('{op.name}') gave {found} in its {what}; inputs: {described}")


def _called(t: Tensor) -> str:
    return f" {t.name!r}" if t.name else ""


def _normalize_axis(axis):
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def _plain_index(index, data):
    """Turn Tensors inside an index into integer arrays (a Tensor holds floats, so it cannot be a mask),
    in the library of the indexed `data` (an index is a constant, not data, so a NumPy one is moved)."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i, data) for i in index)
    if isinstance(index, Tensor):
        xp = namespace_of(index.data)
        positions = xp.astype(index.data, xp.int64)
        if not bool(xp.all(positions == index.data)):
            raise IndexError(
                f"a Tensor used as an index must hold whole numbers; got {index.numpy().ravel()[:6]}... "
                "(for a boolean mask index with a NumPy bool array, e.g. x[x.data > 0])"
            )
        index = positions
    if isinstance(index, (np.ndarray, list)) and type(data) is not np.ndarray:
        index = namespace_of(data).asarray(index, device=device_of(data))
    return index


def _with_trailing_ellipsis(index):
    """NumPy reads x[1:] as x[1:, ...]; the Array API standard wants the `...` written out (for slices and
    integers: an array index must stand alone or index every axis there, so it is left as it is)."""
    parts = index if isinstance(index, tuple) else (index,)
    basic = all(part is None or isinstance(part, (slice, numbers.Integral)) for part in parts)
    return parts + (Ellipsis,) if basic else index


def _read_only(array):
    """A read-only view: the tensor's array is fixed, and the caller's own array stays writable."""
    if type(array) is not np.ndarray:
        return array  # other libraries have no read-only flag
    view = array.view()
    view.setflags(write=False)
    return view


def _as_float_array(data, dtype) -> np.ndarray:
    """Validate and convert constructor input: numbers only; ints and bools become float64."""
    if isinstance(data, Tensor):
        data = data.data
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
    """_as_float_array for an array of another Array API library: kept there, on its device."""
    xp = namespace_of(array)
    if dtype is not None:
        return xp.astype(array, getattr(xp, dtype.name))
    if xp.isdtype(array.dtype, ("bool", "integral")):
        return xp.astype(array, xp.float64)
    if xp.isdtype(array.dtype, "real floating"):
        return array
    raise TypeError(f"Tensor data must be real numbers; got an array of dtype {array.dtype} "
                    f"from {type(array).__name__}")


def as_tensor(x) -> Tensor:
    """x itself when it is a Tensor, else a constant Tensor on its numbers (a float array is not copied)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def numbers_of(x):
    """The numbers behind a Tensor or Value (its array or float); anything else as it is."""
    return x.data if isinstance(x, (Tensor, Value)) else x


def tensor(data, requires_grad: bool = False, name: str | None = None, dtype=None) -> Tensor:
    """Same as `Tensor(...)`: the spelling PyTorch users reach for."""
    return Tensor(data, requires_grad=requires_grad, name=name, dtype=dtype)


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (as `np.concatenate`; axis=None joins them flattened)."""
    tensors = [as_tensor(t) for t in tensors]
    if axis is None:
        return Concatenate(0)(*[t.reshape(-1) for t in tensors])
    return Concatenate(axis)(*tensors)


def stack(tensors, axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis (as `np.stack`)."""
    tensors = [as_tensor(t) for t in tensors]
    return Stack(axis)(*tensors)


def where(condition, a, b) -> Tensor:
    """Elementwise `a if condition else b`; the gradient flows only to the chosen side."""
    if not isinstance(a, Tensor):  # a number takes the other side's dtype, so float32 stays float32
        a = b._lift(a) if isinstance(b, Tensor) else Tensor(a)
    b = a._lift(b)
    if isinstance(condition, Tensor):
        condition = condition.data != 0
    elif not backend.is_other_library_array(condition):
        condition = np.asarray(condition, dtype=bool)
        if type(a._data) is not np.ndarray:  # a list or NumPy mask is a constant: it follows the tensors, as an index
            condition = backend.move(condition, namespace_of(a.data), a.device)
    return Where(condition)(a, b)


class TensorFunctions:
    """The Array API functions the ops' rules call, on Tensors: `namespace_of(tensor)` answers with this,
    so a backward rule run under `create_graph=True` records each step and builds the derivative's graph."""

    exp = staticmethod(Tensor.exp)
    log = staticmethod(Tensor.log)
    broadcast_to = staticmethod(Tensor.broadcast_to)
    where = staticmethod(where)

    @staticmethod
    def sum(x, axis=None, keepdims=False):
        return x.sum(axis, keepdims)

    @staticmethod
    def reshape(x, shape):
        return x.reshape(shape)

    @staticmethod
    def permute_dims(x, axes):
        return x.transpose(axes)

    @staticmethod
    def matrix_transpose(x):
        return x.transpose(tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))
