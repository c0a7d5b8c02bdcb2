"""Softmax and its overflow fix (chapter 3).

softmax([0.3, 2.9, 4.0]) = [0.01821127, 0.24519181, 0.73659691].
The naive exp(a) / sum(exp(a)) of [1010, 1000, 990] overflows to nan; subtracting
the maximum first gives [9.99954600e-01, 4.53978686e-05, 2.06106005e-09].
"""
import numpy as np

from nn import functional as F


def naive_softmax(a: np.ndarray) -> np.ndarray:
    """exp(a) / sum(exp(a)) exactly as first written in the book (it overflows for large a)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(a) / np.sum(np.exp(a))


def main(argv=None) -> dict:
    small = np.array([0.3, 2.9, 4.0])
    large = np.array([1010.0, 1000.0, 990.0])
    figures = {
        "softmax": F.softmax(small).data.tolist(),
        "naive_large": naive_softmax(large).tolist(),
        "stable_large": F.softmax(large).data.tolist(),
    }
    figures["softmax_sum"] = float(np.sum(figures["softmax"]))
    print("softmax([0.3, 2.9, 4.0])            =", np.array(figures["softmax"]), " sum =", figures["softmax_sum"])
    print("naive softmax([1010, 1000, 990])    =", np.array(figures["naive_large"]))
    print("softmax with the maximum subtracted =", np.array(figures["stable_large"]))
    return figures


if __name__ == "__main__":
    main()
