"""How numbers, ops and values read in a picture: short numbers, the notes' op symbols, escaped text.

Every label `viz` hands to Graphviz is an HTML-like label built from these pieces,
with all user text (names) passed through `escape`, so a name such as `a<b & "c"`
can neither break the DOT source nor be read as markup, and a control character
in a name shows as the `\\x1b` a learner typed instead of breaking the picture.
"""
from __future__ import annotations

import html
import math
import re
import unicodedata

import numpy as np

from autograd import Tensor, Value, backend

MISSING = "—"  # a gradient backward() has not computed yet: showing 0 would be a lie
SMALL_TENSOR = 6  # tensors with at most this many elements show their numbers, larger ones a summary

# Each op's one ASCII name (`Value.op` and `Tensor.op` alike), drawn as the book draws it.
_OP_GLYPHS = {
    "+": "+", "-": "−", "*": "×", "/": "÷", "neg": "−", "**": "xʸ",
    "exp": "exp", "log": "log", "tanh": "tanh", "sigmoid": "σ", "relu": "ReLU", "weighted_sum": "Σwx+b",
    "@": "@", "sum": "Σ", "transpose": "ᵀ", "broadcast_to": "broadcast", "getitem": "[]",
    "scatter_add": "scatter+", "concatenate": "concat", "log_softmax": "log-softmax",
    "softmax_cross_entropy": "softmax-CE", "softmax_cross_entropy_gradient": "softmax-CE′",
    "unfold": "im2col", "fold": "col2im",  # the book's names (ch. 7)
}
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
# Characters a picture cannot carry: controls (Cc: Graphviz rejects \x00 and \x1b, the rest are invisible),
# lone surrogates (Cs: not encodable as UTF-8) and unassigned code points (Cn: U+FFFE and U+FFFF are not XML).
_UNSHOWABLE_CATEGORIES = frozenset({"Cc", "Cs", "Cn"})


def visible(text: str) -> str:
    """`text` with every character a picture cannot carry written as Python writes it: "a\\x1bb", "x\\n".

    Python's escapes, not the U+2400 control pictures: they match what the learner
    typed and what repr(value) prints, and fonts without those symbols draw boxes.
    """
    return "".join(repr(character)[1:-1] if unicodedata.category(character) in _UNSHOWABLE_CATEGORIES
                   else character for character in text)


def escape(text) -> str:
    """User text made safe inside an HTML-like Graphviz label or an HTML page (controls made `visible`;
    quotes, <, >, & escaped)."""
    return html.escape(visible(str(text)), quote=True)


def format_number(x, precision: int = 4) -> str:
    """`x` with `precision` significant digits and no float noise: 110.00000000000001 -> '110'.

    Whole parts below a million keep all their digits (12345.6 -> '12346', not
    '1.235e+04'); very large or small numbers use a short exponent ('1.5e-7').
    """
    x = float(x)
    if x == 0:
        return "0"  # also folds -0.0, which reads like a mistake in a picture
    if not math.isfinite(x):
        return str(x)
    whole_digits = len(str(round(abs(x))))  # counted after rounding: 99999.99 has six (100000), not five
    significant = max(precision, whole_digits) if abs(x) < 1e6 else precision
    mantissa, _, exponent = f"{x:.{significant}g}".partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def counted(number: int, noun: str) -> str:
    """'1 epoch', '3 epochs': a count with its noun in the right number (nouns that take an s)."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _on_host(array):
    """A picture shows numbers on the host: arrays of other libraries (CuPy, Dask...) are copied to NumPy."""
    return array if isinstance(array, (np.ndarray, np.generic, float, int)) else backend.to_numpy(array)


def format_array(array: np.ndarray, precision: int = 4) -> str:
    """The numbers of a small array, nested like a Python list: [[1, 2], [3, 4]]."""
    array = _on_host(array)
    if array.ndim == 0:
        return format_number(array, precision)
    return "[" + ", ".join(format_array(row, precision) for row in array) + "]"


def summarize_array(array: np.ndarray, precision: int = 4) -> str:
    """The numbers when there are few of them, otherwise min / mean / max."""
    array = _on_host(array)
    if array.size <= SMALL_TENSOR:
        return format_array(array, precision)
    return (f"min {format_number(array.min(), precision)} · mean {format_number(array.mean(), precision)}"
            f" · max {format_number(array.max(), precision)}")


def summary_lines(array: np.ndarray, precision: int = 4) -> list[str]:
    """`summarize_array` in short lines for a picture: the numbers when there are few of them,
    otherwise 'min a · max b' above 'mean c' (one long line made wide Tensor graphs unreadable)."""
    array = _on_host(array)
    if array.size <= SMALL_TENSOR:
        return [format_array(array, precision)]
    return [f"min {format_number(array.min(), precision)} · max {format_number(array.max(), precision)}",
            f"mean {format_number(array.mean(), precision)}"]


def gradient_text(grad, precision: int = 4) -> str:
    """A gradient as it reads on a picture: '—' when not computed, a number, or a tensor's numbers or norm."""
    if grad is None:
        return MISSING
    if isinstance(grad, (Value, Tensor)):  # backward(create_graph=True) leaves gradients as graph nodes
        grad = grad.data
    grad = _on_host(grad)
    if isinstance(grad, np.ndarray):
        if grad.size <= SMALL_TENSOR:
            return format_array(grad, precision)
        return f"‖grad‖ {format_number(np.linalg.norm(grad), precision)}"
    return format_number(grad, precision)


def shape_text(array: np.ndarray) -> str:
    """'(2, 3) float64', '(3,) float32', or 'scalar float64' for a 0-d array."""
    shape = "scalar" if array.ndim == 0 else str(array.shape)
    return f"{shape} {backend.dtype_name(array.dtype)}"


def op_symbol(node) -> str:
    """The symbol the book uses for the op that made `node`: ×, +, −, ÷, x², σ, ReLU, @, Σ, ..."""
    op = node.op
    if op in _OP_GLYPHS:
        return _OP_GLYPHS[op]
    if op.startswith("**"):  # a constant power, "**2" or "**0.5"
        exponent = op[2:]
        if re.fullmatch(r"-?\d+", exponent):
            return "x" + exponent.translate(_SUPERSCRIPTS)
        return f"x^{exponent}"
    return op  # the rest read as they are: max, where, affine, softmax, and any op a user defines
