"""Sphinx configuration of the documentation site: the chapter notebooks, executed, and the API reference."""
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The notebooks live in examples/notebooks (where the tests run them); Sphinx reads sources from docs/ only.
shutil.copytree(ROOT / "examples" / "notebooks", Path(__file__).parent / "notebooks", dirs_exist_ok=True,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints"))

project = "scratchgrad"
author = "the scratchgrad authors"
extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.viewcode"]
exclude_patterns = ["_build", "notebooks/steps", "notebooks/.ipynb_checkpoints"]
html_theme = "furo"
html_title = "scratchgrad"

nb_execution_mode = "force"  # the notebooks are stored without outputs
nb_execution_timeout = 180
# A failing notebook is reported as a warning that holds the failing cell and its traceback, which -W turns
# into a failed build; raising instead would print only the notebook's name (the cause went to a temp log).
nb_execution_raise_on_error = False
nb_execution_show_tb = True
nb_execution_in_temp = True  # files a notebook writes (steps/, two_layer.npz) stay out of the sources

autodoc_member_order = "bysource"
default_role = "code"  # docstrings write `name` for code, as in Markdown


def bars_as_text(app, what, name, obj, options, lines):
    """Docstrings are plain text: |x| is an absolute value there, not a reStructuredText substitution."""
    lines[:] = [line.replace("|", r"\|") for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", bars_as_text)
