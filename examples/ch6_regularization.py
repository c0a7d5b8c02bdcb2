"""Chapter 6: overfitting, and weight decay and dropout against it (the book's 6.4).

The book's overfitting set-up: only 300 training images, a seven-layer net (784, six
hidden layers of 100 ReLUs, 10; He initialisation), SGD with learning rate 0.01 and
mini-batches of 100 for 200 epochs. Plain, it learns the 300 images by heart
(training accuracy 1.0) while test accuracy (the last 2,000 images) stays far below:
overfitting. Weight decay (lambda = 0.1: the loss gains 0.5 * lambda * the sum of
the squared weights, the book's way, biases left out) and dropout (ratio 0.2 after
every hidden layer; nn.Dropout, off when measuring accuracy) shrink that gap.

Writes regularization.png (training and test accuracy by epoch) into out/ (or --out DIR).
"""
import argparse
from pathlib import Path

from book_training import load_split, multi_layer_net, train, weight_decay_penalty
from example_data import add_data_argument
from picture_files import add_out_argument

import nn
import viz
from viz.labels import counted

WEIGHT_DECAY = 0.1
DROPOUT = 0.2


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(parser)
    add_out_argument(parser)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--train-size", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    x_train, t_train, x_test, t_test = load_split(args.data, args.train_size)
    iterations = args.epochs * max(1, args.train_size // 100)

    figures, curves = {}, {}
    for name in ("plain", "weight decay", "dropout"):
        model = multi_layer_net([100] * 6, dropout=DROPOUT if name == "dropout" else 0.0, seed=args.seed)
        penalty = weight_decay_penalty(model, WEIGHT_DECAY) if name == "weight decay" else None
        record = train(model, nn.optim.SGD(model.parameters(), lr=0.01), x_train, t_train, iterations,
                       seed=args.seed + 1, penalty=penalty, test=(x_test, t_test))
        train_accuracy, test_accuracy = record["train_accuracy"][-1], record["test_accuracy"][-1]
        figures[name] = {"train_accuracy": train_accuracy, "test_accuracy": test_accuracy,
                         "gap": train_accuracy - test_accuracy}
        curves[f"{name}, training"], curves[f"{name}, test"] = record["train_accuracy"], record["test_accuracy"]
        print(f"{name:<12} after {counted(args.epochs, 'epoch')}: training accuracy {train_accuracy:.3f}, "
              f"test accuracy {test_accuracy:.3f}, gap {train_accuracy - test_accuracy:.3f}")
    path = Path(args.out) / "regularization.png"
    viz.plot_curves(curves, path, xlabel="epoch", ylabel="accuracy", title=f"{args.train_size} training images",
                    paired=True)  # training solid, test dashed, in one colour per net
    print(f"picture: {path}")
    return figures


if __name__ == "__main__":
    main()
