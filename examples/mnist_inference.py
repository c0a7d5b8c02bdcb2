"""MNIST inference with the book's trained weights (chapter 3): accuracy 0.9352.

The 784-50-100-10 network of `mnist_sample_weight.npz` (sigmoid hidden layers,
softmax output, float32 weights as in the book's pickle) classifies the 10,000
test images, scaled to [0, 1], one image at a time and in batches of 100.
"""
import argparse

import numpy as np
from example_data import add_data_argument

import nn
from autograd import no_grad


def build_network(weights) -> nn.Sequential:
    """The book's predict(): affine, sigmoid, affine, sigmoid, affine, softmax, with their weights."""
    network = nn.Sequential(
        nn.Linear(784, 50, activation="sigmoid", dtype=np.float32),
        nn.Linear(50, 100, activation="sigmoid", dtype=np.float32),
        nn.Linear(100, 10, activation="softmax", dtype=np.float32),
    )
    network.load_state_dict({f"layers.{i}.{kind}": weights[f"{kind}{i + 1}"] for i in range(3) for kind in "Wb"})
    return network


def accuracy_one_at_a_time(network, x, t) -> float:
    correct = 0
    with no_grad():
        for image, label in zip(x, t):
            correct += int(np.argmax(network(image).data) == label)
    return correct / len(x)


def accuracy_in_batches(network, x, t, batch_size: int = 100) -> float:
    correct = 0
    with no_grad():
        for start in range(0, len(x), batch_size):
            predicted = np.argmax(network(x[start:start + batch_size]).data, axis=1)
            correct += int(np.sum(predicted == t[start:start + batch_size]))
    return correct / len(x)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(parser)
    args = parser.parse_args(argv)
    x, t = nn.load_mnist(args.data, normalize=True, flatten=True, one_hot_label=False, split="test")
    with np.load(nn.data.find_data("mnist_sample_weight.npz", args.data), allow_pickle=False) as weights:
        network = build_network(weights)
    figures = {"one_at_a_time": accuracy_one_at_a_time(network, x, t),
               "batches_of_100": accuracy_in_batches(network, x, t)}
    print(f"Accuracy (one image at a time): {figures['one_at_a_time']}")
    print(f"Accuracy (batches of 100):      {figures['batches_of_100']}")
    return figures


if __name__ == "__main__":
    main()
