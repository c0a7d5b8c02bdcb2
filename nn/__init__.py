"""Neural networks on top of `autograd`: modules, layers, activations, losses, optimizers, data and training.

Two paths share one `Module` base:

- scalar, on `Value`: `Perceptron` (and the gates `AND`, `NAND`, `OR`, `XOR`),
  `Neuron`, `Layer`, `MLP`;
- tensor, on `Tensor`: `Linear`, `Sequential` (with Keras' `compile`/`fit`), the
  activation modules, `Maxout`, `Flatten`; the book's chapters 6-8: `Conv2d`,
  `ConvTranspose2d`, `MaxPool2d`, `AvgPool2d`, `Dropout`, `BatchNorm1d`, `BatchNorm2d`.

`nn.functional` holds activations and losses as functions, `nn.optim` the
optimizers, `nn.data` data sets, `DataLoader` and `load_mnist`, `nn.book` the book's
trained SimpleConvNet and DeepConvNet.

The modules stand in floors, each importing only from the floors below it (tests/test_nn_floors.py):
settings, module, progress; init, optim; functional; activations, data; layers, scalar; training;
sequential; book.
"""
import importlib  # noqa: I001 (the long name lists below stay in compact rows)

from . import functional, init
from .activations import (
    ACTIVATIONS, ELU, GELU, SELU, Exponential, HardSigmoid, Identity, LeakyReLU, LogSoftmax, PReLU, ReLU, Sigmoid,
    Softmax, Softplus, Softsign, Step, Swish, Tanh,
)
from .init import manual_seed
from .layers import (
    AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, ConvTranspose2d, Dropout, Flatten, Linear, Maxout, MaxPool2d,
)
from .module import Module, StateFileError
from .scalar import AND, MLP, NAND, OR, XOR, Layer, Neuron, Perceptron
from .settings import SettingError

# The training stack (Sequential's fit, the optimizers, data and tqdm's progress bars) is imported on first use,
# so that `import nn.scalar`, the micrograd-style MLP, rests on Module and the activations alone.
_ON_FIRST_USE = {
    "Sequential": "sequential", "History": "training", "DataLoader": "data", "load_mnist": "data",
    "optim": None, "data": None, "book": None, "training": None, "progress": None, "sequential": None,
}


def __getattr__(name: str):
    """A name of the training stack, imported the first time it is asked for (PEP 562)."""
    if name not in _ON_FIRST_USE:
        raise AttributeError(f"module 'nn' has no attribute {name!r}")
    module = importlib.import_module(f"nn.{_ON_FIRST_USE[name] or name}")
    value = module if _ON_FIRST_USE[name] is None else getattr(module, name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__():
    return sorted({*globals(), *_ON_FIRST_USE})


__all__ = [
    "Module", "StateFileError", "SettingError", "Perceptron", "AND", "NAND", "OR", "XOR", "Neuron", "Layer", "MLP",
    "Linear", "Sequential", "Flatten", "Maxout", "History",
    "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "Dropout", "BatchNorm1d", "BatchNorm2d",
    "Identity", "Step", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "PReLU", "ELU", "SELU", "GELU",
    "Softplus", "Softsign", "Swish", "HardSigmoid", "Exponential", "Softmax", "LogSoftmax", "ACTIVATIONS",
    "functional", "optim", "init", "data", "book", "DataLoader", "load_mnist", "manual_seed",
]
