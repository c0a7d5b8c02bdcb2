"""A gradient check as a picture: backprop's and the numerical gradient on every edge, the wrong ones marked.

When an op's backward is wrong, the two gradients agree on every edge after that op (nearer the
output) and part on the edges into it: the first marked edges, read from the output, end at the
culprit. `autograd.testing.check_grads` draws this picture of the smallest failing input it finds.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import NamedTuple

import graphviz

from autograd import Tensor
from autograd.testing import STEP, EdgeGradients, compare_node_gradients

from .graph import (
    GRADIENT_COLOR,
    MISSING_COLOR,
    NAME_COLOR,
    DrawOptions,
    _BookPainter,
    _colored,
    _html,
    build_digraph,
    check_suffix,
    warn_if_unreadable,
    write_graph,
)
from .labels import counted, escape, format_number, gradient_text

NUMERICAL_COLOR = "#1a7f37"  # a dark green: the central difference, beside backprop's red
WRONG_COLOR = "#e66100"  # orange: an edge whose two gradients disagree (apart from red and green for most readers)


def draw_gradcheck(f, *inputs, eps: float = STEP, atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0,
                   rankdir: str = "LR", precision: int = 4, max_nodes: int = 500) -> graphviz.Digraph:
    """A picture of the gradient check of `f(*inputs)` (as `autograd.gradcheck` runs it), as a `graphviz.Digraph`.

    Returns the Digraph (shows inline in Jupyter; `render_gradcheck` writes a file). Every edge
    carries the value flowing forward, then the gradient that came back along it (d output / d value
    through that one use) twice: by backprop (red, "backprop") and by central differences (green,
    "numerical"). Where the two disagree beyond atol + rtol * |numerical| the edge is thick and orange
    and says "✗ wrong at" the worst element's index; the op whose output is right but whose input
    edges are wrong is circled in orange: its backward is the one to look at. A value used several
    times also shows its gradient, the sum of its edges' (Σ). A non-scalar output is folded into one
    number with gradcheck's fixed random weights (`seed`). Into a scalar `Value` op, the numerical
    share is known only for a value used once (the op cannot be rerun alone). The inputs' `.grad` are
    left as they were. The numbers behind the picture: `autograd.testing.compare_node_gradients`.
    """
    check = compare_node_gradients(f, *inputs, eps=eps, atol=atol, rtol=rtol, seed=seed)
    options = DrawOptions(rankdir=rankdir, precision=precision, max_nodes=max_nodes)
    painter = functools.partial(_GradcheckPainter, check)
    graph = build_digraph(check.root, options, check.backprop.get, painter=painter)
    measured = [edge for edge in check.edges.values() if edge.numerical is not None]
    wrong = [edge for edge in measured if edge.wrong is not None]
    edges_text = counted(len(measured), "measured edge")
    verdict = (f"✗ {len(wrong)} of {edges_text} carry a wrong gradient back" if wrong
               else f"✓ backprop and central differences agree on {edges_text}")
    if len(measured) < len(check.edges):
        verdict += " (numerical —: not measured, as a scalar Value op cannot be rerun alone)"
    if check.suspects:
        ops = " or ".join(sorted({node.op for node in check.suspects}))
        verdict += f"; the first, from the output, go into {ops}: look at its backward"
    title = (f"gradient check of {escape(getattr(f, '__name__', 'f'))}: "
             f"{_colored('backprop', GRADIENT_COLOR)} and {_colored('numerical', NUMERICAL_COLOR)} "
             f"share of d output / d value on each edge<br/>{escape(verdict)}")
    graph.attr(label=_html(title), labelloc="t", fontsize="14")
    warn_if_unreadable(graph)
    return graph


def render_gradcheck(f, *inputs, path, **options) -> Path:
    """Draw the gradient check of `f(*inputs)` (options as `draw_gradcheck`) into `path` and return the path.

    The suffix picks the format, as for `viz.render`: .svg, .png, .pdf, or .gv / .dot for the DOT source.
    """
    path = Path(path)
    check_suffix(path)
    return write_graph(draw_gradcheck(f, *inputs, **options), path)


class _GradcheckPainter(_BookPainter):
    """The book's look, with backprop's and the numerical share of the gradient on each edge, the wrong
    edges marked and the op they point at circled. A value used several times shows beside it its own
    gradient (Σ, backprop's), the sum of its edges' shares."""

    def __init__(self, check, graph, ids, options, gradient, shares, highlight):
        super().__init__(graph, ids, options, gradient, shares, highlight)
        self.check, self.suspects = check, set(check.suspects)

    def node_gradient(self, node):
        return _Total(node)  # the Σ beside a value used several times: both of its gradients (see gradient_line)

    def gradient_line(self, gradient, prefix: str = "") -> str:
        if not isinstance(gradient, _Total):
            return super().gradient_line(gradient, prefix)
        node = gradient.node
        lines = [super().gradient_line(self.check.backprop[node], prefix="Σ backprop")]
        numerical = self.check.numerical[node]
        if numerical is not None:
            lines.append(_colored(escape("Σ numerical " + gradient_text(numerical, self.options.precision)),
                                  NUMERICAL_COLOR))
        return "<br/>".join(lines)

    def edge_gradient(self, node, position: int):
        return self.check.edges.get((node, position))  # None for a constant's edge

    def edge_label(self, node, gradient, with_name: bool = True, local_gradient: str | None = None) -> str:
        if node is self.check.root:  # the output's own edge carries the gradient backward starts from
            gradient = EdgeGradients(self.check.backprop[node], self.check.numerical[node], None)
        lines = self.value_lines(node)
        if with_name and node.name and node.parents:
            lines.insert(0, _colored(escape(node.name), NAME_COLOR))
        if gradient is not None:
            lines.append(self.gradient_line(gradient.backprop, prefix="backprop"))
            text = "numerical " + gradient_text(gradient.numerical, self.options.precision) \
                if gradient.numerical is not None else "numerical —"
            lines.append(_colored(escape(text), NUMERICAL_COLOR if gradient.numerical is not None else MISSING_COLOR))
            if gradient.wrong is not None:
                text = _wrong_text(node, gradient, self.options.precision)
                lines.append(f"<b>{_colored(escape(text), WRONG_COLOR)}</b>")
        return _html("<br/>".join(lines))

    def op_node(self, node_id: str, node, **attrs) -> None:
        if node in self.suspects:  # the op whose backward the check points at
            attrs = {**attrs, "color": WRONG_COLOR, "fontcolor": WRONG_COLOR, "penwidth": "3"}
        super().op_node(node_id, node, **attrs)

    def edge_marks(self, node, gradient=None) -> dict:
        wrong = isinstance(gradient, EdgeGradients) and gradient.wrong is not None
        return {"color": WRONG_COLOR, "penwidth": "3"} if wrong else {}


class _Total(NamedTuple):
    """A value's own gradient, the sum over its edges, as the painter's Σ line shows it."""

    node: object


def _wrong_text(node, gradient: EdgeGradients, precision: int) -> str:
    """'✗ wrong at index (1,): 6 ≠ 3' for a tensor, '✗ wrong' for a number (its two lines already differ)."""
    if not (isinstance(node, Tensor) and node.ndim):
        return "✗ wrong"
    index = gradient.wrong
    return (f"✗ wrong at index {index}: {format_number(float(gradient.backprop[index]), precision)} ≠ "
            f"{format_number(float(gradient.numerical[index]), precision)}")
