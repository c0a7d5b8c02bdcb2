"""Plots of training and of the notes' figures, with matplotlib (the `plot` extra).

matplotlib is imported only when a plot is asked for, so `viz.draw_graph` works
without it. Figures are made with `matplotlib.figure.Figure` directly, not with
pyplot: no window and no global state, so they work headless (Agg) and in
servers, and in Jupyter the returned Figure displays inline.
Every function returns the Figure and saves it when given a path.
"""
from __future__ import annotations

import io
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from autograd import ShapeError, Tensor, Value, no_grad

from .errors import MissingExtraError
from .labels import visible

MODEL_INPUTS = ("tensor", "array", "values")
PNG_DPI = 120


def _new_figure(**figure_options):
    """A fresh matplotlib Figure that shows itself in Jupyter; the import happens here so that viz works
    without matplotlib."""
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise MissingExtraError(
            "viz's plots need matplotlib, which is not installed: pip install 'scratchgrad[plot]' "
            "(or pip install matplotlib)"
        ) from err

    class NotebookFigure(Figure):
        """A Figure that Jupyter shows as a picture without `%matplotlib inline` (which a plain Figure needs)."""

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=PNG_DPI)
            return buffer.getvalue()

    return NotebookFigure(layout="constrained", **figure_options)


def _save(figure, path) -> None:
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=PNG_DPI)


# ---- training history -------------------------------------------------------------
def plot_history(history, path=None):
    """Loss and accuracy per epoch, training and validation, side by side.

    `history` is a dict of per-epoch lists with the keys loss, accuracy, val_loss,
    val_accuracy (any of them; at least loss or accuracy), or an object keeping
    such a dict in `.history` (nn's History, Keras' History).
    """
    series = getattr(history, "history", history)
    if not isinstance(series, Mapping):
        raise TypeError(f"plot_history needs a dict of per-epoch lists or an object with a .history dict; "
                        f"got {type(history).__name__}")
    panels = [(metric, [key for key in (metric, f"val_{metric}") if key in series])
              for metric in ("loss", "accuracy")]
    panels = [(metric, keys) for metric, keys in panels if keys]
    if not panels:
        raise ValueError(f"plot_history needs 'loss' or 'accuracy' (optionally val_loss, val_accuracy); "
                         f"the history has {sorted(series)}")
    figure = _new_figure(figsize=(5.2 * len(panels), 3.8))
    for axes, (metric, keys) in zip(figure.subplots(1, len(panels), squeeze=False)[0], panels):
        for key in keys:
            values = np.asarray(series[key], dtype=float)
            if values.ndim != 1:
                raise ValueError(f"history[{key!r}] must be one number per epoch; got shape {values.shape}")
            epochs = np.arange(1, len(values) + 1)
            axes.plot(epochs, values, marker="o" if len(values) <= 30 else None, markersize=4,
                      label="validation" if key.startswith("val_") else "training")
        axes.set(title=metric, xlabel="epoch", ylabel=metric)
        axes.xaxis.get_major_locator().set_params(integer=True)  # epochs are whole numbers
        axes.grid(alpha=0.3)
        axes.legend()
    _save(figure, path)
    return figure


# ---- functions and their derivatives ------------------------------------------------
def plot_functions(functions, path=None, *, derivatives: bool = True, x_range=(-5.0, 5.0), points: int = 401):
    """Each function on `x_range` in its own panel, with its derivative computed by autograd (dashed).

    `functions` is a dict {label: f}, or a list of functions or of (label, f)
    pairs. Each f is elementwise and works on a `Tensor` (called once on the
    whole grid) or on a `Value` (called once per point). The derivative is what
    `backward()` gives, not a hand-written formula: for a Tensor, d sum(f(x)) / dx
    is f'(x) at every point because each output depends on its own input only.
    """
    labelled = _labelled(functions)
    xs = np.linspace(*x_range, points)
    columns = min(3, len(labelled))
    rows = math.ceil(len(labelled) / columns)
    figure = _new_figure(figsize=(4.2 * columns, 3.2 * rows))
    all_axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for axes, (label, function) in zip(all_axes, labelled):
        ys, slopes = function_and_derivative(function, xs, label)
        shown = visible(label)  # a control character in a label would make the saved SVG invalid XML
        axes.axhline(0.0, color="0.75", linewidth=0.8)
        axes.axvline(0.0, color="0.75", linewidth=0.8)
        axes.plot(xs, ys, label=shown)
        if derivatives:
            axes.plot(xs, slopes, linestyle="--", label=f"{shown}′ (autograd)")
        axes.set(title=shown, xlabel="x")
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small")
    for unused in all_axes[len(labelled):]:
        unused.set_visible(False)
    _save(figure, path)
    return figure


def _labelled(functions) -> list:
    """[(label, f), ...] from a dict, a list of functions, or a list of (label, f) pairs."""
    items = list(functions.items()) if isinstance(functions, Mapping) else list(functions)
    if not items:
        raise ValueError("plot_functions needs at least one function")
    labelled = []
    for item in items:
        label, function = item if isinstance(item, tuple) else (getattr(item, "__name__", repr(item)), item)
        if not callable(function):
            raise TypeError(f"plot_functions: {label!r} is a {type(function).__name__}, not a function")
        labelled.append((str(label), function))
    return labelled


def function_and_derivative(function, xs: np.ndarray, label: str = "f") -> tuple[np.ndarray, np.ndarray]:
    """f(xs) and f'(xs) by backprop: one Tensor call on the whole grid, else one Value call per point."""
    try:
        x = Tensor(xs, requires_grad=True)
        y = function(x)
    except (TypeError, AttributeError) as tensor_error:  # a function written for Value only
        try:
            return _per_value(function, xs)
        except (TypeError, AttributeError) as value_error:
            raise TypeError(f"plot_functions: {label!r} works neither on a Tensor ({tensor_error}) "
                            f"nor on a Value ({value_error})") from value_error
    if not isinstance(y, Tensor) or y.shape != x.shape:
        raise ValueError(f"plot_functions plots elementwise functions; {label!r} turned a Tensor of shape "
                         f"{x.shape} into {type(y).__name__} of shape {np.shape(getattr(y, 'data', y))}")
    if not y.requires_grad:  # f does not depend on x through the graph (a constant): slope 0
        return y.data, np.zeros_like(xs)
    y.sum().backward()
    return y.data, x.grad


def _per_value(function, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ys, slopes = np.empty_like(xs), np.empty_like(xs)
    for i, point in enumerate(xs):
        x = Value(point)
        y = function(x)
        if not isinstance(y, Value):
            raise TypeError(f"a function of a Value must return a Value; got {type(y).__name__}")
        y.backward()
        ys[i], slopes[i] = y.data, x.grad
    return ys, slopes


# ---- gradient descent ------------------------------------------------------------------
def gradient_descent_path(f, start=(-3.0, 4.0), lr: float = 0.1, steps: int = 100) -> np.ndarray:
    """The points of gradient descent x <- x - lr * grad f(x) from `start`, one row per step (steps + 1 rows).

    `f` takes a Tensor `x` of shape (n,) (use x[0], x[1]) and returns a
    one-element Tensor; the gradient is what `backward()` gives.
    """
    x = np.array(start, dtype=float)
    if x.ndim != 1:
        raise ShapeError(f"start must be a point, a 1-D sequence of numbers; got shape {x.shape}")
    points = [x]
    for _ in range(steps):
        point = Tensor(x, requires_grad=True)
        value = f(point)
        if not isinstance(value, Tensor) or value.size != 1:
            raise ValueError(f"f must return a one-element Tensor; got {type(value).__name__} "
                             f"of shape {np.shape(getattr(value, 'data', value))}")
        value.backward()
        x = x - lr * (point.grad if point.grad is not None else 0.0)
        points.append(x)
    return np.array(points)


def plot_descent(f, path=None, *, start=(-3.0, 4.0), lr: float = 0.1, steps: int = 20, grid_points: int = 60):
    """The gradient-descent path of a two-variable f over its contour lines (the notes' x0² + x1² picture).

    `f` is as in `gradient_descent_path`: a Tensor of shape (2,) in, a one-element
    Tensor out. The view is centred on the last point and holds the whole path.
    """
    points = gradient_descent_path(f, start, lr, steps)
    if points.shape[1] != 2:
        raise ShapeError(f"plot_descent draws functions of two variables; start has {points.shape[1]}")
    # Centre the view on where descent ends (the minimum it found) so its contour lines show whole.
    center = points[-1]
    half_width = max(1.0, 1.15 * float(np.abs(points - center).max()))
    axis_0 = np.linspace(center[0] - half_width, center[0] + half_width, grid_points)
    axis_1 = np.linspace(center[1] - half_width, center[1] + half_width, grid_points)
    with no_grad():  # only the heights are needed for the contours
        heights = np.array([[f(Tensor(np.array([a, b]))).item() for a in axis_0] for b in axis_1])

    figure = _new_figure(figsize=(5.6, 5.2))
    axes = figure.subplots()
    contours = axes.contour(axis_0, axis_1, heights, levels=12, colors="0.55", linewidths=0.8)
    axes.clabel(contours, fontsize=7, fmt="%.3g")
    axes.axhline(0.0, color="0.6", linestyle="--", linewidth=0.8)
    axes.axvline(0.0, color="0.6", linestyle="--", linewidth=0.8)
    axes.plot(points[:, 0], points[:, 1], "o-", color="tab:red", markersize=4, linewidth=1)
    axes.annotate(f"start ({points[0, 0]:g}, {points[0, 1]:g})", points[0], textcoords="offset points",
                  xytext=(8, 6))
    axes.set(title=f"gradient descent, lr = {lr:g}, {steps} steps", xlabel="x0", ylabel="x1", aspect="equal")
    _save(figure, path)
    return figure


# ---- decision boundary --------------------------------------------------------------------
def plot_decision_boundary(model, X, y, path=None, *, model_input: str = "tensor", threshold=None,
                           resolution: int | None = None):
    """The regions a two-input classifier assigns to each class, with the data points on top (moons).

    How `model` is called, by `model_input`:

    - "tensor" (default): model(Tensor of shape (N, 2)) -> Tensor or array of
      scores, shape (N,), (N, 1) or (N, classes). For nn.Sequential and friends.
    - "array": model(ndarray of shape (N, 2)) -> scores or labels as above.
    - "values": model([Value, Value]) -> a Value (or a list of Values, one per
      class), called once per grid point. For scalar models such as nn.MLP.

    Several scores per point pick the class by argmax. One score per point is
    split at `threshold`, by default halfway between the two labels in `y`
    (0.5 for 0/1, 0 for -1/+1); scores at or above it get the larger label.
    `resolution` is the grid's points per side (default 200, or 60 for "values").
    """
    if model_input not in MODEL_INPUTS:
        raise ValueError(f"model_input must be one of {MODEL_INPUTS}; got {model_input!r}")
    X = np.asarray(X, dtype=float)
    labels = np.asarray(y)
    labels = labels.argmax(axis=1) if labels.ndim == 2 else labels  # one-hot targets
    if X.ndim != 2 or X.shape[1] != 2 or len(labels) != len(X):
        raise ShapeError(f"plot_decision_boundary needs X of shape (N, 2) and N labels; got X {X.shape} "
                         f"and y {np.shape(y)}")
    resolution = resolution or (60 if model_input == "values" else 200)
    margin = 0.1 * (X.max(axis=0) - X.min(axis=0)) + 0.1
    axis_0 = np.linspace(X[:, 0].min() - margin[0], X[:, 0].max() + margin[0], resolution)
    axis_1 = np.linspace(X[:, 1].min() - margin[1], X[:, 1].max() + margin[1], resolution)
    grid = np.stack(np.meshgrid(axis_0, axis_1), axis=-1).reshape(-1, 2)
    scores = _model_scores(model, grid, model_input)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if len(scores) != len(grid) or scores.ndim > 2:
        raise ShapeError(f"the model turned {len(grid)} points into scores of shape {scores.shape}; "
                         "expected one score (or one per class) per point")

    figure = _new_figure(figsize=(6.0, 4.8))
    axes = figure.subplots()
    classes = np.unique(labels)
    if scores.ndim == 2:
        regions = scores.argmax(axis=1).reshape(resolution, resolution)
        axes.contourf(axis_0, axis_1, regions, levels=np.arange(scores.shape[1] + 1) - 0.5, cmap="coolwarm",
                      alpha=0.35)
    else:
        if threshold is None:
            if len(classes) != 2:
                raise ValueError(f"one score per point needs two classes to split between, y has "
                                 f"{len(classes)}; pass threshold=")
            threshold = float(classes.astype(float).mean())
        surface = scores.reshape(resolution, resolution)
        axes.contourf(axis_0, axis_1, (surface >= threshold).astype(float), levels=[-0.5, 0.5, 1.5],
                      cmap="coolwarm", alpha=0.35)
        axes.contour(axis_0, axis_1, surface, levels=[threshold], colors="k", linewidths=1.2)
    axes.scatter(X[:, 0], X[:, 1], c=labels, cmap="coolwarm", edgecolors="k", linewidths=0.4, s=18)
    axes.set(title="decision boundary", xlabel="x0", ylabel="x1")
    _save(figure, path)
    return figure


def _model_scores(model, grid: np.ndarray, model_input: str) -> np.ndarray:
    """The model's output on every grid point as an array (see plot_decision_boundary's model_input)."""
    with no_grad():  # a picture needs no graph
        if model_input == "values":
            outputs = [model([Value(a), Value(b)]) for a, b in grid]
            return np.array([[float(v) for v in out] if isinstance(out, (list, tuple)) else float(out)
                             for out in outputs])
        out = model(Tensor(grid) if model_input == "tensor" else grid)
    return np.asarray(out.data if isinstance(out, Tensor) else out, dtype=float)


# ---- chapters 6 and 7: curves, histograms, filters ------------------------------------------
def plot_curves(curves, path=None, *, xlabel: str = "iteration", ylabel: str = "loss", title: str | None = None,
                smooth: int = 1, log_y: bool = False, paired: bool = False):
    """One line per entry of `curves` ({label: values}) on shared axes (the book's optimizer comparisons).

    `smooth` > 1 draws the running mean over that many points, so noisy mini-batch
    losses read as trends; the x axis counts from 1 (epochs, iterations).
    `paired` draws the curves two by two in one colour, the first solid, the second
    dashed: training and test, or with and without batch norm, read as a pair.
    """
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError("plot_curves needs a dict {label: values} with at least one curve")
    if smooth < 1:
        raise ValueError(f"smooth is a number of points to average, at least 1; got {smooth}")
    figure = _new_figure(figsize=(6.0, 4.0))
    axes = figure.subplots()
    for number, (label, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=float)
        if values.ndim != 1:
            raise ValueError(f"curve {label!r} must be one number per step; got shape {values.shape}")
        first = 1
        if smooth > 1 and len(values) >= smooth:
            values = np.convolve(values, np.ones(smooth) / smooth, mode="valid")
            first = smooth  # the running mean's first point averages steps 1 to smooth
        style = {"color": f"C{number // 2}", "linestyle": "--" if number % 2 else "-"} if paired else {}
        axes.plot(np.arange(first, first + len(values)), values, label=visible(label), **style)
    axes.set(xlabel=xlabel, ylabel=ylabel, title=title or "", yscale="log" if log_y else "linear")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    _save(figure, path)
    return figure


def plot_histograms(rows, path=None, *, bins: int = 30, value_range=None):
    """Histograms in a grid: one row per entry of `rows` ({label: [array per column]}), as the book draws
    each layer's activations under each weight initialisation.

    Every panel has the same bins and the same axes, so that one row's spread and
    heights compare with another's; `value_range` fixes the bins' span (default: from
    the smallest to the largest value of all the arrays).
    """
    if not isinstance(rows, Mapping) or not rows:
        raise ValueError("plot_histograms needs a dict {row label: [array, ...]} with at least one row")
    arrays_by_row = {label: [np.asarray(array, dtype=float).ravel() for array in arrays]
                     for label, arrays in rows.items()}
    if value_range is None:
        every_value = np.concatenate([array for arrays in arrays_by_row.values() for array in arrays])
        value_range = (float(every_value.min()), float(every_value.max()))
    columns = max(len(arrays) for arrays in arrays_by_row.values())
    figure = _new_figure(figsize=(1.9 * columns, 1.6 * len(rows)))  # five layers fit a page of docs
    grid = figure.subplots(len(rows), columns, squeeze=False, sharex=True, sharey=True)
    for axes_row, (label, arrays) in zip(grid, arrays_by_row.items()):
        for column, axes in enumerate(axes_row):
            if column >= len(arrays):
                axes.set_visible(False)
                continue
            axes.hist(arrays[column], bins=bins, range=value_range)
            axes.set_title(f"{visible(label)}: {column + 1}", fontsize="small")
            axes.tick_params(labelsize="x-small")
            axes.set_yticks([])  # counts depend on the sample size; the shape is the point
    _save(figure, path)
    return figure


def plot_filters(weights, path=None, *, columns: int = 10, title: str | None = None):
    """Each filter of a convolution's weights (out_channels, in_channels, kh, kw) as a small gray picture,
    the first input channel of each (the book's figure 7-24); a Tensor or an array."""
    weights = np.asarray(weights.data if isinstance(weights, Tensor) else weights, dtype=float)
    if weights.ndim != 4:
        raise ShapeError(f"plot_filters draws convolution weights of shape (out_channels, in_channels, kh, kw); "
                         f"got shape {weights.shape}")
    return plot_images(weights[:, 0], path, columns=columns, title=title)  # the book's colours: dark is large


def plot_paths(f, paths, path=None, *, minimum=None, columns: int = 2, levels: int = 8):
    """Each path of `paths` ({label: points of shape (steps, 2)}) in its own panel over the contour lines of
    f(x, y), as the book draws its optimizers on x²/20 + y² (figure 6-8); `minimum` is marked with a +.

    `f` takes two arrays of the same shape (a grid) and returns an array of that shape,
    as NumPy arithmetic does (e.g. `lambda x, y: x ** 2 / 20 + y ** 2`). Every panel
    shows the same view, which holds all the paths and the minimum.
    """
    if not isinstance(paths, Mapping) or not paths:
        raise ValueError("plot_paths needs a dict {label: points of shape (steps, 2)} with at least one path")
    points = {label: np.asarray(points, dtype=float) for label, points in paths.items()}
    for label, steps in points.items():
        if steps.ndim != 2 or steps.shape[1] != 2:
            raise ShapeError(f"plot_paths draws paths in the plane: {label!r} must be points of shape (steps, 2); "
                             f"got shape {steps.shape}")
    every_point = np.concatenate(list(points.values()) + ([np.asarray([minimum], dtype=float)] if minimum else []))
    low, high = every_point.min(axis=0), every_point.max(axis=0)
    margin = 0.1 * (high - low).max() + 0.5
    axis_x = np.linspace(low[0] - margin, high[0] + margin, 200)
    axis_y = np.linspace(low[1] - margin, high[1] + margin, 200)
    grid_x, grid_y = np.meshgrid(axis_x, axis_y)
    heights = np.asarray(f(grid_x, grid_y), dtype=float)
    if heights.shape != grid_x.shape:
        raise ShapeError(f"f(x, y) on a grid of shape {grid_x.shape} must return that shape; got {heights.shape}")

    columns = max(1, min(columns, len(points)))
    rows = math.ceil(len(points) / columns)
    figure = _new_figure(figsize=(3.6 * columns, 2.6 * rows))
    cells = figure.subplots(rows, columns, squeeze=False, sharex=True, sharey=True).ravel()
    # Levels at the heights the paths pass through, so that each ellipse the path crosses is drawn.
    contour_levels = np.quantile(heights, np.linspace(0.0, 0.6, levels + 1)[1:])
    for axes, (label, steps) in zip(cells, points.items()):
        axes.contour(axis_x, axis_y, heights, levels=contour_levels, colors="0.6", linewidths=0.8)
        axes.plot(steps[:, 0], steps[:, 1], "o-", color="tab:red", markersize=3, linewidth=1)
        if minimum is not None:
            axes.plot(*minimum, "+", color="k", markersize=10)
        axes.set(title=visible(label), xlabel="x", ylabel="y")
        axes.tick_params(labelbottom=True)  # a panel above an empty cell needs its own x numbers
    for unused in cells[len(points):]:
        unused.set_visible(False)
    _save(figure, path)
    return figure


def plot_images(images, path=None, *, labels=None, columns: int = 10, title: str | None = None):
    """Gray images ((N, H, W), or (N, 1, H, W) as convolutions take them) in a grid, each with its label above
    it (a string, or a number) when `labels` are given: MNIST digits, or the ones a network got wrong."""
    images = np.asarray(images.data if isinstance(images, Tensor) else images, dtype=float)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3 or not len(images):
        raise ShapeError(f"plot_images draws gray images of shape (N, H, W) or (N, 1, H, W), N > 0; "
                         f"got shape {images.shape}")
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"plot_images needs one label per image: {len(images)} images, {len(labels)} labels")
    columns = max(1, min(columns, len(images)))
    rows = math.ceil(len(images) / columns)
    label_height = 0.3 if labels is not None else 0.0
    figure = _new_figure(figsize=(0.9 * columns, (0.9 + label_height) * rows + (0.4 if title else 0.0)))
    cells = figure.subplots(rows, columns, squeeze=False).ravel()
    for number, (axes, image) in enumerate(zip(cells, images)):
        axes.imshow(image, cmap="gray_r", interpolation="nearest")  # dark ink on white paper, as printed
        if labels is not None:
            axes.set_title(visible(str(labels[number])))  # full size: read at a page's width, not zoomed
    for axes in cells:
        axes.set_axis_off()
    if title:
        figure.suptitle(visible(title))
    _save(figure, path)
    return figure


def plot_im2col(image, kernel_size, path=None, *, stride: int = 1, padding: int = 0):
    """The book's im2col (figure 7-18) drawn for one small gray image (H, W): above, the image once per kernel
    window, with that window shaded in its own colour; below, the matrix that `nn.functional.im2col` makes
    of it, one row per window in the window's colour. Numbers are written in every cell, so keep it small
    (a 4 x 4 image and a 3 x 3 kernel make four windows of nine numbers)."""
    from nn.functional import im2col  # viz draws nn's own im2col; nn does not import viz

    image = np.asarray(image.data if isinstance(image, Tensor) else image, dtype=float)
    if image.ndim != 2:
        raise ShapeError(f"plot_im2col draws one gray image of shape (H, W); got shape {image.shape}")
    kernel_h, kernel_w = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    matrix = im2col(Tensor(image[None, None]), kernel_h, kernel_w, stride=stride, padding=padding).data
    padded = np.pad(image, padding)
    columns_out = (padded.shape[1] - kernel_w) // stride + 1
    corners = [(stride * (number // columns_out), stride * (number % columns_out)) for number in range(len(matrix))]

    cell = 0.32  # inches per drawn number
    width = max(len(corners) * (padded.shape[1] * cell + 0.3), matrix.shape[1] * cell + 0.6)
    figure = _new_figure(figsize=(width, (padded.shape[0] + len(matrix)) * cell + 1.3))
    windows, below = figure.subfigures(2, 1, height_ratios=[padded.shape[0] + 1.2, len(matrix) + 1.2])
    for number, (axes, (top, left)) in enumerate(zip(windows.subplots(1, len(corners), squeeze=False)[0], corners)):
        shade = np.full(padded.shape, None, dtype=object)
        shade[top:top + kernel_h, left:left + kernel_w] = f"C{number}"
        _number_grid(axes, padded, shade)
        axes.set_title(f"window {number + 1}", fontsize="small", color=f"C{number}")
    axes = below.subplots()
    _number_grid(axes, matrix, np.array([[f"C{number}"] * matrix.shape[1] for number in range(len(matrix))]))
    axes.set_title(f"im2col: {matrix.shape[0]} rows (one per window) x {matrix.shape[1]} columns "
                   f"({kernel_h} x {kernel_w} numbers each)", fontsize="small")
    _save(figure, path)
    return figure


def _number_grid(axes, values: np.ndarray, shade: np.ndarray) -> None:
    """A table of numbers, one square cell each, a cell filled lightly where `shade` names a colour."""
    from matplotlib.patches import Rectangle

    for (row, column), value in np.ndenumerate(values):
        colour = shade[row, column]
        axes.add_patch(Rectangle((column, row), 1, 1, facecolor=colour or "white", alpha=0.35 if colour else 1.0,
                                 edgecolor="0.5", linewidth=0.6))
        axes.text(column + 0.5, row + 0.5, f"{value:g}", ha="center", va="center", fontsize="small")
    # Row 0 on top, as printed; the small margin keeps the outer lines from being cut in half.
    axes.set(xlim=(-0.05, values.shape[1] + 0.05), ylim=(values.shape[0] + 0.05, -0.05), aspect="equal")
    axes.set_axis_off()
