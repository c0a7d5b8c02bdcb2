"""The network examples print the book's numbers: each example's `main()` figures against the book
(tests/reference_numbers.md) or an independent NumPy computation of the same recipe."""
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))

import gradient_descent  # noqa: E402
import logic_gates  # noqa: E402
import losses  # noqa: E402
import moons_value  # noqa: E402
import softmax  # noqa: E402
import three_layer_forward  # noqa: E402
import train_small  # noqa: E402
import xor_backprop  # noqa: E402


def test_logic_gates_example(capsys):
    figures = logic_gates.main([])
    assert figures["AND"] == [0, 0, 0, 1] and figures["NAND"] == [1, 1, 1, 0]
    assert figures["OR"] == [0, 1, 1, 1] and figures["XOR"] == [0, 1, 1, 0]
    assert figures["xor_sigmoid_hidden"] == [[0, 1], [0, 0], [0, 0], [1, 0]]
    assert np.round(figures["xor_sigmoid_output"]).tolist() == [0, 1, 1, 0]
    assert figures["xor_trained_step"] == [0, 1, 1, 0]
    assert "XOR: [0, 1, 1, 0]" in capsys.readouterr().out


def test_three_layer_forward_example():
    figures = three_layer_forward.main([])
    assert figures["matmul_2x2"] == [[19, 22], [43, 50]] and figures["matmul_vector"] == [5, 11, 17]
    np.testing.assert_allclose(figures["A1"], [0.3, 0.7, 1.1])
    np.testing.assert_allclose(figures["Z1"], [0.57444252, 0.66818777, 0.75026011], atol=5e-9)
    np.testing.assert_allclose(figures["Z2"], [0.62624937, 0.7710107], atol=5e-9)
    np.testing.assert_allclose(figures["Y"], [0.31682708, 0.69627909], atol=5e-9)
    np.testing.assert_allclose(figures["X_hidden"], [1.16, 0.42, 0.62])
    np.testing.assert_allclose(np.round(figures["O_hidden"], 3), [0.761, 0.603, 0.650])
    np.testing.assert_allclose(np.round(figures["X_output_from_rounded"], 3), [0.975, 0.888, 1.254])
    np.testing.assert_allclose(figures["X_output"], [0.975, 0.888, 1.254], atol=2e-3)


def test_softmax_example():
    figures = softmax.main([])
    np.testing.assert_allclose(figures["softmax"], [0.01821127, 0.24519181, 0.73659691], atol=5e-9)
    assert figures["softmax_sum"] == pytest.approx(1.0)
    assert all(np.isnan(figures["naive_large"]))
    np.testing.assert_allclose(figures["stable_large"], [9.99954600e-01, 4.53978686e-05, 2.06106005e-09], rtol=1e-8)


def test_losses_example():
    figures = losses.main([])
    assert figures["sse_right"] == pytest.approx(0.0975) and figures["sse_wrong"] == pytest.approx(0.5975)
    assert figures["cee_right"] == pytest.approx(0.510825, abs=5e-7)
    assert figures["cee_wrong"] == pytest.approx(2.302584, abs=5e-7)


def test_gradient_descent_example():
    figures = gradient_descent.main([])
    assert figures["derivative_at_5"] == pytest.approx(0.2, abs=1e-10)
    assert figures["derivative_at_10"] == pytest.approx(0.3, abs=1e-10)
    for point, expected in (((3.0, 4.0), [6, 8]), ((0.0, 2.0), [0, 4]), ((3.0, 0.0), [6, 0])):
        np.testing.assert_allclose(figures[f"gradient_at_{point}"], expected, atol=1e-6)
        np.testing.assert_allclose(figures[f"backprop_at_{point}"], expected)
    np.testing.assert_allclose(figures["descent_lr_0.1"], [-6.1e-10, 8.1e-10], rtol=0.01)
    np.testing.assert_allclose(figures["descent_lr_10"], [-2.58983747e13, -1.29524862e12], rtol=1e-6)
    np.testing.assert_allclose(figures["descent_lr_1e-10"], [-2.99999994, 3.99999992], atol=1e-8)


def study_notes_xor_in_numpy(W1, W2, epochs=20000, lr=0.1):
    """The study notes' own XOR loop (hand-derived deltas), from the same starting weights."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    t = np.array([[0], [1], [1], [0]], dtype=float)
    W1, W2 = W1.copy(), W2.copy()
    for _ in range(epochs):
        h = 1 / (1 + np.exp(-X @ W1))
        y = 1 / (1 + np.exp(-h @ W2))
        delta2 = (t - y) * y * (1 - y)
        delta1 = (delta2 @ W2.T) * h * (1 - h)
        W2 += lr * h.T @ delta2
        W1 += lr * X.T @ delta1
    return y[:, 0]


def test_xor_backprop_example_matches_the_study_notes_recipe(tmp_path):
    start = xor_backprop.build_network(seed=0)
    expected = study_notes_xor_in_numpy(start[0].W.data, start[1].W.data)
    figures = xor_backprop.main(["--seed", "0", "--out", str(tmp_path)])
    np.testing.assert_allclose(figures["outputs"], expected, rtol=1e-9)
    np.testing.assert_allclose(figures["outputs"], [0.076, 0.951, 0.951, 0.027], atol=0.01)
    errors = figures["errors"]
    assert len(errors) == 20000 and errors[-1] < 0.01 < errors[0]
    curve = np.loadtxt(tmp_path / "xor_error_curve.csv", delimiter=",", skiprows=1)
    assert curve.shape == (20000, 2) and np.allclose(curve[:, 1], errors, rtol=1e-9)


def test_moons_value_example_reaches_full_training_accuracy(capsys):
    figures = moons_value.main([])
    assert figures["num_parameters"] == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1 == 337
    assert figures["accuracy"] == 1.0
    losses_seen = [loss for loss, _ in figures["history"]]
    assert losses_seen[-1] < 0.1 * losses_seen[0]
    assert "training accuracy 100%" in capsys.readouterr().out


def test_train_small_example():
    figures = train_small.main(["--quiet"])
    assert figures["accuracy"] > 0.97 and figures["val_accuracy"] > 0.97
    assert figures["history"].history["loss"][-1] < figures["history"].history["loss"][0]


def test_one_epoch_reads_as_one_epoch(capsys, tmp_path):
    train_small.main(["--quiet", "--epochs", "1"])
    assert "1 epoch:" in capsys.readouterr().out
    xor_backprop.main(["--seed", "0", "--epochs", "1", "--out", str(tmp_path)])
    assert "after 1 epoch\n" in capsys.readouterr().out
