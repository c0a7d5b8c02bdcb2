"""Training watched live: the loss curve, each parameter's gradient norm and the weights as heatmaps.

    live = viz.live_training(model, "out/training.html")   # outside Jupyter: a page that reloads itself
    model.fit(x, t, epochs=5, callbacks=[live])             # Keras-style fit calls it after every batch

    for x_batch, t_batch in loader:                         # a hand-written loop calls it itself
        loss = ...; loss.backward(); optimizer.step()
        live.update(loss)

Every call records the loss (one float); the picture is redrawn at most once per
`every` seconds, and once more when training ends, so watching costs little. In
Jupyter (when no path is given) the picture updates in place in one output; with a
path it is written as a page whose browser reloads it every `every` seconds.
"""
from __future__ import annotations

import html
import math
import time
from pathlib import Path

import numpy as np

from autograd import Tensor, Value, backend

from .explore import _block_means
from .labels import format_number

DEFAULT_EVERY = 2.0  # seconds between redraws: the default rate, measured in BENCHMARKS.md
CURVE_POINTS = 400  # the loss curve shows at most this many points (every k-th loss beyond)
WIDTH, CURVE_HEIGHT, BAR_HEIGHT = 480, 160, 14
HEATMAP_PIXELS = 96  # the longer side of a weight's heatmap


class LiveTraining:
    """Watches a model train; see the module docstring. `update(loss)` after each step, `close()` at the end."""

    def __init__(self, model, path=None, every: float = DEFAULT_EVERY, precision: int = 4):
        if not (isinstance(every, (int, float)) and every >= 0):
            raise ValueError(f"every is the number of seconds between redraws, 0 or more; got {every!r}")
        self.model, self.every, self.precision = model, float(every), precision
        self.path = Path(path) if path is not None else None
        self.losses = []
        self.redraws = 0
        self._last_draw = -math.inf
        self._display = None  # the Jupyter output updated in place

    def update(self, loss) -> None:
        """Record this step's loss; redraw when `every` seconds have passed since the last picture."""
        self.losses.append(float(loss.item() if isinstance(loss, Tensor) else getattr(loss, "data", loss)))
        if time.perf_counter() - self._last_draw >= self.every:
            self.draw()

    def on_batch_end(self, loss) -> None:  # fit's callback
        self.update(loss)

    def on_train_end(self) -> None:  # fit's callback
        self.close()

    def close(self) -> None:
        """The final picture, whatever the time since the last one (the page then stops reloading)."""
        self.draw(final=True)

    def draw(self, final: bool = False) -> None:
        self._last_draw = time.perf_counter()
        self.redraws += 1
        page = self.html(final)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(page, encoding="utf-8")
            return
        from IPython.display import HTML, display  # only without a path: in a notebook
        if self._display is None:
            self._display = display(HTML(page), display_id=True)
        else:
            self._display.update(HTML(page))

    def _repr_html_(self) -> str:
        return self.html(final=True)

    # ---- the picture ------------------------------------------------------------------------------
    def html(self, final: bool = False) -> str:
        """The page (or, in a notebook, the output): loss curve, gradient norms, weight heatmaps."""
        body = [f"<h3>loss: {len(self.losses):,} steps, last {self._number(self.losses[-1])}</h3>"
                if self.losses else "<h3>loss: no step yet</h3>", self._curve()]
        parameters = [(name, p) for name, p in self.model.named_parameters() if isinstance(p, (Tensor, Value))]
        norms = [(name, _gradient_norm(p)) for name, p in parameters]
        body += ["<h3>gradient norm of each parameter</h3>", self._bars(norms)]
        body += ["<h3>weights</h3>", '<div class="weights">']
        for name, parameter in parameters:
            if isinstance(parameter, Tensor) and parameter.ndim == 2:
                body.append(f'<figure>{self._heatmap(parameter.data)}<figcaption>{html.escape(name)} '
                            f'{parameter.shape[0]}×{parameter.shape[1]}</figcaption></figure>')
        body.append("</div>")
        reload = "" if final or self.path is None else \
            f'<meta http-equiv="refresh" content="{max(1, math.ceil(self.every))}">'
        return _PAGE.format(reload=reload, body="\n".join(body))

    def _number(self, x) -> str:
        return html.escape(format_number(x, self.precision))

    def _curve(self) -> str:
        losses = np.asarray(self.losses, dtype=np.float64)
        losses = losses[np.isfinite(losses)]
        if losses.size < 2:
            return ""
        shown = losses[::math.ceil(losses.size / CURVE_POINTS)]
        low, high = float(shown.min()), float(shown.max())
        span = high - low or 1.0
        points = " ".join(f"{WIDTH * i / (shown.size - 1):.1f},{CURVE_HEIGHT * (1 - (y - low) / span):.1f}"
                          for i, y in enumerate(shown))
        return (f'<svg class="curve" width="{WIDTH}" height="{CURVE_HEIGHT + 16}" viewBox="0 -4 {WIDTH} '
                f'{CURVE_HEIGHT + 16}"><polyline points="{points}"/><text x="0" y="{CURVE_HEIGHT + 12}">'
                f'{self._number(low)} … {self._number(high)}</text></svg>')

    def _bars(self, norms: list) -> str:
        largest = max((norm for _, norm in norms if math.isfinite(norm)), default=0.0) or 1.0
        rows = []
        for row, (name, norm) in enumerate(norms):
            y = row * (BAR_HEIGHT + 4)
            length = WIDTH / 2 * (norm / largest if math.isfinite(norm) else 1.0)
            rows.append(f'<g class="bar" data-name="{html.escape(name)}"><text x="0" y="{y + 11}">{html.escape(name)}'
                        f'</text><rect x="{WIDTH / 3:.0f}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}"/>'
                        f'<text class="norm" x="{WIDTH / 3 + length + 4:.0f}" y="{y + 11}">{self._number(norm)}'
                        '</text></g>')
        height = len(norms) * (BAR_HEIGHT + 4)
        return f'<svg class="bars" width="{WIDTH}" height="{height}">{"".join(rows)}</svg>'

    def _heatmap(self, array) -> str:
        matrix = _block_means(np.asarray(backend.to_numpy(array), dtype=np.float64))
        finite = matrix[np.isfinite(matrix)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        levels = np.zeros_like(matrix) if high == low else np.clip((matrix - low) / (high - low), 0, 1)
        cell = max(4, HEATMAP_PIXELS // max(matrix.shape))
        cells = [f'<rect x="{c * cell}" y="{r * cell}" width="{cell}" height="{cell}" fill="{_colour(level)}"/>'
                 for (r, c), level in np.ndenumerate(np.nan_to_num(levels))]
        return (f'<svg class="heatmap" width="{matrix.shape[1] * cell}" height="{matrix.shape[0] * cell}">'
                f'{"".join(cells)}</svg><br><small>blue {self._number(low)} … red {self._number(high)}</small>')


def live_training(model, path=None, every: float = DEFAULT_EVERY, precision: int = 4) -> LiveTraining:
    """Watch `model` train: pass the result to `fit(..., callbacks=[...])`, or call its `update(loss)` after each
    step of your own loop. With `path` it writes a page that reloads itself; without, it updates a Jupyter output.
    The picture is redrawn at most once every `every` seconds (and at the end); each weight matrix shows
    as a heatmap of at most HEATMAP_SIDE × HEATMAP_SIDE block means."""
    return LiveTraining(model, path, every, precision)


def _gradient_norm(parameter) -> float:
    grad = parameter.grad
    if grad is None:
        return math.nan
    return float(np.linalg.norm(backend.to_numpy(grad))) if isinstance(parameter, Tensor) else abs(float(grad))


def _colour(level: float) -> str:
    """Blue (low) through gray to red (high), as the explorer's heatmaps."""
    green = round(80 + 80 * (1 - abs(2 * level - 1)))
    return f"rgb({round(255 * level)},{green},{round(255 * (1 - level))})"


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
{reload}
<title>Training, live</title>
<style>
  body {{ font-family: Helvetica, Arial, sans-serif; color: #222; margin: 1em; }}
  h3 {{ font-size: 1em; margin: 1em 0 0.3em; }}
  .curve polyline {{ fill: none; stroke: #c00; stroke-width: 1.5; }}
  svg text {{ font-size: 11px; }}
  .bars rect {{ fill: #577; }}
  .weights {{ display: flex; flex-wrap: wrap; gap: 1em; }}
  figure {{ margin: 0; }}
  figcaption, small {{ font-size: 0.8em; color: #555; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""
