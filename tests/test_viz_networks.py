"""Pictures of networks a learner can read: parameters named by their place in the model, a fused neuron
drawn as its × and + nodes, a warning before an unreadably large picture, record boxes that arrows reach."""
import re
import warnings

import numpy as np
import pytest
from viz_support import apple_orange, require_dot, svg_edges

import nn
import viz
from viz.labels import format_number


def test_value_mlp_parameters_are_named_by_their_path_in_the_model():
    mlp = nn.MLP(2, [3, 1], seed=0)
    y = mlp([0.5, -1.0])
    names = [parameter.name for parameter in mlp.parameters()]
    assert names == [name for name, _ in mlp.named_parameters()]
    assert "layers.0.neurons.1.w.0" in names and "layers.1.neurons.0.b" in names
    source = viz.to_dot(y)
    assert "label=<layers.0.neurons.1.w.0>" in source


def test_sequential_layers_parameters_are_told_apart_and_own_names_are_kept():
    slope = nn.PReLU()
    model = nn.Sequential(nn.Linear(4, 3), slope, nn.Linear(3, 2))
    model(np.ones((1, 4)))
    assert [p.name for p in model.parameters()] == ["layers.0.W", "layers.0.b", "slope", "layers.2.W", "layers.2.b"]


def test_a_model_nested_later_renames_the_parameters_it_named_before():
    inner = nn.Sequential(nn.Linear(2, 2))
    inner(np.ones((1, 2)))
    assert inner.layers[0].W.name == "layers.0.W"

    class Outer(nn.Module):
        def __init__(self):
            self.body = inner

        def forward(self, x):
            return self.body(x)

    Outer()(np.ones((1, 2)))
    assert inner.layers[0].W.name == "body.layers.0.W"


def test_expand_neurons_draws_one_product_per_weight_and_one_sum():
    require_dot()
    neuron = nn.Neuron(3, seed=0)
    z = neuron([1.0, 2.0, -1.0])
    z.name = "z"
    z.backward()
    fused = svg_edges(viz.draw_graph(z).pipe(format="svg", encoding="utf-8"))
    expanded = svg_edges(viz.draw_graph(z, expand_neurons=True).pipe(format="svg", encoding="utf-8"))
    assert sum(edge.target == "×" for edge in fused) == 0
    assert sum(edge.target == "×" for edge in expanded) == 6  # w_i and x_i into each of 3 products
    into_sum = [edge for edge in expanded if edge.target == "+"]
    assert len(into_sum) == 4  # 3 products and b
    # Each product's edge carries w_i x_i forward and the neuron's gradient (d sum / d product = 1) back.
    from_products = [edge for edge in into_sum if edge.source == "×"]
    w = [p.data for p in neuron.w]
    assert sorted(edge.black[0] for edge in from_products) == sorted(
        format_number(wi * xi) for wi, xi in zip(w, [1.0, 2.0, -1.0]))
    weighted_sum = z.parents[0]
    assert all(edge.red == [format_number(weighted_sum.grad)] for edge in from_products)
    record = viz.to_dot(z, style="record", expand_neurons=True)
    assert record.count("label=<×>") == 3 and record.count("label=<+>") == 1


def test_an_unreadably_large_picture_warns_with_what_to_draw_instead():
    require_dot()
    mlp = nn.MLP(2, [16, 16, 1], seed=0)
    y = mlp([0.5, -1.0])
    y.backward()
    with pytest.warns(viz.GraphTooLargeWarning, match=r"would be [\d,]+ x [\d,]+ px.*one neuron") as caught:
        viz.draw_graph(y)
    # It ends on a whole suggestion that can be typed as it stands, not on a dangling "max_nodes=".
    assert str(caught[0].message).endswith("draw_graph(y, max_nodes=100)")
    small = nn.MLP(2, [2, 1], seed=0)([0.5, -1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", viz.GraphTooLargeWarning)
        viz.draw_graph(small)


def test_record_boxes_have_no_margin_so_arrows_reach_them():
    source = viz.to_dot(apple_orange()["price"], style="record")
    boxes = [line for line in source.splitlines() if "<table" in line]
    assert boxes and all(re.search(r"\bmargin=0\b", line) for line in boxes)


def test_a_compiled_sequential_names_its_parameters_though_fit_never_calls_it():
    model = nn.Sequential(nn.Linear(2, 3, activation="relu"), nn.Linear(3, 2, activation="softmax"))
    model.compile(loss="sparse_categorical_crossentropy")
    assert [p.name for p in model.parameters()] == ["layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"]
