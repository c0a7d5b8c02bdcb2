"""nn.data: gate tables, generated data sets (seeded), and the DataLoader."""
import numpy as np
import pytest

import nn


def test_gate_tables():
    x, t = nn.data.logic_gate("and")
    assert x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and t.ravel().tolist() == [0, 0, 0, 1]
    x, t = nn.data.xor()
    assert t.shape == (4, 1) and t.ravel().tolist() == [0, 1, 1, 0]
    for name, gate in (("AND", nn.AND), ("NAND", nn.NAND), ("OR", nn.OR), ("XOR", nn.XOR)):
        x, t = nn.data.logic_gate(name)
        assert [gate(row) for row in x] == t.ravel().tolist()
    with pytest.raises(ValueError, match="unknown gate"):
        nn.data.logic_gate("NOR")


def test_moons_are_two_half_circles_and_repeat_with_a_seed():
    x, t = nn.data.moons(200, noise=0.0, seed=1)
    assert x.shape == (200, 2) and sorted(set(t.tolist())) == [0, 1] and np.sum(t == 1) == 100
    outer, inner = x[t == 0], x[t == 1]
    np.testing.assert_allclose(np.hypot(*outer.T), 1.0)  # unit circle, upper half
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1.0, inner[:, 1] - 0.5), 1.0)  # shifted, lower half
    assert np.all(outer[:, 1] >= -1e-12) and np.all(inner[:, 1] <= 0.5 + 1e-12)
    a, b = nn.data.moons(50, seed=3), nn.data.moons(50, seed=3)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], nn.data.moons(50, seed=4)[0])


def test_spiral_has_one_arm_per_class():
    x, t = nn.data.spiral(n_per_class=50, classes=3, seed=0)
    assert x.shape == (150, 2) and np.bincount(t).tolist() == [50, 50, 50]
    assert np.all(np.hypot(*x.T) <= 1.0 + 1e-12)


def test_dataloader_batches_in_order_and_counts_them():
    x, t = np.arange(10).reshape(10, 1), np.arange(10) * 10
    loader = nn.DataLoader(x, t, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [len(xb) for xb, _ in batches] == [4, 4, 2]
    assert np.concatenate([xb for xb, _ in batches]).ravel().tolist() == list(range(10))
    assert all(np.array_equal(xb.ravel() * 10, tb) for xb, tb in batches)
    dropped = nn.DataLoader(x, t, batch_size=4, drop_last=True)
    assert len(dropped) == 2 and [len(xb) for xb, _ in dropped] == [4, 4]
    assert [len(xb) for xb in nn.DataLoader(x, batch_size=5)] == [5, 5]


def test_dataloader_shuffles_every_pass_reproducibly():
    x = np.arange(20)
    first = nn.DataLoader(x, batch_size=20, shuffle=True, seed=7)
    second = nn.DataLoader(x, batch_size=20, shuffle=True, seed=7)
    epochs_a = [next(iter(first)).tolist() for _ in range(2)]
    epochs_b = [next(iter(second)).tolist() for _ in range(2)]
    assert epochs_a == epochs_b and epochs_a[0] != epochs_a[1]
    assert sorted(epochs_a[0]) == list(range(20)) and epochs_a[0] != list(range(20))


def test_dataloader_rejects_mismatched_targets_and_bad_batch_sizes():
    with pytest.raises(ValueError, match="3 samples and 2 targets"):
        nn.DataLoader(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="batch_size"):
        nn.DataLoader(np.zeros(3), batch_size=0)


def test_dataloader_takes_tensors_as_well_as_arrays():
    from autograd import Tensor
    x_batch, t_batch = next(iter(nn.DataLoader(Tensor(np.ones((3, 2))), Tensor([0.0, 1.0, 2.0]), batch_size=2)))
    assert x_batch.shape == (2, 2) and t_batch.tolist() == [0.0, 1.0]
