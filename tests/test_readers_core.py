"""The readers' core (issue 20) stays as it was made: rules that never ask which array library they run on, a backward
driver on one screen, Tensor methods derived from the ops that register them, and no node told apart by an attribute."""
import ast
import importlib
import inspect
import re
from pathlib import Path

import numpy as np
import pytest

import autograd
from autograd import Op, Tensor, gradcheck, gradgradcheck, tensor_method
from autograd.tensor_namespace import tensor_namespace

ROOT = Path(autograd.__file__).resolve().parents[1]
tensor_module = importlib.import_module("autograd.tensor")  # autograd.tensor, the attribute, is the function

# What asks which library an array comes from: the type, the backend's tests, a library's name, the dual mode.
LIBRARY_CHECKS = re.compile(r"np\.ndarray|np\.generic|is_numpy|library_of|is_other_library_array|numpy_namespace"
                            r"|\bNUMPY\b|dask|cupy|torch\.|_on_arrays|_array_of|hasattr\(")


@pytest.mark.parametrize("module", ["ops.py", "convolution.py"])
def test_op_rules_never_ask_which_library_they_run_on(module):
    found = [line.strip() for line in _code_lines(ROOT / "autograd" / module) if LIBRARY_CHECKS.search(line)]
    assert not found, f"autograd/{module} asks which library it runs on (move it behind the namespace): {found}"


def _code_lines(path: Path) -> list:
    """The lines of a module that are code: docstrings and comments aside."""
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = {node.body[0].value.lineno for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    spans = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and node.value.lineno in docstrings:
            spans |= set(range(node.value.lineno, node.value.end_lineno + 1))
    lines = path.read_text("utf-8").splitlines()
    return [line.split("#")[0] for number, line in enumerate(lines, start=1) if number not in spans]


def test_no_node_is_told_apart_by_a_private_attribute():
    sources = [path for package in ("autograd", "nn", "viz") for path in (ROOT / package).glob("*.py")]
    found = [f"{path.name}: {line.strip()}" for path in sources for line in _code_lines(path)
             if re.search(r"hasattr\([^)]*[\"']_[a-z]", line)]  # a private name, not a protocol's __dunder__
    assert not found, f"use autograd.is_tensor (or isinstance) instead: {found}"


def test_the_backward_driver_fits_on_one_screen_and_tensor_py_stays_short():
    source = inspect.getsource(tensor_module)
    driver = [inspect.getsource(f) for f in (Tensor.backward, tensor_module._send_gradients, tensor_module._accumulate)]
    assert sum(len(part.splitlines()) for part in driver) <= 60
    assert len(source.splitlines()) <= 500


def test_a_method_takes_its_ops_settings_and_shows_them():
    assert str(inspect.signature(Tensor.sum)) == "(self, /, axis=None, keepdims=False)"
    assert Tensor.max.__doc__ == autograd.ops.Max.__doc__ and Tensor.max.__qualname__ == "Tensor.max"
    x = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.sum(axis=[0]).data, x.data.sum(axis=0))  # a list of axes, as NumPy takes


def test_an_op_registered_outside_the_library_is_a_method_and_in_the_tensors_namespace():
    class Cube(Op):
        """x ** 3."""
        name = "cube"

        def forward(self, ctx, x):
            return x * x * x

        def backward(self, ctx, g, x, out):
            return (g * 3.0 * x * x,)

    try:
        tensor_method("cube")(Cube)
        x = Tensor(np.array([1.0, -2.0, 0.5]), requires_grad=True)
        y = x.cube()
        assert y.op == "cube" and Tensor.cube.__doc__ == "x ** 3."
        assert tensor_namespace.cube(x).op == "cube"  # a rule fed Tensors can call it as xp.cube
        assert gradcheck(lambda t: t.cube().sum(), x) and gradgradcheck(lambda t: t.cube().sum(), x)
    finally:
        del Tensor.cube
        vars(tensor_namespace).pop("cube", None)


def test_an_op_called_on_arrays_computes_without_a_graph():
    out = autograd.ops.Exp()(np.array([0.0, 1.0]))
    assert type(out) is np.ndarray
    np.testing.assert_allclose(out, np.exp([0.0, 1.0]))
