"""30-digit reference quantiles of the exact posterior of a correlation (tests/data).

Usage: python scripts/reference_quantiles.py   (needs mpmath; a few minutes on 2 cores)
Writes tests/data/exact_quantiles_mpmath.csv (``--kendall-only``: skip it) and
tests/data/kendall_quantiles_mpmath.csv. The first: for every (r, n, kappa or an informed prior,
alternative) of the grid below, the posterior's 2.5%, 50% and 97.5% quantiles of rho,
computed with mpmath at 30 significant digits, independently of bayes_peer's code:

* the likelihood ratio of r given rho is Hotelling's form (Ly, Marsman & Wagenmakers 2018):
  (1 - rho²)^((n-1)/2) (1 - rho r)^(3/2 - n) 2F1(1/2, 1/2; n - 1/2; (1 + rho r)/2)
  (constant factors cancel in the quantiles);
* the prior is the stretched beta of width kappa, (1 - rho²)^(1/kappa - 1), or a normal prior
  on Fisher's z, N(mu, sd²) (its density on rho includes 1/(1 - rho²));
* one-sided posteriors are truncated to rho > 0 or rho < 0;
* the CDF is mpmath's tanh-sinh quadrature on the z = atanh(rho) scale, split at the mode and
  a few widths around it; the quantile is mpmath's root finder on it.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import mpmath as mp

mp.mp.dps = 30
OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "exact_quantiles_mpmath.csv"
KENDALL_OUT = OUT.with_name("kendall_quantiles_mpmath.csv")
PROBS = ("0.025", "0.5", "0.975")
R_VALUES = ("-0.7", "0.1", "0.45", "0.9")
N_VALUES = (5, 46, 300)
PRIORS = ("kappa=1", "kappa=0.3333333333333333", "kappa=2", "znormal=0.2855,0.1", "znormal=0,0.5")
ALTERNATIVES = ("two-sided", "greater", "less")


def log_density_z(z, r, n, prior: str):
    """Unnormalized log posterior density on the Fisher-z scale."""
    rho = mp.tanh(z)
    one_m = 1 - rho * rho  # = sech(z)^2, the Jacobian d rho / d z
    log_lik = ((n - 1) / mp.mpf(2)) * mp.log(one_m) + (mp.mpf(3) / 2 - n) * mp.log(1 - rho * r)
    log_lik += mp.log(mp.hyp2f1(0.5, 0.5, n - 0.5, (1 + rho * r) / 2))
    kind, value = prior.split("=")
    if kind == "kappa":
        a = 1 / mp.mpf(value)
        log_prior = (a - 1) * mp.log(one_m) + mp.log(one_m)  # (1 - rho²)^(a - 1) d rho / dz
    else:
        mu, sd = (mp.mpf(v) for v in value.split(","))
        log_prior = -((z - mu) ** 2) / (2 * sd * sd)  # normal on z: no Jacobian on the z scale
    return log_lik + log_prior


def quantiles(r: str, n: int, prior: str, alternative: str) -> list[mp.mpf]:
    """The PROBS quantiles of rho: the CDF tabulated on segments of a quarter of the
    posterior's width (Gauss-Legendre quadrature in each), then Newton steps inside the
    segment that holds each quantile."""
    r = mp.mpf(r)
    centre = mp.atanh(r)
    if prior.startswith("znormal"):
        mu, sd = (mp.mpf(v) for v in prior.split("=")[1].split(","))
        centre = (centre * n + mu / sd**2) / (n + 1 / sd**2)
    width = 1 / mp.sqrt(n)
    lo, hi = centre - 30 * width - 2, centre + 30 * width + 2
    if alternative == "greater":
        lo = max(lo, mp.mpf(0)) if hi > 0 else mp.mpf(0)
        hi = max(hi, mp.mpf(2))
    elif alternative == "less":
        hi = min(hi, mp.mpf(0)) if lo < 0 else mp.mpf(0)
        lo = min(lo, mp.mpf(-2))
    shift = max(log_density_z(lo + (hi - lo) * k / 400, r, n, prior) for k in range(1, 400))

    def f(z):
        return mp.exp(log_density_z(z, r, n, prior) - shift)

    steps = int(mp.ceil((hi - lo) / (width / 4)))
    return invert(f, [lo + (hi - lo) * k / steps for k in range(steps + 1)])


def invert(f, edges: list) -> list[mp.mpf]:
    """The PROBS quantiles of rho = tanh(z) for the density ``f`` of z on ``edges``: the CDF
    tabulated by Gauss-Legendre quadrature on every segment, then Newton steps inside the
    segment that holds each quantile."""
    steps = len(edges) - 1
    cumulative = [mp.mpf(0)]
    for a, b in itertools.pairwise(edges):
        cumulative.append(cumulative[-1] + mp.quad(f, [a, b], method="gauss-legendre"))
    total = cumulative[-1]
    out = []
    for p in PROBS:
        target = mp.mpf(p) * total
        k = max(i for i in range(steps) if cumulative[i] <= target)
        a = edges[k]
        z = a + (edges[k + 1] - a) * (target - cumulative[k]) / (cumulative[k + 1] - cumulative[k])
        for _ in range(60):
            gap = cumulative[k] + mp.quad(f, [a, z], method="gauss-legendre") - target
            step = gap / f(z)
            z -= step
            if abs(step) < mp.mpf(10) ** -26:
                break
        out.append(mp.tanh(z))
    return out


#: Kendall's tau cases (van Doorn et al. 2018's posterior, as bayes_peer.exact.kendall).
TAU_VALUES = ("-0.5", "0.1", "0.3", "0.7")
TAU_N = (10, 46, 120)
TAU_KAPPAS = ("1", "0.5", "2")
#: The toolkit's Fisher-z limits of integration (bayes_peer.exact.correlation.Z_LIMIT).
Z_LIMIT = 25


def kendall_quantiles(tau: str, n: int, kappa: str, alternative: str) -> list[mp.mpf]:
    """Quantiles of Kendall's tau's posterior, returned on the tau scale: density on z of
    N(T*; 3/2 tau(z) sqrt(n), 1) (tau(z) = (2/pi) arctan(sinh z)) times the stretched beta
    prior of rho on the z scale, over the toolkit's limits |z| <= 25."""
    tau_hat, a = mp.mpf(tau), 1 / mp.mpf(kappa)
    t = tau_hat * (n * (n - 1) / mp.mpf(2)) / mp.sqrt(n * (n - 1) * (2 * n + 5) / mp.mpf(18))
    root_n = mp.sqrt(n)

    def log_f(z):
        mean = mp.mpf(1.5) * (2 / mp.pi) * mp.atan(mp.sinh(z)) * root_n
        return -((t - mean) ** 2) / 2 + a * mp.log(1 - mp.tanh(z) ** 2)

    lo, hi = {"greater": (0, Z_LIMIT), "less": (-Z_LIMIT, 0)}.get(alternative, (-Z_LIMIT, Z_LIMIT))
    shift = max(log_f(lo + (hi - lo) * mp.mpf(k) / 2000) for k in range(1, 2000))

    def f(z):
        return mp.exp(log_f(z) - shift)

    steps = int((hi - lo) / mp.mpf("0.05"))
    rho = invert(f, [lo + (hi - lo) * mp.mpf(k) / steps for k in range(steps + 1)])
    return [2 / mp.pi * mp.asin(v) for v in rho]


def write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    import sys

    if "--kendall-only" not in sys.argv:
        rows = []
        for r, n, prior, alternative in itertools.product(R_VALUES, N_VALUES, PRIORS, ALTERNATIVES):
            q = quantiles(r, n, prior, alternative)
            rows.append(
                {
                    "r": r,
                    "n": n,
                    "prior": prior,
                    "alternative": alternative,
                    **{f"q{p}": mp.nstr(v, 25) for p, v in zip(PROBS, q, strict=True)},
                }
            )
            print(rows[-1], flush=True)
        write(OUT, rows)
    rows = []
    for tau, n, kappa, alternative in itertools.product(
        TAU_VALUES, TAU_N, TAU_KAPPAS, ALTERNATIVES
    ):
        q = kendall_quantiles(tau, n, kappa, alternative)
        rows.append(
            {
                "tau": tau,
                "n": n,
                "kappa": kappa,
                "alternative": alternative,
                **{f"q{p}": mp.nstr(v, 25) for p, v in zip(PROBS, q, strict=True)},
            }
        )
        print(rows[-1], flush=True)
    write(KENDALL_OUT, rows)


if __name__ == "__main__":
    main()
