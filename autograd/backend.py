"""Which library holds a Tensor's numbers: NumPy by default, or any array library that follows the
Python Array API standard (CuPy on a GPU, PyTorch tensors, Dask arrays, `array_api_strict`).

The ops take their functions from their operands' namespace: `xp = namespace_of(a)`, then
`xp.exp(a)` where NumPy code writes `np.exp(a)`. Each namespace is an `ArrayNamespace`: the library's
functions, plus the few things libraries do differently or faster (picking rows, scatter-add, windows of
images, sharing a batch among threads), so that no rule asks which library it runs on. NumPy arrays get
`numpy_namespace`, with a faster door to seven functions (one type check, so the default path costs nothing
extra). Arrays of CuPy, PyTorch and Dask get array-api-compat's namespace for their library, which smooths over
its departures from the standard; any other array answers for itself through the standard's
`__array_namespace__()` (array_api_strict does). Libraries are told apart by
the module their array type comes from, not by array-api-compat's checks, which import-test
every library they know and fail where one is blocked (`sys.modules["torch"] = None`).
A Tensor (a backward rule run under `create_graph=True`) answers with its own namespace,
whose functions record ops (see `Tensor.__array_namespace__`).

Nothing moves between libraries or devices by itself: operands of two namespaces raise
`DeviceError`, and `Tensor.to(...)` is the one way across.
"""
from __future__ import annotations

import concurrent.futures
import importlib
import math
import numbers
import os
import threading

import numpy as np

from .errors import DeviceError

#: The names `Tensor.to` accepts, and the module each one means ("cpu" and "cuda" are the usual ones).
NAMESPACE_NAMES = {
    "numpy": "numpy", "cpu": "numpy",
    "cupy": "cupy", "cuda": "cupy", "gpu": "cupy",
    "torch": "torch",
    "dask": "dask.array", "dask.array": "dask.array",
    "array_api_strict": "array_api_strict",
}


class ArrayNamespace:
    """An array library as the ops call it: its Array API functions (`xp.exp(a)`, `xp.sum(a, axis=...)`), plus the
    few things below that libraries do differently or faster, so that no op's rule asks which library it runs on.

    The methods here are written with the standard's functions alone, for any library; NumPy's and Dask's
    namespaces (below) replace some of them with their own ways.
    """

    threads = 1  # how many slices of a batch `map_pieces` works on at once

    def __init__(self, library):
        self.library = library

    def __getattr__(self, name):  # everything else is the library's own function, looked up once
        function = getattr(self.library, name)
        setattr(self, name, function)
        return function

    def __repr__(self):
        return f"{type(self).__name__}({self.library.__name__})"

    def map_pieces(self, function, pieces) -> list:
        """[function(piece) for piece in pieces]: in turn here; NumPy shares the pieces among threads."""
        return [function(piece) for piece in pieces]

    def pick(self, x, index):
        """x[index]; an integer array alone picks whole rows, which the standard spells take(x, index, axis=0)."""
        if getattr(index, "ndim", 0) == 1 and self.isdtype(index.dtype, "integral"):
            return self.take(x, index, axis=0)
        return x[index]

    def pick_in_rows(self, rows, columns):
        """rows[i, columns[i]] for every row i: the number at each row's label."""
        return self.reshape(self.take_along_axis(rows, self.reshape(columns, (-1, 1)), axis=1), (-1,))

    def one_hot(self, labels, classes: int, dtype):
        """A row per label, 1 in the label's column and 0 elsewhere."""
        return self.astype(self.reshape(labels, (-1, 1)) == self.arange(classes, device=device_of(labels)), dtype)

    def scatter_add(self, shape, index, values):
        """Zeros of `shape` with `values` added at `index`, where repeated positions add up (the adjoint of pick)."""
        device = device_of(values)
        if is_basic_index(index):  # slices and integers never repeat an element: plain assignment
            result = self.zeros(shape, dtype=values.dtype, device=device)
            result[index] = values
            return result
        # The standard has no scatter-add: a one-hot matrix of where each value goes adds repeats up
        # (memory: values x elements, so fine for the index sizes a gradient check uses, not for embeddings).
        size = math.prod(shape)
        places = self.reshape(self.pick(self.reshape(self.arange(size, device=device), shape), index), (-1,))
        return self.reshape(self.reshape(values, (1, -1)) @ self.one_hot(places, size, values.dtype), shape)

    def broadcast_like(self, g, like):
        """g broadcast to the shape of `like` (whose gradient it becomes)."""
        return self.broadcast_to(g, like.shape)

    def windows(self, padded, kernel, stride):
        """Every kernel-sized window of padded NCHW images, as (N, C, OH, OW, kh, kw): a strided slice per kernel
        position, stacked (NumPy gives a view instead)."""
        rows, cols = window_counts(padded.shape, kernel, stride)
        places = window_places(kernel, stride, rows, cols)
        stacked = self.stack([padded[:, :, r, c] for r, c in places], axis=-1)  # (N, C, OH, OW, kh * kw)
        return self.reshape(stacked, stacked.shape[:4] + tuple(kernel))

    def add_windows(self, windows, padded_shape, stride):
        """The adjoint of `windows`: a fresh array of `padded_shape` where each window's numbers are added back at the
        place it came from (overlapping windows add up). One strided add per kernel position, each one vectorised
        call: faster than a strided-diagonal sum or a bincount on MNIST-sized batches (BENCHMARKS.md, section 10)."""
        kernel = windows.shape[4:]
        out = self.zeros(padded_shape, dtype=windows.dtype, device=device_of(windows))
        for position, (rows, cols) in enumerate(window_places(kernel, stride, windows.shape[2], windows.shape[3])):
            out[:, :, rows, cols] += windows[..., position // kernel[1], position % kernel[1]]
        return out

    def route_to_chosen(self, g, chosen, padded_shape, kernel, stride):
        """Zeros of `padded_shape` with each of g's numbers (one per window) added at its window's chosen element
        (`chosen`: the place in the window, row by row): max pooling's backward."""
        out, zeros = self.zeros(padded_shape, dtype=g.dtype, device=device_of(g)), self.zeros_like(g)
        for position, (rows, cols) in enumerate(window_places(kernel, stride, g.shape[2], g.shape[3])):
            out[:, :, rows, cols] += self.where(chosen == position, g, zeros)
        return out


class NumPyNamespace(ArrayNamespace):
    """NumPy as the ops see it: numpy's own functions, except seven that NumPy writes in Python (np.sum, np.max,
    np.min, np.reshape, np.permute_dims, np.astype, np.isdtype), which here go straight to the ufunc's reduce, the
    array's method or the dtype: on small arrays NumPy's Python wrapper costs more than the work (BENCHMARKS.md,
    section 10). Batches are shared among threads, and windows are strided views."""

    def __repr__(self):
        return "numpy_namespace (numpy, with fast reductions and reshapes)"

    @property
    def threads(self) -> int:
        return _threads

    def map_pieces(self, function, pieces) -> list:
        return parallel_map(function, pieces)

    @staticmethod
    def matmul(a, b):  # a large dense product's rows shared among the threads (see parallel_matmul)
        return parallel_matmul(a, b) if a.ndim == 2 and b.ndim == 2 else np.matmul(a, b)

    @staticmethod
    def sum(x, axis=None, keepdims=False):
        return np.add.reduce(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def max(x, axis=None, keepdims=False):
        return np.maximum.reduce(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def min(x, axis=None, keepdims=False):
        return np.minimum.reduce(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def reshape(x, shape):  # the array's own method (NumPy scalars have it too, unlike np.ndarray.reshape)
        return x.reshape(shape)

    @staticmethod
    def permute_dims(x, axes):
        return x.transpose(axes)

    @staticmethod
    def astype(x, dtype, copy=True):
        return x.astype(dtype, copy=copy)

    @staticmethod
    def isdtype(dtype, kind) -> bool:
        letters = _DTYPE_KINDS.get(kind) if isinstance(kind, str) else "".join([_DTYPE_KINDS[k] for k in kind])
        return dtype.kind in letters

    @staticmethod
    def pick(x, index):
        return x[index]

    @staticmethod
    def pick_in_rows(rows, columns):
        return rows[np.arange(rows.shape[0]), columns]

    @staticmethod
    def one_hot(labels, classes: int, dtype):
        rows = np.zeros((labels.shape[0], classes), dtype=dtype)
        rows[np.arange(labels.shape[0]), labels] = 1.0
        return rows

    def scatter_add(self, shape, index, values):
        if is_basic_index(index):
            return super().scatter_add(shape, index, values)
        result = np.zeros(shape, dtype=values.dtype)
        np.add.at(result, index, values)  # integer arrays may repeat: y[[0, 0]] sends two gradients to y[0]
        return result

    @staticmethod
    def windows(padded, kernel, stride, writeable=False):
        view = np.lib.stride_tricks.sliding_window_view(padded, kernel, axis=(2, 3), writeable=writeable)
        return view[:, :, ::stride[0], ::stride[1]]

    def add_windows(self, windows, padded_shape, stride):
        kernel = windows.shape[4:]
        if stride[0] < kernel[0] or stride[1] < kernel[1]:
            return super().add_windows(windows, padded_shape, stride)
        out = np.zeros(padded_shape, dtype=windows.dtype)
        self.windows(out, kernel, stride, writeable=True)[...] = windows  # no overlap: one strided assignment
        return out

    def route_to_chosen(self, g, chosen, padded_shape, kernel, stride):
        if stride[0] < kernel[0] or stride[1] < kernel[1] or not bool(np.isfinite(g).all()):
            return super().route_to_chosen(g, chosen, padded_shape, kernel, stride)
        # Windows do not overlap: each kernel position's strided view is g times "chosen here" (1 or 0), then + 0.0,
        # which makes the -0.0 of a negative g times 0 a 0.0; faster than one indexed assignment or a where() per
        # position (BENCHMARKS.md). A nan or inf in g (times 0: nan) takes the general way above.
        out = np.zeros(padded_shape, dtype=g.dtype)
        places = window_places(kernel, stride, g.shape[2], g.shape[3])

        def route(piece):  # each thread its own slice of the batch
            for position, (rows, cols) in enumerate(places):
                view = out[piece, :, rows, cols]
                np.multiply(g[piece, ...], chosen[piece, ...] == position, out=view)
                view += 0.0

        parallel_map(route, batch_slices(g.shape[0], _threads))
        return out


class DaskNamespace(ArrayNamespace):
    """Dask as the ops see it: array-api-compat's namespace, with a broadcast that keeps out-of-core data in chunks."""

    def pick_in_rows(self, rows, columns):  # Dask has no take_along_axis: the label's column, by a mask
        return self.sum(self.where(self.one_hot(columns, rows.shape[1], self.bool), rows, 0.0), axis=1)

    def broadcast_like(self, g, like):
        # A broadcast is one task the size of the whole input (out-of-core data would not fit); adding zeros
        # in like's chunks keeps it chunk by chunk.
        return g + self.zeros_like(like)


_DTYPE_KINDS = {"bool": "b", "signed integer": "i", "unsigned integer": "u", "integral": "iu",
                "real floating": "f", "complex floating": "c", "numeric": "iufc"}


numpy_namespace = NumPyNamespace(np)


def is_numpy(array) -> bool:
    return type(array) is np.ndarray or isinstance(array, (np.ndarray, np.generic))


#: array-api-compat's namespace for the libraries that need one, by the top module of their array type.
_COMPAT_NAMESPACES = {"cupy": "array_api_compat.cupy", "torch": "array_api_compat.torch",
                      "dask": "array_api_compat.dask.array"}
_namespaces = {}  # ArrayNamespace of each library module, made on first use


def library_of(array) -> str:
    """The library an array comes from, by its type's module: "numpy", "cupy", "torch", "dask", ...
    (NumPy's subclasses too: a tensor's `.data` is a `TensorArray`, defined in autograd)."""
    return "numpy" if isinstance(array, np.ndarray) else type(array).__module__.split(".")[0]


def is_other_library_array(x) -> bool:
    """True for an array of a library other than NumPy (CuPy, PyTorch, Dask, array_api_strict...)."""
    if isinstance(x, (np.ndarray, np.generic, list, tuple, numbers.Number, str, bytes)) or x is None:
        return False
    return library_of(x) in _COMPAT_NAMESPACES or hasattr(x, "__array_namespace__")


def _library_namespace(array):
    """The namespace of a non-NumPy array: array-api-compat's for its library, else its own (a Tensor's records ops)."""
    name = _COMPAT_NAMESPACES.get(library_of(array))
    if name is not None:
        library = importlib.import_module(name)
    elif hasattr(array, "__array_namespace__"):
        library = array.__array_namespace__()
        if isinstance(library, ArrayNamespace):
            return library
    else:
        raise TypeError(f"{type(array).__name__} is not an array scratchgrad can compute with: use NumPy, CuPy, "
                        "PyTorch, Dask or an array library that follows the Python Array API standard")
    xp = _namespaces.get(library)
    if xp is None:
        xp = _namespaces[library] = (DaskNamespace if name == _COMPAT_NAMESPACES["dask"] else ArrayNamespace)(library)
    return xp


def namespace_of(*arrays):
    """The namespace of the arrays (Python numbers fit any); they must all share one, on one device.

    >>> namespace_of(np.ones(2), 3.0) is numpy_namespace
    True
    """
    for array in arrays:  # the default path: NumPy arrays (Tensor.data's subclass too) and numbers, a type check each
        if type(array) is not np.ndarray and not isinstance(array, (np.ndarray, float, int, np.generic)):
            break
    else:
        return numpy_namespace
    namespaces = {}
    for array in arrays:
        if isinstance(array, (int, float, bool)) or array is None:
            continue
        xp = numpy_namespace if is_numpy(array) else _library_namespace(array)
        namespaces.setdefault((xp, "cpu" if xp is numpy_namespace else str(device_of(array))), array)
    if len(namespaces) > 1:
        (_, one), (_, other) = list(namespaces.items())[:2]
        raise DeviceError(
            f"these arrays live in different places: {describe(one)} and {describe(other)}; nothing is moved "
            "silently: bring them together first with .to(...), e.g. t.to('numpy') or t.to('cuda')"
        )
    return next(iter(namespaces))[0] if namespaces else numpy_namespace


def device_of(array):
    """The device an array lives on: "cpu" for NumPy and Dask, else its library's device object."""
    return "cpu" if is_numpy(array) or library_of(array) == "dask" else array.device


def dtype_name(dtype) -> str:
    """"float32" for NumPy's, array_api_strict's and PyTorch's float32 alike (their dtype objects differ)."""
    return str(dtype).rsplit(".", 1)[-1]


def describe(array) -> str:
    """Where an array lives, for error messages: "numpy array on cpu", "cupy array on <CUDA Device 0>"."""
    from .tensor import is_tensor  # tensor.py imports this module: here only for error messages

    if is_tensor(array):
        return f"Tensor over {describe(array.data)}"
    return f"{library_of(array)} array on {device_of(array)}"


def to_numpy(array) -> np.ndarray:
    """Any array's numbers as a NumPy array on the host: Dask computes, CuPy and CUDA tensors copy from their
    device (a NumPy array is itself, and a CPU PyTorch tensor shares its memory)."""
    if isinstance(array, np.ndarray):
        return array  # itself, as said: Tensor.data's TensorArray too (np.asarray would make a new view)
    library = library_of(array)
    if library == "dask":
        return np.asarray(array.compute())
    if library == "cupy":
        return array.get()
    if library == "torch":
        return array.detach().cpu().numpy()
    return np.asarray(array)  # NumPy's own, array_api_strict and others hand NumPy their buffer


def index_for(data, index):
    """An index of `data`, in its library: NumPy masks and integer arrays (constants, not data) are moved there,
    and a basic index gets the trailing `...` the standard wants written out (NumPy reads x[1:] as x[1:, ...])."""
    if is_numpy(data):
        return index
    xp, device = namespace_of(data), device_of(data)
    parts = index if isinstance(index, tuple) else (index,)
    parts = tuple(xp.asarray(part, device=device) if isinstance(part, (np.ndarray, list)) else part for part in parts)
    if all(part is None or isinstance(part, (slice, numbers.Integral)) for part in parts):
        return parts + (Ellipsis,)
    return parts if isinstance(index, tuple) else parts[0]


def mask_for(data, condition):
    """A condition (a list, a NumPy or another library's array) as booleans in the library and on the device of
    `data`: a constant like an index."""
    if is_other_library_array(condition):
        return condition
    condition = np.asarray(condition, dtype=bool)
    return condition if is_numpy(data) else move(condition, namespace_of(data), device_of(data))


def is_basic_index(index) -> bool:
    """True for an index of slices, integers, None and ... alone, which never picks an element twice."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, numbers.Integral)) for p in parts)


# ---- windows of images (convolution and pooling, ch. 7) ----------------------------------------------------------
def window_counts(padded_shape, kernel, stride) -> tuple:
    """(OH, OW): how many windows of `kernel`, `stride` apart, fit in padded images of shape (N, C, H, W)."""
    return tuple((padded_shape[2 + axis] - kernel[axis]) // stride[axis] + 1 for axis in (0, 1))


def window_places(kernel, stride, rows, cols) -> list:
    """For each kernel position (row by row), the (rows, columns) slices of the padded images holding that
    element of every window: a strided slice of an (N, C, OH, OW) shape, in any array library."""
    return [(slice(i, i + stride[0] * (rows - 1) + 1, stride[0]), slice(j, j + stride[1] * (cols - 1) + 1, stride[1]))
            for i in range(kernel[0]) for j in range(kernel[1])]


def batch_slices(batch: int, count: int) -> list:
    """`count` slices of about the same length covering range(batch) (fewer when the batch is smaller)."""
    step = -(-batch // count) if count else batch
    return [slice(start, min(start + step, batch)) for start in range(0, batch, max(step, 1))]


def resolve(target):
    """The namespace a `.to(target)` means: a module (numpy, cupy, torch, dask.array, array_api_strict)
    or one of NAMESPACE_NAMES."""
    if isinstance(target, str):
        name = NAMESPACE_NAMES.get(target)
        if name is None:
            raise ValueError(f"unknown array library or device {target!r}; use a module or one of "
                             f"{sorted(NAMESPACE_NAMES)}")
        try:
            target = importlib.import_module(name)
        except ImportError as err:
            raise ImportError(f".to({target!r}) needs {name.split('.')[0]}, which is not installed") from err
    if target is np or target is numpy_namespace:
        return numpy_namespace
    return namespace_of(target.asarray(0.0))


def move(array, target, device=None):
    """`array` in the namespace `target`, on `device` where given (the library's own device names:
    "cuda:1" for PyTorch), as a copy through the host unless it is there already. Without a device,
    CuPy arrays go to CuPy's current device and PyTorch tensors to the CPU."""
    xp = resolve(target)
    if xp is numpy_namespace:
        return to_numpy(array)
    if namespace_of(array) is xp and (device is None or str(device_of(array)) == str(device)):
        return array
    host = to_numpy(array)  # copied below: the new array must not share a tensor's read-only numbers
    return xp.asarray(host, copy=True) if device is None else xp.asarray(host, device=device, copy=True)


# ---- threads: how many cores NumPy's work may use ------------------------------------------------------------------
def _threads_from_environment() -> int:
    """The thread count the usual variables ask for (read as the BLAS reads them: OPENBLAS_NUM_THREADS, then
    OMP_NUM_THREADS, then MKL_NUM_THREADS; "4,2" means 4), else every core this process may run on."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        first = os.environ.get(variable, "").split(",")[0].strip()
        if first.isdigit() and int(first) > 0:
            return int(first)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


_threads = _threads_from_environment()
_pool = None  # the ThreadPoolExecutor, made on first use
_pool_in_use = threading.Lock()
_blas_hold = None  # threadpoolctl's limit holding the BLAS to one thread, from the pool's first use on


def _new_pool_in_a_forked_child() -> None:
    """A forked child has none of its parent's threads: it makes a pool of its own when it needs one."""
    global _pool, _pool_in_use
    _pool, _pool_in_use = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_pool_in_a_forked_child)


def get_num_threads() -> int:
    """How many threads convolution and pooling share a batch among (the BLAS's own setting by default)."""
    return _threads


def set_num_threads(count: int) -> None:
    """Use `count` threads for convolution and pooling from now on (1: all in the calling thread), as
    torch.set_num_threads; the starting value comes from OPENBLAS_NUM_THREADS or OMP_NUM_THREADS.

    Once convolution or pooling has used several threads, the BLAS runs on one thread in the whole process
    (see `parallel_map`); this gives the BLAS back the thread count it had before, until the pool's next use.
    """
    global _threads, _pool
    if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 1:
        raise ValueError(f"set_num_threads needs a whole number of threads, at least 1; got {count!r}")
    with _pool_in_use:
        if _pool is not None:
            _pool.shutdown()
        _threads, _pool = int(count), None
        _release_the_blas()


def _hold_the_blas_to_one_thread() -> None:
    """From now on the BLAS runs on one thread in the whole process, not only inside the pool: after a threaded
    product (a dense layer's) OpenBLAS's idle threads spin for about 0.1 s, on the cores the pool's threads
    need (BENCHMARKS.md, section 11)."""
    global _blas_hold
    if _blas_hold is None:
        import threadpoolctl
        _blas_hold = threadpoolctl.threadpool_limits(limits=1, user_api="blas")


def _release_the_blas() -> None:
    """The BLAS's thread count as it was before the pool held it to one thread."""
    global _blas_hold
    if _blas_hold is not None:
        _blas_hold.restore_original_limits()
        _blas_hold = None


def parallel_map(function, items) -> list:
    """[function(item) for item in items], shared among get_num_threads() threads.

    NumPy lets go of the interpreter's lock in copies, ufuncs and the BLAS, so pieces of a batch run on several
    cores at once. Meanwhile each thread's matrix products run on that thread alone: from the pool's first use
    on, the BLAS is held to one thread in the whole process (`set_num_threads` lets it go), since two pools of
    threads on the same cores slow each other down several times, and the BLAS's own idle threads keep spinning
    long after its last product. One call uses the pool at a time; a call from another thread meanwhile, or
    from inside `function`, runs in its own thread.
    """
    global _pool
    if _threads == 1 or len(items) < 2 or not _pool_in_use.acquire(blocking=False):
        return [function(item) for item in items]
    try:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(_threads, thread_name_prefix="scratchgrad")
        _hold_the_blas_to_one_thread()
        return list(_pool.map(function, items))
    finally:
        _pool_in_use.release()


#: Multiply-adds below which a matrix product stays one BLAS call: splitting it costs more than it saves.
PARALLEL_MATMUL_MIN = 2 ** 24


def parallel_matmul(a, b):
    """a @ b for 2-D NumPy arrays, its rows shared among get_num_threads() threads when the product is large.

    The pool holds the BLAS to one thread (see `parallel_map`), so a large dense product (a dense layer on a
    batch) would run on one core: this splits it by rows instead, each piece one BLAS call into its slice of
    the result, so the numbers are those of a @ b.
    """
    rows = a.shape[0]
    if _threads == 1 or rows < 2 or rows * a.shape[1] * b.shape[1] < PARALLEL_MATMUL_MIN:
        return a @ b
    out = np.empty((rows, b.shape[1]), dtype=np.result_type(a, b))
    step = -(-rows // _threads)

    def product(start):
        np.matmul(a[start:start + step], b, out=out[start:start + step])

    parallel_map(product, list(range(0, rows, step)))
    return out
