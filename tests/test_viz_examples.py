"""The picture examples run end to end into a temporary folder and print the notes' numbers."""
import sys
from pathlib import Path

import pytest
from viz_support import PNG_SIGNATURE, require_dot, require_matplotlib, svg_edges

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

import apple_orange  # noqa: E402
import apple_shopping  # noqa: E402
import neuron_graph  # noqa: E402
import plot_descent  # noqa: E402


def test_apple_orange_example_writes_the_pictures_and_the_step_through(tmp_path, capsys):
    require_dot()
    apple_orange.main(tmp_path)
    printed = capsys.readouterr().out
    for line in ("price = 715", "apple      = 2.2", "apple_num  = 110", "orange     = 3.3",
                 "orange_num = 165", "tax        = 650"):
        assert line in printed
    for stem in ("apple_orange", "apple_orange_local", "apple_orange_record"):
        assert (tmp_path / f"{stem}.png").read_bytes()[:8] == PNG_SIGNATURE
        assert (tmp_path / f"{stem}.svg").is_file()
    assert len(list((tmp_path / "apple_orange_steps").glob("step_*.svg"))) == 9
    assert str(tmp_path / "apple_orange_steps" / "index.html") in printed


def test_apple_shopping_example_keeps_its_numbers_and_draws_them(tmp_path, capsys):
    require_dot()
    nodes = apple_shopping.apple_shopping()
    assert nodes["price"].data == pytest.approx(220)
    apple_shopping.main(tmp_path)
    assert "d price / d tax         = 200" in capsys.readouterr().out
    edges = svg_edges((tmp_path / "apple_shopping.svg").read_text(encoding="utf-8"))
    from_apple_total = [e for e in edges if e.names == ["apple total"]]
    assert [(e.black, e.red) for e in from_apple_total] == [(["200"], ["1.1"])]  # the notes: 200 forward, 1.1 back


def test_neuron_example_in_both_styles(tmp_path, capsys):
    require_dot()
    neuron_graph.main(tmp_path)
    printed = capsys.readouterr().out
    # o = tanh(n) = 1/sqrt(2), do/dn = 1 - o^2 = 1/2: do/dx1 = w1/2 = -1.5, do/dw1 = x1/2 = 1, do/dx2 = w2/2 = 0.5.
    for line in ("o = tanh(n) = 0.7071", "d o / d x1 = -1.5", "d o / d w1 = 1", "d o / d x2 = 0.5",
                 "d o / d w2 = 0"):
        assert line in printed
    for style in ("book", "record"):
        assert (tmp_path / f"neuron_{style}.png").read_bytes()[:8] == PNG_SIGNATURE


def test_descent_example_prints_the_notes_end_points(tmp_path, capsys):
    require_matplotlib()
    plot_descent.main(tmp_path)
    printed = capsys.readouterr().out
    # Each step multiplies x by 1 - 2 lr, so 100 steps give 0.8^100 (-3, 4): the notes' about (-6.1e-10, 8.1e-10).
    assert f"({-3 * 0.8 ** 100:.9g}, {4 * 0.8 ** 100:.9g})" in printed
    assert "(-2.99999994, 3.99999992)" in printed  # the notes' learning rate 1e-10
    assert (tmp_path / "descent.png").read_bytes()[:8] == PNG_SIGNATURE


def test_activation_example_plots_the_notes_functions(tmp_path):
    require_matplotlib()
    import plot_activations

    plot_activations.main(tmp_path)
    assert (tmp_path / "activations.png").read_bytes()[:8] == PNG_SIGNATURE
