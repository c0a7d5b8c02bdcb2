"""The book's worked numbers for the engine (tests/reference_numbers.md): the shopping graphs, the chain
rule, the local derivative of each node, matrix products, and numerical differentiation."""
import numpy as np
import pytest
from hypothesis import given

from autograd import Tensor, Value, numerical_grad
from autograd.testing import reals


# ---- computational graphs (chapter 5) --------------------------------------------------
def test_apple_shopping():
    apple, count, tax = Value(100.0, name="apple"), Value(2.0, name="apple count"), Value(1.1, name="tax")
    apple_total = apple * count
    price = apple_total * tax
    price.backward()
    assert apple_total.data == 200.0 and price.data == pytest.approx(220.0, abs=1e-12)
    assert apple.grad == pytest.approx(2.2, abs=1e-12)
    assert count.grad == pytest.approx(110.0, abs=1e-12)
    assert tax.grad == pytest.approx(200.0, abs=1e-12)
    assert apple_total.grad == pytest.approx(1.1, abs=1e-12)


def test_apple_and_orange():
    apple, apple_count = Value(100.0), Value(2.0)
    orange, orange_count = Value(150.0), Value(3.0)
    tax = Value(1.1)
    apple_total, orange_total = apple * apple_count, orange * orange_count
    before_tax = apple_total + orange_total
    price = before_tax * tax
    price.backward()
    assert before_tax.data == 650.0 and price.data == pytest.approx(715.0, abs=1e-12)
    expected = {"apple": 2.2, "apple count": 110.0, "orange": 3.3, "orange count": 165.0, "tax": 650.0}
    got = {"apple": apple.grad, "apple count": apple_count.grad, "orange": orange.grad,
           "orange count": orange_count.grad, "tax": tax.grad}
    assert got == pytest.approx(expected, abs=1e-12)
    # the add node passes its upstream 1.1 unchanged to both branches
    assert apple_total.grad == pytest.approx(1.1) and orange_total.grad == pytest.approx(1.1)


def test_apple_and_orange_on_tensors():
    prices, counts = Tensor([100.0, 150.0], requires_grad=True), Tensor([2.0, 3.0], requires_grad=True)
    tax = Tensor(1.1, requires_grad=True)
    price = (prices * counts).sum() * tax
    price.backward()
    assert price.item() == pytest.approx(715.0, abs=1e-12)
    np.testing.assert_allclose(prices.grad, [2.2, 3.3], atol=1e-12)
    np.testing.assert_allclose(counts.grad, [110.0, 165.0], atol=1e-12)
    assert tax.grad == pytest.approx(650.0, abs=1e-12)


@given(x=reals(), y=reals())
def test_chain_rule_of_the_square_of_a_sum(x, y):
    vx, vy = Value(x), Value(y)
    z = (vx + vy) ** 2
    z.backward()
    assert vx.grad == pytest.approx(2 * (x + y), abs=1e-12) and vy.grad == pytest.approx(2 * (x + y), abs=1e-12)


# ---- local derivatives of each node, as the book lists them -------------------------------
def test_local_derivatives_of_the_books_nodes():
    upstream = 1.7
    x, y = Value(3.0), Value(-2.0)
    ((x + y) * upstream).backward()
    assert (x.grad, y.grad) == pytest.approx((upstream, upstream))                # add passes dout unchanged
    x, y = Value(3.0), Value(-2.0)
    ((x * y) * upstream).backward()
    assert (x.grad, y.grad) == pytest.approx((upstream * -2.0, upstream * 3.0))  # mul swaps the inputs

    for make, local_of_output in [
        (lambda v: 1 / v, lambda out: -out.data ** 2),                      # 1/x: -dout * y^2
        (lambda v: v.exp(), lambda out: out.data),                           # exp: dout * y
        (lambda v: v.sigmoid(), lambda out: out.data * (1 - out.data)),      # sigmoid: dout * y (1 - y)
    ]:
        v = Value(0.8)
        node = make(v)
        (node * upstream).backward()
        assert v.grad == pytest.approx(upstream * local_of_output(node), rel=1e-12)

    for x_value, slope in [(2.0, 1.0), (-2.0, 0.0)]:                         # ReLU: dout where x > 0, else 0
        v = Value(x_value)
        (v.relu() * upstream).backward()
        assert v.grad == upstream * slope


def test_affine_layer_gradients_follow_the_books_formulas():
    rng = np.random.default_rng(1)
    X = Tensor(rng.normal(size=(4, 3)), requires_grad=True)
    W = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    B = Tensor(rng.normal(size=2), requires_grad=True)
    dY = rng.normal(size=(4, 2))
    (X @ W + B).backward(dY)
    np.testing.assert_allclose(X.grad, dY @ W.data.T, rtol=1e-12)   # dX = dY W^T
    np.testing.assert_allclose(W.grad, X.data.T @ dY, rtol=1e-12)   # dW = X^T dY
    np.testing.assert_allclose(B.grad, dY.sum(axis=0), rtol=1e-12)  # dB = sum of dY over the batch


# ---- matrix products (chapter 3) ------------------------------------------------------------
def test_matrix_products():
    np.testing.assert_array_equal((Tensor([[1, 2], [3, 4]]) @ Tensor([[5, 6], [7, 8]])).data, [[19, 22], [43, 50]])
    np.testing.assert_array_equal((Tensor([1, 2]) @ Tensor([[1, 3, 5], [2, 4, 6]])).data, [5, 11, 17])


# ---- numerical differentiation (chapter 4) ----------------------------------------------------
def function_1(x):
    return 0.01 * x ** 2 + 0.1 * x


@pytest.mark.parametrize("x, derivative", [(5.0, 0.2), (10.0, 0.3)])
def test_central_difference_of_the_books_function(x, derivative):
    numeric = numerical_grad(function_1, x)  # h = 1e-4, as in the book
    assert abs(numeric - derivative) < 1e-9  # the book reports an error around 1e-12
    v = Value(x)
    function_1(v).backward()
    assert v.grad == pytest.approx(derivative, abs=1e-15)


@pytest.mark.parametrize("point, gradient",
                         [((3.0, 4.0), (6.0, 8.0)), ((0.0, 2.0), (0.0, 4.0)), ((3.0, 0.0), (6.0, 0.0))])
def test_gradient_of_the_sum_of_squares(point, gradient):
    np.testing.assert_allclose(numerical_grad(lambda x: x[0] ** 2 + x[1] ** 2, np.array(point)), gradient, atol=1e-9)
    x = Tensor(point, requires_grad=True)
    (x ** 2).sum().backward()
    np.testing.assert_array_equal(x.grad, gradient)
