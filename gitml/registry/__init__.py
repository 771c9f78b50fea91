"""The model registry: versions linked to runs, stages as a reviewed file, an applied log.

* ``register``: ``models/<model>/versions/<version>.toml`` on ``refs/gitml/registry``.
* ``promote``: checked edits of ``.gitml/stages.toml`` (work tree, a branch, or direct).
* ``apply``/``verify``: stage events derived from the default branch's history of that file.
* ``query``/``deploy``: ``model ls/show/history/get/push``.
"""
