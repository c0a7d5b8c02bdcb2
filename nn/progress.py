"""How `fit` shows its progress: one live line per epoch in a notebook, a bar in a terminal, plain lines in a log.

- In Jupyter: one Keras-style line per epoch, updated in place while the epoch
  runs and left in the notebook (a text output: no widgets, nothing to install).
- In a terminal: a tqdm bar per epoch while it runs.
- In a log (stderr is not a terminal): no bars, only finished epochs' lines.

In a terminal and in a log an epoch's line stays only when it is the first or
the last epoch, or when `KEEP_EVERY_SECONDS` have passed since the last line
that stayed: thirty epochs of a 0.1 s run leave two lines, not thirty bars.
"""
from __future__ import annotations

import sys
import time
import warnings

from tqdm import TqdmWarning
from tqdm.std import tqdm  # tqdm.auto would warn "IProgress not found" in Jupyter without ipywidgets

# nn.data's download bar is tqdm.auto's, which in Jupyter without ipywidgets warns "IProgress not found" on
# import and then draws a plain bar anyway: a warning a learner cannot act on, so it is imported silenced.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=TqdmWarning)
    from tqdm.auto import tqdm as download_bar  # noqa: F401 (nn.data's)

KEEP_EVERY_SECONDS = 1.0
NOTEBOOK_REFRESH_SECONDS = 0.1  # redrawing a notebook output costs more than a batch of a small network
BAR_WIDTH = 20  # with the figures after it, the line fits a notebook cell without scrolling


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where IPython is already imported); False in a terminal or a script."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "IPKernelApp" in shell.config


def format_metrics(metrics: dict) -> str:
    return " ".join(f"{name}={value:.4f}" for name, value in metrics.items())


class TrainingProgress:
    """The progress display of one `fit` call; `epoch(...)` gives the display of each epoch."""

    def __init__(self, epochs: int, steps: int, verbose: int):
        self.epochs, self.steps, self.verbose = epochs, steps, verbose
        self.notebook = bool(verbose) and in_notebook()
        self.terminal = bool(verbose) and not self.notebook and sys.stderr.isatty()
        self.last_kept = None  # time.monotonic() of the last epoch line left on screen

    def epoch(self, index: int) -> "EpochProgress":
        return EpochProgress(self, index)

    def keeps_line(self, index: int, now: float) -> bool:
        """Whether the line of epoch `index` (counting from 0) stays in a terminal or a log."""
        first_or_last = index in (0, self.epochs - 1)
        return first_or_last or self.last_kept is None or now - self.last_kept >= KEEP_EVERY_SECONDS


class EpochProgress:
    """Progress through one epoch's batches: `step(metrics)` after each batch, `close(metrics)` at the end."""

    def __init__(self, training: TrainingProgress, index: int):
        self.training, self.index = training, index
        self.title = f"Epoch {index + 1}/{training.epochs}"
        self.done = 0
        self.started = self.last_drawn = time.monotonic()
        self.bar = self.handle = None
        if training.terminal:
            self.bar = tqdm(total=training.steps, desc=self.title, unit="batch", file=sys.stderr)
        elif training.notebook:
            from IPython.display import display  # only reached inside a Jupyter kernel
            self.handle = display(self.notebook_line({}), display_id=True)

    def step(self, metrics: dict) -> None:
        """One more batch done; `metrics` are the running averages so far."""
        self.done += 1
        now = time.monotonic()
        if self.bar is not None:
            if self.done % 20 == 1:  # formatting the figures every batch would cost more than a small batch
                self.bar.set_postfix({name: f"{value:.4f}" for name, value in metrics.items()}, refresh=False)
            self.bar.update(1)
        elif self.handle is not None and now - self.last_drawn >= NOTEBOOK_REFRESH_SECONDS:
            self.last_drawn = now
            self.handle.update(self.notebook_line(metrics))

    def close(self, metrics: dict) -> None:
        """The epoch is over: show its final figures (training and validation)."""
        if not self.training.verbose:
            return
        now = time.monotonic()
        if self.handle is not None:
            self.handle.update(self.notebook_line(metrics))
            return
        keep = self.training.keeps_line(self.index, now)
        if keep:
            self.training.last_kept = now
        if self.bar is not None:
            self.bar.set_postfix({name: f"{value:.4f}" for name, value in metrics.items()}, refresh=False)
            self.bar.leave = keep  # tqdm reads `leave` when it closes: a bar not kept is erased
            self.bar.close()
        elif keep:
            print(f"{self.title} {self.done}/{self.training.steps} batches {now - self.started:.1f}s "
                  f"{format_metrics(metrics)}", file=sys.stderr, flush=True)

    def notebook_line(self, metrics: dict):
        """Keras' line: 'Epoch 3/10 [=====>....] 12/16 - 0.4s - loss=0.3102 accuracy=0.9100'."""
        from IPython.display import Pretty
        steps = self.training.steps
        filled = BAR_WIDTH * self.done // max(steps, 1)
        arrow = ">" if 0 < self.done < steps else ""
        bar = ("=" * filled + arrow).ljust(BAR_WIDTH, ".")[:BAR_WIDTH]
        elapsed = time.monotonic() - self.started
        return Pretty(f"{self.title} [{bar}] {self.done}/{steps} - {elapsed:.1f}s - {format_metrics(metrics)}")
