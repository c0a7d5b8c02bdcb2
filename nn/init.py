"""Reproducible randomness and weight initialisers.

Every random draw in `nn` comes from a NumPy `Generator`: the one a `seed=`
argument makes, or else the package-wide one that `manual_seed` resets, so a
script that calls `nn.manual_seed(0)` first gets the same network every run.

Initialisers take a shape and a generator and return a float64 array:

- `normal(std=0.01)`: the book's `weight_init_std * np.random.randn(...)`.
- `xavier`: standard deviation 1/sqrt(fan_in), the book's form
  of Xavier Glorot's initialisation, suited to sigmoid and tanh layers.
- `he`: standard deviation sqrt(2/fan_in) (Kaiming He), suited to ReLU layers.
- `uniform(low=-1, high=1)`: micrograd's scalar neurons.

Draws happen on the host, in NumPy, whatever library a model ends up in: a seed gives the
same weights (and dropout masks) everywhere, and `Module.to("cuda")` moves them (the Array
API standard has no random module).
"""
from __future__ import annotations

import functools

import numpy as np

from .settings import SettingError, real_number

_global_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Reset the package-wide random generator, so later draws repeat from run to run."""
    global _global_generator
    _global_generator = np.random.default_rng(seed)


def generator(seed=None) -> np.random.Generator:
    """A fresh generator for `seed`, or the package-wide one when `seed` is None."""
    if seed is None:
        return _global_generator
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _fan_in(shape) -> int:
    if len(shape) == 0:
        raise ValueError("an initialiser needs a shape with at least one axis; got ()")
    return int(shape[0])


def normal(shape, rng: np.random.Generator, std: float = 0.01) -> np.ndarray:
    """Gaussian weights with mean 0 and standard deviation `std` (the book uses 0.01)."""
    return std * rng.standard_normal(shape)


def xavier(shape, rng: np.random.Generator) -> np.ndarray:
    """Gaussian weights with standard deviation 1/sqrt(fan_in), fan_in = shape[0]."""
    return rng.standard_normal(shape) / np.sqrt(_fan_in(shape))


def he(shape, rng: np.random.Generator) -> np.ndarray:
    """Gaussian weights with standard deviation sqrt(2/fan_in), fan_in = shape[0]."""
    return rng.standard_normal(shape) * np.sqrt(2.0 / _fan_in(shape))


def uniform(shape, rng: np.random.Generator, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    """Weights drawn uniformly from [low, high)."""
    return rng.uniform(low, high, size=shape)


INITIALISERS = {"normal": normal, "xavier": xavier, "glorot": xavier, "he": he, "kaiming": he,
                "uniform": uniform}


def get(init):
    """The initialiser for a name ("normal", "xavier", "he", "uniform"), a number (normal with
    that standard deviation, as the book's `weight_init_std`), or a callable(shape, rng)."""
    if callable(init):
        return init
    if isinstance(init, (int, float)) and not isinstance(init, bool):
        return functools.partial(normal, std=real_number(init, "init (a standard deviation)", 0.0, low_open=True))
    if isinstance(init, str) and init.lower() in INITIALISERS:
        return INITIALISERS[init.lower()]
    raise SettingError(
        f"unknown initialiser {init!r}: init must be one of {sorted(INITIALISERS)}, a standard deviation "
        "(e.g. 0.01) or a function (shape, rng) -> array"
    )
