"""Chapter 8: the book's DeepConvNet, trained for a few epochs on part of MNIST.

Six 3x3 convolutions (16, 16, 32, 32, 64, 64 filters; padding 1, except 2 for the
fourth), each followed by ReLU, with a 2x2 max pool after every second; then affine
50 - ReLU - dropout 0.5 - affine 10 - dropout 0.5. He initialisation throughout, Adam
with learning rate 0.001, mini-batches of 100. The book trains it for 20 epochs on
60,000 images and reaches 99.4%; here 5 epochs on the first 3,000 MNIST test images
(150 steps, a minute or so in float32) classify 92% of the last 2,000 right.
"""
import argparse
import time

import numpy as np
from book_training import accuracy, load_split, train
from example_data import add_data_argument

import nn

CONVOLUTIONS = ((16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1))  # (filters, padding)


def deep_conv_net(dtype=np.float32, seed=None) -> nn.Sequential:
    rng = nn.init.generator(seed)
    layers, channels = [], 1
    for number, (filters, padding) in enumerate(CONVOLUTIONS, start=1):
        layers += [nn.Conv2d(channels, filters, 3, padding=padding, dtype=dtype, seed=rng), nn.ReLU()]
        layers += [nn.MaxPool2d(2)] if number % 2 == 0 else []
        channels = filters
    # 28 -> 14 -> 16 (the padding of 2) -> 8 -> 4: 64 channels of 4x4 reach the affine layers.
    layers += [nn.Flatten(), nn.Linear(channels * 4 * 4, 50, init="he", dtype=dtype, seed=rng), nn.ReLU(),
               nn.Dropout(0.5, seed=rng), nn.Linear(50, 10, init="he", dtype=dtype, seed=rng),
               nn.Dropout(0.5, seed=rng)]
    return nn.Sequential(*layers)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(parser)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--train-size", type=int, default=3000)
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    x_train, t_train, x_test, t_test = load_split(args.data, args.train_size, images=True)
    x_train, x_test = x_train.astype(args.dtype), x_test.astype(args.dtype)

    model = deep_conv_net(args.dtype, seed=args.seed)
    start = time.perf_counter()
    record = train(model, nn.optim.Adam(model.parameters(), lr=0.001), x_train, t_train,
                   args.epochs * max(1, args.train_size // 100), seed=args.seed + 1, test=(x_test, t_test))
    seconds = time.perf_counter() - start
    figures = {"parameters": model.num_parameters(), "loss": record["loss"], "test_accuracy_by_epoch":
               record["test_accuracy"], "test_accuracy": accuracy(model, x_test, t_test), "seconds": seconds}
    print(f"DeepConvNet: {figures['parameters']:,} parameters")
    for epoch, test_acc in enumerate(record["test_accuracy"], start=1):
        print(f"epoch {epoch}: test accuracy {test_acc:.4f}")
    print(f"test accuracy {figures['test_accuracy']:.4f} on {len(x_test)} images after {args.epochs} epochs on "
          f"{args.train_size} images ({seconds:.0f} s)")
    return figures


if __name__ == "__main__":
    main()
