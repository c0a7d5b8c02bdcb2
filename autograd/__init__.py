"""scratchgrad's engine: a scalar `Value` and a NumPy `Tensor` that record their
computational graph and backpropagate through it by the chain rule.

    >>> from autograd import Value
    >>> apple = Value(100.0, name="apple")
    >>> price = apple * 2 * 1.1
    >>> price.backward()
"""
from .backend import get_num_threads, set_num_threads
from .errors import AnomalyError, BackwardError, DeviceError, GradcheckError, MixedNodeError, ShapeError
from .functional import grad, gradgradcheck, hessian, hvp, value_and_grad
from .graph import detect_anomaly, enable_grad, is_grad_enabled, no_grad, topological_order
from .numerical import gradcheck, numerical_grad
from .ops import concatenate, stack, where
from .tensor import Context, Op, Tensor, as_tensor, is_tensor, numbers_of, tensor, tensor_method
from .value import Value

__all__ = [
    "Value", "Tensor", "tensor", "as_tensor", "is_tensor", "numbers_of", "Op", "Context", "tensor_method",
    "concatenate", "stack", "where",
    "no_grad", "enable_grad", "detect_anomaly", "is_grad_enabled", "topological_order",
    "get_num_threads", "set_num_threads",
    "numerical_grad", "gradcheck", "gradgradcheck", "grad", "value_and_grad", "hessian", "hvp",
    "ShapeError", "BackwardError", "GradcheckError", "AnomalyError", "DeviceError", "MixedNodeError",
]
