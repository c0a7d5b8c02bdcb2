"""An XOR network trained by backprop, and its error curve (from the study notes this project began with;
not in the book).

2-3-1 network, no bias, sigmoid on both layers, loss 0.5 * sum((t - y)^2), weights
drawn uniformly from [0, 1), learning rate 0.1, 20,000 full-batch epochs. The
study notes end near [0.076, 0.951, 0.951, 0.027] for inputs 00, 01, 10, 11 (the exact
figures depend on the random start). The error curve is written to
out/xor_error_curve.csv (and .png when matplotlib is installed).
"""
import argparse
import functools
from pathlib import Path

import numpy as np

import nn
from nn import functional as F
from viz.labels import counted

unit_uniform = functools.partial(nn.init.uniform, low=0.0, high=1.0)  # np.random.uniform's default range


def build_network(seed: int) -> nn.Sequential:
    rng = nn.init.generator(seed)
    return nn.Sequential(nn.Linear(2, 3, init=unit_uniform, bias=False, activation="sigmoid", seed=rng),
                         nn.Linear(3, 1, init=unit_uniform, bias=False, activation="sigmoid", seed=rng))


def train(epochs: int = 20000, lr: float = 0.1, seed: int = 0):
    """Full-batch gradient descent; returns the network, the last epoch's outputs (what the study
    notes print: the forward pass just before the final update) and the error of every epoch."""
    x, t = nn.data.xor()
    network = build_network(seed)
    optimizer = nn.optim.SGD(network.parameters(), lr=lr)
    errors = np.empty(epochs)
    for epoch in range(epochs):
        y = network(x)
        loss = F.sum_squares_error(y, t)
        errors[epoch] = loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return network, y.data[:, 0], errors


def save_error_curve(errors: np.ndarray, out_dir: Path) -> list:
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "xor_error_curve.csv"
    np.savetxt(csv_path, np.column_stack([np.arange(len(errors)), errors]), delimiter=",",
               header="epoch,error", comments="", fmt=["%d", "%.10g"])
    written = [csv_path]
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # the plot is a bonus; the CSV holds the same curve
        return written
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot(errors)
    axes.set(xlabel="epoch", ylabel="E = 0.5 * sum((t - y)^2)", title="XOR 2-3-1, sigmoid, lr 0.1")
    figure.tight_layout()
    figure.savefig(out_dir / "xor_error_curve.png", dpi=100)
    plt.close(figure)
    return written + [out_dir / "xor_error_curve.png"]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20000)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the error curve")
    args = parser.parse_args(argv)
    network, outputs, errors = train(args.epochs, args.lr, args.seed)
    files = save_error_curve(errors, args.out)
    print("Input is\n", nn.data.xor()[0].astype(int))
    print("expected output is\n", nn.data.xor()[1].astype(int))
    print("actual output is\n", outputs.reshape(-1, 1))
    print(f"error: {errors[0]:.4f} at the start, {errors[-1]:.6f} after {counted(args.epochs, 'epoch')}")
    print("error curve written to", ", ".join(str(f) for f in files))
    return {"outputs": outputs.tolist(), "errors": errors, "files": files, "network": network}


if __name__ == "__main__":
    main()
