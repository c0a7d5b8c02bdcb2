"""Dropout and batch normalisation (ch. 6): F.dropout, F.batch_norm, nn.Dropout, nn.BatchNorm1d/2d against
PyTorch float64 (values, gradients, running statistics, eval mode), numerical derivatives to second order,
dropout's mask statistics, float32, and the running statistics kept by state_dict, save and load."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import ShapeError, Tensor, gradcheck, gradgradcheck
from nn import functional as F


@st.composite
def batches(draw):
    """A batch (N, C, ...) of 2 to 4 axes with at least two values per channel, and a seed."""
    shape = [draw(st.integers(2, 4)), draw(st.integers(1, 3))] + draw(st.lists(st.integers(1, 3), max_size=2))
    return np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1))).normal(size=shape) * 2.0 + 0.5


def leaves(*arrays):
    return [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]


def affine_for(x, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 1.5, x.shape[1]), rng.normal(size=x.shape[1])


# ---- batch norm ---------------------------------------------------------------------------------
@given(x=batches())
def test_batch_norm_in_training_matches_pytorch_with_its_running_statistics(x, torch):
    weight, bias = affine_for(x)
    ours = leaves(x, weight, bias)
    running_mean, running_var = Tensor(np.zeros(x.shape[1])), Tensor(np.ones(x.shape[1]))
    out = F.batch_norm(ours[0], running_mean, running_var, ours[1], ours[2], training=True, momentum=0.3)
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    torch_mean, torch_var = torch.zeros(x.shape[1], dtype=torch.float64), torch.ones(x.shape[1], dtype=torch.float64)
    expected = torch.nn.functional.batch_norm(theirs[0], torch_mean, torch_var, theirs[1], theirs[2], training=True,
                                              momentum=0.3)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(running_mean.data, torch_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(running_var.data, torch_var.numpy(), rtol=1e-12)  # the unbiased variance
    upstream = np.random.default_rng(1).normal(size=x.shape)
    out.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    for leaf, their_leaf in zip(ours, theirs):
        np.testing.assert_allclose(leaf.grad, their_leaf.grad.numpy(), rtol=1e-8, atol=1e-10)


@given(x=batches())
def test_batch_norm_is_differentiable_to_second_order(x):
    weight, bias = affine_for(x)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), *leaves(x, weight, bias))
    assert gradgradcheck(lambda x, w, b: (F.batch_norm(x, None, None, w, b, training=True) ** 3).sum(),
                         *leaves(x, weight, bias))
    running = np.abs(weight), bias
    assert gradgradcheck(lambda x, w: (F.batch_norm(x, running[1], running[0], w) ** 3).sum(), *leaves(x, weight))


def test_batch_norm_modules_train_then_evaluate_as_pytorch(torch):
    rng = np.random.default_rng(2)
    for ours, theirs, shape in ((nn.BatchNorm2d(3, momentum=0.2), torch.nn.BatchNorm2d(3, momentum=0.2), (4, 3, 2, 5)),
                                (nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3), (6, 3)),
                                (nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3), (6, 3, 4))):
        theirs = theirs.double()
        for _ in range(3):  # three training batches move the running statistics
            x = rng.normal(size=shape) * 3.0 + 1.0
            np.testing.assert_allclose(ours(x).data, theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-10)
        np.testing.assert_allclose(ours.running_mean.data, theirs.running_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy(), rtol=1e-12)
        ours.eval()
        theirs.eval()
        x = rng.normal(size=shape)
        np.testing.assert_allclose(ours(x).data, theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-10)
        before = ours.running_mean.data.copy()
        ours(x)
        np.testing.assert_array_equal(ours.running_mean.data, before)  # evaluation leaves them alone


def test_batch_norm_keeps_float32_and_its_buffers_survive_save_and_load(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3, dtype=np.float32), nn.BatchNorm1d(3, dtype=np.float32))
    out = model(np.random.default_rng(3).normal(size=(5, 4)).astype(np.float32))
    out.sum().backward()
    assert out.dtype == np.float32 and model[1].weight.grad.dtype == np.float32
    assert model[1].running_mean.dtype == np.float32
    state = model.state_dict()
    assert list(state) == ["layers.0.W", "layers.0.b", "layers.1.weight", "layers.1.bias",
                           "layers.1.running_mean", "layers.1.running_var"]
    assert model.num_parameters() == 12 + 3 + 3 + 3  # buffers are not parameters: optimizers never see them
    copy = nn.Sequential(nn.Linear(4, 3, dtype=np.float32), nn.BatchNorm1d(3, dtype=np.float32))
    copy.load(model.save(tmp_path / "bn"))
    np.testing.assert_array_equal(copy[1].running_var.data, model[1].running_var.data)
    without_buffers = {name: array for name, array in state.items() if "running" not in name}
    with pytest.raises(KeyError, match=r"not the buffers \['layers.1.running_mean', 'layers.1.running_var'\]"):
        copy.load_state_dict(without_buffers)


def test_batch_norm_summary_counts_running_statistics_as_non_trainable_and_leaves_them_alone():
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    text = model.summary(print_fn=None)
    assert "Total params: 27" in text and "Trainable params: 21" in text and "Non-trainable params: 6" in text
    assert model[1].running_mean.data.tolist() == [0.0, 0.0, 0.0] and model[1].training


def test_batch_norm_errors_name_the_shapes():
    with pytest.raises(ShapeError, match=r"BatchNorm2d\(3\) expects inputs \(N, C, H, W\) with C = 3; got shape"):
        nn.BatchNorm2d(3)(np.zeros((2, 3)))
    with pytest.raises(ShapeError, match=r"running_mean must have shape \(3,\)"):
        F.batch_norm(np.zeros((2, 3)), np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match="more than one value per channel"):
        F.batch_norm(np.zeros((1, 3)), None, None, training=True)
    with pytest.raises(ValueError, match="pass them, or training=True"):
        F.batch_norm(np.zeros((2, 3)), None, None)
    with pytest.raises(TypeError, match="must be a Tensor"):
        F.batch_norm(np.ones((2, 3)), np.zeros(3), np.ones(3), training=True)


# ---- dropout --------------------------------------------------------------------------------------
def test_dropout_keeps_a_fraction_one_minus_p_and_scales_the_kept_ones():
    x = Tensor(np.ones((200, 500)), requires_grad=True)
    out = F.dropout(x, 0.3, seed_or_rng=0)
    kept = out.data != 0
    assert abs(kept.mean() - 0.7) < 0.01  # 100,000 draws: the standard error is 0.0015
    np.testing.assert_allclose(out.data[kept], 1 / 0.7)
    assert abs(out.data.mean() - 1.0) < 0.02  # inverted dropout keeps the expectation
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)  # the gradient flows through the kept units only


def test_dropout_is_the_identity_in_evaluation_and_repeats_with_a_seed():
    x = Tensor(np.random.default_rng(4).normal(size=(3, 4)).astype(np.float32))
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x and not F.dropout(x, 1.0).data.any()
    np.testing.assert_array_equal(F.dropout(x, 0.5, seed_or_rng=7).data, F.dropout(x, 0.5, seed_or_rng=7).data)
    assert F.dropout(x, 0.5, seed_or_rng=7).dtype == np.float32
    layer = nn.Dropout(0.5, seed=1)
    assert (layer(x).data == 0).any()
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match=r"p \(the probability of dropping a unit\) must be a number in \[0, 1\]; got"):
        nn.Dropout(1.5)


def test_dropout_matches_the_book_after_rescaling():
    # The book keeps x unscaled in training and scales by (1 - p) at test time: the same up to the factor 1 - p.
    x = np.random.default_rng(5).normal(size=(4, 6))
    keep = np.random.default_rng(0).random(x.shape) >= 0.4
    np.testing.assert_allclose(F.dropout(x, 0.4, seed_or_rng=0).data * (1 - 0.4), x * keep)
