"""examples/dask_out_of_core.py on small data: a real LocalCluster of worker processes, seconds.

The fit must find the rule that made the labels, and every array of the training must have
stayed a Dask array (a silent conversion to NumPy would compute everything in this process).
"""
import sys
from pathlib import Path

import numpy as np
import pytest
from array_api_compat import is_dask_array

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

import dask_out_of_core  # noqa: E402


def test_dask_example_recovers_the_weights_on_worker_processes(capsys):
    result = dask_out_of_core.main(["--small", "--steps", "12"])
    losses = result["losses"]
    assert losses[0] == pytest.approx(np.log(2))  # zero weights: every probability is 1/2
    assert losses[-1] < 0.6 * losses[0] and all(b <= a + 1e-12 for a, b in zip(losses, losses[1:])), losses
    assert result["accuracies"][-1] > 0.8  # the noise's own limit is about 0.82
    np.testing.assert_allclose(result["w_fitted"], dask_out_of_core.W_TRUE, atol=0.1)
    assert abs(result["b_fitted"] - dask_out_of_core.B_TRUE) < 0.1
    w, b, loss = result["w"], result["b"], result["loss"]
    for name, array in (("w", w.data), ("w.grad", w.grad), ("b", b.data), ("b.grad", b.grad), ("loss", loss.data)):
        assert is_dask_array(array), f"{name} is a {type(array).__module__}.{type(array).__name__}"
    assert len(result["worker_peak_rss"]) == 2 and all(rss > 0 for rss in result["worker_peak_rss"])
    out = capsys.readouterr().out
    assert "step  12" in out and "peak RSS: worker 0" in out
