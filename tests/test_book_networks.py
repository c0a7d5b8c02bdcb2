"""nn.book: chapter 7's SimpleConvNet and chapter 8's DeepConvNet built as the book builds them, loading the
book's trained parameters from its pickles (through an unpickler that refuses anything but NumPy arrays) or
their .npz copies, and classifying the 10,000 MNIST test images exactly as the book reports: 0.9890, 0.9935."""
import copy
import os
import pickle

import numpy as np
import pytest

import nn
from autograd import no_grad
from nn import functional as F
from nn.book import ParamsFileError, UnsafePickleError, deep_conv_net, load_params, simple_conv_net
from nn.data import find_data


def accuracy(model, x, t, batch_size: int = 500) -> float:
    """In eval mode, a batch at a time so that the activations stay small."""
    model.eval()
    with no_grad():
        right = sum(int((model(x[i:i + batch_size]).data.argmax(axis=1) == t[i:i + batch_size]).sum())
                    for i in range(0, len(x), batch_size))
    return right / len(x)


@pytest.fixture(scope="module")
def test_set():
    return nn.load_mnist(split="test", flatten=False)


def same_state(a, b) -> bool:
    one, other = a.state_dict(), b.state_dict()
    return one.keys() == other.keys() and all(np.array_equal(one[name], other[name]) for name in one)


@pytest.mark.parametrize("build, name, expected", [(simple_conv_net, "simple_convnet", 0.9890),
                                                   (deep_conv_net, "deep_convnet", 0.9935)],
                         ids=["SimpleConvNet", "DeepConvNet"])
def test_the_books_weights_give_the_books_test_accuracy(build, name, expected, test_set):
    from_pickle = build(pretrained=find_data(f"book_weights/{name}_params.pkl"))
    from_npz = build(pretrained=find_data(f"book_weights/{name}.npz"))
    assert same_state(from_pickle, from_npz) and same_state(from_npz, build(pretrained=True))
    x, t = test_set
    assert accuracy(from_pickle, x.astype(from_pickle[0].W.dtype), t) == expected  # the same numbers, the same score


def test_simple_conv_net_has_chapter_7s_layers_and_weight_scale():
    model = simple_conv_net(seed=0)
    shapes = {name: array.shape for name, array in model.state_dict().items()}
    assert shapes == {"layers.0.W": (30, 1, 5, 5), "layers.0.b": (30,), "layers.4.W": (4320, 100),
                      "layers.4.b": (100,), "layers.6.W": (100, 10), "layers.6.b": (10,)}
    assert [type(layer).__name__ for layer in model] == ["Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear", "ReLU",
                                                         "Linear"]
    assert model[0].stride == (1, 1) and model[0].padding == (0, 0)
    assert 0.0095 < model[4].W.data.std() < 0.0105 and model[0].W.dtype == np.float64
    assert model(np.zeros((2, 1, 28, 28))).shape == (2, 10)


def test_deep_conv_net_has_chapter_8s_layers_and_he_initialisation():
    model = deep_conv_net(seed=0)
    convolutions = [layer for layer in model if isinstance(layer, nn.Conv2d)]
    assert [(c.out_channels, c.padding[0]) for c in convolutions] == [(16, 1), (16, 1), (32, 1), (32, 2), (64, 1),
                                                                     (64, 1)]
    assert [type(layer).__name__ for layer in model][-6:] == ["Flatten", "Linear", "ReLU", "Dropout", "Linear",
                                                              "Dropout"]
    assert sum(isinstance(layer, nn.MaxPool2d) for layer in model) == 3
    assert model[-5].W.shape == (1024, 50) and model[-2].W.shape == (50, 10) and model[-5].W.dtype == np.float32
    assert abs(model[-5].W.data.std() / np.sqrt(2 / 1024) - 1) < 0.03  # He: std sqrt(2 / fan-in)
    assert abs(convolutions[5].W.data.std() / np.sqrt(2 / (64 * 9)) - 1) < 0.03


def books_deep_forward(params, x, masks=None):
    """The book's DeepConvNet.predict on its own parameters: non-inverted dropout, multiplying by the masks in
    training (`masks` given) and by 0.5 at test."""
    h = x
    for number, padding in enumerate((1, 1, 1, 2, 1, 1), start=1):
        h = F.conv2d(h, params[f"W{number}"], params[f"b{number}"], padding=padding).relu()
        h = F.max_pool2d(h, 2) if number % 2 == 0 else h
    h = (h.reshape(len(x), -1) @ params["W7"] + params["b7"]).relu()
    h = h * masks[0] if masks else h * 0.5
    scores = h @ params["W8"] + params["b8"]
    return (scores * masks[1] if masks else scores * 0.5).data


def test_the_loaded_deep_conv_net_computes_the_books_outputs_in_both_modes(test_set):
    params = load_params(find_data("book_weights/deep_convnet.npz"))
    x = test_set[0][:20].astype(np.float64)
    rng = np.random.default_rng(3)
    model = deep_conv_net(pretrained=True, dtype=np.float64, seed=rng)  # its dropouts draw from rng
    model.eval()
    np.testing.assert_allclose(model(x).data, books_deep_forward(params, x), rtol=1e-10, atol=1e-12)
    same_draws = copy.deepcopy(rng)
    model.train()
    masks = [same_draws.random((20, 50)) >= 0.5, same_draws.random((20, 10)) >= 0.5]  # as nn.Dropout draws them
    np.testing.assert_allclose(model(x).data, books_deep_forward(params, x, masks), rtol=1e-10, atol=1e-12)


class RunsAShellCommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_pickle_that_would_run_code_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "it_ran"
    path = tmp_path / "evil_params.pkl"
    path.write_bytes(pickle.dumps({"W1": RunsAShellCommand(marker)}))
    with pytest.raises(UnsafePickleError, match=r"refused to load (posix|nt)\.system.*load the \.npz copy"):
        load_params(path)
    assert not marker.exists()
    with pytest.raises(UnsafePickleError, match=r"builtins\.eval"):
        load_params_of(tmp_path, pickle.dumps({"W1": eval}))


def load_params_of(folder, payload: bytes):
    (folder / "params.pkl").write_bytes(payload)
    return load_params(folder / "params.pkl")


def test_a_params_file_must_be_float_arrays_named_as_the_book_names_them(tmp_path):
    with pytest.raises(ParamsFileError, match="dict of float arrays"):  # NumPy's globals, but object data
        load_params_of(tmp_path, pickle.dumps({"W1": np.array([1, "a"], dtype=object)}))
    with pytest.raises(ParamsFileError, match="dict of float arrays"):
        load_params_of(tmp_path, pickle.dumps([np.zeros(3)]))
    with pytest.raises(ParamsFileError, match=r"needs the parameters \['W1', 'W2', 'W3', 'b1', 'b2', 'b3'\].*"
                                              r"the other network's file"):
        simple_conv_net(pretrained=find_data("book_weights/deep_convnet.npz"))
    with pytest.raises(ParamsFileError, match=r"\.npz archive or a \.pkl pickle; got '\.h5'"):
        load_params(tmp_path / "weights.h5")
