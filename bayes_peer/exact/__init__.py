"""Exact layer: closed forms and one-dimensional quadrature (numpy, scipy, mpmath; no PyMC)."""

from bayes_peer.exact.correlation import (
    CorrelationPosterior,
    correlation_posterior,
    log_bayes_factors,
    posterior_cdf,
    posterior_density,
    posterior_quantile,
)
from bayes_peer.exact.regression import RSCALES, log_block_bfs, log_jzs_bf, resolve_rscale

__all__ = [
    "RSCALES",
    "CorrelationPosterior",
    "correlation_posterior",
    "log_bayes_factors",
    "log_block_bfs",
    "log_jzs_bf",
    "posterior_cdf",
    "posterior_density",
    "posterior_quantile",
    "resolve_rscale",
]
