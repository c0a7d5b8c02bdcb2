"""The book's gradient descent on f(x0, x1) = x0^2 + x1^2 from (-3, 4).

With learning rate 0.1, 100 steps end near the minimum at the origin, about
(-6.1e-10, 8.1e-10), and 1e-10 barely moves (about (-2.99999994, 3.99999992)),
as in the book. The gradient at each step comes from backward(), not from the
formula (2 x0, 2 x1).

A learning rate of 10 diverges. The book prints about (-2.6e13, -1.3e12): their
numerical gradient (central differences, h = 1e-4) loses all precision once x is
huge. The exact gradient multiplies x by 1 - 2 * 10 = -19 at every step, so here
100 steps reach (-19)^100 * (-3, 4), about (-2.3e128, 3.0e128).

Writes descent.png (the path over the contour lines, the book's picture) into
out/ (or --out DIR).
"""
from pathlib import Path

from picture_files import DEFAULT_OUT, out_dir_from_command_line

import viz


def f(x):
    """x0^2 + x1^2 for a Tensor x of shape (2,)."""
    return x[0] ** 2 + x[1] ** 2


def main(out_dir: Path = DEFAULT_OUT):
    for lr in (0.1, 10.0, 1e-10):
        end = viz.gradient_descent_path(f, start=(-3.0, 4.0), lr=lr, steps=100)[-1]
        print(f"lr = {lr:<6g} 100 steps from (-3, 4) end at ({end[0]:.9g}, {end[1]:.9g})")
    path = Path(out_dir) / "descent.png"
    viz.plot_descent(f, path, start=(-3.0, 4.0), lr=0.1, steps=20)
    print(f"picture: {path}")


if __name__ == "__main__":
    main(out_dir_from_command_line(__doc__))
