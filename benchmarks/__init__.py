"""Side-by-side timings of scratchgrad against micrograd, hand-written NumPy, PyTorch and DeZero.

Run everything with `python -m benchmarks.run` (or `make bench`); it writes
BENCHMARKS.md at the repository root and `benchmarks/chart.png`. Timings live here
only, never in the tests.
"""
