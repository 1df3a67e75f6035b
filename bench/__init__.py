"""Benchmarks that print tables: ``python -m bench`` (see README.md, "Benchmarks").

Every figure is compared with a baseline measured in the same run on the same machine, since
absolute times on a shared machine are noise; each table row says the figure, the baseline,
their ratio, the target and whether it was met.
"""
