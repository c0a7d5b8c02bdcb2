"""The engine's example scripts print what the notes (and the issues) say."""
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
