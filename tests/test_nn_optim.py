"""nn.optim: each optimizer against its update formula written out here and against torch.optim,
on Tensor and on Value parameters, with and without weight decay."""
import numpy as np
import pytest

import nn
from autograd import Tensor, Value

GRADIENTS = [np.array([0.5, -1.0, 2.0]), np.array([-0.25, 0.5, 1.0]), np.array([1.5, 0.0, -3.0])]
START = np.array([1.0, -2.0, 0.5])


def run(optimizer_class, **options):
    """Three steps with fixed gradients; returns the parameter after each step."""
    p = Tensor(START.copy(), requires_grad=True)
    optimizer = optimizer_class([p], **options)
    trajectory = []
    for g in GRADIENTS:
        optimizer.zero_grad()
        p.grad = g.copy()
        optimizer.step()
        trajectory.append(p.data.copy())
    return trajectory


def formula_trajectory(update):
    """The same three steps by a rule written out in NumPy: update(p, g, state, t) -> p."""
    p, state, trajectory = START.copy(), {}, []
    for t, g in enumerate(GRADIENTS, start=1):
        p = update(p, g, state, t)
        trajectory.append(p.copy())
    return trajectory


def sgd_rule(p, g, state, t):
    return p - 0.1 * g


def sgd_momentum_decay_rule(p, g, state, t):
    g = g + 0.01 * p
    state["v"] = 0.9 * state.get("v", 0.0) + g
    return p - 0.1 * state["v"]


def momentum_rule(p, g, state, t):
    state["v"] = 0.9 * state.get("v", 0.0) - 0.1 * g
    return p + state["v"]


def nesterov_rule(p, g, state, t):
    # PyTorch's spelling of Nesterov momentum (buffer of gradients, look-ahead step), not the book's.
    state["buffer"] = 0.9 * state.get("buffer", 0.0) + g
    return p - 0.1 * (g + 0.9 * state["buffer"])


def adagrad_rule(p, g, state, t):
    state["h"] = state.get("h", 0.0) + g * g
    return p - 0.1 * g / (np.sqrt(state["h"]) + 1e-7)


def rmsprop_rule(p, g, state, t):
    state["h"] = 0.99 * state.get("h", 0.0) + 0.01 * g * g
    return p - 0.1 * g / (np.sqrt(state["h"]) + 1e-7)


def adam_rule(p, g, state, t):
    state["m"] = 0.9 * state.get("m", 0.0) + 0.1 * g
    state["v"] = 0.999 * state.get("v", 0.0) + 0.001 * g * g
    m_hat, v_hat = state["m"] / (1 - 0.9 ** t), state["v"] / (1 - 0.999 ** t)
    return p - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8)


CASES = [
    ("SGD", nn.optim.SGD, {"lr": 0.1}, sgd_rule),
    ("SGD momentum + decay", nn.optim.SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}, sgd_momentum_decay_rule),
    ("Momentum", nn.optim.Momentum, {"lr": 0.1, "momentum": 0.9}, momentum_rule),
    ("Nesterov", nn.optim.Nesterov, {"lr": 0.1, "momentum": 0.9}, nesterov_rule),
    ("AdaGrad", nn.optim.AdaGrad, {"lr": 0.1}, adagrad_rule),
    ("RMSProp", nn.optim.RMSProp, {"lr": 0.1}, rmsprop_rule),
    ("Adam", nn.optim.Adam, {"lr": 0.1}, adam_rule),
]


@pytest.mark.parametrize("name, optimizer_class, options, rule", CASES, ids=[c[0] for c in CASES])
def test_optimizer_follows_its_formula(name, optimizer_class, options, rule):
    for ours, expected in zip(run(optimizer_class, **options), formula_trajectory(rule)):
        np.testing.assert_allclose(ours, expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name, optimizer_class, options, rule", CASES, ids=[c[0] for c in CASES])
def test_optimizer_on_values_matches_the_tensor_path(name, optimizer_class, options, rule):
    values = [Value(float(x)) for x in START]
    optimizer = optimizer_class(values, **options)
    for g in GRADIENTS:
        optimizer.zero_grad()
        assert all(v.grad == 0.0 for v in values)
        for v, gi in zip(values, g):
            v.grad = float(gi)
        optimizer.step()
    np.testing.assert_allclose([v.data for v in values], run(optimizer_class, **options)[-1], rtol=1e-13)
    assert all(isinstance(v.data, float) for v in values)


TORCH_CASES = [
    ("SGD momentum + decay", nn.optim.SGD, {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01},
     lambda torch, ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01)),
    ("Momentum", nn.optim.Momentum, {"lr": 0.05}, lambda torch, ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9)),
    ("Nesterov", nn.optim.Nesterov, {"lr": 0.05},
     lambda torch, ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True)),
    ("AdaGrad", nn.optim.AdaGrad, {"lr": 0.05}, lambda torch, ps: torch.optim.Adagrad(ps, lr=0.05, eps=1e-7)),
    ("RMSProp", nn.optim.RMSProp, {"lr": 0.05},
     lambda torch, ps: torch.optim.RMSprop(ps, lr=0.05, alpha=0.99, eps=1e-7)),
    ("Adam", nn.optim.Adam, {"lr": 0.05, "weight_decay": 0.001},
     lambda torch, ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.001)),
]


@pytest.mark.parametrize("name, ours_class, options, torch_factory", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_optimizer_trajectory_matches_torch_optim(name, ours_class, options, torch_factory, torch):
    rng = np.random.default_rng(0)
    A, y, w0 = rng.normal(size=(6, 3)), rng.normal(size=6), rng.normal(size=3)
    w = Tensor(w0.copy(), requires_grad=True)
    ours = ours_class([w], **options)
    torch_w = torch.tensor(w0.copy(), requires_grad=True)
    theirs = torch_factory(torch, [torch_w])
    for _ in range(20):
        ours.zero_grad()
        (((Tensor(A) @ w - y) ** 2).sum() + (w ** 4).sum()).backward()
        ours.step()
        theirs.zero_grad()
        (((torch.tensor(A) @ torch_w - torch.tensor(y)) ** 2).sum() + (torch_w ** 4).sum()).backward()
        theirs.step()
    np.testing.assert_allclose(w.data, torch_w.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_nesterov_is_the_book_formula_with_the_velocity_of_the_previous_step():
    # The book's rule, p += m^2 v - (1 + m) lr g, with v from before this step, then v = m v - lr g.
    p, velocity = START.copy(), np.zeros(3)
    for ours, g in zip(run(nn.optim.Nesterov, lr=0.1, momentum=0.9), GRADIENTS):
        p = p + 0.81 * velocity - 1.9 * 0.1 * g
        velocity = 0.9 * velocity - 0.1 * g
        np.testing.assert_allclose(ours, p, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", sorted(nn.optim.OPTIMIZERS))
def test_weight_decay_adds_decay_times_the_weights_to_the_gradient(name):
    # Every optimizer with weight_decay=wd moves as the same optimizer without it fed g + wd * p.
    optimizer_class, decay = nn.optim.OPTIMIZERS[name], 0.05
    decayed, plain = Tensor(START.copy(), requires_grad=True), Tensor(START.copy(), requires_grad=True)
    with_decay, without = optimizer_class([decayed], lr=0.1, weight_decay=decay), optimizer_class([plain], lr=0.1)
    for g in GRADIENTS:
        decayed.grad, plain.grad = g.copy(), g + decay * plain.data
        with_decay.step()
        without.step()
        np.testing.assert_allclose(decayed.data, plain.data, rtol=1e-13, atol=1e-15)
    assert not np.allclose(decayed.data, run(optimizer_class, lr=0.1)[-1])  # the decay did change the path


@pytest.mark.parametrize("name, ours_class, options, torch_factory", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_weight_decay_matches_torch_optim(name, ours_class, options, torch_factory, torch):
    rng = np.random.default_rng(1)
    w0, decay = rng.normal(size=3), 0.1
    w, torch_w = Tensor(w0.copy(), requires_grad=True), torch.tensor(w0.copy(), requires_grad=True)
    ours = ours_class([w], **{**options, "weight_decay": decay})
    theirs = torch_factory(torch, [torch_w])
    for group in theirs.param_groups:
        group["weight_decay"] = decay
    for _ in range(10):
        ours.zero_grad()
        (w ** 3).sum().backward()
        ours.step()
        theirs.zero_grad()
        (torch_w ** 3).sum().backward()
        theirs.step()
    np.testing.assert_allclose(w.data, torch_w.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_plain_pytorch_style_loop_trains_a_tensor_model():
    x, t = nn.data.moons(200, noise=0.1, seed=0)
    model = nn.Sequential(nn.Linear(2, 16, activation="tanh", seed=0), nn.Linear(16, 2, seed=1))
    optimizer = nn.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    losses = []
    for _ in range(100):
        loss = nn.functional.cross_entropy(model(x), t)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < 0.25 * losses[0]
    assert nn.functional.accuracy(model(x), t) > 0.95


def test_parameters_without_a_gradient_are_left_alone():
    used, unused = Tensor([1.0], requires_grad=True), Tensor([5.0], requires_grad=True)
    optimizer = nn.optim.Adam([used, unused], lr=0.1)
    (used * 2).sum().backward()
    optimizer.step()
    assert unused.data.tolist() == [5.0] and used.data[0] < 1.0


def test_optimizer_errors_name_the_problem():
    with pytest.raises(ValueError, match="got no parameters"):
        nn.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match=r"SGD: lr must be a number > 0; got 0"):
        nn.optim.SGD([Value(1.0)], lr=0)
    with pytest.raises(TypeError, match="parameter 0 is a ndarray"):
        nn.optim.SGD([np.ones(2)], lr=0.1)


def test_float32_parameters_stay_float32():
    p = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    optimizer = nn.optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    optimizer.step()
    assert p.dtype == np.float32


def test_a_gradient_that_is_itself_a_graph_node_updates_by_its_numbers():
    v = Value(3.0)
    (v * v).backward(create_graph=True)  # v.grad is the Value 6 with a graph of its own
    nn.optim.SGD([v], lr=0.1).step()
    assert v.data == pytest.approx(3.0 - 0.6) and type(v.data) is float
