"""micrograd's moons demo on scalar `Value`s: MLP(2, [16, 16, 1]) reaches 100% training accuracy.

100 points of two interleaved half circles (noise 0.1), labels -1/+1; an SVM-style
max-margin (hinge) loss with L2 regularisation alpha = 1e-4; full-batch SGD for
100 steps with a learning rate falling from 1.0 as 1.0 - 0.9 * k / 100.
"""
import argparse

import nn
from autograd import Value


def loss_and_accuracy(model, x, y, alpha=1e-4):
    scores = [model(row) for row in x]
    # max(0, 1 - y * score): zero once a point sits on the right side with margin 1.
    margins = [(1.0 - yi * score).relu() for yi, score in zip(y, scores)]
    data_loss = sum(margins) * (1.0 / len(margins))
    parameters = model.parameters()
    regularisation = alpha * Value.weighted_sum(parameters, parameters)  # sum of p^2 as one node
    accuracy = sum((yi > 0) == (score.data > 0) for yi, score in zip(y, scores)) / len(y)
    return data_loss + regularisation, accuracy


def train(steps: int = 100, n_samples: int = 100, seed: int = 1, verbose: bool = True):
    x, labels = nn.data.moons(n_samples, noise=0.1, seed=seed)
    x, y = x.tolist(), (2.0 * labels - 1.0).tolist()
    model = nn.MLP(2, [16, 16, 1], seed=seed)
    optimizer = nn.optim.SGD(model.parameters(), lr=1.0)
    history = []
    for k in range(steps):
        loss, accuracy = loss_and_accuracy(model, x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = 1.0 - 0.9 * k / steps
        optimizer.step()
        history.append((loss.data, accuracy))
        if verbose and (k % 10 == 0 or k == steps - 1):
            print(f"step {k:3d} loss {loss.data:.6f}, accuracy {accuracy * 100:.0f}%")
    final_loss, final_accuracy = loss_and_accuracy(model, x, y)
    return model, history, final_loss.data, final_accuracy


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    model, history, final_loss, final_accuracy = train(args.steps, seed=args.seed)
    print(f"{model.num_parameters()} parameters; after {args.steps} steps: loss {final_loss:.6f}, "
          f"training accuracy {final_accuracy * 100:.0f}%")
    return {"history": history, "final_loss": final_loss, "accuracy": final_accuracy,
            "num_parameters": model.num_parameters(), "model": model}


if __name__ == "__main__":
    main()
