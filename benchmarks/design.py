"""Workload 6: the costs behind the engine's shape, each next to the plainer code it replaced.

The code says why in one line and points here; the numbers live in BENCHMARKS.md, where
`make bench` measures them again, instead of in comments that go stale.
"""
from __future__ import annotations

import numpy as np

from .harness import medians, time_interleaved
from .mnist import _setup as mnist_setup
from .mnist import our_stepper


def _sort_with_a_tuple_per_node(root) -> list:
    """The plainer topological sort: a (node, iterator) pair on the stack for every node."""
    order, expanded, stack = [], set(), [(root, iter(root.parents))]
    expanded.add(root)
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in expanded:
                expanded.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def run(quick: bool = False) -> dict:
    from autograd import Value, topological_order
    from autograd.value import result_node

    rounds = 7 if quick else 25
    x, y = Value(2.0), Value(3.0)
    chain = Value(1.0)
    for _ in range(20_000 if quick else 200_000):
        chain = chain * 1.0
    weight = np.random.default_rng(0).normal(size=(784, 50))
    params, data, _ = mnist_setup()
    ours, net, _ = our_stepper(params, data)
    optimizer = net.optimizer
    ours()  # gradients for the optimizer to use
    results = {
        "mul_node": time_interleaved({
            "arity maker (x * y)": lambda: x * y,
            "n-ary maker, packed tuples": lambda: result_node(x.data * y.data, "*", (x, y), Value._mul_rule,
                                                              (x.data, y.data)),
        }, rounds),
        "sort_chain": time_interleaved({
            "nodes and markers": lambda: topological_order(chain),
            "a tuple per node": lambda: _sort_with_a_tuple_per_node(chain),
        }, max(3, rounds // 5), min_sample_s=0.0),
        "sgd_step": time_interleaved({
            "a new array per update": optimizer.step,
            "in place": lambda: _sgd_in_place(optimizer),
        }, rounds),
        "read_only_flag": time_interleaved({
            "setflags(write=False)": lambda: weight.setflags(write=True) or weight.setflags(write=False),
            "flags.writeable = False": lambda: _set_through_flags(weight),
        }, rounds),
    }
    out = {name: medians(samples) for name, samples in results.items()}
    out["chain_nodes"] = len(topological_order(chain))
    return out


def _sgd_in_place(optimizer) -> None:
    """What the optimizers did before arrays were read-only: p.data -= lr * grad in the same memory."""
    for p in optimizer.params:
        p._data.setflags(write=True)
        p._data -= optimizer.lr * p.grad
        p._data.setflags(write=False)


def _set_through_flags(array) -> None:
    array.flags.writeable = True
    array.flags.writeable = False
