"""Pictures of computational graphs, drawn the way the notes draw them.

Two looks:

- "book" (the notes' figures): leaves by their names, ops as small circles, and on
  every edge the value flowing forward (black, above) and the gradient that came
  back along that edge (red, below). A value used once sends its whole gradient
  back along its one edge; a value used several times (fan-out) gets a share along
  each, and its own gradient, the sum of the shares, is written beside it. The
  output's own gradient, 1, rides on its last edge, which ends at the output's name.
- "record" (micrograd's picture): one box per value, name | data | grad, with a
  small op circle in front of each computed value.

Everything is built with the `graphviz` package; only turning the DOT source into
an image needs Graphviz's `dot` program.
"""
from __future__ import annotations

import collections
import dataclasses
import warnings
from pathlib import Path

import graphviz

from autograd import Tensor, Value, topological_order
from autograd.tensor import numbers_of

from .errors import GraphTooLargeWarning, GraphvizNotFoundError
from .labels import (
    SMALL_TENSOR,
    escape,
    format_array,
    format_number,
    gradient_text,
    op_symbol,
    shape_text,
    summary_lines,
)

STYLES = ("book", "record")
RANKDIRS = ("LR", "RL", "TB", "BT")
IMAGE_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
SOURCE_SUFFIXES = (".gv", ".dot")

# Colours as SVG writes them back, so that tests and readers of the SVG can tell the lines apart.
GRADIENT_COLOR = "red"
LOCAL_GRADIENT_COLOR = "blue"
NAME_COLOR = "#595959"  # a dark gray: an intermediate's name, above its value
MISSING_COLOR = "#8c8c8c"  # a light gray: "—", a gradient not computed yet
PNG_DPI = "150"  # Graphviz's default 96 dpi makes an edge's two small lines hard to read
OUTPUT_ID = "output"
# A name standing as text (the book's leaves and output): sized to its text, so arrows start and end beside it.
TEXT_NODE = {"shape": "plaintext", "width": "0", "height": "0", "margin": "0.06"}
OMITTED_ID = "omitted"
# The engine's own names for the ops that expand_neurons draws (asked of the engine, so they never go stale):
# the fused neuron w.x + b of Value.weighted_sum, and the product and sum it stands for.
WEIGHTED_SUM_OP = Value.weighted_sum([Value(0.0)], [Value(0.0)]).op
PRODUCT_OP = (Value(0.0) * Value(0.0)).op
SUM_OP = (Value(0.0) + Value(0.0)).op
SCREEN_DPI = 96  # how large an SVG shows in a browser or a notebook
MAX_READABLE_PIXELS = 4000  # a picture longer than this on a side cannot be read without endless scrolling
LAYOUT_CHECK_STATEMENTS = 120  # nodes and edges: smaller graphs always fit, no need to lay them out to measure


class Picture(graphviz.Digraph):
    """The `graphviz.Digraph` that `draw_graph` returns; shown in Jupyter without Graphviz's `dot`, it raises
    `GraphvizNotFoundError` with the install advice instead of graphviz's bare `ExecutableNotFound`."""

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFoundError() from None


@dataclasses.dataclass(frozen=True)
class DrawOptions:
    """The checked options of one picture (see `draw_graph`)."""

    style: str = "book"
    show_grad: bool = True
    show_local_grad: bool = False
    rankdir: str | None = None  # None: LR for a Value graph, TB for a Tensor graph (see draw_graph)
    max_nodes: int = 500
    precision: int = 4
    expand_neurons: bool = False

    def __post_init__(self):
        if self.style not in STYLES:
            raise ValueError(f"style must be one of {STYLES}; got {self.style!r}")
        if self.rankdir is not None and self.rankdir not in RANKDIRS:
            raise ValueError(f"rankdir must be one of {RANKDIRS} (left-right, right-left, top-bottom, "
                             f"bottom-top); got {self.rankdir!r}")
        for name in ("max_nodes", "precision"):
            number = getattr(self, name)
            if isinstance(number, bool) or not isinstance(number, int) or number < 1:
                raise ValueError(f"{name} must be a whole number of at least 1; got {number!r}")


def draw_graph(root, style: str = "book", show_grad: bool = True, show_local_grad: bool = False,
               rankdir: str | None = None, max_nodes: int = 500, precision: int = 4,
               expand_neurons: bool = False) -> graphviz.Digraph:
    """A picture of the graph that computed `root` (a `Value` or a `Tensor`), as a `graphviz.Digraph`.

    - `style`: "book" (the notes' figures: values and gradients on the edges) or
      "record" (one box per value: name | data | grad).
    - `show_grad`: write each value's gradient d root / d value in red. Before
      `backward()` has run from `root` every gradient reads "—".
    - `show_local_grad`: also write each edge's local derivative d out / d in
      (e.g. "×1.1" into the tax node) in blue. `Value` graphs only: a `Tensor`
      node keeps no local derivatives, so Tensor pictures show none.
    - `rankdir`: "LR" (inputs on the left, as in the notes), "RL", "TB" or "BT"; by default
      "LR" for a `Value` graph and "TB" (inputs on top) for a `Tensor` graph, whose longer
      labels then stack down the page instead of running off its right edge.
    - `max_nodes`: draw at most this many graph nodes, those nearest the root;
      one extra node says how many were left out (with a `GraphTooLargeWarning`).
    - `precision`: significant digits of every number.
    - `expand_neurons`: draw each fused neuron node `Σwx+b` (`Value.weighted_sum`, as
      `nn.Neuron` makes) as what it computes: one × node per weight and one + node.

    A picture too large to read (over `MAX_READABLE_PIXELS` on a side) gets a
    `GraphTooLargeWarning` that says what to draw instead.
    A `Tensor` shows its name, shape and dtype, its numbers when it has at most
    six elements (else min / mean / max), and its gradient's numbers (or norm).
    In Jupyter the returned Digraph displays inline as SVG; `render` writes files.
    """
    check_root(root)
    options = DrawOptions(style, show_grad, show_local_grad, rankdir, max_nodes, precision, expand_neurons)
    graph = build_digraph(root, options, final_gradients(root))
    warn_if_unreadable(graph)
    return graph


def to_dot(root, **options) -> str:
    """The DOT source of `draw_graph(root, **options)`; needs no Graphviz program."""
    return draw_graph(root, **options).source


def render(root, path, **options) -> Path:
    """Draw `root`'s graph (options as `draw_graph`) into `path` and return the path.

    The suffix picks the format: .svg, .png, .pdf (these need Graphviz's `dot`),
    or .gv / .dot for the DOT source (needs nothing). Without `dot`, an image
    format raises `GraphvizNotFoundError` after writing the DOT source beside it.
    """
    path = Path(path)
    check_suffix(path)
    return write_graph(draw_graph(root, **options), path)


def check_suffix(path: Path) -> None:
    """Refuse a file name whose suffix names no format `render` can write."""
    if path.suffix.lower() not in (*IMAGE_FORMATS, *SOURCE_SUFFIXES):
        known = ", ".join((*IMAGE_FORMATS, *SOURCE_SUFFIXES))
        raise ValueError(f"cannot tell the format of {str(path)!r} from its suffix {path.suffix!r}; use one of {known}")


def write_graph(graph: graphviz.Digraph, path: Path) -> Path:
    """Write `graph` as DOT source or as the image its suffix names; see `render`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix in SOURCE_SUFFIXES:
        path.write_text(graph.source, encoding="utf-8")
        return path
    image_format = IMAGE_FORMATS[suffix]
    if image_format == "png":
        graph = graph.copy()
        graph.attr(dpi=PNG_DPI)
    try:
        image = graph.pipe(format=image_format)
    except graphviz.ExecutableNotFound:
        source_path = path.with_suffix(".gv")
        source_path.write_text(graph.source, encoding="utf-8")
        raise GraphvizNotFoundError(path, source_path) from None
    path.write_bytes(image)
    return path


def check_root(root) -> None:
    """Refuse anything but a graph node before drawing it."""
    if not isinstance(root, (Value, Tensor)):
        raise TypeError(f"viz draws the graph of a Value or a Tensor (the result of a computation); "
                        f"got {type(root).__name__}")


# ---- which gradients to show ------------------------------------------------
def backward_has_run(root) -> bool:
    """True once `backward()` has run from `root`: it sets the root's own gradient (Value: 1, Tensor: an array)."""
    return root.grad is not None if isinstance(root, Tensor) else root.grad != 0.0


def final_gradients(root):
    """node -> the gradient to show: the node's `.grad`, or None ("—") everywhere before backward() ran."""
    if backward_has_run(root):
        return lambda node: node.grad
    return lambda node: None


# ---- the gradient along each edge --------------------------------------------
def gradient_shares(root) -> dict:
    """The gradient that came back along each edge of `root`'s graph in the latest `backward()`: its share.

    Returns a dict with one entry per edge, keyed `(consumer, position)` for the edge from
    `consumer.parents[position]` into `consumer` (a node used twice, as in x * x, has two edges).
    The value is d root / d consumer × d consumer / d parent through that one use: a float in a
    `Value` graph; in a `Tensor` graph an array of the parent's shape, or None where the parent
    needs no gradient (requires_grad=False) or the consumer got none. A parent's own gradient is
    the sum of the shares on its edges: for y = 3x + 5x the edges out of x carry 3 and 5, x.grad is 8.
    (For a leaf that several backward() calls added to, the shares are the latest call's part.)
    The dict is empty before backward() has run from `root`.

    Nothing is stored during backward for this: a `Value` multiplies its gradient by the local
    derivatives it keeps, a `Tensor` runs its op's backward rule once more on its gradient.
    """
    check_root(root)
    if not backward_has_run(root):
        return {}
    return _edge_shares(topological_order(root))


def _edge_shares(consumers) -> dict:
    """{(consumer, position): share} for the edges into each of `consumers` (see `gradient_shares`)."""
    return {(consumer, position): share for consumer in consumers if consumer.parents
            for position, share in enumerate(_sent_to_parents(consumer))}


def _sent_to_parents(node) -> list:
    """What the chain rule sends from `node`'s gradient to each of its parents (None: nothing sent)."""
    grad = node.neuron.grad if isinstance(node, _NeuronPart) else node.grad  # a part's gradient is its neuron's
    if grad is None:
        return [None] * len(node.parents)
    grad = numbers_of(grad)  # backward(create_graph=True) leaves gradients as graph nodes: take their numbers
    if isinstance(node, Tensor):  # the op's own vector-Jacobian product, on the arrays it saw in forward
        return list(node._op.backward(node._ctx, grad, *[parent.data for parent in node.parents], node.data))
    return [local * grad for local in node.local_grads]


# ---- choosing the nodes -----------------------------------------------------
def nodes_nearest_root(root, max_nodes: int) -> tuple[list, int]:
    """The graph's nodes in breadth-first order from `root`, the first `max_nodes` of them,
    and how many were left out."""
    order = [root]
    seen = {root}
    for node in order:  # `order` grows while we walk it: a queue without popping
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                order.append(parent)
    left_out = max(0, len(order) - max_nodes)
    if left_out:
        warnings.warn(
            f"the graph has {len(order):,} nodes; drawing the {max_nodes:,} nearest the output "
            f"(max_nodes={max_nodes}) and one node standing for the {left_out:,} left out; "
            "pass a larger max_nodes to see more",
            GraphTooLargeWarning, stacklevel=4,
        )
    return order[:max_nodes], left_out


# ---- is the picture readable? ----------------------------------------------
def warn_if_unreadable(graph: graphviz.Digraph) -> None:
    """Warn, with what to draw instead, when Graphviz lays `graph` out larger than anyone can read."""
    if len(graph.body) < LAYOUT_CHECK_STATEMENTS:
        return
    try:  # "plain" output starts with: graph <scale> <width> <height>, in inches
        header = graph.pipe(format="plain", encoding="utf-8").split("\n", 1)[0].split()
    except graphviz.ExecutableNotFound:
        return  # without dot nothing can be rendered; render() says so itself
    width, height = (round(float(inches) * SCREEN_DPI) for inches in header[2:4])
    if max(width, height) > MAX_READABLE_PIXELS:
        warnings.warn(
            f"this picture would be {width:,} x {height:,} px, too large to read; draw less: the loss of one "
            "sample instead of a batch, one neuron (draw_graph(model.layers[0].neurons[0](x))), a Tensor model "
            "(one node per layer), or only the nodes nearest the output: draw_graph(y, max_nodes=100)",
            GraphTooLargeWarning, stacklevel=3,
        )


# ---- fused neurons drawn in full ----------------------------------------------
@dataclasses.dataclass(eq=False)
class _NeuronPart:
    """A node that `expand_neurons` draws in place of part of a fused neuron: one product w_i x_i,
    or the sum of the products and b. Each part's gradient is the neuron's (d sum / d part = 1)."""

    data: float
    op: str
    parents: tuple
    local_grads: tuple
    neuron: Value
    name: str | None = None


def expand_neurons(nodes: list, ids: dict) -> list:
    """`nodes` with each fused neuron replaced by its products (×) and their sum (+), which takes the
    neuron's id, so the edges into and out of the neuron stay where they were; `ids` gains the parts."""
    drawn = []
    for node in nodes:
        if not (isinstance(node, Value) and node.op == WEIGHTED_SUM_OP):
            drawn.append(node)
            continue
        count = len(node.parents) // 2
        weights, inputs, bias = node.parents[:count], node.parents[count:2 * count], node.parents[-1]
        products = [_NeuronPart(w.data * x.data, PRODUCT_OP, (w, x), (x.data, w.data), node)
                    for w, x in zip(weights, inputs)]
        total = _NeuronPart(node.data, SUM_OP, (*products, bias), (1.0,) * (count + 1), node, node.name)
        for position, product in enumerate(products):
            ids[product] = f"{ids[node]}_w{position}"
        ids[total] = ids[node]
        drawn += [total, *products]
    return drawn


# ---- building the picture ---------------------------------------------------
def build_digraph(root, options: DrawOptions, gradient, highlight=None, painter=None) -> graphviz.Digraph:
    """The Digraph of `root`'s graph; `gradient(node)` gives the gradient to show (None: "—").

    `highlight` marks one node (the step-through's newest gradient) in red. `painter` replaces the
    style's painter class (a `_Painter` subclass, as the gradient-check picture draws its edges).
    """
    nodes, left_out = nodes_nearest_root(root, options.max_nodes)
    ids = {node: f"v{i}" for i, node in enumerate(nodes)}
    if options.expand_neurons:
        nodes = expand_neurons(nodes, ids)
    rankdir = options.rankdir or ("TB" if isinstance(root, Tensor) else "LR")
    graph = Picture(
        name="computational_graph",
        graph_attr={"rankdir": rankdir, "nodesep": "0.4", "ranksep": "0.8", "fontname": "Helvetica"},
        node_attr={"fontname": "Helvetica", "fontsize": "14"},
        edge_attr={"fontname": "Helvetica", "fontsize": "11", "arrowsize": "0.8"},
    )
    painter = painter or (_BookPainter if options.style == "book" else _RecordPainter)
    shares = _edge_shares(nodes) if backward_has_run(root) else {}
    painter(graph, ids, options, gradient, shares, highlight).draw(root, nodes)
    if left_out:
        _draw_left_out(graph, nodes, ids, left_out)
    return graph


def _draw_left_out(graph, nodes, ids, left_out: int) -> None:
    """One dashed node for everything past `max_nodes`, feeding each drawn node that lost an input."""
    graph.node(OMITTED_ID, _html(f"… {left_out:,} more nodes not drawn"), shape="box", style="dashed",
               fontsize="12")
    for node in nodes:
        if any(parent not in ids for parent in node.parents):
            graph.edge(OMITTED_ID, ids[node], style="dashed")


def _html(body: str) -> str:
    """Mark `body` (already escaped) as an HTML-like label; `graphviz` passes <...> through unquoted."""
    return f"<{body}>"


def _colored(text: str, color: str) -> str:
    return f'<font color="{color}">{text}</font>'


class _Painter:
    """What both looks share: node ids, options, and how a value and its gradient read.

    `gradient(node)` is the gradient to show for a node (None: "—"); `shares` the gradient
    each edge carried back (see `gradient_shares`).
    """

    def __init__(self, graph, ids, options: DrawOptions, gradient, shares, highlight):
        self.graph, self.ids, self.options = graph, ids, options
        self.gradient, self.shares, self.highlight = gradient, shares, highlight

    def node_gradient(self, node):
        """The gradient shown for `node`; a part of an expanded neuron shows the neuron's."""
        return self.gradient(node.neuron if isinstance(node, _NeuronPart) else node)

    def edge_gradient(self, node, position: int):
        """The share of the gradient on the edge into `node` from its parent at `position`, once the
        parent's own gradient shows (the step-through reveals both in the same frame)."""
        if self.node_gradient(node.parents[position]) is None:
            return None
        return self.shares[node, position]

    def value_lines(self, node) -> list[str]:
        """A value's forward lines, escaped: its number, or a tensor's shape, dtype and numbers."""
        precision = self.options.precision
        if isinstance(node, Tensor):
            return [escape(shape_text(node.data)), *(escape(line) for line in summary_lines(node.data, precision))]
        return [escape(format_number(node.data, precision))]

    def gradient_line(self, gradient, prefix: str = "") -> str:
        """`gradient` in red, or a gray "—" while it is not computed (a red dash would read like a value)."""
        text = gradient_text(gradient, self.options.precision)
        if prefix and not text.startswith("‖grad‖"):  # a norm names itself
            text = f"{prefix} {text}"
        return _colored(escape(text), GRADIENT_COLOR if gradient is not None else MISSING_COLOR)

    def local_gradient(self, node, position: int) -> str | None:
        """'×1.1' in blue (escaped, not yet a label): d node / d parents[position], for Value nodes when asked for."""
        if not self.options.show_local_grad or isinstance(node, Tensor):
            return None
        return _colored(escape("×" + format_number(node.local_grads[position], self.options.precision)),
                        LOCAL_GRADIENT_COLOR)

    def op_node(self, node_id: str, node, **attrs) -> None:
        """A small circle labelled by the op; longer symbols (tanh, ReLU) get a circle that fits them."""
        symbol = op_symbol(node)
        size = {"fixedsize": "true", "width": "0.45"} if len(symbol) <= 2 else \
               {"width": "0.45", "margin": "0.03", "fontsize": "12"}
        self.graph.node(node_id, _html(escape(symbol)), shape="circle", **size, **attrs)


class _BookPainter(_Painter):
    """The notes' look: values on the edges, ops as circles, leaves and the output by name."""

    def draw(self, root, nodes) -> None:
        fanned_out = self.fanned_out(nodes)
        for node in nodes:
            marked = {"color": GRADIENT_COLOR, "fontcolor": GRADIENT_COLOR} if node is self.highlight else {}
            # A value used several times shows its own gradient, the sum of its edges' shares, as the book's
            # branch figures do: under a leaf's name, beside an op's circle.
            total = self.gradient_line(self.node_gradient(node), prefix="Σ") if node in fanned_out else None
            if node.parents:
                self.op_node(self.ids[node], node, **({"xlabel": _html(total)} if total else {}), **marked)
            else:
                title = escape(_leaf_title(node, self.options.precision))
                self.graph.node(self.ids[node], _html(f"{title}<br/>{total}" if total else title),
                                **TEXT_NODE, **marked)
        for node in nodes:
            for position, parent in enumerate(node.parents):
                if parent in self.ids:  # a node used twice (x * x) gets one edge per use
                    gradient = self.edge_gradient(node, position)
                    label = self.edge_label(parent, gradient, local_gradient=self.local_gradient(node, position))
                    self.graph.edge(self.ids[parent], self.ids[node], label=label, **self.edge_marks(parent, gradient))
        # The output's own gradient (1 after backward) rides on a last edge that ends at its name.
        self.graph.node(OUTPUT_ID, _html(escape(root.name or "")), **TEXT_NODE)
        self.graph.edge(self.ids[root], OUTPUT_ID, label=self.edge_label(root, self.node_gradient(root), False),
                        **self.edge_marks(root))

    def fanned_out(self, nodes) -> set:
        """The drawn nodes with more than one drawn edge out, when gradients are shown."""
        if not self.options.show_grad:
            return set()
        edges_out = collections.Counter(parent for node in nodes for parent in node.parents if parent in self.ids)
        return {node for node, count in edges_out.items() if count > 1}

    def edge_label(self, node, gradient, with_name: bool = True, local_gradient: str | None = None) -> str:
        """The value flowing along an edge out of `node`, the gradient that came back along it in red below,
        then the local derivative."""
        lines = self.value_lines(node)
        if with_name and node.name and node.parents:  # a named intermediate result; leaves show names already
            lines.insert(0, _colored(escape(node.name), NAME_COLOR))
        if self.options.show_grad:
            lines.append(self.gradient_line(gradient))
        if local_gradient:
            lines.append(local_gradient)
        return _html("<br/>".join(lines))

    def edge_marks(self, node, gradient=None) -> dict:
        """The step-through draws the edges that carry the newest gradient bold and red. (`gradient` is the
        one the edge carries, for a painter that marks edges by it: the gradient-check picture.)"""
        return {"color": GRADIENT_COLOR, "penwidth": "2"} if node is self.highlight else {}


class _RecordPainter(_Painter):
    """micrograd's look: a box per value (name | data | grad), an op circle in front of each result."""

    def draw(self, root, nodes) -> None:
        for node in nodes:
            # The node is exactly the table, so arrows end on its border: no margin, and no minimum size
            # (Graphviz's default 0.5 inch height is taller than a one-row table, so arrows stopped short).
            self.graph.node(self.ids[node], self.box_label(node), shape="plaintext", margin="0", width="0",
                            height="0")
            if node.parents:
                op_id = self.ids[node] + "_op"
                self.op_node(op_id, node)
                self.graph.edge(op_id, self.ids[node])
        for node in nodes:
            for position, parent in enumerate(node.parents):
                if parent in self.ids:
                    local_gradient = self.local_gradient(node, position)
                    self.graph.edge(self.ids[parent], self.ids[node] + "_op",
                                    label=_html(local_gradient) if local_gradient else None)

    def box_label(self, node) -> str:
        """name | data | grad: side by side for a Value as in micrograd; stacked for a Tensor's longer lines."""
        values = self.value_lines(node)
        scalar = not isinstance(node, Tensor)
        if scalar:
            values = [f"data {values[0]}"]
        cells = [f"<b>{escape(node.name)}</b>"] if node.name else []
        cells += values
        if self.options.show_grad:
            cells.append(self.gradient_line(self.node_gradient(node), prefix="grad"))
        background = ' bgcolor="#ffe9e9"' if node is self.highlight else ""
        cells = [f"<td>{cell}</td>" for cell in cells]
        rows = "<tr>" + "".join(cells) + "</tr>" if scalar else \
               "".join(f"<tr>{cell}</tr>" for cell in cells)
        return _html(f'<table border="0" cellborder="1" cellspacing="0" cellpadding="4"{background}>{rows}</table>')


def _leaf_title(node, precision: int) -> str:
    """How a leaf is named in the book look: its name, else its number (an unnamed constant such as 2)."""
    if node.name:
        return node.name
    if isinstance(node, Tensor):
        return format_array(node.data, precision) if node.size <= SMALL_TENSOR else shape_text(node.data)
    return format_number(node.data, precision)
