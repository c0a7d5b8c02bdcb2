"""Timing and bookkeeping shared by every workload: interleaved rounds, medians, the machine."""
from __future__ import annotations

import datetime
import gc
import importlib.metadata
import math
import os
import platform
import statistics
import time

import numpy as np


def time_interleaved(competitors: dict, rounds: int, min_sample_s: float = 0.02, warmup: int = 2,
                     pause_gc: bool = False) -> dict:
    """Seconds per call of each competitor, one sample per round, taken in turn (A, B, A, B, ...).

    Taking turns spreads any drift of the machine's speed (other processes, heat,
    frequency scaling) over all competitors alike. Each sample times as many calls
    as it takes to last `min_sample_s`, so the clock's resolution does not matter.
    The cyclic garbage collector collects, untimed, before each sample, so no
    competitor pays for another's garbage. With `pause_gc` it is also off while a
    sample runs (as `timeit` does): this measures the engine's own work without
    the collector's passes over the heap.
    Returns {name: [seconds per call, one per round]}.
    """
    calls_per_sample = {}
    for name, function in competitors.items():
        for _ in range(warmup):
            function()
        start = time.perf_counter()
        function()
        once = max(time.perf_counter() - start, 1e-7)
        calls_per_sample[name] = max(1, math.ceil(min_sample_s / once))
    samples = {name: [] for name in competitors}
    for _ in range(rounds):
        for name, function in competitors.items():
            calls = calls_per_sample[name]
            gc.collect()
            if pause_gc:
                gc.disable()
            start = time.perf_counter()
            for _ in range(calls):
                function()
            elapsed = time.perf_counter() - start
            gc.enable()
            samples[name].append(elapsed / calls)
    return samples


def weight_gaps(competitors: dict, steps: int, reference: str) -> dict:
    """Largest difference of each competitor's weights from `reference`'s after `steps` steps each (a step
    function's .weights() gives its weights by name as NumPy arrays): do they all compute the same thing?"""
    for step in competitors.values():
        for _ in range(steps):
            step()
    expected = competitors[reference].weights()
    return {name: max(float(np.abs(step.weights()[k] - expected[k]).max()) for k in expected)
            for name, step in competitors.items() if name != reference}


def medians(samples: dict) -> dict:
    """{name: median seconds} of `time_interleaved`'s samples."""
    return {name: statistics.median(values) for name, values in samples.items()}


def time_once(function) -> float:
    """Seconds one call of `function` takes (for runs too long to repeat many times)."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def package_version(distribution: str) -> str:
    """The installed version of a distribution, or 'not installed'."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> dict:
    """What a reader needs to compare these figures with their own: CPU, cores, versions, BLAS, date."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import numpy  # imported here so that a parent process never loads a BLAS thread pool itself
    blas = numpy.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    return {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "blas": f"{blas.get('name', '?')} {blas.get('version', '')}".strip(),
        "torch": package_version("torch"),
        "micrograd": package_version("micrograd"),
        "dezero": package_version("dezero"),
        "scratchgrad": package_version("scratchgrad"),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(not set)"),
    }
