"""The subtraction-free factor of a chain network (a straight stack's ladder).

Public API
----------
chain_offset(ea, eb, m) -> 0, 1 or None
    Whether pairing the unknowns into blocks of two leaves every edge inside a block or
    between neighbouring blocks (a straight stack: up and down nodes interleaved along
    x), and with which offset.
ChainFactor(ea, eb, eg, m, offset)
    Block cyclic reduction of the network by star-mesh transformations (no subtraction
    anywhere); ``solve(b)`` returns G^-1 b.  ``scale`` and ``norm1``: D^-1/2 (D the
    matrix diagonal, slot by slot) and the 1-norm of D^-1/2 G D^-1/2.  Raises :class:`ChainBreakdown` when a
    pivot block is singular or overflows (the caller then uses another factor).

The edges come as in :func:`circuitspin.solvers.nodal._residual_edges`: unknown indices,
the ground as index m.
"""
from __future__ import annotations

import numpy as np
class ChainFactor:
    """Block cyclic reduction of a chain network, subtraction-free.

    The unknowns are paired into blocks of two (slot ``p = node + offset``, block
    ``p // 2``) and every edge joins two nodes of one block or of neighbouring blocks: a
    straight stack, its up and down nodes interleaved along x.  Each level eliminates
    the odd blocks at once (vectorised) by the star-mesh transformation: the network
    left is again a network of positive conductances -- the new conductances, and the
    new conductances to the ground (the "leaks"), are sums of products of positive
    numbers, and the 2x2 pivot block's determinant is formed as
    ``c (s0 + s1) + s0 s1`` (c the conductance inside the block, s0, s1 each node's
    conductance to everything else), so no step subtracts.  The diagonal of the matrix
    is never formed: what it loses to rounding on a fine ladder (the conductances along
    x are ~1/h, the spin-flip ones ~h) does not enter, and the factor is accurate entry
    by entry whatever the condition number (the GTH idea for M-matrices).  log2(blocks)
    levels; O(N) work and memory.  Each level of the factorisation runs through its
    blocks a slice of ``CHUNK`` at a time, so that its ~100 array operations work in
    cache; every entry's arithmetic is the same however the level is sliced.  (A solve,
    ~40 operations a level, is as fast on whole levels.)
    """

    def __init__(self, ea, eb, eg, m: int, offset: int, _ordered=None):
        nb = (m + offset + 1) // 2
        ns = 2 * nb
        # the edges' slots, lower first (``_ordered``: these, from chain_factor)
        lo, hi, ground = _ordered if _ordered is not None else _order(ea, eb, m, offset)
        # every edge adds its conductance to one entry of the blocks' state, row by row
        # (cin: inside the block; leak0, leak1: to the ground from slot 0 / 1; C[s, t]:
        # block k's slot s -- block k + 1's slot t, row 3 + 2 s + t), summed in edge order
        s = lo & 1
        row = hi & 1
        row += 3
        row += s
        row += s
        row[(lo ^ hi) < 2] = 0                             # inside one block
        to_ground = np.flatnonzero(ground)
        row[to_ground] = 1 + s[to_ground]                  # to the ground: leaks
        del s
        row *= nb
        lo >>= 1                                           # the block
        row += lo
        del lo, hi, ground
        state = np.bincount(row, eg, 7 * nb).astype(float, copy=False).reshape(7, nb)
        del row
        if offset:
            state[1, 0] = 1.0      # a slot without a node: decoupled, x = 0
        if m + offset < ns:
            state[2, nb - 1] = 1.0
        cin, leak0, leak1 = state[0], state[1], state[2]
        c = state[3:]
        # the diagonal D of G (slot by slot) and the 1-norm of D^-1/2 G D^-1/2
        d0 = leak0 + cin + c[0] + c[1]
        d1 = leak1 + cin + c[2] + c[3]
        d0[1:] += c[0][:-1] + c[2][:-1]
        d1[1:] += c[1][:-1] + c[3][:-1]
        r0, r1 = 1.0 / np.sqrt(d0), 1.0 / np.sqrt(d1)
        t = cin * r0 * r1
        n0, n1 = 1.0 + t, 1.0 + t
        for i, (s, u) in enumerate(((r0, r0), (r0, r1), (r1, r0), (r1, r1))):
            q = c[i][:-1] * s[:-1] * u[1:]
            (n0 if i < 2 else n1)[:-1] += q
            (n0 if i % 2 == 0 else n1)[1:] += q
        # the slots that hold unknowns: offset .. offset + m
        self.norm1 = max(float(n0[(offset + 1) // 2:(offset + m + 1) // 2].max(initial=0.0)),
                         float(n1[offset // 2:(offset + m) // 2].max(initial=0.0)))
        self.scale = np.empty(ns)     # D^-1/2, slot by slot
        self.scale[0::2], self.scale[1::2] = r0, r1
        self.nb, self.offset, self.m = nb, offset, m
        del c, cin, leak0, leak1
        self.levels = []
        with np.errstate(all="ignore"):
            while nb > 1:
                k, state = _eliminate(state, nb)
                self.levels.append((nb, k))
                nb = (nb + 1) // 2
            cin, l0, l1 = state[0], state[1], state[2]
            det = cin * (l0 + l1) + l0 * l1
            _check(det)
            self.last = ((cin + l1) / det, cin / det, (cin + l0) / det)

    def solve(self, b: np.ndarray) -> np.ndarray:
        """x with G x = b (b on the unknowns)."""
        if b.ndim > 1:
            return np.column_stack([self.solve(b[:, j]) for j in range(b.shape[1])])
        off, m, nb = self.offset, self.m, self.nb
        rhs = np.empty((2, nb))     # rows: slot 0, slot 1 (slot p = node + offset)
        for s in (0, 1):
            first = (s - off) % 2   # the first node in slot s
            n = len(range(first, m, 2))
            k0 = (first + off) // 2
            rhs[s, k0:k0 + n] = b[first::2]
            rhs[s, :k0] = 0.0
            rhs[s, k0 + n:] = 0.0
        ys = []
        for nb, k in self.levels:
            nodd, ne = nb // 2, (nb + 1) // 2
            k00, k01, k11, w00, w01, w10, w11, v00, v01, v10, v11 = k
            even = np.ascontiguousarray(rhs[:, 0::2])
            q0, q1 = np.ascontiguousarray(rhs[:, 1::2])
            y0 = k00 * q0
            y0 += k01 * q1
            y1 = k01 * q0
            y1 += k11 * q1
            ys.append((y0, y1))
            even[0, :nodd] += w00 * q0 + w10 * q1
            even[1, :nodd] += w01 * q0 + w11 * q1
            r = slice(0, ne - 1)
            even[0, 1:] += (v00 * q0 + v10 * q1)[r]
            even[1, 1:] += (v01 * q0 + v11 * q1)[r]
            rhs = even
        k00, k01, k11 = self.last
        x = np.array([k00 * rhs[0] + k01 * rhs[1], k01 * rhs[0] + k11 * rhs[1]])
        for (nb, k), (y0, y1) in zip(reversed(self.levels), reversed(ys)):
            nodd = nb // 2
            _, _, _, w00, w01, w10, w11, v00, v01, v10, v11 = k
            xl0, xl1 = x[0, :nodd], x[1, :nodd]
            nr = min(nodd, x.shape[1] - 1)
            xr0, xr1 = x[0, 1:nr + 1], x[1, 1:nr + 1]
            y0 += w00 * xl0
            y0 += w01 * xl1
            y1 += w10 * xl0
            y1 += w11 * xl1
            y0[:nr] += v00[:nr] * xr0 + v01[:nr] * xr1
            y1[:nr] += v10[:nr] * xr0 + v11[:nr] * xr1
            up = np.empty((2, nb))
            up[:, 0::2] = x
            up[0, 1::2], up[1, 1::2] = y0, y1
            x = up
        out = np.empty(m)
        for s in (0, 1):
            first = (s - off) % 2
            k0 = (first + off) // 2
            out[first::2] = x[s, k0:k0 + len(range(first, m, 2))]
        return out


#: blocks per slice of a level: the level's arrays are processed slice by slice, so that
#: the ~100 array operations of a slice run in cache (the arithmetic of every entry is
#: the same whatever the slicing)
CHUNK = 8192


def _chunks(n: int):
    return ((j0, min(j0 + CHUNK, n)) for j0 in range(0, n, CHUNK))


def _check(det):
    if det.size and not (det.min() > 0 and det.max() < np.inf):  # NaN fails too
        raise ChainBreakdown


def _eliminate(state, nb):
    """One level of the reduction: the odd blocks eliminated by the star-mesh
    transformation.  ``state`` (7, nb): cin, leak0, leak1, C00, C01, C10, C11 of every
    block.  Returns the eliminated blocks' factor ``k`` (11, nb // 2: K^-1 = [[k00,
    k01], [k01, k11]], W = K^-1 A, V = K^-1 B) and the even blocks' new state."""
    nodd, ne = nb // 2, (nb + 1) // 2
    k = np.empty((11, nodd))
    wl = np.empty((2, nodd))       # K^-1 (leak0, leak1): the leaks the even blocks get
    new = np.empty((7, ne))
    ev, od = state[:, 0::2], state[:, 1::2]
    t = np.empty(min(CHUNK, ne))
    for j0, j1 in _chunks(ne):
        o1 = min(j1, nodd)      # even block j's right neighbour is odd block j
        no = o1 - j0
        tt = t[:no]
        # the odd blocks j0 .. o1: A[i, j]: odd block slot i -- its left neighbour's
        # slot j (the even block's C transposed); B: to the right (its own C)
        a00, a10, a01, a11 = ev[3:, j0:o1]
        ck, lk0, lk1, b00, b01, b10, b11 = od[:, j0:o1]
        kk = k[:, j0:o1]
        s0 = lk0 + a00
        s0 += a01
        s0 += b00
        s0 += b01
        s1 = lk1 + a10
        s1 += a11
        s1 += b10
        s1 += b11
        det = s0 + s1
        det *= ck
        np.multiply(s0, s1, out=tt)
        det += tt
        _check(det)
        np.divide(1.0, det, out=det)
        k00, k01, k11 = kk[0], kk[1], kk[2]
        np.add(ck, s1, out=k00)
        k00 *= det
        np.multiply(ck, det, out=k01)
        np.add(ck, s0, out=k11)
        k11 *= det
        for row, (x0, x1) in enumerate(((a00, a10), (a01, a11), (b00, b10), (b01, b11))):
            # (K^-1 A) or (K^-1 B), column by column: rows 3-6 W, 7-10 V
            top = 3 + 4 * (row // 2) + row % 2
            np.multiply(k00, x0, out=kk[top])
            np.multiply(k01, x1, out=tt)
            kk[top] += tt
            np.multiply(k01, x0, out=kk[top + 2])
            np.multiply(k11, x1, out=tt)
            kk[top + 2] += tt
        w00, w01, w10, w11, v00, v01, v10, v11 = kk[3:]
        wl0, wl1 = wl[0, j0:o1], wl[1, j0:o1]
        np.multiply(k00, lk0, out=wl0)
        np.multiply(k01, lk1, out=tt)
        wl0 += tt
        np.multiply(k01, lk0, out=wl1)
        np.multiply(k11, lk1, out=tt)
        wl1 += tt
        # the even blocks j0 .. j1: what their right neighbour (odd block j) leaves ...
        nw = new[:, j0:j1]
        for row, (x0, y0, x1, y1) in enumerate(((a00, w01, a10, w11), (a00, wl0, a10, wl1),
                                                (a01, wl0, a11, wl1))):
            np.multiply(x0, y0, out=nw[row, :no])
            np.multiply(x1, y1, out=tt)
            nw[row, :no] += tt
            nw[row, :no] += ev[row, j0:o1]      # ev + (x0 y0 + x1 y1), as a sum of two
        nw[:3, no:] = ev[:3, o1:j1]
        # ... and their left neighbour (odd block j - 1)
        p0, p1 = max(j0, 1) - 1, j1 - 1
        if p1 > p0:
            c0 = p0 + 1 - j0
            pb00, pb01, pb10, pb11 = od[3:, p0:p1]
            pl0, pl1 = wl[0, p0:p1], wl[1, p0:p1]
            tp, tq = t[:p1 - p0], np.empty(p1 - p0)
            for row, (x0, y0, x1, y1) in enumerate(((pb00, k[8, p0:p1], pb10, k[10, p0:p1]),
                                                    (pb00, pl0, pb10, pl1),
                                                    (pb01, pl0, pb11, pl1))):
                np.multiply(x0, y0, out=tp)
                np.multiply(x1, y1, out=tq)
                tp += tq
                nw[row, c0:] += tp
        # the even blocks' new couplings to their right neighbours: A^T V
        for row, (x0, y0, x1, y1) in enumerate(((a00, v00, a10, v10), (a00, v01, a10, v11),
                                                (a01, v00, a11, v10), (a01, v01, a11, v11))):
            np.multiply(x0, y0, out=nw[3 + row, :no])
            np.multiply(x1, y1, out=tt)
            nw[3 + row, :no] += tt
        nw[3:, no:] = 0.0
    return k, new


class ChainBreakdown(Exception):
    """A pivot block of the chain factor is singular or overflows: use the general path."""


def _order(ea, eb, m: int, offset: int):
    """(lo, hi, ground): each edge's slots (node + offset), the lower first, and whether
    it goes to the ground (slot m + offset)."""
    lo, hi = np.minimum(ea, eb), np.maximum(ea, eb)
    if offset:
        lo += offset
        hi += offset
    return lo, hi, hi == m + offset


def _neighbours(lo, hi, ground, shift: int) -> bool:
    """Whether every edge but those to the ground joins slots (p + shift) of one block or
    of neighbouring blocks."""
    if shift:
        gap = (hi + shift) >> 1
        gap -= (lo + shift) >> 1
    else:
        gap = hi >> 1
        gap -= lo >> 1
    np.putmask(gap, ground, 0)
    return gap.size == 0 or int(gap.max()) <= 1


def chain_offset(ea, eb, m: int):
    """0 or 1 if pairing the unknowns (p = node + offset, block p // 2) leaves every edge
    inside a block or between neighbouring blocks (the ground, index m, aside); None
    otherwise."""
    lo, hi, ground = _order(ea, eb, m, 0)
    for off in (0, 1):
        if _neighbours(lo, hi, ground, off):
            return off
    return None


def chain_factor(ea, eb, eg, m: int):
    """The :class:`ChainFactor` of the network (edges as for the class), or None when it
    is not a chain (:func:`chain_offset` is None).  Raises :class:`ChainBreakdown`."""
    lo, hi, ground = _order(ea, eb, m, 0)
    for off in (0, 1):
        if _neighbours(lo, hi, ground, off):
            if off:
                lo += off
                hi += off
            return ChainFactor(ea, eb, eg, m, off, _ordered=(lo, hi, ground))
    return None
