"""The engine's example scripts print what the book (tests/reference_numbers.md) and the issues say."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

import newton  # noqa: E402


def test_newton_iterates_follow_the_hand_derived_update_and_reach_one():
    iterates = newton.main()["iterates"]
    x = 2.0
    for produced in iterates[1:]:
        x = x - (4 * x ** 3 - 4 * x) / (12 * x ** 2 - 4)  # f'/f'' written out by hand
        assert produced == pytest.approx(x, rel=1e-12)
    assert iterates[1] == pytest.approx(16 / 11)
    assert abs(iterates[-1] - 1.0) < 1e-10


def test_tanh_derivatives_example_values_and_pictures(tmp_path):
    import math

    import tanh_derivatives

    result = tanh_derivatives.main(tmp_path)
    t = math.tanh(0.5)
    s = 1 - t * t
    closed_forms = [t, s, -2 * t * s, -2 * s * s + 4 * t * t * s, 16 * t * s * s - 8 * t ** 3 * s]
    assert result["at_half"] == pytest.approx(closed_forms, rel=1e-12)
    second = result["second"]
    assert second.data == pytest.approx(-2 * t * s, rel=1e-12)
    assert (tmp_path / "tanh_derivatives.png").read_bytes().startswith(b"\x89PNG")
    svg = (tmp_path / "tanh_second_derivative.svg").read_text()
    assert "tanh&#39;&#39;(x)" in svg and ">tanh<" in svg  # the root's name (HTML-escaped) and the tanh node
