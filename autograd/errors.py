"""The named errors of the engine; each message states the shapes, dtypes or values involved."""


class ShapeError(ValueError):
    """An operation got inputs whose shapes do not fit together (matmul, broadcasting, reshape)."""


class BackwardError(RuntimeError):
    """`backward()` was called in a way that cannot give a gradient (non-scalar root, no graph, bad grad)."""


class GradcheckError(AssertionError):
    """Backprop and the numerical derivative disagree beyond the tolerance."""


class AnomalyError(FloatingPointError):
    """Inside `detect_anomaly()`, an op's result or gradient held nan or inf."""


class MixedNodeError(TypeError):
    """A `Value` and a `Tensor` met in one operation (`Tensor * Value`, `Value + Tensor`, `Tensor([v, w])`)."""

    advice = ("a Value is one number with a graph of its own and a Tensor an array with another, so the two do "
              "not mix: keep to one kind (Tensors throughout, as nn.Linear; Values throughout, as nn.MLP), "
              "or use the Value's number as a constant, Tensor(v.data) (no gradient then flows back to v)")


class DeviceError(TypeError):
    """Operands live in different array libraries or on different devices (NumPy and CuPy, two GPUs)."""
