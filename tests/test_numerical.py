"""`numerical_grad` against exact derivatives, on every kind of input; `gradcheck` passing and failing."""
import math
import re

import numpy as np
import pytest
from hypothesis import given

import autograd
from autograd import GradcheckError, Tensor, Value, concatenate, gradcheck, numerical_grad
from autograd.testing import arrays as float_arrays
from autograd.testing import positives, reals, shapes

# (name, function, exact derivative) for floats
SCALAR_FUNCTIONS = [
    ("cube", lambda x: x ** 3 - 2 * x, lambda x: 3 * x * x - 2),
    ("sin", math.sin, math.cos),
    ("exp", math.exp, math.exp),
    ("the book's 0.01x^2 + 0.1x", lambda x: 0.01 * x ** 2 + 0.1 * x, lambda x: 0.02 * x + 0.1),
]


@pytest.mark.parametrize("name, f, derivative", SCALAR_FUNCTIONS, ids=[row[0] for row in SCALAR_FUNCTIONS])
@given(x=reals())
def test_central_difference_of_a_float_function_is_the_derivative_to_h_squared(name, f, derivative, x):
    numeric = numerical_grad(f, x)
    assert isinstance(numeric, float)
    # Central differences err by h^2/6 |f'''| (here |f'''| <= 21) plus rounding ~1e-16 |f| / h.
    assert numeric == pytest.approx(derivative(x), abs=1e-7 + 1e-11 * abs(f(x)))


def test_integers_are_accepted_as_points():
    assert numerical_grad(lambda x: x * x, 3) == pytest.approx(6.0, abs=1e-9)


@given(x=float_arrays(shapes()))
def test_gradient_of_an_array_function_leaves_the_callers_array_unchanged(x):
    original = x.copy()
    grad = numerical_grad(lambda a: np.sum(a ** 3) + np.prod(a.shape), x)
    assert isinstance(grad, np.ndarray) and grad.shape == x.shape
    np.testing.assert_allclose(grad, 3 * original ** 2, atol=1e-6)
    np.testing.assert_array_equal(x, original)


def test_lists_are_points_too():
    np.testing.assert_allclose(numerical_grad(lambda a: a[0] * a[1], [2.0, 5.0]), [5.0, 2.0], atol=1e-9)


def test_value_point_gives_a_float_and_its_data_is_restored():
    x = Value(2.0)
    grad = numerical_grad(lambda v: v ** 3, x)
    assert grad == pytest.approx(12.0, abs=1e-6)
    assert x.data == 2.0


def test_tensor_point_gives_an_array_and_the_same_data_back():
    x = Tensor([1.0, -2.0, 0.5])
    data = x.data
    grad = numerical_grad(lambda t: (t * t).sum(), x)
    np.testing.assert_allclose(grad, 2 * np.array([1.0, -2.0, 0.5]), atol=1e-6)
    assert x.data is data
    np.testing.assert_array_equal(x.data, [1.0, -2.0, 0.5])


@pytest.mark.parametrize("point", [Value(1.5), Tensor([1.0, 2.0]), np.array([1.0, 2.0])])
def test_data_is_restored_when_f_raises(point):
    before = np.array(point.data, copy=True) if not isinstance(point, np.ndarray) else point.copy()

    def failing(_):
        raise RuntimeError("f failed")

    with pytest.raises(RuntimeError, match="f failed"):
        numerical_grad(failing, point)
    after = point.data if not isinstance(point, np.ndarray) else point
    np.testing.assert_array_equal(after, before)


def test_function_returning_an_array_is_refused_with_its_shape():
    with pytest.raises(ValueError, match=r"\(3,\)"):
        numerical_grad(lambda a: a * 2, np.ones(3))


def test_single_element_results_of_any_kind_are_accepted():
    assert numerical_grad(lambda a: np.array([[a[0] * 3]]), np.array([1.0]))[0] == pytest.approx(3.0)
    assert numerical_grad(lambda t: (t * 3).sum().reshape(1, 1), Tensor([1.0]))[0] == pytest.approx(3.0)


# ---- gradcheck -----------------------------------------------------------------------
@given(a=float_arrays((2, 3)), b=float_arrays((3,)), c=float_arrays((2, 1), positives()))
def test_gradcheck_passes_correct_tensor_ops(a, b, c):
    tensors = [Tensor(x, requires_grad=True) for x in (a, b, c)]
    assert gradcheck(lambda x, y, z: (x * y).tanh() @ y + z.log() - (x / z).sigmoid().sum(axis=1, keepdims=True),
                     *tensors) is True


@given(x=positives(), y=reals())
def test_gradcheck_passes_correct_value_ops(x, y):
    assert gradcheck(lambda v, w: (v ** w + v.log() * w).tanh() - v.sigmoid(), Value(x), Value(y)) is True


def test_gradcheck_leaves_gradients_as_they_were():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.grad = np.array([7.0, 7.0])
    v = Value(3.0)
    v.grad = 5.0
    gradcheck(lambda t: (t * t).sum(), x)
    gradcheck(lambda w: w * w, v)
    np.testing.assert_array_equal(x.grad, [7.0, 7.0])
    assert v.grad == 5.0


class WrongSquare(autograd.Op):
    """x^2 with a deliberately wrong backward (x instead of 2x), to see gradcheck fail."""

    name = "wrong x²"

    def forward(self, ctx, a):
        return a * a

    def backward(self, ctx, g, a, out):
        return (g * a,)


class WrongShape(autograd.Op):
    """Identity whose backward drops the last element: a gradient of the wrong shape."""

    name = "wrong shape"

    def forward(self, ctx, a):
        return a.copy()

    def backward(self, ctx, g, a, out):
        return (g[:-1],)


def _reported_numbers(message: str) -> tuple[float, float]:
    found = re.search(r"backprop (\S+), numerical (\S+),", message)
    assert found, message
    return float(found.group(1)), float(found.group(2))


def test_gradcheck_names_the_input_the_worst_index_and_both_values():
    good = Tensor([1.0, 2.0], requires_grad=True, name="good")
    wrong = Tensor([0.1, -3.0, 0.2], requires_grad=True, name="weights")
    with pytest.raises(GradcheckError) as failure:
        gradcheck(lambda g, w: g.sum() + WrongSquare()(w).sum(), good, wrong)
    message = str(failure.value)
    assert "input 1" in message and "'weights'" in message
    assert "index (1,)" in message  # |error| = |x| is largest at x = -3
    backprop, numerical = _reported_numbers(message)
    assert backprop == pytest.approx(-3.0) and numerical == pytest.approx(-6.0, abs=1e-6)


def _square_with_a_wrong_derivative(v):
    out = v * v
    out.local_grads = (v.data, 0.0)  # tampered: the second factor's share of d(x*x)/dx is dropped
    return out


def test_gradcheck_failure_on_a_value():
    with pytest.raises(GradcheckError, match=r"input 0 \('v'\) at index \(\)") as failure:
        gradcheck(_square_with_a_wrong_derivative, Value(1.5, name="v"))
    backprop, numerical = _reported_numbers(str(failure.value))
    assert backprop == pytest.approx(1.5) and numerical == pytest.approx(3.0, abs=1e-6)


def test_gradcheck_reports_a_gradient_of_the_wrong_shape():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    with pytest.raises(GradcheckError, match=r"shape \(2,\).*\(3,\)"):
        gradcheck(lambda t: WrongShape()(t).sum(), x)


def test_gradcheck_judges_a_non_scalar_output_in_every_element():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    # only the last output element has a wrong derivative, and gradcheck finds it there
    with pytest.raises(GradcheckError, match=r"index \(2,\)"):
        gradcheck(lambda t: concatenate([t[:2] * 2, WrongSquare()(t[2:])]), x)


def test_gradcheck_refuses_float32_inputs():
    with pytest.raises(TypeError, match="float32"):
        gradcheck(lambda t: t.sum(), Tensor(np.ones(2, dtype=np.float32), requires_grad=True))


def test_gradcheck_refuses_inputs_without_requires_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda t: t.sum(), Tensor(np.ones(2), name="data"))


def test_gradcheck_refuses_arrays():
    with pytest.raises(TypeError, match="ndarray"):
        gradcheck(lambda t: t.sum(), np.ones(2))


def test_gradcheck_refuses_a_function_that_returns_no_graph_node():
    with pytest.raises(TypeError, match="returned float"):
        gradcheck(lambda v: 3.0 * v.data, Value(1.0))
