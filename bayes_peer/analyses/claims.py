"""The paper's four claims, each with the analysis that tests it and its evidence in one line.

The abstract (``STUDY.md``) claims that the peer relationship (1) was not related to the
number of contacts, (2) was associated with satisfaction and some recovery outcomes at 24
months but not at 12, (3) not explained by other intervention effects, and (4) similarly to
non-peer-delivered interventions. :func:`paper_claims` reads the numbers that test each claim
from the tables of a reanalysis (the demo's, or a study with the same construct names):

1. BF01 of alliance ~ contacts at each wave (exact, default prior);
2. BF10 of the alliance with each outcome at each wave, and with a joint model the posterior
   probability that the correlation grew from the first wave to the second;
3. the alliance block's Bayes factor after the other intervention effects (contacts, budget
   used) and the baseline score, per outcome at the last wave (exact JZS);
4. BF(informed vs default) with the literature's prior (Flückiger et al. 2018) and P(similar).

Evidence words follow Jeffreys' bands (BF > 3 for, < 1/3 against, inconclusive between).
"""

from __future__ import annotations

#: The constructs the claims are about (the demo's and the paper's names).
ALLIANCE, CONTACTS = "alliance", "contacts"
OUTCOMES = ("satisfaction", "empowerment", "recovery", "qol")


def _band(bf: float | None) -> str:
    if bf is None:
        return "not computed"
    if bf > 10:
        return "strong evidence for"
    if bf > 3:
        return "evidence for"
    if bf < 1 / 10:
        return "strong evidence against"
    if bf < 1 / 3:
        return "evidence against"
    return "inconclusive about"


def _bf(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3g}" if 1e-3 <= value < 1e4 else f"{value:.2e}"


def _constructs(row: dict) -> tuple[str, str]:
    wave = row.get("wave")
    suffix = f"_{wave}" if wave else ""
    return (
        row.get("construct1") or str(row["var1"]).removesuffix(suffix),
        row.get("construct2") or str(row["var2"]).removesuffix(suffix),
    )


def _pair(rows: list[dict], a: str, b: str, wave: str) -> dict | None:
    for row in rows:
        if row.get("wave") == wave and set(_constructs(row)) == {a, b}:
            return row
    return None


def _literature(row: dict) -> str:
    """The informed prior of a row in words (Flückiger et al. 2018 when it is that one)."""
    from bayes_peer.exact.informed import fluckiger_2018

    mu, sd = row["informed_prior_mu"], row["informed_prior_sd"]
    anchor = fluckiger_2018()
    name = (
        "the literature's prior (Flückiger et al. 2018, r = .278)"
        if (mu, sd) == (anchor.mu, anchor.sd)
        else f"the informed prior z ~ Normal({mu:.4g}, {sd:.4g}²)"
    )
    return f"BF of {name}, and P(|rho - {row['similar_center']:.3f}| < {row['similar_delta']:g})"


def _outcome(row: dict) -> str:
    wave = row.get("wave")
    return str(row["outcome"]).removesuffix(f"_{wave}" if wave else "")


def paper_claims(
    correlations: list[dict],
    blocks: list[dict] | None = None,
    contrasts: list[dict] | None = None,
    waves: tuple[str, str] = ("m12", "m24"),
) -> list[dict]:
    """The four claims as rows ``{claim, analysis, evidence}`` (None without the pairs).

    Parameters
    ----------
    correlations : list of dict
        Correlation rows with ``wave``, the two variables (``var1``/``var2`` as
        ``<construct>_<wave>``, or ``construct1``/``construct2``), ``bf10`` and ``bf01``, and
        for claim 4 ``bf_informed_default`` and ``p_similar``.
    blocks : list of dict, optional
        Block rows (``outcome``, ``wave``, ``block``, ``terms``, ``bf_block``).
    contrasts : list of dict, optional
        Between-wave contrasts of a joint model (``p_positive`` of rho(b) - rho(a)).
    waves : (str, str)
        The first and the second wave.
    """
    first, second = waves
    if _pair(correlations, ALLIANCE, CONTACTS, second) is None:
        return []
    rows = []
    c1 = [_pair(correlations, ALLIANCE, CONTACTS, w) for w in waves]
    rows.append(
        {
            "claim": "1. The peer relationship was not related to the number of contacts.",
            "analysis": "BF01 of alliance ~ contacts per wave (exact; default prior)",
            "evidence": "; ".join(
                f"{w}: BF01 = {_bf(r['bf01'])}, {_band(r['bf01'])} no relation"
                for w, r in zip(waves, c1, strict=True)
                if r
            ),
        }
    )
    parts = []
    for outcome in OUTCOMES:
        a, b = (_pair(correlations, ALLIANCE, outcome, w) for w in waves)
        if a is None or b is None:
            continue
        change = next(
            (c for c in contrasts or [] if {c["var1"], c["var2"]} == {ALLIANCE, outcome}), None
        )
        grew = f", P(rho grew) = {change['p_positive']:.2f}" if change else ""
        parts.append(
            f"{outcome}: BF10 {_bf(a['bf10'])} ({first}) -> {_bf(b['bf10'])} ({second}){grew}"
        )
    rows.append(
        {
            "claim": "2. It was associated with satisfaction and some recovery outcomes at 24 "
            "months, not at 12.",
            "analysis": "BF10 of the alliance with each outcome per wave (exact)"
            + ("; the change between waves (joint model)" if contrasts else ""),
            "evidence": "; ".join(parts) or "not computed",
        }
    )
    last = [b for b in blocks or [] if b.get("wave") == second and ALLIANCE in str(b["terms"])]
    rows.append(
        {
            "claim": "3. These associations were not explained by other intervention effects.",
            "analysis": f"Bayes factor of the alliance block after contacts, budget used and the "
            f"baseline score, at {second} (exact JZS)",
            "evidence": "; ".join(
                f"{_outcome(b)}: BF = {_bf(b['bf_block'])} ({_band(b['bf_block'])} "
                "the alliance beyond them)"
                for b in last
            )
            or "not computed",
        }
    )
    informed = [
        r
        for r in correlations
        if r.get("bf_informed_default") is not None
        and ALLIANCE in _constructs(r)
        and r.get("wave") == second
        and set(_constructs(r)) - {ALLIANCE} <= set(OUTCOMES)
    ]
    rows.append(
        {
            "claim": "4. The association is similar to what is found in non-peer-delivered "
            "interventions.",
            "analysis": (
                _literature(informed[0])
                if informed
                else "an informed prior from the literature (none given)"
            )
            + f" against the default prior, at {second}",
            "evidence": "; ".join(
                f"{next(c for c in _constructs(r) if c != ALLIANCE)}: BF(inf vs default) = "
                f"{_bf(r['bf_informed_default'])}, P(similar) = {r['p_similar']:.2f}"
                for r in informed
            )
            or "not computed (no informed prior)",
        }
    )
    return rows
