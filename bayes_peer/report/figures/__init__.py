"""The report's figures (PNG), drawn from a results folder's tables and NetCDF posteriors.

Which library draws what: ArviZ (arviz-plots 1.x) draws the trace and rank plots, the figures
it already draws well, in its own look. The rest is matplotlib because each overlays what no
library figure holds: the paper-style correlation matrix (r, stars, CrI and BF in one cell,
two waves in one table), prior and posterior of each correlation with the *exact* posterior
and Pearson's CI, Bayesian vs OLS coefficients and wave differences (Zou's CI beside the
posterior), posterior ΔR² with the classical ΔR², predictive checks of data with holes (each
panel its own observed rows), the prior predictive of sample correlations, and the model
averaging's inclusion probabilities.

Every figure states n, the prior behind what it shows and, for demo data, SYNTHETIC DATA.
Panels are small multiples at report width (about 1000 px). Trace and rank plots use ArviZ 1.x
(``plot_trace_dist``, ``plot_rank``); the others are matplotlib, because they overlay things
ArviZ does not know about (exact posteriors, frequentist intervals, the observed values of data
with holes). The look is :mod:`bayes_peer.report.style`.

References
----------
Gabry, J., Simpson, D., Vehtari, A., Betancourt, M., & Gelman, A. (2019). Visualization in
Bayesian workflow. *JRSS A*, 182(2), 389-402.
Vehtari, A., Gelman, A., Simpson, D., Carpenter, B., & Bürkner, P.-C. (2021). Rank-normalization,
folding, and localization: an improved R-hat. *Bayesian Analysis*, 16(2), 667-718.
"""

from bayes_peer.report.figures.averaging import inclusion_probabilities
from bayes_peer.report.figures.checks import (
    posterior_predictive,
    prior_predictive,
    trace_and_rank,
    worst_models,
)
from bayes_peer.report.figures.correlations import (
    cell_text,
    correlation_matrix,
    correlation_posteriors,
    literature_comparison,
    matrix_flags,
    wave_differences,
)
from bayes_peer.report.figures.regressions import coefficient_forest, delta_r2_posteriors

#: Every figure function, in report order, with the analysis it belongs to.
FIGURES = (
    ("correlations", "correlation_matrix", correlation_matrix),
    ("correlation_posteriors", "correlation_posteriors", correlation_posteriors),
    ("regressions", "coefficient_forest", coefficient_forest),
    ("regression_details", "delta_r2", delta_r2_posteriors),
    ("averaging", "inclusion_probabilities", inclusion_probabilities),
    ("informed", "literature_comparison", literature_comparison),
    ("waves", "wave_differences", wave_differences),
    ("checks", "posterior_predictive", posterior_predictive),
    ("checks", "prior_predictive", prior_predictive),
    ("checks", "trace_and_rank", trace_and_rank),
)

#: Caption of each figure in the report.
CAPTIONS = {
    "correlation_matrix": "Correlation matrix as papers print it: Pearson r with stars, the "
    "{level} credible interval (of the joint model, or of the exact posterior when no model was "
    "fitted) and the exact BF10 per cell; only flags that occur are in the legend.",
    "correlation_posteriors": "Prior and posterior of each correlation: MCMC (joint model) "
    "and its prior, against the exact posterior and the Pearson estimate with its {level} CI.",
    "coefficient_forest": "Standardized coefficients of the full block model: OLS beta and "
    "{level} CI, beside the posterior median and {level} CrI when a model was fitted.",
    "delta_r2": "Posterior of ΔR² for each block, with the classical ΔR² marked.",
    "inclusion_probabilities": "Posterior inclusion probability of each term over every "
    "subset of the terms (exact JZS model averaging), against its prior inclusion probability.",
    "wave_differences": "Change between the waves, with intervals.",
    "literature_comparison": "Each compared correlation's posterior under the default prior "
    "and under the informed prior, beside the Pearson {level} CI and the informed prior's 95% "
    "interval on rho (shaded; its source is in the Methods).",
    "posterior_predictive": "Posterior predictive check.",
    "prior_predictive": "Prior predictive check.",
    "trace_and_rank": "Trace and rank plots (ArviZ).",
}


__all__ = [
    "CAPTIONS",
    "FIGURES",
    "cell_text",
    "coefficient_forest",
    "correlation_matrix",
    "correlation_posteriors",
    "delta_r2_posteriors",
    "literature_comparison",
    "matrix_flags",
    "posterior_predictive",
    "prior_predictive",
    "trace_and_rank",
    "wave_differences",
    "worst_models",
]
