"""Workload 4: memory of the MNIST training step, each figure from a fresh process.

A process's peak resident set size (ru_maxrss) only ever grows, so every
measurement runs in a subprocess of its own: `python -m benchmarks.memory
{peak,growth} {ours,numpy}` prints one JSON line.
- peak: load the data, build the net, reset the peak (Linux's clear_refs), train
  50 steps (20 with --quick); report the peak RSS during the steps, the RSS
  before them, and one step's own peak allocation (tracemalloc, which NumPy
  reports its arrays to).
- growth: train 5,000 steps and report the RSS at step 500 and at step 5,000: a
  graph that is not freed, or gradients that pile up, would show here.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tracemalloc

import psutil

from .data import batches, mnist
from .hand_numpy import init_params

MIB = 2 ** 20


def _stepper(engine: str):
    from .mnist import numpy_stepper, our_stepper
    images, labels, _ = mnist()
    data = batches(images, labels, 100, 20)
    del images, labels
    params = init_params()
    return numpy_stepper(params, data) if engine == "numpy" else our_stepper(params, data)[0]


def _reset_peak_rss() -> bool:
    """Forget the peak RSS so far (Linux 4.0+), so that loading the data does not set the peak."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def _peak_rss() -> int:
    """Peak RSS in bytes: VmHWM (which _reset_peak_rss resets), else ru_maxrss."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def measure_peak(engine: str, quick: bool = False) -> dict:
    step = _stepper(engine)
    before = psutil.Process().memory_info().rss
    since_setup = _reset_peak_rss()
    for _ in range(20 if quick else 50):
        step()
    peak = _peak_rss()
    tracemalloc.start()
    step()
    tracemalloc.reset_peak()
    step()
    step_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"peak_rss_mib": peak / MIB, "peak_is_of_steps_only": since_setup, "rss_before_steps_mib": before / MIB,
            "step_allocation_peak_mib": step_peak / MIB}


def measure_growth(engine: str, quick: bool = False) -> dict:
    step = _stepper(engine)
    process = psutil.Process()
    checkpoints = (50, 500) if quick else (500, 5000)
    rss = {}
    for number in range(1, checkpoints[-1] + 1):
        step()
        if number in checkpoints:
            rss[number] = process.memory_info().rss / MIB
    first, last = checkpoints
    return {"steps": list(checkpoints), "rss_mib": [rss[first], rss[last]], "growth": rss[last] / rss[first] - 1}


def run(quick: bool = False) -> dict:
    """Every measurement in a fresh interpreter; the figures come back as JSON lines."""
    results = {}
    for what in ("peak", "growth"):
        for engine in ("numpy", "ours"):
            command = [sys.executable, "-m", "benchmarks.memory", what, engine] + (["--quick"] if quick else [])
            output = subprocess.run(command, check=True, capture_output=True, text=True, env=os.environ.copy())
            results.setdefault(what, {})[engine] = json.loads(output.stdout.strip().splitlines()[-1])
    return results


if __name__ == "__main__":
    what, engine = sys.argv[1], sys.argv[2]
    measure = {"peak": measure_peak, "growth": measure_growth}[what]
    print(json.dumps(measure(engine, quick="--quick" in sys.argv)))
