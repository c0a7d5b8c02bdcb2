"""viz's matplotlib plots: files are written headless, derivatives come from autograd, and
matplotlib stays optional."""
import sys

import numpy as np
import pytest
from viz_support import PNG_SIGNATURE, require_matplotlib

import viz
from autograd import ShapeError, Tensor, Value


@pytest.fixture
def plotting():
    """For the tests that draw: matplotlib must be installed."""
    require_matplotlib()


def _is_png(path) -> bool:
    return path.read_bytes()[:8] == PNG_SIGNATURE


class _History:
    """Stands in for nn's (or Keras') History: the per-epoch lists live in `.history`."""

    def __init__(self, history):
        self.history = history


def test_plot_history_from_a_dict_or_an_object_with_history(plotting, tmp_path):
    lists = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.7, 0.5], "accuracy": [0.5, 0.7, 0.8],
             "val_accuracy": [0.45, 0.65, 0.75]}
    figure = viz.plot_history(lists, tmp_path / "history.png")
    assert _is_png(tmp_path / "history.png")
    assert [axes.get_title() for axes in figure.axes] == ["loss", "accuracy"]
    assert [len(axes.lines) for axes in figure.axes] == [2, 2]  # training and validation
    only_loss = viz.plot_history(_History({"loss": [3.0, 2.0]}))
    assert [axes.get_title() for axes in only_loss.axes] == ["loss"]
    np.testing.assert_array_equal(only_loss.axes[0].lines[0].get_ydata(), [3.0, 2.0])


def test_plot_history_says_which_keys_it_needs(plotting):
    with pytest.raises(ValueError, match="'loss' or 'accuracy'.*lr"):
        viz.plot_history({"lr": [0.1, 0.1]})


def test_derivatives_come_from_backprop_on_tensors_and_on_values():
    xs = np.linspace(-3, 3, 13)
    ys, slopes = viz.function_and_derivative(lambda x: x.tanh(), xs)
    np.testing.assert_allclose(ys, np.tanh(xs))
    np.testing.assert_allclose(slopes, 1 - np.tanh(xs) ** 2, atol=1e-12)
    # Value.weighted_sum exists only for Value, so this one is called point by point: w*x with w = x is x².
    ys, slopes = viz.function_and_derivative(lambda v: Value.weighted_sum([v], [v]), xs)
    np.testing.assert_allclose(ys, xs ** 2)
    np.testing.assert_allclose(slopes, 2 * xs)


def test_plot_functions_draws_each_function_and_its_derivative(plotting, tmp_path):
    figure = viz.plot_functions({"sigmoid": lambda x: x.sigmoid(), "ReLU": lambda x: x.relu()},
                                tmp_path / "functions.png", x_range=(-4, 4), points=81)
    assert _is_png(tmp_path / "functions.png")
    sigmoid_axes = figure.axes[0]
    x, slope = sigmoid_axes.lines[-1].get_data()
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(slope, s * (1 - s), atol=1e-12)  # the notes' y (1 - y)
    assert max(slope) == pytest.approx(0.25)
    without = viz.plot_functions([("ReLU", lambda x: x.relu())], derivatives=False)
    assert len([line for line in without.axes[0].lines if line.get_linestyle() == "--"]) == 0


def test_plot_functions_refuses_non_elementwise_functions(plotting):
    with pytest.raises(ValueError, match="elementwise"):
        viz.plot_functions({"sum": lambda x: x.sum()})


def test_gradient_descent_reproduces_the_notes():
    def f(x):
        return x[0] ** 2 + x[1] ** 2

    end = viz.gradient_descent_path(f, start=(-3.0, 4.0), lr=0.1, steps=100)[-1]
    np.testing.assert_allclose(end, [-6.1e-10, 8.1e-10], rtol=0.01)  # the notes: about (-6.1e-10, 8.1e-10)
    barely = viz.gradient_descent_path(f, start=(-3.0, 4.0), lr=1e-10, steps=100)[-1]
    np.testing.assert_allclose(barely, [-2.99999994, 3.99999992], atol=1e-8)
    path = viz.gradient_descent_path(f, start=(-3.0, 4.0), lr=0.1, steps=3)
    np.testing.assert_allclose(path, [[-3, 4], [-2.4, 3.2], [-1.92, 2.56], [-1.536, 2.048]])  # x <- 0.8 x


def test_plot_descent_draws_the_path_over_contours(plotting, tmp_path):
    figure = viz.plot_descent(lambda x: x[0] ** 2 + x[1] ** 2, tmp_path / "descent.png", steps=10)
    assert _is_png(tmp_path / "descent.png")
    path_line = [line for line in figure.axes[0].lines if len(line.get_xdata()) == 11]
    assert len(path_line) == 1
    np.testing.assert_allclose(path_line[0].get_xydata()[0], [-3, 4])


def test_plot_decision_boundary_with_each_kind_of_model(plotting, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(40, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    viz.plot_decision_boundary(lambda batch: batch @ Tensor(np.array([1.0, 1.0])), X, y, tmp_path / "tensor.png")
    viz.plot_decision_boundary(lambda grid: grid[:, 0] + grid[:, 1], X, y, tmp_path / "array.png",
                               model_input="array", threshold=0.0)
    viz.plot_decision_boundary(lambda point: (point[0] + point[1]).tanh(), X, 2 * y - 1, tmp_path / "values.png",
                               model_input="values", resolution=12)

    def two_scores(grid):
        return np.stack([-(grid[:, 0] + grid[:, 1]), grid[:, 0] + grid[:, 1]], axis=1)

    viz.plot_decision_boundary(two_scores, X, np.eye(2)[y], tmp_path / "argmax.png", model_input="array")
    for name in ("tensor", "array", "values", "argmax"):
        assert _is_png(tmp_path / f"{name}.png"), name


def test_plot_decision_boundary_refuses_bad_input():
    X, y = np.zeros((5, 3)), np.zeros(5)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        viz.plot_decision_boundary(lambda g: g, X, y)
    with pytest.raises(ValueError, match="model_input"):
        viz.plot_decision_boundary(lambda g: g, np.zeros((5, 2)), y, model_input="numpy")


def test_without_matplotlib_plots_name_the_extra_and_graphs_still_work(monkeypatch):
    for module in [name for name in sys.modules if name == "matplotlib" or name.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(viz.MissingExtraError, match=r"scratchgrad\[plot\]") as caught:
        viz.plot_history({"loss": [1.0]})
    assert isinstance(caught.value, ImportError)
    price = Value(2.0, name="apple") * 1.1
    assert "apple" in viz.to_dot(price)


def test_a_plot_shows_itself_in_jupyter_without_matplotlib_inline(plotting):
    """IPython shows a cell's last value by its _repr_png_; a plain Figure only has one after %matplotlib inline."""
    figure = viz.plot_history({"loss": [1.0, 0.5, 0.25]})
    assert figure._repr_png_()[:8] == PNG_SIGNATURE


def test_plot_curves_draws_each_curve_and_its_running_mean(plotting, tmp_path):
    losses = {"SGD": [4.0, 2.0, 3.0, 1.0], "Adam": [1.0, 1.0, 1.0, 1.0]}
    figure = viz.plot_curves(losses, tmp_path / "curves.png", smooth=2, title="loss")
    assert _is_png(tmp_path / "curves.png")
    sgd, adam = figure.axes[0].lines
    np.testing.assert_array_equal(sgd.get_ydata(), [3.0, 2.5, 2.0])  # means of neighbouring pairs
    np.testing.assert_array_equal(sgd.get_xdata(), [2, 3, 4])  # each mean drawn at the last step it covers
    assert [text.get_text() for text in figure.axes[0].get_legend().get_texts()] == ["SGD", "Adam"]
    with pytest.raises(ValueError, match="one number per step"):
        viz.plot_curves({"bad": [[1.0, 2.0]]})
    with pytest.raises(ValueError, match="at least one curve"):
        viz.plot_curves({})


def test_plot_histograms_one_row_per_label_one_panel_per_array(plotting, tmp_path):
    rows = {"std 1": [np.zeros(10), np.ones(10)], "He": [np.full(10, 0.5)]}
    figure = viz.plot_histograms(rows, tmp_path / "histograms.png", bins=4, value_range=(0, 1))
    assert _is_png(tmp_path / "histograms.png")
    shown = [axes for axes in figure.axes if axes.get_visible()]
    assert [axes.get_title() for axes in shown] == ["std 1: 1", "std 1: 2", "He: 1"]
    heights = [[patch.get_height() for patch in axes.patches] for axes in shown]
    assert heights == [[10, 0, 0, 0], [0, 0, 0, 10], [0, 0, 10, 0]]  # all ten values in the bin that holds them


def test_plot_filters_draws_the_first_channel_of_each_filter(plotting, tmp_path):
    weights = np.arange(3 * 2 * 2 * 2, dtype=float).reshape(3, 2, 2, 2)
    figure = viz.plot_filters(Tensor(weights), tmp_path / "filters.png", columns=2, title="before")
    assert _is_png(tmp_path / "filters.png")
    pictures = [axes.images[0].get_array() for axes in figure.axes if axes.images]
    assert len(pictures) == 3 and len(figure.axes) == 4  # 2 columns x 2 rows, one cell empty
    for picture, kernel in zip(pictures, weights[:, 0]):
        np.testing.assert_array_equal(picture, kernel)
    with pytest.raises(ShapeError, match=r"\(out_channels, in_channels, kh, kw\)"):
        viz.plot_filters(np.zeros((3, 5, 5)))


def test_plot_curves_paired_draws_each_pair_in_one_colour_solid_then_dashed(plotting):
    curves = {"plain, training": [0.5, 0.9], "plain, test": [0.4, 0.6], "dropout, training": [0.5, 0.7],
              "dropout, test": [0.4, 0.65]}
    lines = viz.plot_curves(curves, paired=True).axes[0].lines
    assert [line.get_color() for line in lines] == ["C0", "C0", "C1", "C1"]
    assert [line.get_linestyle() for line in lines] == ["-", "--", "-", "--"]
    unpaired = viz.plot_curves(curves).axes[0].lines
    assert len({line.get_color() for line in unpaired}) == 4


def test_plot_histograms_share_their_bins_and_axes_so_rows_compare(plotting):
    rows = {"wide": [np.array([0.0, 1.0, 2.0, 3.0])], "narrow": [np.array([1.0, 1.0, 1.0, 1.0])]}
    wide, narrow = viz.plot_histograms(rows, bins=3).axes
    assert wide.get_xlim() == narrow.get_xlim() and wide.get_ylim() == narrow.get_ylim()
    # One span for all (0 to 3, not each array's own): the narrow row's four ones fill the middle bin.
    assert [patch.get_height() for patch in narrow.patches] == [0, 4, 0]
    assert [patch.get_x() for patch in narrow.patches] == [patch.get_x() for patch in wide.patches]


def test_plot_paths_draws_each_path_over_the_same_contours(plotting, tmp_path):
    paths = {"SGD": [[-7.0, 2.0], [-6.0, -1.0], [-5.0, 0.5]], "Adam": [[-7.0, 2.0], [-6.5, 1.0]]}
    figure = viz.plot_paths(lambda x, y: x ** 2 / 20 + y ** 2, paths, tmp_path / "paths.png", minimum=(0, 0))
    assert _is_png(tmp_path / "paths.png")
    assert [axes.get_title() for axes in figure.axes] == ["SGD", "Adam"]
    sgd_path = figure.axes[0].lines[0]
    np.testing.assert_array_equal(sgd_path.get_xdata(), [-7.0, -6.0, -5.0])
    assert figure.axes[0].get_xlim() == figure.axes[1].get_xlim()
    left, right = figure.axes[0].get_xlim()
    assert left < -7.0 and right > 0.0  # the view holds every path and the minimum
    with pytest.raises(ShapeError, match=r"\(steps, 2\)"):
        viz.plot_paths(lambda x, y: x + y, {"bad": [1.0, 2.0, 3.0]})
    with pytest.raises(ShapeError, match="must return that shape"):
        viz.plot_paths(lambda x, y: 1.0, paths)


def test_plot_images_draws_each_image_with_its_label(plotting, tmp_path):
    images = np.arange(3 * 1 * 2 * 2, dtype=float).reshape(3, 1, 2, 2)  # (N, 1, H, W) as convolutions take them
    figure = viz.plot_images(images, tmp_path / "images.png", labels=["7 as 1", "2 as 3", "4 as 9"], columns=2)
    assert _is_png(tmp_path / "images.png")
    drawn = [axes for axes in figure.axes if axes.images]
    assert [axes.get_title() for axes in drawn] == ["7 as 1", "2 as 3", "4 as 9"]
    np.testing.assert_array_equal(drawn[2].images[0].get_array(), images[2, 0])
    with pytest.raises(ValueError, match="3 images, 2 labels"):
        viz.plot_images(images, labels=["a", "b"])
    with pytest.raises(ShapeError, match=r"\(N, H, W\)"):
        viz.plot_images(np.zeros((2, 3, 4, 4)))


def test_plot_im2col_shades_each_window_and_writes_the_matrix_im2col_makes(plotting, tmp_path):
    image = np.arange(1, 17, dtype=float).reshape(4, 4)
    figure = viz.plot_im2col(image, 3, tmp_path / "im2col.png")
    assert _is_png(tmp_path / "im2col.png")
    *windows, matrix = figure.axes
    assert [axes.get_title() for axes in windows] == ["window 1", "window 2", "window 3", "window 4"]
    # The last window covers rows and columns 1 to 3: 6 7 8, 10 11 12, 14 15 16, the matrix's last row.
    written = np.array([float(text.get_text()) for text in matrix.texts]).reshape(4, 9)
    np.testing.assert_array_equal(written[3], [6, 7, 8, 10, 11, 12, 14, 15, 16])
    shaded = [float(text.get_text()) for patch, text in zip(windows[3].patches, windows[3].texts)
              if patch.get_facecolor() != (1.0, 1.0, 1.0, 1.0)]
    assert shaded == [6, 7, 8, 10, 11, 12, 14, 15, 16]
    with pytest.raises(ShapeError, match=r"\(H, W\)"):
        viz.plot_im2col(np.zeros((1, 4, 4)), 3)
