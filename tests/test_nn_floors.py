"""nn's modules in floors: each imports only from the floors below it, and the scalar MLP stands without the
training stack (Sequential's fit, the optimizers, the data sets and tqdm's progress bars)."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

import nn

NN = Path(nn.__file__).parent

# From the ground up; a module may import the modules of lower floors only.
FLOORS = [
    {"settings", "module", "progress"},
    {"init", "optim"},
    {"functional"},
    {"activations", "data"},
    {"layers", "scalar"},
    {"training"},
    {"sequential"},
    {"book"},
]
FLOOR_OF = {name: level for level, floor in enumerate(FLOORS) for name in floor}


def nn_imports(module: str) -> set:
    """The nn modules that nn/<module>.py imports (`from . import x`, `from .x import y`)."""
    tree = ast.parse((NN / f"{module}.py").read_text("utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            imported |= {node.module} if node.module else {alias.name for alias in node.names}
    return imported


def test_every_module_of_nn_has_a_floor():
    modules = {path.stem for path in NN.glob("*.py")} - {"__init__"}
    assert modules == set(FLOOR_OF), f"give these modules a floor: {sorted(modules ^ set(FLOOR_OF))}"


@pytest.mark.parametrize("module", sorted(FLOOR_OF))
def test_a_module_imports_only_from_the_floors_below(module):
    above = sorted(name for name in nn_imports(module) if FLOOR_OF[name] >= FLOOR_OF[module])
    assert not above, f"nn.{module} (floor {FLOOR_OF[module]}) imports from its own floor or above: {above}"


def test_the_layers_do_not_import_the_training_methods():
    assert "training" not in nn_imports("layers") and "training" not in nn_imports("activations")
    assert {"training", "layers"} <= nn_imports("sequential")


def test_the_scalar_mlp_imports_without_the_training_stack():
    script = ("import sys, nn.scalar\n"
              "model = nn.scalar.MLP(2, [3, 1], seed=0)\n"
              "model([1.0, -2.0]).backward()\n"
              "print(sorted(m for m in sys.modules if m in {'nn.training', 'nn.optim', 'nn.data', 'nn.sequential',"
              " 'nn.progress'} or m.split('.')[0] == 'tqdm'))")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         cwd=NN.parent)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]", f"importing nn.scalar loaded the training stack: {run.stdout}"


def test_the_training_stack_is_there_when_asked_for():
    assert {name for name in nn.__all__ if not hasattr(nn, name)} == set()
    assert set(nn.__all__) <= set(dir(nn))
    assert hasattr(nn.Sequential, "fit") and nn.optim.SGD and nn.data.DataLoader is nn.DataLoader
    with pytest.raises(AttributeError, match="no attribute 'Sequentail'"):
        nn.Sequentail  # noqa: B018


def test_fit_in_a_terminal_draws_a_bar(capsys, monkeypatch):
    # A terminal is where a learner runs a script: fit's progress is a tqdm bar there.
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    x, t = nn.data.moons(40, seed=0)
    model = nn.Sequential(nn.Linear(2, 8, activation="relu", seed=0), nn.Linear(8, 2, activation="softmax", seed=1))
    model.compile(optimizer="sgd", metrics=["accuracy"])
    history = model.fit(x, t, epochs=2, batch_size=10)
    assert len(history.history["loss"]) == 2
    assert "Epoch 2/2" in capsys.readouterr().err


# ---- the seams between packages carry public names ------------------------------------------------------------
ROOT = NN.parent
PACKAGES = ("autograd", "nn", "viz", "benchmarks", "examples")


def private_imports_across_packages() -> list:
    """`from other_package.x import _name` anywhere in the project's packages: a private name crossing a seam."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                        and node.module.split(".")[0] in PACKAGES and node.module.split(".")[0] != package:
                    found += [f"{path.relative_to(ROOT)}: {node.module}.{alias.name}"
                              for alias in node.names if alias.name.startswith("_")]
    return found


def test_no_private_name_is_imported_from_another_package():
    crossing = set(private_imports_across_packages())
    assert not crossing, f"give these a public name in their package: {sorted(crossing)}"


def test_clear_grad_gives_each_node_kind_its_starting_gradient():
    from autograd import Tensor, Value
    from autograd.value import clear_grad

    x, t = Value(2.0), Tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward()
    (t * t).sum().backward()
    clear_grad(x)
    clear_grad(t)
    assert (x.grad, t.grad) == (0.0, None) and type(x.grad) is float
    assert (Value(1.0).grad, Tensor([1.0], requires_grad=True).grad) == (x.grad, t.grad)  # as when made
