"""The chapter 6-8 examples on the MNIST test set shipped with scratchgrad: each example's `main()` figures against
the book's findings or an independent computation, on small subsets so each takes seconds; the
SimpleConvNet recipe on the full 8,000/2,000 split is marked slow."""
import html
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))

import ch6_batch_norm  # noqa: E402
import ch6_hyperparameters  # noqa: E402
import ch6_optimizers  # noqa: E402
import ch6_regularization  # noqa: E402
import ch6_weight_init  # noqa: E402
import ch7_simple_convnet  # noqa: E402
import ch8_deep_convnet  # noqa: E402
import cnn_graph  # noqa: E402
from viz_support import PNG_SIGNATURE, require_dot, require_matplotlib  # noqa: E402

import viz  # noqa: E402
from autograd import numerical_grad  # noqa: E402


@pytest.fixture
def plotting():
    require_matplotlib()


@pytest.fixture
def drawn(monkeypatch) -> list:
    """What the examples hand to viz's curves and histograms, as [(args, kwargs)]; the pictures are still drawn."""
    calls = []

    def recording(plot):
        def record(*args, **kwargs):
            calls.append((args, kwargs))
            return plot(*args, **kwargs)
        return record

    for name in ("plot_curves", "plot_histograms"):
        monkeypatch.setattr(viz, name, recording(getattr(viz, name)))
    return calls


def _args(out, *more) -> list:
    return ["--out", str(out), *more]


def test_optimizers_sgd_learns_slowest(tmp_path, plotting):
    figures = ch6_optimizers.main(_args(tmp_path, "--iters", "200", "--train-size", "2000"))
    final = figures["final_loss"]
    assert all(len(loss) == 200 for loss in figures["losses"].values())
    for name in ("Momentum", "AdaGrad", "Adam"):  # the book's figure 6-9: all three well below SGD
        assert final[name] < 0.5 * final["SGD"], final
    assert final["SGD"] < figures["losses"]["SGD"][:20].mean()  # SGD does learn, slowly
    assert (tmp_path / "optimizers.png").read_bytes()[:8] == PNG_SIGNATURE


def test_weight_init_histograms_as_the_book_and_the_variance_argument_says(tmp_path, plotting, drawn):
    figures = ch6_weight_init.main(["--out", str(tmp_path)])
    sigmoid, relu = figures["sigmoid"], figures["relu"]
    assert min(sigmoid["std 1"]["saturated"]) > 0.4  # piled up at 0 and 1 in every layer
    assert max(sigmoid["std 0.01"]["std"]) < 0.03  # all near 0.5: the units say the same
    assert max(sigmoid["Xavier"]["saturated"]) < 0.01 and min(sigmoid["Xavier"]["std"]) > 0.05
    # Each ReLU layer scales the root mean square by std * sqrt(fan_in / 2) (half the units are cut to 0).
    for name, std in (("std 0.01", 0.01), ("Xavier", 0.1), ("He", np.sqrt(2 / 100))):
        rms = np.array(relu[name]["rms"])
        expected = std * np.sqrt(100 / 2)
        np.testing.assert_allclose(rms[1:] / rms[:-1], expected, rtol=0.2, err_msg=name)
    for picture in ("weight_init_sigmoid.png", "weight_init_relu.png"):
        assert (tmp_path / picture).read_bytes()[:8] == PNG_SIGNATURE
    # On shared axes the ReLUs' zeros (half the units) would dwarf every other bar: the picture shows the rest.
    (_, sigmoid_options), ((relu_rows, _), relu_options) = drawn
    assert list(relu_rows) == ["std 0.01", "Xavier", "He"] and relu_options["value_range"] == (0.0, 3.0)
    assert all(layer.size > 0 and (layer > 0).all() for layers in relu_rows.values() for layer in layers)
    assert sigmoid_options["value_range"] == (0.0, 1.0)


def test_batch_norm_trains_what_small_weights_cannot(tmp_path, plotting, drawn):
    figures = ch6_batch_norm.main(_args(tmp_path, "--scales", "0.01", "--epochs", "10"))
    accuracy = figures["train_accuracy"]
    assert len(accuracy["std 0.01, batch norm"]) == 10
    assert accuracy["std 0.01, batch norm"][-1] > 0.9
    assert accuracy["std 0.01, no batch norm"][-1] < 0.2  # stuck near chance, 10%
    assert [kwargs.get("paired") for _, kwargs in drawn] == [True]  # with and without in one colour


def test_weight_decay_and_dropout_against_overfitting(tmp_path, plotting, drawn):
    figures = ch6_regularization.main(_args(tmp_path, "--epochs", "100"))
    plain, decay, dropout = figures["plain"], figures["weight decay"], figures["dropout"]
    assert plain["train_accuracy"] > 0.97 and plain["gap"] > 0.15  # 300 images learnt by heart: overfitting
    assert decay["gap"] < plain["gap"] - 0.03 and decay["train_accuracy"] < plain["train_accuracy"]
    assert dropout["gap"] < plain["gap"] and dropout["train_accuracy"] < plain["train_accuracy"]
    assert [kwargs.get("paired") for _, kwargs in drawn] == [True]  # each net's training and test in one colour


def test_random_search_finds_the_learning_rate_matters(tmp_path, plotting):
    figures = ch6_hyperparameters.main(_args(tmp_path, "--trials", "8", "--epochs", "50"))
    trials = figures["trials"]
    lrs = np.array([trial["lr"] for trial in trials])
    decays = np.array([trial["weight_decay"] for trial in trials])
    assert np.all((1e-6 <= lrs) & (lrs <= 1e-2)) and np.all((1e-8 <= decays) & (decays <= 1e-4))
    accuracies = [trial["validation_accuracy"] for trial in trials]
    assert accuracies == sorted(accuracies, reverse=True)
    assert trials[0]["lr"] > 1e-3 and accuracies[0] > 0.2  # the book: good rates lie between 0.001 and 0.01
    rank_correlation = np.corrcoef(np.argsort(np.argsort(lrs)), np.argsort(np.argsort(accuracies)))[0, 1]
    assert rank_correlation > 0.6


def test_simple_convnet_learns_and_its_filters_become_smooth(tmp_path, plotting):
    figures = ch7_simple_convnet.main(_args(tmp_path, "--train-size", "3000", "--epochs", "3",
                                            "--dtype", "float32"))
    assert figures["test_accuracy"] > 0.85
    correlation = figures["neighbour_correlation"]
    assert abs(correlation["before"]) < 0.15 and correlation["after"] > 0.3
    for picture in ("filters_before.png", "filters_after.png"):
        assert (tmp_path / picture).read_bytes()[:8] == PNG_SIGNATURE


def test_neighbour_correlation_of_known_filters():
    smooth = np.add.outer(np.arange(5.0), np.arange(5.0))[None, None]  # a ramp: neighbours nearly equal
    checkerboard = (-1.0) ** np.add.outer(np.arange(5), np.arange(5))[None, None]
    assert ch7_simple_convnet.neighbour_correlation(smooth) > 0.7
    assert ch7_simple_convnet.neighbour_correlation(checkerboard) == pytest.approx(-1.0, abs=0.01)


@pytest.mark.slow
def test_simple_convnet_reaches_98_percent_in_the_books_20_epochs_on_the_8000_2000_split(tmp_path,
                                                                                          plotting):
    # The book's recipe and its train_convnet.py's 20 epochs (std 0.01, Adam 0.001, batches of 100 drawn with
    # replacement); the book reports 98.2% on its own split. Here seed 0 peaks at 98.25% (epoch 19) and ends at
    # 97.90%; seeds 1 and 2 end at 98.30% and 97.90%, peaking at 98.45% and 98.15%: the final accuracy of the
    # book's recipe wobbles by a few images out of 2,000 around 98%, so the final one is held to 97.5%.
    figures = ch7_simple_convnet.main(_args(tmp_path))
    print(f"SimpleConvNet: test accuracy {figures['test_accuracy']:.4f} in {figures['seconds']:.0f} s")
    assert len(figures["test_accuracy_by_epoch"]) == 20
    assert max(figures["test_accuracy_by_epoch"]) >= 0.98
    assert figures["test_accuracy"] >= 0.975


def test_deep_convnet_has_the_books_shapes_and_learns():
    figures = ch8_deep_convnet.main(["--train-size", "500", "--epochs", "1"])
    convolutions = [(1, 16), (16, 16), (16, 32), (32, 32), (32, 64), (64, 64)]
    expected = sum(c_in * c_out * 9 + c_out for c_in, c_out in convolutions) + (1024 * 50 + 50) + (50 * 10 + 10)
    assert figures["parameters"] == expected
    losses = figures["loss"]
    assert len(losses) == 5 and np.all(np.isfinite(losses))
    assert losses[-1] < losses[0]


def test_cnn_graph_loss_and_gradients_agree_with_independent_numbers(tmp_path):
    require_dot()
    figures = cnn_graph.main(tmp_path)
    leaves = cnn_graph.small_cnn_leaves()
    image, W1, b1, W2, b2 = (leaves[name].data for name in ("x", "W1", "b1", "W2", "b2"))
    # The same net with loops over every output pixel, in NumPy, as the book's formula reads.
    conv = np.array([[[np.sum(image[0, :, i:i + 3, j:j + 3] * W1[f]) + b1[f] for j in range(4)] for i in range(4)]
                     for f in range(2)])
    pooled = np.maximum(conv, 0).reshape(2, 2, 2, 2, 2).max(axis=(2, 4))
    scores = pooled.reshape(-1) @ W2 + b2
    expected = -(scores[1] - np.log(np.exp(scores).sum()))
    assert figures["loss"] == pytest.approx(expected, rel=1e-12)
    for name in ("W1", "x"):
        numerical = numerical_grad(lambda _: cnn_graph.small_cnn_loss(leaves), leaves[name])
        np.testing.assert_allclose(figures["gradients"][name], numerical, atol=1e-7)
    svg = html.unescape((tmp_path / "cnn_graph.svg").read_text())  # dot writes "-" as &#45;
    for op in ("im2col", "affine", "ReLU", "max_pool2d", "softmax-CE"):
        assert op in svg
    assert (tmp_path / "cnn_graph.png").read_bytes()[:8] == PNG_SIGNATURE
