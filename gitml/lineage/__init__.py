"""Lineage: the runs, data and model versions a result came from, and what came of it.

Runs are linked by content: when a digest one run recorded as an output is a digest
another recorded as an input, the first made what the second read -- whichever way the
runs were made (``git ml repro`` stages, ``git ml run -i/-o``, the Python API). A dataset
version counts as its manifest digest and as the content it lists (the digest of its
file listing, or of its single file), so a stage that read ``data/data.xml`` and a run
that read dataset ``data.xml`` reach the same data. A model version links the run it
was registered from. Pipeline runs only group stage runs and take no part in the
digest links; each stage run names its pipeline run.

This module answers every lineage question (``git ml lineage``, the model card, the
promotion pull request, the UI): ``trace`` walks up (where from) or down (what came of
it) from a run, a model version (``NAME@STAGE``, ``NAME:VERSION``), a dataset or a path.
"""

from gitml.lineage.nodes import DIRECTIONS, MAX_NODES, Lineage, Node
from gitml.lineage.render import markdown_lines, tree_lines, upstream_chain, upstream_markdown
from gitml.lineage.walk import run_lineage, trace

__all__ = [
    "DIRECTIONS",
    "MAX_NODES",
    "Lineage",
    "Node",
    "markdown_lines",
    "run_lineage",
    "trace",
    "tree_lines",
    "upstream_chain",
    "upstream_markdown",
]
