"""A small network trained in a few seconds, with a progress bar per epoch: the training part of `make demo`.

Two-moons data (500 points, noise 0.1) and a 2-16-16-2 ReLU network on Tensors,
trained Keras-style with `fit` (Adam, learning rate 0.01, batches of 32); prints
the final training and validation accuracy.
"""
import argparse

import nn
from viz.labels import counted


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)

    x, t = nn.data.moons(600, noise=0.1, seed=args.seed)
    x_train, t_train, x_valid, t_valid = x[:500], t[:500], x[500:], t[500:]
    rng = nn.init.generator(args.seed)
    model = nn.Sequential(nn.Linear(2, 16, init="he", activation="relu", seed=rng),
                          nn.Linear(16, 16, init="he", activation="relu", seed=rng),
                          nn.Linear(16, 2, seed=rng))
    model.compile(loss="cross_entropy", optimizer=nn.optim.Adam(model.parameters(), lr=0.01),
                  metrics=["accuracy"])
    history = model.fit(x_train, t_train, epochs=args.epochs, batch_size=32,
                        validation_data=(x_valid, t_valid), verbose=0 if args.quiet else 1, seed=args.seed)
    accuracy = history.history["accuracy"][-1]
    val_accuracy = history.history["val_accuracy"][-1]
    print(f"moons, 2-16-16-2 network, {counted(args.epochs, 'epoch')}: training accuracy {accuracy:.3f}, "
          f"validation accuracy {val_accuracy:.3f}")
    return {"history": history, "accuracy": accuracy, "val_accuracy": val_accuracy}


if __name__ == "__main__":
    main()
