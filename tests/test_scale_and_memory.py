"""Edge sizes and long runs: 0-d and empty tensors through every op, and memory that stays flat."""
import gc
import tracemalloc
import warnings
import weakref

import numpy as np
import pytest

import nn
from autograd import ShapeError, Tensor, concatenate, stack, where

ZERO_D_OPS = {
    "add": lambda x: x + 2.0,
    "sub": lambda x: 1.0 - x,
    "mul": lambda x: x * x,
    "div": lambda x: 1.0 / (x + 3.0),
    "pow": lambda x: x ** 3,
    "tensor_pow": lambda x: (x + 3.0) ** x,
    "exp": lambda x: x.exp(),
    "log": lambda x: (x + 3.0).log(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "sum": lambda x: x.sum(),
    "mean": lambda x: x.mean(),
    "max": lambda x: x.max(),
    "reshape": lambda x: x.reshape(1, 1),
    "transpose": lambda x: x.T,
    "broadcast_to": lambda x: x.broadcast_to((2, 3)),
    "getitem_empty_tuple": lambda x: x[()],
    "stack": lambda x: stack([x, x * 2.0]),
    "where": lambda x: where(True, x, 0.0),
}


@pytest.mark.parametrize("name", sorted(ZERO_D_OPS))
def test_every_op_works_on_a_0d_tensor_with_the_right_gradient(name):
    x = Tensor(0.7, requires_grad=True)
    y = ZERO_D_OPS[name](x)
    y.sum().backward()
    assert x.grad.shape == ()
    h = 1e-6
    with_data = lambda v: float(ZERO_D_OPS[name](Tensor(v)).sum().data)  # noqa: E731
    assert x.grad == pytest.approx((with_data(0.7 + h) - with_data(0.7 - h)) / (2 * h), rel=1e-6, abs=1e-8)


def test_matmul_of_a_0d_tensor_is_a_named_shape_error():
    with pytest.raises(ShapeError, match=r"at least 1-D.*\(\) @ \(3,\)"):
        Tensor(2.0) @ Tensor(np.ones(3))


EMPTY_OPS = {
    "add": lambda x: x + 1.0,
    "mul": lambda x: x * x,
    "exp": lambda x: x.exp(),
    "tanh": lambda x: x.tanh(),
    "relu": lambda x: x.relu(),
    "sum_axis0": lambda x: x.sum(axis=0),
    "matmul": lambda x: x @ Tensor(np.ones((3, 2))),
    "reshape": lambda x: x.reshape(3, 0),
    "transpose": lambda x: x.T,
    "getitem": lambda x: x[:, 1:],
    "concatenate": lambda x: concatenate([x, x], axis=0),
}


@pytest.mark.parametrize("name", sorted(EMPTY_OPS))
def test_every_op_passes_an_empty_batch_through_with_an_empty_gradient(name):
    x = Tensor(np.ones((0, 3)), requires_grad=True)
    y = EMPTY_OPS[name](x)
    y.backward(np.ones(y.shape))
    assert x.grad.shape == (0, 3)


def test_empty_reductions_follow_numpy_or_say_why():
    x = Tensor(np.ones((0, 3)), requires_grad=True)
    assert x.sum().item() == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(x.mean().item())
    with pytest.raises(ShapeError, match=r"max over an axis of length 0 \(shape \(0, 3\)"):
        x.max()


def _train_steps(model, optimizer, x, t, steps):
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(x), t)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def test_five_thousand_training_steps_do_not_grow_memory():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 20))
    t = rng.integers(0, 4, size=32)
    model = nn.Sequential(nn.Linear(20, 16, activation="relu", seed=0), nn.Linear(16, 4, seed=1))
    optimizer = nn.optim.SGD(model.parameters(), lr=0.05)
    _train_steps(model, optimizer, x, t, 500)
    gc.collect()  # only to settle start-up garbage before measuring; the loop itself must not need it
    tracemalloc.start()
    try:
        _train_steps(model, optimizer, x, t, 500)
        at_step_1000, _ = tracemalloc.get_traced_memory()
        _train_steps(model, optimizer, x, t, 4000)
        at_step_5000, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A graph kept alive per step would add tens of kilobytes each time: ~100 MB over 4,000 steps.
    assert at_step_5000 - at_step_1000 < 64 * 1024, (at_step_1000, at_step_5000)


def test_a_dropped_training_graph_is_freed_without_the_garbage_collector():
    model = nn.Linear(4, 3, seed=0)
    x = Tensor(np.ones((2, 4)))
    hidden = model(x).tanh()
    loss = nn.functional.cross_entropy(hidden, np.array([0, 2]))
    loss.backward()
    watchers = [weakref.ref(hidden), weakref.ref(loss)]
    gc.disable()
    try:
        del hidden, loss
        assert all(w() is None for w in watchers)
    finally:
        gc.enable()
