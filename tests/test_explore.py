"""viz.explore: the module groups the engine records, the page's data, and the page itself in headless Chromium.

The browser tests drive Debian's chromium-headless-shell (or chromium) with Playwright; every request the page
makes is routed, and anything but the page's own file or a data: URL fails the test. Without the browser or
Playwright they skip with the reason here, and fail in CI (CI=true), as the PyTorch oracle does.
"""
import gc
import html
import json
import re
import shutil
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest
from conftest import IN_CI

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import apple_orange  # noqa: E402

import autograd
import nn
import viz
from autograd import ShapeError, Tensor, Value, topological_order
from nn.scalar import MLP
from viz.labels import format_number, gradient_text

BROWSERS = ("chromium-headless-shell", "chromium")  # Debian's packages (scripts/ensure_system_deps.sh)


def book_price():
    """The book's apple example (figure 5-16): 2 apples at 100, 3 oranges at 150, tax 1.1 (examples/apple_orange.py)."""
    return apple_orange.apple_orange()["price"]


def small_network():
    model = nn.Sequential(nn.Linear(3, 4, activation="relu", seed=0), nn.Linear(4, 2, seed=1))
    x = Tensor(np.arange(6.0).reshape(2, 3) / 6, name="x")
    loss = (model(x) ** 2).sum()
    loss.name = "loss"
    return model, loss


# ---- the engine records which module call made each node ------------------------------------------
def test_nodes_made_inside_a_forward_keep_the_module_call_and_others_keep_none():
    model, loss = small_network()
    first, second = model.layers
    outside = [node for node in topological_order(loss) if not hasattr(node, "made_in")]
    assert {node.name for node in outside} >= {"x", "loss", "layers.0.W", "layers.1.b"}
    affine = loss.parents[0].parents[0]  # loss = sum(y ** 2); y is the second layer's affine map
    module, outer = affine.made_in
    assert module() is second and outer[0]() is model and outer[1] is None


def test_a_module_that_keeps_its_output_makes_no_reference_cycle():
    class Remembering(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(2, 2, seed=0)

        def forward(self, x):
            self.last = self.layer(x)  # the output refers to its module call, the module to the output
            return self.last

    model = Remembering()
    output = model(Tensor(np.ones((1, 2))))
    watchers = [weakref.ref(model), weakref.ref(output)]
    gc.disable()  # freed by reference counting alone, as every graph is
    try:
        del model, output
        assert [watcher() for watcher in watchers] == [None, None]
    finally:
        gc.enable()


def test_a_failing_forward_leaves_no_module_call_running():
    layer = nn.Linear(3, 2)
    with pytest.raises(ShapeError):
        layer(Tensor(np.ones((1, 5))))
    assert not hasattr(Value(1.0) * 2, "made_in")


# ---- the page's data ---------------------------------------------------------------------------------
def test_groups_are_module_calls_titled_by_path_and_parameters_join_their_layer():
    model, loss = small_network()
    page = viz.explore(loss).model
    titles = [group["title"] for group in page["groups"]]
    assert titles == ["Sequential", "layers.0 · Linear", "layers.0.activation · ReLU", "layers.1 · Linear"]
    group_of = {node["title"]: page["groups"][node["group"]]["title"] if node["group"] != -1 else None
                for node in page["nodes"]}
    assert group_of["layers.0.W"] == group_of["layers.0.b"] == "layers.0 · Linear"
    assert group_of["x"] is None  # an input is not the layer's, though only the layer reads it


def test_each_sample_of_a_scalar_network_is_its_own_group_and_shared_weights_stay_outside():
    model = MLP(2, [3, 1], seed=0)
    loss = sum((model([Value(x), Value(-x)]) - 1.0) ** 2 for x in (0.5, -1.0))
    page = viz.explore(loss).model
    calls = [group for group in page["groups"] if group["title"] == "MLP"]
    assert len(calls) == 2
    weights = [node for node in page["nodes"] if node["title"].startswith("layers.0.neurons.0.w")]
    assert weights and all(node["group"] == -1 for node in weights)


def test_large_graphs_open_folded_small_ones_unfolded():
    _, loss = small_network()
    assert not any(group["folded"] for group in viz.explore(loss).model["groups"])
    assert all(group["folded"] for group in viz.explore(loss, fold_above=5).model["groups"])


def test_the_page_is_one_file_that_fetches_nothing(tmp_path):
    price = book_price()
    price.name = "</script><script>alert(1)</script>"  # a name cannot end the page's data early
    path = viz.explore(price).save(tmp_path / "sub" / "page.html")
    page = path.read_text(encoding="utf-8")
    assert [p.name for p in path.parent.iterdir()] == ["page.html"]
    assert not re.search(r"""(src|href)\s*=|@import|url\(|https?://(?!www\.w3\.org/2000/svg)""", page)
    assert page.count("</script>") == 2
    data = re.search(r'<script id="model" type="application/json">(.*?)</script>', page, re.S).group(1)
    assert json.loads(data)["root"] == price.name


def test_jupyter_shows_the_same_page_in_an_iframe():
    explorer = viz.explore(book_price())
    shown = explorer._repr_html_()
    assert shown.startswith("<iframe srcdoc=")
    assert html.unescape(re.search(r'srcdoc="(.*?)"', shown, re.S).group(1)) == explorer.html()


def test_explore_refuses_what_is_not_a_graph_node():
    with pytest.raises(TypeError, match="Value or a Tensor"):
        viz.explore(3.0)


# ---- in the browser --------------------------------------------------------------------------------------
def _browser_or_skip():
    """The path of Debian's headless Chromium and Playwright's sync API, or a skip (a failure in CI)."""
    executable = next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    missing = [what for what, found in (("chromium-headless-shell (apt, scripts/ensure_system_deps.sh)", executable),
                                        ("playwright (pip, the dev extra)", sync_playwright)) if not found]
    if missing:
        reason = "the browser tests need " + " and ".join(missing)
        if IN_CI:
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    return executable, sync_playwright


@pytest.fixture(scope="module")
def browser():
    executable, sync_playwright = _browser_or_skip()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable)
        yield launched
        launched.close()


class Page:
    """One explorer page open in the browser, failing the test on any console error or network request."""

    def __init__(self, browser, root, tmp_path, explorer=None, **options):
        self.root = root
        self.nodes = topological_order(root)
        self.explorer = explorer or viz.explore(root, **options)
        path = self.explorer.save(tmp_path / "explorer.html")
        self.errors, self.requests = [], []
        self.page = browser.new_page()
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def press(self, key, times=1):
        for _ in range(times):
            self.page.keyboard.press(key)

    def shown_gradients(self) -> dict:
        """Node index -> the gradient text drawn in its box, for every node drawn."""
        texts = self.page.eval_on_selector_all(
            "[data-node]", "gs => gs.map(g => [g.dataset.node, g.querySelector('.grad').textContent])")
        return {int(index): text for index, text in texts}

    def check_clean(self):
        assert self.errors == [] and self.requests == []
        self.page.close()


def test_steps_show_values_forward_then_gradients_backward_as_the_engine_computed_them(browser, tmp_path):
    page = Page(browser, book_price(), tmp_path)
    count, ops = len(page.nodes), sum(1 for node in page.nodes if node.parents)
    assert set(page.shown_gradients().values()) == {"—"}  # Home: no gradient yet
    assert page.page.inner_text("#caption") == "Forward step 1 of 4: × = 200"  # apple × apple_num
    page.press("ArrowRight", ops)  # the first backward step: the output's own gradient, 1
    shown = page.shown_gradients()
    assert shown.pop(count - 1) == "1" and set(shown.values()) == {"—"}
    page.press("ArrowRight", 2)
    assert page.page.inner_text("#caption") == (
        f"Backward step 3 of {count}: d price / d {page.explorer.model['nodes'][count - 3]['title']} = "
        f"{format_number(page.nodes[count - 3].grad)}")
    page.press("End")
    for index, text in page.shown_gradients().items():
        assert text == format_number(page.nodes[index].grad)
        assert float(text) == pytest.approx(page.nodes[index].grad, rel=1e-3)  # what the engine computed
    apple = page.root.parents[0].parents[0].parents[0]
    assert apple.name == "apple" and page.shown_gradients()[page.nodes.index(apple)] == "2.2"  # the book's 2.2
    page.press("Home")
    assert set(page.shown_gradients().values()) == {"—"}
    page.page.click("#last")
    page.page.click("#previous")
    assert page.page.inner_text("#counter") == f"step {ops + count - 1} of {ops + count}"
    page.check_clean()


def test_stepping_one_at_a_time_draws_what_a_full_redraw_draws(browser, tmp_path):
    _, loss = small_network()
    page = Page(browser, loss, tmp_path)
    page.page.check("#show-local")
    page.page.check("#show-shares")
    drawing = "() => document.getElementById('graph').innerHTML"
    steps = page.page.eval_on_selector("#counter", "counter => Number(counter.textContent.split(' of ')[1])")
    for key, end in (("ArrowRight", "End"), ("ArrowLeft", "Home")):
        for _ in range(steps // 2):  # half way one step at a time (each redraws only what the step changes)
            page.press(key)
            stepped = page.page.evaluate(drawing)
        page.page.click("#unfold-all")  # a full redraw of the same step
        assert page.page.evaluate(drawing) == stepped
        page.press(end)
    page.check_clean()


def test_toggles_show_local_derivatives_and_each_shares_of_a_fanned_out_value(browser, tmp_path):
    x = Value(2.0, name="x")
    y = 3 * x + 5 * x
    y.name = "y"
    page = Page(browser, y, tmp_path)
    page.press("End")
    labels = "#graph .edge-label"
    assert page.page.locator(labels).count() == 0
    page.page.check("#show-local")
    assert sorted(page.page.locator(".edge-label.local").all_text_contents()) == ["×1", "×1", "×2", "×2", "×3", "×5"]
    page.page.check("#show-shares")
    assert sorted(page.page.locator(".edge-label.share").all_text_contents()) == ["share 3", "share 5"]
    assert page.shown_gradients()[page.nodes.index(x)] == "Σ 8"
    page.check_clean()


def test_a_folded_module_is_one_box_and_a_click_unfolds_it(browser, tmp_path):
    model, loss = small_network()
    page = Page(browser, loss, tmp_path, fold_above=5)
    drawn = page.page.locator("[data-node]").count()
    assert page.page.locator(".group.folded").count() == 1  # only the outermost box: the rest is inside it
    outside = [node["title"] for node in page.explorer.model["nodes"] if node["group"] == -1]
    assert drawn == len(outside) == 3 and "x" in outside  # the input, and the loss's ** and sum
    page.page.click(".group.folded")
    assert page.page.locator(".group.folded").count() == 2  # the two Linear layers, still folded
    page.page.click("#unfold-all")
    assert page.page.locator("[data-node]").count() == len(page.nodes)
    assert page.page.locator(".group.folded").count() == 0
    unfolded_width = float(page.page.get_attribute("#graph", "width"))
    page.page.click("#fold-all")
    assert page.page.locator("[data-node]").count() == drawn
    # Folded, the Sequential is a small box, laid out as one: not a box as large as its open contents.
    box = float(page.page.get_attribute(".group.folded rect", "width"))
    assert box < 200 and float(page.page.get_attribute("#graph", "width")) < unfolded_width - 2 * box
    page.check_clean()


def test_inspecting_a_tensor_shows_its_shape_statistics_heatmap_and_gradient(browser, tmp_path):
    model, loss = small_network()
    page = Page(browser, loss, tmp_path)
    weight = model.layers[0].W
    page.page.click(f"[data-node='{page.nodes.index(weight)}']")
    inspector = page.page.locator("#inspector")
    assert "shape (3, 4) · float64" in inspector.inner_text()
    assert "gradient —" in inspector.inner_text()  # Home: backward has not reached it
    page.page.click(f"[data-node='{page.nodes.index(loss)}']")
    assert "not computed yet" in inspector.inner_text()
    page.page.click(f"[data-node='{page.nodes.index(weight)}']")
    page.press("End")
    text = inspector.inner_text()
    low, high = (repr(float(f"{number:.4g}")) for number in (weight.data.min(), weight.data.max()))
    assert f"min {low} ·" in text and f"max {high} ·" in text  # 4 digits, as JavaScript writes them
    assert f"gradient {gradient_text(weight.grad)}" in text
    assert inspector.locator("canvas.heatmap").count() == 2  # the values and the gradient
    assert inspector.locator("svg.histogram rect").count() == 2 * 20
    page.check_clean()


def test_clicking_an_edge_inspects_the_value_it_carries(browser, tmp_path):
    page = Page(browser, book_price(), tmp_path)
    page.press("End")
    page.page.check("#show-local")
    tax_edge = next(index for index, edge in enumerate(page.explorer.model["edges"])
                    if page.explorer.model["nodes"][edge["from"]]["title"] == "tax")
    page.page.dispatch_event(f"[data-edge='{tax_edge}']", "click")
    text = page.page.inner_text("#inspector")
    assert "edge tax → price = ×" in text and "local derivative ×650" in text and "value 1.1" in text
    page.check_clean()


def test_a_five_thousand_node_page_loads(browser, tmp_path):
    """Large graphs open folded, so the page draws a few boxes, not 5,000 nodes (BENCHMARKS.md has the timing)."""
    model = MLP(2, [8, 8, 1], seed=0)
    loss = sum((model([Value(i / 120), Value(1 - i / 120)]) - 1.0) ** 2 for i in range(120))
    assert len(topological_order(loss)) > 4500
    page = Page(browser, loss, tmp_path)
    assert page.page.locator(".group.folded").count() == 120  # one MLP call per sample
    page.press("End")
    root = page.shown_gradients()[len(page.nodes) - 1]
    assert root == "1"
    page.check_clean()


class Cube(autograd.Op):
    name = "cube"

    def forward(self, ctx, x):
        return x ** 3

    def backward(self, ctx, g, x, out):
        return (3 * x ** 2 * g,)


class WrongCube(Cube):
    def backward(self, ctx, g, x, out):
        return (6 * x ** 2 * g,)  # twice d(x³)/dx


def test_a_gradient_check_marks_the_edge_into_the_wrong_op_with_both_numbers(browser, tmp_path):
    x = Tensor([0.5, -1.0, 2.0], requires_grad=True, name="x")
    explorer = viz.explore_gradcheck(lambda t: (WrongCube()(t) * 2).sum(), x)
    assert x.grad is None  # the check leaves the input's gradient as it was
    wrong = [edge for edge in explorer.model["edges"] if edge.get("wrong")]
    cube = next(index for index, node in enumerate(explorer.model["nodes"]) if node["op"] == "cube")
    assert [(explorer.model["nodes"][edge["from"]]["title"], edge["to"]) for edge in wrong] == [("x", cube)]
    assert wrong[0]["share"] == "[3, 12, 48]" and wrong[0]["numerical"] == "[1.5, 6, 24]"  # 2 · 3x² is right
    assert [node["suspect"] for node in explorer.model["nodes"]].count(True) == 1
    assert explorer.model["nodes"][cube]["suspect"]
    page = Page(browser, x, tmp_path, explorer=explorer)
    assert page.page.locator(".edge.wrong").count() == 0  # Home: no gradient yet, so nothing to compare
    page.press("End")
    assert page.page.locator(".edge.wrong").count() == 1 and page.page.locator(".node.suspect").count() == 1
    assert sorted(page.page.locator(".edge.wrong .edge-label").all_text_contents()) == [
        "numerical [1.5, 6, 24]", "✗ backprop [3, 12, 48]"]
    assert "✗ 1 of 3 measured edges carry a wrong gradient back" in page.page.inner_text("#caption")
    page.check_clean()


def test_a_right_op_passes_its_gradient_check_with_nothing_marked():
    explorer = viz.explore_gradcheck(lambda t: (Cube()(t) * 2).sum(), Tensor([0.5, -1.0, 2.0]))
    assert not any(edge.get("wrong") for edge in explorer.model["edges"])
    assert explorer.model["verdict"].startswith("✓ backprop and the numerical gradient agree on all")


def test_a_value_used_twice_by_one_op_has_both_edges_and_both_shares(browser, tmp_path):
    x = Value(3.0, name="x")
    y = x * x
    y.name = "y"
    page = Page(browser, y, tmp_path)
    page.press("End")
    page.page.check("#show-local")
    page.page.check("#show-shares")
    assert page.page.locator("[data-edge]").count() == 2
    assert page.page.locator(".edge-label.local").all_text_contents() == ["×3", "×3"]
    assert page.page.locator(".edge-label.share").all_text_contents() == ["share 3", "share 3"]
    assert page.shown_gradients()[page.nodes.index(x)] == "Σ 6"
    page.check_clean()
