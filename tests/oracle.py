"""PyTorch (float64) as the oracle of gradient tests, imported in one place.

Without PyTorch an oracle test skips with `SKIP_REASON` and the run's last line says how
many did; with SCRATCHGRAD_REQUIRE_ORACLE=1 (set by .ci/run) a missing PyTorch fails them,
so CI can never pass with the oracle silently absent.
"""
import os

import pytest

REQUIRE_VARIABLE = "SCRATCHGRAD_REQUIRE_ORACLE"
# PyPI's default torch wheel for Linux carries CUDA (gigabytes); PyTorch's own index has the CPU-only build.
INSTALL_HINT = (".venv/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu (the CPU-only build; "
                "on this project's machines .venv/bin/pip install torch==2.13.0, a CPU build there), then make test")
SKIP_REASON = "PyTorch (the float64 oracle) is not installed"  # the run's last line says how to install it


def oracle_required() -> bool:
    return os.environ.get(REQUIRE_VARIABLE, "") == "1"


def import_torch():
    """The `torch` module, or a skip (a failure when the oracle is required) naming what to install."""
    try:
        import torch
    except ImportError as err:
        if oracle_required():
            pytest.fail(f"{REQUIRE_VARIABLE}=1 but PyTorch cannot be imported ({err}): {INSTALL_HINT}",
                        pytrace=False)
        pytest.skip(SKIP_REASON)
    torch.set_num_threads(1)  # two thread pools (OpenBLAS and PyTorch's) fight on a 2-core machine
    return torch


#: Tallies of the oracle sweep (tests/test_oracle_sweep.py) for the run's summary; all 0 when it did not run.
SWEEP = {"enumerated": 0, "with_spec": 0, "comparisons": 0}


def record(n: int = 1) -> None:
    """Count n comparisons of our numbers (one value or gradient array each) against PyTorch's."""
    SWEEP["comparisons"] += n
