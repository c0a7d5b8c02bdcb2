"""A single neuron with two inputs and tanh, drawn in both styles.

o = tanh(x1 w1 + x2 w2 + b) with x1 = 2, x2 = 0, w1 = -3, w2 = 1 and b chosen so
that the pre-activation n is 0.8814 and o = tanh(n) = 1/sqrt(2) = 0.7071.
Then do/dn = 1 - o^2 = 0.5, and the chain rule gives do/dx1 = w1 * 0.5 = -1.5,
do/dw1 = x1 * 0.5 = 1, do/dx2 = w2 * 0.5 = 0.5, do/dw2 = x2 * 0.5 = 0.

Writes neuron_book.svg/.png and neuron_record.svg/.png into out/ (or --out DIR).
"""
import math
from pathlib import Path

from picture_files import DEFAULT_OUT, out_dir_from_command_line, save_graph_pictures

from autograd import Value


def neuron():
    """The neuron's output `o` after backward(), built op by op so that each step shows."""
    x1, x2 = Value(2.0, name="x1"), Value(0.0, name="x2")
    w1, w2 = Value(-3.0, name="w1"), Value(1.0, name="w2")
    b = Value(6.0 + math.atanh(1 / math.sqrt(2)), name="b")  # makes n = atanh(1/sqrt 2), so o = 0.7071
    n = x1 * w1 + x2 * w2 + b
    n.name = "n"
    o = n.tanh()
    o.name = "o"
    o.backward()
    return {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "n": n, "o": o}


def main(out_dir: Path = DEFAULT_OUT):
    nodes = neuron()
    print(f"forward:  n = {nodes['n'].data:.4f}, o = tanh(n) = {nodes['o'].data:.4f}")
    for name in ("x1", "w1", "x2", "w2", "b"):
        print(f"backward: d o / d {name} = {nodes[name].grad:.4g}")
    for style in ("book", "record"):
        for path in save_graph_pictures(nodes["o"], out_dir, f"neuron_{style}", style=style):
            print(f"picture:  {path}")


if __name__ == "__main__":
    main(out_dir_from_command_line(__doc__))
