"""Convolution and pooling share a NumPy batch among threads (autograd.backend.parallel_map): the thread count
follows the usual variables, the pool really runs pieces at the same time with the BLAS held to one thread each,
and the results are those of one thread."""
import os
import signal
import threading

import numpy as np
import pytest

import autograd
import nn.functional as F
from autograd import Tensor, backend


@pytest.fixture
def threads():
    """set_num_threads for one test; the count it found is put back afterwards."""
    before = autograd.get_num_threads()
    yield autograd.set_num_threads
    autograd.set_num_threads(before)


@pytest.mark.parametrize("variables, expected", [
    ({"OPENBLAS_NUM_THREADS": "3"}, 3),
    ({"OMP_NUM_THREADS": "4,2"}, 4),
    ({"MKL_NUM_THREADS": "5"}, 5),
    ({"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "6"}, 2),  # the BLAS's own order: OpenBLAS's variable first
    ({"OMP_NUM_THREADS": "0"}, None),  # not a count: the cores this process may use
    ({}, None),
])
def test_the_thread_count_follows_the_usual_variables(monkeypatch, variables, expected):
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in variables.items():
        monkeypatch.setenv(variable, value)
    cores = len(os.sched_getaffinity(0))
    assert backend._threads_from_environment() == (cores if expected is None else expected)


@pytest.mark.parametrize("count", [0, -1, 1.5, True, "2"])
def test_set_num_threads_refuses_what_is_not_a_count(count):
    with pytest.raises(ValueError, match="whole number of threads"):
        autograd.set_num_threads(count)


def test_the_pool_runs_pieces_at_once_with_one_blas_thread_each(threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    threads(2)
    both_running = threading.Barrier(2, timeout=10)  # passes only when two pieces run at the same time

    def piece(item):
        both_running.wait()
        return item, threading.get_ident(), [pool["num_threads"] for pool in threadpoolctl.threadpool_info()
                                            if pool["user_api"] == "blas"]

    results = backend.parallel_map(piece, [0, 1])
    assert [item for item, _, _ in results] == [0, 1]
    assert len({thread for _, thread, _ in results}) == 2
    assert all(counts and set(counts) == {1} for _, _, counts in results)


def test_the_blas_stays_on_one_thread_after_the_pool_until_set_num_threads(threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]
    threads(2)
    own = blas_threads()
    backend.parallel_map(abs, [-1, -2])
    assert set(blas_threads()) <= {1}  # also outside the pool: the BLAS's idle threads would spin on its cores
    threads(2)
    assert blas_threads() == own


def test_a_call_from_inside_a_piece_runs_in_its_own_thread(threads):
    threads(2)
    assert backend.parallel_map(lambda outer: backend.parallel_map(lambda inner: outer * 10 + inner, [1, 2]),
                                [1, 2]) == [[11, 12], [21, 22]]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX's")
def test_a_forked_child_makes_a_pool_of_its_own(threads):
    threads(2)
    both_running = threading.Barrier(2, timeout=10)
    backend.parallel_map(lambda item: both_running.wait(), [1, 2])  # both of the parent's threads ran, now idle
    child = os.fork()
    if child == 0:
        signal.alarm(30)  # a child waiting on the parent's threads would hang: killed instead
        os._exit(0 if backend.parallel_map(abs, [-1, -2]) == [1, 2] else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.parametrize("batch", [0, 1, 3, 7])
def test_convolution_and_pooling_on_several_threads_give_one_threads_results(threads, batch):
    rng = np.random.default_rng(batch)
    x = rng.standard_normal((batch, 3, 9, 9))
    W, b = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    outputs = []
    for count in (1, 3):
        threads(count)
        inputs = [Tensor(x, requires_grad=True), Tensor(W, requires_grad=True), Tensor(b, requires_grad=True)]
        y = F.max_pool2d(F.conv2d(*inputs, stride=1, padding=1), 2)
        y.backward(np.arange(y.size, dtype=float).reshape(y.shape) % 5)
        outputs.append([y.data] + [t.grad for t in inputs])
    (y1, *grads1), (y3, *grads3) = outputs
    np.testing.assert_array_equal(y3, y1)
    for one, several in zip(grads1, grads3):
        np.testing.assert_allclose(several, one, rtol=1e-12, atol=1e-12)  # the weights' sum may add in another order


@pytest.mark.parametrize("kernel, stride, padding", [(2, 2, 0), (2, 3, 1), (3, 3, 1)])
@pytest.mark.parametrize("count", [1, 2])
def test_max_pooling_routes_g_to_each_windows_first_largest_zeros_elsewhere(threads, kernel, stride, padding, count):
    threads(count)
    rng = np.random.default_rng(kernel + stride)
    x = Tensor(rng.integers(0, 3, (5, 2, 8, 8)).astype(float), requires_grad=True)  # ties: the first one wins
    y = F.max_pool2d(x, kernel, stride, padding)
    g = -1.0 - rng.random(y.shape)  # negative, so a 0 times it would be -0.0
    y.backward(g)
    expected = np.zeros((5, 2, 8 + 2 * padding, 8 + 2 * padding))
    padded = np.pad(x.data, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=-np.inf)
    for n, c, i, j in np.ndindex(*y.shape):
        window = padded[n, c, i * stride:i * stride + kernel, j * stride:j * stride + kernel]
        row, column = np.unravel_index(np.argmax(window), window.shape)  # argmax: the first largest, row by row
        expected[n, c, i * stride + row, j * stride + column] += g[n, c, i, j]
    expected = expected[:, :, padding:padding + 8, padding:padding + 8]
    np.testing.assert_array_equal(x.grad, expected)
    assert not np.signbit(x.grad[x.grad == 0]).any()  # +0.0 where nothing was routed


def test_max_pooling_keeps_an_inf_or_nan_of_g_at_its_own_place(threads):
    threads(2)
    x = Tensor(np.arange(32.0).reshape(2, 1, 4, 4), requires_grad=True)
    y = F.max_pool2d(x, 2)
    g = np.ones(y.shape)
    g[0, 0, 0, 0], g[1, 0, 1, 1] = np.inf, np.nan
    y.backward(g)
    assert x.grad[0, 0, 1, 1] == np.inf and np.isnan(x.grad[1, 0, 3, 3])
    assert np.isfinite(np.delete(x.grad.ravel(), [5, 31])).all()  # the other places of those windows stay 0 or 1


@pytest.mark.parametrize("shape", [(1, 3, 2), (7, 5, 3), (300, 260, 250)])  # the last is split among threads
@pytest.mark.parametrize("count", [1, 2, 3])
def test_parallel_matmul_gives_a_at_b(threads, shape, count):
    threads(count)
    rows, inner, columns = shape
    rng = np.random.default_rng(rows)
    a, b = rng.standard_normal((rows, inner)), rng.standard_normal((inner, columns)).astype(np.float32)
    for left in (a, np.asfortranarray(a), rng.standard_normal((inner, rows)).T):  # transposed views too
        product = backend.parallel_matmul(left, b)
        assert product.dtype == np.result_type(left, b)
        np.testing.assert_allclose(product, left @ b, rtol=1e-12, atol=1e-12)
