"""Neural networks on top of `autograd`: modules, layers, activations, losses, optimizers, data and training."""
