"""Every public module of `nn`, found by enumerating `nn.__all__`, checked against PyTorch float64 (issue 19).

Each module class needs a spec in SPECS (how to build it, an input, and the PyTorch computation it must
equal) or a one-line reason in NO_SPEC, so a module added later fails
`test_every_public_module_has_a_spec_or_a_reason` until it gets one. Each spec is checked for:

- forward and backward (the input's and every parameter's gradient) against PyTorch, in train and in eval
  mode; in eval after one training batch, so that batch norm's running statistics are not their start values.
  Dropout is compared with its mask fixed: the module is seeded, and PyTorch applies the mask drawn from a
  NumPy generator of that seed (`dropout_reference`, the function sweep's);
- an empty batch (N = 0): the empty output PyTorch gives, zero parameter gradients, the buffers unchanged;
- float32 kept: the output and every gradient stay float32, and agree with PyTorch's float64;
- `save` and `load` with a frozen parameter and buffers: a fresh module loaded from the file gives identical
  outputs;
- a `Module.to` round trip through array_api_strict, with a frozen parameter: the same outputs there and back;
- modes: `summary`, `predict`, `evaluate` and `fit` leave every module in the mode they found it in;
- every constructor argument tried with a wrong type, zero, a negative and a too large value (those of them
  that are not allowed): each answered with SettingError, or ShapeError once the input shows it too large.

The run's summary line gives the counts (tests/conftest.py).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
from test_oracle_sweep import _F, dropout_reference, torch_maxout

import nn
from autograd import ShapeError, Tensor, numbers_of
from autograd.backend import to_numpy
from nn.settings import SettingError

DENSE, IMAGES = (5, 3), (2, 3, 6, 5)
TOLERANCE = dict(rtol=1e-9, atol=1e-11)
FLOAT32 = dict(rtol=2e-5, atol=2e-5)

#: Tallies for the run's summary (tests/conftest.py): all 0 when the sweep did not run.
COUNTS = {"enumerated": 0, "with_spec": 0, "comparisons": 0, "bad_settings": 0}


@dataclass
class Spec:
    """How to build one module (`build(**settings)`), the shape of its input, and `theirs(torch, x, params,
    buffers, training)`: the same computation in PyTorch on leaves `params` laid out as ours, updating the
    torch copies of our `buffers` in training. `bad`: constructor argument -> values that must be refused."""

    name: str
    build: Callable
    input_shape: tuple
    theirs: Callable
    bad: dict = field(default_factory=dict)
    variant: str = ""

    @property
    def id(self) -> str:
        return f"{self.name}:{self.variant}" if self.variant else self.name


def _with(cls, **defaults):
    """A builder of `cls` with `defaults`, any of them overridden by the settings a check passes."""
    return lambda **settings: cls(**{**defaults, **settings})


def _function(f):
    """theirs() for a module with no parameters or buffers: a function of x alone."""
    return lambda torch, x, params, buffers, training: f(torch, x)


SIZE = [2.5, 0, -1]  # a count of features, channels, units: wrong type, zero, negative
KERNEL = [1.5, 0, -2, 99]  # 99: larger than any input here
STRIDE = [1.5, 0, -1]  # any stride >= 1 is allowed (it just skips pixels)
PROBABILITY = ["0.5", -0.1, 1.5]  # zero is allowed (no dropout, momentum 0 keeps the statistics)
DTYPE = [np.int64, "bogus"]  # weights are floating
INIT = [-0.1, 0.0, "bogus"]  # a standard deviation must be positive, a name one of nn.init's


def _batch_norm(torch, x, params, buffers, training, momentum=0.1, eps=1e-5):
    weight, bias = params
    running_mean, running_var = buffers
    return _F(torch).batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps)


def _cumulative_batch_norm(torch, x, params, buffers, training):
    """momentum=None as torch.nn.BatchNorm1d does it: batch k moves the statistics by 1 / k."""
    *statistics, count = buffers
    if training:
        count += 1
    return _batch_norm(torch, x, params, statistics, training, momentum=1.0 / max(count.item(), 1.0))


def _activation(name, torch_function, bad=None, **settings):
    return Spec(name, _with(getattr(nn, name), **settings), DENSE, _function(torch_function), bad or {})


def _sequential(torch, x, params, buffers, training):
    W1, b1, weight, bias, W2, b2 = params
    h = _batch_norm(torch, x @ W1 + b1, [weight, bias], buffers, training).relu()
    return (dropout_reference(torch, h) if training else h) @ W2 + b2


SPECS = [
    Spec("Linear", _with(nn.Linear, in_features=3, out_features=2), DENSE,
         lambda torch, x, params, buffers, training: x @ params[0] + params[1],
         {"in_features": SIZE + [99], "out_features": SIZE, "dtype": DTYPE, "init": INIT,
          "activation": ["bogus", 1]}),
    Spec("Maxout", _with(nn.Maxout, in_features=3, out_features=2, pieces=3), DENSE,
         lambda torch, x, params, buffers, training: torch_maxout(torch, x, *params),
         {"in_features": SIZE + [99], "out_features": SIZE, "pieces": SIZE, "dtype": DTYPE, "init": INIT}),
    Spec("Flatten", nn.Flatten, IMAGES, _function(lambda torch, x: torch.flatten(x, 1))),
    Spec("Conv2d", _with(nn.Conv2d, in_channels=3, out_channels=4, kernel_size=3, padding=1), IMAGES,
         lambda torch, x, params, buffers, training: _F(torch).conv2d(x, *params, padding=1),
         {"in_channels": SIZE + [99], "out_channels": SIZE, "kernel_size": KERNEL, "stride": STRIDE,
          "padding": [1.5, -1], "dtype": DTYPE, "init": INIT}),
    Spec("ConvTranspose2d", _with(nn.ConvTranspose2d, in_channels=3, out_channels=2, kernel_size=3, stride=2,
                                  padding=1), IMAGES,
         lambda torch, x, params, buffers, training: _F(torch).conv_transpose2d(x, *params, stride=2, padding=1),
         {"in_channels": SIZE + [99], "out_channels": SIZE, "kernel_size": KERNEL[:3], "stride": STRIDE,
          "padding": [1.5, -1, 99], "dtype": DTYPE, "init": INIT}),  # padding 99 would crop the whole output
    Spec("MaxPool2d", _with(nn.MaxPool2d, kernel_size=2), IMAGES,
         _function(lambda torch, x: _F(torch).max_pool2d(x, 2)),
         {"kernel_size": KERNEL, "stride": STRIDE, "padding": [1.5, -1, 2]}),  # 2: more than half the kernel
    Spec("AvgPool2d", _with(nn.AvgPool2d, kernel_size=3, stride=1, padding=1), IMAGES,
         _function(lambda torch, x: _F(torch).avg_pool2d(x, 3, 1, 1)),
         {"kernel_size": KERNEL, "stride": STRIDE, "padding": [1.5, -1, 2]}),
    Spec("Dropout", _with(nn.Dropout, p=0.5, seed=0), DENSE,
         lambda torch, x, params, buffers, training: dropout_reference(torch, x) if training else x,
         {"p": PROBABILITY}),
    Spec("BatchNorm1d", _with(nn.BatchNorm1d, num_features=3), DENSE, _batch_norm,
         {"num_features": SIZE + [99], "momentum": PROBABILITY, "eps": ["1e-5", 0.0, -1e-5], "dtype": DTYPE}),
    Spec("BatchNorm1d", _with(nn.BatchNorm1d, num_features=3, momentum=None), DENSE, _cumulative_batch_norm,
         variant="cumulative"),
    Spec("BatchNorm2d", _with(nn.BatchNorm2d, num_features=3), IMAGES, _batch_norm,
         {"num_features": SIZE + [99], "momentum": PROBABILITY, "eps": ["1e-5", 0.0, -1e-5], "dtype": DTYPE}),
    Spec("PReLU", _with(nn.PReLU, num_parameters=3), DENSE,
         lambda torch, x, params, buffers, training: _F(torch).prelu(x, params[0]),
         {"num_parameters": SIZE + [99], "init": ["0.25"], "dtype": DTYPE}),
    Spec("Sequential", lambda: nn.Sequential(nn.Linear(3, 4, seed=0), nn.BatchNorm1d(4), nn.ReLU(),
                                             nn.Dropout(0.5, seed=0), nn.Linear(4, 2, seed=1)), DENSE, _sequential),
    _activation("Identity", lambda torch, x: x),
    _activation("Step", lambda torch, x: (x > 0).to(x.dtype)),
    _activation("Sigmoid", lambda torch, x: torch.sigmoid(x)),
    _activation("Tanh", lambda torch, x: torch.tanh(x)),
    _activation("ReLU", lambda torch, x: torch.relu(x)),
    _activation("LeakyReLU", lambda torch, x: _F(torch).leaky_relu(x, 0.2), {"negative_slope": ["0.2"]},
                negative_slope=0.2),
    _activation("ELU", lambda torch, x: _F(torch).elu(x, 0.5), {"alpha": ["0.5"]}, alpha=0.5),
    _activation("SELU", lambda torch, x: _F(torch).selu(x)),
    _activation("GELU", lambda torch, x: _F(torch).gelu(x, approximate="tanh")),  # ours is the tanh form
    _activation("Softplus", lambda torch, x: _F(torch).softplus(x)),
    _activation("Softsign", lambda torch, x: _F(torch).softsign(x)),
    _activation("Swish", lambda torch, x: _F(torch).silu(x)),
    _activation("HardSigmoid", lambda torch, x: torch.clamp(0.2 * x + 0.5, 0.0, 1.0)),  # Keras' slope, not PyTorch's
    _activation("Exponential", lambda torch, x: torch.exp(x)),
    _activation("Softmax", lambda torch, x: torch.softmax(x, 0), {"axis": [1.5, 2, -3]}, axis=0),
    _activation("LogSoftmax", lambda torch, x: torch.log_softmax(x, -1), {"axis": [1.5, 2, -3]}),
]

VALUE_MODULE = "a module of Value nodes (one sample of Python floats): no batch, dtype or array library; " \
    "its forward and backward are checked in test_oracle_sweep.py"
NO_SPEC = {
    "Module": "the abstract base of modules",
    "Perceptron": "a step-function perceptron on Python numbers, 0 or 1: nothing to differentiate",
    "AND": "a Perceptron gate", "NAND": "a Perceptron gate", "OR": "a Perceptron gate",
    "XOR": "two layers of Perceptron gates (a function)",
    "Neuron": VALUE_MODULE, "Layer": VALUE_MODULE, "MLP": VALUE_MODULE,
}


def enumerate_modules() -> list:
    """The names in nn.__all__ that are modules: Module classes, module instances (the gates) and functions
    that build them (XOR)."""
    def is_module(obj):
        return (inspect.isclass(obj) and issubclass(obj, nn.Module)) or isinstance(obj, nn.Module) \
            or (inspect.isfunction(obj) and obj.__module__ in ("nn.scalar", "nn.layers"))
    return [name for name in nn.__all__ if is_module(getattr(nn, name))]


ENUMERATED = enumerate_modules()
COUNTS["enumerated"] = len(ENUMERATED)
COUNTS["with_spec"] = len({spec.name for spec in SPECS} & set(ENUMERATED))


def test_every_public_module_has_a_spec_or_a_reason():
    named = {spec.name for spec in SPECS}
    assert {"Linear", "Conv2d", "BatchNorm2d", "Sequential", "XOR"} <= set(ENUMERATED)  # the list is not empty
    missing = sorted(set(ENUMERATED) - named - set(NO_SPEC))
    assert not missing, f"modules in nn.__all__ with neither a spec (SPECS) nor a reason (NO_SPEC): {missing}"
    assert not named & set(NO_SPEC), f"in both SPECS and NO_SPEC: {sorted(named & set(NO_SPEC))}"
    assert not (named | set(NO_SPEC)) - set(ENUMERATED), "specs or reasons for names that are no longer public"


# ---- running a module here and in PyTorch ------------------------------------------------------------
def _input(spec, batch=None, seed=0, dtype=np.float64):
    shape = spec.input_shape if batch is None else (batch, *spec.input_shape[1:])
    return np.random.default_rng(seed).uniform(-2.0, 2.0, shape).astype(dtype)


def _state(module):
    """The module's parameters and buffers as arrays, in its own order."""
    return [p.data for p in module.parameters()], [b.data for _, b in module.named_buffers()]


def _in_dtype(module, dtype):
    for _, p in module._named_state():
        p.data = np.asarray(p.data).astype(dtype)
    return module


def _run_ours(module, x, training, weights):
    """Our output and the gradients of the input and every parameter for upstream gradient `weights`."""
    module.train(training)
    leaf = Tensor(x, requires_grad=True)
    y = module(leaf)
    grads = None
    if y.requires_grad:
        y.backward(weights.astype(y.dtype))
        grads = [leaf.grad] + [p.grad for p in module.parameters()]
    return y, grads


def _run_theirs(torch, spec, module, x, training, weights):
    """PyTorch's output and gradients for the module's current parameters and buffers (copies of them)."""
    params, buffers = _state(module)
    params = [torch.tensor(np.asarray(p, dtype=np.float64), requires_grad=True) for p in params]
    buffers = [torch.tensor(np.asarray(b, dtype=np.float64)) for b in buffers]
    leaf = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y = spec.theirs(torch, leaf, params, buffers, training)
    grads = None
    if y.requires_grad:
        y.backward(torch.from_numpy(weights))
        grads = [leaf.grad] + [p.grad for p in params]
    return y, grads, buffers


def _close(ours, theirs, what, tolerance=TOLERANCE):
    COUNTS["comparisons"] += 1
    ours = np.zeros(np.shape(theirs)) if ours is None else to_numpy(numbers_of(ours))
    theirs = np.zeros(np.shape(ours)) if theirs is None else theirs.detach().numpy()
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, PyTorch {theirs.shape}"
    np.testing.assert_allclose(ours.astype(np.float64), theirs, err_msg=what, **tolerance)


def _compare(torch, spec, module, x, training, tolerance=TOLERANCE):
    """Forward and backward of `module` on x against PyTorch, and the buffers after; returns our output."""
    weights = _upstream(spec, x)
    theirs, their_grads, their_buffers = _run_theirs(torch, spec, module, x, training, weights)
    ours, our_grads = _run_ours(module, x, training, weights)
    _close(ours, theirs, f"{spec.id} output", tolerance)
    if their_grads is not None or our_grads is not None:  # one without a graph (Step's) has zero gradients
        count = len(our_grads or their_grads)
        for i, (a, b) in enumerate(zip(our_grads or [None] * count, their_grads or [None] * count)):
            _close(a, b, f"{spec.id} gradient {'of x' if i == 0 else f'of parameter {i - 1}'}", tolerance)
    for (name, ours_buffer), theirs_buffer in zip(module.named_buffers(), their_buffers):
        _close(ours_buffer, theirs_buffer, f"{spec.id} buffer {name}", tolerance)
    return ours


def _upstream(spec, x):
    """A fixed upstream gradient of the output's shape (the shape from a fresh module in eval mode)."""
    return np.random.default_rng(1).uniform(0.5, 1.5, spec.build().eval()(x).shape)


def _warmed(spec):
    """A module after one training batch (different from the checked one): its running statistics have moved."""
    module = spec.build()
    with_statistics = list(module.named_buffers())
    if with_statistics:
        module.train()(_input(spec, seed=7))
    return module


@pytest.fixture(params=SPECS, ids=[spec.id for spec in SPECS])
def spec(request):
    return request.param


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_forward_and_backward_match_pytorch(spec, training, torch):
    _compare(torch, spec, spec.build() if training else _warmed(spec), _input(spec), training)


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_an_empty_batch_gives_what_pytorch_gives(spec, training, torch):
    y = _compare(torch, spec, spec.build(), _input(spec, batch=0), training)
    assert y.shape[0] == 0


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_float32_stays_float32_and_matches_pytorch(spec, training, torch):
    def build():  # fresh in training, so that dropout's first mask is the one PyTorch is given
        return _in_dtype(spec.build() if training else _warmed(spec), np.float32)
    module, x = build(), _input(spec, dtype=np.float32)
    y, grads = _run_ours(module, x, training, _upstream(spec, x))
    assert y.dtype == np.float32, f"{spec.id}: output {y.dtype}"
    assert all(to_numpy(numbers_of(g)).dtype == np.float32 for g in grads if g is not None), spec.id
    assert all(b.dtype == np.float32 for _, b in module.named_buffers()), f"{spec.id}: a buffer changed dtype"
    _compare(torch, spec, build(), x, training, FLOAT32)


def _trained_and_frozen(spec):
    """The module with every parameter and buffer moved off its start values, and its first parameter frozen."""
    module, rng = _warmed(spec), np.random.default_rng(3)
    for p in module.parameters():
        p.data = p.data + rng.normal(0.0, 0.1, p.shape)
    for _, b in module.named_buffers():
        b.data = b.data * rng.uniform(0.5, 1.5, b.shape) + rng.uniform(0.0, 0.2, b.shape)
    if module.parameters():
        module.parameters()[0].requires_grad = False
    return module.eval()


def test_save_and_load_keep_every_parameter_buffer_and_frozen_parameter(spec, tmp_path):
    module, x = _trained_and_frozen(spec), _input(spec)
    state = module.state_dict()
    assert len(state) == len(module.parameters()) + len(list(module.named_buffers()))
    fresh = spec.build().load(module.save(tmp_path / "module"))
    COUNTS["comparisons"] += 1
    np.testing.assert_array_equal(fresh.eval()(x).data, module(x).data, err_msg=spec.id)
    assert all(np.array_equal(fresh.state_dict()[name], array) for name, array in state.items())


def test_module_to_array_api_strict_and_back(spec):
    xp = pytest.importorskip("array_api_strict")
    module, x = _trained_and_frozen(spec), _input(spec)
    expected = module(x).data
    module.to(xp)
    assert all(type(p.data).__module__.startswith("array_api_strict") for _, p in module._named_state()), spec.id
    COUNTS["comparisons"] += 2
    np.testing.assert_allclose(to_numpy(module(xp.asarray(x)).data), expected, rtol=1e-12, err_msg=spec.id)
    module.to("numpy")
    np.testing.assert_array_equal(module(x).data, expected, err_msg=spec.id)


@pytest.mark.parametrize("start", ["train", "eval"])
def test_every_method_that_switches_the_mode_puts_it_back(spec, start):
    module, x = spec.build(), _input(spec, batch=4)
    model = nn.Sequential(module)
    trainable = any(p.requires_grad for p in model.parameters())
    model.compile(loss="mse", optimizer="sgd" if trainable else nn.optim.SGD([Tensor([0.0], requires_grad=True)]))
    target = model.eval().predict(x)
    getattr(model, start)()
    calls = {"summary": lambda: model.summary(input_shape=x.shape[1:], print_fn=None),
             "predict": lambda: model.predict(x), "evaluate": lambda: model.evaluate(x, target)}
    if trainable:
        calls["fit"] = lambda: model.fit(x, target, batch_size=2, verbose=0, validation_data=(x, target))
    for method, call in calls.items():
        call()
        assert all(m.training == (start == "train") for m in model.modules()), f"{spec.id}: {method} left a mode"


BAD = [(spec, setting, value) for spec in SPECS for setting, values in spec.bad.items() for value in values]


@pytest.mark.parametrize("spec, setting, value", BAD, ids=[f"{s.id}-{n}={v!r}" for s, n, v in BAD])
def test_a_bad_constructor_argument_gets_a_named_error(spec, setting, value):
    COUNTS["bad_settings"] += 1
    try:
        module = spec.build(**{setting: value})
    except SettingError as error:
        assert setting in str(error) and repr(value) in str(error), str(error)
        return
    with pytest.raises(ShapeError):  # a value too large for the input, which only the input shows
        module(_input(spec))


def test_the_bad_arguments_cover_every_setting_of_the_modules_with_settings():
    """Each spec's module's constructor arguments that are settings (not dtype, seed, name, init, bias, ...)
    are tried: a setting added to a module later fails here until the spec tries it."""
    not_settings = {"self", "seed", "name", "bias", "input_shape"}  # seeds and names: NumPy's and free
    for spec in SPECS:
        cls = getattr(nn, spec.name)
        if spec.variant or cls is nn.Sequential:
            continue
        parameters = inspect.signature(cls.__init__).parameters.values()
        settings = {p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)} - not_settings
        assert settings <= set(spec.bad), f"{spec.id}: settings never tried with bad values: {settings - set(spec.bad)}"
