"""Convolution and pooling (the book's ch. 7) as ops: each one's forward and backward side by side.

Images are NCHW (batch, channels, height, width). The book's trick: im2col lays every
kernel-sized window of the input out in a line, so a convolution is one matrix product, and
col2im, its adjoint, adds each line back where its window came from. Both are fused ops here
(Unfold and Fold), each the other's backward; Conv2d is a matrix product with Unfold's result,
made a few images at a time, and its backward is built from them, so it is differentiable to
any order. Max pooling is one fused op, whose backward routes the gradient to each window's
largest element. The protocol is `Op`'s (tensor.py).

Arrays of any Array API library work (`xp = namespace_of(x)`, as in ops.py): the windows of
images and their adjoint come from the namespace (`xp.windows`, `xp.add_windows`: strided views on
NumPy, one strided slice per kernel position elsewhere), and so does the sharing of a batch among
threads (`xp.map_pieces`: on NumPy as many threads as `autograd.get_num_threads()`).
"""
from __future__ import annotations

import functools
import math
import operator

from .backend import batch_slices, device_of, namespace_of, window_counts, window_places
from .tensor import Op

# Numbers in each piece of an unfold matrix that Conv2d makes at a time (4 MiB in float64): a piece that stays
# in cache is faster than the whole batch's matrix (BENCHMARKS.md, section 10, has the sizes tried).
UNFOLD_PIECE = 2 ** 19


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """How many windows of `kernel` fit along an axis of `size` padded by `padding` on both sides, `stride` apart."""
    return (size + 2 * padding - kernel) // stride + 1


def _output_size(shape, kernel, stride, padding) -> tuple:
    """(OH, OW): how many windows fit along the height and the width of images of `shape` (N, C, H, W)."""
    return window_counts(_padded_shape(shape, padding), kernel, stride)


def _padded_shape(shape, padding) -> tuple:
    batch, channels, height, width = shape
    return batch, channels, height + 2 * padding[0], width + 2 * padding[1]


def _pad_images(x, padding, value=0.0):
    """x with `padding` rows and columns of `value` around each image (x itself when there is none)."""
    if padding == (0, 0):
        return x
    height, width = x.shape[2], x.shape[3]
    # One fill and one copy: np.pad's own bookkeeping doubled the time on Conv2d's pieces of a batch.
    out = namespace_of(x).full(_padded_shape(x.shape, padding), value, dtype=x.dtype, device=device_of(x))
    out[:, :, padding[0]:padding[0] + height, padding[1]:padding[1] + width] = x
    return out


def _joined(xp, pieces):
    """The pieces of a batch as one array (the piece itself when there is one)."""
    return pieces[0] if len(pieces) == 1 else xp.concat(pieces)


def _crop_padding(padded, padding):
    height, width = padded.shape[2], padded.shape[3]
    return padded[:, :, padding[0]:height - padding[0], padding[1]:width - padding[1]]


class Unfold(Op):
    """im2col: every window of (N, C, H, W) as a column, (N, C * kh * kw, OH * OW) (PyTorch's unfold).

    Columns rather than the book's rows: W (F, C * kh * kw) @ unfold(x) is (N, F, OH * OW), already
    in NCHW order, so a convolution needs no transposed copy and the ops after it read memory in
    order (rows would leave an (N, OH, OW, F) result). The book's row layout, `nn.functional.im2col`,
    is a transpose of this. Its backward is Fold, the adjoint: <unfold(x), c> = <x, fold(c)>.
    """

    name = "unfold"

    def __init__(self, kernel, stride, padding):
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, ctx, x):
        xp = namespace_of(x)
        windows = xp.windows(_pad_images(x, self.padding), self.kernel, self.stride)  # (N, C, OH, OW, kh, kw)
        batch, channels, rows, cols = windows.shape[:4]
        # Sizes spelt out, not -1, which cannot be worked out for an empty batch; the one copy.
        return xp.reshape(xp.permute_dims(windows, (0, 1, 4, 5, 2, 3)),
                          (batch, channels * self.kernel[0] * self.kernel[1], rows * cols))

    def backward(self, ctx, g, x, out):
        return (Fold(x.shape, self.kernel, self.stride, self.padding)(g),)


class Fold(Op):
    """col2im: columns of windows back to (N, C, H, W), overlapping windows added up; the adjoint of
    Unfold, and its backward is Unfold."""

    name = "fold"

    def __init__(self, input_shape, kernel, stride, padding):
        self.input_shape, self.kernel, self.stride, self.padding = tuple(input_shape), kernel, stride, padding

    def forward(self, ctx, columns):
        batch, channels = self.input_shape[:2]
        rows, cols = _output_size(self.input_shape, self.kernel, self.stride, self.padding)
        xp = namespace_of(columns)
        windows = xp.permute_dims(xp.reshape(columns, (batch, channels) + self.kernel + (rows, cols)),
                                  (0, 1, 4, 5, 2, 3))
        padded = xp.add_windows(windows, _padded_shape(self.input_shape, self.padding), self.stride)
        return _crop_padding(padded, self.padding)

    def backward(self, ctx, g, columns, out):
        return (Unfold(self.kernel, self.stride, self.padding)(g),)


class Conv2d(Op):
    """conv2d: W (F, C, kh, kw) reshaped to (F, C * kh * kw), times unfold(x) (the book's im2col, ch. 7),
    plus the bias b (F,) when given, as images (N, F, OH, OW).

    Fused for memory and speed: the unfold matrix, kh * kw times the size of x, is made a few
    images at a time and never kept (backward unfolds x again), and the bias, added inside, keeps
    no extra copy of the output: less peak memory and a faster step than unfold, matmul and add as
    separate ops, for a slower backward (BENCHMARKS.md, section 10). Backward: d x is fold(W^T g),
    d W is g unfold(x)^T summed over the batch, d b is g summed over everything but the channels,
    all from Unfold, Fold and matrix products, so conv2d is differentiable to any order.
    """

    name = "conv2d"

    def __init__(self, kernel, stride, padding):
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def _pieces(self, x, threads: int) -> list:
        """Slices of the batch whose unfold matrices hold at most about UNFOLD_PIECE numbers each, as many for
        each of the namespace's threads."""
        rows, cols = _output_size(x.shape, self.kernel, self.stride, self.padding)
        images_per_piece = max(1, UNFOLD_PIECE // (x.shape[1] * self.kernel[0] * self.kernel[1] * rows * cols))
        return batch_slices(x.shape[0], -(-x.shape[0] // (images_per_piece * threads)) * threads) or [slice(0, 0)]

    def forward(self, ctx, x, W, b=None):
        xp = namespace_of(x, W)
        unfold, weights = Unfold(self.kernel, self.stride, self.padding), xp.reshape(W, (W.shape[0], -1))
        rows, cols = _output_size(x.shape, self.kernel, self.stride, self.padding)
        out = xp.empty((x.shape[0], W.shape[0], rows * cols), dtype=xp.result_type(x, W), device=device_of(x))

        def convolve(piece):
            # Unfold's column layout makes each product (n, F, OH * OW), already NCHW: no transposed copy.
            product = weights @ unfold(x[piece, ...])
            if b is not None:
                product += xp.reshape(b, (-1, 1))
            out[piece, ...] = product

        xp.map_pieces(convolve, self._pieces(x, xp.threads))
        return xp.reshape(out, (x.shape[0], W.shape[0], rows, cols))

    def backward(self, ctx, g, x, W, *bias_and_out):
        need_x, need_W = ctx.needs_input_grad[:2]
        xp = namespace_of(g)
        g = xp.reshape(g, (g.shape[0], g.shape[1], g.shape[2] * g.shape[3]))  # (N, F, OH * OW), even for N = 0
        weights = xp.reshape(W, (W.shape[0], -1))
        unfold = Unfold(self.kernel, self.stride, self.padding)

        def piece_gradients(piece):  # d x and d W (as (F, C * kh * kw)) of a few images, as forward makes them
            part_g, part_x = g[piece, ...], x[piece, ...]
            # d W first, so that its unfold matrix is gone before W^T g (as large) is made.
            part_W = xp.sum(part_g @ xp.permute_dims(unfold(part_x), (0, 2, 1)), axis=0) if need_W else None
            fold = Fold(part_x.shape, self.kernel, self.stride, self.padding)
            return fold(weights.T @ part_g) if need_x else None, part_W

        parts_x, parts_W = zip(*xp.map_pieces(piece_gradients, self._pieces(x, xp.threads)))
        grads = (_joined(xp, parts_x) if need_x else None,
                 xp.reshape(functools.reduce(operator.add, parts_W), W.shape) if need_W else None)
        if len(bias_and_out) == 1:  # no bias
            return grads
        return grads + (xp.sum(g, axis=(0, 2)) if ctx.needs_input_grad[2] else None,)


class MaxPool2d(Op):
    """The largest number of each window (padding counts as -inf): max pooling (ch. 7).

    Fused for speed: one pass finds each window's largest element and keeps where it was. On
    ties the first in the window (row by row) takes the whole gradient, as in PyTorch, and a nan
    counts as the largest. Backward routes g to those places (RouteToMax, a linear op).
    """

    name = "max_pool2d"

    def __init__(self, kernel, stride, padding):
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, ctx, x):
        xp = namespace_of(x)
        parts = xp.map_pieces(lambda piece: self._largest_and_chosen(x[piece, ...]),
                              batch_slices(x.shape[0], xp.threads) or [slice(0, 0)])
        largest, ctx.saved = (_joined(xp, pieces) for pieces in zip(*parts))
        return largest

    def _largest_and_chosen(self, x) -> tuple:
        """Each window's largest number, and its position in the window (row by row)."""
        xp, device = namespace_of(x), device_of(x)
        padded = _pad_images(x, self.padding, -math.inf)
        rows, cols = window_counts(padded.shape, self.kernel, self.stride)
        # The book's figure: the max over one strided view per kernel position (a 2x2 pool: four
        # views of a quarter of x), half the time of copying every window out for an argmax.
        positions = [padded[:, :, r, c] for r, c in window_places(self.kernel, self.stride, rows, cols)]
        largest = functools.reduce(xp.maximum, positions)  # maximum lets nan win, as max does
        has_nan = bool(xp.any(xp.isnan(largest)))
        # The chosen position is the first holding the largest (where that is nan, the first nan):
        # count, window by window, the positions passed before it (cheap boolean passes, no argmax).
        chosen = xp.zeros(largest.shape, dtype=xp.uint8 if len(positions) <= 256 else xp.int64, device=device)
        not_yet = xp.ones(largest.shape, dtype=xp.bool, device=device)
        for candidate in positions[:-1]:
            not_yet &= (candidate != largest) & (candidate == candidate) if has_nan else candidate != largest
            chosen += xp.astype(not_yet, chosen.dtype)
        return largest, chosen

    def backward(self, ctx, g, x, out):
        return (RouteToMax(ctx.saved, x.shape, self.kernel, self.stride, self.padding)(g),)


class RouteToMax(Op):
    """Max pooling's backward as an op of its own (for higher derivatives): each window's g goes to its
    largest element (`chosen`: its flat position inside the window), into zeros of `input_shape`."""

    name = "route_to_max"

    def __init__(self, chosen, input_shape, kernel, stride, padding):
        self.chosen, self.input_shape = chosen, tuple(input_shape)
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, ctx, g):
        padded_shape = _padded_shape(self.input_shape, self.padding)
        routed = namespace_of(g).route_to_chosen(g, self.chosen, padded_shape, self.kernel, self.stride)
        return _crop_padding(routed, self.padding)

    def backward(self, ctx, g, upstream, out):
        return (PickMax(self.chosen, self.kernel, self.stride, self.padding)(g),)


class PickMax(Op):
    """The adjoint of RouteToMax: from each window of x, the element at the chosen position."""

    name = "pick_max"

    def __init__(self, chosen, kernel, stride, padding):
        self.chosen, self.kernel, self.stride, self.padding = chosen, kernel, stride, padding

    def forward(self, ctx, x):
        xp, padded = namespace_of(x), _pad_images(x, self.padding)
        picked = xp.zeros(self.chosen.shape, dtype=x.dtype, device=device_of(x))
        places = window_places(self.kernel, self.stride, self.chosen.shape[2], self.chosen.shape[3])
        for position, (rows, cols) in enumerate(places):
            picked = xp.where(self.chosen == position, padded[:, :, rows, cols], picked)
        return picked

    def backward(self, ctx, g, x, out):
        return (RouteToMax(self.chosen, x.shape, self.kernel, self.stride, self.padding)(g),)
