"""viz.render_backprop_steps: one picture per step of the engine's backward sweep, and a self-contained page."""
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from viz_support import apple_orange, require_dot, svg_edges

import viz
from autograd import Tensor, Value, topological_order


class _References(HTMLParser):
    """Every src/href in a page, and every <script> that loads a file."""

    def __init__(self):
        super().__init__()
        self.references, self.images = [], []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("src", "href"):
                self.references.append(value)
                if tag == "img":
                    self.images.append(value)


def _read_page(index: Path) -> _References:
    parser = _References()
    parser.feed(index.read_text(encoding="utf-8"))
    return parser


def test_one_frame_per_backward_step_and_only_local_files(tmp_path):
    require_dot()
    price = apple_orange()["price"]
    index = viz.render_backprop_steps(price, tmp_path / "steps")
    assert index == tmp_path / "steps" / "index.html"
    page = _read_page(index)
    steps = len(topological_order(price))
    assert steps == 9
    assert len(page.images) == steps
    assert sorted(p.name for p in (tmp_path / "steps").glob("*.svg")) == sorted(page.images)
    for reference in page.references:
        assert "://" not in reference and not reference.startswith(("/", "//")), reference
        assert (index.parent / reference).is_file(), reference
    text = index.read_text(encoding="utf-8")
    assert "http" not in text.lower()  # no CDN, no font, no framework: the page works offline
    assert "Previous" in text and "Next" in text and "ArrowLeft" in text and "ArrowRight" in text


def test_gradients_appear_in_the_engines_order(tmp_path):
    """Frame k shows the gradients of the first k nodes of reversed(topological_order): on every edge
    leaving one of them (and on the output's last edge), and a dash everywhere else."""
    require_dot()
    nodes = apple_orange()
    price = nodes["price"]
    index = viz.render_backprop_steps(price, tmp_path)
    sweep = list(reversed(topological_order(price)))
    uses = {id(node): 0 for node in sweep}
    for node in sweep:
        for parent in node.parents:
            uses[id(parent)] += 1
    uses[id(price)] = 1  # the output's own edge to its name
    for step, image in enumerate(_read_page(index).images, start=1):
        edges = svg_edges((tmp_path / image).read_text(encoding="utf-8"))
        shown = sum(len(edge.red) for edge in edges)
        assert shown == sum(uses[id(node)] for node in sweep[:step]), image
        assert shown + sum(len(edge.missing) for edge in edges) == len(edges)
    first = svg_edges((tmp_path / "step_001.svg").read_text(encoding="utf-8"))
    assert [edge.red for edge in first if edge.red] == [["1"]]  # d price / d price, on the last edge
    last = svg_edges((tmp_path / f"step_{len(sweep):03d}.svg").read_text(encoding="utf-8"))
    assert {(edge.source, edge.red[0]) for edge in last if edge.source not in ("×", "+")} == {
        ("apple", "2.2"), ("apple_num", "110"), ("orange", "3.3"), ("orange_num", "165"), ("tax", "650")}


def test_uses_the_gradients_already_there_or_runs_backward_once(tmp_path):
    require_dot()
    nodes = apple_orange()  # backward already ran: running it again would double the leaves' gradients
    viz.render_backprop_steps(nodes["price"], tmp_path / "after")
    assert nodes["apple"].grad == pytest.approx(2.2) and nodes["tax"].grad == pytest.approx(650)
    fresh = apple_orange(backward=False)
    viz.render_backprop_steps(fresh["price"], tmp_path / "before")
    assert fresh["apple"].grad == pytest.approx(2.2) and fresh["orange_num"].grad == pytest.approx(165)


def test_tensor_graph_steps_name_inputs_that_need_no_gradient(tmp_path):
    require_dot()
    W = Tensor(np.array([[1.0, -1.0], [2.0, 0.5]]), requires_grad=True, name="W")
    batch = Tensor(np.array([[1.0, 2.0]]), name="batch")
    loss = (batch @ W).relu().sum()
    loss.name = "loss"
    index = viz.render_backprop_steps(loss, tmp_path, style="record")
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", index.read_text(encoding="utf-8"))
    assert len(captions) == len(topological_order(loss)) == 5
    assert any("batch needs no gradient" in caption for caption in captions)
    # batch @ W = [5, 0]; ReLU passes the 1 only where its input is positive: dW = batch^T [1, 0].
    assert sum("d loss / d W = [[1, 0], [2, 0]]" in caption for caption in captions) == 1


def test_too_many_steps_are_refused_before_any_picture_is_made(tmp_path):
    x = Value(1.0)
    for _ in range(150):
        x = x * 1.01
    with pytest.raises(ValueError, match="max_steps"):
        viz.render_backprop_steps(x, tmp_path / "steps", max_steps=100)
    assert not (tmp_path / "steps").exists()


def test_frames_carry_no_caption_and_captions_promise_no_gradient_not_yet_shown(tmp_path):
    """The caption is the page's (not also inside each picture, where it widened some frames); an op's step
    says its inputs get their gradients later, since their edges still show the dash then."""
    require_dot()
    price = apple_orange()["price"]
    index = viz.render_backprop_steps(price, tmp_path)
    for frame in tmp_path.glob("step_*.svg"):
        assert "Step " not in frame.read_text(encoding="utf-8")
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", index.read_text(encoding="utf-8"))
    assert "each input shows its gradient in a later step" in captions[3]
    assert "passes it on" not in " ".join(captions)
