"""Pipelines: ``dvc.yaml`` stages, their DAG, what is stale, and ``git ml repro``.

``stagefile`` reads ``dvc.yaml`` as DVC does (``vars``, ``${}``, ``foreach``/``matrix``);
``graph`` builds the DAG and DVC's execution order; ``state`` hashes dependencies and
outputs (DVC's md5 for ``dvc.lock``, xxh3 for gitml's records) behind a stat cache;
``lockfile`` reads and writes ``dvc.lock``; ``status`` says which stages are stale and
why; ``runcache`` finds a recorded execution of a stage and restores its outputs;
``repro`` runs what is stale, each stage as a gitml run under one pipeline run.
"""
