"""Helpers for the viz tests: the notes' apple-and-orange graph, Graphviz's `dot`, and reading SVG like a reader.

A rendered SVG is read back into its edges: which drawn node each edge leaves and
enters (by the node's visible label) and the texts on the edge in black (forward
values), red (gradients) and blue (local derivatives).
"""
from __future__ import annotations

import dataclasses
import html
import importlib.util
import shutil
import xml.etree.ElementTree as ET

import pytest
from conftest import IN_CI

from autograd import Value
from viz.graph import GRADIENT_COLOR, LOCAL_GRADIENT_COLOR, MISSING_COLOR, NAME_COLOR

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def apple_orange(backward: bool = True) -> dict:
    """The notes' apple-and-orange graph (names as in the hand-made mock), after backward() unless told."""
    apple, apple_num = Value(100.0, name="apple"), Value(2.0, name="apple_num")
    orange, orange_num = Value(150.0, name="orange"), Value(3.0, name="orange_num")
    tax = Value(1.1, name="tax")
    price = (apple * apple_num + orange * orange_num) * tax
    price.name = "price"
    if backward:
        price.backward()
    return {"apple": apple, "apple_num": apple_num, "orange": orange, "orange_num": orange_num,
            "tax": tax, "price": price}


def require_dot() -> None:
    """Graphviz's `dot` must be installed for image output: fail in CI when it is missing, skip elsewhere."""
    if shutil.which("dot") is None:
        message = "needs Graphviz's `dot` program on PATH (apt-get install graphviz)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def require_matplotlib() -> None:
    """The plots need the `plot` extra: fail in CI when matplotlib is missing, skip elsewhere."""
    if importlib.util.find_spec("matplotlib") is None:
        message = "needs matplotlib (pip install 'scratchgrad[plot]')"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@dataclasses.dataclass
class DrawnEdge:
    source: str  # the visible label of the node the edge leaves ("apple", "×", ...)
    target: str
    black: list  # texts in the default colour: the forward value (and a name)
    red: list  # gradients
    blue: list  # local derivatives
    missing: list  # gradients not computed yet ("—"), in light gray
    names: list  # an intermediate's name, in dark gray


def _texts(group) -> list:
    return [(html.unescape(t.text or ""), t.get("fill", "black")) for t in group.iter(f"{SVG}text")]


def svg_nodes(svg: str) -> list[str]:
    """The visible text of every drawn node, its lines joined by spaces ("apple data 100 grad 2.2")."""
    return [" ".join(text for text, _ in _texts(group))
            for group in ET.fromstring(svg).iter(f"{SVG}g") if group.get("class") == "node"]


def svg_edges(svg: str) -> list[DrawnEdge]:
    """Every edge of a Graphviz SVG with its end nodes' labels and its texts sorted by colour."""
    root = ET.fromstring(svg)
    groups = list(root.iter(f"{SVG}g"))
    node_label = {}
    for group in groups:
        if group.get("class") == "node":
            node_id = group.find(f"{SVG}title").text
            node_label[node_id] = " ".join(text for text, _ in _texts(group))
    edges = []
    for group in groups:
        if group.get("class") != "edge":
            continue
        source, target = html.unescape(group.find(f"{SVG}title").text).split("->")
        by_colour = {colour: [] for colour in ("black", GRADIENT_COLOR, LOCAL_GRADIENT_COLOR, MISSING_COLOR,
                                               NAME_COLOR)}
        for text, fill in _texts(group):
            by_colour[fill].append(text)
        edges.append(DrawnEdge(node_label[source], node_label[target], by_colour["black"],
                               by_colour[GRADIENT_COLOR], by_colour[LOCAL_GRADIENT_COLOR],
                               by_colour[MISSING_COLOR], by_colour[NAME_COLOR]))
    return edges
