"""Bring history from other tools: ``git ml import mlflow|dvc|gto``.

Each importer reads the other tool's own on-disk format (no need to install it), maps
what it finds to gitml records and writes them in batches, so an interrupted import is
resumed by running it again: records get ids derived from the originals (the original
ids are kept in tags), and what is already there is skipped. Stage assignments, which
gitml keeps in the reviewed ``.gitml/stages.toml``, are written as commits of that file
on a branch of their own for review, in history order.
"""
