"""Every `Value` op against the numerical derivative and `math`; constructor rules and IEEE edge cases."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import DOMAINS, assert_value_grads_match_numerical

from autograd import Value
from autograd.testing import positives, reals


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


# (name, Value function, math reference, domain of the input)
UNARY_OPS = [
    ("neg", lambda v: -v, lambda x: -x, "real"),
    ("exp", lambda v: v.exp(), math.exp, "real"),
    ("log", lambda v: v.log(), math.log, "positive"),
    ("tanh", lambda v: v.tanh(), math.tanh, "real"),
    ("sigmoid", lambda v: v.sigmoid(), _sigmoid, "real"),
    ("relu", lambda v: v.relu(), lambda x: max(x, 0.0), "nonzero"),
    ("square", lambda v: v ** 2, lambda x: x * x, "real"),
    ("cube", lambda v: v ** 3, lambda x: x * x * x, "real"),
    ("sqrt", lambda v: v ** 0.5, math.sqrt, "positive"),
    ("reciprocal", lambda v: v ** -1, lambda x: 1 / x, "nonzero"),
    ("power -2.5", lambda v: v ** -2.5, lambda x: x ** -2.5, "positive"),
    ("power numpy int", lambda v: v ** np.int64(2), lambda x: x * x, "real"),
    ("2 * v", lambda v: 2 * v, lambda x: 2 * x, "real"),
    ("3 - v", lambda v: 3 - v, lambda x: 3 - x, "real"),
    ("1 / v", lambda v: 1 / v, lambda x: 1 / x, "nonzero"),
    ("2 ** v", lambda v: 2 ** v, lambda x: 2.0 ** x, "real"),
    ("4 + v", lambda v: 4 + v, lambda x: 4 + x, "real"),
    ("v - 1.5", lambda v: v - 1.5, lambda x: x - 1.5, "real"),
    ("v / 4", lambda v: v / 4, lambda x: x / 4, "real"),
    ("numpy float * v", lambda v: np.float64(1.5) * v, lambda x: 1.5 * x, "real"),
    ("v + numpy float32", lambda v: v + np.float32(0.25), lambda x: x + 0.25, "real"),
]

# (name, Value function, math reference, domain of x, domain of y)
BINARY_OPS = [
    ("add", lambda v, w: v + w, lambda x, y: x + y, "real", "real"),
    ("sub", lambda v, w: v - w, lambda x, y: x - y, "real", "real"),
    ("mul", lambda v, w: v * w, lambda x, y: x * y, "real", "real"),
    ("div", lambda v, w: v / w, lambda x, y: x / y, "real", "nonzero"),
    ("pow", lambda v, w: v ** w, lambda x, y: x ** y, "positive", "real"),
    ("same node twice", lambda v, w: v * v + w / v, lambda x, y: x * x + y / x, "nonzero", "real"),
]


@pytest.mark.parametrize("name, op, reference, domain", UNARY_OPS, ids=[row[0] for row in UNARY_OPS])
@given(data=st.data())
def test_unary_op_matches_math_and_numerical_derivative(name, op, reference, domain, data):
    x = data.draw(DOMAINS[domain], label="x")
    out = assert_value_grads_match_numerical(op, x)
    assert out.data == pytest.approx(reference(x), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name, op, reference, domain_x, domain_y", BINARY_OPS, ids=[row[0] for row in BINARY_OPS])
@given(data=st.data())
def test_binary_op_matches_math_and_numerical_derivative(name, op, reference, domain_x, domain_y, data):
    x = data.draw(DOMAINS[domain_x], label="x")
    y = data.draw(DOMAINS[domain_y], label="y")
    out = assert_value_grads_match_numerical(op, x, y)
    assert out.data == pytest.approx(reference(x, y), rel=1e-12, abs=1e-12)


@given(x=positives(), y=reals())
def test_pow_with_a_value_exponent_has_the_exact_derivatives(x, y):
    base, exponent = Value(x), Value(y)
    (base ** exponent).backward()
    assert base.grad == pytest.approx(y * x ** (y - 1), rel=1e-12, abs=1e-12)
    assert exponent.grad == pytest.approx(x ** y * math.log(x), rel=1e-12, abs=1e-12)  # d/dy x^y = x^y ln x


@given(data=st.data())
def test_weighted_sum_is_one_node_with_the_gradients_of_w_dot_x_plus_b(data):
    n = data.draw(st.integers(0, 5), label="n")
    numbers = data.draw(st.lists(reals(), min_size=2 * n + 1, max_size=2 * n + 1), label="w, x, b")

    def neuron(*values):
        return Value.weighted_sum(values[:n], values[n:2 * n], values[2 * n])

    out = assert_value_grads_match_numerical(neuron, *numbers)
    assert len(out.parents) == 2 * n + 1 and out.op == "weighted_sum"
    expected = math.fsum(w * x for w, x in zip(numbers[:n], numbers[n:2 * n])) + numbers[2 * n]
    assert out.data == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_weighted_sum_needs_as_many_weights_as_inputs():
    with pytest.raises(ValueError, match="2 weights and 3 inputs"):
        Value.weighted_sum([1.0, 2.0], [1.0, 2.0, 3.0])


# ---- the node interface ------------------------------------------------------------
def test_a_product_keeps_its_inputs_and_the_swapped_local_derivatives():
    x, y = Value(3.0, name="x"), Value(-4.0, name="y")
    z = x * y
    assert z.op == "*" and z.parents == (x, y) and z.local_grads == (-4.0, 3.0)


@pytest.mark.parametrize("make, op", [
    (lambda v, w: v + w, "+"), (lambda v, w: v - w, "-"), (lambda v, w: v / w, "/"), (lambda v, w: -v, "neg"),
    (lambda v, w: v ** w, "**"), (lambda v, w: v ** 2, "**2"), (lambda v, w: v ** 0.5, "**0.5"),
    (lambda v, w: v.exp(), "exp"), (lambda v, w: v.log(), "log"), (lambda v, w: v.tanh(), "tanh"),
    (lambda v, w: v.sigmoid(), "sigmoid"), (lambda v, w: v.relu(), "relu"),
])
def test_op_names(make, op):
    assert make(Value(2.0), Value(3.0)).op == op


def test_comparisons_read_the_data():
    assert Value(1.0) < Value(2.0) and Value(2.0) >= 2 and Value(3.0) > 2.5 and Value(1.0) <= 1
    assert max(Value(1.0), Value(5.0), Value(3.0)).data == 5.0
    assert float(Value(2.5)) == 2.5


# ---- IEEE edge cases, as documented in autograd/value.py -----------------------
def test_negative_base_to_a_fractional_power_is_nan():
    x = Value(-8.0)
    y = x ** (1 / 3)
    assert math.isnan(y.data)
    y.backward()
    assert math.isnan(x.grad)


@pytest.mark.parametrize("compute, expected", [
    (lambda: Value(1.0) / 0, math.inf),
    (lambda: Value(-1.0) / 0, -math.inf),
    (lambda: Value(0.0).log(), -math.inf),
    (lambda: Value(1000.0).exp(), math.inf),
    (lambda: Value(-1000.0).sigmoid(), 0.0),
    (lambda: Value(1000.0).sigmoid(), 1.0),
    (lambda: Value(0.0) ** -1, math.inf),
])
def test_floating_point_faults_follow_ieee(compute, expected):
    assert compute().data == expected


@pytest.mark.parametrize("compute", [lambda: Value(0.0) / 0, lambda: Value(-1.0).log()])
def test_undefined_results_are_nan(compute):
    assert math.isnan(compute().data)


def test_relu_has_gradient_zero_at_its_kink():
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0


# ---- constructor ------------------------------------------------------------------
@pytest.mark.parametrize("number", [3, True, np.int64(3), np.int8(-2), np.float32(0.5), np.float64(2.25),
                                    np.bool_(True), np.array(1.5), np.array(4, dtype=np.int32), 7.0])
def test_real_numbers_become_floats(number):
    v = Value(number)
    assert type(v.data) is float and v.data == float(number)
    assert v.grad == 0.0 and v.parents == () and v.op == ""


@pytest.mark.parametrize("bad, type_name", [("3", "str"), (None, "NoneType"), (2 + 1j, "complex"),
                                            (np.complex128(1), "complex128"), ([1.0], "list")])
def test_non_real_numbers_are_a_type_error_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


def test_arrays_are_refused_with_their_shape():
    with pytest.raises(TypeError, match=r"\(2, 3\).*Tensor"):
        Value(np.ones((2, 3)))


def test_a_value_of_a_value_is_refused():
    with pytest.raises(TypeError, match="Value"):
        Value(Value(1.0))


def test_ops_with_non_numbers_are_type_errors():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "a"
    with pytest.raises(TypeError, match="NoneType"):
        Value(1.0) * None


def test_names_are_kept():
    assert Value(1.0, name="apple").name == "apple"
    assert "apple" in repr(Value(1.0, name="apple"))



def test_relu_of_nan_is_nan_and_a_zero_base_power_has_plain_gradients():
    assert math.isnan(Value(float("nan")).relu().data)
    base, exponent = Value(0.0), Value(3.0)
    (base ** exponent).backward()
    assert (base.grad, exponent.grad) == (0.0, 0.0)  # not 0 * log(0) = nan


def test_repr_shows_the_number_of_a_gradient_that_is_itself_a_value():
    x = Value(2.0, name="x")
    (x * x * x).backward(create_graph=True)
    assert repr(x) == "Value(data=2, grad=12, name='x')"


def test_a_value_meeting_a_tensor_raises_a_named_error_that_says_what_to_do():
    from autograd import MixedNodeError, Tensor

    v, t = Value(2.0), Tensor(np.ones((2, 3)))
    for mix in (lambda: v + t, lambda: v * t, lambda: v ** t, lambda: Value(t)):
        with pytest.raises(MixedNodeError, match=r"shape \(2, 3\).*Tensor\(v\.data\)"):
            mix()
