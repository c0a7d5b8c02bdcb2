"""Second and higher derivatives: backward(create_graph=True), grad, hvp, hessian, gradgradcheck."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd import (
    GradcheckError,
    Op,
    Tensor,
    Value,
    concatenate,
    grad,
    gradgradcheck,
    hessian,
    hvp,
    stack,
    value_and_grad,
    where,
)

bounded = st.floats(-2.0, 2.0, allow_nan=False)
positive = st.floats(0.3, 2.0, allow_nan=False)
away_from_zero = st.floats(0.2, 2.0).flatmap(lambda m: st.sampled_from([m, -m]))


# ---- Value: every op, second order against central differences of the gradient ----------------
VALUE_UNARY = {
    "neg": (lambda x: -x, bounded),
    "exp": (lambda x: x.exp(), bounded),
    "log": (lambda x: x.log(), positive),
    "tanh": (lambda x: x.tanh(), bounded),
    "sigmoid": (lambda x: x.sigmoid(), bounded),
    "relu": (lambda x: x.relu() * x, away_from_zero),  # relu'' is 0 away from the kink; * x keeps a curvature
    "pow_const": (lambda x: x ** 3, bounded),
    "pow_fraction": (lambda x: x ** 2.5, positive),
    "reflected_pow": (lambda x: 2 ** x, bounded),
    "reflected_div": (lambda x: 1 / x, away_from_zero),
    "reflected_sub": (lambda x: (3 - x) * x, bounded),
}


@pytest.mark.parametrize("name", sorted(VALUE_UNARY))
@given(data=st.data())
def test_value_unary_second_derivative(name, data):
    function, domain = VALUE_UNARY[name]
    x = Value(data.draw(domain))
    assert gradgradcheck(function, x)


VALUE_BINARY = {
    "add": (lambda a, b: (a + b) * a, bounded, bounded),
    "sub": (lambda a, b: (a - b) * b, bounded, bounded),
    "mul": (lambda a, b: a * b * a, bounded, bounded),
    "div": (lambda a, b: a / b, bounded, away_from_zero),
    "pow": (lambda a, b: a ** b, positive, bounded),
    "weighted_sum": (lambda a, b: Value.weighted_sum([a, b], [b, a * a], a).tanh(), bounded, bounded),
}


@pytest.mark.parametrize("name", sorted(VALUE_BINARY))
@given(data=st.data())
def test_value_binary_second_derivative(name, data):
    function, left, right = VALUE_BINARY[name]
    a, b = Value(data.draw(left)), Value(data.draw(right))
    assert gradgradcheck(function, a, b)


# ---- Tensor: every op, second order, broadcasting shapes included --------------------------------
def float_arrays(shape, low=-2.0, high=2.0):
    return hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False))


def broadcast_pair():
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3)


# Each op is squared and weighted so that its backward rule is itself differentiated.
TENSOR_BINARY = {
    "add": (lambda a, b: a + b, None),
    "sub": (lambda a, b: a - b, None),
    "mul": (lambda a, b: a * b, None),
    "div": (lambda a, b: a / b, (0.5, 2.0)),
    "pow": (lambda a, b: b ** a, (0.5, 2.0)),
    "where": (lambda a, b: where(checkerboard(np.broadcast_shapes(a.shape, b.shape)), a, b), None),
}


def checkerboard(shape):
    """A fixed condition for `where` (one drawn from the data would flip under the numerical nudge)."""
    return (np.arange(int(np.prod(shape))) % 2 == 0).reshape(shape)


@pytest.mark.parametrize("name", sorted(TENSOR_BINARY))
@given(data=st.data())
def test_tensor_binary_second_derivative(name, data):
    function, right_range = TENSOR_BINARY[name]
    shapes = data.draw(broadcast_pair()).input_shapes
    a = Tensor(data.draw(float_arrays(shapes[0])), requires_grad=True)
    low, high = right_range or (-2.0, 2.0)
    b = Tensor(data.draw(float_arrays(shapes[1], low, high)), requires_grad=True)
    assert gradgradcheck(lambda a, b: (function(a, b) ** 2).sum(), a, b)


TENSOR_UNARY = {
    "neg": (lambda x: -x, (-2.0, 2.0)),
    "exp": (lambda x: x.exp(), (-2.0, 2.0)),
    "log": (lambda x: x.log(), (0.3, 2.0)),
    "tanh": (lambda x: x.tanh(), (-2.0, 2.0)),
    "sigmoid": (lambda x: x.sigmoid(), (-2.0, 2.0)),
    "relu": (lambda x: x.relu(), (0.2, 2.0)),
    "pow_const": (lambda x: x ** 3, (-2.0, 2.0)),
    "sum_axis": (lambda x: x.sum(axis=0), (-2.0, 2.0)),
    "mean": (lambda x: x.mean(axis=-1, keepdims=True), (-2.0, 2.0)),
    "max": (lambda x: x.max(axis=0), (-2.0, 2.0)),
    "reshape": (lambda x: x.reshape(-1), (-2.0, 2.0)),
    "transpose": (lambda x: x.T, (-2.0, 2.0)),
    "getitem_repeated": (lambda x: x[np.array([0, 0, 1])], (-2.0, 2.0)),
    "getitem_slice": (lambda x: x[1:], (-2.0, 2.0)),
    "broadcast_to": (lambda x: x.broadcast_to((2,) + x.shape), (-2.0, 2.0)),
    "concatenate": (lambda x: concatenate([x, x * 2.0], axis=0), (-2.0, 2.0)),
    "stack": (lambda x: stack([x, x.exp()], axis=1), (-2.0, 2.0)),
}


@pytest.mark.parametrize("name", sorted(TENSOR_UNARY))
@given(data=st.data())
def test_tensor_unary_second_derivative(name, data):
    function, (low, high) = TENSOR_UNARY[name]
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=3))
    values = data.draw(float_arrays(shape, low, high))
    if name == "max":  # ties make max non-differentiable: keep the column maxima apart
        sorted_columns = np.sort(values, axis=0)
        if np.any(sorted_columns[-1] - sorted_columns[-2] < 1e-3):
            values = values + 5.0 * np.arange(values.size).reshape(shape)  # rows now rise by more than the spread of 4
    x = Tensor(values, requires_grad=True)
    assert gradgradcheck(lambda x: (function(x) ** 2).sum() + function(x).sum() ** 2, x)


@given(data=st.data())
def test_matmul_second_derivative(data):
    n, k, m = (data.draw(st.integers(1, 3)) for _ in range(3))
    a = Tensor(data.draw(float_arrays((n, k))), requires_grad=True)
    b = Tensor(data.draw(float_arrays((k, m))), requires_grad=True)
    v = Tensor(data.draw(float_arrays((k,))), requires_grad=True)
    assert gradgradcheck(lambda a, b, v: ((a @ b).tanh().sum() + (a @ v) @ (a @ v)), a, b, v)


# ---- function transforms ---------------------------------------------------------------------
def quartic(x):
    return x ** 4 - 2 * x ** 2


@given(st.floats(-3.0, 3.0))
def test_grad_composes_to_fourth_derivative_of_a_polynomial(x):
    assert grad(quartic)(x) == pytest.approx(4 * x ** 3 - 4 * x, abs=1e-9)
    assert grad(grad(quartic))(x) == pytest.approx(12 * x ** 2 - 4, abs=1e-9)
    assert grad(grad(grad(quartic)))(x) == pytest.approx(24 * x, abs=1e-9)
    assert grad(grad(grad(grad(quartic))))(x) == pytest.approx(24.0, abs=1e-9)


def test_tanh_derivatives_match_their_closed_forms():
    x = 0.5
    t = math.tanh(x)
    s = 1 - t * t  # sech^2
    expected = [s, -2 * t * s, -2 * s * s + 4 * t * t * s, 16 * t * s * s - 8 * t ** 3 * s]
    derivative = lambda v: v.tanh()  # noqa: E731
    for closed_form in expected:  # first, second, third and fourth derivative
        derivative = grad(derivative)
        assert derivative(x) == pytest.approx(closed_form, rel=1e-12)


def test_newton_iteration_on_quartic_converges_to_one():
    x = 2.0
    for _ in range(8):
        x = x - grad(quartic)(x) / grad(grad(quartic))(x)
    assert x == pytest.approx(1.0, abs=1e-12)


def test_grad_accepts_floats_arrays_values_and_tensors():
    assert isinstance(grad(quartic)(2.0), float)
    array_grad = grad(lambda x: (x ** 3).sum())(np.array([1.0, 2.0]))
    np.testing.assert_allclose(array_grad, [3.0, 12.0])
    node_grad = grad(quartic)(Value(2.0))
    assert isinstance(node_grad, Value) and node_grad.data == pytest.approx(24.0)
    tensor_grad = grad(lambda x: (x ** 3).sum())(Tensor([1.0, 2.0], requires_grad=True))
    assert isinstance(tensor_grad, Tensor)
    np.testing.assert_allclose(tensor_grad.data, [3.0, 12.0])


def test_grad_leaves_existing_gradients_untouched():
    x = Value(2.0)
    w = Value(3.0)
    w.grad = 7.0
    x.grad = 5.0
    assert grad(lambda x: x * w)(x).data == pytest.approx(3.0)
    assert (x.grad, w.grad) == (5.0, 7.0)


def test_grad_with_argnums_and_value_and_grad():
    f = lambda a, b: a * b ** 2  # noqa: E731
    assert grad(f, argnums=(0, 1))(3.0, 2.0) == pytest.approx((4.0, 12.0))
    value, derivative = value_and_grad(f, argnums=1)(3.0, 2.0)
    assert value == pytest.approx(12.0) and derivative == pytest.approx(12.0)


def test_grad_of_non_scalar_function_is_a_named_error():
    with pytest.raises(ValueError, match=r"one number.*\(3,\)"):
        grad(lambda x: x * 2.0)(np.ones(3))


def test_derivative_of_a_constant_is_zero_at_every_order():
    assert grad(lambda x: x * 0.0 + 5.0)(1.0) == 0.0
    assert grad(grad(lambda x: 3.0 * x))(1.0) == 0.0


@given(hnp.arrays(np.float64, st.integers(1, 4), elements=st.floats(-1.5, 1.5)),
       hnp.arrays(np.float64, 4, elements=st.floats(-1.0, 1.0)))
def test_hvp_equals_hessian_times_vector(x, v):
    v = v[: x.size]
    f = lambda t: (t.tanh() * t ** 2).sum() + (t @ t).exp()  # noqa: E731
    np.testing.assert_allclose(hvp(f)(x, v), hessian(f)(x) @ v, rtol=1e-10, atol=1e-10)


def test_hessian_of_a_quadratic_form_is_its_symmetric_matrix():
    A = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, -1.0], [0.0, -1.0, 4.0]])
    H = hessian(lambda x: 0.5 * (x @ (Tensor(A) @ x)))(np.array([0.3, -0.2, 1.0]))
    np.testing.assert_allclose(H, A, atol=1e-12)


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class CubeWithWrongCurvature(Op):
        """x^3 whose backward says 3x^2 through a constant, so its own derivative is lost."""

        name = "x³?"

        def forward(self, ctx, a):
            return a ** 3

        def backward(self, ctx, g, a, out):
            return (g * (3.0 * np.asarray(a.data if isinstance(a, Tensor) else a) ** 2),)

    x = Tensor(np.array([0.7, -1.2]), requires_grad=True)
    assert gradgradcheck(lambda x: (x ** 3).sum(), x)
    with pytest.raises(GradcheckError, match="input 0"):
        gradgradcheck(lambda x: CubeWithWrongCurvature()(x).sum(), x)


def test_plain_backward_builds_no_graph_for_gradients():
    x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    (x.tanh() * x).sum().backward()
    assert isinstance(x.grad, np.ndarray)
    v = Value(0.5)
    (v.tanh() * v).backward()
    assert isinstance(v.grad, float)


def test_create_graph_gradients_are_nodes_that_differentiate_again():
    x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Tensor) and first.requires_grad
    np.testing.assert_allclose(first.data, 3 * x.data ** 2)
    x.grad = None
    first.sum().backward()
    np.testing.assert_allclose(x.grad, 6 * x.data)


@given(x=hnp.arrays(np.float64, 3, elements=st.floats(-1.5, 1.5)))
def test_second_derivatives_match_pytorch_double_backward(x, torch):
    ours = hessian(lambda t: (t.sigmoid() * t.exp()).sum() * (t ** 2).sum() + (t[0] / (1.5 + t[1].tanh())))(x)
    xt = torch.tensor(x, dtype=torch.float64)

    def reference(t):
        return (torch.sigmoid(t) * torch.exp(t)).sum() * (t ** 2).sum() + t[0] / (1.5 + torch.tanh(t[1]))

    theirs = torch.autograd.functional.hessian(reference, xt).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


@given(x=st.floats(-2.0, 2.0))
def test_value_third_derivative_matches_pytorch(x, torch):
    f = lambda v: (v * v.sigmoid()).tanh() + v.exp() / (2 + v * v)  # noqa: E731
    ours = grad(grad(grad(f)))(x)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = torch.tanh(xt * torch.sigmoid(xt)) + torch.exp(xt) / (2 + xt * xt)
    for _ in range(3):
        (y,) = torch.autograd.grad(y, xt, create_graph=True)
    assert ours == pytest.approx(y.item(), rel=1e-9, abs=1e-9)


def test_grad_differentiates_by_a_tensor_that_does_not_require_grad():
    g = grad(lambda t: (t * t).sum())(Tensor([1.0, 2.0]))
    np.testing.assert_array_equal(g.data, [2.0, 4.0])


def test_argnums_may_name_an_argument_twice_or_count_from_the_end():
    assert grad(lambda a, b: a * b, argnums=(0, 0))(3.0, 4.0) == (4.0, 4.0)
    assert grad(lambda a, b: a * b, argnums=(0, -1))(3.0, 4.0) == (4.0, 3.0)


def test_gradcheck_leaves_the_grad_of_tensors_the_function_closes_over_alone():
    from autograd import gradcheck

    W = Tensor([[1.0, 2.0]], requires_grad=True)
    W.grad = np.array([[5.0, 5.0]])
    assert gradcheck(lambda x: (x @ W).sum(), Tensor([[1.0], [2.0]], requires_grad=True))
    np.testing.assert_array_equal(W.grad, [[5.0, 5.0]])
