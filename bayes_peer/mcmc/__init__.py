"""MCMC layer: PyMC model structures compiled once with nutpie and refitted on new data.

Importing this package imports PyMC (about 5 s); the exact and frequentist layers never do.
"""
