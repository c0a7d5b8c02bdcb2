"""The chapter notebooks in examples/notebooks run top to bottom in a fresh kernel, and show their pictures:
graph cells an SVG, plot cells a PNG, with no warning, no doubled output, no magic."""
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the dev extra (nbformat, nbclient)")
nbclient = pytest.importorskip("nbclient", reason="the notebook tests need the dev extra (nbformat, nbclient)")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "examples" / "notebooks").glob("*.ipynb"))
GRAPH_CALLS = ("draw_graph(", "SVG(")
PLOT_CALLS = ("viz.plot_",)
# The book's own numbers that a notebook must print: its trained networks' test accuracies.
BOOK_NUMBERS = {"08_chapter7_convolution": "0.9890", "09_chapter8_deep_convnet": "0.9935"}


def test_one_notebook_per_chapter():
    assert [path.stem[:2] for path in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07", "08", "09"]
    assert [path.stem.split("_")[1] for path in NOTEBOOKS[6:]] == ["chapter6", "chapter7", "chapter8"]


def test_every_notebook_has_a_page_in_the_docs():
    index = (ROOT / "docs" / "index.md").read_text()
    assert [path.stem for path in NOTEBOOKS if f"notebooks/{path.stem}" not in index] == []


def test_the_readme_names_every_notebook_and_scripts_that_exist():
    readme = (ROOT / "README.md").read_text()
    assert [path.stem for path in NOTEBOOKS if f"`{path.stem}`" not in readme] == []
    scripts = re.findall(r"python (examples/[a-z0-9_]+\.py)", readme)  # not the NAME.py placeholder
    assert scripts and [script for script in scripts if not (ROOT / script).is_file()] == []


def test_git_ignores_what_the_notebooks_write_beside_themselves():
    """Run from examples/notebooks, notebook 04 writes steps/ and 05 writes two_layer.npz: not for committing."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    written = ["examples/notebooks/steps/step_000.svg", "examples/notebooks/steps/index.html",
               "examples/notebooks/two_layer.npz"]
    check = subprocess.run(["git", "check-ignore", "--no-index", *written], cwd=ROOT, capture_output=True, text=True)
    assert check.stdout.split() == written, check.stdout


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_reads_no_data_from_beside_the_repository(path):
    """A clone has no data folder beside it: the notebooks find data as a user's would (nn.load_mnist, nn.book)."""
    sources = "".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    assert "shared/" not in sources and "MNIST_DATA" not in sources, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_stored_without_outputs(path):
    book = nbformat.read(path, as_version=4)
    code = [cell for cell in book.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_and_shows_its_pictures(path, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    book = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    nbclient.NotebookClient(book, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    print(f"{path.name}: {time.perf_counter() - started:.1f} s")
    for cell in (cell for cell in book.cells if cell.cell_type == "code"):
        kinds = {kind for output in cell.outputs for kind in output.get("data", {})}
        stderr = "".join(output.get("text", "") for output in cell.outputs if output.get("name") == "stderr")
        assert "Warning" not in stderr, f"{path.name}: {cell.source!r} warned: {stderr}"
        if any(call in cell.source for call in GRAPH_CALLS):
            assert "image/svg+xml" in kinds, f"{path.name}: no picture from {cell.source!r}"
        if any(call in cell.source for call in PLOT_CALLS):
            assert "image/png" in kinds, f"{path.name}: no plot from {cell.source!r}"
        if re.search(r"\.summary\([^)]*\)$", cell.source.rstrip()):
            assert [output.output_type for output in cell.outputs] == ["stream"], "summary() shown twice"
    printed = "".join(output.get("text", "") for cell in book.cells for output in cell.get("outputs", []))
    expected = BOOK_NUMBERS.get(path.stem, "")
    assert expected in printed, f"{path.name} does not print the book's {expected}"
