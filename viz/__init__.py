"""Pictures of computational graphs (graphviz) and of training (matplotlib).

    >>> import viz
    >>> viz.render(price, "out/price.svg")          # the notes' look: values and gradients on edges
    >>> viz.draw_graph(price, style="record")       # micrograd's look, displays inline in Jupyter
"""
from .errors import GraphTooLargeWarning, GraphvizNotFoundError, MissingExtraError
from .graph import draw_graph, render, to_dot
from .steps import render_backprop_steps

__all__ = [
    "draw_graph", "to_dot", "render", "render_backprop_steps",
    "GraphvizNotFoundError", "MissingExtraError", "GraphTooLargeWarning",
]
