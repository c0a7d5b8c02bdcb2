"""Shared test set-up: hypothesis profiles and the path to the book's data."""
import os

# Tests use small matrices; one BLAS thread avoids two pools fighting over 2 cores (a 15x slowdown seen here).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from oracle import INSTALL_HINT, SKIP_REASON, SWEEP, import_torch  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# "ci" runs at least 200 examples per property; "dev" is the quicker default for local runs.
settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def require_shared_data(*relative_paths: str) -> Path:
    """The book's data folder; fails in CI and skips elsewhere when a needed file is missing."""
    missing = [p for p in relative_paths if not (SHARED_DATA / p).exists()]
    if missing:
        message = f"needs {', '.join(missing)} under {SHARED_DATA} (the book's MNIST data)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture(scope="session")
def torch():
    """PyTorch as the float64 oracle; the test skips (fails where required) without it. See oracle.py."""
    return import_torch()


ORACLE_SKIPPED = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter, config):
    """Count the oracle tests skipped for want of PyTorch; report what the oracle sweep compared."""
    config.stash[ORACLE_SKIPPED] = sum(1 for report in terminalreporter.stats.get("skipped", [])
                                       if SKIP_REASON in str(getattr(report, "longrepr", "")))
    if SWEEP["comparisons"]:
        terminalreporter.write_line(
            f"oracle sweep: {SWEEP['enumerated']} public functions enumerated ({SWEEP['with_spec']} with a PyTorch "
            f"spec), {SWEEP['comparisons']} comparisons against PyTorch float64")


def pytest_unconfigure(config):
    """The run's very last line, after pytest's own: how many oracle tests were skipped, and how to run them."""
    skipped = config.stash.get(ORACLE_SKIPPED, 0)
    if skipped:
        print(f"oracle: {skipped} tests against PyTorch were skipped (not installed); to run them: {INSTALL_HINT}")


@pytest.fixture
def shared_data() -> Path:
    return require_shared_data("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz",
                               "mnist_sample_weight.npz")
