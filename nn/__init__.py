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
"""
# Imported first and only for its side effect: it imports tqdm.auto for nn.data without a warning in Jupyter.
from . import progress  # noqa: F401, I001
from . import book, data, functional, init, optim
from .data import DataLoader, load_mnist
from .init import manual_seed
from .layers import (
    ACTIVATIONS, ELU, GELU, SELU, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, ConvTranspose2d, Dropout, Exponential,
    Flatten, HardSigmoid, Identity, LeakyReLU, Linear, LogSoftmax, Maxout, MaxPool2d, PReLU, ReLU, Sequential,
    Sigmoid, Softmax, Softplus, Softsign, Step, Swish, Tanh,
)
from .module import Module, StateFileError
from .settings import SettingError
from .scalar import AND, MLP, NAND, OR, XOR, Layer, Neuron, Perceptron
from .training import History

__all__ = [
    "Module", "StateFileError", "SettingError", "Perceptron", "AND", "NAND", "OR", "XOR", "Neuron", "Layer", "MLP",
    "Linear", "Sequential", "Flatten", "Maxout", "History",
    "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "Dropout", "BatchNorm1d", "BatchNorm2d",
    "Identity", "Step", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "PReLU", "ELU", "SELU", "GELU",
    "Softplus", "Softsign", "Swish", "HardSigmoid", "Exponential", "Softmax", "LogSoftmax", "ACTIVATIONS",
    "functional", "optim", "init", "data", "book", "DataLoader", "load_mnist", "manual_seed",
]
