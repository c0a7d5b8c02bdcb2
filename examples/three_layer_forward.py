"""Forward passes of chapter 3: matrix products, the three-layer network, and a column-vector pass.

Three-layer network, x = [1.0, 0.5], sigmoid hidden, identity output:
A1 = [0.3, 0.7, 1.1], Z1 = [0.57444252, 0.66818777, 0.75026011],
Z2 = [0.62624937, 0.7710107], Y = [0.31682708, 0.69627909].
Column-vector pass (Make Your Own Neural Network): W_ih I = [1.16, 0.42, 0.62],
sigmoid -> [0.761, 0.603, 0.650], W_ho of that -> [0.975, 0.888, 1.254].
"""
import numpy as np

import nn
from autograd import Tensor

NETWORK = {
    "layers.0.W": [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], "layers.0.b": [0.1, 0.2, 0.3],
    "layers.2.W": [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]], "layers.2.b": [0.1, 0.2],
    "layers.4.W": [[0.1, 0.3], [0.2, 0.4]], "layers.4.b": [0.1, 0.2],
}
I = [0.9, 0.1, 0.8]  # noqa: E741 (the book's name for the input vector, beside W_ih and W_ho)
W_IH = [[0.9, 0.3, 0.4], [0.2, 0.8, 0.2], [0.1, 0.5, 0.6]]
W_HO = [[0.3, 0.7, 0.5], [0.6, 0.5, 0.2], [0.8, 0.1, 0.9]]


def three_layer_network() -> nn.Sequential:
    """The book's init_network() as modules: Linear, sigmoid, Linear, sigmoid, Linear, identity."""
    network = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2), nn.Sigmoid(),
                            nn.Linear(2, 2), nn.Identity())
    network.load_state_dict(NETWORK)
    return network


def main(argv=None) -> dict:
    figures = {
        "matmul_2x2": (Tensor([[1, 2], [3, 4]]) @ Tensor([[5, 6], [7, 8]])).data.tolist(),
        "matmul_vector": (Tensor([1, 2]) @ Tensor([[1, 3, 5], [2, 4, 6]])).data.tolist(),
    }
    print("[[1,2],[3,4]] @ [[5,6],[7,8]] =", figures["matmul_2x2"])
    print("[1,2] @ [[1,3,5],[2,4,6]] =", figures["matmul_vector"])

    network = three_layer_network()
    x = np.array([1.0, 0.5])
    a1 = network[0](x)
    z1 = network[1](a1)
    z2 = network[3](network[2](z1))
    y = network(x)
    figures.update(A1=a1.data.tolist(), Z1=z1.data.tolist(), Z2=z2.data.tolist(), Y=y.data.tolist())
    print("\nthree-layer network, x = [1.0, 0.5]")
    for name in ("A1", "Z1", "Z2", "Y"):
        print(f"  {name} = {np.array(figures[name])}")

    # The column-vector convention: W x with W's rows holding each hidden node's weights.
    x_hidden = Tensor(W_IH) @ Tensor(I)
    o_hidden = x_hidden.sigmoid()
    x_output = Tensor(W_HO) @ o_hidden
    # Make Your Own Neural Network multiplies by the hidden outputs rounded to three places; exact ones give
    # 0.976, 0.889, 1.255.
    x_output_from_rounded = Tensor(W_HO) @ Tensor(np.round(o_hidden.data, 3))
    figures.update(X_hidden=x_hidden.data.tolist(), O_hidden=o_hidden.data.tolist(),
                   X_output=x_output.data.tolist(), X_output_from_rounded=x_output_from_rounded.data.tolist())
    print("\ncolumn-vector pass, I = [0.9, 0.1, 0.8]")
    print("  X_hidden = W_ih I            =", np.round(x_hidden.data, 3))
    print("  O_hidden = sigmoid(X_hidden) =", np.round(o_hidden.data, 3))
    print("  X_output = W_ho O_hidden     =", np.round(x_output_from_rounded.data, 3),
          "(from the rounded O_hidden, as in Make Your Own Neural Network; exact:", np.round(x_output.data, 3), ")")
    return figures


if __name__ == "__main__":
    main()
