"""Reproduction: ``git ml rerun`` rebuilds a recorded run and proves the result.

``select`` picks runs and checks they can be rerun, ``inputs`` puts their data back by
digest, ``envdiff`` compares environments, ``verdict`` compares metrics within tolerances,
``replay`` runs it all in a temporary worktree, and ``report`` holds the outcome.
"""
