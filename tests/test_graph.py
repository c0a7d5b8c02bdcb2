"""The graph as a whole: random composed expressions, deep chains, reuse, repeated backward,
`no_grad` (threads included), and graphs that free themselves."""
import gc
import threading
import weakref

import numpy as np
import pytest
from hypothesis import given

from autograd import BackwardError, Tensor, Value, enable_grad, is_grad_enabled, no_grad, topological_order
from autograd.testing import check_grads, tensor_program_inputs, value_program_inputs


# ---- random composed expressions against the numerical derivative --------------------
@given(case=value_program_inputs())
def test_random_value_expressions_match_the_numerical_derivative(case):
    program, numbers = case
    program.assume_tame([Value(x) for x in numbers], away_from_kinks=True)
    check_grads(lambda *leaves: program.output(leaves), *numbers)


@given(case=tensor_program_inputs())
def test_random_tensor_expressions_match_the_numerical_derivative(case):
    program, arrays = case
    program.assume_tame([Tensor(a) for a in arrays], away_from_kinks=True)
    check_grads(lambda *leaves: program.output(leaves), *arrays)


@given(case=tensor_program_inputs())
def test_topological_order_lists_every_node_once_after_its_parents(case):
    program, arrays = case
    nodes = program.run([Tensor(a, requires_grad=True) for a in arrays])
    root = nodes[-1]
    order = topological_order(root)
    assert len(order) == len({id(node) for node in order})
    position = {id(node): i for i, node in enumerate(order)}
    assert order[-1] is root
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]
    reachable, stack = set(), [root]  # everything the root depends on, found without the engine
    while stack:
        node = stack.pop()
        if id(node) not in reachable:
            reachable.add(id(node))
            stack.extend(node.parents)
    assert set(position) == reachable


# ---- deep chains ----------------------------------------------------------------------
def _chain_derivative(factor: float, steps: int) -> float:
    """d y_n / d x for y_0 = x, y_k = (y_{k-1} + x) * c: the geometric sum c + c^2 + ... + c^n, plus c^n from y_0."""
    return factor * (1 - factor ** steps) / (1 - factor) + factor ** steps


@pytest.mark.slow
def test_a_million_value_nodes_backpropagate_without_recursion_and_free_themselves(no_cyclic_gc):
    x, factor = Value(0.5), Value(1 - 1e-6)
    y, steps = x, 500_000  # two nodes per step
    for _ in range(steps):
        y = (y + x) * factor
    middle = weakref.ref(y.parents[0].parents[0].parents[0])
    y.backward()
    assert x.grad == pytest.approx(_chain_derivative(factor.data, steps), rel=1e-9)
    del y
    assert middle() is None  # freed by reference counting alone, deep as it is


def test_a_hundred_thousand_tensor_nodes(no_cyclic_gc):
    x, factor = Tensor([0.5, -1.0], requires_grad=True), 1 - 1e-5
    y, steps = x, 50_000
    for _ in range(steps):
        y = (y + x) * factor
    middle = weakref.ref(y.parents[0].parents[0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, _chain_derivative(factor, steps), rtol=1e-9)
    del y
    assert middle() is None


# ---- reuse ----------------------------------------------------------------------------
def test_a_node_used_twice_gets_both_contributions():
    v = Value(3.0)
    (v * v).backward()
    assert v.grad == 6.0
    t = Tensor([3.0, -2.0], requires_grad=True)
    (t * t).sum().backward()
    np.testing.assert_array_equal(t.grad, [6.0, -4.0])
    w = Value(2.0)
    (w + w + w).backward()
    assert w.grad == 3.0


def test_diamond_graph():
    # d = (2x + 1) * (6x) = 12x^2 + 6x, so dd/dx = 24x + 6; `a` feeds both branches.
    x = Value(2.0)
    a = x * 2
    b, c = a + 1, a * 3
    d = b * c
    d.backward()
    assert d.data == 60.0 and x.grad == 54.0
    assert a.grad == c.data + 3 * b.data  # the two branches meet at a: 1 * c + 3 * b

    xt = Tensor([[2.0], [-1.0]], requires_grad=True)
    at = xt * Tensor([2.0, 1.0])  # broadcast (2, 1) * (2,) -> (2, 2)
    dt = (at + 1) * (at * 3)
    dt.sum().backward()
    # d/dx of sum_j (k_j x + 1)(3 k_j x) = sum_j (6 k_j^2 x + 3 k_j) with k = (2, 1)
    np.testing.assert_allclose(xt.grad, [[6 * 5 * 2.0 + 9], [6 * 5 * -1.0 + 9]])


# ---- a second backward ------------------------------------------------------------------
def test_second_value_backward_accumulates_in_leaves_only():
    x = Value(3.0)
    hidden = x * x          # intermediate
    out = hidden * hidden   # x^4
    out.backward()
    assert (x.grad, hidden.grad, out.grad) == (108.0, 18.0, 1.0)
    out.backward()
    assert x.grad == 216.0                           # a leaf adds up, as in PyTorch
    assert (hidden.grad, out.grad) == (18.0, 1.0)    # intermediates show the latest call only


def test_second_tensor_backward_accumulates_in_leaves_only():
    x = Tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 3
    out = (hidden * hidden).sum()
    out.backward()
    np.testing.assert_array_equal(x.grad, [18.0, 36.0])
    np.testing.assert_array_equal(hidden.grad, [6.0, 12.0])
    out.backward()
    np.testing.assert_array_equal(x.grad, [36.0, 72.0])
    np.testing.assert_array_equal(hidden.grad, [6.0, 12.0])
    np.testing.assert_array_equal(out.grad, 1.0)


def test_backward_from_another_root_shows_that_roots_gradient_in_shared_intermediates():
    x = Value(2.0)
    shared = x * 5
    first, second = shared * 2, shared * 7
    first.backward()
    assert shared.grad == 2.0 and x.grad == 10.0
    second.backward()
    assert shared.grad == 7.0 and x.grad == 10.0 + 35.0
    assert first.grad == 1.0  # untouched by the second call, which does not reach it


def test_backward_on_a_leaf_accumulates_one_per_call():
    x = Value(4.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0
    t = Tensor([4.0], requires_grad=True)
    t.backward()
    t.backward()
    np.testing.assert_array_equal(t.grad, [2.0])


# ---- no_grad ----------------------------------------------------------------------------
def test_no_grad_records_no_graph():
    x = Value(2.0)
    t = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        v = (x * 3).exp()
        u = (t * 3).sum()
    assert v.parents == () and v.local_grads == ()
    assert u.parents == () and not u.requires_grad
    with pytest.raises(BackwardError, match="does not require grad"):
        u.backward()
    after = x * 3
    assert is_grad_enabled() and after.parents[0] is x


def test_no_grad_is_undone_on_exit_even_after_an_error_and_nests_with_enable_grad():
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            _ = 1 / 0
    assert is_grad_enabled()
    x = Tensor([1.0], requires_grad=True)
    with no_grad():
        with enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_no_grad_in_one_thread_does_not_affect_another():
    inside, checked = threading.Event(), threading.Event()
    seen = {}

    def worker_without_grad():
        with no_grad():
            inside.set()
            checked.wait(timeout=10)
            seen["worker records"] = (Value(1.0) * 2).parents != ()

    worker = threading.Thread(target=worker_without_grad)
    worker.start()
    assert inside.wait(timeout=10)
    x = Value(1.0)
    assert (x * 2).parents != () and is_grad_enabled()  # the main thread still records
    assert (Tensor([1.0], requires_grad=True) * 2).requires_grad
    checked.set()
    worker.join(timeout=10)
    assert seen == {"worker records": False}


# ---- graphs free themselves -----------------------------------------------------------------
@pytest.fixture
def no_cyclic_gc():
    """Turn the cycle collector off: what is freed here is freed by reference counting alone."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


@pytest.mark.parametrize("kind", ["value", "tensor"])
def test_intermediate_nodes_are_freed_when_the_output_is_dropped(kind, no_cyclic_gc):
    x = Value(1.5) if kind == "value" else Tensor([1.5, -0.5], requires_grad=True)
    hidden = (x * 2).tanh()
    other = hidden * x + hidden
    out = other * other if kind == "value" else (other * other).sum()
    out.backward()
    refs = [weakref.ref(hidden), weakref.ref(other)]
    del hidden, other
    assert all(ref() is not None for ref in refs)  # still held by the output's graph
    del out
    assert [ref() for ref in refs] == [None, None]
    assert x.grad is not None  # the leaf, which we hold, keeps its gradient
