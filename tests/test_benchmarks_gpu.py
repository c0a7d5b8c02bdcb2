"""benchmarks/gpu.py's steps, run with xp=numpy on tiny sizes: every engine computes the same loss and weights
as the hand-written step, so the code the GPU section times is checked on machines without a GPU. No timings."""
import importlib.util

import numpy as np
import pytest

from benchmarks import gpu, report
from benchmarks.harness import weight_gaps

SIZES = (12, 16, 16, 5)  # three layers, as the MLP workload
# DeZero is a benchmark peer (make bench installs it), not a test dependency: checked where it is installed.
PEERS = {"dezero"} if importlib.util.find_spec("dezero") else set()
BATCH = 8


def _data(dtype, count=3, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.random((BATCH, SIZES[0])).astype(dtype), rng.integers(0, SIZES[-1], BATCH)) for _ in range(count)]


@pytest.mark.parametrize("dtype,init", [("float32", "he"), ("float64", "book")])
def test_every_engine_takes_the_hand_written_step(dtype, init):
    params, data = gpu.make_params(SIZES, dtype, init, seed=1), _data(dtype)
    steps = gpu.steppers(np, params, data, torch_device="cpu")  # PyTorch on the CPU where it can be imported
    assert {"hand", "ours"} | PEERS <= set(steps)
    tolerance = {"float32": 1e-5, "float64": 1e-12}[dtype]
    for _ in range(len(data)):
        for step in steps.values():
            step()
        losses = {name: step.loss() for name, step in steps.items()}
        # the book's loss adds 1e-7 inside the log (hand's, DeZero's do not): a difference of about 1e-7 / p
        for name, loss in losses.items():
            assert loss == pytest.approx(losses["hand"], rel=1e-5), name
    reference = steps["hand"].weights()
    assert set(reference) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    assert not np.allclose(reference["W1"], params["W1"])  # the steps did move the weights
    for name, step in steps.items():
        weights = step.weights()
        for key, array in reference.items():
            assert weights[key].dtype == np.dtype(dtype), (name, key)
            np.testing.assert_allclose(weights[key], array, rtol=tolerance, atol=tolerance, err_msg=f"{name} {key}")


def test_weight_gap_compares_every_engine_with_the_hand_written_step():
    params, data = gpu.make_params(SIZES, "float64", "he"), _data("float64")
    gaps = weight_gaps(gpu.steppers(np, params, data, torch_device=None), 2, reference="hand")
    assert set(gaps) == {"ours"} | PEERS
    assert max(gaps.values()) < 1e-12


def test_the_workloads_are_issue_14s():
    assert gpu.WORKLOADS["mlp"][:3] == ((784, 1000, 1000, 10), 1000, "float32")
    assert gpu.WORKLOADS["mnist"][:3] == ((784, 50, 10), 100, "float64")
    params = gpu.params_for("mnist")
    assert params["W1"].shape == (784, 50) and params["W1"].dtype == np.float64


def test_without_a_gpu_the_section_is_skipped_with_its_reason_in_the_report(monkeypatch):
    if gpu.unavailable_reason() is None:
        pytest.skip("this machine has a GPU: the section runs")
    result = gpu.run(quick=True)
    assert set(result) == {"skipped"} and result["skipped"]
    lines = report._gpu(result)
    assert any(result["skipped"] in line for line in lines)
    assert report.gpu_targets(result) == []


def test_the_report_reads_a_measured_gpu_section():
    step = {"hand": 1.0e-3, "ours": 1.05e-3, "pytorch": 0.7e-3, "dezero": 1.8e-3}
    workload = {"step_s": step, "weight_gap_after_5_steps": {"ours": 1e-7, "pytorch": 2e-7, "dezero": 1e-7},
                "shape": "784-1000-1000-10", "batch": 1000, "dtype": "float32", "data": "MNIST"}
    result = {"device": "NVIDIA H200", "cupy": "13.0", "torch": "2.13.0", "dezero": "0.0.13",
              "mlp": workload, "mnist": dict(workload, shape="784-50-10", batch=100, dtype="float64")}
    found = report.gpu_targets(result)
    assert [verdict for _, _, verdict in found] == ["met", "met"]
    text = "\n".join(report._gpu(result))
    assert "NVIDIA H200" in text and "784-1000-1000-10" in text and "1.05x" in text
