"""The two losses of chapter 4 on the book's vectors.

t = one-hot at index 2, y = [0.1, 0.05, 0.6, 0, 0.05, 0.1, 0, 0.1, 0, 0]:
sum of squares error 0.0975, cross entropy 0.510825.
With 0.6 moved to index 7: 0.5975 and 2.302584.
"""
import numpy as np

from nn import functional as F

T = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0], dtype=float)
Y_RIGHT = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
Y_WRONG = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])


def main(argv=None) -> dict:
    figures = {}
    for label, y in (("right", Y_RIGHT), ("wrong", Y_WRONG)):
        figures[f"sse_{label}"] = F.sum_squares_error(y, T).item()
        figures[f"cee_{label}"] = F.cross_entropy_error(y, T).item()
        print(f"y peaks at index {int(np.argmax(y))} (answer 2): sum of squares error = "
              f"{figures[f'sse_{label}']:.4f}, cross entropy error = {figures[f'cee_{label}']:.6f}")
    return figures


if __name__ == "__main__":
    main()
