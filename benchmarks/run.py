"""`python -m benchmarks.run [--quick] [--only SECTION ...] [--report-only]`: run every workload, write the report.

Each section runs in a fresh interpreter of its own, so that thread settings (which
NumPy and PyTorch read once, at import) and memory peaks never leak from one to the
next. Results go to benchmarks/results.json; BENCHMARKS.md and benchmarks/chart.png
are written from it.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# section: (function, threads) where threads is "default" (the BLAS's own choice) or "single"
SECTIONS = {
    "scalar": ("benchmarks.scalar:run", "default"),
    "mnist_default": ("benchmarks.mnist:run_default_threads", "default"),
    "mnist_single": ("benchmarks.mnist:run_single_thread", "single"),
    "scaling_graphs": ("benchmarks.scaling:run_graphs", "default"),
    "scaling_sizes": ("benchmarks.scaling:run_sizes", "default"),
    "memory": ("benchmarks.memory:run", "default"),
    "numerical": ("benchmarks.numerical:run", "default"),
    "design": ("benchmarks.design:run", "single"),
    "cnn": ("benchmarks.cnn:run", "default"),  # its own children set the threads: one, then the default
    "gpu": ("benchmarks.gpu:run", "default"),  # skipped, with the reason, where CuPy finds no GPU
}


def _environment(threads: str) -> dict:
    """The parent's environment with the thread variables cleared, or set to 1 for a single thread."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    if threads == "single":
        env.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH")]))
    return env


def run_section(name: str, quick: bool) -> tuple:
    """Run one section in a child interpreter; return what it measured and the seconds it took."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "section.json"
        command = [sys.executable, "-m", "benchmarks.run", "--child", name, "--out", str(out)]
        command += ["--quick"] if quick else []
        start = time.perf_counter()
        subprocess.run(command, check=True, env=_environment(SECTIONS[name][1]), cwd=HERE.parent)
        result = json.loads(out.read_text())
    return result, time.perf_counter() - start


def _child(name: str, out: Path, quick: bool) -> None:
    module_name, function_name = SECTIONS[name][0].split(":")
    result = getattr(importlib.import_module(module_name), function_name)(quick=quick)
    out.write_text(json.dumps(result))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and smaller sizes (a minute or two)")
    parser.add_argument("--only", nargs="+", choices=list(SECTIONS),
                        help="run these sections and keep the others' last results")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite BENCHMARKS.md and the chart from results.json")
    parser.add_argument("--child", choices=list(SECTIONS), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.out, args.quick)
        return

    from . import report
    from .harness import machine_info
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() and (args.only or args.report_only) else {}
    if not args.report_only:
        for name in args.only or SECTIONS:
            print(f"benchmarks: {name} ...", flush=True)
            results[name], seconds = run_section(name, args.quick)
            results.setdefault("section_seconds", {})[name] = round(seconds, 1)
            results.setdefault("quick_sections", {})[name] = args.quick
            print(f"benchmarks: {name} took {seconds:.0f} s", flush=True)
        results["machine"] = machine_info()
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    report.write(results)
    print(f"benchmarks: wrote {report.MARKDOWN} and {report.CHART}")


if __name__ == "__main__":
    main()
