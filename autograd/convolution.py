"""Convolution and pooling (the book's ch. 7) as ops: each one's forward and backward side by side.

Images are NCHW (batch, channels, height, width). The book's trick: im2col lays every
kernel-sized window of the input out in a line, so a convolution is one matrix product, and
col2im, its adjoint, adds each line back where its window came from. Both are fused ops here
(Unfold and Fold), each the other's backward; Conv2d is a matrix product with Unfold's result,
made a few images at a time, and its backward is built from them, so it is differentiable to
any order. Max pooling is one fused op, whose backward routes the gradient to each window's
largest element. The protocol is `ops.py`'s.

Arrays of any Array API library work (`xp = namespace_of(x)`, as in ops.py); NumPy arrays take
fast paths through strided window views (`sliding_window_view`, which other libraries lack),
the others one strided slice per kernel position. On NumPy, slices of the batch run on several
threads at once (`backend.parallel_map`, as many as `autograd.get_num_threads()`).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .backend import device_of, get_num_threads, is_numpy, namespace_of, parallel_map
from .ops import Op, _on_arrays, _run

# Numbers in each piece of an unfold matrix that Conv2d makes at a time (4 MiB in float64): a piece that stays
# in cache is faster than the whole batch's matrix (BENCHMARKS.md, section 10, has the sizes tried).
UNFOLD_PIECE = 2 ** 19


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """How many windows of `kernel` fit along an axis of `size` padded by `padding` on both sides, `stride` apart."""
    return (size + 2 * padding - kernel) // stride + 1


def _output_size(shape, kernel, stride, padding) -> tuple:
    """(OH, OW): how many windows fit along the height and the width of images of `shape` (N, C, H, W)."""
    return tuple(conv_output_size(shape[2 + axis], kernel[axis], stride[axis], padding[axis]) for axis in (0, 1))


def _windows(padded, kernel, stride, writeable=False):
    """A view (N, C, OH, OW, kh, kw) of every window of a padded NCHW NumPy array: no copy."""
    view = np.lib.stride_tricks.sliding_window_view(padded, kernel, axis=(2, 3), writeable=writeable)
    return view[:, :, ::stride[0], ::stride[1]]


def _window_places(kernel, stride, rows, cols) -> list:
    """For each kernel position (row by row), the (rows, columns) slices of the padded images holding that
    element of every window: a strided slice of an (N, C, OH, OW) shape, in any array library."""
    return [(slice(i, i + stride[0] * (rows - 1) + 1, stride[0]), slice(j, j + stride[1] * (cols - 1) + 1, stride[1]))
            for i in range(kernel[0]) for j in range(kernel[1])]


def _pad_images(x, padding, value=0.0):
    """x with `padding` rows and columns of `value` around each image (x itself when there is none)."""
    if padding == (0, 0):
        return x
    batch, channels, height, width = x.shape
    # One fill and one copy: np.pad's own bookkeeping doubled the time on Conv2d's pieces of a batch.
    out = namespace_of(x).full((batch, channels, height + 2 * padding[0], width + 2 * padding[1]), value,
                               dtype=x.dtype, device=device_of(x))
    out[:, :, padding[0]:padding[0] + height, padding[1]:padding[1] + width] = x
    return out


def _add_windows(windows, padded_shape, stride):
    """The adjoint of `_windows`: a fresh array of `padded_shape` where each window's numbers are added
    back at the place the window came from (overlapping windows add up)."""
    kernel = windows.shape[4:]
    out = namespace_of(windows).zeros(padded_shape, dtype=windows.dtype, device=device_of(windows))
    if is_numpy(out) and stride[0] >= kernel[0] and stride[1] >= kernel[1]:  # no overlap: one strided assignment
        _windows(out, kernel, stride, writeable=True)[...] = windows
        return out
    # One strided add per kernel position, each one vectorised call: faster than a strided-diagonal sum or
    # np.bincount on MNIST-sized batches (BENCHMARKS.md, section 10).
    places = _window_places(kernel, stride, windows.shape[2], windows.shape[3])
    for position, (rows, cols) in enumerate(places):
        out[:, :, rows, cols] += windows[..., position // kernel[1], position % kernel[1]]
    return out


def _batch_slices(batch: int, count: int) -> list:
    """`count` slices of about the same length covering range(batch) (fewer when the batch is smaller)."""
    step = -(-batch // count) if count else batch
    return [slice(start, min(start + step, batch)) for start in range(0, batch, max(step, 1))]


def _for_each_piece(function, pieces, x) -> list:
    """function(piece) for each slice of the batch: on NumPy arrays shared among the threads (NumPy lets go of
    the interpreter's lock in copies, ufuncs and products), on other libraries, which run their own, in turn."""
    return parallel_map(function, pieces) if is_numpy(x) else [function(piece) for piece in pieces]


def _thread_pieces(x) -> list:
    """One slice of the batch per thread (NumPy), or the whole batch (other libraries, and an empty batch)."""
    return _batch_slices(x.shape[0], get_num_threads() if is_numpy(x) else 1) or [slice(0, 0)]


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
    fresh_gradients = True

    def __init__(self, kernel, stride, padding):
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, ctx, x):
        padded = _pad_images(x, self.padding)
        if is_numpy(x):
            windows = _windows(padded, self.kernel, self.stride)
            batch, channels, rows, cols = windows.shape[:4]
            # Sizes spelt out, not -1, which NumPy cannot work out for an empty batch.
            return windows.transpose(0, 1, 4, 5, 2, 3).reshape((batch, self._column_length(channels),
                                                                 rows * cols))  # the one copy
        xp = namespace_of(x)
        rows, cols = _output_size(x.shape, self.kernel, self.stride, self.padding)
        places = _window_places(self.kernel, self.stride, rows, cols)
        stacked = xp.stack([padded[:, :, r, c] for r, c in places], axis=2)  # (N, C, kh * kw, OH, OW)
        return xp.reshape(stacked, (x.shape[0], self._column_length(x.shape[1]), rows * cols))

    def _column_length(self, channels: int) -> int:
        """The numbers in one window of images with `channels` channels: C * kh * kw."""
        return channels * self.kernel[0] * self.kernel[1]

    def backward(self, ctx, g, x, out):
        return (_run(Fold(x.shape, self.kernel, self.stride, self.padding), g),)


class Fold(Op):
    """col2im: columns of windows back to (N, C, H, W), overlapping windows added up; the adjoint of
    Unfold, and its backward is Unfold."""

    name = "fold"
    fresh_gradients = True

    def __init__(self, input_shape, kernel, stride, padding):
        self.input_shape, self.kernel, self.stride, self.padding = tuple(input_shape), kernel, stride, padding

    def forward(self, ctx, columns):
        batch, channels, height, width = self.input_shape
        padded_shape = (batch, channels, height + 2 * self.padding[0], width + 2 * self.padding[1])
        rows, cols = _output_size(self.input_shape, self.kernel, self.stride, self.padding)
        xp = namespace_of(columns)
        windows = xp.permute_dims(xp.reshape(columns, (batch, channels) + self.kernel + (rows, cols)),
                                  (0, 1, 4, 5, 2, 3))
        return _crop_padding(_add_windows(windows, padded_shape, self.stride), self.padding)

    def backward(self, ctx, g, columns, out):
        return (_run(Unfold(self.kernel, self.stride, self.padding), g),)


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
    fresh_gradients = True

    def __init__(self, kernel, stride, padding):
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def _pieces(self, x) -> list:
        """Slices of the batch whose unfold matrices hold at most about UNFOLD_PIECE numbers each, as many for
        each thread (NumPy shares them among its threads)."""
        rows, cols = _output_size(x.shape, self.kernel, self.stride, self.padding)
        images_per_piece = max(1, UNFOLD_PIECE // (x.shape[1] * self.kernel[0] * self.kernel[1] * rows * cols))
        threads = get_num_threads() if is_numpy(x) else 1
        return _batch_slices(x.shape[0], -(-x.shape[0] // (images_per_piece * threads)) * threads)

    def forward(self, ctx, x, W, b=None):
        xp = namespace_of(x, W)
        unfold, weights = Unfold(self.kernel, self.stride, self.padding), xp.reshape(W, (W.shape[0], -1))
        rows, cols = _output_size(x.shape, self.kernel, self.stride, self.padding)
        out = xp.empty((x.shape[0], W.shape[0], rows * cols), dtype=xp.result_type(x, W), device=device_of(x))

        def convolve(piece):
            # Unfold's column layout makes each product (n, F, OH * OW), already NCHW: no transposed copy.
            product = weights @ unfold.forward(None, x[piece, ...])
            if b is not None:
                product += xp.reshape(b, (-1, 1))
            out[piece, ...] = product

        _for_each_piece(convolve, self._pieces(x), x)
        return xp.reshape(out, (x.shape[0], W.shape[0], rows, cols))

    def _part_gradients(self, g, x, weights, need_x, need_W) -> tuple:
        """d x and d W (as (F, C * kh * kw)) for images x and their g: fold(W^T g), g unfold(x)^T summed."""
        grad_W = grad_x = None
        if need_W:  # first, so that the unfold matrix is gone before W^T g (as large) is made
            xp = namespace_of(g)
            columns = _run(Unfold(self.kernel, self.stride, self.padding), x)
            grad_W = xp.sum(g @ xp.permute_dims(columns, (0, 2, 1)), axis=0)
        if need_x:
            grad_x = _run(Fold(x.shape, self.kernel, self.stride, self.padding), weights.T @ g)
        return grad_x, grad_W

    def backward(self, ctx, g, x, W, *bias_and_out):
        need_x, need_W = ctx.needs_input_grad[:2]
        xp = namespace_of(g)
        g = xp.reshape(g, (g.shape[0], g.shape[1], g.shape[2] * g.shape[3]))  # (N, F, OH * OW), even for N = 0
        weights = xp.reshape(W, (W.shape[0], -1))
        if _on_arrays(g):  # a few images at a time, as forward
            grad_x = xp.empty(x.shape, dtype=xp.result_type(g, W), device=device_of(x)) if need_x else None
            grad_W = xp.zeros(weights.shape, dtype=xp.result_type(g, x), device=device_of(W))  # zeros for N = 0

            def piece_gradients(piece):
                part_x, part_W = self._part_gradients(g[piece, ...], x[piece, ...], weights, need_x, need_W)
                if need_x:
                    grad_x[piece, ...] = part_x
                return part_W

            for part_W in _for_each_piece(piece_gradients, self._pieces(x), x):
                if need_W:
                    grad_W = grad_W + part_W
        else:  # under create_graph the derivative's own graph keeps what it uses anyway: the whole batch
            grad_x, grad_W = self._part_gradients(g, x, weights, need_x, need_W)
        grads = (grad_x, xp.reshape(grad_W, W.shape) if need_W else None)
        if len(bias_and_out) == 1:  # no bias
            return grads
        return grads + (xp.sum(g, axis=(0, 2)) if ctx.needs_input_grad[2] else None,)


class MaxPool2d(Op):
    """The largest number of each window (padding counts as -inf): max pooling (ch. 7).

    Fused for speed: one pass finds each window's largest element and keeps where it was. On
    ties the first in the window (row by row) takes the whole gradient, as in PyTorch, and a nan
    counts as the largest. Backward routes g to those places (RouteToChosen, a linear op).
    """

    name = "max_pool2d"

    def __init__(self, kernel, stride, padding):
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, ctx, x):
        parts = _for_each_piece(lambda piece: self._largest_and_chosen(x[piece, ...]), _thread_pieces(x), x)
        if len(parts) == 1:
            largest, ctx.saved = parts[0]
        else:  # each thread pooled a slice of the batch
            xp = namespace_of(x)
            largest, ctx.saved = xp.concat([part[0] for part in parts]), xp.concat([part[1] for part in parts])
        return largest

    def _largest_and_chosen(self, x) -> tuple:
        """Each window's largest number, and its position in the window (row by row)."""
        xp, device = namespace_of(x), device_of(x)
        padded = _pad_images(x, self.padding, -math.inf)
        rows, cols = _output_size(x.shape, self.kernel, self.stride, self.padding)
        # The book's figure: the max over one strided view per kernel position (a 2x2 pool: four
        # views of a quarter of x), half the time of copying every window out for an argmax.
        positions = [padded[:, :, r, c] for r, c in _window_places(self.kernel, self.stride, rows, cols)]
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
        return (_run(RouteToChosen(ctx.saved, x.shape, self.kernel, self.stride, self.padding), g),)


class RouteToChosen(Op):
    """Max pooling's backward as an op of its own (for higher derivatives): each window's g goes to its
    chosen element (`chosen`: the flat position inside each window), into zeros of `input_shape`."""

    name = "route_to_max"
    fresh_gradients = True

    def __init__(self, chosen, input_shape, kernel, stride, padding):
        self.chosen, self.input_shape = chosen, tuple(input_shape)
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, ctx, g):
        batch, channels, height, width = self.input_shape
        padded_shape = (batch, channels, height + 2 * self.padding[0], width + 2 * self.padding[1])
        places = _window_places(self.kernel, self.stride, g.shape[2], g.shape[3])
        overlapping = self.stride[0] < self.kernel[0] or self.stride[1] < self.kernel[1]
        if is_numpy(g) and not overlapping and bool(np.isfinite(g).all()):
            # Windows do not overlap: each kernel position's strided view is g times "chosen here" (1 or 0), then
            # + 0.0, which makes the -0.0 of a negative g times 0 a 0.0; faster than one indexed assignment or a
            # where() per position (BENCHMARKS.md). A nan or inf in g (times 0: nan) takes the general way below.
            out = np.zeros(padded_shape, dtype=g.dtype)

            def route(piece):  # each thread its own slice of the batch
                for position, (rows, cols) in enumerate(places):
                    view = out[piece, :, rows, cols]
                    np.multiply(g[piece, ...], self.chosen[piece, ...] == position, out=view)
                    view += 0.0

            parallel_map(route, _thread_pieces(g))
            return _crop_padding(out, self.padding)
        xp = namespace_of(g)
        out, zeros = xp.zeros(padded_shape, dtype=g.dtype, device=device_of(g)), xp.zeros_like(g)
        for position, (rows, cols) in enumerate(places):
            out[:, :, rows, cols] += xp.where(self.chosen == position, g, zeros)
        return _crop_padding(out, self.padding)

    def backward(self, ctx, g, upstream, out):
        return (_run(PickChosen(self.chosen, self.kernel, self.stride, self.padding), g),)


class PickChosen(Op):
    """The adjoint of RouteToChosen: from each window of x, the element at the chosen position."""

    name = "pick_max"
    fresh_gradients = True

    def __init__(self, chosen, kernel, stride, padding):
        self.chosen, self.kernel, self.stride, self.padding = chosen, kernel, stride, padding

    def forward(self, ctx, x):
        xp, padded = namespace_of(x), _pad_images(x, self.padding)
        picked = xp.zeros(self.chosen.shape, dtype=x.dtype, device=device_of(x))
        places = _window_places(self.kernel, self.stride, self.chosen.shape[2], self.chosen.shape[3])
        for position, (rows, cols) in enumerate(places):
            picked = xp.where(self.chosen == position, padded[:, :, rows, cols], picked)
        return picked

    def backward(self, ctx, g, x, out):
        return (_run(RouteToChosen(self.chosen, x.shape, self.kernel, self.stride, self.padding), g),)
