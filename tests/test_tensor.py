"""Every `Tensor` op against the numerical derivative, on broadcasting shapes; constructor and backward rules."""
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import DOMAINS, assert_tensor_grads_match_numerical, distinct_arrays, matmul_operands, reduction_axes

from autograd import BackwardError, ShapeError, Tensor, backend, concatenate, stack, where
from autograd.ops import Mul, ScatterAdd
from autograd.testing import arrays as float_arrays
from autograd.testing import broadcastable_shapes, shapes, tensor_program_inputs

# ---- elementwise ops: forward against NumPy, gradient against central differences ----
# (name, tensor function, NumPy function, domain of the input)
UNARY_OPS = [
    ("neg", lambda x: -x, np.negative, "real"),
    ("exp", lambda x: x.exp(), np.exp, "real"),
    ("log", lambda x: x.log(), np.log, "positive"),
    ("tanh", lambda x: x.tanh(), np.tanh, "real"),
    ("sigmoid", lambda x: x.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), "real"),
    ("relu", lambda x: x.relu(), lambda a: np.maximum(a, 0), "nonzero"),
    ("square", lambda x: x ** 2, np.square, "real"),
    ("cube", lambda x: x ** 3, lambda a: a * a * a, "real"),
    ("sqrt", lambda x: x ** 0.5, np.sqrt, "positive"),
    ("power 1.5", lambda x: x ** 1.5, lambda a: a * np.sqrt(a), "positive"),
    ("reciprocal", lambda x: x ** -1, lambda a: 1 / a, "nonzero"),
    ("number + x", lambda x: 2 + x, lambda a: 2 + a, "real"),
    ("number - x", lambda x: 3 - x, lambda a: 3 - a, "real"),
    ("number * x", lambda x: 2 * x, lambda a: 2 * a, "real"),
    ("number / x", lambda x: 1 / x, lambda a: 1 / a, "nonzero"),
    ("number ** x", lambda x: 2 ** x, lambda a: np.exp(a * np.log(2)), "real"),
    ("x - number", lambda x: x - 1.5, lambda a: a - 1.5, "real"),
    ("x / number", lambda x: x / 4, lambda a: a / 4, "real"),
    ("sum", lambda x: x.sum(), np.sum, "real"),
    ("mean", lambda x: x.mean(), np.mean, "real"),
    ("T", lambda x: x.T, np.transpose, "real"),
    ("flatten", lambda x: x.reshape(-1), np.ravel, "real"),
]

# (name, tensor function, NumPy function, domain of a, domain of b)
BINARY_OPS = [
    ("add", lambda a, b: a + b, np.add, "real", "real"),
    ("sub", lambda a, b: a - b, np.subtract, "real", "real"),
    ("mul", lambda a, b: a * b, np.multiply, "real", "real"),
    ("div", lambda a, b: a / b, np.divide, "real", "nonzero"),
    ("pow", lambda a, b: a ** b, lambda a, b: np.exp(b * np.log(a)), "positive", "real"),
    ("array + x", lambda a, b: a.data + b, np.add, "real", "real"),
    ("array - x", lambda a, b: a.data - b, np.subtract, "real", "real"),
    ("array * x", lambda a, b: a.data * b, np.multiply, "real", "real"),
    ("array / x", lambda a, b: a.data / b, np.divide, "real", "nonzero"),
    ("array ** x", lambda a, b: a.data ** b, lambda a, b: np.exp(b * np.log(a)), "positive", "real"),
]


def _ids(table):
    return [row[0] for row in table]


@pytest.mark.parametrize("name, op, reference, domain", UNARY_OPS, ids=_ids(UNARY_OPS))
@given(data=st.data())
def test_unary_op_matches_numerical_derivative(name, op, reference, domain, data):
    x = data.draw(float_arrays(shapes(), DOMAINS[domain]), label="x")
    out = assert_tensor_grads_match_numerical(op, x)
    np.testing.assert_allclose(out.data, reference(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, op, reference, domain_a, domain_b", BINARY_OPS, ids=_ids(BINARY_OPS))
@given(data=st.data())
def test_binary_op_with_broadcasting_matches_numerical_derivative(name, op, reference, domain_a, domain_b, data):
    shapes = data.draw(broadcastable_shapes(), label="shapes")
    a = data.draw(float_arrays(shapes.input_shapes[0], DOMAINS[domain_a]), label="a")
    b = data.draw(float_arrays(shapes.input_shapes[1], DOMAINS[domain_b]), label="b")
    if name.startswith("array"):  # a is a constant array on the left: only b is differentiated
        out = assert_tensor_grads_match_numerical(lambda y: op(Tensor(a), y), b)
    else:
        out = assert_tensor_grads_match_numerical(op, a, b)
    assert out.shape == shapes.result_shape
    np.testing.assert_allclose(out.data, reference(a, b), rtol=1e-12, atol=1e-12)


# ---- reductions ---------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["sum", "mean"])
@given(data=st.data())
def test_sum_and_mean_over_any_axes(reduction, data):
    x = data.draw(float_arrays(shapes()), label="x")
    axis = data.draw(reduction_axes(x.ndim), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    out = assert_tensor_grads_match_numerical(lambda t: getattr(t, reduction)(axis, keepdims), x)
    np.testing.assert_allclose(out.data, getattr(np, reduction)(x, axis=axis, keepdims=keepdims),
                               rtol=1e-12, atol=1e-12)


@given(data=st.data())
def test_max_without_ties_matches_numerical_derivative(data):
    x = data.draw(distinct_arrays(shapes()), label="x")
    axis = data.draw(reduction_axes(x.ndim), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    out = assert_tensor_grads_match_numerical(lambda t: t.max(axis, keepdims), x)
    np.testing.assert_array_equal(out.data, np.max(x, axis=axis, keepdims=keepdims))


def test_max_splits_the_gradient_evenly_among_ties():
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [5.0, 0.0, 4.0]], requires_grad=True)
    x.max(axis=1).backward(np.array([6.0, 3.0, 1.0]))
    # By definition: each row's upstream gradient divided among the elements equal to the row's max.
    expected = np.array([[0, 3, 3], [1, 1, 1], [1, 0, 0]], dtype=float)
    np.testing.assert_array_equal(x.grad, expected)


def test_max_over_everything_with_ties_sums_to_one():
    x = Tensor([[4.0, -1.0], [4.0, 4.0]], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad, [[1 / 3, 0], [1 / 3, 1 / 3]])
    assert x.grad.sum() == pytest.approx(1.0)


def test_max_of_empty_tensor_is_a_shape_error():
    with pytest.raises(ShapeError, match=r"\(0, 3\)"):
        Tensor(np.zeros((0, 3))).max()


# ---- shape ops --------------------------------------------------------------
@st.composite
def _permutations_with_negative_axes(draw, ndim):
    axes = draw(st.permutations(range(ndim)))
    return tuple(a - ndim if draw(st.booleans()) else a for a in axes)


@given(data=st.data())
def test_transpose_with_any_axes(data):
    x = data.draw(float_arrays(shapes()), label="x")
    axes = data.draw(_permutations_with_negative_axes(x.ndim), label="axes")
    out = assert_tensor_grads_match_numerical(lambda t: t.transpose(axes), x)
    np.testing.assert_array_equal(out.data, np.transpose(x, axes))


@given(data=st.data())
def test_reshape(data):
    x = data.draw(float_arrays(shapes()), label="x")
    new_shape = data.draw(st.sampled_from([(-1,), x.shape[::-1], (1,) + x.shape, x.shape + (1, -1), (x.size, 1)]))
    out = assert_tensor_grads_match_numerical(lambda t: t.reshape(new_shape), x)
    np.testing.assert_array_equal(out.data, x.reshape(new_shape))


@given(data=st.data())
def test_broadcast_to(data):
    x = data.draw(float_arrays(shapes()), label="x")
    other = data.draw(hnp.broadcastable_shapes(x.shape, min_dims=0, max_dims=4, max_side=3), label="other")
    target = np.broadcast_shapes(x.shape, other)
    out = assert_tensor_grads_match_numerical(lambda t: t.broadcast_to(target), x)
    np.testing.assert_array_equal(out.data, np.broadcast_to(x, target))


@given(data=st.data())
def test_basic_indexing(data):
    x = data.draw(float_arrays(shapes()), label="x")
    index = data.draw(hnp.basic_indices(x.shape, allow_newaxis=True), label="index")
    out = assert_tensor_grads_match_numerical(lambda t: t[index], x)
    np.testing.assert_array_equal(out.data, x[index])


@given(data=st.data())
def test_integer_array_indexing_accumulates_repeated_indices(data):
    x = data.draw(float_arrays(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)), label="x")
    index_shapes = hnp.array_shapes(min_dims=0, max_dims=2, max_side=5)
    index = data.draw(hnp.integer_array_indices(x.shape, result_shape=index_shapes), label="index")
    out = assert_tensor_grads_match_numerical(lambda t: t[index], x)
    np.testing.assert_array_equal(out.data, x[index])


@given(data=st.data())
def test_boolean_mask_indexing(data):
    x = data.draw(float_arrays(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)), label="x")
    mask = data.draw(hnp.arrays(bool, x.shape), label="mask")
    out = assert_tensor_grads_match_numerical(lambda t: t[mask], x)
    np.testing.assert_array_equal(out.data, x[mask])


@given(data=st.data())
def test_scatter_add_the_adjoint_of_indexing(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), label="shape")
    index_shapes = hnp.array_shapes(min_dims=0, max_dims=2, max_side=5)
    index = data.draw(hnp.integer_array_indices(shape, result_shape=index_shapes), label="index")
    g = data.draw(float_arrays(np.zeros(shape)[index].shape), label="g")
    out = assert_tensor_grads_match_numerical(lambda t: ScatterAdd(index, shape)(t), g)
    expected = np.zeros(shape)
    for position in np.ndindex(g.shape):  # one addition at a time: repeated targets add up
        expected[tuple(i[position] for i in index)] += g[position]
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


def test_picking_one_entry_per_row_sends_gradient_to_those_entries():
    # The cross-entropy pattern y[np.arange(N), t], with a class picked twice.
    y = Tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    t = np.array([2, 0, 2, 1])
    y[np.arange(4), t].backward(np.array([1.0, 2.0, 3.0, 4.0]))
    expected = np.zeros((4, 3))
    for row, column in enumerate(t):
        expected[row, column] = row + 1.0
    np.testing.assert_array_equal(y.grad, expected)


def test_repeated_indices_add_up():
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    x[[0, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, 0.0])
    y = Tensor(np.zeros((2, 3)), requires_grad=True)
    y[[0, 0, 1], [2, 2, 1]].backward(np.array([1.0, 5.0, 7.0]))
    np.testing.assert_array_equal(y.grad, [[0, 0, 6], [0, 7, 0]])
    z = Tensor(np.zeros((2, 3)), requires_grad=True)
    z[:, [1, 1, 0]].sum().backward()
    np.testing.assert_array_equal(z.grad, [[1, 2, 0], [1, 2, 0]])


@st.composite
def _concatenable(draw, count):
    base = list(draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3)))
    axis = draw(st.integers(-len(base), len(base) - 1))
    arrays = []
    for _ in range(count):
        base[axis] = draw(st.integers(1, 3))
        arrays.append(draw(float_arrays(tuple(base))))
    return arrays, axis


@given(data=st.data())
def test_concatenate(data):
    arrays, axis = data.draw(_concatenable(data.draw(st.integers(1, 3))), label="arrays, axis")
    out = assert_tensor_grads_match_numerical(lambda *ts: concatenate(ts, axis=axis), *arrays)
    np.testing.assert_array_equal(out.data, np.concatenate(arrays, axis=axis))


@given(data=st.data())
def test_stack(data):
    shape = data.draw(shapes(), label="shape")
    arrays = [data.draw(float_arrays(shape)) for _ in range(data.draw(st.integers(1, 3)))]
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
    out = assert_tensor_grads_match_numerical(lambda *ts: stack(ts, axis=axis), *arrays)
    np.testing.assert_array_equal(out.data, np.stack(arrays, axis=axis))


@given(data=st.data())
def test_where_with_broadcasting(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=4),
                       label="shapes")
    condition = data.draw(hnp.arrays(bool, shapes.input_shapes[0]), label="condition")
    a = data.draw(float_arrays(shapes.input_shapes[1]), label="a")
    b = data.draw(float_arrays(shapes.input_shapes[2]), label="b")
    out = assert_tensor_grads_match_numerical(lambda s, t: where(condition, s, t), a, b)
    np.testing.assert_array_equal(out.data, np.where(condition, a, b))


def test_where_with_a_tensor_condition_and_a_number():
    x = Tensor([-1.0, 2.0, -3.0], requires_grad=True)
    y = where(Tensor([0.0, 1.0, 1.0]), x, 0.0)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 2.0, -3.0])
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0])


# ---- matrix product ---------------------------------------------------------
@given(operands=matmul_operands())
def test_matmul_of_vectors_matrices_and_batches(operands):
    a, b = operands
    out = assert_tensor_grads_match_numerical(lambda s, t: s @ t, a, b)
    np.testing.assert_allclose(out.data, np.matmul(a, b), rtol=1e-12, atol=1e-12)


def test_batched_3d_matmul_against_per_matrix_products():
    rng = np.random.default_rng(0)
    a = Tensor(rng.normal(size=(5, 2, 3)), requires_grad=True)
    b = Tensor(rng.normal(size=(5, 3, 4)), requires_grad=True)
    g = rng.normal(size=(5, 2, 4))
    (a @ b).backward(g)
    for i in range(5):  # each batch entry is an ordinary matrix product: dA = G B^T, dB = A^T G
        np.testing.assert_allclose(a.grad[i], g[i] @ b.data[i].T, rtol=1e-12)
        np.testing.assert_allclose(b.grad[i], a.data[i].T @ g[i], rtol=1e-12)


def test_vector_dot_vector_gives_a_scalar_and_both_gradients():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([4.0, 5.0, 6.0], requires_grad=True)
    out = a @ b
    out.backward()
    assert out.shape == () and out.item() == 32.0
    np.testing.assert_array_equal(a.grad, b.data)
    np.testing.assert_array_equal(b.grad, a.data)


def test_matmul_with_an_array_on_the_left():
    w = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    out = np.array([[1.0, 1.0]]) @ w
    out.sum().backward()
    np.testing.assert_array_equal(out.data, [[4.0, 6.0]])
    np.testing.assert_array_equal(w.grad, np.ones((2, 2)))


@pytest.mark.parametrize("a_shape, b_shape", [((2, 3), (4, 2)), ((3,), (2,)), ((2, 3), ()), ((5, 2, 3), (4, 3, 2))])
def test_matmul_of_mismatched_shapes_is_a_shape_error_naming_them(a_shape, b_shape):
    with pytest.raises(ShapeError, match=re.escape(str(a_shape)) + ".*" + re.escape(str(b_shape))):
        Tensor(np.ones(a_shape)) @ Tensor(np.ones(b_shape))


def test_elementwise_op_of_shapes_that_do_not_broadcast_is_a_shape_error():
    with pytest.raises(ShapeError, match=r"\(2, 3\).*\(4,\)"):
        Tensor(np.ones((2, 3))) + Tensor(np.ones(4))


# ---- constructor ------------------------------------------------------------
@pytest.mark.parametrize("data", [3, [1, 2], [True, False], np.arange(3), np.array([1, 0], dtype=np.uint8), 2.5,
                                  np.array([1.0], dtype=np.float64)])
def test_numbers_become_float64(data):
    t = Tensor(data)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float64))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_smaller_floats_are_kept(dtype):
    assert Tensor(np.ones(3, dtype=dtype)).dtype == dtype
    assert Tensor([1, 2], dtype=dtype).dtype == dtype


@pytest.mark.parametrize("data, type_name", [("abc", "str"), (None, "NoneType"), (np.array(["a", "b"]), "<U1"),
                                             ([1 + 2j], "complex"), (np.array([1, "a"], dtype=object), "object"),
                                             ([object()], "object"), ([[1, 2], [3]], "list")])
def test_non_numbers_are_a_type_error_naming_the_type(data, type_name):
    with pytest.raises(TypeError, match=type_name):
        Tensor(data)


def test_integer_dtype_argument_is_refused():
    with pytest.raises(TypeError, match="int64"):
        Tensor([1, 2], dtype=np.int64)


# ---- float32 stays float32 ----------------------------------------------------
FLOAT32_CASES = [(name, op, domain) for name, op, _, domain in UNARY_OPS] + [
    ("max", lambda x: x.max(), "real"),
    ("matmul", lambda x: x.reshape(1, -1) @ x.reshape(-1, 1), "real"),
    ("index", lambda x: x[[0, 0]], "real"),
    ("concatenate", lambda x: concatenate([x, x]), "real"),
    ("where", lambda x: where(x.data > 0, x, 1.0), "real"),
    ("where number first", lambda x: where(x.data > 0, 1.0, x), "real"),
    ("broadcast_to", lambda x: x.broadcast_to((2, 3)), "real"),
]


@pytest.mark.parametrize("name, op, domain", FLOAT32_CASES, ids=[c[0] for c in FLOAT32_CASES])
def test_ops_on_float32_stay_float32_with_float32_gradients(name, op, domain):
    values = {"real": [-1.5, 0.5, 2.0], "positive": [0.5, 1.5, 2.0], "nonzero": [-1.5, 0.5, 2.0]}[domain]
    x = Tensor(np.array(values, dtype=np.float32), requires_grad=True)
    out = op(x)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("name, op, _, domain_a, domain_b", BINARY_OPS[:5], ids=_ids(BINARY_OPS[:5]))
def test_binary_ops_on_float32_stay_float32(name, op, _, domain_a, domain_b):
    a = Tensor(np.array([0.5, 1.5], dtype=np.float32), requires_grad=True)
    b = Tensor(np.array([[1.0], [-2.0]], dtype=np.float32), requires_grad=True)
    out = op(a, b)
    assert out.dtype == np.float32
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float32


def test_a_float32_leaf_gets_a_float32_gradient_from_a_float64_computation():
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    (x * Tensor([3.0, 4.0])).sum().backward()  # the product is float64, as NumPy promotes
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


# ---- backward rules -----------------------------------------------------------
def test_backward_without_grad_on_a_non_scalar_names_the_shape():
    y = Tensor(np.ones((2, 3)), requires_grad=True, name="batch") * 2
    with pytest.raises(BackwardError, match=r"\(2, 3\)"):
        y.backward()


def test_backward_with_a_wrong_shaped_grad_names_both_shapes():
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(BackwardError, match=r"\(2, 3\).*\(3, 2\)"):
        y.backward(np.ones((3, 2)))


def test_backward_on_a_tensor_without_requires_grad_is_refused():
    y = Tensor(np.ones(3)) * 2
    with pytest.raises(BackwardError, match="does not require grad"):
        y.sum().backward()


def test_single_element_outputs_of_any_shape_need_no_grad_argument():
    x = Tensor([[2.0]], requires_grad=True)
    (x * 3).backward()
    np.testing.assert_array_equal(x.grad, [[3.0]])


def test_gradients_only_for_tensors_that_need_them():
    batch = Tensor(np.ones((4, 3)))  # data: no requires_grad
    weights = Tensor(np.full((3, 2), 0.5), requires_grad=True)
    hidden = batch @ weights
    assert hidden.requires_grad and not batch.requires_grad
    (hidden.tanh() * Tensor(np.ones((4, 2)))).sum().backward()
    assert batch.grad is None
    assert weights.grad is not None and weights.grad.shape == (3, 2)


def test_leaf_gradients_are_arrays_of_their_own():
    a, b = Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    upstream = np.ones(3)
    (a + b).backward(upstream)
    a.grad *= 10  # editing one gradient in place (as gradient clipping does) touches nothing else
    np.testing.assert_array_equal(b.grad, np.ones(3))
    np.testing.assert_array_equal(upstream, np.ones(3))
    c, d = Tensor(np.ones((2, 2)), requires_grad=True), Tensor(np.ones((1, 2)), requires_grad=True)
    upstream = np.arange(6.0).reshape(3, 2)
    concatenate([c, d]).backward(upstream)  # the rule hands each input a slice (a view) of upstream
    c.grad += 100
    np.testing.assert_array_equal(upstream, np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(d.grad, [[4.0, 5.0]])


def test_an_op_instance_called_twice_backs_two_nodes_with_their_own_needs():
    multiply = Mul()
    a, b = Tensor([2.0], requires_grad=True), Tensor([3.0])
    c, d = Tensor([4.0]), Tensor([5.0], requires_grad=True)
    first, second = multiply(a, b), multiply(c, d)
    (first + second).sum().backward()
    np.testing.assert_array_equal(a.grad, [3.0])
    np.testing.assert_array_equal(d.grad, [4.0])
    assert b.grad is None and c.grad is None


@given(case=tensor_program_inputs())
def test_random_float32_expressions_stay_float32_with_float32_gradients(case):
    program, arrays = case
    leaves = [Tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
    out = program.output(leaves)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert all(leaf.grad is None or leaf.grad.dtype == np.float32 for leaf in leaves)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_of_0d_tensors_are_arrays_in_the_tensors_dtype(dtype):
    x = Tensor(np.array(2.0, dtype=dtype), requires_grad=True)
    hidden = x * 3
    (hidden * Tensor(4.0)).backward()  # 0-d arithmetic in NumPy returns scalars, not arrays
    assert type(x.grad) is np.ndarray and x.grad.shape == () and x.grad.dtype == dtype
    assert type(hidden.grad) is np.ndarray
    assert x.grad == 12.0


# ---- special points and empty axes, as NumPy and PyTorch -------------------------------
def test_a_power_with_a_zero_base_has_plain_gradients_not_nan():
    h = Tensor([-1.0, 2.0])
    q = Tensor(3.0, requires_grad=True)
    (h.relu() ** q).sum().backward()  # 0 ** q is 0 for every q >= 0: it adds nothing to dq
    assert q.grad == pytest.approx(8 * np.log(2))
    x = Tensor([0.0, 0.0, 2.0], requires_grad=True)
    y = Tensor([0.0, 2.0, 1.0], requires_grad=True)
    (x ** y).sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.0, 1.0])  # d/dx 0**0: x**0 is 1 around 0
    np.testing.assert_allclose(y.grad, [0.0, 0.0, 2 * np.log(2)])


def test_mean_max_and_sum_over_an_empty_axis_give_numpys_empty_results():
    x = Tensor(np.zeros((2, 0)), requires_grad=True)
    assert x.mean(axis=0).shape == (0,) and x.max(axis=0).shape == (0,)
    np.testing.assert_array_equal(x.mean(axis=1).data, [np.nan, np.nan])
    x.mean(axis=0).sum().backward()
    assert x.grad.shape == (2, 0)
    with pytest.raises(ShapeError, match="axis of length 0"):
        x.max(axis=1)  # the largest of nothing: NumPy and PyTorch refuse too


def test_concatenate_with_no_axis_joins_flattened_tensors_and_splits_the_gradient_back():
    a, b = Tensor(np.ones((2, 2)), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    joined = concatenate([a, b], axis=None)
    np.testing.assert_array_equal(joined.data, np.concatenate([a.data, b.data], axis=None))
    (joined * np.arange(7.0)).sum().backward()
    np.testing.assert_array_equal(a.grad, [[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(b.grad, [4.0, 5.0, 6.0])


# ---- the update line of micrograd and the book: p.data -= lr * p.grad ------------------------
def test_data_minus_equals_gives_the_tensor_new_numbers_and_leaves_the_graphs_array_alone():
    p = Tensor(np.array([1.0, 2.0]), requires_grad=True, name="p")
    loss = (p * p).sum()
    loss.backward()
    before = p.data
    p.data -= 0.25 * p.grad  # the learner's line: it must work, not die in NumPy's "output array is read-only"
    np.testing.assert_array_equal(p.data, [0.5, 1.0])
    np.testing.assert_array_equal(before, [1.0, 2.0])  # a new array: the graph's saved numbers are untouched
    assert not p.data.flags.writeable
    with pytest.raises(BackwardError, match="changed in place"):  # the version went up: the old graph is stale
        loss.backward()
    for update, expected in ((lambda t: t.__iadd__(1.0), 2.0), (lambda t: t.__imul__(4.0), 4.0),
                             (lambda t: t.__itruediv__(2.0), 0.5)):
        q = Tensor([1.0])
        q.data = update(q.data)
        np.testing.assert_array_equal(q.data, [expected])


def test_data_keeps_reading_as_the_tensors_own_array():
    p = Tensor(np.array([1.0, 2.0], dtype=np.float32))
    assert p.data is p.data and repr(p.data) == "array([1., 2.], dtype=float32)"
    assert type(p.data + 1) is np.ndarray and type(p.data.sum()) is np.float32  # arithmetic gives plain NumPy
    assert backend.library_of(p.data) == "numpy" and backend.describe(p) == "Tensor over numpy array on cpu"
    with pytest.raises(ValueError, match="read-only"):
        p.data[0] = 5.0  # writing into the array itself stays refused
    copy = np.array(p.data)
    copy -= 1.0  # a copy the learner made is theirs: in place as NumPy does
    np.testing.assert_array_equal(copy, [0.0, 1.0])


# ---- a Value and a Tensor do not mix --------------------------------------------------------
def test_a_tensor_meeting_a_value_raises_a_named_error_that_says_what_to_do():
    from autograd import MixedNodeError, Value

    t, v = Tensor(np.ones(2)), Value(2.0, name="v")
    for mix in (lambda: t * v, lambda: t + v, lambda: t @ v, lambda: Tensor(v), lambda: Tensor([v, v])):
        with pytest.raises(MixedNodeError, match=r"keep to one kind.*Tensor\(v\.data\)"):
            mix()
    assert issubclass(MixedNodeError, TypeError)  # what code that caught the old TypeError still catches
