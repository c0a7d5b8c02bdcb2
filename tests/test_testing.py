"""autograd.testing, the public property-test kit: its strategies, check_grads and the failure it reports,
the picture of a failing check (viz.draw_gradcheck), and a user's fresh project that uses only the kit."""
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

import viz
from autograd import GradcheckError, Op, Tensor, Value
from autograd import testing as kit
from autograd.testing import away_from, check_grads, compare_node_gradients, programs, reals, tensors, values


class Cube(Op):
    """x ** 3 with a right backward."""

    name = "cube"

    def forward(self, ctx, x):
        return x ** 3

    def backward(self, ctx, g, x, out):
        return (3 * x ** 2 * g,)


class DoubledCube(Cube):
    """x ** 3 with a backward wrong by a factor of 2."""

    def backward(self, ctx, g, x, out):
        return (6 * x ** 2 * g,)


class DetachedCube(Cube):
    """x ** 3 whose backward reads x's numbers, not x: right first derivative, but no second through it."""

    def backward(self, ctx, g, x, out):
        return (g * 3 * (x.data if isinstance(x, Tensor) else x) ** 2,)  # g first: strict arrays refuse Tensor


def through(op):
    """A small graph around `op`, so that a check sees ops before and after it."""
    return lambda t: (op()(t * 1.5) * 2.0).tanh().sum()


# ---- check_grads ------------------------------------------------------------------------
def test_check_grads_passes_a_right_op_on_tensors_values_floats_and_arrays():
    x = np.array([0.3, -0.5, 0.7])
    check_grads(through(Cube), Tensor(x, requires_grad=True), order=2)
    check_grads(through(Cube), x)  # an array becomes a leaf that requires grad
    check_grads(lambda a, b: (a * b + a).tanh() * a, Value(0.5), -1.2, order=2)


def test_a_wrong_backward_names_input_element_both_gradients_and_the_inputs(tmp_path):
    x = Tensor(np.array([0.3, -0.5, 0.7]), requires_grad=True, name="x")
    with pytest.raises(GradcheckError) as failure:
        check_grads(through(DoubledCube), x, picture=tmp_path / "cube.svg")
    message = str(failure.value)
    assert "for input 0 ('x') at index (" in message
    assert "the gradient is wrong" in message
    backprop, numerical = map(float, re.search(r"backprop (\S+), numerical (\S+),", message).groups())
    assert backprop == pytest.approx(2 * numerical, rel=1e-6)  # wrong by exactly the factor
    assert "input 0: Tensor([ 0.3, -0.5,  0.7], requires_grad=True, name='x')" in message
    assert "agree on the output of op 'cube' and disagree on its inputs" in message
    assert f"wrong ones marked: {tmp_path / 'cube.svg'}" in message
    assert "✗ wrong at index" in (tmp_path / "cube.svg").read_text()


def test_without_viz_the_failure_has_no_picture_and_without_dot_it_points_at_the_dot_source(tmp_path, monkeypatch):
    x = Tensor(np.array([0.3, -0.5]), requires_grad=True)
    monkeypatch.setitem(sys.modules, "viz", None)  # import viz now raises ImportError
    with pytest.raises(GradcheckError) as failure:
        check_grads(through(DoubledCube), x, picture=tmp_path / "cube.png")
    assert "picture" not in str(failure.value) and not (tmp_path / "cube.png").exists()
    monkeypatch.setitem(sys.modules, "viz", viz)
    monkeypatch.setenv("PATH", str(tmp_path))  # no Graphviz `dot` to be found
    with pytest.raises(GradcheckError, match=r"wrong ones marked: .*cube\.gv"):
        check_grads(through(DoubledCube), x, picture=tmp_path / "cube.png")
    assert "✗ wrong" in (tmp_path / "cube.gv").read_text()


def test_order_two_finds_a_backward_that_is_right_only_to_first_order():
    x = Tensor(np.array([0.3, -0.5, 0.7]), requires_grad=True)
    check_grads(through(DetachedCube), x, picture=False)
    with pytest.raises(GradcheckError, match=r"second derivative .* is wrong"):
        check_grads(through(DetachedCube), x, order=2, picture=False)


def test_check_grads_on_another_array_library():
    xps = pytest.importorskip("array_api_strict")
    x = Tensor(xps.asarray([0.3, -0.5, 0.7]), requires_grad=True)
    check_grads(through(Cube), x)
    with pytest.raises(GradcheckError, match=r"backprop (\S+), numerical"):
        check_grads(through(DoubledCube), x, picture=False)


def test_second_order_check_on_another_array_library():
    xps = pytest.importorskip("array_api_strict")
    x = Tensor(xps.asarray([0.3, -0.5, 0.7]), requires_grad=True)
    check_grads(through(Cube), x, order=2)
    with pytest.raises(GradcheckError, match=r"second derivative .* is wrong"):
        check_grads(through(DetachedCube), x, order=2, picture=False)


def test_check_grads_leaves_the_inputs_gradients_alone():
    x = Tensor(np.array([0.3, -0.5]), requires_grad=True)
    x.grad = np.array([7.0, 8.0])
    check_grads(through(Cube), x)
    np.testing.assert_array_equal(x.grad, [7.0, 8.0])


def test_check_grads_refuses_an_order_it_cannot_check():
    with pytest.raises(ValueError, match="order=3"):
        check_grads(through(Cube), np.ones(2), order=3)


@settings(max_examples=15, database=None)
@given(tensors(shape=st.tuples(st.integers(1, 4))))
def test_check_grads_under_hypothesis_on_a_right_op(x):
    check_grads(through(Cube), x)


def test_hypothesis_shrinks_a_failure_and_the_message_shows_that_smallest_input(tmp_path):
    @settings(max_examples=30, database=None)
    @given(tensors(shape=st.tuples(st.integers(1, 4))))
    def user_test(x):
        check_grads(through(DoubledCube), x, picture=tmp_path / "smallest.gv")

    with pytest.raises(GradcheckError) as failure:
        user_test()
    # The smallest failing input: one element, as close to 0 as the tolerance lets the factor 2 show.
    assert "input 0: Tensor([" in str(failure.value)
    shrunk = str(failure.value).split("input 0: Tensor([")[1].split("]")[0]
    assert "," not in shrunk
    assert (tmp_path / "smallest.gv").exists()


# ---- the numbers behind the picture --------------------------------------------------------
def test_backprop_and_numerical_part_exactly_at_the_inputs_of_the_wrong_op():
    x = Tensor(np.array([0.3, -0.5, 0.7]), requires_grad=True)
    right = compare_node_gradients(through(Cube), x)
    assert right.wrong == {}
    wrong = compare_node_gradients(through(DoubledCube), x)
    wrong_ops = sorted(node.op or "leaf" for node in wrong.wrong)
    assert wrong_ops == ["*", "leaf"]  # x and x * 1.5, the two values upstream of the cube
    assert [node.op for node in wrong.suspects] == ["cube"]
    wrong_edges = sorted(consumer.op for (consumer, _), edge in wrong.edges.items() if edge.wrong is not None)
    assert wrong_edges == ["*", "cube"]  # what the cube sends back to x * 1.5, and what that sends back to x
    for node, index in wrong.wrong.items():
        assert wrong.backprop[node][index] == pytest.approx(2 * wrong.numerical[node][index], rel=1e-6)
    assert x.grad is None


def test_an_input_used_twice_implicates_only_the_op_on_the_wrong_path():
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    # x feeds the wrong cube and, directly, the last product: x's gradient is wrong, the product's backward is not.
    check = compare_node_gradients(lambda t: (DoubledCube()(t * 2.0) * t).sum(), x)
    assert [node.op for node in check.suspects] == ["cube"]
    last_product = check.root.parents[0]
    into_last_product = check.edges[last_product, 1]  # x's direct use: its share is right, though x's sum is not
    assert into_last_product.wrong is None and x in check.wrong
    np.testing.assert_allclose(into_last_product.backprop, into_last_product.numerical, rtol=1e-6)


def test_values_get_numerical_gradients_at_the_inputs():
    a, b = Value(0.5), Value(-1.2)
    check = compare_node_gradients(lambda a, b: (a * b).tanh(), a, b)
    assert check.numerical[a] == pytest.approx(check.backprop[a], rel=1e-6)
    assert check.numerical[b] == pytest.approx(check.backprop[b], rel=1e-6)
    assert check.wrong == {} and a.grad == 0.0


def test_constants_that_f_makes_are_not_judged():
    a = Value(0.3)
    check = compare_node_gradients(lambda a: (a * 2.0).tanh(), a)  # 2.0 becomes a new Value leaf each call
    assert check.wrong == {}
    assert [node for node in check.backprop if not node.parents] == [a]


def test_the_picture_marks_only_wrong_edges():
    x = Tensor(np.array([0.3, -0.5]), requires_grad=True, name="x")
    right = viz.draw_gradcheck(through(Cube), x).source
    wrong = viz.draw_gradcheck(through(DoubledCube), x).source
    assert "✗" not in right.replace("✓", "") and "numerical" in right
    assert wrong.count(f'color="{viz.gradcheck.WRONG_COLOR}" penwidth=3') == 2  # the edges x -> *, and * -> cube
    assert "✗ wrong at index (" in wrong
    assert re.search(rf'label=<cube>.*color="{viz.gradcheck.WRONG_COLOR}"', wrong)  # the suspect op, circled


def test_a_value_used_twice_shows_both_of_its_sums():
    a = Value(0.5, name="a")
    source = viz.draw_gradcheck(lambda a, b: (a * b + a).tanh() * a, a, Value(-1.2)).source
    assert "Σ backprop -0.1987" in source and "Σ numerical -0.1987" in source
    assert "agree on 1 measured edge (numerical —: not measured" in source


# ---- strategies ------------------------------------------------------------------------------
@given(away_from([0.0, 1.0], margin=0.25))
def test_away_from_keeps_its_margin(x):
    assert -kit.BOUND <= x <= kit.BOUND
    assert abs(x) >= 0.25 and abs(x - 1.0) >= 0.25


def test_special_points_are_drawn_on_request():
    assert find(reals(specials=[1.2345]), lambda x: x == 1.2345) == 1.2345  # a number no random draw would hit
    assert find(tensors(shape=(2,), elements=reals(specials=[-2.2345])), lambda t: -2.2345 in t.data).requires_grad


@given(away_from([0.0, 0.1], margin=0.1))
def test_away_from_keeps_its_margin_from_points_closer_than_two_margins(x):
    assert abs(x) >= 0.1 and abs(x - 0.1) >= 0.1


def test_away_from_says_when_nothing_is_left():
    with pytest.raises(ValueError, match="0.5 away from"):
        away_from([0.0], margin=0.5, low=-0.4, high=0.4)


@settings(max_examples=20)
@given(tensors(shape=(2, 3), dtype="float32"), values(name="v"))
def test_tensors_and_values_are_leaves_that_want_gradients(t, v):
    assert t.shape == (2, 3) and t.requires_grad and str(t.dtype) == "float32"
    assert isinstance(v, Value) and v.name == "v"


@settings(max_examples=20)
@given(programs(num_leaves=2, min_steps=3, max_steps=5))
def test_programs_reuse_earlier_nodes(program):
    assert 3 <= len(program.steps) <= 5
    for step, (_, operands) in enumerate(program.steps):
        assert all(0 <= i < 2 + step for i in operands)


def test_without_hypothesis_the_strategies_say_which_extra_installs_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # import hypothesis now raises ImportError
    with pytest.raises(kit.HypothesisNotInstalledError, match=r"scratchgrad\[testing\]"):
        tensors(shape=(2,))


# ---- a user's own project ------------------------------------------------------------------
USER_TEST = '''
import numpy as np
from hypothesis import find, given, settings

import autograd
from autograd.testing import check_grads, tensors


class Cube(autograd.Op):
    name = "cube"

    def forward(self, ctx, x):
        return x ** 3

    def backward(self, ctx, g, x, out):
        return ({factor} * x ** 2 * g,)


@settings(max_examples=10, database=None)
@given(tensors(shape=(3,)))
def test_cube(x):
    check_grads(lambda t: Cube()(t).sum(), x)
'''


@pytest.mark.parametrize("factor, passes", [(3, True), (6, False)])
def test_a_fresh_project_tests_its_own_op_with_the_public_kit(tmp_path, factor, passes):
    (tmp_path / "test_my_op.py").write_text(textwrap.dedent(USER_TEST.format(factor=factor)))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_op.py"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path), "HOME": str(tmp_path)})
    output = run.stdout + run.stderr
    if passes:
        assert run.returncode == 0, output
        assert "1 passed" in output
        return
    assert run.returncode == 1, output
    assert "1 failed" in output
    assert re.search(r"(Falsifying example|Failing test case): test_cube\(", output)  # hypothesis' report of it
    assert "check_grads(<lambda>): the gradient is wrong" in output
    assert "backprop " in output and "numerical " in output
    assert "the smallest failing inputs" in output and "input 0: Tensor([" in output
    assert (tmp_path / "scratchgrad-check-grads" / "lambda.png").exists()
