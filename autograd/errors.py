"""The named errors of the engine; each message states the shapes, dtypes or values involved."""


class ShapeError(ValueError):
    """An operation got inputs whose shapes do not fit together (matmul, broadcasting, reshape)."""


class BackwardError(RuntimeError):
    """`backward()` was called in a way that cannot give a gradient (non-scalar root, no graph, bad grad)."""


class GradcheckError(AssertionError):
    """Backprop and the numerical derivative disagree beyond the tolerance."""


class AnomalyError(FloatingPointError):
    """Inside `detect_anomaly()`, an op's result or gradient held nan or inf."""


class DeviceError(TypeError):
    """Operands live in different array libraries or on different devices (NumPy and CuPy, two GPUs)."""
