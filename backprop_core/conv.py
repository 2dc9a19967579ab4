"""Convolution and max-pooling, forward and backward, with every intermediate kept.

Shapes (PyTorch's, so a learner can move between the two): images ``x`` are ``(m, C_in, H, W)``,
filters ``K`` are ``(C_out, C_in, kh, kw)``, biases ``b`` are ``(C_out,)``. ``conv2d`` is a
*cross-correlation*, as in PyTorch and every deep-learning library: the filter is laid on the
(zero-padded) image without flipping it,

    z[n, o, i, j] = b[o] + sum over c, u, v of  xp[n, c, i*s + u, j*s + v] * K[o, c, u, v]

with ``xp`` the input padded by ``padding`` zeros on every side and ``s`` the stride. Its
backward pass, given ``dz = dL/dz``:

* ``dK[o, c, u, v] = sum over n, i, j of xp[n, c, i*s + u, j*s + v] * dz[n, o, i, j]``: one filter is
  used at every position, so its gradient is the sum of every position's contribution;
* ``db[o] = sum over n, i, j of dz[n, o, i, j]``;
* ``dx``: each ``dz[n, o, i, j]`` sends ``K[o] * dz`` back onto the window it came from. For stride 1
  that is the *full* convolution of ``dz`` with the flipped filter (``full_convolution`` shows it).

Max-pooling takes the largest value of each ``size x size`` window (stride = size; rows and columns
that do not fill a whole window are dropped, as ``F.max_pool2d`` does). Its backward pass sends each
gradient to the one input that won its window; every other input gets exactly 0. **Tie rule:** when
several inputs of a window share the maximum, the first in reading order (row by row, left to right
within a row) wins and gets the whole gradient -- PyTorch's CPU kernel makes the same choice.

Vectorised with im2col (``as_strided`` cuts out every window as a view, one copy lays them
out as columns, one matrix product gives every position): no Python loop over pixels; the only loop
runs over the ``kh * kw`` filter offsets in the backward pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .validation import check_finite, real_array, show, whole_number

MAX_BATCH = 4096
MAX_CHANNELS = 64
MAX_SIDE = 64
MAX_KERNEL = 9
MAX_STRIDE = 8
MAX_PADDING = 8
MAX_POOL = 8


def _frozen(a: np.ndarray) -> np.ndarray:
    """``a`` made read-only; only for arrays made here (never the caller's)."""
    a.flags.writeable = False
    return a


def _frozen_copy(a: np.ndarray) -> np.ndarray:
    """A read-only copy of ``a``, or ``a`` itself when it is read-only already (a trace's own array)."""
    return a if not a.flags.writeable else _frozen(np.array(a, dtype=float, copy=True))


def as_array(value: object, what: str, ndim: int, shape_text: str) -> np.ndarray:
    """``value`` as a float array of rank ``ndim``, finite, or ``ValueError`` naming ``what``."""
    a = real_array(value, what, f"an array of shape {shape_text}")
    if a.ndim != ndim:
        raise ValueError(f"{what} has rank {a.ndim} (shape {a.shape}); expected shape {shape_text}")
    if a.size == 0:
        raise ValueError(f"{what} is empty (shape {a.shape}); expected shape {shape_text}")
    check_finite(a, what)
    return a


def check_int(value: object, what: str, lo: int, hi: int) -> int:
    """``value`` as a whole number in ``[lo, hi]`` (the conversion rule of ``validation``)."""
    number = whole_number(value, what)
    if not lo <= number <= hi:
        raise ValueError(f"{what} must lie between {lo} and {hi}, got {show(value)}")
    return number


def check_images(x: object, what: str = "x") -> np.ndarray:
    """A checked batch of images ``(m, C, H, W)`` within the lab's limits."""
    x = as_array(x, what, 4, "(m, C, H, W)")
    m, c, h, w = x.shape
    if m > MAX_BATCH:
        raise ValueError(f"{what} holds {m} images; at most {MAX_BATCH} are allowed")
    if c > MAX_CHANNELS:
        raise ValueError(f"{what} has {c} channels; at most {MAX_CHANNELS} are allowed")
    if h > MAX_SIDE or w > MAX_SIDE:
        raise ValueError(f"{what} images are {h}x{w}; at most {MAX_SIDE}x{MAX_SIDE} are allowed")
    return x


def out_size(n: int, k: int, stride: int, padding: int) -> int:
    """Output side of a convolution: ``floor((n + 2*padding - k) / stride) + 1``."""
    return (n + 2 * padding - k) // stride + 1


@dataclass(frozen=True, repr=False)
class Conv2dTrace:
    """One convolution's forward pass. ``x`` (m, C_in, H, W), ``K`` (C_out, C_in, kh, kw), ``b`` (C_out,),
    ``xp`` the zero-padded input, ``z`` (m, C_out, H_out, W_out).

    ``cols`` (C_in * kh * kw, m * H_out * W_out): every window as a column ("im2col"), row ``(c, u, v)``
    holding ``xp[n, c, i*s + u, j*s + v]`` for every image and position; kept for the backward pass.
    """

    x: np.ndarray
    K: np.ndarray
    b: np.ndarray
    stride: int
    padding: int
    xp: np.ndarray
    z: np.ndarray
    cols: np.ndarray

    def __repr__(self) -> str:
        return f"Conv2dTrace(x{self.x.shape}, K{self.K.shape}, stride={self.stride}, padding={self.padding})"


@dataclass(frozen=True, repr=False)
class Conv2dGrads:
    """``dx``, ``dK``, ``db``: the gradients of the loss, shaped like ``x``, ``K`` and ``b``."""

    dx: np.ndarray
    dK: np.ndarray
    db: np.ndarray

    def __repr__(self) -> str:
        return f"Conv2dGrads(dx{self.dx.shape}, dK{self.dK.shape}, db{self.db.shape})"


def conv2d_forward(x: object, K: object, b: object, stride: int = 1, padding: int = 0) -> Conv2dTrace:
    """Cross-correlate ``x`` (m, C_in, H, W) with ``K`` (C_out, C_in, kh, kw), add ``b`` (C_out,).

    As PyTorch's ``F.conv2d(x, K, b, stride, padding)``; the trace's ``z`` is (m, C_out, H_out, W_out)
    with ``H_out = floor((H + 2*padding - kh) / stride) + 1`` (likewise ``W_out``).
    """
    x = check_images(x)
    K = as_array(K, "K", 4, "(C_out, C_in, kh, kw)")
    b = as_array(b, "b", 1, "(C_out,)")
    stride = check_int(stride, "stride", 1, MAX_STRIDE)
    padding = check_int(padding, "padding", 0, MAX_PADDING)
    c_out, c_in, kh, kw = K.shape
    if c_in != x.shape[1]:
        raise ValueError(f"K expects {c_in} input channel(s) (K.shape[1]) but x has {x.shape[1]}")
    if c_out > MAX_CHANNELS or kh > MAX_KERNEL or kw > MAX_KERNEL:
        limit = f"at most {MAX_CHANNELS} filters of {MAX_KERNEL}x{MAX_KERNEL}"
        raise ValueError(f"K has shape {K.shape}; {limit}")
    if b.shape != (c_out,):
        raise ValueError(f"b has shape {b.shape}; expected ({c_out},), one bias per filter")
    hp, wp = x.shape[2] + 2 * padding, x.shape[3] + 2 * padding
    if kh > hp or kw > wp:
        raise ValueError(f"the {kh}x{kw} kernel is larger than the padded input ({hp}x{wp})")
    return conv2d_pass(x, K, b, stride, padding)


def conv2d_pass(x: np.ndarray, K: np.ndarray, b: np.ndarray, stride: int, padding: int) -> Conv2dTrace:
    """The arithmetic of ``conv2d_forward``, inputs already checked."""
    p, s = padding, stride
    x, K, b = _frozen_copy(x), _frozen_copy(K), _frozen_copy(b)
    xp = _frozen(np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))) if p else x
    c_out, c_in, kh, kw = K.shape
    m, ho, wo = x.shape[0], out_size(x.shape[2], kh, s, p), out_size(x.shape[3], kw, s, p)
    # every window at once, as a view of xp (no copy): windows[c, u, v, n, i, j] = xp[n, c, i*s + u, j*s + v]
    sn, sc, sh, sw = xp.strides
    windows = as_strided(xp, (c_in, kh, kw, m, ho, wo), (sc, sh, sw, sn, sh * s, sw * s), writeable=False)
    # im2col, the one copy: row (c, u, v), column (n, i, j)
    cols = np.ascontiguousarray(windows).reshape(c_in * kh * kw, m * ho * wo)
    # z[n, o, i, j] = sum over (c, u, v) of K[o, c, u, v] * cols[(c, u, v), (n, i, j)] + b[o]
    z = K.reshape(c_out, -1) @ cols
    z += b[:, None]
    z = np.ascontiguousarray(z.reshape(c_out, m, ho, wo).transpose(1, 0, 2, 3))
    return Conv2dTrace(x, K, b, s, p, xp, _frozen(z), _frozen(cols))


def conv2d_backward(dz: object, trace: Conv2dTrace) -> Conv2dGrads:
    """``dx``, ``dK``, ``db`` from ``dz = dL/dz`` (m, C_out, H_out, W_out) and the forward trace."""
    if not isinstance(trace, Conv2dTrace):
        raise ValueError("trace must be the Conv2dTrace returned by conv2d_forward")
    dz = as_array(dz, "dz", 4, f"{trace.z.shape}")
    if dz.shape != trace.z.shape:
        raise ValueError(f"dz has shape {dz.shape}; expected {trace.z.shape}, the shape of z")
    return conv2d_backward_pass(dz, trace)


def conv2d_backward_pass(dz: np.ndarray, t: Conv2dTrace) -> Conv2dGrads:
    """The arithmetic of ``conv2d_backward``, inputs already checked."""
    c_out = t.K.shape[0]
    d = dz.transpose(1, 0, 2, 3).reshape(c_out, -1)  # (C_out, m * H_out * W_out)
    # dK[o, c, u, v] = sum over n, i, j of xp[n, c, i*s + u, j*s + v] * dz[n, o, i, j]: every position adds
    dK = (d @ t.cols.T).reshape(t.K.shape)
    db = d @ np.ones(d.shape[1])  # the sum over every image and position
    # every dz[n, o, i, j] sends K[o] * dz back onto its window; the windows overlap, so they add up
    dxp = windows_back(dz, t.K, t.xp.shape, t.stride)
    p = t.padding
    dx = dxp[:, :, p : dxp.shape[2] - p, p : dxp.shape[3] - p] if p else dxp
    return Conv2dGrads(_frozen(np.ascontiguousarray(dx.transpose(1, 0, 2, 3))), _frozen(dK), _frozen(db))


def windows_back(dz: np.ndarray, K: np.ndarray, xp_shape: tuple[int, ...], stride: int) -> np.ndarray:
    """``dL/dxp`` as (C_in, m, Hp, Wp): each window of the padded input gets ``K[o] * dz[n, o, i, j]``.

    ("col2im".) With stride 1 the dz maps are laid in frames the size of the padded input, so that
    offset (u, v) of every window is one flat shift by ``u * Wp + v``: kh * kw long contiguous
    additions instead of kh * kw strided ones (the frame's extra cells hold zeros and add nothing).
    """
    c_out, c_in, kh, kw = K.shape
    m, _, ho, wo = dz.shape
    hp, wp = xp_shape[2], xp_shape[3]
    if stride == 1:
        frame = np.zeros((c_out, m, hp, wp))
        frame[:, :, :ho, :wo] = dz.transpose(1, 0, 2, 3)
        back = (K.reshape(c_out, -1).T @ frame.reshape(c_out, -1)).reshape(c_in, kh * kw, -1)
        n = back.shape[2]
        dxp = back[:, 0].copy()  # offset (0, 0)
        for k in range(1, kh * kw):
            shift = (k // kw) * wp + k % kw
            dxp[:, shift:] += back[:, k, : n - shift]
        return dxp.reshape(c_in, m, hp, wp)
    s = stride
    d = dz.transpose(1, 0, 2, 3).reshape(c_out, -1)
    back = (K.reshape(c_out, -1).T @ d).reshape(c_in, kh, kw, m, ho, wo)
    dxp = np.zeros((c_in, m, hp, wp))
    for u in range(kh):
        for v in range(kw):
            dxp[:, :, u : u + s * (ho - 1) + 1 : s, v : v + s * (wo - 1) + 1 : s] += back[:, u, v]
    return dxp


def full_convolution(delta: object, K: object) -> np.ndarray:
    """``dx`` of a stride-1, unpadded convolution, computed the other way: the *full* convolution.

    Pad ``delta`` (m, C_out, H_out, W_out) with ``kh - 1`` / ``kw - 1`` zeros on every side and
    cross-correlate it with the filter flipped top-to-bottom and left-to-right (and C_in, C_out
    swapped). Returns (m, C_in, H_out + kh - 1, W_out + kw - 1), equal to ``conv2d_backward``'s ``dx``.
    """
    delta = as_array(delta, "delta", 4, "(m, C_out, H_out, W_out)")
    K = as_array(K, "K", 4, "(C_out, C_in, kh, kw)")
    if delta.shape[1] != K.shape[0]:
        raise ValueError(f"delta has {delta.shape[1]} channel(s) but K has {K.shape[0]} filter(s)")
    kh, kw = K.shape[2], K.shape[3]
    flipped = K[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C_in, C_out, kh, kw)
    padded = np.pad(delta, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    return conv2d_pass(padded, np.ascontiguousarray(flipped), np.zeros(K.shape[1]), 1, 0).z


@dataclass(frozen=True, repr=False)
class PoolTrace:
    """One max-pool's forward pass: ``x`` (m, C, H, W), ``out`` (m, C, H // size, W // size).

    ``argmax`` (m, C, H_out, W_out): where each maximum came from, as an index ``u * size + v``
    inside its window; ``rows``/``cols``: the same as row and column of ``x``. ``winners``: a
    boolean mask shaped like ``x``, True on every cell that won its window.
    """

    x: np.ndarray
    size: int
    out: np.ndarray
    argmax: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    winners: np.ndarray

    def __repr__(self) -> str:
        return f"PoolTrace(x{self.x.shape}, size={self.size}, out{self.out.shape})"


@dataclass(frozen=True, repr=False)
class PoolGrads:
    """``dx`` shaped like the pool's input: each window's gradient at its winner, 0 elsewhere."""

    dx: np.ndarray


def maxpool2d_forward(x: object, size: int = 2) -> PoolTrace:
    """Max over each ``size x size`` window of ``x`` (m, C, H, W), stride = size (``F.max_pool2d(x, size)``).

    Ties go to the first cell in reading order (see the module's docstring).
    """
    x = check_images(x)
    size = check_int(size, "pool size", 1, MAX_POOL)
    if size > x.shape[2] or size > x.shape[3]:
        raise ValueError(f"pool size {size} is larger than the {x.shape[2]}x{x.shape[3]} input")
    return maxpool2d_pass(x, size)


def maxpool2d_pass(x: np.ndarray, size: int) -> PoolTrace:
    """The arithmetic of ``maxpool2d_forward``, inputs already checked."""
    h, w = x.shape[2:]
    ho, wo = h // size, w // size
    # walk the cells of every window at once, in reading order; a cell takes over only when it is
    # strictly larger, so on a tie the earlier cell stays the winner (the tie rule)
    out = x[:, :, 0 : ho * size : size, 0 : wo * size : size].copy()
    argmax = np.zeros(out.shape, dtype=np.intp)
    for k in range(1, size * size):
        u, v = divmod(k, size)
        cell = x[:, :, u : ho * size : size, v : wo * size : size]
        larger = cell > out
        np.copyto(out, cell, where=larger)
        np.copyto(argmax, k, where=larger)
    rows = np.arange(ho)[:, None] * size + argmax // size
    cols = np.arange(wo)[None, :] * size + argmax % size
    winners = np.zeros(x.shape, dtype=bool)
    for k in range(size * size):
        u, v = divmod(k, size)
        winners[:, :, u : ho * size : size, v : wo * size : size] = argmax == k
    frozen = (_frozen(a) for a in (out, argmax, rows, cols, winners))
    return PoolTrace(_frozen_copy(x), size, *frozen)


def maxpool2d_backward(dout: object, trace: PoolTrace) -> PoolGrads:
    """``dx``: each ``dout`` (m, C, H_out, W_out) entry goes to its window's winner; 0 everywhere else."""
    if not isinstance(trace, PoolTrace):
        raise ValueError("trace must be the PoolTrace returned by maxpool2d_forward")
    dout = as_array(dout, "dout", 4, f"{trace.out.shape}")
    if dout.shape != trace.out.shape:
        raise ValueError(f"dout has shape {dout.shape}; expected {trace.out.shape}, the shape of out")
    return maxpool2d_backward_pass(dout, trace)


def maxpool2d_backward_pass(dout: np.ndarray, t: PoolTrace) -> PoolGrads:
    """The arithmetic of ``maxpool2d_backward``, inputs already checked."""
    dx = np.zeros(t.x.shape)
    ho, wo, size = dout.shape[2], dout.shape[3], t.size
    # each window has exactly one winner: cell (u, v) of every window takes dout where it won, else 0
    for k in range(size * size):
        u, v = divmod(k, size)
        dx[:, :, u : ho * size : size, v : wo * size : size] = np.where(t.argmax == k, dout, 0.0)
    return PoolGrads(_frozen(dx))
