"""The book's activation functions and their derivatives, the derivatives computed by autograd.

Each function comes from `nn.functional` and runs on a Tensor; `viz.plot_functions`
calls backward() to get the slope at every point (no hand-written derivative), so
the dashed curves show what backprop really sends through each activation: the
sigmoid's at most 0.25, tanh's at most 1, ReLU's 0 or 1, the step's 0 everywhere.

Writes activations.png into out/ (or --out DIR).
"""
from pathlib import Path

from picture_files import DEFAULT_OUT, out_dir_from_command_line

import nn.functional as F
import viz

ACTIVATIONS = {
    "step": F.step, "sigmoid": F.sigmoid, "tanh": F.tanh, "ReLU": F.relu,
    "leaky ReLU (0.1)": lambda x: F.leaky_relu(x, 0.1), "ELU": F.elu, "SELU": F.selu, "GELU": F.gelu,
    "softplus": F.softplus, "softsign": F.softsign, "swish": F.swish, "hard sigmoid": F.hard_sigmoid,
}


def main(out_dir: Path = DEFAULT_OUT):
    path = Path(out_dir) / "activations.png"
    viz.plot_functions(ACTIVATIONS, path, derivatives=True)
    print(f"picture: {path}")


if __name__ == "__main__":
    main(out_dir_from_command_line(__doc__))
