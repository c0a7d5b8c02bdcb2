"""Chapter 6: how the initial weights shape the activations of a five-layer net (the book's 6.2.2).

1,000 random inputs (standard normal, 100 features) pass through five layers of 100
units, with the weights drawn from a Gaussian of standard deviation 1, 0.01, Xavier's
1/sqrt(100) or He's sqrt(2/100), biases zero. With sigmoids, std 1 pushes the
activations to 0 and 1, where the sigmoid's slope vanishes; std 0.01 keeps them all
near 0.5, so every unit says the same; Xavier's spreads them. With ReLUs each layer
multiplies the activations' root mean square by std * sqrt(100 / 2): 0.07 for std
0.01 (they die out), 0.71 for Xavier (they fade), exactly 1 for He (they keep their size).

Writes weight_init_sigmoid.png and weight_init_relu.png (each layer's histogram; for ReLUs,
of the units that fire) into out/ (or --out DIR).
"""
import argparse
from pathlib import Path

import numpy as np
from picture_files import add_out_argument

import nn
import viz
from autograd import no_grad

LAYERS, UNITS, SAMPLES = 5, 100, 1000
INITS = {"std 1": 1.0, "std 0.01": 0.01, "Xavier": "xavier", "He": "he"}
FIGURES = {"sigmoid": ("std 1", "std 0.01", "Xavier"), "relu": ("std 0.01", "Xavier", "He")}  # the book's rows
VALUE_RANGES = {"sigmoid": (0.0, 1.0), "relu": (0.0, 3.0)}  # the histograms' span: 93-97% of He's firing units


def activations(init, activation: str, seed: int = 0) -> list:
    """The output of each of the five layers for the same 1,000 random inputs."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((SAMPLES, UNITS))
    outputs = []
    with no_grad():
        for _ in range(LAYERS):
            x = nn.Linear(UNITS, UNITS, init=init, activation=activation, seed=rng)(x).data
            outputs.append(x)
    return outputs


def histogram_rows(activation: str) -> dict:
    """The rows of the book's histograms for `activation`: {initialisation: each layer's activations}, for
    the initialisations FIGURES names. For ReLUs only the units that fire: half of them output exactly 0
    whatever the weights, a spike that on shared axes would flatten every other bar."""
    rows = {name: activations(INITS[name], activation) for name in FIGURES[activation]}
    if activation == "relu":
        rows = {name: [layer[layer > 0] for layer in layers] for name, layers in rows.items()}
    return rows


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_out_argument(parser)
    args = parser.parse_args(argv)
    figures = {"sigmoid": {}, "relu": {}}
    for activation, names in FIGURES.items():
        for name in names:
            outputs = activations(INITS[name], activation)
            figures[activation][name] = {
                "saturated": [float(np.mean((a < 0.02) | (a > 0.98))) for a in outputs],  # sigmoid's flat ends
                "std": [float(a.std()) for a in outputs],
                "rms": [float(np.sqrt(np.mean(a ** 2))) for a in outputs],
            }
            shown = "saturated" if activation == "sigmoid" else "rms"
            print(f"{activation:<7} {name:<8} {shown} by layer: "
                  + " ".join(f"{v:.3g}" for v in figures[activation][name][shown]))
        path = Path(args.out) / f"weight_init_{activation}.png"
        viz.plot_histograms(histogram_rows(activation), path, value_range=VALUE_RANGES[activation])
        print(f"picture: {path}")
    return figures


if __name__ == "__main__":
    main()
