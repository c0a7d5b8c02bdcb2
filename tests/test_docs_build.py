"""`make docs` on a notebook that fails: the build fails, and the screen shows the failing cell and its error
(not only the notebook's name, with the cause in a temporary log file)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("myst_nb", reason="the docs build needs the docs extra (sphinx, myst-nb, furo)")
nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the dev extra (nbformat, nbclient)")

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.slow
def test_a_failing_notebook_fails_the_build_and_shows_its_cell_and_error(tmp_path):
    # The project's docs/conf.py in a scratch tree laid out like the repository, with one notebook that fails.
    (tmp_path / "docs").mkdir()
    shutil.copy(DOCS / "conf.py", tmp_path / "docs" / "conf.py")
    (tmp_path / "docs" / "index.md").write_text("# scratch\n\n```{toctree}\nnotebooks/broken\n```\n")
    notebooks = tmp_path / "examples" / "notebooks"
    notebooks.mkdir(parents=True)
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# broken"),
                                           nbformat.v4.new_code_cell("marker = 'the cell that fails'\n1 / 0")])
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(book, notebooks / "broken.ipynb")
    build = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                            str(tmp_path / "docs"), str(tmp_path / "html")],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode != 0, "a notebook that fails must fail the docs build"
    assert "the cell that fails" in build.stderr and "ZeroDivisionError" in build.stderr, build.stderr[-3000:]
