"""Every Python snippet in README.md runs, and shows what the README says it shows (doctest)."""
import builtins
import doctest
import importlib
import itertools
import re
from pathlib import Path

import pytest

from autograd import Tensor

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_snippets_run_and_print_what_they_show(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the snippets write their pictures into out/
    results = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert results.attempted >= 20
    assert results.failed == 0, f"{results.failed} README examples differ from what they show (printed above)"


def test_readme_opens_with_its_title_then_how_to_run_it():
    lines = README.read_text("utf-8").splitlines()
    assert lines[0] == "# scratchgrad"
    fence = lines.index("```bash")
    assert all(not line.strip() for line in lines[1:fence]), "nothing but a blank line between title and commands"
    assert lines[fence + 1:fence + 4] == ["make demo", "make test", "```"]


# The rows of the error table that quote a message, with a line that raises it.
QUOTED_MESSAGES = {
    "ValueError: assignment destination is read-only": lambda: Tensor([1.0, 2.0]).data.__setitem__(0, 5.0),
}


def _exception_class(name: str):
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module) if module else builtins, attribute)


def test_every_row_of_the_error_table_names_a_real_error_with_its_real_bases_or_message():
    table = README.read_text("utf-8").split("| error | when | what to do |", 1)[1].splitlines()[2:]
    rows = [line.split("|")[1].strip() for line in itertools.takewhile(lambda line: line.startswith("|"), table)]
    assert len(rows) >= 15
    for cell in rows:
        raised = cell.split(" from ")[0]  # "`autograd.ShapeError` from `nn.Linear`": what is raised comes first
        bases = re.findall(r"`([\w.]+)`", "".join(re.findall(r"\((.*?)\)", raised)))  # "(a `ValueError`)"
        names = re.findall(r"`([^`]+)`", re.sub(r"\(.*?\)", "", raised))
        assert names, cell
        for name in names:
            if ": " in name:  # a quoted message: it must be the one the engine gives
                with pytest.raises(_exception_class(name.split(": ")[0])) as caught:
                    QUOTED_MESSAGES[name]()
                assert f"{type(caught.value).__name__}: {caught.value}" == name
                continue
            error = _exception_class(name)
            assert issubclass(error, Exception), name
            assert all(issubclass(error, _exception_class(base)) for base in bases), (name, bases)
