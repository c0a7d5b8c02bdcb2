"""Perceptrons and logic gates (chapter 2 of the book), and XOR from two layers.

AND: w = (0.5, 0.5), b = -0.7; NAND: w = (-0.5, -0.5), b = 0.7; OR: w = (0.5, 0.5), b = -0.2.
XOR = AND(NAND(x1, x2), OR(x1, x2)) gives 0, 1, 1, 0 on inputs 00, 10, 01, 11.
XOR with sigmoids (W1 = [[5, -7], [5, -7]], b1 = [-8, 3], W2 = [[-11], [-11]], b2 = [6]):
hidden pair (0,1), (0,0), (0,0), (1,0) and output ~0, 1, 1, 0 on 00, 01, 10, 11.
XOR with trained weights from the study notes this project began with (not in the book), no bias,
step activation: 0, 1, 1, 0.
"""
import numpy as np

import nn

PERCEPTRON_INPUTS = [(0, 0), (1, 0), (0, 1), (1, 1)]  # the order chapter 2 prints
GATE_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)  # the order of the XOR-network tables

TRAINED_W1 = [[5.43873189, -3.11375556, 5.29522101], [-3.07384198, 5.53159189, 5.30037098]]
TRAINED_W2 = [[-8.35124937], [-8.33291174], [11.69026761]]


def perceptron_gates() -> dict:
    gates = {"AND": nn.AND, "NAND": nn.NAND, "OR": nn.OR, "XOR": nn.XOR}
    return {name: [gate(x1, x2) for x1, x2 in PERCEPTRON_INPUTS] for name, gate in gates.items()}


def sigmoid_xor():
    """The two-layer sigmoid network that computes XOR; returns (hidden outputs, network outputs)."""
    hidden = nn.Linear(2, 2, activation="sigmoid")
    output = nn.Linear(2, 1, activation="sigmoid")
    hidden.load_state_dict({"W": [[5, -7], [5, -7]], "b": [-8, 3]})
    output.load_state_dict({"W": [[-11], [-11]], "b": [6]})
    h = hidden(GATE_INPUTS)
    return h.data, output(h).data[:, 0]


def trained_step_xor():
    """The study notes' trained 2-3-1 weights (not in the book), used with the step activation and no bias."""
    network = nn.Sequential(nn.Linear(2, 3, bias=False), nn.Step(), nn.Linear(3, 1, bias=False), nn.Step())
    network.load_state_dict({"layers.0.W": TRAINED_W1, "layers.2.W": TRAINED_W2})
    return network(GATE_INPUTS).data[:, 0].astype(int)


def main(argv=None) -> dict:
    figures = perceptron_gates()
    print("inputs (x1, x2):", PERCEPTRON_INPUTS)
    for name in ("AND", "NAND", "OR", "XOR"):
        print(f"{name:>4}: {figures[name]}")

    hidden, output = sigmoid_xor()
    figures["xor_sigmoid_hidden"] = np.round(hidden).astype(int).tolist()
    figures["xor_sigmoid_output"] = output.tolist()
    print("\nXOR with sigmoids, inputs 00, 01, 10, 11:")
    for x, h, y in zip(GATE_INPUTS.astype(int).tolist(), hidden, output):
        print(f"  x = {x}  hidden = ({h[0]:.4f}, {h[1]:.4f}) ~ {tuple(np.round(h).astype(int).tolist())}  "
              f"y = {y:.4f} ~ {round(y)}")

    figures["xor_trained_step"] = trained_step_xor().tolist()
    print("\nXOR with the trained weights and the step function, inputs 00, 01, 10, 11:",
          figures["xor_trained_step"])
    return figures


if __name__ == "__main__":
    main()
