"""Convolution and pooling (ch. 7): F.conv2d, conv_transpose2d, max_pool2d, avg_pool2d, im2col, col2im and
their modules, against the numerical derivative (random shapes, strides, paddings), to second order,
against PyTorch float64, im2col/col2im adjointness, float32, the errors, and a small CNN end to end."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import ShapeError, Tensor, gradcheck, gradgradcheck
from nn import functional as F

KERNEL = st.integers(1, 3)
STEP = st.integers(1, 3)
PAD = st.integers(0, 2)


@st.composite
def convolutions(draw):
    """(x, W, b, stride, padding) of random small shapes where the kernel fits the padded image."""
    kernel_h, kernel_w = draw(KERNEL), draw(KERNEL)
    stride, padding = (draw(STEP), draw(STEP)), (draw(PAD), draw(PAD))
    height = draw(st.integers(max(1, kernel_h - 2 * padding[0]), 6))
    width = draw(st.integers(max(1, kernel_w - 2 * padding[1]), 6))
    batch, channels, filters = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    x = rng.normal(size=(batch, channels, height, width))
    W = rng.normal(size=(filters, channels, kernel_h, kernel_w))
    return x, W, rng.normal(size=filters), stride, padding


@st.composite
def poolings(draw):
    """(x, kernel, stride, padding) with padding at most half the kernel, as PyTorch allows."""
    kernel = (draw(KERNEL), draw(KERNEL))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    stride = (draw(STEP), draw(STEP))
    height = draw(st.integers(max(1, kernel[0] - 2 * padding[0]), 6))
    width = draw(st.integers(max(1, kernel[1] - 2 * padding[1]), 6))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    return rng.normal(size=(draw(st.integers(1, 2)), draw(st.integers(1, 2)), height, width)), kernel, stride, padding


def leaves(*arrays):
    return [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]


# ---- numerical derivatives and second order -----------------------------------------------------
@given(case=convolutions())
def test_conv2d_gradients_match_numerical_derivatives(case):
    x, W, b, stride, padding = case
    assert gradcheck(lambda x, W, b: F.conv2d(x, W, b, stride, padding), *leaves(x, W, b))


@given(case=convolutions())
def test_conv_transpose2d_gradients_match_numerical_derivatives(case):
    x, W, b, stride, padding = case
    W = W.transpose(1, 0, 2, 3)  # (in, out, kh, kw): x's channels are W's first axis
    x = np.ascontiguousarray(x[:, :1].repeat(W.shape[0], axis=1))
    out_h = (x.shape[2] - 1) * stride[0] - 2 * padding[0] + W.shape[2]
    out_w = (x.shape[3] - 1) * stride[1] - 2 * padding[1] + W.shape[3]
    if out_h < 1 or out_w < 1:
        with pytest.raises(ShapeError, match="empty output"):
            F.conv_transpose2d(x, W, None, stride, padding)
        return
    assert gradcheck(lambda x, W, b: F.conv_transpose2d(x, W, b, stride, padding), *leaves(x, W, b[:W.shape[1]]))


@given(case=poolings())
def test_pooling_gradients_match_numerical_derivatives(case):
    x, kernel, stride, padding = case
    assert gradcheck(lambda x: F.avg_pool2d(x, kernel, stride, padding), *leaves(x))
    assert gradcheck(lambda x: F.max_pool2d(x, kernel, stride, padding), *leaves(x))  # random x: no ties


@given(case=convolutions())
def test_im2col_and_col2im_are_each_others_adjoint(case):
    x, W, _, stride, padding = case
    kernel_h, kernel_w = W.shape[2:]
    col = F.im2col(x, kernel_h, kernel_w, stride, padding)
    c = np.random.default_rng(0).normal(size=col.shape)
    back = F.col2im(c, x.shape, kernel_h, kernel_w, stride, padding)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(col.data * c), np.sum(x * back.data), rtol=1e-10)
    assert gradcheck(lambda x: F.im2col(x, kernel_h, kernel_w, stride, padding), *leaves(x))
    assert gradcheck(lambda c: F.col2im(c, x.shape, kernel_h, kernel_w, stride, padding), *leaves(c))


@given(case=convolutions())
def test_second_derivatives_match_numerical_ones(case):
    x, W, b, stride, padding = case
    assert gradgradcheck(lambda x, W, b: (F.conv2d(x, W, b, stride, padding) ** 2).sum(), *leaves(x, W, b))
    kernel_h, kernel_w = W.shape[2:]
    assert gradgradcheck(lambda x: (F.im2col(x, kernel_h, kernel_w, stride, padding) ** 3).sum(), *leaves(x))
    col_shape = F.im2col(x, kernel_h, kernel_w, stride, padding).shape
    c = np.random.default_rng(1).normal(size=col_shape)
    assert gradgradcheck(lambda c: (F.col2im(c, x.shape, kernel_h, kernel_w, stride, padding) ** 3).sum(),
                         *leaves(c))


@given(case=poolings())
def test_pooling_second_derivatives_match_numerical_ones(case):
    x, kernel, stride, padding = case
    assert gradgradcheck(lambda x: (F.max_pool2d(x, kernel, stride, padding) ** 3).sum(), *leaves(x))
    assert gradgradcheck(lambda x: (F.avg_pool2d(x, kernel, stride, padding) ** 3).sum(), *leaves(x))


# ---- against PyTorch ---------------------------------------------------------------------------
def assert_like_torch(torch, ours, theirs, *arrays):
    mine, their_leaves = leaves(*arrays), [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = ours(*mine), theirs(*their_leaves)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = np.random.default_rng(2).normal(size=out.shape)
    out.backward(weights)
    expected.backward(torch.from_numpy(weights))
    for leaf, their_leaf in zip(mine, their_leaves):
        np.testing.assert_allclose(leaf.grad, their_leaf.grad.numpy(), rtol=1e-9, atol=1e-11)


@given(case=convolutions())
def test_conv2d_matches_pytorch(case, torch):
    x, W, b, stride, padding = case
    assert_like_torch(torch, lambda x, W, b: F.conv2d(x, W, b, stride, padding),
                      lambda x, W, b: torch.nn.functional.conv2d(x, W, b, stride, padding), x, W, b)


@given(case=poolings())
def test_pooling_matches_pytorch(case, torch):
    x, kernel, stride, padding = case
    for name in ("max_pool2d", "avg_pool2d"):
        assert_like_torch(torch, lambda x, n=name: getattr(F, n)(x, kernel, stride, padding),
                          lambda x, n=name: getattr(torch.nn.functional, n)(x, kernel, stride, padding), x)


def test_max_pool_sends_a_tied_window_its_whole_gradient_to_the_first_maximum_as_pytorch(torch):
    x = np.array([[[[2.0, 2.0, 0.0, 1.0], [2.0, 1.0, 1.0, 1.0], [0.0, 0.0, 5.0, 5.0], [0.0, 0.0, 5.0, 5.0]]]])
    assert_like_torch(torch, lambda x: F.max_pool2d(x, 2), lambda x: torch.nn.functional.max_pool2d(x, 2), x)
    assert_like_torch(torch, lambda x: F.max_pool2d(x, 3, 1, 1),  # overlapping windows: routed gradients add up
                      lambda x: torch.nn.functional.max_pool2d(x, 3, 1, 1), x)
    (leaf,) = leaves(x)
    F.max_pool2d(leaf, 2).sum().backward()
    assert leaf.grad[0, 0].tolist() == [[1, 0, 0, 1], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]


def test_im2col_and_col2im_match_torch_unfold_and_fold(torch):
    x = np.random.default_rng(3).normal(size=(2, 3, 5, 6))
    col = F.im2col(x, 3, 2, stride=(2, 1), padding=1)
    unfolded = torch.nn.functional.unfold(torch.from_numpy(x), (3, 2), padding=1, stride=(2, 1))
    np.testing.assert_array_equal(col.data, unfolded.transpose(1, 2).reshape(-1, 18).numpy())
    folded = torch.nn.functional.fold(unfolded, (5, 6), (3, 2), padding=1, stride=(2, 1))
    np.testing.assert_allclose(F.col2im(col, x.shape, 3, 2, stride=(2, 1), padding=1).data, folded.numpy())


# ---- dtypes, read-only inputs ------------------------------------------------------------------------
FUNCTIONS = {
    "conv2d": lambda x, W: F.conv2d(x, W, None, 1, 1),
    "conv_transpose2d": lambda x, W: F.conv_transpose2d(x, W.transpose(1, 0, 2, 3), None, 2, 1),
    "im2col": lambda x, W: F.im2col(x, 3, 3, 2, 1) * W.sum(),
    "col2im": lambda x, W: F.col2im(F.im2col(x, 2, 3), x.shape, 2, 3) * W.sum(),
    "max_pool2d": lambda x, W: F.max_pool2d(x, 3, 2, 1) * W.sum(),
    "avg_pool2d": lambda x, W: F.avg_pool2d(x, 2) * W.sum(),
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_float32_stays_float32_and_inputs_are_never_written(name):
    rng = np.random.default_rng(4)
    x_array, W_array = rng.normal(size=(2, 2, 5, 5)).astype(np.float32), rng.normal(size=(2, 2, 3, 3)).astype(
        np.float32)
    x_copy = x_array.copy()
    x, W = Tensor(x_array, requires_grad=True), Tensor(W_array, requires_grad=True)
    out = FUNCTIONS[name](x, W)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32 and W.grad.dtype == np.float32
    np.testing.assert_array_equal(x_array, x_copy)
    assert not out.data.flags.writeable


# ---- errors ----------------------------------------------------------------------------------------
def test_errors_name_the_shapes_and_what_to_do():
    images, kernels = np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3))
    with pytest.raises(ShapeError, match=r"\(N, C, H, W\).*got \(3, 5, 5\).*reshape one image to \(1, C, H, W\)"):
        F.conv2d(np.zeros((3, 5, 5)), kernels)
    with pytest.raises(ShapeError, match="x has 2 channels.*W expects 3.*check in_channels"):
        F.conv2d(np.zeros((2, 2, 5, 5)), kernels)
    with pytest.raises(ShapeError, match="a 7x7 kernel does not fit images of 5x5 with padding \\(0, 0\\)"):
        F.conv2d(images, np.zeros((4, 3, 7, 7)))
    with pytest.raises(ShapeError, match=r"bias of shape \(4,\)"):
        F.conv2d(images, kernels, np.zeros(3))
    with pytest.raises(ValueError, match="stride must be a whole number >= 1"):
        F.conv2d(images, kernels, stride=0)
    with pytest.raises(ShapeError, match=r"col must have shape \(18, 27\)"):
        F.col2im(np.zeros((10, 27)), images.shape, 3, 3)
    with pytest.raises(ValueError, match=r"padding must be at most half the kernel \(2, 2\).*got \(2, 2\)"):
        F.max_pool2d(images, 2, padding=2)
    with pytest.raises(ShapeError, match="a 6x6 kernel does not fit"):
        F.avg_pool2d(images, 6)
    with pytest.raises(ShapeError, match=r"W expects 3 \(shape \(3, 2, 2, 2\)"):
        F.conv_transpose2d(np.zeros((1, 2, 4, 4)), np.zeros((3, 2, 2, 2)))


# ---- modules -----------------------------------------------------------------------------------------
def test_conv2d_module_has_pytorch_shapes_and_he_initialisation():
    layer = nn.Conv2d(3, 64, 3, padding=1, seed=0)
    assert layer.W.shape == (64, 3, 3, 3) and layer.b.shape == (64,) and not layer.b.data.any()
    assert layer.W.data.std() == pytest.approx(np.sqrt(2 / 27), rel=0.1)
    assert layer(np.zeros((2, 3, 8, 8))).shape == (2, 64, 8, 8)
    assert nn.Conv2d(3, 4, 3, bias=False).b is None
    assert nn.Conv2d(1, 2, 3, dtype=np.float32).W.dtype == np.float32
    transposed = nn.ConvTranspose2d(4, 2, 2, stride=2)
    assert transposed.W.shape == (4, 2, 2, 2) and transposed(np.zeros((1, 4, 3, 3))).shape == (1, 2, 6, 6)
    with pytest.raises(ValueError, match="in_channels must be a whole number >= 1; got 0"):
        nn.Conv2d(0, 4, 3)


def test_simple_conv_net_summary_fit_save_and_load(tmp_path):
    model = nn.book.simple_conv_net(seed=0)  # scores out: the loss applies the softmax
    lines = model.summary(input_shape=(1, 28, 28), print_fn=None).splitlines()
    assert lines[4].split() == ["conv2d", "(Conv2d)", "(None,", "30,", "24,", "24)", "780"]
    assert lines[6].split() == ["maxpool2d", "(MaxPool2d)", "(None,", "30,", "12,", "12)", "0"]
    assert "Total params: 433,890" in lines  # the book's 780 + 432,100 + 1,010
    told = nn.Sequential(nn.Conv2d(1, 30, 5, input_shape=(1, 28, 28))).summary(print_fn=None).splitlines()
    assert told[4] == lines[4]  # a first layer's input_shape lets summary start by itself
    rng = np.random.default_rng(0)
    x, t = rng.random((60, 1, 28, 28)), rng.integers(0, 10, 60)
    model.compile(loss="cross_entropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x, t, epochs=3, batch_size=20, verbose=0, seed=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    copy = nn.book.simple_conv_net(seed=1).load(model.save(tmp_path / "cnn"))
    np.testing.assert_array_equal(copy.predict(x[:5]), model.predict(x[:5]))


def test_pooling_modules_describe_themselves():
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0)"
    assert nn.AvgPool2d(3, 1, 1)(np.ones((1, 1, 4, 4))).shape == (1, 1, 4, 4)
