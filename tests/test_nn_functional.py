"""nn.functional: every activation's derivative against the numerical one, values against PyTorch
and the book, the losses, and the fused ops (affine, softmax, softmax-with-loss) in float32 and float64."""
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nn
from autograd import ShapeError, Tensor, Value, gradcheck, gradgradcheck
from nn import functional as F

# (name, function, points where it has no derivative)
ACTIVATIONS = [
    ("identity", F.identity, []),
    ("step", F.step, [0.0]),
    ("sigmoid", F.sigmoid, []),
    ("tanh", F.tanh, []),
    ("relu", F.relu, [0.0]),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.1), [0.0]),
    ("elu", lambda x: F.elu(x, 0.7), [0.0]),
    ("selu", F.selu, [0.0]),
    ("gelu", F.gelu, []),
    ("softplus", F.softplus, []),
    ("softsign", F.softsign, []),
    ("swish", F.swish, []),
    ("hard_sigmoid", F.hard_sigmoid, [-2.5, 2.5]),
    ("exponential", F.exponential, []),
    ("softmax", F.softmax, []),
    ("log_softmax", F.log_softmax, []),
]
SCALAR_ACTIVATIONS = [a for a in ACTIVATIONS if a[0] not in ("softplus", "softmax", "log_softmax")]

small_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
inputs = hnp.arrays(np.float64, small_shapes, elements=st.floats(-4, 4, allow_nan=False))


def away_from(x, kinks, margin=1e-3):
    return all(np.all(np.abs(np.asarray(x) - k) > margin) for k in kinks)


@pytest.mark.parametrize("name, function, kinks", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@given(x=inputs)
def test_activation_gradient_matches_numerical_derivative(name, function, kinks, x):
    assume(away_from(x, kinks))
    assert gradcheck(function, Tensor(x, requires_grad=True))


@pytest.mark.parametrize("name, function, kinks", SCALAR_ACTIVATIONS, ids=[a[0] for a in SCALAR_ACTIVATIONS])
@given(x=st.floats(-4, 4))
def test_activation_on_a_value_matches_the_tensor_version(name, function, kinks, x):
    assume(away_from(x, kinks))
    v = Value(x)
    out = function(v)
    assert isinstance(out, Value)
    out.backward()
    t = Tensor(np.array([x]), requires_grad=True)
    function(t).sum().backward()
    assert out.data == pytest.approx(float(function(Tensor([x])).data[0]), rel=1e-12, abs=1e-12)
    assert v.grad == pytest.approx(float(t.grad[0]), rel=1e-9, abs=1e-12)


def test_step_is_zero_one_and_passes_a_zero_gradient():
    x = Tensor([-1.0, 0.0, 0.5, 2.0], requires_grad=True)
    y = F.step(x)
    assert y.data.tolist() == [0.0, 0.0, 1.0, 1.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 0.0]
    v = Value(0.3)
    s = F.step(v)
    s.backward()
    assert (s.data, v.grad) == (1.0, 0.0)


# PyTorch gives the expected values: reference(torch, x) on a float64 torch tensor.
TORCH_REFERENCES = [
    ("sigmoid", F.sigmoid, lambda torch, x: torch.sigmoid(x)),
    ("tanh", F.tanh, lambda torch, x: torch.tanh(x)),
    ("relu", F.relu, lambda torch, x: torch.relu(x)),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.1), lambda torch, x: torch.nn.functional.leaky_relu(x, 0.1)),
    ("elu", lambda x: F.elu(x, 0.7), lambda torch, x: torch.nn.functional.elu(x, 0.7)),
    ("selu", F.selu, lambda torch, x: torch.nn.functional.selu(x)),
    ("gelu", F.gelu, lambda torch, x: torch.nn.functional.gelu(x, approximate="tanh")),
    ("softplus", F.softplus, lambda torch, x: torch.nn.functional.softplus(x)),
    ("softsign", F.softsign, lambda torch, x: torch.nn.functional.softsign(x)),
    ("swish", F.swish, lambda torch, x: torch.nn.functional.silu(x)),
    ("exponential", F.exponential, lambda torch, x: torch.exp(x)),
    ("softmax", F.softmax, lambda torch, x: torch.softmax(x, dim=-1)),
    ("log_softmax", F.log_softmax, lambda torch, x: torch.log_softmax(x, dim=-1)),
]


@pytest.mark.parametrize("name, ours, reference", TORCH_REFERENCES, ids=[r[0] for r in TORCH_REFERENCES])
def test_activation_values_and_gradients_match_pytorch(name, ours, reference, torch):
    x = np.random.default_rng(3).uniform(-5, 5, size=(4, 6))
    upstream = np.random.default_rng(4).uniform(0.5, 1.5, size=(4, 6))
    ours_x = Tensor(x, requires_grad=True)
    y = ours(ours_x)
    y.backward(upstream)
    torch_x = torch.tensor(x, requires_grad=True)
    torch_y = reference(torch, torch_x)
    torch_y.backward(torch.tensor(upstream))
    np.testing.assert_allclose(y.data, torch_y.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours_x.grad, torch_x.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_hard_sigmoid_is_kerass_piecewise_line():
    x = np.array([-10.0, -2.5, -1.0, 0.0, 1.0, 2.5, 10.0])
    np.testing.assert_allclose(F.hard_sigmoid(x).data, np.clip(0.2 * x + 0.5, 0.0, 1.0))


def test_gelu_tanh_form_stays_within_1e_3_of_the_exact_gelu():
    x = np.linspace(-6, 6, 241)
    exact = 0.5 * x * (1 + np.array([math.erf(v / math.sqrt(2)) for v in x]))
    assert np.max(np.abs(F.gelu(x).data - exact)) < 1e-3


def test_prelu_learns_its_slope():
    x = Tensor([[-2.0, 3.0], [-1.0, -4.0]])
    layer = nn.PReLU(num_parameters=2, init=0.25)
    layer(x).sum().backward()
    # d/d slope_j of sum(slope_j * x_ij where x_ij < 0) = sum of the negative inputs in column j
    np.testing.assert_allclose(layer.weight.grad, [-3.0, -4.0])
    assert gradcheck(lambda a, w: F.prelu(a, w), Tensor([[-2.0, 3.0], [-1.0, -4.0]], requires_grad=True),
                     Tensor([0.25, 0.1], requires_grad=True))


def test_maxout_takes_the_largest_piece_per_unit():
    layer = nn.Maxout(3, 2, pieces=3, seed=0)
    x = np.random.default_rng(1).normal(size=(5, 3))
    z = x @ layer.W.data + layer.b.data
    np.testing.assert_allclose(layer(x).data, z.reshape(5, 2, 3).max(axis=-1))
    assert gradcheck(lambda a, W, b: F.maxout(a, W, b, 3), Tensor(x, requires_grad=True),
                     Tensor(layer.W.data.copy(), requires_grad=True), Tensor(np.arange(6.0), requires_grad=True))


# ---- softmax: the book's numbers and stability ----------------------------------
def test_softmax_book_numbers_and_overflow_fix():
    np.testing.assert_allclose(F.softmax([0.3, 2.9, 4.0]).data, [0.01821127, 0.24519181, 0.73659691], atol=5e-9)
    np.testing.assert_allclose(F.softmax([1010.0, 1000.0, 990.0]).data,
                               [9.99954600e-01, 4.53978686e-05, 2.06106005e-09], rtol=1e-8)


@given(x=hnp.arrays(np.float64, (3, 4), elements=st.floats(-1000, 1000)))
def test_softmax_rows_are_probabilities_for_any_size_of_input(x):
    y = F.softmax(x).data
    assert np.all(np.isfinite(y)) and np.all(y >= 0)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0)
    assert np.all(np.isfinite(F.log_softmax(x).data))


def test_softmax_along_another_axis(torch):
    x = np.random.default_rng(0).normal(size=(3, 4))
    np.testing.assert_allclose(F.softmax(x, axis=0).data, torch.softmax(torch.tensor(x), dim=0).numpy())
    assert gradcheck(lambda a: F.softmax(a, axis=0), Tensor(x, requires_grad=True))


# ---- losses -------------------------------------------------------------------
ONE_HOT_2 = np.eye(10)[2]
Y_RIGHT = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
Y_WRONG = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])


def test_the_books_loss_values():
    assert F.sum_squares_error(Y_RIGHT, ONE_HOT_2).item() == pytest.approx(0.0975)
    assert F.sum_squares_error(Y_WRONG, ONE_HOT_2).item() == pytest.approx(0.5975)
    assert F.cross_entropy_error(Y_RIGHT, ONE_HOT_2).item() == pytest.approx(0.510825, abs=5e-7)
    assert F.cross_entropy_error(Y_WRONG, ONE_HOT_2).item() == pytest.approx(2.302584, abs=5e-7)


def test_cross_entropy_error_takes_labels_or_one_hot_and_averages_over_the_batch():
    y = np.array([Y_RIGHT, Y_WRONG])
    by_labels = F.cross_entropy_error(y, [2, 2]).item()
    by_one_hot = F.cross_entropy_error(y, np.array([ONE_HOT_2, ONE_HOT_2])).item()
    assert by_labels == pytest.approx(by_one_hot) == pytest.approx((0.510825457 + 2.302584093) / 2)
    assert F.cross_entropy_error(Y_RIGHT, 2).item() == pytest.approx(0.510825457)


def test_losses_gradients():
    y = Tensor(np.random.default_rng(0).uniform(0.1, 0.9, size=(3, 4)), requires_grad=True)
    t = np.eye(4)[[0, 3, 1]]
    assert gradcheck(lambda a: F.sum_squares_error(a, t), y)
    assert gradcheck(lambda a: F.mse_loss(a, t), y)
    assert gradcheck(lambda a: F.cross_entropy_error(a, t), y)
    assert gradcheck(lambda a: F.cross_entropy_error(a, [0, 3, 1]), y)
    assert gradcheck(lambda a: F.binary_cross_entropy(a, t), y)


def test_mse_and_binary_cross_entropy_match_pytorch(torch):
    rng = np.random.default_rng(5)
    p, t = rng.uniform(0.05, 0.95, size=(6, 2)), rng.integers(0, 2, size=(6, 2)).astype(float)
    torch_mse = torch.nn.functional.mse_loss(torch.tensor(p), torch.tensor(t)).item()
    assert F.mse_loss(p, t).item() == pytest.approx(torch_mse)
    torch_bce = torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(t)).item()
    assert F.binary_cross_entropy(p, t).item() == pytest.approx(torch_bce, abs=1e-6)  # ours adds delta 1e-7


@pytest.mark.parametrize("targets", ["labels", "one_hot"])
def test_fused_cross_entropy_matches_pytorch_value_and_gradient(targets, torch):
    rng = np.random.default_rng(7)
    logits = rng.normal(scale=3, size=(5, 4))
    labels = rng.integers(0, 4, size=5)
    t = labels if targets == "labels" else np.eye(4)[labels]
    ours_logits = Tensor(logits, requires_grad=True)
    loss = F.cross_entropy(ours_logits, t)
    loss.backward()
    torch_logits = torch.tensor(logits, requires_grad=True)
    torch_loss = torch.nn.functional.cross_entropy(torch_logits, torch.tensor(labels))
    torch_loss.backward()
    assert loss.item() == pytest.approx(torch_loss.item(), rel=1e-12)
    np.testing.assert_allclose(ours_logits.grad, torch_logits.grad.numpy(), rtol=1e-10, atol=1e-15)
    # the book's form of that gradient: (softmax(x) - t) / N
    np.testing.assert_allclose(ours_logits.grad, (F.softmax(logits).data - np.eye(4)[labels]) / 5, atol=1e-15)


def test_fused_cross_entropy_equals_cross_entropy_error_on_softmax():
    logits = np.random.default_rng(2).normal(size=(4, 3))
    labels = np.array([0, 2, 1, 1])
    fused = F.cross_entropy(logits, labels).item()
    unfused = F.cross_entropy_error(F.softmax(logits), labels).item()
    assert fused == pytest.approx(unfused, abs=1e-6)  # the book's delta 1e-7 is the only difference


def test_fused_cross_entropy_does_not_overflow_at_logits_of_1000():
    logits = Tensor([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0]], requires_grad=True)
    loss = F.cross_entropy(logits, [2, 1])
    loss.backward()
    expected = (2000.0 + math.log1p(math.exp(-1.0))) / 2  # -log softmax: 2000 for row 0, log(1 + e^-1) for row 1
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    assert np.all(np.isfinite(logits.grad))


def test_fused_cross_entropy_of_one_sample_and_gradients_of_gradients():
    x = Tensor(np.array([0.2, -1.0, 3.0]), requires_grad=True)
    assert F.cross_entropy(x, 2).item() == pytest.approx(-F.log_softmax(np.array([0.2, -1.0, 3.0])).data[2])
    assert gradgradcheck(lambda a: F.cross_entropy(a, [1, 0]), Tensor(np.random.default_rng(0).normal(size=(2, 3)),
                                                                      requires_grad=True))
    assert gradgradcheck(lambda a: (F.softmax(a) ** 2).sum(),
                         Tensor(np.random.default_rng(1).normal(size=(2, 3)), requires_grad=True))
    assert gradgradcheck(lambda a: (F.log_softmax(a) ** 2).sum(), Tensor([[0.3, -0.2, 1.0]], requires_grad=True))
    assert gradgradcheck(lambda a: (F.softplus(a) ** 2).sum(), Tensor([[0.3, -0.2, 1.0]], requires_grad=True))


def test_cross_entropy_rejects_bad_targets_by_name():
    logits = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        F.cross_entropy(logits, [0, 3])
    with pytest.raises(ShapeError, match="expected 2 labels"):
        F.cross_entropy(logits, [0, 1, 2])
    with pytest.raises(ValueError, match="whole numbers"):
        F.cross_entropy(logits, [0.5, 1.0])


# ---- the fused affine map ------------------------------------------------------------
@given(batch=st.integers(1, 4), n_in=st.integers(1, 4), n_out=st.integers(1, 4), seed=st.integers(0, 1000))
def test_affine_gradients_for_every_input(batch, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    x, W, b = (Tensor(rng.normal(size=s), requires_grad=True) for s in ((batch, n_in), (n_in, n_out), (n_out,)))
    assert gradcheck(F.linear, x, W, b)


def test_affine_handles_one_sample_and_extra_leading_axes_and_second_derivatives():
    rng = np.random.default_rng(0)
    W, b = Tensor(rng.normal(size=(3, 2)), requires_grad=True), Tensor(rng.normal(size=2), requires_grad=True)
    for shape in ((3,), (2, 4, 3)):
        x = Tensor(rng.normal(size=shape), requires_grad=True)
        np.testing.assert_allclose(F.linear(x, W, b).data, x.data @ W.data + b.data)
        assert gradcheck(F.linear, x, W, b)
    assert gradgradcheck(lambda x, W, b: (F.linear(x, W, b) ** 2).sum(),
                         Tensor(rng.normal(size=(2, 3)), requires_grad=True), W, b)


def test_affine_skips_the_input_gradient_when_the_input_needs_none():
    layer = nn.Linear(3, 2, seed=0)
    x = Tensor(np.ones((4, 3)))
    layer(x).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(layer.W.grad, np.full((3, 2), 4.0))
    np.testing.assert_allclose(layer.b.grad, [4.0, 4.0])


def test_float32_stays_float32_through_layers_and_losses():
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(4, 5, activation="tanh", dtype=np.float32, seed=0),
                          nn.Linear(5, 3, dtype=np.float32, seed=1))
    x = rng.normal(size=(6, 4)).astype(np.float32)
    logits = model(x)
    loss = F.cross_entropy(logits, [0, 1, 2, 0, 1, 2])
    loss.backward()
    assert logits.dtype == np.float32 and loss.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in model.parameters())
    double = nn.Sequential(nn.Linear(4, 5, activation="tanh", seed=0), nn.Linear(5, 3, seed=1))
    double.load_state_dict(model.state_dict())
    double_loss = F.cross_entropy(double(x.astype(np.float64)), [0, 1, 2, 0, 1, 2])
    assert double_loss.item() == pytest.approx(loss.item(), rel=1e-5)


def test_accuracy_on_labels_one_hot_and_single_column():
    y = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert F.accuracy(y, [1, 0, 0]) == pytest.approx(2 / 3)
    assert F.accuracy(y, np.eye(2)[[1, 0, 0]]) == pytest.approx(2 / 3)
    assert F.accuracy(np.array([[0.7], [0.2]]), [1, 1]) == 0.5
    assert F.accuracy(np.array([0.1, 0.7, 0.2]), 1) == 1.0


def test_one_sample_targets_as_a_label_a_one_element_list_or_a_one_hot_row():
    logits = np.array([0.2, -1.0, 3.0])
    expected = -F.log_softmax(logits).data[2]
    for t in (2, [2], np.eye(3)[2]):
        assert F.cross_entropy(logits, t).item() == pytest.approx(expected)
        assert F.cross_entropy_error(F.softmax(logits), t).item() == pytest.approx(expected, abs=1e-6)


# ---- targets are inputs too; kinks take PyTorch's side -----------------------------------
def test_a_target_computed_from_the_weights_gets_its_share_of_the_gradient():
    W = Tensor([[2.0]], requires_grad=True)
    F.mse_loss(Tensor([[1.0]]) @ W, Tensor([[3.0]]) @ W).backward()
    np.testing.assert_allclose(W.grad, [[16.0]])  # d/dW (W - 3W)^2 = 8W


LOSSES_WITH_SAME_SHAPE_TARGETS = [
    ("sum_squares_error", F.sum_squares_error),
    ("mse_loss", F.mse_loss),
    ("binary_cross_entropy", F.binary_cross_entropy),
    ("cross_entropy_error", F.cross_entropy_error),
    ("cross_entropy", F.cross_entropy),
]


@pytest.mark.parametrize("name, loss", LOSSES_WITH_SAME_SHAPE_TARGETS,
                         ids=[c[0] for c in LOSSES_WITH_SAME_SHAPE_TARGETS])
def test_losses_differentiate_by_soft_targets_too(name, loss):
    rng = np.random.default_rng(1)
    y = Tensor(rng.uniform(0.1, 0.9, size=(3, 4)), requires_grad=True)
    t = Tensor(rng.dirichlet(np.ones(4), size=3), requires_grad=True)
    assert gradcheck(loss, y, t)


def test_soft_target_cross_entropy_gradient_is_minus_log_softmax_over_the_batch():
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    t = Tensor(np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]]), requires_grad=True)
    F.cross_entropy(logits, t).backward()
    np.testing.assert_allclose(t.grad, -F.log_softmax(logits).data / 2)


def test_regression_losses_refuse_targets_that_would_broadcast_to_another_shape():
    with pytest.raises(ShapeError, match=r"\(4, 1\) and \(4,\)"):
        F.mse_loss(Tensor(np.zeros((4, 1))), np.zeros(4))
    with pytest.raises(ShapeError, match="one shape"):
        F.sum_squares_error(np.zeros(3), np.zeros(2))


@pytest.mark.parametrize("bias_shape", [(3,), (1, 3), (4, 3), ()])
def test_linear_takes_any_bias_that_broadcasts_with_right_gradients(bias_shape):
    rng = np.random.default_rng(0)
    x, W = Tensor(rng.normal(size=(4, 2)), requires_grad=True), Tensor(rng.normal(size=(2, 3)), requires_grad=True)
    b = Tensor(rng.normal(size=bias_shape), requires_grad=True)
    y = F.linear(x, W, b)
    np.testing.assert_allclose(y.data, x.data @ W.data + b.data)
    assert gradcheck(F.linear, x, W, b)


@pytest.mark.parametrize("name, function, slope_at_zero", [
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.1), 0.1),
    ("elu", lambda x: F.elu(x, 0.7), 0.7),
    ("selu", F.selu, F.SELU_SCALE * F.SELU_ALPHA),
    ("prelu", lambda x: F.prelu(x, Tensor([0.25])), 0.25),
    ("relu", F.relu, 0.0),
    ("hard_sigmoid at -2.5", lambda x: F.hard_sigmoid(x - 2.5), 0.0),
    ("hard_sigmoid at 2.5", lambda x: F.hard_sigmoid(x + 2.5), 0.0),
])
def test_at_a_kink_the_derivative_is_pytorchs(name, function, slope_at_zero):
    x = Tensor([0.0], requires_grad=True)
    function(x).sum().backward()
    assert x.grad[0] == pytest.approx(slope_at_zero)
    if name != "prelu":
        v = Value(0.0)
        function(v).backward()
        assert v.grad == pytest.approx(slope_at_zero)


def test_softmax_and_log_softmax_over_an_empty_axis_are_empty():
    x = Tensor(np.zeros((2, 0)), requires_grad=True)
    assert F.softmax(x).shape == F.log_softmax(x).shape == (2, 0)
    F.softmax(x).sum().backward()
    assert x.grad.shape == (2, 0)
