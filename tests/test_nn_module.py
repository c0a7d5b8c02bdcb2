"""nn.Module and the layers: parameter discovery and names, zero_grad, train/eval, state_dict,
load_state_dict's all-or-nothing checks, save/load as .npz, Linear's shapes, errors and initialisers."""
import numpy as np
import pytest

import nn
from autograd import ShapeError, Tensor, Value


def small_model(seed=0):
    return nn.Sequential(nn.Linear(3, 4, activation="relu", seed=seed), nn.Linear(4, 2, seed=seed + 1))


def test_named_parameters_are_dotted_paths_in_definition_order():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.PReLU())
    names = [name for name, _ in model.named_parameters()]
    assert names == ["layers.0.W", "layers.0.b", "layers.2.W", "layers.2.b", "layers.3.weight"]
    assert [p.shape for p in model.parameters()] == [(3, 4), (4,), (4, 2), (2,), (1,)]
    assert model.num_parameters() == 12 + 4 + 8 + 2 + 1


def test_scalar_mlp_parameter_counts_from_the_book():
    assert nn.MLP(3, [4, 2]).num_parameters() == 26   # 20 weights + 6 biases
    assert nn.MLP(3, [4, 4, 1]).num_parameters() == 41  # 32 weights + 9 biases
    names = [name for name, _ in nn.MLP(3, [4, 2]).named_parameters()]
    assert names[:4] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.w.2",
                         "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.1.b"


def test_a_shared_parameter_is_listed_once_and_intermediates_are_not_parameters():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert len(model.parameters()) == 2

    class Caching(nn.Module):
        def __init__(self):
            self.W = Tensor(np.ones((2, 2)), requires_grad=True)
            self.last_output = None

        def forward(self, x):
            self.last_output = x @ self.W  # a graph node, not a parameter
            return self.last_output

    module = Caching()
    module(Tensor(np.ones((1, 2))))
    assert module.parameters() == [module.W]


def test_zero_grad_clears_tensor_and_value_gradients():
    model = small_model()
    model(np.ones((2, 3))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    mlp = nn.MLP(2, [3, 1], seed=0)
    mlp([1.0, -2.0]).backward()
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())


def test_train_and_eval_reach_every_submodule():
    model = small_model()
    model.eval()
    assert all(not m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_state_dict_round_trip_through_an_npz_file(tmp_path):
    model = small_model(seed=0)
    x = np.random.default_rng(0).normal(size=(5, 3))
    expected = model(x).data
    path = model.save(tmp_path / "weights")
    assert path.name == "weights.npz" and not list(tmp_path.glob(".*tmp"))
    other = small_model(seed=42)
    assert not np.allclose(other(x).data, expected)
    other.load(path)
    np.testing.assert_array_equal(other(x).data, expected)
    state = model.state_dict()
    model.layers[0].W.data = model.layers[0].W.data + 1.0  # the state dict is a copy, not a view
    assert not np.allclose(state["layers.0.W"], model.layers[0].W.data)


def test_value_mlp_state_dict_round_trip(tmp_path):
    mlp = nn.MLP(2, [3, 1], seed=1)
    path = mlp.save(tmp_path / "mlp.npz")
    other = nn.MLP(2, [3, 1], seed=2).load(path)
    assert other([0.5, -1.0]).data == mlp([0.5, -1.0]).data
    assert all(type(p.data) is float for p in other.parameters())


def test_load_state_dict_with_a_wrong_shape_changes_nothing_and_names_key_and_shapes():
    model = small_model()
    before = {name: value.copy() for name, value in model.state_dict().items()}
    state = {name: value + 1.0 for name, value in before.items()}
    state["layers.1.W"] = np.zeros((2, 4))  # last key checked: the first keys must still be untouched
    with pytest.raises(ShapeError, match=r"'layers\.1\.W' has shape \(4, 2\) in the model but \(2, 4\)"):
        model.load_state_dict(state)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_load_state_dict_missing_or_unexpected_keys_changes_nothing():
    model = small_model()
    before = model.state_dict()
    state = {name: value + 1.0 for name, value in before.items()}
    del state["layers.0.b"]
    state["layers.9.W"] = np.zeros(3)
    with pytest.raises(KeyError, match=r"missing keys \['layers.0.b'\], unexpected keys \['layers.9.W'\]"):
        model.load_state_dict(state)
    assert all(np.array_equal(model.state_dict()[k], before[k]) for k in before)
    with pytest.raises(TypeError, match="real numbers"):
        model.load_state_dict({**before, "layers.0.b": np.array(["a"] * 4)})


def test_load_refuses_pickled_objects(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, **{"layers.0.W": np.array([object()] * 12, dtype=object).reshape(3, 4)})
    with pytest.raises(nn.StateFileError, match=r"pickled Python objects, which are refused \(allow_pickle=False\)"):
        small_model().load(path)


def test_load_state_dict_keeps_dtype_and_identity_of_parameters():
    model = nn.Linear(2, 2, dtype=np.float32)
    W = model.W
    model.load_state_dict({"W": np.ones((2, 2)), "b": np.zeros(2)})
    assert model.W is W and W.dtype == np.float32 and W.data.tolist() == [[1, 1], [1, 1]]


def test_linear_computes_x_W_plus_b_with_the_books_shapes():
    layer = nn.Linear(2, 3)
    assert layer.W.shape == (2, 3) and layer.b.shape == (3,)
    layer.load_state_dict({"W": [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], "b": [0.1, 0.2, 0.3]})
    np.testing.assert_allclose(layer([1.0, 0.5]).data, [0.3, 0.7, 1.1])


def test_linear_wrong_width_names_the_layer_and_both_widths():
    model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
    with pytest.raises(ShapeError, match=r"linear \(Linear\(784, 50\)\) expects .* 784 features; "
                                         r"got shape \(2, 100\), whose last axis has 100"):
        model(np.zeros((2, 100)))
    with pytest.raises(ShapeError, match=r"linear_1 \(Linear\(50, 10\)\) expects .* 50 features; got shape \(1, 7\)"):
        model[2](np.zeros((1, 7)))
    with pytest.raises(ValueError, match="out_features must be a whole number >= 1"):
        nn.Linear(3, 0)


def test_linear_without_bias_and_its_gradients():
    layer = nn.Linear(3, 2, bias=False, seed=0)
    assert [name for name, _ in layer.named_parameters()] == ["W"]
    x = np.arange(6.0).reshape(2, 3)
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.W.grad, x.sum(axis=0)[:, None] * np.ones((1, 2)))


@pytest.mark.parametrize("init, expected_std", [("normal", 0.01), (0.05, 0.05), ("xavier", 1 / np.sqrt(400)),
                                                ("he", np.sqrt(2 / 400))])
def test_initialisers_have_their_standard_deviations(init, expected_std):
    W = nn.Linear(400, 300, init=init, seed=0).W.data
    assert abs(W.mean()) < 0.05 * expected_std * 10
    assert W.std() == pytest.approx(expected_std, rel=0.02)


def test_seeds_and_manual_seed_make_runs_repeat():
    assert np.array_equal(nn.Linear(3, 3, seed=5).W.data, nn.Linear(3, 3, seed=5).W.data)
    nn.manual_seed(11)
    first = [nn.Linear(3, 3).W.data, nn.MLP(2, [2, 1]).parameters()[0].data]
    nn.manual_seed(11)
    second = [nn.Linear(3, 3).W.data, nn.MLP(2, [2, 1]).parameters()[0].data]
    assert np.array_equal(first[0], second[0]) and first[1] == second[1]
    with pytest.raises(ValueError, match="unknown initialiser"):
        nn.Linear(2, 2, init="zeros-ish")


def test_sequential_is_indexable_sliceable_and_names_its_layers():
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    assert len(model) == 4 and model[1] is model.layers[1] and list(model) == model.layers
    assert [layer.name for layer in model] == ["flatten", "linear", "relu", "linear_1"]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and head(np.zeros((5, 2, 2))).shape == (5, 3)
    with pytest.raises(TypeError, match="holds Modules"):
        model.add(lambda x: x)


def test_every_activation_name_gives_a_module_that_runs():
    x = Tensor(np.linspace(-2, 2, 8).reshape(2, 4))
    for name, module_class in nn.ACTIVATIONS.items():
        out = nn.Linear(4, 4, activation=name, seed=0)(x)
        assert out.shape == (2, 4), name
        assert isinstance(module_class(), nn.Module)
    with pytest.raises(ValueError, match="unknown activation"):
        nn.Linear(2, 2, activation="relu6")


def test_repr_shows_the_structure():
    text = repr(nn.Sequential(nn.Linear(3, 4, activation="relu"), nn.Softmax()))
    assert "Linear(3, 4, activation=ReLU)" in text and "Softmax()" in text
    assert repr(nn.Perceptron()) == "Perceptron(w=(0.5, 0.5), b=-0.7)"


def test_value_parameters_are_values():
    assert all(isinstance(p, Value) for p in nn.MLP(2, [2, 1]).parameters())


def test_load_state_dict_takes_tensors_from_another_model():
    source, target = small_model(seed=0), small_model(seed=9)
    target.load_state_dict(dict(source.named_parameters()))
    x = np.ones((1, 3))
    np.testing.assert_array_equal(target(x).data, source(x).data)


@pytest.mark.parametrize("content, message", [
    (b"garbage bytes", "is not an .npz of plain arrays"),
    (None, "damaged|is not an .npz"),  # a saved file cut in half
])
def test_load_of_a_corrupt_or_foreign_file_is_a_named_error_and_changes_nothing(tmp_path, content, message):
    model = small_model()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    path = tmp_path / "params.npz"
    if content is None:
        saved = small_model().save(tmp_path / "whole.npz").read_bytes()
        content = saved[: len(saved) // 2]
    path.write_bytes(content)
    with pytest.raises(nn.StateFileError, match=message):
        model.load(path)
    assert all(np.array_equal(model.state_dict()[k], before[k]) for k in before)


def test_load_of_a_plain_npy_array_says_it_is_not_a_parameter_file(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.ones((3, 4)))
    with pytest.raises(nn.StateFileError, match=r"single array of shape \(3, 4\)"):
        small_model().load(path)


class _SavezArgumentNames(nn.Module):
    """Parameters named like np.savez's own arguments, beside an ordinary one and a sub-layer (`layers.0.W`)."""

    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        self.file = Tensor(rng.normal(size=(2, 3)), requires_grad=True)
        self.allow_pickle = Tensor(rng.normal(size=4), requires_grad=True)
        self.weight = Tensor(rng.normal(size=(3, 3)), requires_grad=True)
        self.layers = [nn.Linear(3, 2, seed=seed)]


def test_parameters_named_file_or_allow_pickle_round_trip_through_save_and_load(tmp_path):
    model = _SavezArgumentNames(seed=0)
    assert list(model.state_dict()) == ["file", "allow_pickle", "weight", "layers.0.W", "layers.0.b"]
    path = model.save(tmp_path / "odd_names.npz")
    assert not list(tmp_path.glob(".*tmp"))
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted(model.state_dict())
    other = _SavezArgumentNames(seed=1).load(path)
    saved, loaded = model.state_dict(), other.state_dict()
    for name in saved:
        np.testing.assert_array_equal(loaded[name], saved[name], err_msg=name)


@pytest.mark.parametrize("file_name", ["model.pt", "weights.bin", "model.npz", "checkpoint"])
def test_save_and_load_agree_on_any_file_name(tmp_path, file_name):
    model, other = small_model(seed=0), small_model(seed=1)
    written = model.save(tmp_path / file_name)
    assert written == tmp_path / (file_name if "." in file_name else file_name + ".npz")
    other.load(tmp_path / file_name)  # the same name the user gave save, whatever its suffix
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(other.state_dict()[name], array)
