"""Model observation: serving data against the training profile, and pre-promotion scans.

``git ml monitor`` finds the profile of the data a model version was trained on through
lineage (version -> run inputs -> stored profiles), compares a serving batch with it, and
stores a report on ``refs/gitml/monitor``. :class:`Collector` is the serving-side API that
writes the batches. Only the collector is imported here; it needs nothing but the stdlib.
"""

from gitml.monitor.collector import Collector

__all__ = ["Collector"]
