"""nn keeps the tensors' array library: a model moved with `Module.to` trains on `array_api_strict` (which
refuses anything outside the Array API standard) and on Dask exactly as on NumPy, with the same seeds; state
dicts and files hold host NumPy arrays; DataLoader, load_mnist and fit() work in the other library. Where
PyTorch is installed, its CPU tensors are a third library."""
import array_api_strict
import dask
import dask.array as da
import numpy as np
import pytest

import nn
from autograd import Tensor
from autograd.backend import move, namespace_of, to_numpy
from autograd.errors import DeviceError
from nn.functional import cross_entropy

LIBRARIES = {"array_api_strict": array_api_strict, "dask": da}
try:  # PyTorch's CPU tensors, where it is installed: the way CUDA tensors go, on a machine without a GPU
    import torch
    LIBRARIES["torch"] = torch
except ImportError:
    torch = None
OPTIMIZERS = {
    "sgd": lambda params: nn.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-3),
    "momentum": lambda params: nn.optim.Momentum(params, lr=0.05),
    "adam": lambda params: nn.optim.Adam(params, lr=0.01, weight_decay=1e-3),
}
STEPS = 4


def _is(array, library) -> bool:
    """True when `array` belongs to `library` (array_api_strict, dask.array or numpy)."""
    if library is np:
        return isinstance(array, np.ndarray)  # Tensor.data's TensorArray is one
    if library is da:
        return isinstance(array, da.Array)
    if library is torch:
        return isinstance(array, torch.Tensor)
    return isinstance(array, array_api_strict._array_object.Array)


def _mlp(seed=0):
    return nn.Sequential(nn.Linear(6, 16, init="he", seed=seed), nn.ReLU(), nn.BatchNorm1d(16),
                         nn.Dropout(0.3, seed=seed + 1), nn.Linear(16, 3, seed=seed + 2))


def _data(seed=0, samples=24):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((samples, 6)), rng.integers(0, 3, samples)


def _train(library, optimizer: str, steps: int = STEPS, device=None):
    """Losses and the final state dict of a few steps on `library` (None: NumPy, unmoved), on `device`."""
    model = _mlp()
    x, t = _data()
    if library is not None:
        model.to(library, device)
        x, t = move(x, library, device), move(t, library, device)
    opt = OPTIMIZERS[optimizer](model.parameters())
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = cross_entropy(model(x), t)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, model


@pytest.fixture(autouse=True, scope="module")
def _dask_in_this_thread():
    with dask.config.set(scheduler="synchronous"):  # these graphs are tiny: threads would cost more than they give
        yield


@pytest.fixture(params=list(LIBRARIES))
def library(request):
    return LIBRARIES[request.param]


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_training_on_another_library_gives_numpys_losses_and_weights(library, optimizer):
    expected_losses, expected = _train(None, optimizer)
    losses, model = _train(library, optimizer)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)
    for (name, p), (_, q) in zip(model._named_state(), expected._named_state()):
        assert _is(p.data, library), name  # parameters, BatchNorm's running statistics and the optimizer's updates
        np.testing.assert_allclose(to_numpy(p.data), q.data, rtol=1e-10, atol=1e-12, err_msg=name)
    assert np.isfinite(losses).all() and losses[-1] < losses[0]


def _gpu(name: str):
    """(library, device, is-its-array) for a GPU library, or a skip that says why there is none."""
    if name == "cupy":
        cupy = pytest.importorskip("cupy", reason="CuPy is not installed (it needs an NVIDIA GPU)")
        if cupy.cuda.runtime.getDeviceCount() == 0:
            pytest.skip("CuPy is installed but finds no GPU")
        return cupy, None, lambda array: isinstance(array, cupy.ndarray)
    if torch is None or not torch.cuda.is_available():
        pytest.skip("no CUDA device for PyTorch on this machine")
    return torch, "cuda:0", lambda array: isinstance(array, torch.Tensor) and array.is_cuda


@pytest.mark.parametrize("gpu", ["cupy", "torch_cuda"])
def test_training_on_a_gpu_gives_numpys_losses_and_weights(gpu):
    library, device, on_gpu = _gpu(gpu)
    expected_losses, expected = _train(None, "adam")
    losses, model = _train(library, "adam", device=device)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-9)  # a GPU sums in its own order
    for (name, p), (_, q) in zip(model._named_state(), expected._named_state()):
        assert on_gpu(p.data), name
        np.testing.assert_allclose(to_numpy(p.data), q.data, rtol=1e-8, atol=1e-10, err_msg=name)


def test_optimizer_state_lives_with_the_parameters(library):
    model = _mlp().to(library)
    opt = nn.optim.Adam(model.parameters())
    assert all(_is(m, library) for m in opt.first_moment + opt.second_moment)
    x, t = _data()
    cross_entropy(model(library.asarray(x)), library.asarray(t)).backward()
    opt.step()
    assert all(_is(m, library) for m in opt.first_moment + opt.second_moment)


def test_an_optimizer_built_before_the_move_refuses_to_step():
    model = _mlp()
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.to(array_api_strict)
    x, t = _data()
    cross_entropy(model(array_api_strict.asarray(x)), array_api_strict.asarray(t)).backward()
    with pytest.raises(DeviceError, match=r"built when it was a numpy array, .* build the optimizer after moving"):
        opt.step()


def test_module_to_moves_every_parameter_and_buffer_and_back(library):
    model = _mlp()
    model(_data()[0])  # names the parameters; BatchNorm's running statistics move away from 0 and 1
    before = model.state_dict()
    leaves = [p for _, p in model._named_state()]
    versions = [p._version for p in leaves]
    assert model.to(library) is model
    assert [p for _, p in model._named_state()] == leaves  # the same leaf objects, with new numbers
    assert all(_is(p.data, library) for p in leaves)
    assert [p._version for p in leaves] == [v + 1 for v in versions]  # graphs recorded before are refused
    assert all(p.requires_grad and not p.parents for p in model.parameters())
    model.to("numpy")
    assert all(_is(p.data, np) for p in leaves)
    after = model.state_dict()
    assert all(np.array_equal(after[name], before[name]) for name in before)


def test_module_to_leaves_a_parameter_already_there_alone():
    model = _mlp()
    versions = [p._version for _, p in model._named_state()]
    model.to("numpy")
    assert [p._version for _, p in model._named_state()] == versions


def test_module_to_moves_gradients_too():
    model = nn.Sequential(nn.Linear(6, 3, seed=0))
    x, t = _data()
    cross_entropy(model(x), t).backward()
    model.to(array_api_strict)
    assert all(_is(p.grad, array_api_strict) for p in model.parameters())


def test_a_value_module_stays_on_the_host():
    mlp = nn.MLP(2, [3, 1], seed=0)
    assert mlp.to("numpy") is mlp
    with pytest.raises(TypeError, match="Value"):
        mlp.to(array_api_strict)


def test_state_dict_save_and_load_use_host_arrays(library, tmp_path):
    _, trained = _train(library, "adam")
    state = trained.state_dict()
    assert all(type(array) is np.ndarray for array in state.values())
    path = trained.save(tmp_path / "model")
    on_host = _mlp(seed=5).load(path)  # a fresh NumPy model reads what the moved one wrote
    moved = _mlp(seed=5).to(library).load(path)  # and a moved one keeps its library
    for (name, p), (_, q), (_, r) in zip(trained._named_state(), on_host._named_state(), moved._named_state()):
        assert _is(q.data, np) and _is(r.data, library), name
        assert np.array_equal(q.data, to_numpy(p.data)) and np.array_equal(to_numpy(r.data), q.data), name
        assert r.dtype == p.dtype


def test_load_state_dict_keeps_the_dtype_of_float32_parameters_on_another_library():
    model = nn.Sequential(nn.Linear(6, 3, dtype=np.float32, seed=0)).to(array_api_strict)
    model.load_state_dict({"layers.0.W": np.ones((6, 3)), "layers.0.b": [1, 2, 3]})
    assert model[0].W.dtype == array_api_strict.float32
    assert _is(model[0].b.data, array_api_strict)
    np.testing.assert_array_equal(to_numpy(model[0].b.data), [1.0, 2.0, 3.0])


def test_batch_norm_in_evaluation_uses_the_running_statistics_of_the_library(library):
    _, model = _train(library, "sgd")
    reference = _mlp()
    reference.load_state_dict(model.state_dict())
    x = _data(seed=3)[0]
    model.eval()
    reference.eval()
    np.testing.assert_allclose(to_numpy(model(library.asarray(x)).data), reference(x).data, rtol=1e-12)


def test_buffers_left_on_numpy_are_refused_rather_than_copied():
    bn = nn.BatchNorm1d(4)
    x = Tensor(array_api_strict.asarray(np.random.default_rng(0).standard_normal((8, 4))))
    with pytest.raises(DeviceError, match=r"\.to\("):
        bn(x)
    bn.eval()
    with pytest.raises(DeviceError):
        bn(x)


def test_dropout_draws_the_same_mask_in_every_library(library):
    x = np.random.default_rng(0).standard_normal((5, 7))
    expected = nn.functional.dropout(Tensor(x), 0.4, seed_or_rng=3).data
    got = nn.functional.dropout(Tensor(library.asarray(x)), 0.4, seed_or_rng=3).data
    assert _is(got, library)
    np.testing.assert_array_equal(to_numpy(got), expected)


@pytest.mark.parametrize("shuffle", [False, True])
def test_data_loader_yields_batches_of_the_data_library(library, shuffle):
    x, t = _data(samples=23)
    expected = list(nn.DataLoader(x, t, batch_size=5, shuffle=shuffle, seed=4))
    loader = nn.DataLoader(library.asarray(x), library.asarray(t), batch_size=5, shuffle=shuffle, seed=4)
    batches = list(loader)
    assert len(loader) == len(batches) == len(expected) == 5
    for (xb, tb), (xe, te) in zip(batches, expected):
        assert _is(xb, library) and _is(tb, library)
        np.testing.assert_array_equal(to_numpy(xb), xe)
        np.testing.assert_array_equal(to_numpy(tb), te)
    alone = list(nn.DataLoader(library.asarray(x), batch_size=10, drop_last=True))
    assert len(alone) == 2 and _is(alone[0], library)


def test_data_loader_refuses_data_and_targets_of_two_libraries():
    x, t = _data()
    with pytest.raises(DeviceError, match=r"numpy.*array_api_strict|array_api_strict.*numpy"):
        nn.DataLoader(x, array_api_strict.asarray(t))


@pytest.mark.parametrize("name", ["array_api_strict", "dask"])
def test_load_mnist_returns_arrays_of_the_library_asked_for(name):
    x, t = nn.load_mnist(split="test", progress=False)  # the test set shipped with the package
    xs, ts = nn.load_mnist(split="test", progress=False, to=name)
    library = LIBRARIES[name]
    assert _is(xs, library) and _is(ts, library)
    assert xs.shape == x.shape == (10_000, 784) and ts.shape == t.shape
    assert namespace_of(xs).isdtype(xs.dtype, "real floating")
    np.testing.assert_array_equal(to_numpy(xs[:50, :]), x[:50])
    np.testing.assert_array_equal(to_numpy(ts), t)


def _keras_model():
    return nn.Sequential(nn.Linear(6, 16, activation="relu", seed=0), nn.BatchNorm1d(16),
                         nn.Linear(16, 3, activation="softmax", seed=1))


def test_fit_evaluate_and_predict_on_array_api_strict_match_numpy():
    x, t = _data(samples=40)
    results = {}
    for name, to in (("numpy", None), ("strict", array_api_strict)):
        model = _keras_model()
        xs, ts = (x, t) if to is None else (to.asarray(x), to.asarray(t))
        if to is not None:
            model.to(to)
        model.compile(loss="sparse_categorical_crossentropy", optimizer=nn.optim.Adam(model.parameters(), lr=0.01),
                      metrics=["accuracy"])
        history = model.fit(xs, ts, epochs=3, batch_size=8, validation_data=(xs, ts), verbose=0, seed=0)
        evaluation = model.evaluate(xs, ts)
        predictions = model.predict(xs, batch_size=16)
        classes = model.predict_classes(xs)
        summary = model.summary(print_fn=None)
        results[name] = history, evaluation, predictions, classes, summary
    (history, evaluation, predictions, classes, summary), numpy_results = results["strict"], results["numpy"]
    assert all(type(value) is float for values in history.history.values() for value in values)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    for key, values in numpy_results[0].history.items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-12, err_msg=key)
    np.testing.assert_allclose(evaluation, numpy_results[1], rtol=1e-12)
    assert _is(predictions, array_api_strict) and predictions.shape == (40, 3)
    np.testing.assert_allclose(to_numpy(predictions), numpy_results[2], rtol=1e-12)
    assert _is(classes, array_api_strict)
    np.testing.assert_array_equal(to_numpy(classes), numpy_results[3])
    assert summary == numpy_results[4]
