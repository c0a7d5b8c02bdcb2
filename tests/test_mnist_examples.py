"""The MNIST examples on the book's data (../shared/data): inference with the sample weights, the
two-layer network trained by backprop with its gradient check, and the Keras-style classifier."""
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))

import keras_mnist  # noqa: E402
import mnist_inference  # noqa: E402
import mnist_two_layer  # noqa: E402

import nn  # noqa: E402


def test_inference_with_the_sample_weights_gives_0_9352_both_ways(shared_data):
    figures = mnist_inference.main(["--data", str(shared_data)])
    assert figures == {"one_at_a_time": 0.9352, "batches_of_100": 0.9352}


def test_two_layer_gradient_check_agrees_with_backprop_to_1e_10(shared_data):
    x, t = nn.load_mnist(shared_data, one_hot_label=True, split="test")
    network = mnist_two_layer.two_layer_net(seed=0)
    differences = mnist_two_layer.gradient_check(network, x[:3], t[:3])
    assert list(differences) == ["layers.0.W", "layers.0.b", "layers.2.W", "layers.2.b"]
    assert all(difference < 1e-9 for difference in differences.values()), differences


def test_two_layer_recipe_reaches_0_93_on_the_8000_2000_split(shared_data):
    # The book's recipe (784-50-10, std 0.01, batch 100, lr 0.1) for 4,000 steps, 50 passes over
    # the 8,000 training images; the example runs the book's 10,000.
    figures = mnist_two_layer.main(["--data", str(shared_data), "--iters", "4000", "--no-gradcheck"])
    assert figures["test_accuracy"] >= 0.93
    losses = figures["losses"]
    assert losses[-200:].mean() < 0.2 * losses[:50].mean()


def test_keras_style_classifier_summary_fit_evaluate_predict(shared_data):
    figures = keras_mnist.main(["--data", str(shared_data), "--epochs", "3", "--quiet"])
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
