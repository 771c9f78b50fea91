"""Datasets: pointer files, manifests and file lists on ``refs/gitml/data``, and their verbs.

``data add``, ``status``, ``checkout``, ``diff``, ``push``/``pull`` and ``gc`` build on the
object store (``gitml.objects``), which keeps the files themselves.
"""
