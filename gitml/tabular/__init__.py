"""Tabular data: streaming readers, column profiles and drift statistics.

Everything here needs the ``tabular`` extra (pyarrow and numpy). Both are imported lazily,
so importing this package costs nothing and a missing extra is reported only when used.
"""
