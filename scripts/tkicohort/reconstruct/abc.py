"""Approximate Bayesian computation by sequential Monte Carlo with MCMC moves (adaptive ABC-SMC; Del Moral,
Doucet & Jasra 2012, "An adaptive sequential Monte Carlo method for approximate Bayesian computation", Statistics
and Computing 22:1009).

The model's free parameters (priors in the spec) are fitted to the published fit targets by simulation: a parameter
value is kept when a cohort simulated with it lies within a tolerance ε of the targets (:mod:`.fit` defines the
distance). ``particles`` values are drawn from the prior; then, generation after generation, the tolerance falls to
the ``keep`` quantile of the particles' distances, the particles within it are resampled to the full number, and
each is moved by ``moves`` Metropolis–Hastings steps of ABC-MCMC (a Gaussian proposal with the particles'
covariance times a factor, accepted when its simulated cohort lies within the tolerance, with the prior ratio).
The factor starts at the random-walk optimum 2.38² / d (Roberts, Gelman & Gilks 1997) and is halved (down to a sixteenth of
it) after a generation that accepted fewer than 10 % of the moves, raised by half after one that accepted more
than 40 %.
Particles keep equal weights throughout, which keeps the method stable with some twenty parameters. The run stops
when the tolerance has fallen by less than ``min_drop`` over the last three generations, when fewer than
``min_move_rate`` of the moves were accepted at the smallest factor tried, or after ``max_generations``.

Parameters live on a kernel scale: uniform priors as they are, log-uniform priors on the log scale, normal priors
as they are; a proposal outside a bounded prior's support is rejected.

Deterministic for a given generator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Prior:
    """Independent priors: ``kinds[i]`` in uniform / loguniform / normal with parameters ``(a, b)``."""

    names: list[str]
    kinds: list[str]
    params: list[tuple[float, float]]

    @classmethod
    def from_spec(cls, parameters: dict) -> Prior:
        names, kinds, params = [], [], []
        for name, spec in parameters.items():
            (kind, (a, b)), = spec.items()
            if kind not in ("uniform", "loguniform", "normal"):
                raise ValueError(f"parameter '{name}': unknown prior '{kind}'")
            names.append(name)
            kinds.append(kind)
            params.append((float(a), float(b)))
        return cls(names, kinds, params)

    @property
    def dim(self) -> int:
        return len(self.names)

    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        lo = np.array([np.log(a) if k == "loguniform" else (a if k == "uniform" else -np.inf)
                       for k, (a, b) in zip(self.kinds, self.params, strict=True)])
        hi = np.array([np.log(b) if k == "loguniform" else (b if k == "uniform" else np.inf)
                       for k, (a, b) in zip(self.kinds, self.params, strict=True)])
        return lo, hi

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """Draws on the kernel scale (size × dim)."""
        lo, hi = self._bounds()
        z = np.empty((size, self.dim))
        for i, (k, (a, b)) in enumerate(zip(self.kinds, self.params, strict=True)):
            z[:, i] = rng.normal(a, b, size) if k == "normal" else lo[i] + (hi[i] - lo[i]) * rng.random(size)
        return z

    def log_density(self, z: np.ndarray) -> np.ndarray:
        lo, hi = self._bounds()
        out = np.where(((z >= lo) & (z <= hi)).all(axis=1), 0.0, -np.inf)
        for i, (k, (a, b)) in enumerate(zip(self.kinds, self.params, strict=True)):
            if k == "normal":
                out = out + stats.norm.logpdf(z[:, i], a, b)
        return out

    def values(self, z: np.ndarray) -> dict[str, np.ndarray]:
        """Parameter values (natural scale) by name."""
        return {name: (np.exp(z[:, i]) if k == "loguniform" else z[:, i])
                for i, (name, k) in enumerate(zip(self.names, self.kinds, strict=True))}


@dataclass
class Population:
    z: np.ndarray
    distances: np.ndarray
    epsilon: float


# simulate(z, rng, epsilon) -> distances; a simulator may skip the costly part of the distance for rows already
# beyond epsilon (returning any value above it)
Simulator = Callable[[np.ndarray, np.random.Generator, float], np.ndarray]


def abc_smc(prior: Prior, simulate: Simulator, rng: np.random.Generator, *, particles: int = 1000,
            keep: float = 0.5, moves: int = 3, max_generations: int = 20, min_move_rate: float = 0.01,
            min_drop: float = 0.03, log: Callable[[str], None] | None = None) -> tuple[Population, list[dict]]:
    """Run the adaptive ABC-SMC; returns the final particles (equal weights) and one summary row per generation."""
    z = prior.sample(particles, rng)
    d = simulate(z, rng, np.inf)
    history = [{"generation": 0, "epsilon": np.inf, "simulations": particles, "move_rate": 1.0,
                "median_distance": float(np.median(d))}]
    epsilon = np.inf
    factor = 2.38 ** 2 / prior.dim
    floor = factor / 16
    epsilons: list[float] = []
    for g in range(1, max_generations + 1):
        epsilon = float(np.quantile(d, keep))
        alive = np.flatnonzero(d <= epsilon)
        pick = alive[rng.integers(len(alive), size=particles)]
        z, d = z[pick], d[pick]
        cov = factor * np.atleast_2d(np.cov(z, rowvar=False)) + np.eye(prior.dim) * 1e-9
        chol = np.linalg.cholesky(cov)
        accepted = 0
        for _ in range(moves):
            proposal = z + rng.standard_normal(z.shape) @ chol.T
            log_ratio = prior.log_density(proposal) - prior.log_density(z)
            inside = np.isfinite(log_ratio)
            new_d = np.full(particles, np.inf)
            if inside.any():
                new_d[inside] = simulate(proposal[inside], rng, epsilon)
            ok = inside & (new_d <= epsilon) & (np.log(rng.random(particles)) < log_ratio)
            z[ok], d[ok] = proposal[ok], new_d[ok]
            accepted += int(ok.sum())
        rate = accepted / (moves * particles)
        history.append({"generation": g, "epsilon": epsilon, "simulations": moves * particles,
                        "move_rate": rate, "proposal_factor": factor, "median_distance": float(np.median(d))})
        if log:
            log(f"generation {g}: epsilon {epsilon:.4g}, move acceptance {rate:.3f} (factor {factor:.3g}), "
                f"median distance {np.median(d):.4g}")
        epsilons.append(epsilon)
        if len(epsilons) > 3 and epsilons[-1] > (1 - min_drop) * epsilons[-4]:
            break
        if rate < min_move_rate and factor <= floor:
            break
        factor = max(factor / 2, floor) if rate < 0.1 else (factor * 1.5 if rate > 0.4 else factor)
    return Population(z, d, epsilon), history
