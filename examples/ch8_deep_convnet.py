"""Chapter 8: the book's DeepConvNet, trained for a few epochs on part of MNIST.

Six 3x3 convolutions (16, 16, 32, 32, 64, 64 filters; padding 1, except 2 for the
fourth), each followed by ReLU, with a 2x2 max pool after every second; then affine
50 - ReLU - dropout 0.5 - affine 10 - dropout 0.5. He initialisation throughout, Adam
with learning rate 0.001, mini-batches of 100. The book trains it for 20 epochs on
60,000 images and reaches 99.4%; here 5 epochs on the first 3,000 MNIST test images
(150 steps, a minute or so in float32) classify 92% of the last 2,000 right (with MNIST's
training set fetched by `make data`, the first 3,000 of its images are taken instead).
The network is `nn.book.deep_conv_net`; `nn.book.deep_conv_net(pretrained=True)` has the
book's trained weights, which classify 99.35% of the 10,000 test images.
"""
import argparse
import time

from book_training import accuracy, load_split, train
from example_data import add_data_argument

import nn
from viz.labels import counted


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

    model = nn.book.deep_conv_net(dtype=args.dtype, seed=args.seed)  # fresh He-initialised weights
    start = time.perf_counter()
    record = train(model, nn.optim.Adam(model.parameters(), lr=0.001), x_train, t_train,
                   args.epochs * max(1, args.train_size // 100), seed=args.seed + 1, test=(x_test, t_test))
    seconds = time.perf_counter() - start
    figures = {"parameters": model.num_parameters(), "loss": record["loss"], "test_accuracy_by_epoch":
               record["test_accuracy"], "test_accuracy": accuracy(model, x_test, t_test), "seconds": seconds}
    print(f"DeepConvNet: {figures['parameters']:,} parameters")
    for epoch, test_acc in enumerate(record["test_accuracy"], start=1):
        print(f"epoch {epoch}: test accuracy {test_acc:.4f}")
    print(f"test accuracy {figures['test_accuracy']:.4f} on {len(x_test)} images after "
          f"{counted(args.epochs, 'epoch')} on "
          f"{args.train_size} images ({seconds:.0f} s)")
    return figures


if __name__ == "__main__":
    main()
