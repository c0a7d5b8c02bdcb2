"""`Tensor`: an array that remembers how it was computed; `Op`, the protocol of its operations; the backward driver.

The ops themselves (each one's forward and backward side by side) are in `ops.py` and
`convolution.py`, each registered as Tensor methods by `tensor_method` beside its class. This
file holds the node: how a call of an op is recorded, and how `backward()` walks the graph in
reverse topological order applying each op's rule (the chain rule). Gradients are computed only
for inputs that need them: a batch of data never gets a gradient unless it asked for one.

The array is NumPy's by default, or of any library that follows the Python Array API standard
(CuPy, PyTorch, Dask, array_api_strict: see backend.py); a tensor's ops run in its array's library,
and `t.to(...)` moves it to another. A tensor's NumPy array is read-only (see arrays.py).

Floating-point faults follow NumPy (IEEE): log(0) = -inf, 0/0 = nan, with NumPy's RuntimeWarning.
"""
from __future__ import annotations

import contextlib
import inspect
import math
import numbers

import numpy as np

from . import backend
from . import value as value_module
from .arrays import TensorArray, as_float_array, as_gradient, read_only
from .backend import device_of, namespace_of
from .errors import AnomalyError, BackwardError, DeviceError, ShapeError
from .graph import _anomaly_mode, _grad_enabled, enable_grad, topological_order


# ---- the protocol of an op ----------------------------------------------------------------------------------------
class Context:
    """What one call of an op leaves for its backward: which inputs want a gradient, the inputs'
    versions when the op read them (to catch later in-place changes), and anything `forward` saved."""

    __slots__ = ("needs_input_grad", "input_versions", "saved")

    def __init__(self, needs_input_grad: tuple = (), input_versions: tuple = ()):
        self.needs_input_grad = needs_input_grad
        self.input_versions = input_versions
        self.saved = None


class Op:
    """One differentiable operation, as in PyTorch's `autograd.Function`. An instance holds the op's settings (an
    axis, an exponent) and nothing changes it afterwards; each call gets a `Context` of its own.

    - `forward(ctx, *arrays) -> array` computes the result from the inputs' arrays;
    - `backward(ctx, g, *inputs, out) -> one gradient per input` is the vector-Jacobian product: g is
      d(final)/d(out), the result d(final)/d(input) for each input (None where `ctx.needs_input_grad`
      says nobody wants it).

    Called on Tensors, an op runs forward and records the call in the graph; called on arrays (as a rule
    calls another op), it just computes. A rule is one formula on `xp = namespace_of(g)`: backward is fed
    arrays, or, under `create_graph=True`, the Tensors themselves, whose namespace records each step, so
    the same rule builds the derivative's own graph. A rule returns new arrays or views of g; a leaf
    copies a view, g itself, or one array handed to two inputs (see `_accumulate`).
    """

    name = "?"  # the op's one ASCII name, shown as `tensor.op` (viz draws it with a glyph)

    def __call__(self, *inputs):
        if isinstance(inputs[0], Tensor):
            return record(self, inputs)
        return self.forward(Context(), *inputs)

    def forward(self, ctx: Context, *arrays):
        raise NotImplementedError

    def backward(self, ctx: Context, g, *inputs_and_out):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


def tensor_method(name: str, reflected: str | None = None):
    """Make the decorated op class (or function) the Tensor method `name`: `Exp` becomes `t.exp()`, `Sum` becomes
    `t.sum(axis, keepdims)` (the method takes what the op's constructor takes). For a two-input op the method
    takes the other operand, lifted to a constant of the tensor's dtype (`t + 1`), and `reflected` names the
    method with the operands swapped (`1 + t`). The Tensors' own namespace has it too, as `xp.<name>(t, ...)`."""
    def register(op):
        if not isinstance(op, type):  # a function of the tensor: the method itself
            _attach(name, op, op.__doc__)
        elif reflected is None:  # an op of one tensor: the method's arguments are the op's settings
            def method(self, *settings, **named_settings):
                return op(*settings, **named_settings)(self)
            settings = inspect.signature(op).parameters.values()  # shown as the method's own (help(), the docs)
            method.__signature__ = inspect.Signature([inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY),
                                                      *settings])
            _attach(name, method, op.__doc__)
        else:  # an op of two operands: the other one, on either side, is lifted to a constant
            _attach(name, lambda self, other: op()(self, constant_like(other, self)), op.__doc__)
            _attach(reflected, lambda self, other: op()(constant_like(other, self), self), op.__doc__)
        return op
    return register


def _attach(name: str, method, doc) -> None:
    method.__name__, method.__qualname__, method.__doc__ = name, f"Tensor.{name}", doc
    setattr(Tensor, name, method)


def record(op: Op, inputs: tuple) -> "Tensor":
    """Run `op` on the inputs' arrays and return the result node, which keeps the graph (its inputs, the op and the
    call's Context) while grad is enabled and an input wants a gradient."""
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

    Its operations (+, @, exp, sum, reshape, ...) are registered beside each op in `ops.py`.
    """

    # made_in: the module call that made this node (see value.module_call); unset outside any module's forward
    # _shown: (the array, its TensorArray view) that `.data` last gave, so t.data is t.data
    __slots__ = ("_data", "_shown", "_version", "grad", "requires_grad", "name", "parents", "_op", "_ctx", "made_in",
                 "__weakref__")
    __array_ufunc__ = None  # make NumPy hand `ndarray * Tensor` to Tensor.__rmul__

    def __init__(self, data, requires_grad: bool = False, name: str | None = None, dtype=None):
        if isinstance(data, Tensor):
            data = data._data
        if type(data) is not np.ndarray or data.dtype.kind != "f" or dtype is not None:  # a float array is kept as is
            data = as_float_array(data, dtype)
        self._data = read_only(data)
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

    def __array_namespace__(self, api_version=None):
        """The Array API functions the ops' rules call, recording ops on Tensors (see tensor_namespace.py)."""
        from .tensor_namespace import tensor_namespace  # it imports the op table, which imports this module

        return tensor_namespace

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
            array = as_float_array(array.data if isinstance(array, Tensor) else array, None)
        self._data = read_only(array)
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

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        # Defined so that a 0-d tensor refuses iteration: Python's fallback through __getitem__ would give [].
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor (as in NumPy and PyTorch): use .item() for its number")
        return (self[index] for index in range(self.shape[0]))

    # ---- conversion -------------------------------------------------------
    def detach(self) -> "Tensor":
        """The same data as a new leaf outside the graph (no copy)."""
        return Tensor._wrap(self._data)

    def numpy(self) -> np.ndarray:
        """The numbers as a NumPy array: for a NumPy tensor the array itself, read-only (`np.array(t.numpy())`
        for a copy you can write to); for other libraries their numbers on the host (Dask computes them)."""
        return self._data if type(self._data) is np.ndarray else backend.to_numpy(self._data)

    def item(self) -> float:
        if math.prod(self.shape) != 1:
            raise ValueError(f"item() needs a tensor with one element; this one has shape {self.shape}")
        return float(namespace_of(self._data).reshape(self._data, ()))

    def __float__(self):
        return self.item()

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
            grad = constant_like(grad.data if isinstance(grad, Tensor) else grad, self)._data
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

    # ---- backward: the driver -------------------------------------------------------------------------------------
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
        _accumulate(self, grad, owned=False)
        anomaly = _anomaly_mode.get()  # read once: the sweep below is the per-node cost of every training step
        with enable_grad() if create_graph else contextlib.nullcontext():
            for node in reversed(order):
                if node.parents and node.grad is not None:
                    _send_gradients(node, create_graph, anomaly)


def _send_gradients(node: Tensor, create_graph: bool, anomaly: bool) -> None:
    """One step of the chain rule: the op's backward turns node.grad into its inputs' gradients. Under create_graph
    the rule gets the nodes themselves, so its arithmetic records the derivative's graph."""
    if create_graph:
        grads = node._op.backward(node._ctx, node.grad, *node.parents, node)
    else:
        grads = node._op.backward(node._ctx, node.grad, *[p._data for p in node.parents], node._data)
    handed_on = [id(g) for g in grads if g is not None] if len(grads) > 1 else ()
    distinct = len(set(handed_on)) == len(handed_on)
    for parent, grad in zip(node.parents, grads):
        if grad is not None:
            if anomaly:
                _check_finite(numbers_of(grad), node._op, node.parents, "backward gradients")
            # A new NumPy array for this input alone (not g itself, not a view: the standard cannot tell a view).
            owned = distinct and type(grad) is np.ndarray and grad.base is None and grad is not node.grad
            _accumulate(parent, grad, owned)


def _accumulate(node: Tensor, grad, owned: bool) -> None:
    """Add grad to node.grad; `owned`: nothing else holds grad, so a leaf may keep it without a copy."""
    if node.grad is not None:
        grad, owned = node.grad + grad, True
    if (node.parents and type(grad) is np.ndarray) or isinstance(grad, Tensor):
        node.grad = grad  # an intermediate's NumPy gradient (the usual case), or a node of create_graph's graph
    else:  # a leaf's: its own array in its own dtype (and NumPy scalars made arrays)
        node.grad = as_gradient(grad, node._data, owned or bool(node.parents))


# ---- what backward refuses -------------------------------------------------------------------------------------
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


# ---- making tensors -------------------------------------------------------------------------------------------
def is_tensor(x) -> bool:
    """True for a Tensor (a node of this module), False for arrays, Values and numbers."""
    return isinstance(x, Tensor)


def constant_like(x, like: Tensor) -> Tensor:
    """A number or array as a constant Tensor in the dtype of `like` (so float32 stays float32), in its library and
    on its device; a Tensor as it is."""
    if isinstance(x, Tensor):
        return x
    if type(like._data) is np.ndarray:
        if isinstance(x, numbers.Real) or (isinstance(x, np.ndarray) and x.dtype.kind in "biu"):
            constant = np.asarray(x, dtype=like._data.dtype)  # a new array: read-only like every tensor's
            constant.setflags(write=False)
            return Tensor._wrap(constant)
        return Tensor(x)
    xp = namespace_of(like._data)
    if isinstance(x, (numbers.Real, list, tuple)):
        return Tensor._wrap(xp.asarray(x, dtype=like.dtype, device=like.device))
    namespace_of(like._data, x)  # an array of another library or device: DeviceError, naming both
    return Tensor(x) if xp.isdtype(x.dtype, "real floating") else Tensor._wrap(xp.astype(x, like.dtype))


def as_tensor(x) -> Tensor:
    """x itself when it is a Tensor, else a constant Tensor on its numbers (a float array is not copied)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def numbers_of(x):
    """The numbers behind a Tensor or Value (its array or float); anything else as it is."""
    return x.data if isinstance(x, (Tensor, value_module.Value)) else x


def tensor(data, requires_grad: bool = False, name: str | None = None, dtype=None) -> Tensor:
    """Same as `Tensor(...)`: the spelling PyTorch users reach for."""
    return Tensor(data, requires_grad=requires_grad, name=name, dtype=dtype)
