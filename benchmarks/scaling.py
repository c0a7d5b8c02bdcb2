"""Workload 3: how the cost grows with the graph.

Backward time per node on scalar graphs of 1e3 to 1e6 nodes (a chain, the worst
case for a recursive sort, and a random graph), and the ratio of our MNIST step to
hand NumPy's as the hidden layer widens and the batch grows: the engine's fixed
cost per node matters at small sizes and fades at large ones.
"""
from __future__ import annotations

import random
import statistics
import time

from .data import batches, mnist
from .hand_numpy import init_params
from .harness import medians, time_interleaved

GRAPH_SIZES = (1_000, 10_000, 100_000, 1_000_000)
WIDTHS = (50, 100, 200, 500, 1000, 2000)
BATCH_SIZES = (1, 10, 100, 1000)
LOCAL_WINDOW = 1000


def value_chain(size: int):
    """v = w * (w * (... * x)): `size` nodes in one line, each depending on the one before."""
    from autograd import Value
    weight, node = Value(0.999999), Value(1.0)
    for _ in range(size - 2):
        node = node * weight
    return node


def random_graph(size: int, seed: int = 0, window: int | None = None):
    """Each new node is +, * or tanh of the newest node and one drawn from earlier ones.

    Always using the newest node keeps every node an ancestor of the root; the
    random partner gives nodes many children and long-range edges; tanh keeps
    the values from running off to infinity. The partner is drawn from all
    earlier nodes, or from the newest `window` of them (edges that stay close in
    memory, as in a network's layers).
    """
    from autograd import Value
    rng = random.Random(seed)
    nodes = [Value(rng.uniform(-1, 1)) for _ in range(min(100, size // 10))]
    newest = nodes[-1]
    while len(nodes) < size:
        oldest = 0 if window is None else max(0, len(nodes) - window)
        partner = nodes[rng.randrange(oldest, len(nodes))]
        kind = rng.random()
        newest = newest * partner if kind < 0.4 else (newest + partner if kind < 0.8 else newest.tanh())
        nodes.append(newest)
    return newest


def tensor_chain(size: int):
    """The chain on one-element Tensors: the Tensor engine's fixed cost per node."""
    import numpy as np

    from autograd import Tensor
    weight = Tensor(np.array([0.999999]), requires_grad=True)
    node = Tensor(np.array([1.0]), requires_grad=True)
    for _ in range(size - 2):
        node = node * weight
    return node.sum()


def _per_node(build, size: int, repeats: int) -> dict:
    from autograd import topological_order
    start = time.perf_counter()
    root = build(size)
    forward = time.perf_counter() - start
    nodes = len(topological_order(root))
    backward = []
    for _ in range(repeats):  # backward may run again on the same graph: intermediates are reset each time
        start = time.perf_counter()
        root.backward()
        backward.append(time.perf_counter() - start)
    return {"nodes": nodes, "forward_per_node_s": forward / nodes,
            "backward_per_node_s": statistics.median(backward) / nodes}


def run_graphs(quick: bool = False) -> dict:
    """Seconds per node, forward (building) and backward, for each graph kind and size."""
    sizes = GRAPH_SIZES[:3] if quick else GRAPH_SIZES
    results = {"Value chain": {}, "Value random graph": {}, "Value random graph, local edges": {},
               "Tensor chain (1 element)": {}}
    for size in sizes:
        repeats = max(3, min(20, 2_000_000 // (size * 20)))
        results["Value chain"][size] = _per_node(value_chain, size, repeats)
        results["Value random graph"][size] = _per_node(random_graph, size, repeats)
        results["Value random graph, local edges"][size] = _per_node(
            lambda n: random_graph(n, window=LOCAL_WINDOW), size, repeats)
        if size <= 100_000:  # a million Tensors would take gigabytes, for no new information
            results["Tensor chain (1 element)"][size] = _per_node(tensor_chain, size, repeats)
    return results


def run_sizes(quick: bool = False) -> dict:
    """Ours/hand-NumPy step-time ratio by hidden width (batch 100) and by batch size (width 50)."""
    from .mnist import numpy_stepper, our_stepper
    images, labels, _ = mnist()
    rounds = 3 if quick else 9

    def ratio(hidden, batch_size):
        params = init_params(hidden_size=hidden)
        data = batches(images, labels, batch_size, 10)
        steps = {"numpy": numpy_stepper(params, data), "ours": our_stepper(params, data)[0]}
        step = medians(time_interleaved(steps, rounds, min_sample_s=0.05, warmup=3))
        return {"numpy_s": step["numpy"], "ours_s": step["ours"], "ratio": step["ours"] / step["numpy"]}

    return {"width": {w: ratio(w, 100) for w in WIDTHS},
            "batch": {b: ratio(50, b) for b in BATCH_SIZES}}
