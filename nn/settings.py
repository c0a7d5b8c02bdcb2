"""The one check of settings (kernel sizes, strides, channels, probabilities, learning rates, ...).

Every constructor of `nn` and every function of `nn.functional` and `nn.optim` passes its settings
through these helpers, so a float stride, a zero kernel or a negative learning rate is answered
alike, with a `SettingError` that names the setting, its value and what is allowed, before any
work starts. A setting too large for the input (a kernel larger than the padded image) can only be
seen with the input, and raises `ShapeError` there.
"""
from __future__ import annotations

import math
import numbers

import numpy as np


class SettingError(ValueError, TypeError):
    """A setting has the wrong type or a value outside what is allowed.

    Both a ValueError and a TypeError, as Python answers such settings with either, so code that
    catches the one Python would raise keeps working.
    """


def _refuse(owner: str, setting: str, allowed: str, value, why: str = "") -> SettingError:
    return SettingError(f"{owner + ': ' if owner else ''}{setting} must be {allowed}; got {value!r}{why}")


def whole_number(value, setting: str, smallest: int | None = 1, largest: int | None = None, owner: str = "") -> int:
    """`value` as an int, which must lie in [smallest, largest] (None: no bound); a bool or a float (even 2.0) is
    refused. `owner` (the layer or function, "Conv2d") starts the error's message."""
    allowed = "a whole number" + (f" >= {smallest}" if smallest is not None else "") \
        + (f" and <= {largest}" if largest is not None else "")
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise _refuse(owner, setting, allowed, value, f" (a {type(value).__name__})")
    if (smallest is not None and value < smallest) or (largest is not None and value > largest):
        raise _refuse(owner, setting, allowed, value)
    return int(value)


def pair_of_whole_numbers(value, setting: str, smallest: int = 1, owner: str = "") -> tuple:
    """An int or a pair (height, width) of ints as a pair, each at least `smallest`."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise _refuse(owner, setting, f"a whole number >= {smallest} or a pair of them (height, width)", value,
                          f" ({len(value)} numbers)")
        return tuple(whole_number(v, f"each of {setting} {tuple(value)!r}", smallest, owner=owner) for v in value)
    size = whole_number(value, setting, smallest, owner=owner)
    return size, size


def floating_dtype(dtype, owner: str = ""):
    """`dtype` as a NumPy floating dtype (float16, float32, float64): the dtype of a layer's weights."""
    try:
        kind = np.dtype(dtype).kind
    except TypeError:
        kind = None
    if kind != "f":
        raise _refuse(owner, "dtype", "a floating dtype (np.float32 or np.float64)", dtype)
    return np.dtype(dtype).type


def real_number(value, setting: str, low: float = -math.inf, high: float = math.inf, low_open: bool = False,
                high_open: bool = False, owner: str = "") -> float:
    """`value` as a float in the interval from `low` to `high` (an open end excludes its bound); nan is refused."""
    allowed = (f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
               if math.isfinite(low) and math.isfinite(high) else
               f"a number {'>' if low_open else '>='} {low:g}" if math.isfinite(low) else "a finite number")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _refuse(owner, setting, allowed, value, f" (a {type(value).__name__})")
    number = float(value)
    inside = (number > low if low_open else number >= low) and (number < high if high_open else number <= high)
    if not inside:  # nan is never inside
        raise _refuse(owner, setting, allowed, value)
    return number
