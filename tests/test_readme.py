"""Every Python snippet in README.md runs, and shows what the README says it shows (doctest)."""
import doctest
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_snippets_run_and_print_what_they_show(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the snippets write their pictures into out/
    results = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert results.attempted >= 20
    assert results.failed == 0, f"{results.failed} README examples differ from what they show (printed above)"
