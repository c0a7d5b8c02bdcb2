"""The whole op suite on other array libraries: array_api_strict, Dask and PyTorch, against NumPy float64.

Every Tensor case of the oracle sweep's catalogue (tests/test_oracle_sweep.py: one or more
cases for every public differentiable function, found by enumerating the API) runs twice on
the same numbers: on NumPy Tensors and on Tensors over another library's arrays. The value
and the gradient of every argument, for the same upstream gradient, must agree to the
sweep's float64 tolerances, and must come back as that library's arrays, not silently as
NumPy. `array_api_strict` rejects anything outside the Array API standard, so a NumPy call
left in an op fails here; Dask arrays are lazy and chunked (each argument is split in two
along every axis that allows it), so an op that assumes its numbers are at hand fails too.
NumPy is the reference, and PyTorch checks NumPy elsewhere; PyTorch's CPU tensors, where it is
installed, are a third library here (the way CUDA tensors go, on a machine without a GPU).

Then the contract itself: `.to`, `.device`, `.numpy()`, dtypes, and the error when two
libraries meet in one op.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import array_api_strict
import dask
import dask.array as da
import numpy as np
import pytest
import test_oracle_sweep as sweep
from strategies import output_weights
from test_torch_oracle import FORWARD, GRADIENT

import nn
from autograd import Tensor, hvp
from autograd.backend import namespace_of
from autograd.errors import DeviceError
from nn import functional as F


# ---- the libraries ----------------------------------------------------------------------------
def _halves(shape) -> tuple:
    """Dask chunks that split every axis of length 2 or more in two."""
    return tuple(max(1, -(-n // 2)) for n in shape)


@dataclass(frozen=True)
class Backend:
    name: str
    module: object  # what `Tensor.to` takes
    array: Callable  # a NumPy array -> the same numbers as this library's array
    owns: Callable  # is this one of the library's arrays?
    host: Callable  # this library's arrays -> NumPy arrays (all at once: Dask computes one graph)

    def __repr__(self):
        return self.name


STRICT_ARRAY = type(array_api_strict.asarray(0.0))  # not exported by name
STRICT = Backend("array_api_strict", array_api_strict, array_api_strict.asarray,
                 lambda x: isinstance(x, STRICT_ARRAY),
                 lambda *xs: [np.from_dlpack(x) for x in xs])
DASK = Backend("dask", da, lambda a: da.from_array(np.asarray(a), chunks=_halves(np.shape(a))),
               lambda x: isinstance(x, da.Array), lambda *xs: [np.asarray(x) for x in dask.compute(*xs)])
BACKENDS = [STRICT, DASK]
try:  # PyTorch's CPU tensors go through array-api-compat's torch namespace, as CUDA tensors would
    import torch
    BACKENDS.append(Backend("torch", "torch", lambda a: torch.asarray(np.array(a)),
                            lambda x: isinstance(x, torch.Tensor),
                            lambda *xs: [x.detach().numpy() for x in xs]))
except ImportError:  # an optional third library: the suite runs on the other two
    pass


@pytest.fixture(autouse=True, scope="module")
def _dask_in_this_thread():
    # Dask's threads cost more than these tiny graphs: one thread, and tracebacks point at the op.
    with dask.config.set(scheduler="synchronous"):
        yield


# ---- the catalogue, on another library ----------------------------------------------------------
#: NumPy constants that the catalogue's cases close over (index arrays, masks, labels, running
#: statistics). A case runs with them moved into the library under test: a NumPy array meeting
#: that library's Tensor in one op is a DeviceError by design.
CONSTANTS = ("MASK", "COND", "LABELS", "RUNNING_MEAN", "RUNNING_VAR")


def _module_moved_first(build, inputs: int = 1):
    """A module case's `ours` that moves the module to the library (Module.to) before putting the leaves in:
    what a user does, and how buffers made in NumPy (batch norm's running statistics) get there."""
    def spelled(xp):
        def ours(*args):
            module = build().to(xp)
            for (path, _), leaf in zip(module.named_parameters(), args[inputs:]):
                sweep._set_parameter(module, path, leaf)
            return module(*args[:inputs])
        return ours
    return spelled


#: Cases spelled here for any library (and run so on NumPy too): their `ours` uses NumPy on purpose.
SPELLED_FOR_ANY_LIBRARY = {
    # `array @ tensor`: array_api_strict's operators raise TypeError on a non-Array operand instead of
    # returning NotImplemented, so Python never asks Tensor.__rmatmul__; call it as Python would.
    "Tensor.__rmatmul__": lambda xp: lambda b: b.__rmatmul__(xp.asarray(sweep.LEFT)),
    "autograd.hvp": lambda xp: lambda x: hvp(sweep.smooth)(x, xp.asarray(sweep.DIRECTION)),  # not .astype
    "nn.BatchNorm1d": _module_moved_first(lambda: nn.BatchNorm1d(3)),
    "nn.BatchNorm2d": _module_moved_first(lambda: nn.BatchNorm2d(3)),
}

#: Cases whose result is a NumPy array by design, whatever the library of the arguments.
RESULT_IN_NUMPY = {"Tensor.to": "its case goes there and back: x.to('array_api_strict') ... .to('numpy')"}

#: Cases that cannot run on a library, with the reason: (case id, backend name) -> reason.
DASK_EMPTY = "Dask's own reductions fail on an empty chunk: da.zeros((0, 3)).max(axis=1).compute() raises"
CANNOT_RUN = {
    ("Tensor.__getitem__:mask", "dask"): "a Dask boolean mask gives a result of unknown length (shape (nan,)), "
                                          "which no gradient can be shaped to without computing the mask",
    ("Tensor.reshape", "dask"): "Dask reshapes only by merging or splitting whole chunks; these chunks (1, 2, 1) "
                                "split unevenly (Dask's NotImplementedError says to rechunk first)",
    ("Tensor.max:empty_(0, 3)_axis=1", "dask"): DASK_EMPTY,
    ("F.softmax:(0, 3)_axis=-1", "dask"): DASK_EMPTY,
    ("F.log_softmax:(0, 3)_axis=-1", "dask"): DASK_EMPTY,
    ("Tensor.__getitem__:slices", "torch"): "PyTorch takes no negative slice step (x[:, ::-1]); torch.flip is "
                                            "its spelling",
}

TENSOR_CASES = [case for case in sweep.CASES if not case.scalar]  # Value cases hold Python floats
DRAWS = 2  # random draws per case (shapes vary between draws)


def _params(cases=TENSOR_CASES):
    for backend in BACKENDS:
        for case in cases:
            reason = CANNOT_RUN.get((case.id, backend.name))
            marks = [pytest.mark.skip(reason=reason)] if reason else []
            yield pytest.param(backend, case, id=f"{backend.name}-{case.id}", marks=marks)


@pytest.fixture
def constants_in(monkeypatch):
    """Move the catalogue's constants into a backend's namespace for one test."""
    def move(backend):
        for name in CONSTANTS:
            monkeypatch.setattr(sweep, name, backend.array(getattr(sweep, name)))
    return move


def _numbers(x):
    return x.data if isinstance(x, Tensor) else x


def _ours(case, xp):
    return SPELLED_FOR_ANY_LIBRARY[case.name](xp) if case.name in SPELLED_FOR_ANY_LIBRARY else case.ours


def forward_backward(case, ours, arrays, make, shapes=None):
    """`ours` on leaves made by `make` from `arrays`, and the sweep's upstream weights (of the output `shapes`,
    NumPy's: a Dask result indexed by a mask has unknown shape) sent back through each output, in the
    output's own library: (the outputs' arrays, each argument's gradient or None)."""
    leaves = [Tensor(make(a), requires_grad=True) for a in arrays]
    outputs = sweep._as_tuple(ours(*leaves))
    if case.differentiable:
        for out, shape in zip(outputs, shapes or [tuple(out.shape) for out in outputs]):
            weights = output_weights(shape)
            out.backward(weights if isinstance(out.data, np.ndarray) else make(weights))
    return [_numbers(out) for out in outputs], [_numbers(leaf.grad) for leaf in leaves]


def _kind(x) -> str:
    return f"{type(x).__module__}.{type(x).__name__}"


def assert_same(backend, at, got, grads, expected, expected_grads, result_in_numpy=False):
    """The backend's outputs and gradients are its own arrays, with NumPy's numbers, dtypes and shapes."""
    assert len(got) == len(expected), f"{at}: {len(got)} outputs, NumPy {len(expected)}"
    for i, out in enumerate(got):
        owned = isinstance(out, np.ndarray) if result_in_numpy else backend.owns(out)
        assert owned, f"{at}: output {i} is a {_kind(out)}"
    for i, (g, reference) in enumerate(zip(grads, expected_grads)):
        assert (g is None) == (reference is None), f"{at}: gradient of argument {i} is {g!r}, NumPy's {reference!r}"
        assert g is None or backend.owns(g), f"{at}: gradient of argument {i} is a {_kind(g)}"
    present = [g for g in grads if g is not None]
    arrays = [*got, *present]
    computed = iter(backend.host(*[x for x in arrays if not isinstance(x, np.ndarray)]))  # one Dask graph
    host = [x if isinstance(x, np.ndarray) else next(computed) for x in arrays]
    for i, (out, reference) in enumerate(zip(host, expected)):
        _assert_close(out, reference, f"{at}: output {i}", FORWARD)
    host_grads = iter(host[len(got):])
    for i, reference in enumerate(expected_grads):
        if reference is not None:
            _assert_close(next(host_grads), reference, f"{at}: gradient of argument {i}", GRADIENT)


def _assert_close(ours, reference, what, tolerance):
    assert isinstance(ours, np.ndarray), f"{what}: came to the host as a {_kind(ours)}"
    reference = np.asarray(reference)
    assert ours.dtype == reference.dtype, f"{what}: dtype {ours.dtype}, NumPy {reference.dtype}"
    assert ours.shape == reference.shape, f"{what}: shape {ours.shape}, NumPy {reference.shape}"
    np.testing.assert_allclose(ours, reference, equal_nan=True, err_msg=what, **tolerance)


def _shown(arrays) -> str:
    """The arguments, for a message: their numbers when few, else their shapes."""
    if sum(np.size(a) for a in arrays) <= 24:
        return str([np.round(a, 4).tolist() for a in arrays])
    return f"of shapes {[np.shape(a) for a in arrays]}"


def check_case(backend, case, points, constants_in):
    """The case at each of `points` (tuples of arrays, one per argument) on NumPy, then on `backend`."""
    references = [forward_backward(case, _ours(case, np), arrays, np.asarray) for arrays in points]
    constants_in(backend)
    xp = namespace_of(backend.array(np.zeros(1)))
    for arrays, (expected, expected_grads) in zip(points, references):
        got, grads = forward_backward(case, _ours(case, xp), arrays, backend.array, [np.shape(e) for e in expected])
        at = f"{backend.name}, {case.id}, arguments {_shown(arrays)}"
        assert_same(backend, at, got, grads, expected, expected_grads, case.name in RESULT_IN_NUMPY)


@pytest.mark.parametrize("backend, case", list(_params()))
def test_values_and_gradients_match_numpy(backend, case, constants_in):
    rng = sweep._seeded(case)  # the sweep's own draws for the case
    check_case(backend, case, [case.draw(rng) for _ in range(DRAWS)], constants_in)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0), inf - inf: NumPy warns, the values are checked
@pytest.mark.parametrize("backend, case", list(_params([case for case in TENSOR_CASES if case.special])))
def test_special_points_match_numpy(backend, case, constants_in):
    # 0, kinks, +-30, +-800, nan, inf, ties: the conventions NumPy's path settled, the same on every library
    check_case(backend, case, case.special, constants_in)


def test_every_case_runs_or_has_a_reason():
    assert len(TENSOR_CASES) > 150, "the catalogue came back nearly empty"
    ids = {case.id for case in TENSOR_CASES}
    libraries = {"array_api_strict", "dask", "torch"}  # torch's cases exist only where it is installed
    stale = sorted(key for key in CANNOT_RUN if key[0] not in ids or key[1] not in libraries)
    assert not stale, f"CANNOT_RUN names cases or libraries that do not exist: {stale}"
    assert all(name in sweep.SPECS for name in (*SPELLED_FOR_ANY_LIBRARY, *RESULT_IN_NUMPY))


# ---- the contract ------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
def test_mixing_libraries_in_one_op_names_both_and_says_to(backend):
    on_numpy = Tensor(np.ones(3), requires_grad=True)
    elsewhere = Tensor(backend.array(np.ones(3)), requires_grad=True)
    for combine in (lambda a, b: a + b, lambda a, b: b * a, lambda a, b: a @ b):
        with pytest.raises(DeviceError) as caught:
            combine(on_numpy, elsewhere)
        message = str(caught.value)
        assert "numpy" in message and backend.name.split(".")[0] in message and ".to(" in message, message


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
def test_to_copies_values_and_sends_gradients_back_to_the_source(backend):
    a = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -0.75]])
    for target in (backend.module, backend.name):
        x = Tensor(a, requires_grad=True)
        moved = x.to(target)
        assert backend.owns(moved.data) and moved.requires_grad
        np.testing.assert_array_equal(moved.numpy(), a)
        (moved * moved).sum().backward()
        assert type(x.grad) is np.ndarray, f"the gradient of .to({target!r}) came back as {_kind(x.grad)}"
        np.testing.assert_array_equal(x.grad, 2 * a)
    # and back: a gradient through .to("numpy") lands in the other library
    y = Tensor(backend.array(a), requires_grad=True)
    home = y.to("numpy")
    assert isinstance(home.data, np.ndarray)
    (home ** 3).sum().backward()
    assert backend.owns(y.grad), f"the gradient came back as {_kind(y.grad)}"
    np.testing.assert_allclose(backend.host(y.grad)[0], 3 * a ** 2, **GRADIENT)


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
def test_device_and_numpy(backend):
    a = np.arange(6.0).reshape(2, 3)
    assert str(Tensor(a).device) == "cpu"
    t = Tensor(backend.array(a))
    assert str(t.device) == ("cpu" if backend is DASK else str(t.data.device))  # Dask arrays have no .device
    host = t.numpy()
    assert type(host) is np.ndarray and host.dtype == np.float64
    np.testing.assert_array_equal(host, a)
    np.testing.assert_array_equal((t * 2).numpy(), 2 * a)  # a lazy Dask result is computed


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
def test_integers_and_bools_become_float64_and_float32_stays(backend):
    xp = namespace_of(backend.array(np.zeros(1)))
    for raw in (np.array([1, 2, 3]), np.array([True, False, True])):
        t = Tensor(backend.array(raw))
        assert backend.owns(t.data), f"{raw.dtype} became a {_kind(t.data)}"
        assert t.dtype == xp.float64, f"{raw.dtype} became {t.dtype}"
    x = Tensor(backend.array(np.array([0.5, -1.0, 2.0], dtype=np.float32)), requires_grad=True)
    assert x.dtype == xp.float32
    y = (x * 2.0).exp().sum()
    assert y.dtype == xp.float32 and backend.owns(y.data)
    y.backward()
    assert backend.owns(x.grad) and x.grad.dtype == xp.float32


def _largest_task_result(array) -> int:
    """The most elements any one task of a Dask array's graph makes (every task run, on tiny arrays)."""
    graph = dict(array.__dask_graph__())
    return max(getattr(result, "size", 0) for result in dask.get(graph, list(graph)))


@pytest.mark.parametrize("reduce", [lambda x: x.sum(), lambda x: x.mean(), lambda x: x.max(),
                                    lambda x: x.sum(axis=0).sum(), lambda x: (F.softplus(x) - 0.5 * x).mean()],
                         ids=["sum", "mean", "max", "sum_axis0", "logistic_loss"])
def test_dask_gradients_are_made_chunk_by_chunk(reduce):
    # Out of core, no task may hold more than a chunk: a gradient made as one array of the leaf's whole
    # shape (a reduction's backward broadcasting without the leaf's chunks) would not fit in a worker.
    x = Tensor(da.from_array(np.arange(24.0).reshape(12, 2), chunks=(3, 2)), requires_grad=True)
    reduce(x).backward()
    assert x.grad.chunks == x.data.chunks, f"gradient chunks {x.grad.chunks}, leaf chunks {x.data.chunks}"
    largest = _largest_task_result(x.grad)
    assert largest <= 6, f"a task of the gradient's graph makes {largest} elements; the leaf's chunks hold 6"
