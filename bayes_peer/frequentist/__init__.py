"""The frequentist baseline the paper used: Pearson r and p, hierarchical OLS by blocks, and the
comparison of dependent correlations.

Only ``scipy.special`` distribution functions are used, so the command line stays fast; the
tests check every number against ``scipy.stats``, ``statsmodels`` and R.
"""

from bayes_peer.frequentist.dependent import DependentDifference, nonoverlapping_difference
from bayes_peer.frequentist.ols import (
    BlockStep,
    Coefficient,
    HierarchicalOLS,
    block_steps,
    check_block_inputs,
    hierarchical_from_correlations,
    hierarchical_ols,
)
from bayes_peer.frequentist.pearson import PearsonResult, pearson_from_r, pearson_r

__all__ = [
    "BlockStep",
    "Coefficient",
    "DependentDifference",
    "HierarchicalOLS",
    "PearsonResult",
    "block_steps",
    "check_block_inputs",
    "hierarchical_from_correlations",
    "hierarchical_ols",
    "nonoverlapping_difference",
    "pearson_from_r",
    "pearson_r",
]
