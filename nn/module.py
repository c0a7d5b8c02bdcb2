"""`Module`: the base of every network piece, on `Value` and on `Tensor` alike.

A module finds its parameters by looking at its own attributes: a leaf `Tensor`
with `requires_grad=True`, a leaf `Value`, another `Module`, or a list/tuple of those.
Names are dotted paths to them (`layers.0.W`, `neurons.3.w.1`), as in PyTorch, so
`state_dict()` keys say where each number lives. A parameter frozen after it was assigned
(`W.requires_grad = False`) stays a parameter, as in PyTorch and Keras: it is saved,
loaded and moved with the rest; only optimizers leave it alone.

Buffers are numbers a module keeps and saves that are not learnt by gradient descent
(BatchNorm's running mean and variance): `register_buffer` declares them, and
`state_dict`, `load_state_dict`, `save` and `load` keep them beside the parameters.

`to("cuda")` (or any array library: `to(dask.array)`, `to("array_api_strict")`) moves every
parameter and buffer there; a state dict and a saved file always hold host NumPy arrays, and
`load_state_dict` puts the numbers where the module's parameters are.
"""
from __future__ import annotations

import os
import weakref
import zipfile
from pathlib import Path

import numpy as np

from autograd import ShapeError, Tensor, Value
from autograd import value as value_module
from autograd.backend import device_of, is_numpy, move, namespace_of, numpy_namespace, resolve, to_numpy
from autograd.value import clear_grad


class StateFileError(ValueError):
    """A file given to `Module.load` is not a parameter file that `Module.save` wrote."""


def _state_file(path) -> Path:
    """The file `save` writes and `load` reads for `path`: as given, or with `.npz` when it has no suffix."""
    path = Path(path)
    return path if path.suffix else path.with_name(path.name + ".npz")


def _is_trainable_leaf(x) -> bool:
    return isinstance(x, Tensor) and x.requires_grad and not x.parents


def _is_parameter(x, declared: bool) -> bool:
    """A leaf Value, or a leaf Tensor that requires grad or was a parameter when assigned (`declared`) and has
    been frozen since. Results a module keeps are not parameters, even those made under no_grad (leaves too)."""
    if isinstance(x, Tensor):
        return not x.parents and (x.requires_grad or declared)
    return isinstance(x, Value) and not x.parents


def _buffer_numbers(array):
    """A buffer's numbers: a Tensor's array, an array of any library as it is, anything else as NumPy."""
    if isinstance(array, Tensor):
        return array.data
    return np.asarray(array) if isinstance(array, (list, tuple, int, float)) else array


def _like(host: np.ndarray, array):
    """A copy of the host array `host` in the library, device and dtype of `array`."""
    if is_numpy(array):
        return host.astype(array.dtype)
    xp = namespace_of(array)
    return xp.astype(move(np.array(host), xp, device_of(array)), array.dtype)  # a copy: Dask would share `host`


class Module:
    """Base class: subclasses set parameters and sub-modules as attributes and define `forward`."""

    training = True
    _parameters_named = False  # set once the outermost module's first call has named every parameter

    def __setattr__(self, name, value):
        # A trainable leaf (or a list of them) assigned here stays a parameter when frozen later, as a frozen
        # nn.Parameter does in PyTorch: requires_grad = False keeps it in state_dict, save, load and to().
        if _is_trainable_leaf(value) or (isinstance(value, (list, tuple)) and any(map(_is_trainable_leaf, value))):
            self.__dict__.setdefault("_parameter_names", set()).add(name)
        object.__setattr__(self, name, value)

    def __call__(self, *args, **kwargs):
        if not self._parameters_named:
            self.name_parameters()
        outer = value_module.module_call
        # One tuple per call: the nodes it makes say which call made them. A weak reference, so that a module
        # keeping its own output (self.last = y) makes no reference cycle: graphs stay freed by reference counting.
        value_module.module_call = (weakref.ref(self), outer)
        try:
            return self.forward(*args, **kwargs)
        finally:
            value_module.module_call = outer

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    # ---- walking the tree ---------------------------------------------------
    def _children(self):
        """(name, item) for each attribute that holds a parameter, a module, or a list of them (not a buffer)."""
        buffers, declared = vars(self).get("_buffer_names", ()), vars(self).get("_parameter_names", ())
        for name, item in vars(self).items():
            if name.startswith("_") or name in buffers:
                continue
            if isinstance(item, (list, tuple)):
                for index, element in enumerate(item):
                    if isinstance(element, Module) or _is_parameter(element, name in declared):
                        yield f"{name}.{index}", element
            elif isinstance(item, Module) or _is_parameter(item, name in declared):
                yield name, item

    def named_modules(self, prefix: str = ""):
        """(dotted name, module) for this module and every module inside it, depth first."""
        yield prefix, self
        for name, child in self._children():
            if isinstance(child, Module):
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return [module for _, module in self.named_modules()]

    def named_parameters(self, prefix: str = ""):
        """(dotted name, parameter) pairs in definition order; a shared parameter is listed once."""
        seen = set()
        for module_name, module in self.named_modules(prefix):
            for name, child in module._children():
                if not isinstance(child, Module) and id(child) not in seen:
                    seen.add(id(child))
                    yield (f"{module_name}.{name}" if module_name else name), child

    def name_parameters(self) -> None:
        """Name each parameter by its path in this module (`layers.0.W`, `layers.0.neurons.1.w.0`).

        Pictures of graphs then say which weight is which. Runs by itself on a module's first
        call. A parameter's own name is kept unless it is the end of its path (`W` in
        `layers.0.W`: the name a smaller module gave it); so `Tensor(..., name="slope")` stays.
        """
        for path, parameter in self.named_parameters():
            if parameter.name is None or path.endswith("." + parameter.name):
                parameter.name = path
        for module in self.modules():
            module._parameters_named = True

    def parameters(self) -> list:
        """Every parameter (leaf `Tensor`, frozen ones included, or leaf `Value`), in definition order."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self, trainable_only: bool = False) -> int:
        """How many numbers the parameters hold (a `Value` counts one); only those not frozen with `trainable_only`."""
        return sum(int(np.size(p.data)) for p in self.parameters()
                   if not (trainable_only and isinstance(p, Tensor) and not p.requires_grad))

    def register_buffer(self, name: str, array) -> None:
        """Keep `array` as the Tensor attribute `name`, saved in the state dict but not trained (as PyTorch)."""
        self.__dict__.setdefault("_buffer_names", [])
        if name not in self._buffer_names:
            self._buffer_names.append(name)
        array = _buffer_numbers(array)
        setattr(self, name, Tensor(namespace_of(array).asarray(array, copy=True), name=name))

    def named_buffers(self, prefix: str = ""):
        """(dotted name, buffer Tensor) for every buffer of this module and the modules inside it."""
        for module_name, module in self.named_modules(prefix):
            for name in getattr(module, "_buffer_names", ()):
                yield (f"{module_name}.{name}" if module_name else name), getattr(module, name)

    def num_buffer_elements(self) -> int:
        """How many numbers the buffers hold (Keras' "non-trainable params")."""
        return sum(int(b.size) for _, b in self.named_buffers())

    # ---- training helpers ---------------------------------------------------
    def zero_grad(self) -> None:
        """Clear the gradients of all parameters (None for tensors, 0.0 for values)."""
        for p in self.parameters():
            clear_grad(p)

    def train(self, mode: bool = True) -> "Module":
        """Put this module and all inside it in training mode (or evaluation mode with False)."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> "Module":
        """Evaluation mode: the same as `train(False)`."""
        return self.train(False)

    # ---- devices ------------------------------------------------------------
    def to(self, target, device=None) -> "Module":
        """Move every parameter and buffer (and any gradient) to the array library `target`, on `device`;
        return the module itself.

        `target` is what `Tensor.to` takes: a module (numpy, cupy, torch, dask.array, array_api_strict)
        or a name ("numpy", "cpu", "cuda", "torch", "dask", ...). Parameters stay the same leaf objects
        with new numbers (so a graph recorded before refuses to backprop); one already there is left
        alone. Build optimizers after moving, as in PyTorch: their state lives with the parameters.
        A module of `Value` nodes lives on the host only, so it goes nowhere but NumPy.
        """
        for name, p in self._named_state():
            if isinstance(p, Value):
                if resolve(target) is not numpy_namespace:
                    raise TypeError(f"{type(self).__name__}.to({target!r}): {name!r} is a Value, a Python float that "
                                    "lives on the host; only Tensor modules (nn.Linear, ...) move to other libraries")
                continue
            moved = move(p.data, target, device)
            if moved is not p.data:
                p.data = moved
            if p.grad is not None:
                p.grad = p.grad.to(target, device) if isinstance(p.grad, Tensor) else move(p.grad, target, device)
        return self

    # ---- saving and loading -------------------------------------------------
    def state_dict(self) -> dict:
        """A copy of every parameter and buffer as a NumPy array on the host, keyed by its dotted name."""
        return {name: np.array(to_numpy(p.data)) for name, p in self._named_state()}

    def _named_state(self):
        yield from self.named_parameters()
        yield from self.named_buffers()

    def load_state_dict(self, state: dict) -> None:
        """Copy arrays into the parameters and buffers of the same names.

        Every key and shape is checked before anything changes: on a missing or
        unexpected key, a shape mismatch or non-numeric data the model is left
        exactly as it was and the error names what is wrong.
        """
        own = dict(self._named_state())
        missing = [name for name in own if name not in state]
        unexpected = [name for name in state if name not in own]
        buffers = dict(self.named_buffers())
        if missing and not unexpected and all(name in buffers for name in missing):
            raise KeyError(
                f"{type(self).__name__}.load_state_dict: the state dict has every parameter but not the buffers "
                f"{missing} (running statistics, which are saved since buffers were added): without them the "
                "model would predict with fresh statistics; save the trained model again and load that file"
            )
        if missing or unexpected:
            raise KeyError(
                f"{type(self).__name__}.load_state_dict: missing keys {missing}, unexpected keys {unexpected} "
                f"(the model's keys are {list(own)[:8]}{'...' if len(own) > 8 else ''})"
            )
        arrays = {}
        for name, p in own.items():
            value = state[name].data if isinstance(state[name], Tensor) else state[name]
            array = to_numpy(value)
            if array.dtype.kind not in "biuf":
                raise TypeError(f"load_state_dict: {name!r} holds {array.dtype} data; parameters need real numbers")
            if array.shape != np.shape(p.data):
                raise ShapeError(
                    f"load_state_dict: {name!r} has shape {np.shape(p.data)} in the model but "
                    f"{array.shape} in the state dict; nothing was loaded"
                )
            arrays[name] = array
        for name, p in own.items():
            # New numbers for the same parameter object, in its own dtype, library and device; a Tensor's
            # version goes up, so a graph recorded before the load refuses to backprop.
            p.data = _like(arrays[name], p.data) if isinstance(p, Tensor) else float(arrays[name])

    def save(self, path) -> Path:
        """Write the state dict to an `.npz` archive at `path` (a temporary file, then renamed); return its path.

        Any suffix is kept as given (`model.pt` stays `model.pt`, and `load("model.pt")`
        reads it back); a name without a suffix gets `.npz`, in `save` and `load` alike.
        The archive is the one `np.savez` makes, one `NAME.npy` entry per parameter, but written
        here: `np.savez(file, **state)` would take parameters named `file` or `allow_pickle` as its own.
        """
        path = _state_file(path)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with zipfile.ZipFile(temporary, "w", allowZip64=True) as archive:
                for name, array in self.state_dict().items():
                    with archive.open(f"{name}.npy", "w", force_zip64=True) as entry:  # size unknown up front
                        np.lib.format.write_array(entry, array, allow_pickle=False)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        return path

    def load(self, path) -> "Module":
        """Load parameters saved by `save` (read with allow_pickle=False: data only, no code).

        A damaged file, a file of another kind, or one holding pickled Python
        objects raises `StateFileError` and leaves the parameters unchanged.
        """
        path = _state_file(path)
        expected = "an .npz of plain arrays written by Module.save"
        try:
            archive = np.load(path, allow_pickle=False)
        except (ValueError, EOFError, zipfile.BadZipFile) as err:  # NumPy calls any unknown bytes 'pickled'
            raise StateFileError(f"{path} is not {expected}; NumPy could not read it: {err}") from err
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise StateFileError(f"{path} holds a single array of shape {archive.shape}, not {expected}")
        with archive:
            try:
                state = {name: archive[name] for name in archive.files}
            except ValueError as err:  # object arrays: reading them would run pickle
                raise StateFileError(
                    f"{path} holds pickled Python objects, which are refused (allow_pickle=False): "
                    f"a parameter file holds plain arrays only ({err})"
                ) from err
            except (EOFError, OSError, zipfile.BadZipFile) as err:
                raise StateFileError(f"{path} is damaged (truncated or corrupt): {err}") from err
        self.load_state_dict(state)
        return self

    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        children = [(name, child) for name, child in self._children() if isinstance(child, Module)]
        if not children or self.extra_repr():  # a layer that describes itself in one line says it all
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"
