"""An independent reference implementation for the exact correlation tests.

It integrates Ly, Verhagen & Wagenmakers' (2016, eq. 13) form of Jeffreys's likelihood ratio,
h = A + B with
    A = (1 - rho²)^((n-1)/2) 2F1((n-1)/2, (n-1)/2; 1/2; (r rho)²)
    B = 2 r rho (1 - rho²)^((n-1)/2) [Γ(n/2)/Γ((n-1)/2)]² 2F1(n/2, n/2; 3/2; (r rho)²),
against the stretched-beta prior with mpmath at 30 digits. The package uses Hotelling's form
of the same density in log space, so agreement checks both the algebra and the numerics.
"""

from __future__ import annotations

import mpmath as mp


def ly_bf(r: float, n: int, kappa: float, lower: float = -1.0, upper: float = 1.0) -> float:
    """∫ h(rho) p(rho) d rho over [lower, upper] (times 2 for a half line)."""
    mp.mp.dps = 30
    r, a = mp.mpf(r), 1 / mp.mpf(kappa)
    ratio = (mp.gamma(mp.mpf(n) / 2) / mp.gamma(mp.mpf(n - 1) / 2)) ** 2

    def h(rho):
        base = (1 - rho**2) ** (mp.mpf(n - 1) / 2)
        x = (r * rho) ** 2
        big_a = base * mp.hyp2f1(mp.mpf(n - 1) / 2, mp.mpf(n - 1) / 2, mp.mpf(1) / 2, x)
        big_b = 2 * r * rho * base * ratio * mp.hyp2f1(mp.mpf(n) / 2, mp.mpf(n) / 2, 1.5, x)
        return big_a + big_b

    def prior(rho):
        return (1 - rho**2) ** (a - 1) / (2 ** (2 * a - 1) * mp.beta(a, a))

    value = mp.quad(
        lambda rho: h(rho) * prior(rho), [lower, 0, upper] if lower < 0 < upper else [lower, upper]
    )
    half = not (lower == -1 and upper == 1)
    return float(2 * value if half else value)
