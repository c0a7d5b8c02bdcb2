"""PyTorch (float64) as the oracle of gradient tests, imported in one place.

Without PyTorch an oracle test skips with `SKIP_REASON` and the run's last line says how
many did; with SCRATCHGRAD_REQUIRE_ORACLE=1 (set by .ci/run) a missing PyTorch fails them,
so CI can never pass with the oracle silently absent.
"""
import os

import pytest

REQUIRE_VARIABLE = "SCRATCHGRAD_REQUIRE_ORACLE"
INSTALL_HINT = ".venv/bin/pip install torch==2.13.0 (a CPU build), then make test"
SKIP_REASON = f"PyTorch (the float64 oracle) is not installed; to run this test: {INSTALL_HINT}"


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
