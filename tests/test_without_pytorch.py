"""The suite on a machine without PyTorch: it collects, its oracle tests skip with a reason and the
run's last line counts them, and CI's SCRATCHGRAD_REQUIRE_ORACLE=1 turns such a skip into a failure.

PyTorch is made unimportable by a `torch.py` that raises ImportError, put first on PYTHONPATH.
"""
import os
import subprocess
import sys
from pathlib import Path

from oracle import REQUIRE_VARIABLE

ROOT = Path(__file__).resolve().parents[1]


def pytest_without_torch(tmp_path, *args, require_oracle=False):
    (tmp_path / "torch.py").write_text("raise ImportError('PyTorch made unimportable by test_without_pytorch.py')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    env[REQUIRE_VARIABLE] = "1" if require_oracle else ""
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_the_whole_suite_collects_without_pytorch(tmp_path):
    run = pytest_without_torch(tmp_path, "--collect-only", "-q", "tests")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "error" not in run.stdout.lower().splitlines()[-1], run.stdout[-3000:]


def test_oracle_tests_skip_without_pytorch_and_the_last_line_counts_them(tmp_path):
    run = pytest_without_torch(tmp_path, "-q", "tests/test_torch_oracle.py")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    last_line = run.stdout.strip().splitlines()[-1]
    assert last_line.startswith("oracle: ") and "tests against PyTorch were skipped" in last_line, last_line
    skipped = int(last_line.split()[1])
    assert skipped >= 10 and f"{skipped} skipped" in run.stdout


def test_ci_fails_an_oracle_test_that_cannot_import_pytorch(tmp_path):
    run = pytest_without_torch(tmp_path, "-q", "tests/test_torch_oracle.py", require_oracle=True)
    assert run.returncode == 1, run.stdout[-3000:]
    assert f"{REQUIRE_VARIABLE}=1 but PyTorch cannot be imported" in run.stdout
