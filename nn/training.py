"""Keras-style training for `Sequential`: summary, compile, fit, evaluate, predict.

    model = nn.Sequential(nn.Flatten(input_shape=(28, 28)),
                          nn.Linear(784, 300, activation="relu"),
                          nn.Linear(300, 100, activation="relu"),
                          nn.Linear(100, 10, activation="softmax"))
    model.summary()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    history = model.fit(x_train, t_train, epochs=30, validation_data=(x_valid, t_valid))
    model.evaluate(x_test, t_test)       # [loss, accuracy]

When the model ends in a softmax and the loss is a categorical cross entropy,
training computes the loss from the scores before the softmax with the fused
softmax-with-loss (the book's SoftmaxWithLoss layer): the same number, without
log(0), and with the simple gradient (y - t) / N.

A model moved to another array library (`model.to("cuda")`) trains there on data of that
library (`load_mnist(..., to="cuda")`); the losses and metrics in the history are host floats,
and `predict` answers in the data's library.
"""
from __future__ import annotations

import contextlib
import warnings

import numpy as np

from autograd import Tensor, no_grad
from autograd.backend import device_of, is_numpy, namespace_of, to_numpy

from . import functional as F
from . import optim
from .data import DataLoader
from .progress import TrainingProgress
from .settings import whole_number

# Loss names as Keras spells them (and a few of the book's); each maps to a function (output, targets).
LOSSES = {
    "sparse_categorical_crossentropy": F.cross_entropy_error,
    "categorical_crossentropy": F.cross_entropy_error,
    "cross_entropy": F.cross_entropy,
    "mse": F.mse_loss,
    "mean_squared_error": F.mse_loss,
    "sum_squares_error": F.sum_squares_error,
    "binary_crossentropy": F.binary_cross_entropy,
}
_CATEGORICAL = {"sparse_categorical_crossentropy", "categorical_crossentropy"}
# Losses that take log() of the model's outputs, so they need probabilities, not scores (logits).
_PROBABILITY_LOSSES = {*_CATEGORICAL, "binary_crossentropy"}
PROBABILITY_TOLERANCE = 1e-4  # float32 softmax rows sum to 1 within a few ulps
METRICS = {"accuracy": F.accuracy, "acc": F.accuracy}


class History:
    """What `fit` returns: `.history` (metric name -> one value per epoch), `.epoch`, `.params`."""

    def __init__(self, params: dict):
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []
        self.params = params

    def _record(self, epoch: int, logs: dict) -> None:
        self.epoch.append(epoch)
        for name, value in logs.items():
            self.history.setdefault(name, []).append(value)

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


def _format_shape(shape) -> str:
    return "(" + ", ".join(str(size) for size in shape) + ")"


def _require_samples(what: str, loader: DataLoader) -> None:
    """Refuse an empty data set before any work: its loss and metrics would be averages over no samples."""
    if loader.samples == 0:
        raise ValueError(f"{what} needs at least one sample; got x of shape {loader.x.shape} and targets of "
                         f"shape {loader.t.shape}: pass x with one row per sample and one target per row")


def _metric(metric, output, t) -> float:
    """A metric of one batch as a host float, computed on host copies of the outputs and targets (a few
    numbers per sample), so that every metric, the user's own NumPy functions included, works on any library."""
    if is_numpy(output.data) and is_numpy(t):
        return metric(output.data, t)
    return metric(to_numpy(output.data), to_numpy(t))


@contextlib.contextmanager
def _modes_restored(model):
    """Put back each module's training flag as it was, however the block ends: summary, evaluate, predict and
    fit switch modes for their work and leave none behind (Keras' predict has no side effect)."""
    modes = [(module, module.training) for module in model.modules()]
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


class KerasStyleTraining:
    """Mixed into `Sequential`: needs `layers`, `forward`, `parameters()`, `ends_in_softmax()` and `logits()`."""

    # ---- summary ------------------------------------------------------------
    def summary(self, input_shape=None, print_fn=print) -> str | None:
        """Print the table of layers, output shapes and parameter counts, as Keras does.

        With `print_fn=None` the table is returned instead of printed (printing and
        returning it would show it twice as a notebook cell's last line).

        Output shapes come from running one zero sample through the model; the
        input shape is `input_shape`, else the first layer's (`Flatten(input_shape=...)`
        or a `Linear`'s in_features).
        """
        input_shape = input_shape or self._input_shape()
        shapes = ["?"] * len(self.layers)
        if input_shape is not None:
            weights = next((p.data for p in self.parameters() if isinstance(p, Tensor)), np.zeros(0))
            xp = namespace_of(weights)  # the sample lives where the weights do, in their dtype
            with _modes_restored(self), no_grad():
                self.eval()  # the sample must not move BatchNorm's running statistics or draw dropout masks
                x = Tensor(xp.zeros((1, *input_shape), dtype=weights.dtype, device=device_of(weights)))
                for position, layer in enumerate(self.layers):
                    x = layer(x)
                    shapes[position] = _format_shape(("None", *x.shape[1:]))
        widths = (29, 26, 12)
        rule, double_rule = "_" * sum(widths), "=" * sum(widths)

        def row(*cells):
            return "".join(f"{cell:<{width}}" for cell, width in zip(cells, widths)).rstrip()

        lines = [f'Model: "{self.name}"', rule, row(" Layer (type)", "Output Shape", "Param #"), double_rule]
        trainable = frozen = 0
        for layer, shape in zip(self.layers, shapes):
            # As Keras counts them: frozen parameters and buffers (BatchNorm's running statistics) are non-trainable.
            layer_trainable = layer.num_parameters(trainable_only=True)
            layer_frozen = layer.num_parameters() - layer_trainable + layer.num_buffer_elements()
            trainable, frozen = trainable + layer_trainable, frozen + layer_frozen
            lines.append(row(f" {layer.name} ({type(layer).__name__})", shape, f"{layer_trainable + layer_frozen:,}"))
        lines += [double_rule, f"Total params: {trainable + frozen:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {frozen:,}", rule]
        text = "\n".join(lines)
        if print_fn is None:
            return text
        print_fn(text)
        return None

    def _input_shape(self):
        first = self.layers[0] if self.layers else None
        if getattr(first, "input_shape", None) is not None:
            return first.input_shape
        if getattr(first, "in_features", None) is not None:
            return (first.in_features,)
        return None

    # ---- compile ------------------------------------------------------------
    def compile(self, loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=None) -> None:
        """Choose the loss (a Keras name or a function (output, targets) -> scalar Tensor), the
        optimizer (a name such as "sgd" or "adam" with its default learning rate, or an `nn.optim`
        optimizer built on this model's parameters) and the metrics (["accuracy"])."""
        if isinstance(loss, str):
            if loss not in LOSSES:
                raise ValueError(f"unknown loss {loss!r}; use one of {sorted(LOSSES)} or a function")
            self.loss, self._loss_function = loss, LOSSES[loss]
        elif callable(loss):
            self.loss, self._loss_function = getattr(loss, "__name__", "loss"), loss
        else:
            raise TypeError(f"loss must be a name or a function; got {type(loss).__name__}")
        self._fused_softmax_loss = loss in _CATEGORICAL and self.ends_in_softmax()
        self.name_parameters()  # fit runs forward() and logits(), not __call__, which names them otherwise
        if loss == "cross_entropy" and self.ends_in_softmax():
            warnings.warn("loss='cross_entropy' applies its own softmax to the model's outputs, but the model "
                          "already ends in a softmax, so training would see softmax(softmax(x)) and learn slowly: "
                          "compile with loss='sparse_categorical_crossentropy' (it takes probabilities), or "
                          "remove the final softmax", UserWarning, stacklevel=2)
        if isinstance(optimizer, str):
            if optimizer.lower() not in optim.OPTIMIZERS:
                raise ValueError(f"unknown optimizer {optimizer!r}; use one of {sorted(optim.OPTIMIZERS)} "
                                 "or an nn.optim optimizer")
            optimizer = optim.OPTIMIZERS[optimizer.lower()](self.parameters())
        elif not isinstance(optimizer, optim.Optimizer):
            raise TypeError(f"optimizer must be a name or an nn.optim optimizer; got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.metrics = []
        for metric in metrics or []:
            if isinstance(metric, str) and metric in METRICS:
                self.metrics.append(("accuracy" if metric == "acc" else metric, METRICS[metric]))
            elif callable(metric):
                self.metrics.append((metric.__name__, metric))
            else:
                raise ValueError(f"unknown metric {metric!r}; use 'accuracy' or a function (output, targets)")

    def _require_compiled(self, method: str) -> None:
        if getattr(self, "optimizer", None) is None:
            raise RuntimeError(f"call compile(loss=..., optimizer=...) before {method}()")

    def _loss_and_output(self, x, t):
        """The batch loss and the model's output (scores before the softmax on the fused path)."""
        if self._fused_softmax_loss:
            output = self.logits(x)
            return F.cross_entropy(output, t), output
        output = self.forward(x)
        if self.loss in _PROBABILITY_LOSSES:
            self._require_probabilities(to_numpy(output.data))
        return self._loss_function(output, t), output

    def _require_probabilities(self, output: np.ndarray) -> None:
        """Refuse scores (logits) given to a loss that takes log() of probabilities: training would go to nan."""
        low, high = float(output.min(initial=np.inf)), float(output.max(initial=-np.inf))
        rows_sum_to_one = self.loss == "binary_crossentropy" or output.ndim != 2 or \
            np.allclose(output.sum(axis=1), 1.0, atol=PROBABILITY_TOLERANCE)
        if low >= 0.0 and high <= 1.0 and rows_sum_to_one:
            return
        problem = f"they range from {low:.4g} to {high:.4g}" if low < 0.0 or high > 1.0 else \
            "their rows do not sum to 1"
        if self.loss == "binary_crossentropy":
            fix = "end the model in a sigmoid (nn.Sigmoid(), or activation='sigmoid' on the last Linear)"
        else:
            fix = ("end the model in a softmax (nn.Softmax(), or activation='softmax' on the last Linear), "
                   "or compile with loss='cross_entropy', which takes scores (logits)")
        raise ValueError(f"loss={self.loss!r} takes probabilities, but the model's outputs are not probabilities "
                         f"({problem}), so its log() would make the loss nan: {fix}")

    # ---- fit / evaluate / predict ---------------------------------------------
    def fit(self, x, t, epochs: int = 1, batch_size: int = 32, validation_data=None, verbose: int = 1,
            shuffle: bool = True, seed=None, drop_last: bool = False, callbacks=()) -> History:
        """Train for `epochs` passes over (x, t) in mini-batches, showing each epoch's progress (`verbose=0`: none).

        In Jupyter each epoch gets one live Keras-style line; in a terminal a bar; in a
        log plain lines, only about one a second (see `nn.progress`).

        Returns a `History` whose `.history` holds per-epoch "loss" and each metric
        (averaged over the epoch's batches), plus "val_loss" and "val_<metric>" when
        `validation_data=(x_valid, t_valid)` is given.

        Each of `callbacks` (such as `viz.live_training(model)`) has `on_batch_end(loss)` called after every
        step and `on_train_end()` once training is over.

        `drop_last=True` skips each epoch's last batch when it is smaller than `batch_size` (PyTorch's
        DataLoader option): batch normalisation cannot train on a last batch of one sample, which fit
        refuses before the first step, never in mid-epoch with the weights already changed.
        The model's modes (train or eval) are as they were when fit returns.
        """
        self._require_compiled("fit")
        epochs = whole_number(epochs, "epochs", smallest=0, owner="fit")
        loader = DataLoader(x, t, batch_size=batch_size, shuffle=shuffle, seed=seed, drop_last=drop_last)
        _require_samples("fit", loader)
        if len(loader) == 0:
            raise ValueError(f"fit with drop_last=True and batch_size={batch_size} has no full batch in "
                             f"{loader.samples} samples: use a batch_size of at most {loader.samples}")
        self._require_trainable_last_batch(loader)
        validation = None
        if validation_data is not None:  # checked now, not after the first epoch has trained
            validation = DataLoader(*validation_data, batch_size=max(batch_size, 256))
            _require_samples("fit's validation_data", validation)
        history = History({"epochs": epochs, "steps": len(loader), "batch_size": batch_size, "verbose": verbose})
        progress = TrainingProgress(epochs, len(loader), verbose)
        with _modes_restored(self):
            for epoch in range(epochs):
                self._fit_epoch(loader, validation, progress.epoch(epoch), history, epoch, callbacks)
        for callback in callbacks:
            callback.on_train_end()
        return history

    def _fit_epoch(self, loader, validation, epoch_progress, history, epoch, callbacks=()) -> None:
        """One pass over `loader` with a step per batch, then the validation, recorded in `history`."""
        self.train()
        sums = dict.fromkeys(["loss", *(name for name, _ in self.metrics)], 0.0)
        seen = 0
        for x_batch, t_batch in loader:
            loss, output = self._loss_and_output(x_batch, t_batch)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            for callback in callbacks:
                callback.on_batch_end(loss)
            count = x_batch.shape[0]
            seen += count
            sums["loss"] += loss.item() * count
            for name, metric in self.metrics:
                sums[name] += _metric(metric, output, t_batch) * count
            epoch_progress.step({name: total / seen for name, total in sums.items()})
        logs = {name: total / seen for name, total in sums.items()}
        if validation is not None:
            values = self._mean_loss_and_metrics(validation)
            logs.update({f"val_{name}": value for name, value in zip(sums, values)})
        epoch_progress.close(logs)
        history._record(epoch, logs)

    def _require_trainable_last_batch(self, loader: DataLoader) -> None:
        """Refuse, before any step, a last batch of one sample that a module with running statistics (batch
        normalisation) cannot train on: found by running that one sample through the model in training mode,
        with those statistics put back after, no graph, and every other module (dropout) in eval mode."""
        if loader.drop_last or loader.samples % loader.batch_size != 1 or not any(
                getattr(module, "_buffer_names", None) for module in self.modules()):
            return
        buffers = [(buffer, buffer.data) for _, buffer in self.named_buffers()]
        try:
            with _modes_restored(self), no_grad():
                for module in self.modules():
                    module.training = bool(getattr(module, "_buffer_names", None))
                self.forward(loader.x[:1])
        except ValueError as err:
            raise ValueError(f"fit: {loader.samples} samples in batches of {loader.batch_size} leave a last batch "
                             f"of one sample, on which the model cannot train ({err}); nothing was trained: pass "
                             "drop_last=True to skip it, or another batch_size") from err
        finally:
            for buffer, numbers in buffers:
                buffer.data = numbers

    def evaluate(self, x, t, batch_size: int = 256) -> list:
        """[loss, metric, ...] over (x, t), computed without recording a graph."""
        self._require_compiled("evaluate")
        loader = DataLoader(x, t, batch_size=batch_size)
        _require_samples("evaluate", loader)
        return self._mean_loss_and_metrics(loader)

    def _mean_loss_and_metrics(self, loader: DataLoader) -> list:
        """[loss, metric, ...] averaged over the samples of `loader`, in evaluation mode and without a graph."""
        sums = np.zeros(1 + len(self.metrics))
        with _modes_restored(self), no_grad():
            self.eval()
            for x_batch, t_batch in loader:
                loss, output = self._loss_and_output(x_batch, t_batch)
                values = [loss.item()] + [_metric(metric, output, t_batch) for _, metric in self.metrics]
                sums += np.array(values) * x_batch.shape[0]
        return [float(value) for value in sums / loader.samples]

    def predict(self, x, batch_size: int = 256):
        """The model's outputs (probabilities when it ends in a softmax), an array of x's library:
        NumPy for NumPy data (`autograd.backend.to_numpy` brings other libraries' to the host).

        No samples give an empty array of shape `(0, *output_shape)`, as Keras' predict does.
        """
        loader = DataLoader(x, batch_size=batch_size)
        xp = loader._xp
        with _modes_restored(self), no_grad():
            self.eval()
            outputs = [self.forward(x_batch).data for x_batch in loader]
            if not outputs:  # an empty batch through the model gives the output's shape
                return self.forward(loader.x[:0]).data
        return xp.concat(outputs)  # a new array, which the caller may write to

    def predict_classes(self, x, batch_size: int = 256):
        """The predicted class of each sample: the largest output, or output > 0.5 for one column."""
        outputs = self.predict(x, batch_size)
        xp = namespace_of(outputs)
        if outputs.ndim == 2 and outputs.shape[1] == 1:
            return xp.astype(outputs[:, 0] > 0.5, xp.int64)
        return xp.argmax(outputs, axis=-1)
