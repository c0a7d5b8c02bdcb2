"""Every optimizer of `nn.optim` against its `torch.optim` counterpart (float64), step by step (issue 19).

The optimizers are found by enumerating `nn.optim`, so a new one fails
`test_every_optimizer_has_a_torch_counterpart` until it gets one. Each runs 20 steps on the same
small network as its counterpart, with and without weight decay, and with three parameters an
optimizer must leave alone as PyTorch does: a frozen one (requires_grad=False), one the loss never
uses (its grad stays None), and one used only on even steps (Adam then counts its steps apart).
Every setting of every optimizer (found from its signature) refuses a wrong type, a negative value,
and a zero or too large one where those are not allowed, with a SettingError that names it.
"""
import inspect

import numpy as np
import pytest

from autograd import Tensor, numbers_of
from nn import optim
from nn.settings import SettingError

STEPS = 20
TOLERANCE = dict(rtol=1e-10, atol=1e-12)

#: Each optimizer's settings (ours) and its torch.optim class with the same settings in PyTorch's names.
COUNTERPARTS = {
    "SGD": [({"lr": 0.1}, "SGD", {"lr": 0.1}),
            ({"lr": 0.1, "momentum": 0.8}, "SGD", {"lr": 0.1, "momentum": 0.8})],
    "Momentum": [({"lr": 0.05, "momentum": 0.9}, "SGD", {"lr": 0.05, "momentum": 0.9})],  # the book's form, same steps
    "Nesterov": [({"lr": 0.05, "momentum": 0.9}, "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True})],
    "AdaGrad": [({"lr": 0.2}, "Adagrad", {"lr": 0.2, "eps": 1e-7})],
    "RMSProp": [({"lr": 0.01, "decay_rate": 0.9}, "RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-7})],
    "Adam": [({"lr": 0.05}, "Adam", {"lr": 0.05}),
             ({"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 1e-6}, "Adam",
              {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-6})],
}


def enumerate_optimizers() -> list:
    return sorted(name for name, obj in vars(optim).items()
                  if inspect.isclass(obj) and issubclass(obj, optim.Optimizer) and obj is not optim.Optimizer)


def test_every_optimizer_has_a_torch_counterpart():
    enumerated = enumerate_optimizers()
    assert {"SGD", "Adam", "Nesterov"} <= set(enumerated)  # the enumeration itself finds them
    assert set(enumerated) == set(COUNTERPARTS), f"without a counterpart: {set(enumerated) - set(COUNTERPARTS)}"
    assert set(optim.OPTIMIZERS.values()) <= {getattr(optim, name) for name in enumerated}


CASES = [(name, ours, torch_name, theirs, decay) for name, settings in COUNTERPARTS.items()
         for ours, torch_name, theirs in settings for decay in (0.0, 0.01)]


def _start(rng):
    """W, b, frozen, unused, sometimes: the network's parameters and the ones an optimizer must skip or wait for."""
    return [rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=2), rng.normal(size=3), rng.normal(size=2)]


def _loss(x, W, b, frozen, sometimes, step, tanh):
    loss = (tanh(x @ W + b) * frozen).sum()
    return loss + (sometimes * sometimes).sum() if step % 2 == 0 else loss


@pytest.mark.parametrize("name, ours, torch_name, theirs, decay", CASES,
                         ids=[f"{c[0]}-{'-'.join(f'{k}={v}' for k, v in c[1].items())}-decay={c[4]}" for c in CASES])
def test_twenty_steps_match_torch_optim(name, ours, torch_name, theirs, decay, torch):
    rng = np.random.default_rng(0)
    x, start = rng.normal(size=(4, 3)), _start(rng)
    our_params = [Tensor(a, requires_grad=True) for a in start]
    their_params = [torch.tensor(a, requires_grad=True) for a in start]
    our_params[2].requires_grad = False  # frozen: in the optimizer's list, left alone
    their_params[2].requires_grad_(False)
    our_optimizer = getattr(optim, name)(our_params, weight_decay=decay, **ours)
    their_optimizer = getattr(torch.optim, torch_name)(their_params, weight_decay=decay, **theirs)
    for step in range(STEPS):
        our_optimizer.zero_grad()
        W, b, frozen, _, sometimes = our_params
        _loss(x, W, b, frozen, sometimes, step, lambda z: z.tanh()).backward()
        our_optimizer.step()
        their_optimizer.zero_grad()
        W, b, frozen, _, sometimes = their_params
        _loss(torch.from_numpy(x), W, b, frozen, sometimes, step, torch.tanh).backward()
        their_optimizer.step()
        for i, (a, t) in enumerate(zip(our_params, their_params)):
            np.testing.assert_allclose(numbers_of(a), t.detach().numpy(), err_msg=f"parameter {i} after step {step}",
                                       **TOLERANCE)
    np.testing.assert_array_equal(numbers_of(our_params[2]), start[2])  # frozen
    np.testing.assert_array_equal(numbers_of(our_params[3]), start[3])  # no gradient, ever


#: Settings past their upper bound: a momentum or decay of 1 or more never forgets a gradient.
TOO_LARGE = {("Momentum", "momentum"): 1.0, ("Nesterov", "momentum"): 1.5, ("RMSProp", "decay_rate"): 1.0,
             ("Adam", "beta1"): 1.0, ("Adam", "beta2"): 2.0}
SETTINGS = [(name, setting, value) for name in enumerate_optimizers()
            for setting in inspect.signature(getattr(optim, name).__init__).parameters
            if setting not in ("self", "params")
            for value in ["0.1", None, -1.0] + ([0.0] if setting == "lr" else [])
            + ([TOO_LARGE[name, setting]] if (name, setting) in TOO_LARGE else [])]


@pytest.mark.parametrize("name, setting, value", SETTINGS, ids=[f"{n}-{s}={v!r}" for n, s, v in SETTINGS])
def test_every_setting_of_every_optimizer_refuses_a_wrong_type_or_value_by_name(name, setting, value):
    with pytest.raises(SettingError, match=f"{name}: {setting} must be .*; got {value!r}"):
        getattr(optim, name)([Tensor(np.ones(2), requires_grad=True)], **{setting: value})
