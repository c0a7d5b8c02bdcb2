"""What `Value` and `Tensor` share: the graph walk and the switch that turns recording off.

A node is anything with a `parents` tuple. Both node kinds keep references only
from a result to its inputs, never back, so a graph holds no reference cycle and
is freed as soon as its output is dropped.
"""
from __future__ import annotations

import contextlib
import contextvars

# A ContextVar rather than a global: each thread (and each asyncio task) sees its own setting.
_grad_enabled = contextvars.ContextVar("scratchgrad_grad_enabled", default=True)


# Anomaly mode: check every result and gradient for nan/inf (slower; for hunting the op that made them).
_anomaly_mode = contextvars.ContextVar("scratchgrad_anomaly_mode", default=False)


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()`: operations record the graph for backward."""
    return _grad_enabled.get()


@contextlib.contextmanager
def _switched(switch: contextvars.ContextVar, on: bool):
    """Inside this block `switch` is `on`; afterwards it is what it was (nested blocks included)."""
    token = switch.set(on)
    try:
        yield
    finally:
        switch.reset(token)


def no_grad():
    """Inside this block operations compute values but record no graph (for inference and updates)."""
    return _switched(_grad_enabled, False)


def enable_grad():
    """Turn recording back on inside a `no_grad()` block."""
    return _switched(_grad_enabled, True)


def detect_anomaly():
    """Inside this block, raise `AnomalyError` at the first op whose result or gradient holds nan or inf.

    Tensor ops are checked as they run forward and as backward reaches them;
    `Value` graphs are checked when `backward()` runs (forward values in the
    order they were computed, then gradients in the order the sweep made them),
    which keeps ordinary scalar ops free of the check.
    """
    return _switched(_anomaly_mode, True)


def topological_order(root) -> list:
    """Every node that `root` depends on, each listed after all of its parents.

    An explicit stack replaces recursion, so a chain of a million nodes cannot hit
    Python's recursion limit; each node is expanded once however many paths lead to
    it. The stack holds only nodes and `None` markers, no tuple or iterator per node,
    so the cyclic garbage collector stays asleep on big graphs (BENCHMARKS.md, scaling:
    a million-node chain sorts several times faster than with a tuple per node).
    """
    order = []
    expanded = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None:  # the marker: every parent of the node under it is placed, so place it
            order.append(stack.pop())
        elif node not in expanded:
            expanded.add(node)
            if not node.parents:  # a leaf has nothing to wait for: placed at once, with no marker
                order.append(node)
                continue
            stack.append(node)
            stack.append(None)
            for parent in reversed(node.parents):  # reversed: the first parent is placed first
                if parent not in expanded:
                    stack.append(parent)
    return order


@contextlib.contextmanager
def grads_restored(*roots):
    """Inside this block backward may fill `.grad`; on leaving it, every node of the roots' graphs
    has its old `.grad` back. For tools (gradcheck, grad) that must not disturb the caller's gradients."""
    saved = [(node, node.grad) for root in roots for node in topological_order(root)]
    try:
        yield
    finally:
        for node, grad in reversed(saved):
            node.grad = grad
