"""The installed gitml's version (read by the build, shown by ``git ml --version``)."""

__version__ = "0.1.0"
