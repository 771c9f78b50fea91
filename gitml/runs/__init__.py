"""Experiment runs: execute a command, checkpoint its code, record params, metrics and env.

Modules, one job each: ``params`` (params files, overrides, sweeps), ``metrics`` (metrics
files and history), ``env`` (environment capture), ``spool`` (the child-to-parent log),
``record`` (the run record), ``store`` (writing and querying ``refs/gitml/runs``),
``execute`` (running a command), ``sweep`` (grids in parallel worktrees), ``compare``.
"""

RUN_KIND = "gitml/run/1"  # the schema of a run record, as the query index files it
HIDDEN_COUNT_CAP = 1_000
"""A listing that finds nothing on its branch counts the matches elsewhere up to this many
and one more, which stands for "more than this many" (counting every match of a
filter most of a million runs meet took a second)."""
