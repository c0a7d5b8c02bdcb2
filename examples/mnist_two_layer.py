"""The book's two-layer MNIST network trained with backprop, with a gradient check (chapters 4 and 5).

TwoLayerNet: 784-50-10, affine, ReLU, affine, softmax-with-loss; weights drawn
with weight_init_std = 0.01, biases zero. Mini-batches of 100 drawn at random,
SGD with learning rate 0.1. Only the 10,000 MNIST test images are at hand, so the
first 8,000 train and the last 2,000 test. Before training, backprop's gradient
on 3 samples is compared with the numerical gradient (central differences,
h = 1e-4): the mean absolute difference per parameter is around 1e-10 or smaller.
"""
import argparse

import numpy as np
from example_data import add_data_argument

import nn
from autograd import no_grad, numerical_grad
from nn import functional as F


def two_layer_net(input_size=784, hidden_size=50, output_size=10, weight_init_std=0.01, seed=None):
    """The book's TwoLayerNet as modules (the loss is applied by the caller: `F.cross_entropy`)."""
    rng = nn.init.generator(seed)
    return nn.Sequential(nn.Linear(input_size, hidden_size, init=weight_init_std, seed=rng),
                         nn.ReLU(),
                         nn.Linear(hidden_size, output_size, init=weight_init_std, seed=rng))


def gradient_check(network, x, t) -> dict:
    """Mean |backprop - numerical| for each parameter on the batch (x, t)."""
    network.zero_grad()
    F.cross_entropy(network(x), t).backward()

    def loss(_):
        return F.cross_entropy(network(x), t)

    return {name: float(np.mean(np.abs(p.grad - numerical_grad(loss, p))))
            for name, p in network.named_parameters()}


def train(network, x_train, t_train, iterations=10000, batch_size=100, lr=0.1, seed=None):
    """SGD on random mini-batches (the book's np.random.choice); returns the loss of each iteration."""
    rng = nn.init.generator(seed)
    optimizer = nn.optim.SGD(network.parameters(), lr=lr)
    losses = np.empty(iterations)
    for i in range(iterations):
        batch = rng.choice(len(x_train), batch_size)
        loss = F.cross_entropy(network(x_train[batch]), t_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses[i] = loss.item()
    return losses


def accuracy(network, x, t) -> float:
    with no_grad():
        return F.accuracy(network(x), t)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(parser)
    parser.add_argument("--iters", type=int, default=10000, help="SGD steps (the book uses 10,000)")
    parser.add_argument("--train-size", type=int, default=8000, help="test images used for training")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-gradcheck", action="store_true", help="skip the gradient check")
    args = parser.parse_args(argv)
    x, t = nn.load_mnist(args.data, normalize=True, one_hot_label=True, split="test")
    x_train, t_train = x[:args.train_size], t[:args.train_size]
    x_test, t_test = x[args.train_size:], t[args.train_size:]

    network = two_layer_net(seed=args.seed)
    figures = {}
    if not args.no_gradcheck:
        figures["gradient_check"] = gradient_check(network, x_train[:3], t_train[:3])
        print("gradient check on 3 samples, mean |backprop - numerical|:")
        for name, difference in figures["gradient_check"].items():
            print(f"  {name}: {difference:.3e}")

    losses = train(network, x_train, t_train, iterations=args.iters, seed=args.seed + 1)
    figures.update(losses=losses, train_accuracy=accuracy(network, x_train, t_train),
                   test_accuracy=accuracy(network, x_test, t_test))
    print(f"loss {losses[:100].mean():.4f} over the first 100 steps, {losses[-100:].mean():.4f} over the last 100")
    print(f"train accuracy {figures['train_accuracy']:.4f} ({len(x_train)} images), "
          f"test accuracy {figures['test_accuracy']:.4f} ({len(x_test)} images)")
    return figures


if __name__ == "__main__":
    main()
