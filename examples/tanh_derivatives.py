"""tanh and its first four derivatives, each the derivative of the one before, by `grad`.

No formula is written by hand: d^k tanh / dx^k is grad applied k times. The
derivative of an elementwise function on a Tensor is the gradient of its sum,
since each output depends on its own input only.

Writes into out/ (or --out DIR): tanh_derivatives.png (the five curves) and
tanh_second_derivative.svg/.png, the graph that differentiating twice builds,
for x = 0.5, with the third derivative flowing back along its edges.
"""
from pathlib import Path

from picture_files import DEFAULT_OUT, out_dir_from_command_line, save_graph_pictures

import viz
from autograd import Tensor, Value, grad, topological_order


def tanh(x):
    return x.tanh()


def derivatives_of_tanh(order: int = 4) -> list:
    """[tanh, tanh', ..., tanh^(order)] as functions of a Tensor (elementwise) or a Value."""
    functions = [tanh]
    for _ in range(order):
        previous = functions[-1]
        functions.append(grad(lambda x, f=previous: _total(f(x))))
    return functions


def _total(y):
    """The sum of an elementwise Tensor result (whose gradient is then the elementwise derivative)."""
    return y.sum() if isinstance(y, Tensor) else y


def second_derivative_graph(x0: float = 0.5) -> Value:
    """tanh''(x0) as a Value node whose graph is the derivative's own graph, after backward()."""
    x = Value(x0, name="x")
    second = grad(grad(tanh))(x)
    second.name = "tanh''(x)"
    second.backward()  # now x.grad holds tanh'''(x0), and every edge its share of it
    return second


def main(out_dir: Path = DEFAULT_OUT):
    functions = derivatives_of_tanh()
    labels = ["tanh", "tanh′", "tanh″", "tanh‴", "tanh⁗"]
    values_at_half = [f(Value(0.5)).data for f in functions]
    for label, value in zip(labels, values_at_half):
        print(f"{label:6} at x = 0.5: {value:+.12f}")
    out_dir = Path(out_dir)
    written = []
    try:
        figure_path = out_dir / "tanh_derivatives.png"
        viz.plot_functions(list(zip(labels, functions)), figure_path, derivatives=False, x_range=(-3.0, 3.0))
        written.append(figure_path)
    except viz.MissingExtraError as missing:
        print(missing)
    second = second_derivative_graph()
    print(f"graph of tanh''(0.5) = {second.data:+.12f}: {len(topological_order(second))} nodes")
    written += save_graph_pictures(second, out_dir, "tanh_second_derivative")
    for path in written:
        print(f"wrote {path}")
    return {"at_half": values_at_half, "second": second, "written": written}


if __name__ == "__main__":
    main(out_dir_from_command_line(__doc__.splitlines()[0]))
