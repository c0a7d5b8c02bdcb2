"""Shared test set-up: hypothesis profiles and the PyTorch oracle (data comes from nn.data.find_data)."""
import os
import sys

# Tests use small matrices; one BLAS thread avoids two pools fighting over 2 cores (a 15x slowdown seen here).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from oracle import INSTALL_HINT, SKIP_REASON, SWEEP, import_torch  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# "ci" runs at least 200 examples per property; "dev" is the quicker default for local runs.
settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))

@pytest.fixture(scope="session", autouse=True)
def only_the_shipped_data(tmp_path_factory):
    """Tests see the data shipped in nn/datasets and nothing of this machine's: an empty cache (so no MNIST
    training set that `make data` may have fetched) and no $SCRATCHGRAD_DATA."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCRATCHGRAD_CACHE", str(tmp_path_factory.mktemp("empty_cache")))
        patch.delenv("SCRATCHGRAD_DATA", raising=False)
        yield


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
    module_sweep = sys.modules.get("test_module_sweep")  # tests/test_module_sweep.py, when it ran
    if module_sweep is not None and module_sweep.COUNTS["comparisons"]:
        counts = module_sweep.COUNTS
        terminalreporter.write_line(
            f"module sweep: {counts['enumerated']} public modules enumerated ({counts['with_spec']} with a spec), "
            f"{counts['comparisons']} comparisons, {counts['bad_settings']} bad constructor arguments refused")


def pytest_unconfigure(config):
    """The run's very last line, after pytest's own: how many oracle tests were skipped, and how to run them."""
    skipped = config.stash.get(ORACLE_SKIPPED, 0)
    if skipped:
        print(f"oracle: {skipped} tests against PyTorch were skipped (not installed); to run them: {INSTALL_HINT}")
