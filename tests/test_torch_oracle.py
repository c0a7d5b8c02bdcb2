"""PyTorch (float64) as the oracle: random composed expressions and the structural ops, forward and
every gradient. Skipped where torch is not installed; CI installs it, so there they always run."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import matmul_operands, output_weights, reduction_axes

from autograd import BackwardError, Tensor, Value, concatenate, stack, where
from autograd.testing import arrays as float_arrays
from autograd.testing import shapes, tensor_program_inputs, value_program_inputs

FORWARD = dict(rtol=1e-10, atol=1e-12)
GRADIENT = dict(rtol=1e-9, atol=1e-11)


def _torch_leaf(torch, array, requires_grad=True):
    return torch.tensor(np.asarray(array, dtype=np.float64), dtype=torch.float64, requires_grad=requires_grad)


def assert_matches_torch(torch, ours, theirs, *arrays):
    """Run `ours` on Tensors and `theirs` on torch tensors made from the same arrays; compare the
    output, then every input's gradient for the same (weighted) upstream gradient."""
    leaves = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    torch_leaves = [_torch_leaf(torch, a) for a in arrays]
    out, torch_out = ours(*leaves), theirs(*torch_leaves)
    assert out.shape == tuple(torch_out.shape)
    np.testing.assert_allclose(out.data, torch_out.detach().numpy(), **FORWARD)
    weights = output_weights(out.shape)
    out.backward(weights)
    torch_out.backward(torch.from_numpy(weights))
    for position, (leaf, torch_leaf) in enumerate(zip(leaves, torch_leaves)):
        np.testing.assert_allclose(leaf.grad, torch_leaf.grad.numpy(), **GRADIENT,
                                   err_msg=f"gradient of input {position}")


# ---- random composed expressions ------------------------------------------------------
@given(case=value_program_inputs())
def test_random_value_expressions_match_pytorch(case, torch):
    program, numbers = case
    program.assume_tame([Value(x) for x in numbers], away_from_kinks=False)  # at kinks both take the same side
    leaves = [Value(x) for x in numbers]
    torch_leaves = [_torch_leaf(torch, x) for x in numbers]
    out = program.output(leaves)
    torch_out = program.output(torch_leaves, torch=True)
    np.testing.assert_allclose(out.data, torch_out.item(), **FORWARD)
    out.backward()
    torch_out.backward()
    for position, (leaf, torch_leaf) in enumerate(zip(leaves, torch_leaves)):
        expected = 0.0 if torch_leaf.grad is None else torch_leaf.grad.item()
        np.testing.assert_allclose(leaf.grad, expected, **GRADIENT, err_msg=f"gradient of input {position}")


@given(case=tensor_program_inputs(), data=st.data())
def test_random_tensor_expressions_match_pytorch(case, data, torch):
    program, arrays = case
    wants_grad = data.draw(st.lists(st.booleans(), min_size=len(arrays), max_size=len(arrays)), label="requires_grad")
    program.assume_tame([Tensor(a) for a in arrays], away_from_kinks=False)
    leaves = [Tensor(a, requires_grad=flag) for a, flag in zip(arrays, wants_grad)]
    torch_leaves = [_torch_leaf(torch, a, flag) for a, flag in zip(arrays, wants_grad)]
    out = program.output(leaves)
    torch_out = program.output(torch_leaves, torch=True)
    assert out.shape == tuple(torch_out.shape)
    np.testing.assert_allclose(out.data, torch_out.detach().numpy(), **FORWARD)
    assert out.requires_grad == torch_out.requires_grad
    weights = output_weights(out.shape)
    if not out.requires_grad:
        with pytest.raises(BackwardError):
            out.backward(weights)
        return
    out.backward(weights)
    torch_out.backward(torch.from_numpy(weights))
    for position, (leaf, torch_leaf) in enumerate(zip(leaves, torch_leaves)):
        # Same gradients, and the same None for inputs that need none or do not reach the output.
        assert (leaf.grad is None) == (torch_leaf.grad is None), f"input {position}"
        if leaf.grad is not None:
            np.testing.assert_allclose(leaf.grad, torch_leaf.grad.numpy(), **GRADIENT,
                                       err_msg=f"gradient of input {position}")


def test_a_second_backward_accumulates_like_pytorch(torch):
    x, w = np.array([0.5, -1.5, 2.0]), np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.25]])
    leaves = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    torch_leaves = _torch_leaf(torch, x), _torch_leaf(torch, w)

    def loss(a, b):
        return ((a @ b).tanh() * (a @ b)).sum()

    out, torch_out = loss(*leaves), loss(*torch_leaves)
    for _ in range(2):
        out.backward()
        torch_out.backward(retain_graph=True)
    for leaf, torch_leaf in zip(leaves, torch_leaves):
        np.testing.assert_allclose(leaf.grad, torch_leaf.grad.numpy(), **GRADIENT)


# ---- structural ops -------------------------------------------------------------------------
@given(operands=matmul_operands())
def test_matmul_matches_pytorch(operands, torch):
    assert_matches_torch(torch, lambda a, b: a @ b, torch.matmul, *operands)


def _torch_dims(axis, ndim):
    return tuple(range(ndim)) if axis is None else axis


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@given(data=st.data())
def test_sum_and_mean_match_pytorch(reduction, data, torch):
    x = data.draw(float_arrays(shapes()), label="x")
    axis = data.draw(reduction_axes(x.ndim), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    assert_matches_torch(torch, lambda t: getattr(t, reduction)(axis, keepdims),
                         lambda t: getattr(torch, reduction)(t, dim=_torch_dims(axis, t.ndim), keepdim=keepdims), x)


@given(data=st.data())
def test_max_with_many_ties_matches_pytorch_amax(data, torch):
    # Elements from {0, 1, 2}: ties everywhere; both engines share the gradient evenly among them.
    x = data.draw(hnp.arrays(np.float64, shapes(), elements=st.sampled_from([0.0, 1.0, 2.0])), label="x")
    axis = data.draw(reduction_axes(x.ndim), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    assert_matches_torch(torch, lambda t: t.max(axis, keepdims),
                         lambda t: torch.amax(t, dim=_torch_dims(axis, t.ndim), keepdim=keepdims), x)


@given(data=st.data())
def test_transpose_and_broadcast_to_match_pytorch(data, torch):
    x = data.draw(float_arrays(shapes()), label="x")
    axes = tuple(a - x.ndim if data.draw(st.booleans()) else a for a in data.draw(st.permutations(range(x.ndim))))
    other = data.draw(hnp.broadcastable_shapes(x.shape, max_dims=4, max_side=3), label="other")
    target = np.broadcast_shapes(x.shape, other)
    assert_matches_torch(torch, lambda t: t.transpose(axes), lambda t: t.permute(axes), x)
    assert_matches_torch(torch, lambda t: t.broadcast_to(target), lambda t: t.broadcast_to(target), x)


@given(data=st.data())
def test_integer_array_indexing_matches_pytorch(data, torch):
    x = data.draw(float_arrays(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)), label="x")
    index_shapes = hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)
    index = data.draw(hnp.integer_array_indices(x.shape, result_shape=index_shapes), label="index")
    torch_index = tuple(torch.from_numpy(i) for i in index)
    assert_matches_torch(torch, lambda t: t[index], lambda t: t[torch_index], x)


@given(data=st.data())
def test_concatenate_stack_and_where_match_pytorch(data, torch):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), label="shape")
    a, b = data.draw(float_arrays(shape), label="a"), data.draw(float_arrays(shape), label="b")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    condition = data.draw(hnp.arrays(bool, shape), label="condition")
    assert_matches_torch(torch, lambda s, t: concatenate([s, t, s], axis=axis),
                         lambda s, t: torch.cat([s, t, s], dim=axis), a, b)
    assert_matches_torch(torch, lambda s, t: stack([s, t], axis=axis), lambda s, t: torch.stack([s, t], dim=axis), a, b)
    assert_matches_torch(torch, lambda s, t: where(condition, s, t),
                         lambda s, t: torch.where(torch.from_numpy(condition), s, t), a, b)
