"""Chapter 6: SGD, Momentum, AdaGrad and Adam training the same network on MNIST (the book's 6.1.8).

A five-layer net (784, four hidden layers of 100 ReLUs, 10; He initialisation), the
same starting weights and the same mini-batches of 128 for each optimizer, with the
book's learning rates: 0.01 for SGD, Momentum and AdaGrad, 0.001 for Adam. As in the
book, SGD learns slowest; the other three bring the loss down much sooner.

Writes optimizers.png (the loss curves, averaged over 50 iterations) into out/ (or --out DIR).
"""
import argparse
from pathlib import Path

from book_training import load_split, multi_layer_net, train
from example_data import add_data_argument
from picture_files import add_out_argument

import nn
import viz

OPTIMIZERS = {"SGD": (nn.optim.SGD, 0.01), "Momentum": (nn.optim.Momentum, 0.01),
              "AdaGrad": (nn.optim.AdaGrad, 0.01), "Adam": (nn.optim.Adam, 0.001)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(parser)
    add_out_argument(parser)
    parser.add_argument("--iters", type=int, default=2000, help="iterations (the book runs 2,000)")
    parser.add_argument("--train-size", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    x_train, t_train, _, _ = load_split(args.data, args.train_size)

    losses = {}
    for name, (optimizer, lr) in OPTIMIZERS.items():
        model = multi_layer_net([100] * 4, seed=args.seed)  # the same starting weights for every optimizer
        record = train(model, optimizer(model.parameters(), lr=lr), x_train, t_train, args.iters,
                       batch_size=128, seed=args.seed + 1)
        losses[name] = record["loss"]
    window = min(100, args.iters)
    final = {name: float(loss[-window:].mean()) for name, loss in losses.items()}
    for name, loss in final.items():
        print(f"{name:<9} loss {losses[name][:window].mean():.3f} over the first {window} iterations, "
              f"{loss:.3f} over the last {window}")
    path = Path(args.out) / "optimizers.png"
    viz.plot_curves(losses, path, ylabel="loss", title="optimizers on MNIST", smooth=min(50, args.iters))
    print(f"picture: {path}")
    return {"losses": losses, "final_loss": final}


if __name__ == "__main__":
    main()
