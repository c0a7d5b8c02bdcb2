"""Logistic regression by gradient descent on a Dask array larger than the memory it is given.

A `Tensor` holds any Array API array, Dask's included: on Dask arrays `X @ w`, the loss and
`backward()` only build task graphs. Dask runs them, here on a `LocalCluster` of worker
processes, each allowed `--memory-limit` of RAM, that stream the data through chunk by chunk,
so the data can be larger than all their memory together. The data is drawn chunk by chunk
from a fixed seed and written to disk, one file per chunk: features X ~ N(0, 1) and labels
from a known linear rule plus logistic noise, P(y = 1 | x) = sigmoid(x . w_true + b_true), so
that the fitted weights can be checked against w_true. Each step is one pass over the files
(loss, accuracy and both gradients in one graph); the new weights stay on the workers, and
only the loss and the accuracy come back to this process.

    .venv/bin/python examples/dask_out_of_core.py            # 4 GB of float64, 2 workers of 512 MiB
    .venv/bin/python examples/dask_out_of_core.py --small    # 3.2 MB, seconds

It prints the loss and accuracy per step, the weights recovered, and the peak memory (RSS)
of every process, as the operating system measured it. A worker that nears its limit pauses
(Dask logs a warning) until its memory is freed, and would spill to disk rather than exceed it.
"""
import argparse
import resource
import sys
import tempfile
import time

import dask
import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster

import nn
from autograd import Tensor
from nn import functional as F

FEATURES = 20
W_TRUE, B_TRUE = np.linspace(-1.0, 1.0, FEATURES), 0.5


def write_data(directory: str, rows: int, chunk_rows: int, seed: int = 0) -> None:
    """A table of features and label (the last column) on disk, one .npy file per chunk, drawn chunk by chunk."""
    rng = da.random.default_rng(seed)
    X = rng.standard_normal((rows, FEATURES), chunks=(chunk_rows, FEATURES))
    noise = rng.logistic(size=rows, chunks=chunk_rows)  # logistic noise: the labels follow the logistic model
    y = (X @ W_TRUE + B_TRUE + noise > 0).astype(np.float64)
    da.to_npy_stack(directory, da.concatenate([X, y[:, None]], axis=1))


def read_data(directory: str):
    """X and y as lazy Dask arrays over the files: a task maps its chunk's file when it runs, and lets it go."""
    table = da.from_npy_stack(directory, mmap_mode="r")  # pages come from the file (or the OS's cache of it)
    return table[:, :FEATURES], table[:, FEATURES]


def fit(X, y, steps: int, lr: float, log=print) -> dict:
    """Full-batch gradient descent on the mean logistic loss, every array a Dask array."""
    X, y = Tensor(X), Tensor(y)
    w = Tensor(da.zeros(FEATURES), requires_grad=True, name="w")  # Dask too: one library per op
    b = Tensor(da.zeros(()), requires_grad=True, name="b")
    optimizer = nn.optim.SGD([w, b], lr=lr)
    losses, accuracies = [], []
    for step in range(1, steps + 1):
        start = time.perf_counter()
        optimizer.zero_grad()
        z = X @ w + b
        loss = (F.softplus(z) - y * z).mean()  # -log-likelihood: softplus(z) - y z, stable for any z
        loss.backward()  # builds the gradients' graphs; no data is read yet
        accuracy = ((z.data > 0) == (y.data > 0.5)).mean()
        # One pass over the data computes all four; persist keeps them on the workers as finished arrays.
        loss_now, accuracy_now, w.grad, b.grad = dask.persist(loss.data, accuracy, w.grad, b.grad)
        optimizer.step()  # w.data - lr * w.grad, persisted on Dask: step k's weights do not recompute step k-1
        losses.append(float(loss_now))
        accuracies.append(float(accuracy_now))
        seconds = time.perf_counter() - start
        log(f"step {step:3d}  loss {losses[-1]:.6f}  accuracy {accuracies[-1]:.4f}  {seconds:5.1f} s")
    return {"w": w, "b": b, "loss": loss, "losses": losses, "accuracies": accuracies}


def peak_rss() -> int:
    """This process's peak resident memory so far, in bytes (Linux counts kilobytes, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=4.0, help="size of X in GB (1e9 bytes) of float64")
    parser.add_argument("--chunk-rows", type=int, default=200_000, help="rows per chunk (32 MB of X)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="512MiB", help="RAM each worker process may use")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--lr", type=float, default=6.0)
    parser.add_argument("--small", action="store_true", help="20,000 rows in chunks of 2,500: seconds")
    parser.add_argument("--tmp", default=None, help="where the data is written (a temporary folder, removed after)")
    args = parser.parse_args(argv)
    if args.small:
        args.gigabytes, args.chunk_rows = 20_000 * FEATURES * 8 / 1e9, 2_500
    rows = int(args.gigabytes * 1e9 / (8 * FEATURES))

    # Worker processes, as on a real cluster: each has its own memory, limited; spilling to disk is allowed.
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, memory_limit=args.memory_limit,
                           processes=True, dashboard_address=":0")  # any free port
    with tempfile.TemporaryDirectory(dir=args.tmp) as directory, cluster, Client(cluster) as client:
        limit = sum(w["memory_limit"] for w in cluster.scheduler_info["workers"].values())
        start = time.perf_counter()
        write_data(directory, rows, min(args.chunk_rows, rows))
        X, y = read_data(directory)
        print(f"X: {rows:,} x {FEATURES} float64 = {X.nbytes / 1e9:.3g} GB in {X.npartitions} chunks, written to "
              f"{directory} in {time.perf_counter() - start:.1f} s; {args.workers} workers with "
              f"{limit / 2**30:.3g} GiB of memory in all")
        start = time.perf_counter()
        result = fit(X, y, args.steps, args.lr)
        seconds = time.perf_counter() - start
        workers = client.run(peak_rss)  # each worker measures itself
        w, b = result["w"].numpy(), float(result["b"].numpy())

    print(f"{args.steps} steps in {seconds:.1f} s; loss {result['losses'][0]:.4f} -> {result['losses'][-1]:.4f}, "
          f"accuracy {result['accuracies'][-1]:.4f}")
    print(f"weights: largest error {np.abs(w - W_TRUE).max():.4f} (w_true runs from -1 to 1); "
          f"bias {b:.4f} (b_true {B_TRUE})")
    print("peak RSS: " + ", ".join(f"worker {i} {rss / 2**20:.0f} MiB" for i, rss in enumerate(workers.values()))
          + f", this process {peak_rss() / 2**20:.0f} MiB")
    return {**result, "w_fitted": w, "b_fitted": b, "seconds": seconds, "data_bytes": X.nbytes,
            "memory_limit": limit, "worker_peak_rss": list(workers.values()), "client_peak_rss": peak_rss()}


if __name__ == "__main__":
    main()
