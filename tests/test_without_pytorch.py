"""The suite on a machine without PyTorch: it collects, its oracle tests skip with a reason and the
run's last line counts them, and CI's SCRATCHGRAD_REQUIRE_ORACLE=1 turns such a skip into a failure.

PyTorch is made unimportable two ways: a `torch.py` that raises ImportError, put first on PYTHONPATH,
and `sys.modules["torch"] = None` at start-up (a sitecustomize.py), the usual way to block an import.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from oracle import REQUIRE_VARIABLE

ROOT = Path(__file__).resolve().parents[1]


BLOCKERS = {
    "raising_module": ("torch.py", "raise ImportError('PyTorch made unimportable by test_without_pytorch.py')\n"),
    "none_in_sys_modules": ("sitecustomize.py", "import sys\nsys.modules['torch'] = None\n"),
}


def pytest_without_torch(tmp_path, *args, require_oracle=False, blocker="raising_module"):
    file_name, text = BLOCKERS[blocker]
    (tmp_path / file_name).write_text(text)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    env[REQUIRE_VARIABLE] = "1" if require_oracle else ""
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("blocker", list(BLOCKERS))
def test_the_whole_suite_collects_without_pytorch(tmp_path, blocker):
    run = pytest_without_torch(tmp_path, "--collect-only", "-q", "tests", blocker=blocker)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "error" not in run.stdout.lower().splitlines()[-1], run.stdout[-3000:]


@pytest.mark.parametrize("blocker", list(BLOCKERS))
def test_oracle_tests_skip_without_pytorch_and_the_last_line_counts_them(tmp_path, blocker):
    run = pytest_without_torch(tmp_path, "-q", "tests/test_torch_oracle.py", blocker=blocker)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    last_line = run.stdout.strip().splitlines()[-1]
    assert last_line.startswith("oracle: ") and "tests against PyTorch were skipped" in last_line, last_line
    assert "pip install torch --index-url https://download.pytorch.org/whl/cpu" in last_line  # the CPU-only build
    skipped = int(last_line.split()[1])
    assert skipped >= 10 and f"{skipped} skipped" in run.stdout


def test_ci_fails_an_oracle_test_that_cannot_import_pytorch(tmp_path):
    run = pytest_without_torch(tmp_path, "-q", "tests/test_torch_oracle.py", require_oracle=True)
    assert run.returncode == 1, run.stdout[-3000:]
    assert f"{REQUIRE_VARIABLE}=1 but PyTorch cannot be imported" in run.stdout
