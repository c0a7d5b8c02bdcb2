"""What the chapter 6-8 examples share: the MNIST split, the book's training loop, accuracy in batches.

The examples test on the last 2,000 MNIST test images. They train on MNIST's training
set when it is here (`make data` fetches its 60,000 images into the cache), else on the
first of the 10,000 test images that ship with scratchgrad, which testing never sees.
"""
from __future__ import annotations

import numpy as np

import nn
from autograd import no_grad
from nn import functional as F

TEST_SIZE = 2000
EPOCH_SAMPLE = 1000  # training images whose accuracy is measured after each epoch (the book's Trainer)


def load_split(data_dir, train_size: int, images: bool = False) -> tuple:
    """(x_train, t_train, x_test, t_test): `train_size` training images and the last 2,000 test images, as rows
    of 784 pixels in [0, 1], or as (N, 1, 28, 28) images for the convolutional nets; integer labels.

    The training images are the first of MNIST's training split when it can be found (in `data_dir`
    when given, else where `nn.data.find_data` looks), else the first of the test split; it prints which.
    """
    x_test, t_test = nn.load_mnist(data_dir, normalize=True, flatten=not images, split="test")
    try:
        x, t = nn.load_mnist(data_dir, normalize=True, flatten=not images, split="train")
        source = "MNIST's training set"
    except nn.data.DataNotFoundError:  # only the shipped test set: train on its first images
        x, t = x_test[:-TEST_SIZE], t_test[:-TEST_SIZE]
        source = "the first MNIST test images (`make data` fetches the training set)"
    if not 0 < train_size <= len(x):
        raise ValueError(f"train_size must be between 1 and {len(x)} (the images of {source}); got {train_size}")
    print(f"training on {train_size:,} images of {source}; testing on the last {TEST_SIZE:,} test images")
    return x[:train_size], t[:train_size], x_test[-TEST_SIZE:], t_test[-TEST_SIZE:]


def accuracy(model, x, t, batch_size: int = 500) -> float:
    """The share of `x` the model classifies right, in evaluation mode (dropout off, batch norm's running
    averages), a batch at a time so that a convolutional net's activations stay small."""
    model.eval()
    with no_grad():
        right = sum(int((model(x[i:i + batch_size]).data.argmax(axis=1) == t[i:i + batch_size]).sum())
                    for i in range(0, len(x), batch_size))
    model.train()
    return right / len(x)


def train(model, optimizer, x, t, iterations: int, batch_size: int = 100, seed: int = 0, penalty=None,
          test=None) -> dict:
    """The book's loop: each iteration a mini-batch drawn at random, softmax cross entropy (plus `penalty()`
    when given, e.g. weight decay's), backward, an optimizer step.

    Returns the loss of every iteration and, when `test` = (x_test, t_test) is given, the
    accuracy on the training and the test images after every epoch (len(x) / batch_size
    iterations); like the book's Trainer, the training accuracy is that of the first
    1,000 training images, which saves time on large sets.
    """
    rng = np.random.default_rng(seed)
    per_epoch = max(1, len(x) // batch_size)
    record = {"loss": np.empty(iterations), "train_accuracy": [], "test_accuracy": []}
    model.train()
    for i in range(iterations):
        batch = rng.choice(len(x), batch_size)
        loss = F.cross_entropy(model(x[batch]), t[batch])
        if penalty is not None:
            loss = loss + penalty()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        record["loss"][i] = loss.item()
        if test is not None and (i + 1) % per_epoch == 0:
            record["train_accuracy"].append(accuracy(model, x[:EPOCH_SAMPLE], t[:EPOCH_SAMPLE]))
            record["test_accuracy"].append(accuracy(model, *test))
    return record


def weight_decay_penalty(model, weight_decay: float):
    """The book's weight decay as a term of the loss: 0.5 * lambda * the sum of the squares of every layer's
    weights W (biases left out), as a function for `train`'s `penalty`."""
    weights = [p for name, p in model.named_parameters() if name.endswith(".W")]
    return lambda: 0.5 * weight_decay * sum((W * W).sum() for W in weights)


def multi_layer_net(hidden_sizes, init="he", batch_norm: bool = False, dropout: float = 0.0, seed=None,
                    dtype=np.float64):
    """The book's MultiLayerNet(Extend): 784 inputs, affine - [batch norm] - ReLU - [dropout] per hidden
    layer, an affine layer of 10 scores at the end (the loss applies the softmax).

    The book computes in float64, the default; float32, the images' dtype, trains faster to the same curves."""
    rng = nn.init.generator(seed)
    layers, width = [], 784
    for size in hidden_sizes:
        layers.append(nn.Linear(width, size, init=init, dtype=dtype, seed=rng))
        layers += [nn.BatchNorm1d(size, dtype=dtype)] if batch_norm else []
        layers.append(nn.ReLU())
        layers += [nn.Dropout(dropout, seed=rng)] if dropout else []
        width = size
    layers.append(nn.Linear(width, 10, init=init, dtype=dtype, seed=rng))
    return nn.Sequential(*layers)
