"""Chapter 6: a random search for the learning rate and the weight decay (the book's 6.5.3).

Each trial draws both log-uniformly, as the book does: learning rate 10^u with u
uniform in [-6, -2], weight decay 10^v with v uniform in [-8, -4]. It trains the
book's seven-layer net (784, six hidden layers of 100 ReLUs, 10) with SGD on 400
images for 50 epochs and scores it on 100 validation images, kept apart from the
test images, which a search must not look at. As in the book, the learning rate
decides: the best trials have rates from about 0.001 to 0.01, the slow ones never
leave chance; weight decay this small barely matters.

Writes hyperparameters.png (validation accuracy by epoch of the best trials) into out/ (or --out DIR).
"""
import argparse
from pathlib import Path

import numpy as np
from book_training import load_split, multi_layer_net, train, weight_decay_penalty
from example_data import add_data_argument
from picture_files import add_out_argument

import nn
import viz

LEARNING_RATE_EXPONENTS = (-6, -2)
WEIGHT_DECAY_EXPONENTS = (-8, -4)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(parser)
    add_out_argument(parser)
    parser.add_argument("--trials", type=int, default=20, help="the book runs 100")
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    x, t, _, _ = load_split(args.data, 500)
    x_train, t_train, x_valid, t_valid = x[:400], t[:400], x[400:], t[400:]
    rng = np.random.default_rng(args.seed)

    trials = []
    for _ in range(args.trials):
        lr = 10 ** rng.uniform(*LEARNING_RATE_EXPONENTS)
        weight_decay = 10 ** rng.uniform(*WEIGHT_DECAY_EXPONENTS)
        model = multi_layer_net([100] * 6, seed=args.seed)
        record = train(model, nn.optim.SGD(model.parameters(), lr=lr), x_train, t_train, args.epochs * 4,
                       seed=args.seed + 1, penalty=weight_decay_penalty(model, weight_decay), test=(x_valid, t_valid))
        trials.append({"lr": lr, "weight_decay": weight_decay, "validation_accuracy": record["test_accuracy"][-1],
                       "curve": record["test_accuracy"]})
    trials.sort(key=lambda trial: trial["validation_accuracy"], reverse=True)
    for rank, trial in enumerate(trials, start=1):
        print(f"best {rank:>2}: validation accuracy {trial['validation_accuracy']:.2f} | "
              f"lr {trial['lr']:.2e}, weight decay {trial['weight_decay']:.2e}")
    path = Path(args.out) / "hyperparameters.png"
    curves = {f"lr {trial['lr']:.1e}, decay {trial['weight_decay']:.1e}": trial["curve"] for trial in trials[:5]}
    viz.plot_curves(curves, path, xlabel="epoch", ylabel="validation accuracy", title="the best five trials")
    print(f"picture: {path}")
    return {"trials": trials}


if __name__ == "__main__":
    main()
