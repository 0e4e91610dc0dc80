"""bayes_peer: Bayesian reanalysis of small-sample correlational studies.

The package is layered so that the cheap parts stay cheap:

* :mod:`bayes_peer.data` reads and validates participant CSVs, published summary statistics
  and the shipped synthetic demo study;
* :mod:`bayes_peer.exact` holds closed-form / one-dimensional-quadrature Bayes factors and
  posteriors (numpy, scipy, mpmath; never PyMC);
* :mod:`bayes_peer.frequentist` is the baseline the paper used (Pearson r, hierarchical OLS);
* :mod:`bayes_peer.workflows` turns validated inputs into the records of the CLI's JSON contract;
* :mod:`bayes_peer.cli` is the ``bayes-peer`` command.
"""

from bayes_peer.runtime import configure_environment

configure_environment()  # before numpy and PyTensor load: BLAS threads, no fast-math

__version__ = "0.1.0"
