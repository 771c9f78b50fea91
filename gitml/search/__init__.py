"""Searches over params: random, and Optuna driven by gitml (``--search``).

Each trial is a run of the sweep; the sweep's parent run holds the study
(``gitml.runs.study``). Optuna is an optional extra, imported only by ``--search optuna``.
"""
