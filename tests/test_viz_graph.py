"""viz.draw_graph / to_dot / render: the notes' apple-and-orange figure, read back from the SVG as a reader would.

Expected numbers come from the notes (chapter 5): forward 200 + 450 = 650,
x 1.1 = 715; backward 1.1 into both branches, apple 2.2, apple_num 110,
orange 3.3, orange_num 165, tax 650. Local derivatives: a product sends each
input the *other* input, a sum sends 1.
"""
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import numpy as np
import pytest
from viz_support import PNG_SIGNATURE, SVG, apple_orange, require_dot, require_matplotlib, svg_edges, svg_nodes

import viz
from autograd import Tensor, Value
from viz.labels import format_number

# (from, to): (forward value, gradient of price) on that edge, as the notes' figure writes them.
NOTES_EDGES = {
    ("apple", "×"): ("100", "2.2"),
    ("apple_num", "×"): ("2", "110"),
    ("orange", "×"): ("150", "3.3"),
    ("orange_num", "×"): ("3", "165"),
    ("tax", "×"): ("1.1", "650"),
    ("+", "×"): ("650", "1.1"),
    ("×", "price"): ("715", "1"),
}


def edge_map(edges):
    return {(e.source, e.target): e for e in edges}


# ---- the notes' figure --------------------------------------------------------------
def test_apple_orange_svg_reads_like_the_notes_figure(tmp_path):
    require_dot()
    path = viz.render(apple_orange()["price"], tmp_path / "apple_orange.svg")
    assert path == tmp_path / "apple_orange.svg"
    edges = svg_edges(path.read_text(encoding="utf-8"))
    drawn = edge_map(edges)
    for (source, target), (value, gradient) in NOTES_EDGES.items():
        edge = drawn[(source, target)]
        assert edge.black == [value], (source, target)
        assert edge.red == [gradient], (source, target)
    # The two products into the sum: 200 and 450, each receiving 1.1 (the + node passes it on unchanged).
    into_sum = sorted((e.black[0], e.red[0]) for e in edges if (e.source, e.target) == ("×", "+"))
    assert into_sum == [("200", "1.1"), ("450", "1.1")]
    assert len(edges) == 9  # 8 edges of the graph and the output's last edge


def test_local_derivatives_on_the_edges(tmp_path):
    require_dot()
    svg = viz.render(apple_orange()["price"], tmp_path / "local.svg", show_local_grad=True).read_text("utf-8")
    drawn = edge_map(svg_edges(svg))
    # d(a*b)/da = b: the tax edge gets x650, the 650 edge gets x1.1; sums give x1.
    expected = {("apple", "×"): "×2", ("apple_num", "×"): "×100", ("orange", "×"): "×3",
                ("orange_num", "×"): "×150", ("tax", "×"): "×650", ("+", "×"): "×1.1"}
    for key, local in expected.items():
        assert drawn[key].blue == [local], key
    assert drawn[("×", "price")].blue == []  # the last edge has no op after it


def test_png_starts_with_the_png_signature(tmp_path):
    require_dot()
    path = viz.render(apple_orange()["price"], tmp_path / "nested" / "apple_orange.png")
    assert path.read_bytes()[:8] == PNG_SIGNATURE


def test_pdf_and_gv_by_suffix(tmp_path):
    require_dot()
    price = apple_orange()["price"]
    assert viz.render(price, tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"
    for suffix in (".gv", ".dot"):
        assert viz.render(price, tmp_path / f"g{suffix}").read_text("utf-8") == viz.to_dot(price)


def test_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"\.jpg"):
        viz.render(apple_orange()["price"], tmp_path / "g.jpg")


def test_jupyter_displays_the_digraph_as_svg():
    require_dot()
    graph = viz.draw_graph(apple_orange()["price"])
    assert isinstance(graph, graphviz.Digraph)
    bundle = graph._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_record_style_has_one_box_per_value_with_name_data_grad(tmp_path):
    require_dot()
    svg = viz.render(apple_orange()["price"], tmp_path / "record.svg", style="record").read_text("utf-8")
    boxes = svg_nodes(svg)
    for box in ("apple data 100 grad 2.2", "apple_num data 2 grad 110", "orange data 150 grad 3.3",
                "orange_num data 3 grad 165", "tax data 1.1 grad 650", "data 200 grad 1.1", "data 450 grad 1.1",
                "data 650 grad 1.1", "price data 715 grad 1"):
        assert box in boxes, box
    assert sorted(box for box in boxes if len(box) <= 2) == ["+", "×", "×", "×"]  # the op circles


# ---- without Graphviz's dot -----------------------------------------------------------
@pytest.fixture
def without_dot(monkeypatch):
    """PATH with every folder that holds a `dot` program taken out."""
    kept = [folder for folder in os.environ.get("PATH", "").split(os.pathsep)
            if folder and not (Path(folder) / "dot").exists() and not (Path(folder) / "dot.exe").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join(kept))
    assert shutil.which("dot") is None


def test_to_dot_and_gv_need_no_dot_and_images_raise_the_documented_error(without_dot, tmp_path):
    price = apple_orange()["price"]
    source = viz.to_dot(price)
    assert "digraph" in source and "715" in source and "apple_num" in source
    assert viz.render(price, tmp_path / "g.gv").read_text("utf-8") == source
    with pytest.raises(viz.GraphvizNotFoundError) as caught:
        viz.render(price, tmp_path / "g.png")
    error = caught.value
    assert isinstance(error, graphviz.ExecutableNotFound)
    message = str(error)
    for install in ("apt-get install graphviz", "brew install graphviz", "winget install graphviz"):
        assert install in message
    written = tmp_path / "g.gv"
    assert str(written) in message and error.dot_source_path == written
    # The picture's own source (a PNG's adds only its resolution), ready for `dot` once installed.
    assert written.read_text("utf-8").startswith(source.rstrip().removesuffix("}"))
    assert not (tmp_path / "g.png").exists()


def test_a_picture_shown_in_jupyter_without_dot_says_how_to_install_graphviz(without_dot):
    graph = viz.draw_graph(apple_orange()["price"])
    for show in (graph._repr_mimebundle_, lambda: graph._repr_mimebundle_(include=["image/png"])):
        with pytest.raises(viz.GraphvizNotFoundError) as caught:
            show()  # what Jupyter calls to display the returned Digraph
        message = str(caught.value)
        assert "apt-get install graphviz" in message and "brew install graphviz" in message
        assert "graph.source" in message and caught.value.dot_source_path is None


# ---- graph shapes and text ---------------------------------------------------------------
def _edge_statements(source: str, tail: str, head: str) -> int:
    return len(re.findall(rf"^\s*{tail} -> {head} \[", source, flags=re.MULTILINE))


def test_a_node_used_twice_draws_two_edges():
    x = Value(3.0, name="x")
    square = x * x
    square.backward()
    graph = viz.draw_graph(square)
    source = graph.source
    x_id = re.search(r"^\s*(\w+) \[label=<x<br/>", source, flags=re.MULTILINE).group(1)
    op_id = re.search(r"^\s*(\w+) \[label=<×>", source, flags=re.MULTILINE).group(1)
    assert _edge_statements(source, x_id, op_id) == 2
    record = viz.to_dot(square, style="record")
    assert len(re.findall(rf"^\s*\w+ -> {op_id}_op", record, flags=re.MULTILINE)) == 2
    # Each edge carries its share, x = 3 (d square / d x through one use); x's own gradient 2x = 6 is their sum.
    assert x.grad == 6.0 and source.count(">3</font>") == 2 and ">Σ 6</font>" in source


def test_names_with_quotes_and_markup_are_escaped(tmp_path):
    name = 'say "hi" <b> & \\n co'
    a = Value(2.0, name=name)
    out = a * 3.0
    out.name = "<out>"
    out.backward()
    for style in ("book", "record"):
        source = viz.to_dot(out, style=style)
        assert "say &quot;hi&quot; &lt;b&gt; &amp; \\n co" in source
        assert name not in source and "<out>" not in source
        assert "&lt;out&gt;" in source
    require_dot()
    svg = viz.render(out, tmp_path / "escaped.svg").read_text("utf-8")
    labels = {e.source for e in svg_edges(svg)} | {e.target for e in svg_edges(svg)}
    assert name in labels and "<out>" in labels


def test_gradients_read_as_a_dash_before_backward():
    nodes = apple_orange(backward=False)
    source = viz.to_dot(nodes["price"])
    gradient_lines = re.findall(r'<font color="([^"]+)">([^<]*)</font>', source)
    assert len(gradient_lines) == 9 and all(text == "—" for _, text in gradient_lines)
    nodes["price"].backward()
    gradient_lines = re.findall(r'<font color="([^"]+)">([^<]*)</font>', viz.to_dot(nodes["price"]))
    assert "—" not in [text for _, text in gradient_lines]
    assert sorted(text for _, text in gradient_lines) == sorted(
        ["2.2", "110", "3.3", "165", "650", "1.1", "1.1", "1.1", "1"])


def test_show_grad_false_leaves_out_gradients():
    source = viz.to_dot(apple_orange()["price"], show_grad=False)
    assert "<font" not in source and "715" in source


def test_named_intermediate_results_show_their_name_above_the_value():
    apple, count = Value(100.0, name="apple"), Value(2.0, name="apple count")
    total = apple * count
    total.name = "apple total"
    price = total * 1.1
    price.backward()
    label = re.search(r"label=<([^\n]*apple total[^\n]*)>", viz.to_dot(price)).group(1)
    assert label.index("apple total") < label.index("200") < label.index("1.1")


def test_rankdir_and_op_symbols():
    x = Value(0.5, name="x")
    y = ((x ** 2).exp() - x.log() / x.sigmoid() + (-x).relu()).tanh()
    y.backward()
    source = viz.to_dot(y, rankdir="TB")
    assert "rankdir=TB" in source
    for symbol in ("x²", "exp", "log", "÷", "σ", "−", "ReLU", "tanh", "+"):
        assert f"label=<{symbol}>" in source, symbol


def test_bad_options_are_refused_with_what_is_allowed():
    price = apple_orange()["price"]
    with pytest.raises(ValueError, match="book"):
        viz.draw_graph(price, style="fancy")
    with pytest.raises(ValueError, match="LR"):
        viz.draw_graph(price, rankdir="left")
    with pytest.raises(ValueError, match="max_nodes"):
        viz.draw_graph(price, max_nodes=0)
    with pytest.raises(ValueError, match="precision"):
        viz.draw_graph(price, precision=0)
    with pytest.raises(TypeError, match="a Value or a Tensor"):
        viz.draw_graph([price])


def test_numbers_lose_float_noise_but_keep_their_digits():
    assert format_number(110.00000000000001) == "110"
    assert format_number(2.2000000000000006) == "2.2"
    assert format_number(715.0000000000001) == "715"
    assert format_number(12345.678) == "12346"
    assert format_number(0.1 + 0.2) == "0.3"
    assert format_number(1.5e-7) == "1.5e-7"
    assert format_number(2.5e9) == "2.5e9"
    assert format_number(-0.0) == "0"
    assert format_number(float("nan")) == "nan"
    assert format_number(1 / 3, precision=2) == "0.33"


# ---- Tensor graphs -------------------------------------------------------------------------
def test_tensor_values_show_name_shape_dtype_numbers_or_summary_and_gradient():
    x = Tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=np.float32), requires_grad=True, name="x")
    W = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True, name="W")
    loss = (x * x).sum() + (W * W).sum()
    loss.name = "loss"
    before = viz.to_dot(loss)
    assert "(2, 3) float32" in before and "(3, 4) float64" in before
    assert "—" in before
    loss.backward()
    source = viz.to_dot(loss)
    # x has 6 elements: its numbers and its gradient 2x are written out.
    assert "[[1, 2, 3], [4, 5, 6]]" in source and "[[2, 4, 6], [8, 10, 12]]" in source
    # W has 12: min / mean / max of 0..11, and the norm of the gradient 2W = 2 sqrt(0² + ... + 11²).
    assert "min 0 · max 11<br/>mean 5.5" in source
    assert f"‖grad‖ {2 * np.sqrt(sum(k * k for k in range(12))):.4g}" in source
    assert "scalar float64" in source and "label=<loss>" in source
    assert "label=<@>" not in source and "label=<Σ>" in source


def test_tensor_record_style_and_local_gradients_are_not_invented():
    a = Tensor(np.ones(3), requires_grad=True, name="a")
    out = (a @ Tensor(np.array([1.0, 2.0, 3.0]))).tanh()
    out.backward()
    source = viz.to_dot(out, style="record", show_local_grad=True)
    assert "(3,) float64" in source and "label=<@>" in source
    assert "×" not in source.replace("label=<×>", "")  # Tensors keep no local derivatives


# ---- large graphs ----------------------------------------------------------------------------
def test_a_100000_node_graph_is_cut_to_the_nodes_nearest_the_output():
    x = Value(1.0, name="start")
    for _ in range(50_000):  # each step adds a constant and a sum: 100,001 nodes in all
        x = x + 1.0
    with pytest.warns(viz.GraphTooLargeWarning) as caught:  # the cut, and the cut picture's size too
        graph = viz.draw_graph(x)
    assert any("100,001 nodes" in str(warning.message) for warning in caught)
    node_statements = [line for line in graph.body if " -> " not in line and "[" in line]
    assert len(node_statements) == 500 + 2  # the 500 nearest, the output's name, and the "left out" node
    assert "99,501 more nodes not drawn" in graph.source
    assert "label=<start>" not in graph.source  # the far end of the chain is left out
    assert "50001" in graph.source  # the output's value is there


def test_the_cut_picture_renders(tmp_path):
    require_dot()
    x = Value(0.0)
    for _ in range(1_000):
        x = x * 1.0 + 1.0
    with pytest.warns(viz.GraphTooLargeWarning):
        svg = viz.render(x, tmp_path / "big.svg", max_nodes=60).read_text("utf-8")
    assert svg.count('class="node"') == 62


# ---- control characters in names --------------------------------------------------
# name -> how every picture writes it: Python's escapes, as the learner typed the name and as repr() prints it.
CONTROL_NAMES = {
    "a\x1bb": "a\\x1bb",
    "x\x00": "x\\x00",
    "\x7f": "\\x7f",
    "tab\there\nnext line": "tab\\there\\nnext line",
    "lone\ud800 end\uffff": "lone\\ud800 end\\uffff",  # not UTF-8, not XML
}


def _control_named_graphs():
    """(leaf, output) pairs of a Value and a Tensor graph, each leaf and output named with a control character."""
    graphs = []
    for name in CONTROL_NAMES:
        for leaf in (Value(2.0, name=name), Tensor([1.0, 2.0], requires_grad=True, name=name)):
            out = (leaf * 3.0).sum() if isinstance(leaf, Tensor) else leaf * 3.0
            out.name = name + "!"
            out.backward()
            graphs.append((name, out))
    return graphs


@pytest.mark.parametrize("style", ["book", "record"])
def test_control_characters_in_names_are_written_as_python_escapes(style):
    for name, out in _control_named_graphs():
        source = viz.to_dot(out, style=style)
        assert CONTROL_NAMES[name] in source and CONTROL_NAMES[name] + "!" in source
        assert name not in source


@pytest.mark.parametrize("style", ["book", "record"])
def test_control_characters_in_names_render_to_well_formed_svg_and_png(tmp_path, style):
    require_dot()
    for number, (name, out) in enumerate(_control_named_graphs()):
        svg = viz.render(out, tmp_path / f"{number}.svg", style=style).read_text("utf-8")
        drawn = " ".join(svg_nodes(svg))  # parses the SVG as XML
        assert CONTROL_NAMES[name] in drawn and CONTROL_NAMES[name] + "!" in drawn, drawn
        assert name not in svg
        assert viz.render(out, tmp_path / f"{number}.png", style=style).read_bytes().startswith(PNG_SIGNATURE)


def test_step_through_writes_control_characters_as_python_escapes(tmp_path):
    require_dot()
    for number, (name, out) in enumerate(_control_named_graphs()):
        index = viz.render_backprop_steps(out, tmp_path / str(number))
        for step in index.parent.glob("step_*.svg"):
            ET.parse(step)  # every frame is well-formed XML
        page = index.read_text("utf-8")
        assert f"{CONTROL_NAMES[name]}!" in page and name not in page


def test_plot_labels_with_control_characters_save_well_formed_svg(tmp_path):
    require_matplotlib()
    figure = viz.plot_functions({"a\x1bb": lambda x: x.tanh()}, tmp_path / "tanh.svg")
    ET.parse(tmp_path / "tanh.svg")
    assert figure.axes[0].get_title() == "a\\x1bb"


# ---- fan-out: each edge carries its own share of the gradient --------------------------------
def _three_x_plus_five_x(x):
    """y = 3x + 5x: x feeds two products, so its gradient 8 comes back as 3 along one edge and 5 along the other."""
    three_x, five_x = x * 3.0, x * 5.0
    return three_x, five_x, three_x + five_x


def test_gradient_shares_of_a_value_graph_are_each_edges_part_and_add_up_to_the_gradient():
    x = Value(2.0, name="x")
    three_x, five_x, y = _three_x_plus_five_x(x)
    assert viz.gradient_shares(y) == {}  # nothing has come back before backward()
    y.backward()
    shares = viz.gradient_shares(y)
    assert shares[three_x, 0] == 3.0 and shares[five_x, 0] == 5.0
    assert shares[three_x, 1] == 2.0 and shares[y, 0] == shares[y, 1] == 1.0  # d y / d 3 = x; the sum sends 1
    assert shares[three_x, 0] + shares[five_x, 0] == x.grad == 8.0
    assert len(shares) == 6  # one per edge: two into each ×, two into +


def test_gradient_shares_of_a_tensor_graph_come_from_each_ops_backward_rule():
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True, name="x")
    three_x, five_x, total = _three_x_plus_five_x(x)
    y = total.sum()
    y.backward()
    shares = viz.gradient_shares(y)
    np.testing.assert_array_equal(shares[three_x, 0], [3.0, 3.0])
    np.testing.assert_array_equal(shares[five_x, 0], [5.0, 5.0])
    np.testing.assert_array_equal(shares[three_x, 0] + shares[five_x, 0], x.grad)
    assert shares[three_x, 1] is None  # the constant 3 asked for no gradient


def test_a_fan_out_picture_draws_each_edges_share_and_the_nodes_sum(tmp_path):
    require_dot()
    for x in (Value(2.0, name="x"), Tensor(np.array(2.0), requires_grad=True, name="x")):
        y = _three_x_plus_five_x(x)[2]
        y = y if isinstance(y, Value) else y.sum()
        y.backward()
        edges = [e for e in svg_edges(viz.render(y, tmp_path / "fan_out.svg").read_text("utf-8"))
                 if e.source.startswith("x") and e.target == "×"]
        assert sorted(e.red[-1] for e in edges) == ["3", "5"], type(x).__name__
        assert any("8" in node and node.startswith("x") for node in
                   svg_nodes((tmp_path / "fan_out.svg").read_text("utf-8"))), "x's own gradient, the sum"


# ---- arrows start and end on their boxes ---------------------------------------------------
def _points(text: str) -> list:
    return [tuple(float(number) for number in pair.split(",")) for pair in text.split()]


def _outlines(svg_root) -> dict:
    """node id -> its drawn outline: ("ellipse", cx, cy, rx, ry), or ("box", x0, y0, x1, y1) around its table cells."""
    outlines = {}
    for group in svg_root.iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        node_id = group.find(f"{SVG}title").text
        ellipse = group.find(f"{SVG}ellipse")
        corners = [point for polygon in group.iter(f"{SVG}polygon") if polygon.get("stroke") != "transparent"
                   for point in _points(polygon.get("points"))]
        if ellipse is not None:
            outlines[node_id] = ("ellipse", *(float(ellipse.get(k)) for k in ("cx", "cy", "rx", "ry")))
        elif corners:
            xs, ys = [x for x, _ in corners], [y for _, y in corners]
            outlines[node_id] = ("box", min(xs), min(ys), max(xs), max(ys))
    return outlines


def _distance_to_outline(point, outline) -> float:
    x, y = point
    if outline[0] == "ellipse":
        _, cx, cy, rx, ry = outline
        return abs(np.hypot((x - cx) / rx, (y - cy) / ry) - 1) * min(rx, ry)
    _, x0, y0, x1, y1 = outline
    outside = np.hypot(max(x0 - x, 0, x - x1), max(y0 - y, 0, y - y1))
    return outside if outside else min(x - x0, x1 - x, y - y0, y1 - y)


def _arrow_ends(svg: str) -> list:
    """(tail id, head id, where the line starts, where the arrowhead's tip is, outlines) for every edge."""
    root = ET.fromstring(svg)
    outlines = _outlines(root)
    ends = []
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "edge":
            continue
        tail, head = group.find(f"{SVG}title").text.replace("&#45;", "-").split("->")
        start = tuple(float(n) for n in re.match(r"M([-\d.]+),([-\d.]+)", group.find(f"{SVG}path").get("d")).groups())
        tip = _points(group.find(f"{SVG}polygon").get("points"))[1]  # Graphviz's arrowhead: base, tip, base
        ends.append((tail, head, start, tip, outlines))
    return ends


def _tensor_graph():
    x = Tensor(np.ones((2, 3)), requires_grad=True, name="x")
    W = Tensor(np.full((3, 2), 0.5), requires_grad=True, name="W")
    loss = (x @ W).tanh().sum()
    loss.name = "loss"
    loss.backward()
    return loss


@pytest.mark.parametrize("style", ["record", "book"])
def test_every_arrow_starts_and_ends_on_its_boxes(tmp_path, style):
    require_dot()
    for root in (apple_orange()["price"], _tensor_graph()):
        svg = viz.render(root, tmp_path / f"{style}.svg", style=style).read_text("utf-8")
        ends = _arrow_ends(svg)
        assert ends
        for tail, head, start, tip, outlines in ends:
            for node_id, point in ((tail, start), (head, tip)):
                if style == "record" or node_id in outlines:  # the book's names and output stand as text alone
                    assert _distance_to_outline(point, outlines[node_id]) < 1.0, (style, tail, head, node_id, point)


def _layout_pixels(graph) -> tuple:
    """The width and height Graphviz lays `graph` out at, in pixels at a screen's 96 dpi."""
    header = graph.pipe(format="plain", encoding="utf-8").split("\n", 1)[0].split()  # graph scale width height
    return tuple(round(float(inches) * 96) for inches in header[2:4])


def test_a_784_50_10_batch_graph_fits_a_notebooks_width():
    require_dot()
    import nn

    rng = nn.init.generator(0)
    model = nn.Sequential(nn.Linear(784, 50, activation="relu", init="he", seed=rng),
                          nn.Linear(50, 10, activation="softmax", seed=rng))
    images = np.random.default_rng(0).random((8, 784))
    loss = nn.functional.cross_entropy(model.logits(images), np.arange(8))
    loss.name = "loss"
    loss.backward()
    width, _ = _layout_pixels(viz.draw_graph(loss))
    assert width <= 1000, f"notebook 05's batch graph is {width} px wide"  # 2,239 px when laid out left to right
    assert "rankdir=TB" in viz.to_dot(loss) and "rankdir=LR" in viz.to_dot(apple_orange()["price"])
