"""The MNIST examples on the data shipped with scratchgrad (no --data): inference with the sample weights, the
two-layer network trained by backprop with its gradient check, the Keras-style classifier, and the chapter
6-8 examples' split, which takes MNIST's training set where it is found."""
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))

import book_training  # noqa: E402
import keras_mnist  # noqa: E402
import mnist_inference  # noqa: E402
import mnist_two_layer  # noqa: E402
from test_mnist_loader import make_split  # noqa: E402

import nn  # noqa: E402


def test_inference_with_the_sample_weights_gives_0_9352_both_ways():
    figures = mnist_inference.main([])
    assert figures == {"one_at_a_time": 0.9352, "batches_of_100": 0.9352}


def test_two_layer_gradient_check_agrees_with_backprop_to_1e_10():
    x, t = nn.load_mnist(one_hot_label=True, split="test")
    network = mnist_two_layer.two_layer_net(seed=0)
    differences = mnist_two_layer.gradient_check(network, x[:3], t[:3])
    assert list(differences) == ["layers.0.W", "layers.0.b", "layers.2.W", "layers.2.b"]
    assert all(difference < 1e-9 for difference in differences.values()), differences


def test_two_layer_recipe_reaches_0_93_on_the_8000_2000_split():
    # The book's recipe (784-50-10, std 0.01, batch 100, lr 0.1) for 4,000 steps, 50 passes over
    # the 8,000 training images; the example runs the book's 10,000.
    figures = mnist_two_layer.main(["--iters", "4000", "--no-gradcheck"])
    assert figures["test_accuracy"] >= 0.93
    losses = figures["losses"]
    assert losses[-200:].mean() < 0.2 * losses[:50].mean()


def test_keras_style_classifier_summary_fit_evaluate_predict():
    figures = keras_mnist.main(["--epochs", "3", "--quiet"])
    summary = figures["summary"]
    for figure in ("235,500", "30,100", "1,010", "Total params: 266,610", "(None, 784)", "(None, 10)"):
        assert figure in summary
    assert figures["num_parameters"] == 266_610
    history = figures["history"]
    assert history.epoch == [0, 1, 2] and history.params["steps"] == 219  # 7,000 images in batches of 32
    assert history.history["loss"] == sorted(history.history["loss"], reverse=True)
    assert history.history["val_accuracy"][-1] > 0.8
    test_loss, test_accuracy = figures["evaluate"]
    assert test_accuracy > 0.8 and test_loss < 1.0
    assert figures["probabilities"].shape == (3, 10)
    np.testing.assert_allclose(figures["probabilities"].sum(axis=1), 1.0)
    assert np.array_equal(figures["predicted_classes"], figures["probabilities"].argmax(axis=1))


def test_mnist_examples_say_where_the_data_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte.gz"):
        mnist_inference.main(["--data", str(tmp_path)])


def test_mnist_examples_take_a_data_folder_of_the_books_layout(tmp_path):
    (tmp_path / "mnist").mkdir()
    for name in nn.data.MNIST_FILES["test"]:
        (tmp_path / "mnist" / name).symlink_to(nn.data.find_data(f"mnist/{name}"))
    (tmp_path / "mnist_sample_weight.npz").symlink_to(nn.data.find_data("mnist_sample_weight.npz"))
    assert mnist_inference.main(["--data", str(tmp_path)])["batches_of_100"] == 0.9352


def test_the_split_trains_on_the_test_images_until_the_training_set_is_here(tmp_path, monkeypatch, capsys):
    x_train, t_train, x_test, t_test = book_training.load_split(None, 8000)
    x, t = nn.load_mnist(split="test")
    assert np.array_equal(x_train, x[:8000]) and np.array_equal(t_test, t[-2000:])
    assert "8,000 images of the first MNIST test images (`make data` fetches the training" in capsys.readouterr().out
    with pytest.raises(ValueError, match="train_size must be between 1 and 8000"):
        book_training.load_split(None, 8001)

    cache = tmp_path / "cache"  # a small stand-in for the training set, where `make data` puts it
    _, labels = make_split(cache / "mnist", "train", count=9000)
    monkeypatch.setenv("SCRATCHGRAD_CACHE", str(cache))
    x_train, t_train, x_test, t_test = book_training.load_split(None, 8500, images=True)
    assert x_train.shape == (8500, 1, 28, 28) and np.array_equal(t_train, labels[:8500])
    assert np.array_equal(x_test.reshape(2000, -1), x[-2000:])
    assert "8,500 images of MNIST's training set" in capsys.readouterr().out
