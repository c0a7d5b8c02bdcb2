"""The book's trained networks: chapter 7's SimpleConvNet and chapter 8's DeepConvNet as `nn` modules.

`simple_conv_net(pretrained=True)` and `deep_conv_net(pretrained=True)` load the parameters the
book's code trained (`W1`, `b1`, ... shipped in nn/datasets/book_weights), which classify 98.90%
and 99.35% of the 10,000 MNIST test images. `load_params` reads such a file: an `.npz`, or the
book's own `.pkl` through an unpickler that admits NumPy arrays and nothing else (a pickle can
name any function for the loader to call, `os.system` among them).
"""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from . import init as initialisers
from .activations import ReLU
from .data import find_data
from .layers import Conv2d, Dropout, Flatten, Linear, MaxPool2d
from .sequential import Sequential

SIMPLE_CONVNET_PARAMS = "book_weights/simple_convnet.npz"
DEEP_CONVNET_PARAMS = "book_weights/deep_convnet.npz"
# DeepConvNet's convolutions, 3x3 each: (filters, padding); a 2x2 max pool follows every second.
DEEP_CONVOLUTIONS = ((16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1))
DEEP_DROPOUT = 0.5


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle asked to load something other than NumPy arrays; it was refused before anything ran."""


class ParamsFileError(ValueError):
    """A parameters file is not a dict of real-valued NumPy arrays named as the book names them (W1, b1, ...)."""


def simple_conv_net(pretrained=False, dtype=np.float64, seed=None) -> Sequential:
    """Chapter 7's SimpleConvNet: conv 30 filters 5x5 (pad 0, stride 1) - ReLU - 2x2 max pool - affine 4320-100 -
    ReLU - affine 100-10 (scores; the loss applies the softmax), every weight drawn with std 0.01 as in the book.

    pretrained: False (fresh weights from `seed`), True (the book's trained weights), or the path of a
    parameters file (`.npz` or the book's `.pkl`, read by `load_params`).
    """
    rng = initialisers.generator(seed)
    model = Sequential(Conv2d(1, 30, 5, init=0.01, dtype=dtype, seed=rng), ReLU(), MaxPool2d(2), Flatten(),
                       Linear(30 * 12 * 12, 100, init=0.01, dtype=dtype, seed=rng), ReLU(),
                       Linear(100, 10, init=0.01, dtype=dtype, seed=rng))
    if pretrained is not False:
        params = load_params(find_data(SIMPLE_CONVNET_PARAMS) if pretrained is True else pretrained)
        model.load_state_dict(_state_dict(model, params))
    return model


def deep_conv_net(pretrained=False, dtype=np.float32, seed=None) -> Sequential:
    """Chapter 8's DeepConvNet: six 3x3 convolutions (16, 16, 32, 32, 64, 64 filters; padding 1, 2 for the
    fourth), each followed by ReLU, a 2x2 max pool after every second; then affine 1024-50 - ReLU - dropout
    0.5 - affine 50-10 - dropout 0.5. He initialisation throughout, as the book's.

    pretrained: False, True (the book's trained weights) or a parameters file's path, as in `simple_conv_net`.
    The book's dropout is not inverted (training multiplies by the mask, testing by 0.5) and
    `nn.Dropout` is (training divides by 0.5, testing does nothing), so the book's two factors
    of 0.5 are folded into the last affine layer (W8 * 0.25, b8 * 0.5): the loaded network then
    computes the book's outputs exactly, in eval mode (its test) and in training mode alike.
    """
    rng = initialisers.generator(seed)
    layers, channels = [], 1
    for number, (filters, padding) in enumerate(DEEP_CONVOLUTIONS, start=1):
        layers += [Conv2d(channels, filters, 3, padding=padding, dtype=dtype, seed=rng), ReLU()]
        layers += [MaxPool2d(2)] if number % 2 == 0 else []
        channels = filters
    # 28 -> 14 -> 16 (the padding of 2) -> 8 -> 4: 64 channels of 4x4, 1,024 numbers, reach the affine layers.
    layers += [Flatten(), Linear(channels * 4 * 4, 50, init="he", dtype=dtype, seed=rng), ReLU(),
               Dropout(DEEP_DROPOUT, seed=rng), Linear(50, 10, init="he", dtype=dtype, seed=rng),
               Dropout(DEEP_DROPOUT, seed=rng)]
    model = Sequential(*layers)
    if pretrained is not False:
        state = _state_dict(model, load_params(find_data(DEEP_CONVNET_PARAMS) if pretrained is True else pretrained))
        keep, scores = 1.0 - DEEP_DROPOUT, f"layers.{len(layers) - 2}"  # the affine 50-10, between the dropouts
        state[f"{scores}.W"], state[f"{scores}.b"] = state[f"{scores}.W"] * keep ** 2, state[f"{scores}.b"] * keep
        model.load_state_dict(state)
    return model


def _state_dict(model: Sequential, params: dict) -> dict:
    """The book's names mapped onto the model's: W1, b1 are the first layer with weights, W2, b2 the next, ..."""
    weighted = [index for index, layer in enumerate(model.layers) if isinstance(layer, (Conv2d, Linear))]
    expected = {f"{kind}{number}": f"layers.{index}.{kind}" for number, index in enumerate(weighted, start=1)
                for kind in "Wb"}
    if set(params) != set(expected):
        raise ParamsFileError(f"the book's {len(weighted)}-layer network needs the parameters {sorted(expected)}; "
                              f"the file holds {sorted(params)}: is it the other network's file?")
    return {expected[name]: array for name, array in params.items()}


# What unpickling a dict of NumPy arrays calls, and nothing else; NumPy 2 writes numpy._core where 1.x wrote
# numpy.core.
_ARRAY_GLOBALS = {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
                  ("numpy._core.multiarray", "_reconstruct")}


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ARRAY_GLOBALS:
            raise UnsafePickleError(
                f"refused to load {module}.{name} from a pickle: a parameters file needs only NumPy arrays, and "
                "a pickle that names anything else may run code; load the .npz copy of the parameters instead")
        return super().find_class(module, name)


def load_params(path) -> dict[str, np.ndarray]:
    """The arrays of a parameters file by name (the book's W1, b1, ...): an `.npz` archive (read without
    pickle) or a `.pkl` pickle of a dict of arrays, whose every global but NumPy's array and dtype is refused
    with UnsafePickleError before it can run."""
    path = Path(path)
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as archive:
            params = {name: archive[name] for name in archive.files}
    elif path.suffix == ".pkl":
        with open(path, "rb") as file:
            params = _ArrayUnpickler(file).load()
    else:
        raise ParamsFileError(f"{path}: a parameters file is an .npz archive or a .pkl pickle; got {path.suffix!r}")
    if not isinstance(params, dict) or not all(
            isinstance(name, str) and isinstance(array, np.ndarray) and array.dtype.kind == "f"
            for name, array in params.items()):
        raise ParamsFileError(f"{path} does not hold a dict of float arrays by name (W1, b1, ...)")
    return params
