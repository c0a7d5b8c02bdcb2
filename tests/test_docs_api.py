"""The API reference (docs/api.md) is complete: what a class inherits, every public method of Tensor and Value,
nn.init and autograd.backend, and every "[docs]" link of the source pages leads somewhere."""
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("myst_nb", reason="the docs build needs the docs extra (sphinx, myst-nb, furo)")

import autograd.backend  # noqa: E402
import nn  # noqa: E402
from autograd import Tensor, Value  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site built without running the notebooks (the API reference does not need their outputs)."""
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-D", "nb_execution_mode=off", "-b", "html",
                            str(DOCS), str(out)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]
    return out


def _ids(page: Path) -> set:
    return set(re.findall(r'id="([^"]+)"', page.read_text("utf-8")))


def _public(namespace) -> list:
    return [name for name in vars(namespace) if not name.startswith("_")]


@pytest.mark.slow
def test_every_docs_link_of_the_source_pages_leads_to_an_entry(site):
    links = [(page, href) for page in (site / "_modules").rglob("*.html")
             for href in re.findall(r'class="viewcode-back" href="([^"]+)">\[docs\]', page.read_text("utf-8"))]
    assert len(links) > 100
    broken = [href for page, href in links if href.partition("#")[2] not in _ids(page.parent / href.partition("#")[0])]
    assert not broken, broken  # before: 46, nn.functional's and nn.data's pointing at nn.relu, nn.moons, ...


@pytest.mark.slow
def test_the_reference_lists_inherited_members_and_every_public_method(site):
    documented = _ids(site / "api.html")
    wanted = [f"nn.Sequential.{name}" for name in ("compile", "fit", "evaluate", "predict", "summary", "parameters")]
    wanted += [f"autograd.Tensor.{name}" for name in _public(Tensor)]
    wanted += [f"autograd.Value.{name}" for name in _public(Value)]
    wanted += [f"nn.init.{name}" for name, f in vars(nn.init).items()
               if inspect.isfunction(f) and f.__module__ == "nn.init" and not name.startswith("_")]
    wanted += [f"autograd.backend.{name}" for name, f in vars(autograd.backend).items()
               if inspect.isfunction(f) and f.__module__ == "autograd.backend" and not name.startswith("_")]
    missing = [name for name in wanted if name not in documented]
    assert not missing, missing
