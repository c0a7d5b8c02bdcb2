"""`Sequential`: layers applied one after another, with Keras' training methods.

It is the top floor of `nn`'s tensor path: it rests on the layers (`nn.layers`, `nn.activations`) and on the
training methods (`nn.training`), neither of which knows about it."""
from __future__ import annotations

from autograd import Tensor

from .activations import Softmax
from .layers import Linear
from .module import Module
from .training import KerasStyleTraining


class Sequential(Module, KerasStyleTraining):
    """Layers applied one after another; indexable (`model[0]`), iterable, `.layers`.

    It also has Keras' training interface: `summary()`, `compile()`, `fit()`,
    `evaluate()`, `predict()` and `predict_classes()`.
    """

    def __init__(self, *layers, name: str = "sequential"):
        self.layers = []
        self.name = name
        for layer in layers:
            self.add(layer)

    def add(self, layer: Module) -> None:
        """Append a layer; a layer without a name gets one from its type (linear, linear_1, ...)."""
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential holds Modules; got {type(layer).__name__}")
        if getattr(layer, "name", None) is None:
            base = type(layer).__name__.lower()
            taken = sum(1 for existing in self.layers if type(existing) is type(layer))
            layer.name = base if taken == 0 else f"{base}_{taken}"
        self.layers.append(layer)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def ends_in_softmax(self) -> bool:
        """True when the last step is a softmax (a Softmax layer or a Linear with softmax activation)."""
        if not self.layers:
            return False
        last = self.layers[-1]
        return isinstance(last, Softmax) or (isinstance(last, Linear) and isinstance(last.activation, Softmax))

    def logits(self, x) -> Tensor:
        """The scores the final softmax would turn into probabilities (for the fused softmax-with-loss)."""
        if not self.ends_in_softmax():
            raise ValueError("logits() needs a model that ends in a softmax")
        *body, last = self.layers
        for layer in body:
            x = layer(x)
        return x if isinstance(last, Softmax) else last.pre_activation(x)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)
