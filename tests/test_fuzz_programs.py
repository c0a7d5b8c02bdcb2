"""Random programs: sequences of ops on random shapes (the engine's, and nn.functional's smooth
activations, softmaxes and mse_loss), checked against central differences and, where installed,
against PyTorch in float64.

A program is a list of instructions over a growing list of registers that starts with
the inputs. Each instruction applies one op to earlier registers (so nodes are reused
and graphs branch and join); the result is a weighted sum of every register. Hypothesis
shrinks a failure to the shortest program; shrunk failures are pinned below with
`@example` so they stay regression tests.
"""
import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd import Tensor, gradcheck
from nn import functional as F

# Smooth ops only (no kinks or poles), so the numerical derivative is a fair judge.
UNARY = {
    "tanh": (lambda x: x.tanh(), lambda t, x: t.tanh(x)),
    "sigmoid": (lambda x: x.sigmoid(), lambda t, x: t.sigmoid(x)),
    "exp_tanh": (lambda x: x.tanh().exp(), lambda t, x: t.exp(t.tanh(x))),
    "log1p_square": (lambda x: (x * x + 1.0).log(), lambda t, x: t.log(x * x + 1.0)),
    "neg": (lambda x: -x, lambda t, x: -x),
    "square": (lambda x: x ** 2, lambda t, x: x ** 2),
    "sum_last": (lambda x: x.sum(axis=-1, keepdims=True), lambda t, x: x.sum(dim=-1, keepdim=True)),
    "mean_all": (lambda x: x.mean(), lambda t, x: x.mean()),
    "transpose": (lambda x: x.T, lambda t, x: x.permute(tuple(reversed(range(x.ndim))))),
    "flip_rows": (lambda x: x[::-1], lambda t, x: t.flip(x, dims=[0])),
    # nn.functional's smooth activations, so programs mix the library's layers with the engine's ops.
    "F.sigmoid": (F.sigmoid, lambda t, x: t.sigmoid(x)),
    "F.tanh": (F.tanh, lambda t, x: t.tanh(x)),
    "F.softplus": (F.softplus, lambda t, x: t.nn.functional.softplus(x)),
    "F.softsign": (F.softsign, lambda t, x: t.nn.functional.softsign(x)),
    "F.swish": (F.swish, lambda t, x: t.nn.functional.silu(x)),
    "F.gelu": (F.gelu, lambda t, x: t.nn.functional.gelu(x, approximate="tanh")),
    "F.softmax_last": (lambda x: F.softmax(x, axis=-1), lambda t, x: t.softmax(x, dim=-1)),
    "F.log_softmax_last": (lambda x: F.log_softmax(x, axis=-1), lambda t, x: t.log_softmax(x, dim=-1)),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda t, a, b: a + b),
    "sub": (lambda a, b: a - b, lambda t, a, b: a - b),
    "mul": (lambda a, b: a * b, lambda t, a, b: a * b),
    "div_safe": (lambda a, b: a / (b * b + 1.0), lambda t, a, b: a / (b * b + 1.0)),
    "F.mse_loss": (F.mse_loss, lambda t, a, b: t.nn.functional.mse_loss(a, b)),  # both arguments get gradients
}


def _applicable_unary(name, shape):
    if name in ("sum_last", "flip_rows"):
        return len(shape) >= 1 and shape[0] > 0
    if name in ("F.softmax_last", "F.log_softmax_last"):
        return len(shape) >= 1
    return True


def _binary_shape(name, left, right):
    """The shape of `name` applied to registers of shapes `left` and `right`; None when it does not apply."""
    if name == "F.mse_loss":  # a loss compares like with like: mse_loss refuses shapes that differ
        return () if left == right else None
    try:
        return np.broadcast_shapes(left, right)
    except ValueError:
        return None


@st.composite
def programs(draw):
    """(input arrays, instructions); instruction = (op name, register indices)."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3))
    inputs = [draw(hnp.arrays(np.float64, shape, elements=st.floats(-1.5, 1.5))) for shape in shapes.input_shapes]
    register_shapes = [a.shape for a in inputs]
    instructions = []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            left = draw(st.integers(0, len(register_shapes) - 1))
            right = draw(st.integers(0, len(register_shapes) - 1))
            name = draw(st.sampled_from(sorted(BINARY)))
            result_shape = _binary_shape(name, register_shapes[left], register_shapes[right])
            if result_shape is None:
                continue
            instructions.append((name, (left, right)))
        else:
            source = draw(st.integers(0, len(register_shapes) - 1))
            name = draw(st.sampled_from([n for n in sorted(UNARY) if _applicable_unary(n, register_shapes[source])]))
            result_shape = _unary_shape(name, register_shapes[source])
            instructions.append((name, (source,)))
        register_shapes.append(result_shape)
    weights = [draw(hnp.arrays(np.float64, shape, elements=st.floats(0.5, 1.5))) for shape in register_shapes]
    return inputs, instructions, weights


def _unary_shape(name, shape):
    if name == "sum_last":
        return shape[:-1] + (1,)
    if name == "mean_all":
        return ()
    if name == "transpose":
        return tuple(reversed(shape))
    return shape


def run_ours(inputs, instructions, weights):
    registers = list(inputs)
    for name, operands in instructions:
        ours = (BINARY if len(operands) == 2 else UNARY)[name][0]
        registers.append(ours(*(registers[i] for i in operands)))
    total = None
    for register, weight in zip(registers, weights):
        term = (register * weight).sum()
        total = term if total is None else total + term
    return total


def run_torch(torch, inputs, instructions, weights):
    registers = list(inputs)
    for name, operands in instructions:
        theirs = (BINARY if len(operands) == 2 else UNARY)[name][1]
        registers.append(theirs(torch, *(registers[i] for i in operands)))
    return sum((register * torch.tensor(weight)).sum() for register, weight in zip(registers, weights))


# Pinned programs: a node reused by both operands, and a 0-d input broadcast against a matrix.
@example(program=([np.array([0.5, -1.0]), np.array(0.3)], [("mul", (0, 0)), ("div_safe", (2, 1))],
                  [np.ones(2), np.ones(()), np.ones(2), np.ones(2)]))
@example(program=([np.array([[0.2, -0.4], [1.0, 0.1]]), np.array(-0.7)], [("transpose", (0,)), ("sub", (1, 2))],
                  [np.ones((2, 2)), np.ones(()), np.ones((2, 2)), np.ones((2, 2))]))
@given(program=programs())
def test_random_programs_match_the_numerical_gradient(program):
    arrays, instructions, weights = program
    inputs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    assert gradcheck(lambda *xs: run_ours(xs, instructions, weights), *inputs, eps=1e-6, atol=1e-6, rtol=1e-4)


@given(program=programs())
def test_random_programs_match_pytorch_float64(program, torch):
    arrays, instructions, weights = program
    ours_inputs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    ours = run_ours(ours_inputs, instructions, weights)
    ours.backward()
    torch_inputs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    theirs = run_torch(torch, torch_inputs, instructions, weights)
    theirs.backward()
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12, atol=1e-12)
    for mine, reference in zip(ours_inputs, torch_inputs):
        np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-10, atol=1e-12)
