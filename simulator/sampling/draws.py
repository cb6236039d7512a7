"""Sample one chunk of iterations into Draws: durations, driver occurrences and factors, gate dates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection

import numpy as np
from scipy.special import ndtr, ndtri

from ..scenario.network import Network
from .streams import COPULA, DURATION, FACTOR, GATE, OCCURS, uniforms

METHODS = ("mc", "lhs")


@dataclass(frozen=True, eq=False)
class Draws:
    """Sampled inputs of ``n`` iterations. Iterations lie on the last axis.

    Attributes
    ----------
    base : ndarray, shape (activities, n)
        Durations before risk drivers.
    fired : ndarray of bool, shape (drivers, n)
        Whether each impact/delay driver fired.
    factor : ndarray, shape (drivers, n)
        The factor (impact) or delay drawn for each driver, shared by all its
        targets; used where ``fired`` is true.
    gate_times : ndarray, shape (gates, n)
        Time of the first granting budget decision, ``inf`` when none grants
        within the horizon.
    """

    base: np.ndarray
    fired: np.ndarray
    factor: np.ndarray
    gate_times: np.ndarray

    @property
    def n(self) -> int:
        """Number of iterations."""
        return self.base.shape[1]

    def durations(self, net: Network, off: Collection[int] = (),
                  out: np.ndarray | None = None) -> np.ndarray:
        """Durations with the drivers applied (Hulett): factors multiply, then delays add.

        Parameters
        ----------
        net : Network
        off : collection of int
            Driver indices to leave out, as if they never fired.
        out : ndarray, optional
            Where to write them, shaped like ``base``.
        """
        d = self.base.copy() if out is None else out
        if out is not None:
            d[...] = self.base
        for effect in ("impact", "delay"):
            for k, drv in enumerate(net.drivers):
                if drv.effect != effect or k in off or drv.targets.size == 0:
                    continue
                if effect == "impact":
                    change = np.where(self.fired[k], self.factor[k], 1.0)
                    for row in drv.targets:  # row by row: no (targets, n) temporaries
                        np.multiply(d[row], change, out=d[row])
                else:
                    change = np.where(self.fired[k], self.factor[k], 0.0)
                    for row in drv.targets:
                        np.add(d[row], change, out=d[row])
        return d

    @staticmethod
    def empty(net: Network, n: int) -> "Draws":
        """Uninitialised arrays for ``n`` iterations, to be filled chunk by chunk."""
        k, g = len(net.drivers), len(net.gates)
        return Draws(np.empty((net.size, n)), np.empty((k, n), dtype=bool),
                     np.empty((k, n)), np.empty((g, n)))

    def columns(self, lo: int, hi: int) -> "Draws":
        """A view of iterations ``lo:hi``."""
        return Draws(self.base[:, lo:hi], self.fired[:, lo:hi], self.factor[:, lo:hi],
                     self.gate_times[:, lo:hi])

    def fill(self, other: "Draws") -> None:
        """Copy ``other`` into this (a view of) the same shape."""
        for name in ("base", "fired", "factor", "gate_times"):
            getattr(self, name)[...] = getattr(other, name)


def sample_chunk(net: Network, seed: int, chunk: int, n: int, method: str = "mc") -> Draws:
    """Draw ``n`` iterations of chunk number ``chunk``.

    Every value is a stable function of the seed, the element's id and the
    iteration, so adding or removing other elements leaves it unchanged.

    Parameters
    ----------
    net : Network
    seed : int
        From :func:`~simulator.sampling.streams.root_seed`.
    chunk : int
        Chunk number; together with ``n`` it fixes the iterations drawn.
    n : int
        Iterations in this chunk.
    method : {"mc", "lhs"}
        Plain Monte Carlo, or Latin Hypercube stratified within the chunk.
    """
    if method not in METHODS:
        raise ValueError(f"sampling must be one of {METHODS}, got {method!r}")
    u = uniforms(seed, net.ids, DURATION, chunk, n, method)
    for group in net.correlations:
        _copula(u, group, seed, chunk, n, method)
    base = net.durations.ppf(u)

    driver_ids = [d.key for d in net.drivers]
    occurs = uniforms(seed, driver_ids, OCCURS, chunk, n, method)
    probs = np.array([d.probability for d in net.drivers]).reshape(-1, 1)
    fired = occurs < probs
    factor = np.empty((len(driver_ids), n))
    if driver_ids:
        rows = [d.row for d in net.drivers]
        uniforms(seed, driver_ids, FACTOR, chunk, n, method, out=factor)
        factor = net.risk_dists.take(rows).ppf(factor)

    gate_u = uniforms(seed, [g.id for g in net.gates], GATE, chunk, n, method)
    gate_times = np.empty_like(gate_u)
    for k, gate in enumerate(net.gates):
        gate_times[k] = first_grant(gate.times, gate.grant, gate_u[k])
    return Draws(base, fired, factor, gate_times)


def planned_draws(net: Network) -> Draws:
    """One iteration of the deterministic plan: most-likely durations, no driver fires,
    and every funding gate grants at its first decision."""
    k = len(net.drivers)
    gates = np.array([g.first for g in net.gates]).reshape(-1, 1)
    return Draws(net.durations.planned().reshape(-1, 1), np.zeros((k, 1), dtype=bool),
                 np.ones((k, 1)), gates)


def first_grant(times: np.ndarray, grant: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Time of the first granting decision, by inverse CDF from uniforms ``u``.

    Decision ``j`` is the first to grant with probability
    ``grant[j] * prod(1 - grant[:j])``; each decision is independent. Where no
    decision grants, the result is ``inf``.
    """
    cdf = 1.0 - np.cumprod(1.0 - grant)
    j = np.searchsorted(cdf, u, side="right")
    padded = np.append(times, np.inf)
    return padded[j]


def _copula(u: np.ndarray, group, seed: int, chunk: int, n: int, method: str) -> None:
    """One-factor Gaussian copula: keeps each member's uniform marginal exactly."""
    r = group.pearson
    common = ndtri(uniforms(seed, [group.id], COPULA, chunk, n, method)[0])
    z = ndtri(u[group.members])
    z *= np.sqrt(1.0 - r)
    z += np.sqrt(r) * common
    u[group.members] = ndtr(z)
