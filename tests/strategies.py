"""Strategies and checks private to this suite. Everything a user's own tests need (numbers away from
kinks and poles, arrays, tensors, random programs, check_grads) is public in `autograd.testing`, and the
suite's property tests import it from there; what is left here serves only the engine's own op tables.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd import Tensor, Value
from autograd.testing import BOUND, arrays, away_from, check_grads, positives, reals

#: Named input domains, for the tables of ops in test_value.py and test_tensor.py.
DOMAINS = {"real": reals(), "positive": positives(), "nonzero": away_from([0.0])}


def distinct_arrays(shape, gap: float = 0.01) -> st.SearchStrategy[np.ndarray]:
    """Arrays whose elements differ pairwise by at least `gap` (multiples of it in [-3, 3]): no near-ties for max."""
    steps = int(BOUND / gap)
    return hnp.arrays(np.float64, shape, elements=st.integers(-steps, steps).map(lambda k: k * gap), unique=True)


@st.composite
def matmul_operands(draw):
    """Left and right operands of every kind np.matmul takes: vectors, matrices, batches that broadcast."""
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    batches = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3))
    left = draw(st.sampled_from(["vector", "matrix", "batch"]))
    right = draw(st.sampled_from(["vector", "matrix", "batch"]))
    a_shape = {"vector": (k,), "matrix": (n, k), "batch": batches.input_shapes[0] + (n, k)}[left]
    b_shape = {"vector": (k,), "matrix": (k, m), "batch": batches.input_shapes[1] + (k, m)}[right]
    return draw(arrays(a_shape)), draw(arrays(b_shape))


def reduction_axes(ndim: int) -> st.SearchStrategy:
    """An `axis` argument valid for an array of `ndim` dimensions: None, an int (negative too) or a tuple."""
    if ndim == 0:
        return st.none()
    return st.one_of(st.none(), st.integers(-ndim, ndim - 1), hnp.valid_tuple_axes(ndim, min_size=1))


def output_weights(shape) -> np.ndarray:
    """Fixed weights in [0.5, 1.5] that fold an output into one number so that every element counts differently."""
    return np.random.default_rng(12345).uniform(0.5, 1.5, size=shape)


def assert_tensor_grads_match_numerical(f: Callable, *arrays_in: np.ndarray, rtol: float = 1e-5) -> Tensor:
    """`check_grads` of `f` on Tensors made from the arrays; returns the output for the test's further checks."""
    check_grads(f, *arrays_in, rtol=rtol, picture=False)
    return f(*[Tensor(np.array(a, dtype=np.float64)) for a in arrays_in])


def assert_value_grads_match_numerical(f: Callable, *numbers: float, rtol: float = 1e-5) -> Value:
    """`check_grads` of `f` on Values made from the numbers; returns the output for the test's further checks."""
    check_grads(f, *numbers, rtol=rtol, picture=False)
    return f(*[Value(x) for x in numbers])
