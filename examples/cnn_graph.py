"""The computational graph of a small convolutional net, with shapes and gradients, to read by eye.

One 6x6 image (a vertical stroke) goes through conv (2 filters of 3x3) - ReLU - 2x2 max
pool - flatten - affine 3 - softmax with loss, written with `nn.functional` so that
every weight is a named leaf. After backward, `viz.render` draws one node per op,
top to bottom, and the convolution shows how the book builds it: the image's
im2col matrix (16 places x 9 pixels) times the filters reshaped to columns (9 x 2)
in one affine op, then reshaped back to 2 images of 4x4. Each edge carries its
tensor's shape and, in red, the size of its gradient, which has the tensor's shape.
Prints each gradient's shape and the loss.

Writes cnn_graph.svg and cnn_graph.png into out/ (or --out DIR).
"""
from pathlib import Path

import numpy as np
from picture_files import DEFAULT_OUT, out_dir_from_command_line, save_graph_pictures

import nn.functional as F
from autograd import Tensor


def small_cnn_leaves(seed: int = 0) -> dict:
    """The image (1 x 1 x 6 x 6: a stroke fading downwards on a dim background) and the weights, named leaves."""
    rng = np.random.default_rng(seed)
    image = np.full((1, 1, 6, 6), 0.1)
    image[0, 0, :, 2] = np.linspace(1.0, 0.5, 6)
    # The image asks for a gradient too, so the graph shows its im2col step (and d loss / d pixel).
    return {"x": Tensor(image, requires_grad=True, name="x"),
            "W1": Tensor(rng.normal(0, 0.5, (2, 1, 3, 3)), requires_grad=True, name="W1"),
            "b1": Tensor(np.zeros(2), requires_grad=True, name="b1"),
            "W2": Tensor(rng.normal(0, 0.5, (8, 3)), requires_grad=True, name="W2"),
            "b2": Tensor(np.zeros(3), requires_grad=True, name="b2")}


def small_cnn_loss(leaves: dict):
    """The small CNN's loss on its image, labelled class 1. The convolution is written out as the book's
    Convolution layer computes it (ch. 7), so that the picture shows each step; F.conv2d is the same
    computation fused into one node."""
    columns = F.im2col(leaves["x"], 3, 3)  # (16 places, 9 pixels)
    responses = F.linear(columns, leaves["W1"].reshape((2, -1)).T, leaves["b1"])  # (16 places, 2 filters)
    convolved = responses.reshape((1, 4, 4, 2)).transpose(0, 3, 1, 2)  # back to 1 image of 2 channels, 4 x 4
    hidden = F.max_pool2d(F.relu(convolved), 2)
    scores = F.linear(hidden.reshape((1, -1)), leaves["W2"], leaves["b2"])
    return F.cross_entropy(scores, np.array([1]))


def main(out_dir: Path = DEFAULT_OUT) -> dict:
    leaves = small_cnn_leaves()
    loss = small_cnn_loss(leaves)
    loss.backward()
    gradients = {name: leaf.grad for name, leaf in leaves.items()}
    print(f"loss {loss.item():.4f}; gradient shapes: "
          + ", ".join(f"{name} {grad.shape}" for name, grad in gradients.items()))
    written = save_graph_pictures(loss, out_dir, "cnn_graph", rankdir="TB")  # a long chain reads best downwards
    for path in written:
        print(f"picture: {path}")
    return {"loss": loss.item(), "gradients": gradients, "pictures": written}


if __name__ == "__main__":
    main(out_dir_from_command_line(__doc__))
