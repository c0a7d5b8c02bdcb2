"""The corners of the CNN layers, modules, optimizers and training that issue 19 found wrong or silent, each
as a class: empty batches, bad settings, BatchNorm's cumulative average, frozen parameters, modes, fit's last
batch, iterating a 0-d Tensor. The module sweep (test_module_sweep.py) checks the same classes module by module."""
import numpy as np
import pytest

import nn
from autograd import ShapeError, Tensor, no_grad, numbers_of
from nn import functional as F
from nn.settings import SettingError
from viz.labels import format_number


def _leaf(*shape, dtype=np.float64):
    return Tensor(np.random.default_rng(0).standard_normal(shape).astype(dtype), requires_grad=True)


# ---- empty batches -------------------------------------------------------------------------
@pytest.mark.parametrize("function, weight_shape, out_shape", [
    (F.conv2d, (4, 3, 3, 3), (0, 4, 3, 3)),
    (F.conv_transpose2d, (3, 4, 3, 3), (0, 4, 7, 7)),
])
def test_convolutions_of_an_empty_batch_give_empty_outputs_and_zero_gradients(function, weight_shape, out_shape):
    x, W, b = _leaf(0, 3, 5, 5), _leaf(*weight_shape), _leaf(4)
    y = function(x, W, b)
    assert y.shape == out_shape
    y.sum().backward()
    assert x.grad.shape == x.shape
    assert W.grad.shape == W.shape and not numbers_of(W.grad).any()
    assert b.grad.shape == b.shape and not numbers_of(b.grad).any()


def test_im2col_pooling_and_flatten_take_an_empty_batch():
    x = _leaf(0, 3, 6, 6)
    assert F.im2col(x, 3, 3).shape == (0, 27)
    assert F.avg_pool2d(x, 2).shape == (0, 3, 3, 3)
    assert nn.Flatten()(x).shape == (0, 108)
    cnn = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16, 2))
    y = cnn(x)
    y.sum().backward()
    assert y.shape == (0, 2) and not numbers_of(cnn[0].W.grad).any()
    assert cnn.predict(np.zeros((0, 3, 6, 6))).shape == (0, 2)


# ---- bad settings ----------------------------------------------------------------------------
IMAGES = np.zeros((1, 1, 6, 6))
BAD_SETTINGS = [
    ("stride", 1.5, lambda: F.conv2d(IMAGES, np.zeros((1, 1, 3, 3)), stride=1.5)),
    ("padding", -1, lambda: F.conv2d(IMAGES, np.zeros((1, 1, 3, 3)), padding=-1)),
    ("stride", 0, lambda: F.conv_transpose2d(IMAGES, np.zeros((1, 1, 3, 3)), stride=0)),
    ("kernel_size", 0, lambda: F.max_pool2d(IMAGES, 0)),
    ("kernel_size", 2.0, lambda: F.avg_pool2d(IMAGES, 2.0)),
    ("stride", (1, 0), lambda: F.max_pool2d(IMAGES, 2, (1, 0))),
    ("kernel size", 1.5, lambda: F.im2col(IMAGES, 1.5, 2)),
    ("p", 1.5, lambda: F.dropout(IMAGES, 1.5)),
    ("p", "0.5", lambda: F.dropout(IMAGES, "0.5")),
    ("momentum", 2.0, lambda: F.batch_norm(np.zeros((2, 3)), None, None, training=True, momentum=2.0)),
    ("eps", 0.0, lambda: F.batch_norm(np.zeros((2, 3)), None, None, training=True, eps=0.0)),
    ("kernel_size", 2.5, lambda: nn.Conv2d(1, 1, 2.5)),
    ("stride", 0, lambda: nn.MaxPool2d(2, stride=0)),
    ("out_channels", -2, lambda: nn.ConvTranspose2d(1, -2, 3)),
    ("in_features", 3.0, lambda: nn.Linear(3.0, 2)),
    ("pieces", 0, lambda: nn.Maxout(3, 2, pieces=0)),
    ("momentum", -0.1, lambda: nn.BatchNorm2d(3, momentum=-0.1)),
    ("lr", -0.1, lambda: nn.optim.SGD([_leaf(2)], lr=-0.1)),
    ("beta2", 1.0, lambda: nn.optim.Adam([_leaf(2)], beta2=1.0)),
    ("weight_decay", -1, lambda: nn.optim.Adam([_leaf(2)], weight_decay=-1)),
    ("momentum", "0.9", lambda: nn.optim.Momentum([_leaf(2)], momentum="0.9")),
    ("negative_slope", "0.1", lambda: F.leaky_relu(np.ones(2), "0.1")),
    ("alpha", None, lambda: F.elu(np.ones(2), None)),
    ("pieces", 1.5, lambda: F.maxout(np.ones((1, 2)), np.ones((2, 4)), np.ones(4), 1.5)),
    ("axis", 0.5, lambda: F.softmax(np.ones((2, 2)), 0.5)),
    ("batch_size", 0, lambda: nn.DataLoader(np.ones((4, 2)), batch_size=0)),
    ("epochs", 2.0, lambda: _compiled_model().fit(np.ones((4, 3)), np.zeros(4), epochs=2.0)),
]


@pytest.mark.parametrize("setting, value, call", BAD_SETTINGS, ids=[f"{s}={v!r}" for s, v, _ in BAD_SETTINGS])
def test_a_bad_setting_gets_a_named_error_with_the_setting_its_value_and_what_is_allowed(setting, value, call):
    with pytest.raises(SettingError) as error:
        call()
    message = str(error.value)
    assert setting in message and repr(value) in message and "must be" in message


def test_a_setting_error_is_both_a_value_error_and_a_type_error():
    assert issubclass(SettingError, ValueError) and issubclass(SettingError, TypeError)


# ---- BatchNorm momentum=None: PyTorch's cumulative moving average ----------------------------------
def test_batch_norm_without_momentum_keeps_the_cumulative_average_of_every_batch(torch):
    ours, theirs = nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None).double()
    batches = [np.random.default_rng(seed).normal(seed, 1 + seed, (5, 3)) for seed in range(4)]
    for batch in batches:
        ours(batch)
        theirs(torch.from_numpy(batch))
    np.testing.assert_allclose(ours.running_mean.data, theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy(), rtol=1e-12)
    assert ours.num_batches_tracked.item() == 4
    loaded = nn.BatchNorm1d(3, momentum=None)
    loaded.load_state_dict(ours.state_dict())  # the count is saved, so training can go on where it stopped
    assert loaded.num_batches_tracked.item() == 4


# ---- frozen parameters -----------------------------------------------------------------------
def _frozen_model():
    model = nn.Sequential(nn.Linear(3, 4, seed=0), nn.BatchNorm1d(4), nn.Linear(4, 2, seed=1))
    model[0].W.requires_grad = False
    return model


def test_frozen_parameters_are_saved_loaded_and_counted(tmp_path):
    model = _frozen_model()
    assert "layers.0.W" in model.state_dict()
    path = model.save(tmp_path / "frozen")
    fresh = nn.Sequential(nn.Linear(3, 4, seed=5), nn.BatchNorm1d(4), nn.Linear(4, 2, seed=6)).load(path)
    x = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_array_equal(fresh.eval()(x).data, model.eval()(x).data)
    assert "Non-trainable params: 20" in model.summary(print_fn=None)  # 12 frozen numbers and 8 of BatchNorm's


def test_frozen_parameters_move_with_module_to():
    xp = pytest.importorskip("array_api_strict")
    model = _frozen_model()
    model.to(xp)
    assert all(type(p.data).__module__.startswith("array_api_strict") for p in model.parameters())
    y = model(xp.asarray(np.ones((5, 3))))  # before, the frozen W stayed behind and this raised DeviceError
    assert y.shape == (5, 2)
    model.to("numpy")
    assert type(model[0].W.data).__module__.startswith("numpy") or isinstance(model[0].W.data, np.ndarray)


def test_optimizers_leave_frozen_parameters_and_those_without_a_gradient_alone():
    frozen, unused, used = _leaf(3), _leaf(3), _leaf(3)
    frozen.requires_grad = False
    before = [frozen.data.copy(), unused.data.copy()]
    for name, optimizer_class in nn.optim.OPTIMIZERS.items():
        optimizer = optimizer_class([frozen, unused, used], lr=0.1, weight_decay=0.1)
        frozen.grad = Tensor(np.ones(3))  # a gradient left from before it was frozen is not used either
        (used * used).sum().backward()
        optimizer.step()
        np.testing.assert_array_equal(frozen.data, before[0], err_msg=name)
        np.testing.assert_array_equal(unused.data, before[1], err_msg=name)
        optimizer.zero_grad()


# ---- modes ------------------------------------------------------------------------------------
def _compiled_model():
    model = nn.Sequential(nn.Linear(3, 4, seed=0), nn.BatchNorm1d(4), nn.Dropout(0.5, seed=0),
                          nn.Linear(4, 2, activation="softmax", seed=1))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("start", ["train", "eval"])
def test_predict_evaluate_and_fit_leave_every_module_in_the_mode_they_found(start):
    model = _compiled_model()
    getattr(model, start)()
    x, t = np.random.default_rng(0).normal(size=(8, 3)), np.arange(8) % 2
    for call in (lambda: model.predict(x), lambda: model.evaluate(x, t),
                 lambda: model.fit(x, t, batch_size=4, verbose=0, validation_data=(x, t)),
                 lambda: model.summary(print_fn=None)):
        call()
        assert all(module.training == (start == "train") for module in model.modules())


# ---- fit's last batch of one sample with BatchNorm ----------------------------------------------------
def test_fit_refuses_a_last_batch_of_one_sample_before_the_first_step_and_offers_drop_last():
    model = _compiled_model()
    x, t = np.random.default_rng(0).normal(size=(9, 3)), np.arange(9) % 2
    before = model.state_dict()
    with pytest.raises(ValueError, match="last batch of one sample.*drop_last=True"):
        model.fit(x, t, batch_size=4, verbose=0)
    after = model.state_dict()
    assert all(np.array_equal(before[name], after[name]) for name in before)  # nothing trained, statistics kept
    history = model.fit(x, t, batch_size=4, verbose=0, drop_last=True)
    assert history.params["steps"] == 2


def test_fit_takes_a_last_batch_of_one_image_that_batch_norm_can_train_on():
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.Flatten(),
                          nn.Linear(2 * 4 * 4, 2, activation="softmax"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    history = model.fit(np.ones((5, 1, 4, 4)), np.arange(5) % 2, batch_size=4, verbose=0)  # 16 values a channel
    assert history.params["steps"] == 2


# ---- float64 data into a float32 model: Keras' rule, the layer casts its inputs ----------------------
@pytest.mark.parametrize("layer, shape", [
    (lambda: nn.Linear(3, 2, dtype=np.float32), (4, 3)),
    (lambda: nn.Maxout(3, 2, dtype=np.float32), (4, 3)),
    (lambda: nn.Conv2d(1, 2, 3, dtype=np.float32), (2, 1, 5, 5)),
    (lambda: nn.ConvTranspose2d(1, 2, 3, dtype=np.float32), (2, 1, 5, 5)),
    (lambda: nn.BatchNorm1d(3, dtype=np.float32), (4, 3)),
    (lambda: nn.PReLU(dtype=np.float32), (4, 3)),
])
def test_a_layer_computes_in_its_weights_dtype_whatever_the_inputs_dtype(layer, shape):
    x = _leaf(*shape)  # float64, in a graph: its gradient comes back in float64
    y = layer()(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float64
    assert layer()(np.ones(shape)).dtype == np.float32  # plain float64 data too


def test_a_float32_model_fits_float64_data_in_float32():
    model = nn.Sequential(nn.Linear(3, 2, dtype=np.float32, activation="softmax"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    model.fit(np.random.default_rng(0).normal(size=(8, 3)), np.arange(8) % 2, verbose=0)
    assert model[0].W.dtype == np.float32 and model.predict(np.ones((2, 3))).dtype == np.float32


# ---- carried over from round 1 -------------------------------------------------------------------
def test_iterating_a_0d_tensor_raises_as_numpy_does():
    with pytest.raises(TypeError, match="0-d"):
        list(Tensor(5.0))
    assert [t.item() for t in Tensor([1.0, 2.0])] == [1.0, 2.0]


@pytest.mark.parametrize("x, text", [(99999.99, "100000"), (-99999.99, "-100000"), (9999.99, "10000"),
                                     (12345.6, "12346"), (0.99999, "1")])
def test_format_number_keeps_whole_parts_after_rounding(x, text):
    assert format_number(x) == text


def test_shape_errors_stay_shape_errors():
    with pytest.raises(ShapeError, match="does not fit"):
        nn.Conv2d(1, 1, 7)(np.zeros((1, 1, 4, 4)))  # a kernel too large for the input is known only with the input


def test_a_result_kept_from_a_run_without_a_graph_is_not_a_parameter():
    class Caching(nn.Module):
        def __init__(self):
            self.W = Tensor(np.ones((2, 2)), requires_grad=True)
            self.last_output = None

        def forward(self, x):
            self.last_output = x @ self.W  # under no_grad (predict) a leaf, yet not a parameter
            return self.last_output

    module = Caching()
    with no_grad():
        module(np.ones((1, 2)))
    module.W.requires_grad = False
    assert module.parameters() == [module.W] and list(module.state_dict()) == ["W"]
