"""The scalar path: perceptrons and gates, Neuron/Layer/MLP on Value against plain-float arithmetic
and the numerical derivative."""
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import nn
from autograd import Value, numerical_grad

TRUTH_TABLE_INPUTS = [(0, 0), (1, 0), (0, 1), (1, 1)]


@pytest.mark.parametrize("gate, expected", [(nn.AND, [0, 0, 0, 1]), (nn.NAND, [1, 1, 1, 0]),
                                            (nn.OR, [0, 1, 1, 1]), (nn.XOR, [0, 1, 1, 0])])
def test_gates_from_the_book(gate, expected):
    assert [gate(x1, x2) for x1, x2 in TRUTH_TABLE_INPUTS] == expected
    assert [gate((x1, x2)) for x1, x2 in TRUTH_TABLE_INPUTS] == expected
    assert [gate(np.array(pair)) for pair in TRUTH_TABLE_INPUTS] == expected


def test_perceptron_weights_are_values_and_inputs_are_checked():
    p = nn.Perceptron(w=(0.5, 0.5), b=-0.7)
    assert [v.data for v in p.parameters()] == [0.5, 0.5, -0.7]
    assert nn.Perceptron(w=(1.0, 1.0, 1.0), b=-2.5)(1, 1, 1) == 1
    with pytest.raises(ValueError, match="takes 2 inputs; got 3"):
        p(1, 0, 1)


def test_neuron_is_one_fused_node_then_the_activation():
    neuron = nn.Neuron(3, activation="relu", seed=0)
    out = neuron([1.0, 2.0, -1.0])
    assert out.op == "relu"
    (pre_activation,) = out.parents
    assert pre_activation.op == "weighted_sum" and len(pre_activation.parents) == 2 * 3 + 1
    expected = math.fsum(w.data * x for w, x in zip(neuron.w, [1.0, 2.0, -1.0])) + neuron.b.data
    assert out.data == max(expected, 0.0)
    assert nn.Neuron(2, activation="linear", seed=0)([1.0, 1.0]).op == "weighted_sum"
    with pytest.raises(ValueError, match="unknown activation"):
        nn.Neuron(2, activation="relu6")


def test_layer_returns_a_list_or_one_value():
    assert isinstance(nn.Layer(2, 3, seed=0)([1.0, 2.0]), list)
    assert isinstance(nn.Layer(2, 1, seed=0)([1.0, 2.0]), Value)
    outputs = nn.MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(outputs, list) and len(outputs) == 2


def plain_mlp(parameters, sizes, x):
    """The same MLP in plain floats: ReLU on hidden layers, linear last layer. Returns (outputs, pre-activations)."""
    values = iter(parameters)
    pre_activations = []
    for layer, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
        outputs = []
        for _ in range(nout):
            weights = [next(values) for _ in range(nin)]
            total = sum(w * xi for w, xi in zip(weights, x)) + next(values)
            pre_activations.append(total)
            outputs.append(total if layer == len(sizes) - 2 else max(total, 0.0))
        x = outputs
    return x, pre_activations


@given(x=st.lists(st.floats(-3, 3), min_size=3, max_size=3), seed=st.integers(0, 10_000))
def test_mlp_forward_and_gradients_match_plain_arithmetic(x, seed):
    mlp = nn.MLP(3, [4, 4, 1], seed=seed)
    parameters = mlp.parameters()
    outputs, pre_activations = plain_mlp([p.data for p in parameters], [3, 4, 4, 1], x)
    assume(all(abs(z) > 1e-3 for z in pre_activations))  # a ReLU kink makes the central difference meaningless
    out = mlp(x)
    assert out.data == pytest.approx(outputs[0], abs=1e-12)
    out.backward()
    for index in range(len(parameters)):
        def f(value, index=index):
            numbers = [p.data for p in parameters]
            numbers[index] = value
            return plain_mlp(numbers, [3, 4, 4, 1], x)[0][0]
        assert parameters[index].grad == pytest.approx(numerical_grad(f, parameters[index].data, h=1e-6), abs=1e-6)


def test_mlp_of_tanh_neurons_gradient_matches_numerical_everywhere():
    mlp = nn.MLP(2, [3, 2], activation="tanh", seed=3)

    def loss(model):
        a, b = model([0.4, -1.2])
        return a * a + b

    loss(mlp).backward()
    for p in mlp.parameters():
        assert p.grad == pytest.approx(numerical_grad(lambda _: loss(mlp), p), abs=1e-8)
