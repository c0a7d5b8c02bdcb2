"""Numerical differentiation and gradient descent (chapter 4).

Central difference, h = 1e-4: f(x) = 0.01 x^2 + 0.1 x has f'(5) ~ 0.2 and f'(10) ~ 0.3.
Gradient of f(x0, x1) = x0^2 + x1^2: (3, 4) -> (6, 8), (0, 2) -> (0, 4), (3, 0) -> (6, 0).
Gradient descent from (-3, 4), 100 steps: learning rate 0.1 reaches about (-6.1e-10, 8.1e-10);
10 diverges (about (-2.6e13, -1.3e12)); 1e-10 barely moves (about (-2.99999994, 3.99999992)).
Backprop (a Tensor graph) gives the same gradients as the numerical derivative.
"""
import numpy as np

from autograd import Tensor, numerical_grad


def function_1(x):
    return 0.01 * x ** 2 + 0.1 * x


def function_2(x):
    return np.sum(x ** 2)


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    """The book's loop: x -= lr * (numerical gradient of f at x), step_num times."""
    x = np.array(init_x, dtype=np.float64)
    for _ in range(step_num):
        x -= lr * numerical_grad(f, x)
    return x


def backprop_gradient(point):
    """d(x0^2 + x1^2)/dx by backprop through a Tensor graph, for comparison."""
    x = Tensor(np.array(point, dtype=np.float64), requires_grad=True)
    (x ** 2).sum().backward()
    return x.grad


def main(argv=None) -> dict:
    figures = {
        "derivative_at_5": numerical_grad(function_1, 5.0),
        "derivative_at_10": numerical_grad(function_1, 10.0),
    }
    print(f"f(x) = 0.01x^2 + 0.1x:  f'(5) ~ {figures['derivative_at_5']!r}, f'(10) ~ {figures['derivative_at_10']!r}")
    print("gradient of x0^2 + x1^2 (numerical | backprop):")
    for point in ((3.0, 4.0), (0.0, 2.0), (3.0, 0.0)):
        numerical = numerical_grad(function_2, np.array(point))
        figures[f"gradient_at_{point}"] = numerical.tolist()
        figures[f"backprop_at_{point}"] = backprop_gradient(point).tolist()
        print(f"  at {point}: {numerical} | {backprop_gradient(point)}")
    print("gradient descent from (-3, 4), 100 steps:")
    for lr in (0.1, 10.0, 1e-10):
        result = gradient_descent(function_2, [-3.0, 4.0], lr=lr, step_num=100)
        figures[f"descent_lr_{lr:g}"] = result.tolist()
        print(f"  lr = {lr:<6g} -> {result}")
    return figures


if __name__ == "__main__":
    main()
