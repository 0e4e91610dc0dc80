"""Calibration of the toolkit's models: simulation-based calibration (SBC) of every MCMC model
structure at n = 46 and a frequentist simulation study of the correlation intervals.

* :mod:`.models`: the registry of calibrated structures, each with its simulator and its test
  quantities (every reported parameter and the joint log-likelihood), and a negative control;
* :mod:`.sbc`: one simulation (prior draw, data, fit, ranks) and the uniformity tests;
* :mod:`.execute`: batches of simulations in this process, on a local Dask cluster or on a
  running Dask scheduler, written as they finish (resumable);
* :mod:`.frequentist`: the ADEMP study (coverage, bias, RMSE, width, BF decision rates);
* :mod:`.study`: the API entry point that ties them together and writes the results folder.
"""
