"""The backprop explorer: one self-contained HTML page to step through a graph, fold it by module and inspect it.

    explorer = viz.explore(loss)          # runs loss.backward() if it has not run yet
    explorer.save("out/explorer.html")    # one file, no network: open it in any browser
    explorer                              # in Jupyter: the same page, inline

The page steps through the forward pass in topological order, then the backward
sweep in reverse (→ ← Home End, or the buttons); each step shows only what is known
then. Nodes are grouped by the module call that made them (the engine records it in
`node.made_in` while a module's forward runs); a group folds into one box and a click
unfolds it; graphs over `fold_above` nodes open folded. Clicking a node or an edge
shows its numbers, and for a Tensor a heatmap and a histogram of its values and
gradient.

Graphviz lays the graph out, one group at a time: each group's contents are laid out
on their own, then the group is one box of that size in the layout around it, so a
large graph costs many small layouts (one `dot` run per nesting depth) instead of one
huge one. The page's script (explore.js) and style (explore.css) are inlined.
"""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import graphviz
import numpy as np

from autograd import Tensor, backend, topological_order
from autograd.tensor import numbers_of
from autograd.testing import STEP, compare_node_gradients

from .graph import backward_has_run, check_root, gradient_shares
from .labels import _on_host, format_number, gradient_text, op_symbol, shape_text, summarize_array

FOLD_ABOVE = 300  # graphs with more nodes than this open with every module folded
HEATMAP_SIDE = 16  # a tensor's heatmap shows at most this many rows and columns (block means beyond)
HISTOGRAM_BINS = 20  # the page's histograms of large tensors; explore.js bins small ones the same way
RANK_GAP = 0.45  # inches between the columns of a layout (Graphviz's ranksep)
LABELLED_RANK_GAP = 1.8
LAYOUT_FAN_OUT = 4  # links out of one item that the layout heeds (see _fewer_fan_out_links)
POINTS_PER_INCH = 72  # Graphviz's plain output is in inches; the page draws in points
CHARACTER_WIDTH = 6.0  # points per character of the page's 11-pixel font (an estimate that errs wide)
LINE_HEIGHT = 14
LINE_CHARACTERS = 32  # a node's lines are cut to this many characters (explore.js); the inspector shows all
NODE_PADDING = 8
GROUP_PADDING = 10
GROUP_TITLE_HEIGHT = 16
IFRAME_HEIGHT = 640  # pixels of a notebook output given to the page
_ASSETS = Path(__file__).parent


class Explorer:
    """The explorer page of one graph: `save(path)` writes it, Jupyter shows it inline (`_repr_html_`).

    `model` is everything the page draws, as JSON-ready data (nodes with their layout,
    texts and numbers; edges; module groups; the topological order).
    """

    def __init__(self, model: dict):
        self.model = model

    def html(self) -> str:
        """The whole page as one string: style, data and script inlined, nothing fetched."""
        # "</" inside a <script> would end it early; JSON allows "<\/" for the same characters.
        data = json.dumps(self.model, separators=(",", ":")).replace("</", "<\\/")
        return _PAGE.format(title=html.escape(self.model["title"]), style=_asset("explore.css"),
                            data=data, script=_asset("explore.js"))

    def save(self, path) -> Path:
        """Write the page to `path` (folders made as needed) and return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.html(), encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        # An iframe keeps the page's ids, style and keys apart from the notebook's own.
        return (f'<iframe srcdoc="{html.escape(self.html(), quote=True)}" style="width: 100%; '
                f'height: {IFRAME_HEIGHT}px; border: 1px solid #ddd"></iframe>')


def explore(root, precision: int = 4, fold_above: int = FOLD_ABOVE, title: str | None = None) -> Explorer:
    """The explorer page of the graph that computed `root` (a `Value` or a `Tensor`); see the module docstring.

    Runs `root.backward()` once if it has not run yet (otherwise shows the gradients
    already there). `precision`: significant digits of every number. Graphs with
    more than `fold_above` nodes open with every module group folded. Explore while
    the model is alive: a node keeps only a weak reference to the module that made
    it, so groups of a deleted model are titled "a deleted module" and keep no weights.
    """
    check_root(root)
    if not backward_has_run(root):
        root.backward()
    return _explorer(root, lambda node: node.grad, gradient_shares(root), precision, fold_above, title)


def explore_gradcheck(f, *inputs, eps: float = STEP, atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0,
                      precision: int = 4, fold_above: int = FOLD_ABOVE) -> Explorer:
    """The explorer of `f(*inputs)`'s graph with its gradient check, for someone writing their own `autograd.Op`.

    `autograd.testing.compare_node_gradients` (as `viz.draw_gradcheck` runs it) gives backprop's and the
    numerical gradient of every node and edge; the page shows backprop's as gradients, the numerical
    ones in the inspector, and draws every edge where the two disagree (beyond atol + rtol * |numerical|)
    thick and orange with both numbers; the op whose output agrees but whose inputs do not (its backward
    is the one to look at) is outlined in orange. The inputs' `.grad` are left as they were.
    """
    check = compare_node_gradients(f, *inputs, eps=eps, atol=atol, rtol=rtol, seed=seed)
    shares = {edge: gradients.backprop for edge, gradients in check.edges.items()}
    name = getattr(f, "__name__", "f")
    return _explorer(check.root, check.backprop.get, shares, precision, fold_above, f"gradient check of {name}",
                     check)


def _explorer(root, gradient, shares: dict, precision: int, fold_above: int, title, check=None) -> Explorer:
    """The page of `root`'s graph showing `gradient(node)` (None: none) and the edges' `shares`, and where
    `check` (a `NodeGradients`) is given, the numerical gradients and the edges where they disagree."""
    nodes = topological_order(root)
    index = {node: position for position, node in enumerate(nodes)}
    groups, node_groups = _module_groups(nodes)
    _place_parameters_in_their_modules(nodes, index, node_groups, groups)
    fan_out = [0] * len(nodes)
    for node in nodes:
        for parent in node.parents:
            fan_out[index[parent]] += 1
    node_records = [_node_record(node, gradient(node), node_groups[position], fan_out[position] > 1, precision)
                    for position, node in enumerate(nodes)]
    edges = [_edge_record(node, position, index, shares, precision)
             for node in nodes for position in range(len(node.parents))]
    page = {}
    if check is not None:
        page["verdict"] = _mark_gradient_check(check, nodes, node_records, edges, precision)
    # A gradient check labels its wrong edges with two numbers: they need room between the ranks.
    _lay_out(node_records, groups, edges, LABELLED_RANK_GAP if check is not None else RANK_GAP)
    for group in groups:
        group["folded"] = len(nodes) > fold_above
        del group["module"]
    root_title = root.name or "the output"
    return Explorer({"title": title or root_title, "root": root_title, "nodes": node_records, "edges": edges,
                     "groups": groups, **page})


# ---- module groups ------------------------------------------------------------------------------
def _module_groups(nodes) -> tuple[list, list]:
    """One group per module call that made some of `nodes` (and the calls around it), and each node's group (-1: none).

    A call is the `(weak reference to the module, outer call)` tuple that `nn.Module.__call__` made, kept by
    each node as `made_in`.
    """
    groups, group_of_call = [], {}

    def group_index(call) -> int:
        if call is None:
            return -1
        if id(call) not in group_of_call:  # the call tuples live as long as the nodes that keep them
            parent = group_index(call[1])
            group_of_call[id(call)] = len(groups)
            groups.append({"id": len(groups), "parent": parent, "module": call[0]()})  # None once deleted
        return group_of_call[id(call)]

    node_groups = [group_index(getattr(node, "made_in", None)) for node in nodes]
    paths = {}  # id(module) -> its dotted path in the outermost module that ran
    for group in groups:
        if group["parent"] == -1 and group["module"] is not None:
            paths.update((id(module), path) for path, module in group["module"].named_modules())
    for group in groups:
        kind = type(group["module"]).__name__ if group["module"] is not None else "a deleted module"
        path = paths.get(id(group["module"]), "")
        group["title"] = f"{path} · {kind}" if path else kind
    return groups, node_groups


def _place_parameters_in_their_modules(nodes, index, node_groups, groups) -> None:
    """A parameter (a leaf made outside any forward: a layer's W and b) joins the group of the module that owns it,
    when all its uses lie inside one call of that module; inputs and shared weights stay outside."""
    consumer_groups = {}
    for node in nodes:
        for parent in node.parents:
            consumer_groups.setdefault(index[parent], set()).add(node_groups[index[node]])
    owned = {}  # id(module) -> ids of its parameters, asked once per module
    for position, node in enumerate(nodes):
        uses = consumer_groups.get(position, ())
        if node.parents or node_groups[position] != -1 or len(uses) != 1:
            continue
        group = next(iter(uses))
        while group != -1:
            module = groups[group]["module"]
            if module is None:
                break
            if id(module) not in owned:
                owned[id(module)] = {id(parameter) for parameter in module.parameters()}
            if id(node) in owned[id(module)]:
                node_groups[position] = group
                break
            group = groups[group]["parent"]


# ---- what the page shows of each node and edge ------------------------------------------------------
def _node_record(node, grad, group: int, fans_out: bool, precision: int) -> dict:
    """A node's texts (title, value, its gradient `grad`), its group and, for a Tensor, what the inspector shows."""
    tensor = isinstance(node, Tensor)
    if node.parents:
        title = f"{node.name} = {op_symbol(node)}" if node.name else op_symbol(node)
    else:
        title = node.name or "constant"  # its number is on the next line
    value = (f"{shape_text(node.data)}: {summarize_array(node.data, precision)}" if tensor
             else format_number(node.data, precision))
    # A Tensor that needs no gradient has None; every Value has one (0 when nothing flowed to it).
    record = {"title": title, "value": value, "grad": gradient_text(grad, precision) if grad is not None else None,
              "group": group, "fansOut": fans_out, "op": node.op}
    if tensor:
        record["inspect"] = {"shape": list(node.shape), "dtype": backend.dtype_name(node.dtype),
                             "value": _array_summary(node.data)}
        if grad is not None:
            record["inspect"]["grad"] = _array_summary(grad)
    elif grad is not None:
        record["gradNumber"] = float(numbers_of(grad))  # the engine's own number, for whoever checks the page
    return record


def _mark_gradient_check(check, nodes: list, node_records: list, edges: list, precision: int) -> str:
    """Add the check's numerical gradients to the nodes and edges, mark where they disagree, and return the verdict."""
    for node, record in zip(nodes, node_records):
        numerical = check.numerical.get(node)
        if numerical is not None:
            record["numerical"] = gradient_text(numerical, precision)
        record["suspect"] = node in check.suspects
    edge_checks = [check.edges.get((node, position)) for node in nodes for position in range(len(node.parents))]
    wrong = 0
    for record, gradients in zip(edges, edge_checks):
        if gradients is None or gradients.numerical is None:
            continue
        record["numerical"] = gradient_text(gradients.numerical, precision)
        record["wrong"] = gradients.wrong is not None
        wrong += record["wrong"]
    measured = sum(1 for gradients in edge_checks if gradients is not None and gradients.numerical is not None)
    if not wrong:
        return f"✓ backprop and the numerical gradient agree on all {measured} measured edges"
    ops = " or ".join(sorted({node.op for node in check.suspects}))
    return (f"✗ {wrong} of {measured} measured edges carry a wrong gradient back (orange)"
            + (f"; they go into {ops}, outlined: look at its backward" if ops else ""))


def _edge_record(node, position: int, index: dict, shares: dict, precision: int) -> dict:
    """The edge from `node.parents[position]` into `node`: its ends, local derivative (Value) and share."""
    record = {"from": index[node.parents[position]], "to": index[node]}
    if not isinstance(node, Tensor):
        record["local"] = "×" + format_number(node.local_grads[position], precision)
    share = shares.get((node, position))
    if share is not None:
        record["share"] = gradient_text(share, precision)
    return record


def _array_summary(array) -> dict:
    """A tensor's numbers for the inspector, which computes the statistics, heatmap and histogram itself:
    all of them (float32, base64) when there are at most HEATMAP_SIDE squared, else a grid of block means
    with the whole array's statistics and histogram (so a large array's extremes are not averaged away)."""
    array = np.asarray(_on_host(numbers_of(array)), dtype=np.float64)
    matrix = array.reshape(1, -1) if array.ndim < 2 else array.reshape(-1, array.shape[-1])
    summary = {"rows": matrix.shape[0], "columns": matrix.shape[1]}
    if array.size > HEATMAP_SIDE ** 2:
        finite = array[np.isfinite(array)]
        if finite.size:
            summary["stats"] = [float(finite.min()), float(finite.mean()), float(finite.max()), float(finite.std())]
            summary["histogram"] = np.histogram(finite, bins=HISTOGRAM_BINS)[0].tolist()
        matrix = _block_means(matrix)
        summary.update(rows=matrix.shape[0], columns=matrix.shape[1])
    summary["cells"] = base64.b64encode(matrix.astype("<f4").tobytes()).decode("ascii")
    return summary


def _block_means(matrix: np.ndarray) -> np.ndarray:
    """`matrix` shrunk to at most HEATMAP_SIDE a side, each cell the mean of its block."""
    for axis in (0, 1):
        length = matrix.shape[axis]
        if length > HEATMAP_SIDE:
            blocks = np.array_split(np.arange(length), HEATMAP_SIDE)
            matrix = np.stack([np.take(matrix, block, axis=axis).mean(axis=axis) for block in blocks], axis=axis)
    return matrix


# ---- layout ----------------------------------------------------------------------------------------
def _node_size(record: dict) -> tuple[float, float]:
    """Width and height in points of a node's box: three lines (title, value, gradient)."""
    longest = min(max(len(record["title"]), len(record["value"]), len(record["grad"] or ""), 3), LINE_CHARACTERS)
    return longest * CHARACTER_WIDTH + 2 * NODE_PADDING, 3 * LINE_HEIGHT + NODE_PADDING


def _lay_out(nodes: list, groups: list, edges: list, rank_gap: float) -> None:
    """Give every node and group its size (w, h) and its centre in its container's two layouts, in points:
    `at` with the child groups open, `atFolded` with all of them folded (a small box each).

    Groups are laid out innermost first: a group's nodes and child groups (as boxes of
    their size) in one Graphviz layout, then the group is a box in its parent's layout.
    The page (explore.js) places each container's items by the first layout while one of its
    child groups is open, else by the second, so a folded graph is as small as its boxes.
    """
    depth = []
    for group in groups:  # a parent always comes before its children
        depth.append(0 if group["parent"] == -1 else depth[group["parent"]] + 1)
    chains = [_group_chain(record["group"], groups) for record in nodes]  # outermost group first
    members = {container: [] for container in (-1, *range(len(groups)))}  # each container's items
    for position, record in enumerate(nodes):
        members[record["group"]].append(("n", position))
    for group in groups:
        members[group["parent"]].append(("g", group["id"]))
    links = {container: set() for container in members}  # the links Graphviz lays out
    for edge in edges:  # an edge joins, in the innermost container holding both ends, the items holding them
        start, end = chains[edge["from"]], chains[edge["to"]]
        shared = 0
        while shared < min(len(start), len(end)) and start[shared] == end[shared]:
            shared += 1
        container = start[shared - 1] if shared else -1
        first = ("g", start[shared]) if shared < len(start) else ("n", edge["from"])
        second = ("g", end[shared]) if shared < len(end) else ("n", edge["to"])
        if first != second:
            links[container].add((first, second))
    for container, pairs in links.items():
        links[container] = _fewer_fan_out_links(pairs)
    sizes = {("n", position): _node_size(record) for position, record in enumerate(nodes)}
    folded_sizes = dict(sizes)
    for group in groups:
        folded_sizes["g", group["id"]] = (max(len(group["title"]) + 2, 12) * CHARACTER_WIDTH + 2 * NODE_PADDING,
                                          GROUP_TITLE_HEIGHT + 2 * GROUP_PADDING)
        group.update(fw=round(folded_sizes["g", group["id"]][0], 1), fh=round(folded_sizes["g", group["id"]][1], 1))
    for level in sorted(set(depth) | {-1}, reverse=True):
        containers = [-1] if level == -1 else [group["id"] for group in groups if depth[group["id"]] == level]
        # A container without child groups looks the same folded or not: one layout serves both.
        jobs = [(c, chosen) for c in containers
                for chosen in ((sizes, folded_sizes) if any(kind == "g" for kind, _ in members[c]) else (sizes,))]
        layouts = dict(zip(((c, id(chosen)) for c, chosen in jobs),
                           _graphviz_layouts([(members[c], links[c], chosen) for c, chosen in jobs], rank_gap)))
        for container in containers:
            width, height, open_centres = layouts[container, id(sizes)]
            inner_width, inner_height, folded_centres = layouts.get((container, id(folded_sizes)),
                                                                    layouts[container, id(sizes)])
            if container != -1:  # its size open, and open with its child groups folded (iw, ih)
                sizes["g", container] = (width + 2 * GROUP_PADDING, height + 2 * GROUP_PADDING + GROUP_TITLE_HEIGHT)
                groups[container].update(iw=round(inner_width + 2 * GROUP_PADDING, 1),
                                         ih=round(inner_height + 2 * GROUP_PADDING + GROUP_TITLE_HEIGHT, 1))
            for item, centre in open_centres.items():
                record = nodes[item[1]] if item[0] == "n" else groups[item[1]]
                record.update(at=[round(centre[0], 1), round(centre[1], 1)],
                              atFolded=[round(folded_centres[item][0], 1), round(folded_centres[item][1], 1)])
    for kind, number in sizes:
        record = nodes[number] if kind == "n" else groups[number]
        record.update(w=round(sizes[kind, number][0], 1), h=round(sizes[kind, number][1], 1))


def _fewer_fan_out_links(pairs: set) -> list:
    """At most LAYOUT_FAN_OUT links out of each item, for the layout only (the page draws every edge).

    A weight used by every sample of a batch would otherwise tie hundreds of items together,
    and Graphviz's crossing minimisation grows far faster than the graph.
    """
    kept, used = [], {}
    for start, end in sorted(pairs):
        used[start] = used.get(start, 0) + 1
        if used[start] <= LAYOUT_FAN_OUT:
            kept.append((start, end))
    return kept


def _group_chain(group: int, groups: list) -> list:
    """The groups around a node, outermost first (empty outside every module)."""
    chain = []
    while group != -1:
        chain.append(group)
        group = groups[group]["parent"]
    return chain[::-1]


def _graphviz_layouts(graphs: list, rank_gap: float) -> list:
    """Lay out several small graphs (items, links, sizes) with one `dot` run.

    Returns for each: width, height, {item: centre}. A graph of one item (a group around one node,
    as an activation module) is that item: Graphviz is not asked."""
    source = []
    for items, links, sizes in graphs:
        if len(items) == 1:
            continue
        source.append(f"digraph {{ rankdir=LR; nodesep=0.25; ranksep={rank_gap}; splines=false; "
                      "node [shape=box, fixedsize=true, label=\"\"];")
        source += [f"{kind}{number} [width={sizes[kind, number][0] / POINTS_PER_INCH:.3f}, "
                   f"height={sizes[kind, number][1] / POINTS_PER_INCH:.3f}];" for kind, number in items]
        source += [f"{a[0]}{a[1]} -> {b[0]}{b[1]};" for a, b in links]
        source.append("}")
    plain = graphviz.pipe("dot", "plain", "\n".join(source).encode("utf-8")).decode("utf-8") if source else ""
    blocks = iter(plain.split("\nstop"))
    layouts = []
    for items, _, sizes in graphs:
        if len(items) == 1:
            width, height = sizes[items[0]]
            layouts.append((width, height, {items[0]: (width / 2, height / 2)}))
            continue
        centres, width, height = {}, 0.0, 0.0
        for line in next(blocks).strip().splitlines():
            fields = line.split()
            if fields[0] == "graph":
                width, height = float(fields[2]) * POINTS_PER_INCH, float(fields[3]) * POINTS_PER_INCH
            elif fields[0] == "node":  # plain's y grows upwards; the page's grows downwards
                item = (fields[1][0], int(fields[1][1:]))
                centres[item] = (float(fields[2]) * POINTS_PER_INCH, height - float(fields[3]) * POINTS_PER_INCH)
        layouts.append((width, height, centres))
    return layouts


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Backprop explorer: {title}</title>
<style>
{style}
</style>
</head>
<body>
<header>
  <nav>
    <button id="first" type="button" title="Home">|&#x25C0; first</button>
    <button id="previous" type="button" title="&larr;">&#x25C0; previous</button>
    <button id="next" type="button" title="&rarr;">next &#x25B6;</button>
    <button id="last" type="button" title="End">last &#x25B6;|</button>
    <span id="counter"></span>
  </nav>
  <label><input id="show-local" type="checkbox"> local derivatives</label>
  <label><input id="show-shares" type="checkbox"> shares at fan-out</label>
  <button id="fold-all" type="button">fold all</button>
  <button id="unfold-all" type="button">unfold all</button>
  <button id="zoom-out" type="button">&minus;</button>
  <button id="zoom-in" type="button">+</button>
  <p id="caption"></p>
</header>
<main>
  <div id="canvas"><svg id="graph" xmlns="http://www.w3.org/2000/svg"></svg></div>
  <aside id="inspector"><p class="hint">Click a node or an edge to inspect it; click a module's box to fold
  or unfold it. Keys: &rarr; &larr; Home End.</p></aside>
</main>
<script id="model" type="application/json">{data}</script>
<script>
{script}
</script>
</body>
</html>
"""
