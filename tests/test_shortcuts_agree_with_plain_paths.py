"""The engine's speed paths give the same answers as the plain ones (no timings here: see benchmarks/)."""
import math

import numpy as np
import pytest

from autograd import Op, Tensor, Value, no_grad, topological_order


def test_weighted_sum_takes_numbers_mixed_with_values_as_constants():
    w = [Value(2.0), 3, np.float64(4.0)]
    x = [Value(5.0), Value(6.0), 0.5]
    out = Value.weighted_sum(w, x, 1)
    assert out.data == 2 * 5 + 3 * 6 + 4 * 0.5 + 1
    assert all(isinstance(p, Value) for p in out.parents)
    out.backward()
    assert (w[0].grad, x[0].grad, x[1].grad) == (5.0, 2.0, 3.0)


def test_weighted_sum_overflows_to_inf_and_nan_like_numpy():
    with np.errstate(over="ignore", invalid="ignore"):
        expected = [np.dot([1e308, 1e308], [10.0, 10.0]), np.dot([math.inf, -math.inf], [1.0, 1.0])]
    assert Value.weighted_sum([1e308, 1e308], [10.0, 10.0]).data == expected[0] == math.inf
    assert math.isnan(Value.weighted_sum([math.inf, -math.inf], [1.0, 1.0]).data) and math.isnan(expected[1])


def test_weighted_sum_refuses_a_non_number_among_values():
    with pytest.raises(TypeError, match="real number"):
        Value.weighted_sum([Value(1.0)], ["two"])


def test_no_grad_results_of_every_maker_record_nothing():
    x, y = Value(2.0), Value(3.0)
    with no_grad():
        results = [x * y, x.relu(), Value.weighted_sum([x], [y], x)]
    assert all(r.parents == () and r.local_grads == () for r in results)


def test_topological_order_matches_a_recursive_depth_first_walk():
    # The order the engine sweeps (and viz shows) is that of a plain recursive post-order walk.
    a, b = Value(1.0, name="a"), Value(2.0, name="b")
    c = a * b
    d = c + a
    e = (d * c).tanh() + b

    def recursive(node, seen, order):
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                recursive(parent, seen, order)
        order.append(node)
        return order

    assert topological_order(e) == recursive(e, {e}, [])



def test_leaf_gradients_kept_without_a_copy_are_still_their_own():
    # A leaf keeps a new array a rule made without copying it; editing one leaf's .grad in place must not
    # reach another leaf's gradient, an intermediate's, or the upstream gradient passed in.
    x = Tensor(np.array([[1.0, -2.0], [3.0, 4.0]]), requires_grad=True)
    w = Tensor(np.array([0.5, -1.5]), requires_grad=True)
    product = x * w          # w is broadcast: its gradient is summed (a view of a new array)
    out = product.relu() * x  # x reaches out twice: its two contributions are added
    upstream = np.ones((2, 2))
    out.backward(upstream)
    expected_x = (x.data * w.data > 0) * x.data * w.data + np.maximum(x.data * w.data, 0)
    expected_w = ((x.data * w.data > 0) * x.data * x.data).sum(axis=0)
    np.testing.assert_allclose(x.grad, expected_x)
    np.testing.assert_allclose(w.grad, expected_w)
    saved = {name: t.grad.copy() for name, t in [("product", product), ("out", out)]}
    x.grad += 100.0
    w.grad += 100.0
    np.testing.assert_array_equal(upstream, np.ones((2, 2)))
    np.testing.assert_array_equal(product.grad, saved["product"])
    np.testing.assert_array_equal(out.grad, saved["out"])
    assert not np.shares_memory(x.grad, w.grad)


def test_an_op_that_gives_one_array_to_two_inputs_gets_it_copied():
    class Twice(Op):
        """y = a + b, whose backward hands one new array to both inputs."""
        name = "twice"

        def forward(self, ctx, a, b):
            return a + b

        def backward(self, ctx, g, a, b, out):
            shared = g * 1.0
            return shared, shared

    a = Tensor(np.zeros(3), requires_grad=True)
    b = Tensor(np.zeros(3), requires_grad=True)
    Twice()(a, b).backward(np.ones(3))
    assert a.grad is not b.grad and not np.shares_memory(a.grad, b.grad)
