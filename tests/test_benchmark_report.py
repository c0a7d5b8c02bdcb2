"""make bench writes BENCHMARKS.md anew from its results and keeps the sections measured by hand."""
from pathlib import Path

from benchmarks import report


def _write(tmp_path, monkeypatch, old: str) -> str:
    target = tmp_path / "BENCHMARKS.md"
    target.write_text(old)
    monkeypatch.setattr(report, "MARKDOWN", target)
    monkeypatch.setattr(report, "markdown", lambda results: "# Benchmarks\n\n## 1. measured\n\nnew figures\n")
    monkeypatch.setattr(report, "chart", lambda results: None)
    report.write({})
    return target.read_text()


def test_a_rerun_keeps_the_hand_written_sections(tmp_path, monkeypatch):
    hand = f"{report.HAND_WRITTEN}\n\n## 9. by hand\n\nfigures measured by hand\n"
    written = _write(tmp_path, monkeypatch, "# Benchmarks\n\n## 1. measured\n\nold figures\n\n" + hand)
    assert written == "# Benchmarks\n\n## 1. measured\n\nnew figures\n\n" + hand


def test_a_first_run_writes_the_measured_sections_alone(tmp_path, monkeypatch):
    assert _write(tmp_path, monkeypatch, "") == "# Benchmarks\n\n## 1. measured\n\nnew figures\n"


def test_the_repository_benchmarks_mark_where_the_hand_written_sections_start():
    text = (Path(report.__file__).resolve().parents[1] / "BENCHMARKS.md").read_text()
    assert report.HAND_WRITTEN in text
    assert text.index(report.HAND_WRITTEN) < text.index("## 9. The backprop explorer")
