"""The engine's guards: in-place changes after use, anomaly detection, IEEE faults, stable ops."""
import math
import warnings

import numpy as np
import pytest

from autograd import AnomalyError, BackwardError, Tensor, Value, detect_anomaly


def test_changing_data_after_use_makes_backward_refuse_naming_the_tensor():
    w = Tensor(np.ones(3), requires_grad=True, name="w")
    loss = (w * w).sum()
    w.data = w.data + 1.0  # the product saved w's old values for its gradient
    with pytest.raises(BackwardError, match=r"'w' \(shape \(3,\)\) of op '\*' was changed in place"):
        loss.backward()


def test_assigning_data_counts_as_a_change_but_a_fresh_forward_pass_is_fine():
    w = Tensor(np.ones(2), requires_grad=True, name="w")
    loss = (w * 3.0).sum()
    w.data = np.zeros(2)
    with pytest.raises(BackwardError, match="changed in place"):
        loss.backward()
    (w * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])


def test_updating_a_parameter_after_backward_is_allowed():
    w = Tensor(np.ones(2), requires_grad=True)
    (w * w).sum().backward()
    w.data = w.data - 0.1 * w.grad
    np.testing.assert_allclose(w.data, [0.8, 0.8])


def test_assigning_non_numbers_to_data_is_a_type_error():
    w = Tensor(np.ones(2))
    with pytest.raises(TypeError, match="str"):
        w.data = "abc"
    np.testing.assert_array_equal(w.data, [1.0, 1.0])


def test_anomaly_mode_stops_at_the_tensor_op_that_made_inf_in_forward():
    x = Tensor(np.array([1.0, 0.0]), requires_grad=True, name="x")
    with detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(AnomalyError, match=r"Log \('log'\) gave inf in its forward result; inputs: \(2,\) 'x'"):
            x.log()


def test_anomaly_mode_stops_at_the_tensor_op_whose_gradient_is_not_finite():
    x = Tensor(np.array([4.0, 0.0]), requires_grad=True, name="x")
    with detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        root = (x ** 0.5).sum()  # finite forward, infinite slope at 0
        with pytest.raises(AnomalyError, match=r"PowConst .* gave inf in its backward gradients; inputs: \(2,\) 'x'"):
            root.backward()


def test_without_anomaly_mode_ieee_values_pass_through_like_numpy():
    x = Tensor(np.array([0.0, -1.0, 1.0]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = x.log()
        ratio = x / x
    assert y.data[0] == -np.inf and np.isnan(y.data[1]) and y.data[2] == 0.0
    assert np.isnan(ratio.data[0]) and ratio.data[2] == 1.0


def test_value_ieee_faults_give_inf_and_nan_instead_of_python_exceptions():
    assert Value(0.0).log().data == -math.inf
    assert math.isnan(Value(-1.0).log().data)
    assert (Value(1.0) / 0.0).data == math.inf
    assert math.isnan((Value(0.0) / 0.0).data)
    assert Value(1000.0).exp().data == math.inf
    assert math.isnan((Value(-8.0) ** (1 / 3)).data)
    assert (Value(0.0) ** -1.0).data == math.inf


def test_value_anomaly_mode_names_the_first_bad_forward_value_and_its_op():
    x = Value(0.0, name="x")
    with detect_anomaly():
        y = x.log() * 0.0 + 1.0
        with pytest.raises(AnomalyError, match=r"forward value of node is -inf \(made by op 'log' on inputs \[0.0\]\)"):
            y.backward()


def test_value_anomaly_mode_names_a_non_finite_gradient():
    x = Value(0.0, name="x")
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"gradient of node 'x' is inf"):
            (x ** 0.5).backward()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_stays_finite_and_exact_at_magnitude_1000(dtype):
    x = Tensor(np.array([-1000.0, 0.0, 1000.0], dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even an overflow warning
        y = x.sigmoid()
        y.sum().backward()
    np.testing.assert_array_equal(y.data, np.array([0.0, 0.5, 1.0], dtype=dtype))
    assert y.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad, [0.0, 0.25, 0.0])
    assert Value(-1000.0).sigmoid().data == 0.0 and Value(1000.0).sigmoid().data == 1.0


def test_a_tensor_index_must_hold_whole_numbers_and_numpy_masks_work():
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    np.testing.assert_array_equal(x[Tensor([2.0, 0.0])].data, [30.0, 10.0])
    np.testing.assert_array_equal(x[np.array([True, False, True])].data, [10.0, 30.0])
    with pytest.raises(IndexError, match=r"whole numbers; got \[0.5\].*NumPy bool array"):
        x[Tensor([0.5])]


# ---- every in-place change is impossible or detected -----------------------------------
def test_item_assignment_through_data_is_refused_and_the_callers_array_stays_writable():
    numbers = np.ones(3)
    x = Tensor(numbers, requires_grad=True)
    loss = (x * x).sum()
    with pytest.raises(ValueError, match="read-only"):
        x.data[0] = 10.0
    loss.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])
    numbers[0] = 5.0  # the caller's own array is theirs to change (the tensor shares it, as torch.from_numpy)
    assert x.data[0] == 5.0


def test_changing_an_ops_output_after_the_op_makes_backward_refuse_naming_the_op():
    x = Tensor(np.array([0.5, 1.0]), requires_grad=True)
    e = x.exp()
    e.data = e.data * 2  # exp's gradient is its output: with new numbers it would be wrong
    with pytest.raises(BackwardError, match=r"output \(shape \(2,\)\) of op 'exp' was changed"):
        e.sum().backward()


def test_load_state_dict_and_optimizer_steps_between_forward_and_backward_are_detected():
    import nn

    model = nn.Linear(2, 1, seed=0)
    loss = model(np.ones((3, 2))).sum()
    model.load_state_dict({"W": np.ones((2, 1)), "b": np.zeros(1)})
    with pytest.raises(BackwardError, match="changed in place"):
        loss.backward()
    loss = model(np.ones((3, 2))).sum()
    loss.backward()
    nn.optim.SGD(model.parameters(), lr=0.1).step()
    with pytest.raises(BackwardError, match="changed in place"):
        loss.backward()


def test_a_float32_parameter_stays_float32_through_optimizer_steps_and_loading():
    import nn

    model = nn.Linear(2, 1, seed=0, dtype=np.float32)
    model.load_state_dict({"W": np.ones((2, 1)), "b": np.zeros(1)})  # float64 arrays in
    model(np.ones((3, 2), dtype=np.float32)).sum().backward()
    nn.optim.Adam(model.parameters(), lr=0.1).step()
    assert model.W.dtype == model.b.dtype == np.float32


def test_numerical_grad_gives_the_tensor_its_own_array_and_version_back():
    from autograd import numerical_grad

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (x * x).sum()
    array = x.data
    np.testing.assert_allclose(numerical_grad(lambda t: (t * t).sum(), x), [2.0, 4.0])
    assert x.data is array
    loss.backward()  # nothing changed for good: the graph is still valid
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_an_optimizer_step_never_moves_numbers_that_another_tensor_or_a_graph_can_see():
    import nn

    W = Tensor(np.ones((2, 2)), requires_grad=True)
    optimizer = nn.optim.SGD([W], lr=0.5)
    (W * 1.0).sum().backward()
    detached, transposed, kept = W.detach(), W.T, W.data  # the same array, a view of it, the array itself
    optimizer.step()
    for seen in (detached.data, transposed.data, kept):
        np.testing.assert_array_equal(seen, np.ones((2, 2)))
    np.testing.assert_array_equal(W.data, np.full((2, 2), 0.5))
    with pytest.raises(BackwardError, match="changed in place"):
        transposed.sum().backward()  # the transpose was taken from W's old numbers
